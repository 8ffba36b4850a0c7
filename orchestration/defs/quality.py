"""The quality gates on data arriving from outside, as Dagster asset checks: one step per stage.

dagster-ge does not support GX 1.x, so these are plain `@multi_asset_check`s around
orchestration.quality.gates, with each GX validation result attached as metadata. Three steps: the raw
feeds over the run's partition range, the present-state raw tables (BOMs, plan, inventory, reference),
and the Polars features over the run's range. Staging and the marts are guarded by their dbt tests,
which run inside the dbt steps (docs/quality_and_bi.md says which layer checks what).

Blocking (Dagster `blocking=True`, ERROR on failure: the assets downstream do not run, the serving copy
is not published and stays byte-identical): the reasons are in BLOCKING_REASONS and docs/quality_and_bi.md.
A raw row that breaks a row rule does not fail its suite: it is moved to quarantine.rows (kept, never
dropped) and the check reports a WARN with the counts. Only a broken raw contract (missing column, wrong
type) fails them. `blocking=True` also orders them: staging never reads a raw row before its gate has
looked at it.
"""


import warnings
from datetime import date, timedelta

import dagster as dg

from orchestration.defs.partitions import daily_partitions, run_snapshot_range
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.feeds.registry import FEED_TABLES
from orchestration.quality import gates

# Partitioned asset checks (the run's batch = its partition range) are a Dagster preview feature.
warnings.filterwarnings("ignore", category=dg.PreviewWarning, message="Specifying a partitions_def on an AssetCheckSpec")

RAW_SUITE_CHECK = "gx_raw_suite"
VOLUME_CHECK = "gx_row_count_vs_7d_median"
FEATURES_CHECK = "gx_features_suite"
COVERAGE_CHECK = "gx_features_cover_listed_parts"

PRESENT_STATE_TABLES = list(gates.PRESENT_STATE)

# (asset key prefix or exact key, check name) -> why a failure must stop the pipeline.
BLOCKING_REASONS: dict[tuple[str, str], str] = {
    ("raw/*", RAW_SUITE_CHECK):
        "a raw table that breaks its contract (missing column, wrong type) would be misread by every layer "
        "above; rows that break a row rule are quarantined instead and do not block",
    ("features/part_trends_daily", FEATURES_CHECK):
        "a NaN, an infinity or a physically impossible ratio becomes a wrong risk score that sorts anywhere "
        "in a dashboard",
    ("features/part_trends_daily", COVERAGE_CHECK):
        "a part listed that day without its feature row silently drops out of the risk marts",
}
NON_BLOCKING_REASONS: dict[tuple[str, str], str] = {
    ("raw/offers_*", VOLUME_CHECK):
        "a day that shrinks by more than the threshold against the trailing 7-day median is a warning: a "
        "distributor may have delisted parts; the features carry a missing seller forward for 3 days",
}


def run_dates(context) -> list[date]:
    """The run's snapshot dates: the check's partition range, or the run's range tags."""
    if getattr(context, "has_partition_key_range", False) and context.has_partition_key_range:
        keys = context.partition_key_range
        first, last = date.fromisoformat(keys.start), date.fromisoformat(keys.end)
    elif (tagged := run_snapshot_range(context.run.tags, strict=True)) is not None:
        first, last = tagged
    else:
        return []
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def to_check_result(result: gates.GateResult, *, check_name: str, asset_key: dg.AssetKey,
                    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR) -> dg.AssetCheckResult:
    """Failed with `severity` when an error-severity expectation failed; WARN for warnings or quarantined rows."""
    metadata = result.metadata()
    for key, empty in (("gx_result", {}), ("failed_expectations", []), ("quarantined_by_rule", {})):
        metadata[key] = metadata.get(key) or empty
    metadata = {key: dg.MetadataValue.json(value) if isinstance(value, list | dict) else value
                for key, value in metadata.items()}
    if result.passed and result.has_warnings:
        severity = dg.AssetCheckSeverity.WARN
    return dg.AssetCheckResult(check_name=check_name, asset_key=asset_key, passed=result.passed and not result.has_warnings,
                               severity=severity, metadata=metadata)


def _description(asset_key: dg.AssetKey, check: str, what: str) -> str:
    path = asset_key.to_user_string()
    for (pattern, name), reason in {**BLOCKING_REASONS, **NON_BLOCKING_REASONS}.items():
        if name == check and (pattern == path or (pattern.endswith("*") and path.startswith(pattern[:-1]))):
            kind = "BLOCKING" if (pattern, name) in BLOCKING_REASONS else "warning only"
            return f"{what} ({kind}: {reason})"
    return what


def _spec(key: dg.AssetKey, name: str, blocking: bool, summary: str, partitioned: bool) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(name, asset=key, blocking=blocking, description=_description(key, name, summary),
                             partitions_def=daily_partitions if partitioned else None)


def raw_feed_gates(tables: list[str]) -> dg.AssetChecksDefinition:
    """Every raw feed's suite and volume check over the run's snapshot dates, in one step."""
    specs = []
    for table in tables:
        key = dg.AssetKey(["raw", table])
        specs += [
            _spec(key, RAW_SUITE_CHECK, True, f"GX suite raw.{table} on the run's snapshot dates: required fields "
                  "and types, stock >= 0, price > 0, known currency, snapshot date = partition, MPN not empty", True),
            _spec(key, VOLUME_CHECK, False, "rows per source and day against the trailing 7-day median "
                  "(PARTRISK_ROWCOUNT_SHRINK_WARN, default 0.5)", True),
        ]

    @dg.multi_asset_check(specs=specs, name="gx_raw_feeds", can_subset=True, pool=DUCKDB_POOL)
    def raw_feeds(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        dates = run_dates(context)
        selected = context.selected_asset_check_keys

        def chosen(check: str) -> list[str]:
            return [f"raw.{t}" for t in tables if dg.AssetCheckKey(dg.AssetKey(["raw", t]), check) in selected]

        # All the feed tables in one GX validation per suite; each table still gets its own result.
        with warehouse.connect() as conn:
            for table, result in gates.gate_raw_feeds(conn, chosen(RAW_SUITE_CHECK), dates).items():
                if result.rows_quarantined:
                    context.log.warning(f"{table}: {result.rows_quarantined} row(s) moved to quarantine.rows "
                                        f"({result.quarantined_by_rule})")
                yield to_check_result(result, check_name=RAW_SUITE_CHECK,
                                      asset_key=dg.AssetKey(table.split(".")))
            # The volume suite only warns, whatever GX says.
            for table, result in gates.gate_raw_volumes(conn, chosen(VOLUME_CHECK), dates).items():
                yield to_check_result(result, check_name=VOLUME_CHECK, asset_key=dg.AssetKey(table.split(".")),
                                      severity=dg.AssetCheckSeverity.WARN)

    return raw_feeds


def present_state_gates(tables: list[str]) -> dg.AssetChecksDefinition:
    """Every BOM, plan, inventory and reference table's suite (the tables are reloaded whole), in one step."""
    specs = [_spec(dg.AssetKey(["raw", table]), RAW_SUITE_CHECK, True, f"GX suite raw.{table}: required fields, "
                   "numbers that parse and are in range, known enums", False) for table in tables]

    @dg.multi_asset_check(specs=specs, name="gx_raw_present_state", can_subset=True, pool=DUCKDB_POOL)
    def present_state(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        selected = context.selected_asset_check_keys
        with warehouse.connect() as conn:
            for table in tables:
                key = dg.AssetKey(["raw", table])
                if dg.AssetCheckKey(key, RAW_SUITE_CHECK) not in selected:
                    continue
                result = gates.gate_present_state(conn, table)
                if result.rows_quarantined:
                    context.log.warning(f"raw.{table}: {result.rows_quarantined} row(s) moved to quarantine.rows")
                yield to_check_result(result, check_name=RAW_SUITE_CHECK, asset_key=key)

    return present_state


FEATURE_GATES = {  # check name -> (what it checks, the gate)
    FEATURES_CHECK: ("GX suite: no NaN or inf, ratios within physical bounds, one row per part and day",
                     gates.gate_features),
    COVERAGE_CHECK: ("GX suite: the rows of each day cover the parts staging lists that day",
                     gates.gate_features_coverage),
}


def features_gates() -> dg.AssetChecksDefinition:
    """The Polars features' suites over the run's snapshot dates, in one step."""
    key = dg.AssetKey(["features", "part_trends_daily"])
    specs = [_spec(key, name, True, summary, True) for name, (summary, _gate) in FEATURE_GATES.items()]

    @dg.multi_asset_check(specs=specs, name="gx_features", can_subset=True, pool=DUCKDB_POOL)
    def features(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        dates = run_dates(context)
        with warehouse.connect() as conn:
            for name, (_summary, gate) in FEATURE_GATES.items():
                if dg.AssetCheckKey(key, name) in context.selected_asset_check_keys:
                    yield to_check_result(gate(conn, dates), check_name=name, asset_key=key)

    return features


def build_quality_checks(asset_keys) -> list[dg.AssetChecksDefinition]:
    """One check step per stage (raw feeds, raw present state, features) over the assets defined."""
    keys = {dg.AssetKey.from_coercible(k) if not isinstance(k, dg.AssetKey) else k for k in asset_keys}
    feeds = [t for t in FEED_TABLES if dg.AssetKey(["raw", t]) in keys]
    present = [t for t in PRESENT_STATE_TABLES if dg.AssetKey(["raw", t]) in keys]
    checks = []
    if feeds:
        checks.append(raw_feed_gates(feeds))
    if present:
        checks.append(present_state_gates(present))
    if dg.AssetKey(["features", "part_trends_daily"]) in keys:
        checks.append(features_gates())
    return checks

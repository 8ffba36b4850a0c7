"""The quality gates as Dagster asset checks: each runs its GX suite on the batch the run produced.

dagster-ge does not support GX 1.x, so these are plain `@asset_check`s around orchestration.quality.gates,
with the GX validation result attached as metadata. The batch is the run's partition range for dated
tables (feeds, daily staging, features, risk history), the reloaded table for present-state ones.

Blocking (Dagster `blocking=True`, ERROR on failure: the assets downstream do not run, the serving copy
is not published and stays byte-identical) — the reasons are in BLOCKING_REASONS and docs/quality_and_bi.md.
Raw suites are blocking too, but a raw row that breaks a row rule does not fail them: it is moved to
quarantine.rows (kept, never dropped) and the check reports a WARN with the counts. Only a broken raw
contract (missing column, wrong type) fails them. `blocking=True` also orders them: staging never reads
a raw row before its gate has looked at it.
"""


import warnings
from datetime import date, timedelta

import dagster as dg

from orchestration.defs.partitions import daily_partitions
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.feeds.registry import SOURCES
from orchestration.quality import gates

# Partitioned asset checks (the run's batch = its partition range) are a Dagster preview feature.
warnings.filterwarnings("ignore", category=dg.PreviewWarning, message="Specifying a partitions_def on an AssetCheckSpec")

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
PARTITION_TAG = "dagster/partition"

RAW_SUITE_CHECK = "gx_raw_suite"
VOLUME_CHECK = "gx_row_count_vs_7d_median"
STAGING_CHECK = "gx_staging_suite"
FEATURES_CHECK = "gx_features_suite"
COVERAGE_CHECK = "gx_features_cover_listed_parts"
MART_CHECK = "gx_mart_suite"
BOM_SUMS_CHECK = "gx_bom_line_sums"
BUDGET_CHECK = "gx_budget_sums"

FEED_TABLES = [f"offers_{name}" for name in SOURCES] + ["offers_broker"]
PRESENT_STATE_TABLES = list(gates.PRESENT_STATE)

# (asset key prefix or exact key, check name) -> why a failure must stop the pipeline.
BLOCKING_REASONS: dict[tuple[str, str], str] = {
    ("raw/*", RAW_SUITE_CHECK):
        "a raw table that breaks its contract (missing column, wrong type) would be misread by every layer "
        "above; rows that break a row rule are quarantined instead and do not block",
    ("staging/stg_feeds__offers", STAGING_CHECK):
        "a duplicate offer grain counts stock and sellers twice, an offer without part key or manufacturer "
        "decision vanishes from the part grain: every feature and score above would be wrong",
    ("features/part_trends_daily", FEATURES_CHECK):
        "a NaN, an infinity or a physically impossible ratio becomes a wrong risk score that sorts anywhere "
        "in a dashboard",
    ("features/part_trends_daily", COVERAGE_CHECK):
        "a part listed that day without its feature row silently drops out of the risk marts",
    ("marts/*", MART_CHECK):
        "scores, bands and strategies outside their range or enum are what buyers act on",
    ("marts/bom_lines", BOM_SUMS_CHECK):
        "BOM lines lost or duplicated between staging and the marts change every product's risk and demand",
    ("marts/buffer_plan", BUDGET_CHECK):
        "a buffer plan that funds more than the budget is a purchase recommendation nobody can follow",
}
NON_BLOCKING_REASONS: dict[tuple[str, str], str] = {
    ("raw/offers_*", VOLUME_CHECK):
        "a day that shrinks by more than the threshold against the trailing 7-day median is a warning: a "
        "distributor may have delisted parts; the features carry a missing seller forward for 3 days",
    ("staging/stg_feeds__price_breaks", STAGING_CHECK):
        "a unit price that rises with quantity is a distributor quirk, reported; the features take the "
        "cheapest break at or below each quantity",
}


def run_dates(context) -> list[date]:
    """The run's snapshot dates: the check's partition range, or the run's range tags."""
    if getattr(context, "has_partition_key_range", False) and context.has_partition_key_range:
        keys = context.partition_key_range
        first, last = date.fromisoformat(keys.start), date.fromisoformat(keys.end)
    else:
        tags = context.run.tags
        start = tags.get(RANGE_START_TAG) or tags.get(PARTITION_TAG)
        end = tags.get(RANGE_END_TAG) or tags.get(PARTITION_TAG)
        if not start:
            return []
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def to_check_result(result: gates.GateResult, *, check_name: str | None = None,
                    asset_key: dg.AssetKey | None = None) -> dg.AssetCheckResult:
    """ERROR when an error-severity expectation failed; WARN for warnings or quarantined rows; else passed."""
    metadata = result.metadata()
    metadata["gx_result"] = dg.MetadataValue.json(metadata.get("gx_result") or {})
    metadata["failed_expectations"] = dg.MetadataValue.json(metadata.get("failed_expectations") or [])
    metadata["quarantined_by_rule"] = dg.MetadataValue.json(metadata.get("quarantined_by_rule") or {})
    if "statistics" in metadata:
        metadata["statistics"] = dg.MetadataValue.json(metadata["statistics"])
    for key, value in list(metadata.items()):
        if isinstance(value, list):
            metadata[key] = dg.MetadataValue.json(value)
    if not result.passed:
        passed, severity = False, dg.AssetCheckSeverity.ERROR
    elif result.has_warnings:
        passed, severity = False, dg.AssetCheckSeverity.WARN
    else:
        passed, severity = True, dg.AssetCheckSeverity.ERROR
    extra = {}
    if check_name:
        extra["check_name"] = check_name
    if asset_key:
        extra["asset_key"] = asset_key
    return dg.AssetCheckResult(passed=passed, severity=severity, metadata=metadata, **extra)


def _description(asset_key: dg.AssetKey, check: str, what: str) -> str:
    path = asset_key.to_user_string()
    for (pattern, name), reason in {**BLOCKING_REASONS, **NON_BLOCKING_REASONS}.items():
        if name == check and (pattern == path or (pattern.endswith("*") and path.startswith(pattern[:-1]))):
            kind = "BLOCKING" if (pattern, name) in BLOCKING_REASONS else "warning only"
            return f"{what} ({kind}: {reason})"
    return what


def raw_feed_checks(table: str) -> list[dg.AssetChecksDefinition]:
    key = dg.AssetKey(["raw", table])

    @dg.asset_check(asset=key, name=RAW_SUITE_CHECK, blocking=True, partitions_def=daily_partitions, pool=DUCKDB_POOL,
                    description=_description(key, RAW_SUITE_CHECK, f"GX suite raw.{table} on the run's snapshot dates: "
                                             "required fields and types, stock >= 0, price > 0, known currency, "
                                             "snapshot date = partition, MPN not empty"))
    def raw_suite(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        dates = run_dates(context)
        with warehouse.connect() as conn:
            result = gates.gate_raw_feed(conn, f"raw.{table}", dates)
        if result.rows_quarantined:
            context.log.warning(f"raw.{table}: {result.rows_quarantined} row(s) moved to quarantine.rows "
                                f"({result.quarantined_by_rule})")
        return to_check_result(result)

    @dg.asset_check(asset=key, name=VOLUME_CHECK, blocking=False, partitions_def=daily_partitions, pool=DUCKDB_POOL,
                    description=_description(key, VOLUME_CHECK, "rows per source and day against the trailing "
                                             "7-day median (PARTRISK_ROWCOUNT_SHRINK_WARN, default 0.5)"))
    def volume(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        dates = run_dates(context)
        with warehouse.connect() as conn:
            result = gates.gate_raw_volume(conn, f"raw.{table}", dates)
        checked = to_check_result(result)
        # The volume suite only warns, whatever GX says.
        if not checked.passed:
            checked = dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN, metadata=checked.metadata)
        return checked

    return [raw_suite, volume]


def present_state_check(table: str) -> dg.AssetChecksDefinition:
    key = dg.AssetKey(["raw", table])

    @dg.asset_check(asset=key, name=RAW_SUITE_CHECK, blocking=True, pool=DUCKDB_POOL,
                    description=_description(key, RAW_SUITE_CHECK, f"GX suite raw.{table}: required fields, numbers "
                                             "that parse and are in range, known enums"))
    def raw_suite(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect() as conn:
            result = gates.gate_present_state(conn, table)
        if result.rows_quarantined:
            context.log.warning(f"raw.{table}: {result.rows_quarantined} row(s) moved to quarantine.rows")
        return to_check_result(result)

    return raw_suite


def dated_gate_check(asset: dg.AssetKey, name: str, blocking: bool, summary: str, gate) -> dg.AssetChecksDefinition:
    """A gate over the run's partition range of a daily-partitioned asset (one night validates one day)."""

    @dg.asset_check(asset=asset, name=name, blocking=blocking, partitions_def=daily_partitions, pool=DUCKDB_POOL,
                    description=_description(asset, name, summary))
    def check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect() as conn:
            return to_check_result(gate(conn, run_dates(context)))

    return check


def staging_checks() -> list[dg.AssetChecksDefinition]:
    offers = dg.AssetKey(["staging", "stg_feeds__offers"])
    breaks = dg.AssetKey(["staging", "stg_feeds__price_breaks"])
    return [
        dated_gate_check(offers, STAGING_CHECK, True, "GX suite: unique offer grain, part key, every manufacturer "
                         "normalized or flagged, lifecycle enum", gates.gate_staging_offers),
        dated_gate_check(breaks, STAGING_CHECK, False, "GX suite: price breaks rise in quantity and do not rise in "
                         "unit price", gates.gate_staging_price_breaks),
    ]


def features_checks() -> list[dg.AssetChecksDefinition]:
    key = dg.AssetKey(["features", "part_trends_daily"])
    return [
        dated_gate_check(key, FEATURES_CHECK, True, "GX suite: no NaN or inf, ratios within physical bounds, one "
                         "row per part and day", gates.gate_features),
        dated_gate_check(key, COVERAGE_CHECK, True, "GX suite: the rows of each day cover the parts staging lists "
                         "that day", gates.gate_features_coverage),
    ]


def mart_checks(mart_keys: list[dg.AssetKey]) -> list[dg.AssetChecksDefinition]:
    checks = []
    for key in mart_keys:
        table = key.path[-1]

        def make(table=table, key=key):
            @dg.asset_check(asset=key, name=MART_CHECK, blocking=True, pool=DUCKDB_POOL,
                            description=_description(key, MART_CHECK, f"GX suite marts.{table}: scores and enums "
                                                     "in range, grain unique"))
            def mart_suite(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
                with warehouse.connect() as conn:
                    return to_check_result(gates.gate_mart(conn, table, run_dates(context)))

            return mart_suite

        checks.append(make())
    keys = {k.to_user_string() for k in mart_keys}
    if "marts/bom_lines" in keys:
        key = dg.AssetKey(["marts", "bom_lines"])
        extra = [dg.AssetKey(["marts", t]) for t in ("bom_risk", "bom_ingest_report") if f"marts/{t}" in keys]

        @dg.asset_check(asset=key, name=BOM_SUMS_CHECK, blocking=True, pool=DUCKDB_POOL, additional_deps=extra,
                        description=_description(key, BOM_SUMS_CHECK, "BOM lines per product agree between staging, "
                                                 "marts.bom_lines, marts.bom_risk and bom_ingest_report"))
        def bom_sums(warehouse: WarehouseResource) -> dg.AssetCheckResult:
            with warehouse.connect() as conn:
                return to_check_result(gates.gate_mart_sums(conn))

        checks.append(bom_sums)
    if "marts/buffer_plan" in keys:
        key = dg.AssetKey(["marts", "buffer_plan"])

        @dg.asset_check(asset=key, name=BUDGET_CHECK, blocking=True, pool=DUCKDB_POOL,
                        description=_description(key, BUDGET_CHECK, "the funded purchases (funded_capital_usd) fit the budget"))
        def budget(warehouse: WarehouseResource) -> dg.AssetCheckResult:
            with warehouse.connect() as conn:
                return to_check_result(gates.gate_budget(conn))

        checks.append(budget)
    return checks


def build_quality_checks(asset_keys) -> list[dg.AssetChecksDefinition]:
    """Every gate whose asset is among `asset_keys` (the Definitions' assets), so no check dangles."""
    keys = {dg.AssetKey.from_coercible(k) if not isinstance(k, dg.AssetKey) else k for k in asset_keys}
    checks: list[dg.AssetChecksDefinition] = []
    for table in FEED_TABLES:
        if dg.AssetKey(["raw", table]) in keys:
            checks += raw_feed_checks(table)
    for table in PRESENT_STATE_TABLES:
        if dg.AssetKey(["raw", table]) in keys:
            checks.append(present_state_check(table))
    if dg.AssetKey(["staging", "stg_feeds__offers"]) in keys:
        checks += [c for c in staging_checks() if all(spec.asset_key in keys for spec in c.check_specs)]
    if dg.AssetKey(["features", "part_trends_daily"]) in keys:
        checks += features_checks()
    checks += mart_checks(sorted((k for k in keys if k.path[0] == "marts"), key=lambda k: k.to_user_string()))
    return checks


def blocking_check_keys(checks: list[dg.AssetChecksDefinition]) -> list[dg.AssetCheckKey]:
    return [spec.key for c in checks for spec in c.check_specs if spec.blocking]

"""Raw layer: every landing file into DuckDB `raw` tables.

Feeds are daily partitioned (one partition per snapshot date); a backfill loads its whole range in
one run. Plan, inventory, reference and BOM files describe the present and are loaded whole.
The parsing lives in orchestration/feeds and orchestration/boms; these assets say when and what.
On the Spark engine (PARTRISK_ENGINE=spark) each asset also lands the tables it wrote in the Parquet
lake the dbt sources read there (orchestration/spark/lake.py).
"""

from collections import Counter
from datetime import date

import dagster as dg

from orchestration import landing as landing_tree
from orchestration import settings
from orchestration.defs.partitions import daily_partitions, partition_dates, single_run_backfill
from orchestration.defs.pull import pull_asset_key
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.feeds.registry import SOURCES
from orchestration.policy import POLICY_FILE, PlanPolicy, PolicyError
from orchestration.pull.runner import SOURCES as PULL_SOURCES
from orchestration.warehouse import raw_load, reference_load
from orchestration.warehouse.connection import table_exists
from orchestration.warehouse.part_keys import rekey

RAW_GROUP = "raw"
FILES_PARSED_CHECK = "files_parsed"
NO_QUARANTINE_CHECK = "rows_not_quarantined"


LOAD_LOG = "load_log"


def land_on_spark(conn, tables: list[str], dates: list[date] | None = None) -> None:
    """On the Spark engine: the raw tables just written (and the load log) into the lake; `dates` of a feed."""
    if settings.engine() != "spark":
        return
    from orchestration.spark.lake import lake_dir, land_table

    window = (dates[0], dates[-1]) if dates else None
    for table in [*tables, LOAD_LOG]:
        # A table whose first load failed does not exist yet: its dbt source fails by name instead.
        if table_exists(conn, "raw", table):
            land_table(conn, "raw", table, lake_dir(), window if table != LOAD_LOG else None)


def _feed_checks(asset_key: dg.AssetKey) -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(FILES_PARSED_CHECK, asset=asset_key,
                          description="Every landing file of the partition range was parsed; failed files are named."),
        dg.AssetCheckSpec(NO_QUARANTINE_CHECK, asset=asset_key,
                          description="No row broke a row rule (rows that did are in quarantine.rows, not lost)."),
    ]


def _feed_check_results(asset_key: dg.AssetKey, result: raw_load.LoadResult):
    failed = result.failed_files
    yield dg.AssetCheckResult(
        check_name=FILES_PARSED_CHECK, asset_key=asset_key, passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"files_failed": len(failed),
                  "failures": dg.MetadataValue.md("\n".join(f"- `{f.file_path}`: {f.reason}" for f in failed[:100]) or "none")},
    )
    quarantined = result.quarantined
    rules = Counter(row["rule"] for row in quarantined)
    yield dg.AssetCheckResult(
        check_name=NO_QUARANTINE_CHECK, asset_key=asset_key, passed=not quarantined,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"rows_quarantined": len(quarantined), "rules": dg.MetadataValue.json(dict(rules))},
    )


def build_feed_asset(table: str, description: str, sources_for, deps=()) -> dg.AssetsDefinition:
    asset_key = dg.AssetKey(["raw", table])

    @dg.asset(
        key=asset_key, group_name=RAW_GROUP, description=description, partitions_def=daily_partitions, deps=deps,
        backfill_policy=single_run_backfill, pool=DUCKDB_POOL, check_specs=_feed_checks(asset_key),
        kinds={"duckdb", "python"},
    )
    def feed_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        dates = partition_dates(context)
        sources = sources_for(warehouse.landing)
        with warehouse.connect() as conn:
            result = raw_load.load_feed_partitions(conn, warehouse.landing, f"raw.{table}", sources, dates)
            land_on_spark(conn, [table], dates)
        for failure in result.failed_files:
            context.log.error(f"failed to load {failure.file_path}: {failure.reason}")
        yield dg.MaterializeResult(metadata={**result.metadata(), "sources": ", ".join(sources) or "none",
                                             "partition_range": f"{dates[0]}..{dates[-1]}"})
        yield from _feed_check_results(asset_key, result)

    return feed_asset


def broker_sources(landing) -> list[str]:
    """Every feed folder with a mapping.yml, plus unknown folders (logged as failed: no parser, no mapping)."""
    return [s for s in landing_tree.feed_sources(landing) if s not in SOURCES]


feed_assets = [
    build_feed_asset(f"offers_{name}", f"{name} API responses under feeds/{name}/<date>/, one row per offer.",
                     lambda _landing, name=name: [name], deps=[pull_asset_key(name)] if name in PULL_SOURCES else ())
    for name in SOURCES
] + [
    build_feed_asset("offers_broker", "Broker/ERP CSV exports under feeds/<name>/<date>/, mapped by feeds/<name>/mapping.yml.",
                     broker_sources)
]


def build_reference_asset(spec: reference_load.ReferenceSpec) -> dg.AssetsDefinition:
    asset_key = dg.AssetKey(["raw", spec.table])

    @dg.asset(
        key=asset_key, group_name=RAW_GROUP, description=f"{spec.description} From {spec.path}.", pool=DUCKDB_POOL,
        check_specs=[dg.AssetCheckSpec(FILES_PARSED_CHECK, asset=asset_key,
                                       description=f"{spec.path} was read; on failure the previous version stays.")],
        kinds={"duckdb", "python"},
    )
    def reference_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        with warehouse.connect() as conn:
            try:
                rows = reference_load.load_reference(conn, warehouse.landing, spec)
                error = None
            except reference_load.LandingFileError as failure:
                rows, error = None, str(failure)
                context.log.error(f"kept the previous raw.{spec.table}: {error}")
                reference_load.ensure_empty_reference(conn, spec)
            reference_load.log_present_state_load(conn, spec.table, spec.path, rows, error)
            land_on_spark(conn, [spec.table])
        yield dg.MaterializeResult(metadata={"rows": rows if rows is not None else 0, "file": spec.path,
                                             "error": error or "none"})
        yield dg.AssetCheckResult(check_name=FILES_PARSED_CHECK, asset_key=asset_key, passed=error is None,
                                  severity=dg.AssetCheckSeverity.ERROR, metadata={"error": error or "none"})

    return reference_asset


reference_assets = [build_reference_asset(spec) for spec in reference_load.REFERENCE_SPECS]


POLICY_ASSET_KEY = dg.AssetKey(["raw", "plan_policy"])


@dg.asset(
    key=POLICY_ASSET_KEY, group_name=RAW_GROUP, pool=DUCKDB_POOL, kinds={"duckdb", "python"},
    description=f"The planning policy ({POLICY_FILE}, validated; documented defaults where absent) as one row.",
    check_specs=[dg.AssetCheckSpec(FILES_PARSED_CHECK, asset=POLICY_ASSET_KEY,
                                   description=f"{POLICY_FILE} is valid; on failure the previous policy stays.")],
)
def plan_policy(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect() as conn:
        try:
            reference_load.load_plan_policy(conn, warehouse.landing)
            error = None
        except PolicyError as failure:
            error = str(failure)
            context.log.error(f"kept the previous raw.plan_policy: {error}")
            if not table_exists(conn, "raw", "plan_policy"):
                reference_load.write_plan_policy(conn, PlanPolicy(), None)
        reference_load.log_present_state_load(conn, "plan_policy", POLICY_FILE, None if error else 1, error)
        land_on_spark(conn, ["plan_policy"])
    yield dg.MaterializeResult(metadata={"file": POLICY_FILE, "error": error or "none"})
    yield dg.AssetCheckResult(check_name=FILES_PARSED_CHECK, asset_key=POLICY_ASSET_KEY, passed=error is None,
                              severity=dg.AssetCheckSeverity.ERROR, metadata={"error": error or "none"})


ALIASES_ASSET_KEY = dg.AssetKey(["raw", "manufacturer_aliases"])


@dg.asset(key=ALIASES_ASSET_KEY, group_name=RAW_GROUP, pool=DUCKDB_POOL, kinds={"duckdb", "python"},
          check_specs=[dg.AssetCheckSpec(FILES_PARSED_CHECK, asset=ALIASES_ASSET_KEY,
                                         description="reference/manufacturer_aliases.csv was read and has no cycle.")],
          description="The built-in manufacturer alias table plus reference/manufacturer_aliases.csv, chains resolved.")
def manufacturer_aliases(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    spec = reference_load.ALIAS_SPEC
    with warehouse.connect() as conn:
        try:
            rows, error = reference_load.load_manufacturer_aliases(conn, warehouse.landing), None
        except reference_load.LandingFileError as failure:
            rows, error = None, str(failure)
            context.log.error(f"manufacturer aliases: {error}")
        reference_load.log_present_state_load(conn, spec.table, spec.path, rows, error)
        land_on_spark(conn, [spec.table])
    yield dg.MaterializeResult(metadata={"rows": rows or 0, "error": error or "none"})
    yield dg.AssetCheckResult(check_name=FILES_PARSED_CHECK, asset_key=ALIASES_ASSET_KEY, passed=error is None,
                              severity=dg.AssetCheckSeverity.ERROR, metadata={"error": error or "none"})


BOM_ASSET_KEY = dg.AssetKey(["raw", "bom_lines"])


@dg.multi_asset(
    specs=[
        dg.AssetSpec(BOM_ASSET_KEY, group_name=RAW_GROUP, kinds={"duckdb", "python"},
                     description="Every line of every BOM in boms/, with designators expanded and part keys."),
        dg.AssetSpec(["raw", "bom_files"], group_name=RAW_GROUP, kinds={"duckdb", "python"},
                     description="One row per BOM file: status, detection report (JSON) and problems."),
    ],
    check_specs=[dg.AssetCheckSpec(FILES_PARSED_CHECK, asset=BOM_ASSET_KEY,
                                   description="Every BOM file could be read; unreadable ones are named with the reason.")],
    pool=DUCKDB_POOL,
)
def boms(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect() as conn:
        reports, failures = reference_load.load_boms(conn, warehouse.landing)
        land_on_spark(conn, ["bom_lines", "bom_files"])
    for failure in failures:
        context.log.error(f"BOM {failure['file_path']} not loaded: {failure['reason']}")
    yield dg.MaterializeResult(asset_key=BOM_ASSET_KEY, metadata={
        "boms": len(reports), "boms_failed": len(failures),
        "ingest_report": dg.MetadataValue.md(reference_load.bom_reports_markdown(reports))})
    yield dg.MaterializeResult(asset_key=["raw", "bom_files"], metadata={"boms": len(reports)})
    yield dg.AssetCheckResult(check_name=FILES_PARSED_CHECK, asset_key=BOM_ASSET_KEY, passed=not failures,
                              severity=dg.AssetCheckSeverity.ERROR,
                              metadata={"failures": dg.MetadataValue.json(failures)})


KEYED_ASSETS = [*feed_assets, *(asset for asset, spec in zip(reference_assets, reference_load.REFERENCE_SPECS, strict=True)
                                 if spec.part_keys)]


@dg.asset(key=["raw", "part_keys"], group_name=RAW_GROUP, pool=DUCKDB_POOL, kinds={"duckdb", "python"},
          deps=[*(key for a in KEYED_ASSETS for key in a.keys), ALIASES_ASSET_KEY, BOM_ASSET_KEY],
          description="Every spelling of a part in the raw layer -> its (mpn, manufacturer) key and why. "
                      "Recomputed on each refresh, so an alias change re-keys without re-parsing a file.")
def part_keys(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as conn:
        rows = rekey(conn)
        land_on_spark(conn, ["part_keys"])
    return dg.MaterializeResult(metadata={"spellings": rows})


raw_assets = [*feed_assets, *reference_assets, plan_policy, manufacturer_aliases, boms, part_keys]

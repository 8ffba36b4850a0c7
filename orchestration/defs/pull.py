"""Live pulls as assets: `landing/pull_<source>`, one daily partition per night, before the raw feeds.

A pull asks the provider for today's data, so only tonight's partition (today or yesterday, UTC) is
pulled; an older partition, or a source without credentials, is a quick skip that says why.
The work is `orchestration.pull.runner.run_pull`, the same function `partrisk pull` calls.
"""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import dagster as dg

from orchestration import settings
from orchestration.defs.partitions import daily_partitions, partition_dates, single_run_backfill
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.pull.credentials import missing_variables
from orchestration.pull.runner import SOURCES, run_pull

PULL_GROUP = "landing"
WATCHLIST_KEY = dg.AssetKey(["intermediate", "int_pull_watchlist"])


def pull_asset_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["landing", f"pull_{source}"])


def skip_reason(source: str, tonight: date, today: date, environ: dict[str, str] | None = None) -> str | None:
    """Why this partition is not pulled (None: pull it)."""
    if tonight not in (today, today - timedelta(days=1)):
        return f"partition {tonight} is not tonight's ({today - timedelta(days=1)} or {today}): providers answer for today only"
    missing = missing_variables(source, environ)
    if missing:
        return f"{', '.join(missing)} not set in the environment"
    return None


def build_pull_asset(source: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=pull_asset_key(source), group_name=PULL_GROUP, deps=[WATCHLIST_KEY], partitions_def=daily_partitions,
        backfill_policy=single_run_backfill, pool=DUCKDB_POOL, kinds={"python"},
        description=f"Tonight's {source} responses for the watchlist, under feeds/{source}/<date>/, within the "
                    f"quotas of plan/policy.yml; one raw.pull_log row per request.",
    )
    def pull_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        tonight = partition_dates(context)[-1]
        reason = skip_reason(source, tonight, datetime.now(UTC).date())
        if reason:
            context.log.info(f"{source} pull skipped: {reason}")
            return dg.MaterializeResult(metadata={"status": "skipped", "reason": reason})
        report = run_pull(warehouse.landing, Path(warehouse.warehouse_path), tonight, [source],
                          dagster_home=settings.dagster_home(), progress=context.log.info)
        result = report.results[0]
        return dg.MaterializeResult(metadata={
            "status": result.status, "calls": result.calls, "parts_saved": result.parts_saved,
            "parts_failed": result.parts_failed, "files": len(result.files), "message": result.message or "none"})

    return pull_asset


pull_assets = [build_pull_asset(source) for source in SOURCES]

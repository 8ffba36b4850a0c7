"""One daily partition per snapshot date, shared by the feed, staging, feature and history assets."""


from datetime import date, timedelta

import dagster as dg

from orchestration import settings

daily_partitions = dg.DailyPartitionsDefinition(start_date=settings.partitions_start(), end_offset=1)

# A backfill of many dates is one run that loads the whole range in one pass.
single_run_backfill = dg.BackfillPolicy.single_run()


def partition_dates(context: dg.AssetExecutionContext | dg.OpExecutionContext) -> list[date]:
    """Every date of the run's partition range (one date on a nightly run)."""
    window = context.partition_time_window
    first = window.start.date()
    last = window.end.date() - timedelta(days=1)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def dbt_window_vars(context: dg.AssetExecutionContext) -> dict[str, str]:
    """The partition range as dbt vars for the incremental models."""
    dates = partition_dates(context)
    return {"min_date": dates[0].isoformat(), "max_date": dates[-1].isoformat()}

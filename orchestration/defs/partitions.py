"""One daily partition per snapshot date, shared by the feed, staging, feature and history assets."""


from datetime import date, timedelta

import dagster as dg

from orchestration import settings

_first, _last = settings.partition_span()
FIRST_PARTITION = date.fromisoformat(_first)
# None: a live landing tree, whose partitions run through today (the sensor may request today's folder).
LAST_PARTITION = date.fromisoformat(_last) if _last else None

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=FIRST_PARTITION.isoformat(),
    end_date=(LAST_PARTITION + timedelta(days=1)).isoformat() if LAST_PARTITION else None,  # exclusive
    end_offset=1,
)

# The tags Dagster gives a run over a partition range, or over one partition.
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
PARTITION_TAG = "dagster/partition"

# A backfill of many dates is one run that loads the whole range in one pass.
single_run_backfill = dg.BackfillPolicy.single_run()


def outside_partitions(first: date, last: date) -> str | None:
    """Why the snapshot dates first..last cannot be run as partitions, with the setting that moves the bound."""
    if first < FIRST_PARTITION:
        return (f"snapshot {first} is before the first Dagster partition, {FIRST_PARTITION}: "
                f"set {settings.PARTITIONS_START_ENV}={first} (or earlier) and run again")
    if LAST_PARTITION and last > LAST_PARTITION:
        return (f"snapshot {last} is after the last Dagster partition, {LAST_PARTITION}: "
                f"set {settings.PARTITIONS_END_ENV}={last} (or later) and run again")
    return None


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


def range_tags(first: date, last: date) -> dict[str, str]:
    """The run tags that ask for the partition range first..last."""
    return {RANGE_START_TAG: first.isoformat(), RANGE_END_TAG: last.isoformat()}


def run_snapshot_range(tags, *, strict: bool = False) -> tuple[date, date] | None:
    """The snapshot dates a run's tags name (its partition range, or its one partition); None without them.

    A tag that is not a date gives None, or with `strict` a ValueError naming it: a gate must not pass on
    no dates, while recording a failed night must not fail itself.
    """
    start = tags.get(RANGE_START_TAG) or tags.get(PARTITION_TAG)
    end = tags.get(RANGE_END_TAG) or tags.get(PARTITION_TAG)
    if not start:
        return None
    try:
        return date.fromisoformat(start), date.fromisoformat(end)
    except (TypeError, ValueError) as error:
        if strict:
            raise ValueError(f"the run's partition tags are not snapshot dates: {start!r}..{end!r}") from error
        return None

"""When things run: the refresh job, the nightly schedule, the landing sensor, and the watch on both."""


import hashlib
import json
from datetime import date, timedelta
from pathlib import Path

import dagster as dg

from orchestration import landing as landing_tree
from orchestration import settings
from orchestration.defs.features import LOOKBACK_DAYS
from orchestration.defs.partitions import outside_partitions, range_tags
from orchestration.defs.serving import failure_alert, record_unpublished_run, send_alert, serving_fresh

# The night's work: every asset and check. Assets added to the code location (the landing pulls among
# them) join it; the partition range picks the feed-dated partitions, the present-state assets run once.
NIGHTLY_SELECTION = dg.AssetSelection.all()

# In-process: the duckdb pool runs the steps one at a time anyway, so a process per step would only add
# an interpreter start and the Dagster/dbt/GX imports to every step of the scheduled night.
refresh_job = dg.define_asset_job(
    name="refresh",
    selection=NIGHTLY_SELECTION,
    executor_def=dg.in_process_executor,
    description="Load the landing tree for the partition range, build staging, features and marts, run the checks, "
                "publish the serving copy.",
)


@dg.schedule(job=refresh_job, cron_schedule="0 2 * * *", name="nightly_refresh",
             description="Every night at 02:00: the previous day's snapshot partition and everything downstream.")
def nightly_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
    """Yesterday's partition (the partitions reach today, for the landing sensor, so the last one is not it)."""
    night = context.scheduled_execution_time.date() - timedelta(days=1)
    if (outside := outside_partitions(night, night)) is not None:
        return dg.SkipReason(outside)
    return dg.RunRequest(run_key=night.isoformat(), partition_key=night.isoformat())


# A night that never ran leaves no failed run to report; the serving copy's age does show it.
serving_freshness_job = dg.define_asset_job(
    name="serving_freshness", selection=dg.AssetSelection.checks(serving_fresh),
    executor_def=dg.in_process_executor,
    description="The serving copy's freshness check alone (it reads the serving file, not the warehouse).",
)
serving_freshness_hourly = dg.ScheduleDefinition(
    name="serving_freshness_hourly", job=serving_freshness_job, cron_schedule="30 * * * *",
    description="Every hour at :30: fail and alert when the serving copy is older than PARTRISK_SERVING_MAX_AGE_HOURS.",
)


@dg.run_failure_sensor(name="refresh_log_on_failure", default_status=dg.DefaultSensorStatus.RUNNING,
                       monitored_jobs=[refresh_job],
                       description="Writes a failed or blocked refresh to the warehouse's refresh_log (the serving "
                                   "copy stays at the last good version) and sends the alert "
                                   "(PARTRISK_ALERT_WEBHOOK, PARTRISK_ALERT_COMMAND).")
def refresh_log_on_failure(context: dg.RunFailureSensorContext):
    run_id = context.dagster_run.run_id
    try:
        status = record_unpublished_run(context.instance, run_id)
    except Exception as error:  # noqa: BLE001 - a warehouse that cannot be written is one more reason to alert
        context.log.error(f"refresh_log not written for run {run_id}: {error}")
        status = None
    steps = [event.step_key for event in context.get_step_failure_events() if event.step_key]
    send_alert(failure_alert(context.instance, run_id, status, steps), context.log)


@dg.sensor(job=refresh_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Every minute, looks at the landing tree's feeds/<source>/<YYYY-MM-DD>/ folders and requests "
                       "a refresh when a snapshot folder appears or a file in it changes in content (sha256); "
                       "a late or changed past date also recomputes the following days up to the feature "
                       "lookback. Off until you turn it on.")
def landing_sensor(context: dg.SensorEvaluationContext):
    """Requests a refresh when a snapshot folder appears or one of its files changes *in content*.

    Each folder's fingerprint is the sha256 of its files' contents (re-hashed only when a file's
    name, size or mtime moved), so a same-content re-send requests nothing. A changed or late file for a
    past date requests that date AND the following days up to the feature lookback (a partition range
    run), because their feature windows read it.
    """
    landing = settings.landing_dir()
    seen = _load_cursor(context.cursor)
    current: dict[str, list[str]] = {}
    for source in landing_tree.feed_sources(landing):
        folders, _bad = landing_tree.snapshot_folders(landing, source)
        for snapshot, folder in folders.items():
            key = f"{source}/{snapshot.isoformat()}"
            stat_print = landing_tree.folder_fingerprint(folder)
            previous = seen.get(key)
            if previous and previous[0] == stat_print:
                current[key] = previous
            else:
                current[key] = [stat_print, folder_content_fingerprint(folder)]
    changed = sorted({date.fromisoformat(key.split("/")[1]) for key, (_stat, content) in current.items()
                      if (seen.get(key) or [None, None])[1] != content})
    request = changed_range(changed, landing_tree.snapshot_dates(landing))
    if request is not None and (outside := outside_partitions(*request)) is not None:
        yield dg.SkipReason(outside)  # the cursor stays, so the request follows once the partitions cover it
        return
    if request is not None:
        first, last = request
        contents = hashlib.sha256(json.dumps({k: v[1] for k, v in current.items()}, sort_keys=True).encode())
        yield dg.RunRequest(
            run_key=f"{first}..{last}:{contents.hexdigest()[:16]}",
            tags=range_tags(first, last),
        )
    context.update_cursor(json.dumps(current, sort_keys=True))


def _load_cursor(cursor: str | None) -> dict[str, list[str]]:
    """The cursor maps source/date to [stat fingerprint, content fingerprint] (older cursors: one string)."""
    if not cursor:
        return {}
    loaded = json.loads(cursor)
    return {k: (v if isinstance(v, list) else [v, None]) for k, v in loaded.items()}


def folder_content_fingerprint(folder: Path) -> str:
    """sha256 over the folder's feed files' names and content hashes: mtime and re-sends do not change it."""
    digest = hashlib.sha256()
    for path in landing_tree.feed_files(folder):
        digest.update(f"{path.name}:{landing_tree.file_sha256(path)};".encode())
    return digest.hexdigest()[:32]


def changed_range(changed: list[date], all_dates: list[date], lookback_days: int = LOOKBACK_DAYS) -> tuple[date, date] | None:
    """The partition range to recompute: the first changed date to the last one's lookback, within the landing."""
    if not changed:
        return None
    latest = max(all_dates) if all_dates else max(changed)
    return min(changed), max(max(changed), min(max(changed) + timedelta(days=lookback_days), latest))

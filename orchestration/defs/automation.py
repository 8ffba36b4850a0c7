"""When things run: the refresh job, the nightly schedule and the landing sensor."""


import json

import dagster as dg

from orchestration import landing as landing_tree
from orchestration import settings

# Every asset: a partition range of the feed-dated assets plus the present-state assets once.
refresh_job = dg.define_asset_job(
    name="refresh",
    selection=dg.AssetSelection.all(),
    description="Load the landing tree for the partition range, build staging, features and marts, run the checks.",
)

# One scheduled night: yesterday's snapshot partition and everything downstream of it.
nightly_refresh = dg.build_schedule_from_partitioned_job(
    refresh_job, name="nightly_refresh", hour_of_day=2, minute_of_hour=0,
    description="Every night at 02:00: the previous day's snapshot partition and everything downstream.",
)


@dg.sensor(job=refresh_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED)
def landing_sensor(context: dg.SensorEvaluationContext):
    """Requests a partition when a snapshot folder appears or one of its files changes."""
    landing = settings.landing_dir()
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current: dict[str, str] = {}
    for source in landing_tree.feed_sources(landing):
        folders, _bad = landing_tree.snapshot_folders(landing, source)
        for snapshot, folder in folders.items():
            current[f"{source}/{snapshot.isoformat()}"] = landing_tree.folder_fingerprint(folder)
    changed_dates = sorted({key.split("/")[1] for key, print_ in current.items() if seen.get(key) != print_})
    for snapshot in changed_dates:
        yield dg.RunRequest(run_key=f"{snapshot}:{hash(tuple(sorted(current.items()))) & 0xFFFFFFFF:x}",
                            partition_key=snapshot)
    context.update_cursor(json.dumps(current, sort_keys=True))

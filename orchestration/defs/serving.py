"""The serving copy as a Dagster asset: write-audit-publish for BI.

`serving/partrisk` is downstream of every mart, and every mart's gate is a blocking asset check, so in
a run it starts only after all of them passed. It then checks the run's own check evaluations again
(a run that selected the serving asset alone, or a blocking check that failed elsewhere in the run)
and publishes with orchestration.serving.publish: a new file swapped in atomically, plus Parquet.

On the Spark engine the published file holds views over the Parquet marts instead of copies, and no
Parquet copy is written (the marts are Parquet already); BI tools open it the same way.

When it does not publish, the refresh is written to the warehouse's refresh_log as `blocked` (a
blocking check failed) or `failed` (a step failed, the process died) and the serving file is left
byte-identical. The asset records that itself when it runs; when it never gets to run (an upstream step
failed or a blocking check stopped the run), `record_unpublished_run` does it: `partrisk refresh` calls
it after the job, and the run-failure sensor (defs/automation.py) calls it, then `failure_alert` and
`send_alert`, for runs launched by the daemon or the UI.

The `fresh` check fails, and alerts, when the serving copy's last publish is older than the allowed age:
the night that never ran at all is noticed too.
"""


from datetime import UTC, date, datetime

import dagster as dg

from orchestration import alerts, serving, settings
from orchestration.defs.partitions import run_snapshot_range
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.warehouse.connection import table_exists
from orchestration.warehouse.connection import warehouse as open_warehouse
from orchestration.warehouse.raw_load import now_utc

SERVING_KEY = dg.AssetKey(["serving", "partrisk"])
def run_started_at(instance, run_id: str) -> datetime | None:
    record = instance.get_run_record_by_id(run_id)
    if record is None or record.start_time is None:
        return None
    return datetime.fromtimestamp(record.start_time, UTC).replace(tzinfo=None)


def failed_checks_in_run(instance, run_id: str) -> list[tuple[str, bool, str]]:
    """(asset:check, blocking, severity) of every check that did not pass in the run."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    failed = []
    for record in records:
        data = record.event_log_entry.dagster_event.asset_check_evaluation_data
        if data.passed:
            continue
        key = f"{data.asset_key.to_user_string()}:{data.check_name}"
        blocking = bool(getattr(data, "blocking", False))
        failed.append((key, blocking, data.severity.value if data.severity else "ERROR"))
    return failed


def failed_inputs(conn, snapshot_range: tuple[date, date] | None) -> list[str]:
    if not table_exists(conn, "raw", "load_log"):
        return []
    first, last = snapshot_range or (date.min, date.max)
    rows = conn.execute(
        """select file_path, reason from raw.load_log where status = 'failed'
           and (snapshot_date is null or snapshot_date between ? and ?) order by file_path""", [first, last]).fetchall()
    return [f"{path}: {reason}" for path, reason in rows]


def _split(failed: list[tuple[str, bool, str]]) -> tuple[list[str], list[str]]:
    """(blocking checks that failed, every check that failed with ERROR severity)."""
    blocking = [key for key, flag, severity in failed if severity == "ERROR" and flag]
    errors = [key for key, _flag, severity in failed if severity == "ERROR"]
    return blocking, errors


def record_unpublished_run(instance, run_id: str, warehouse_path=None, *, message: str | None = None) -> str | None:
    """After a run that did not publish: write `blocked` or `failed` to refresh_log. Returns the status written.

    Nothing is written when the run published (its row is already there). The serving file is not touched.
    """
    path = warehouse_path or settings.warehouse_path()
    run = instance.get_run_by_id(run_id)
    tags = run.tags if run is not None else {}
    failed = failed_checks_in_run(instance, run_id)
    blocking, errors = _split(failed)
    status = "blocked" if blocking else "failed"
    snapshot_range = run_snapshot_range(tags)
    with open_warehouse(path) as conn:
        if serving.refresh_status(conn, run_id) == "published":
            return None
        if message is None:
            message = ("blocking check(s) failed: " + ", ".join(blocking)) if blocking else \
                "the run failed before the publish step (see the failed steps in Dagster)"
        serving.record_refresh(conn, serving.RefreshRecord(
            run_id, status, started_at=run_started_at(instance, run_id), snapshot_range=snapshot_range,
            failed_checks=errors, failed_inputs=failed_inputs(conn, snapshot_range), message=message))
    return status


def build_serving_asset(mart_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        key=SERVING_KEY, deps=mart_keys, group_name="serving", pool=DUCKDB_POOL, kinds={"duckdb", "parquet"},
        description="The serving database BI tools open read-only (PARTRISK_SERVING, default "
                    "data/serving/partrisk.duckdb, DuckDB 1.4-readable) and its Parquet copy: every marts table with "
                    "the refresh_id of its publish, and refresh_log. Published by an atomic swap only when every "
                    "blocking check passed; otherwise the last good version stays byte-identical.",
    )
    def serving_partrisk(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        run_id = context.run.run_id
        snapshot_range = run_snapshot_range(context.run.tags)
        failed = failed_checks_in_run(context.instance, run_id)
        blocking, errors = _split(failed)
        with warehouse.connect() as conn:
            inputs = failed_inputs(conn, snapshot_range)
            if blocking:
                serving.record_refresh(conn, serving.RefreshRecord(
                    run_id, "blocked", started_at=run_started_at(context.instance, run_id),
                    snapshot_range=snapshot_range,
                    failed_checks=errors, failed_inputs=inputs,
                    message="blocking check(s) failed: " + ", ".join(blocking)))
                raise dg.Failure(description="not published: blocking check(s) failed: " + ", ".join(blocking),
                                 metadata={"blocking_checks_failed": dg.MetadataValue.json(blocking)})
            result = serving.publish(conn, settings.serving_path(), run_id,
                                     started_at=run_started_at(context.instance, run_id),
                                     snapshot_range=snapshot_range, failed_checks=errors, failed_inputs=inputs,
                                     parquet_marts=spark_marts())
        docs = None
        try:
            from orchestration.quality import build_quality_report

            docs = str(build_quality_report())
        except Exception as error:  # noqa: BLE001 - the report is a report, never a reason to fail a publish
            context.log.warning(f"quality report not rebuilt: {error}")
        context.log.info(f"published {result.serving_path} (refresh {run_id}): {len(result.tables)} tables, "
                         f"{result.rows:,} rows")
        return dg.MaterializeResult(metadata={
            "refresh_id": run_id, "serving_path": str(result.serving_path), "parquet_dir": str(result.parquet_dir),
            "tables": dg.MetadataValue.json(result.tables), "rows": result.rows,
            "failed_inputs": len(inputs), "non_blocking_errors": dg.MetadataValue.json(errors),
            "quality_report": docs or "not built", "seconds": round(result.seconds, 2),
        })

    return serving_partrisk


def spark_marts() -> dict | None:
    """On the Spark engine, every mart's Parquet folder (the serving file gets views over them); else None."""
    if settings.engine() != "spark":
        return None
    from orchestration.spark.lake import spark_table_folders

    return spark_table_folders(settings.spark_dir(), "marts")


def failure_alert(instance, run_id: str, status: str | None, step_failures: list[str]) -> alerts.Alert:
    """What a person needs about a night that did not publish: the night, what failed, the run's page."""
    run = instance.get_run_by_id(run_id)
    snapshot_range = run_snapshot_range(run.tags if run is not None else {})
    blocking, errors = _split(failed_checks_in_run(instance, run_id))
    failed = [f"step {step}" for step in step_failures] + [f"check {check}" for check in blocking or errors]
    message = ("not published: blocking check(s) failed; BI keeps the last good serving copy" if status == "blocked"
               else "the refresh failed; BI keeps the last good serving copy")
    return alerts.Alert("refresh_blocked" if status == "blocked" else "refresh_failed",
                        alerts.night_label(*(snapshot_range or (None, None))), failed, alerts.run_url(run_id), message)


def send_alert(alert: alerts.Alert, log) -> None:
    """An alert channel that fails is logged, never raised: the failure it reports is already recorded."""
    try:
        sent = alerts.send(alert)
    except alerts.AlertError as error:
        log.error(f"alert not delivered: {error}")
        return
    log.info(f"alert sent ({', '.join(sent)})" if sent else "no alert channel configured "
             f"({alerts.WEBHOOK_ENV}, {alerts.COMMAND_ENV})")


@dg.asset_check(asset=SERVING_KEY, name="fresh", blocking=False, pool=DUCKDB_POOL,
                description="Fails when the serving copy's last publish is older than PARTRISK_SERVING_MAX_AGE_HOURS "
                            "(default 36 h: a missed night plus slack), and sends the alert.")
def serving_fresh(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    last = serving.last_publish(settings.serving_path())
    published_at = last["finished_at"] if last else None
    max_age = settings.serving_max_age()
    fresh, why = serving.freshness(published_at, now_utc(), max_age)
    if not fresh:
        night = alerts.night_label(last["snapshot_first"], last["snapshot_last"]) if last else None
        send_alert(alerts.Alert("serving_stale", night, ["check serving/partrisk:fresh"],
                                alerts.run_url(context.run.run_id), why), context.log)
    return dg.AssetCheckResult(passed=fresh, severity=dg.AssetCheckSeverity.ERROR, description=why, metadata={
        "published_at": str(published_at) if published_at else "never",
        "max_age_hours": max_age.total_seconds() / 3600})

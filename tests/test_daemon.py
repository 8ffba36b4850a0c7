"""The scheduled night as a deployment runs it: dagster-daemon, the queued run coordinator, the schedule.

One temporary instance (the repository's dagster.yaml, as deploy/ uses it) over a tiny simulated market:
1. the `nightly_refresh` schedule is evaluated for 02:00 the day after the last snapshot; its run request
   (yesterday's partition) is submitted to the queued run coordinator, and the daemon runs it;
2. the serving directory is made unusable and the publish step of that night is launched again: it fails,
   and the daemon's run-failure sensor records it in refresh_log and alerts the webhook and the command.
The daemon is stopped by its pid.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date, datetime, timedelta

import dagster as dg
import duckdb
import pytest

from bench.daemon_night import REPO, Deployment

pytestmark = pytest.mark.slow

START = date(2025, 9, 1)
TINY = {"parts": 24, "distributors": 4, "days": 2, "start": START, "seed": 5}
NIGHT = START + timedelta(days=TINY["days"] - 1)


def event_types(deployment: Deployment, run_id: str) -> list[str]:
    with deployment.instance() as instance:
        return [record.event_log_entry.dagster_event.event_type_value
                for record in instance.get_records_for_run(run_id).records
                if record.event_log_entry.dagster_event is not None]


def wait_for(condition, what: str, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not seen after {timeout:.0f} s")
        time.sleep(1)
    return value


def test_the_scheduled_night_runs_and_fails_visibly_under_the_daemon(tmp_path, httpserver):
    from orchestration.definitions import defs
    from orchestration.serving import last_publish, read_refresh_log
    from orchestration.simulate import simulate

    landing = tmp_path / "landing"
    simulate(landing, **TINY)
    alert_out = tmp_path / "alert.txt"
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    write_stdin = f"import sys; open({str(alert_out)!r}, 'w').write(sys.stdin.read())"
    deployment = Deployment(tmp_path / "dagster_home", landing, tmp_path / "warehouse" / "partrisk.duckdb",
                            tmp_path / "serving" / "partrisk.duckdb", extra_env={
                                "PARTRISK_ALERT_WEBHOOK": httpserver.url_for("/hook"),
                                "PARTRISK_ALERT_COMMAND": f'{sys.executable} -c "{write_stdin}"'})
    assert (deployment.home / "dagster.yaml").read_bytes() == (REPO / "dagster.yaml").read_bytes()

    daemon = deployment.start_daemon()
    try:
        # 1. the schedule's tick at 02:00 asks for yesterday's partition; the daemon dequeues and runs it
        tick = datetime(NIGHT.year, NIGHT.month, NIGHT.day, 2, 0) + timedelta(days=1)
        schedule = defs.resolve_schedule_def("nightly_refresh")
        with dg.build_schedule_context(scheduled_execution_time=tick,
                                       repository_def=defs.get_repository_def()) as context:
            [request] = schedule.evaluate_tick(context).run_requests
        assert request.partition_key == str(NIGHT)
        nightly = deployment.launch({**request.tags, "dagster/partition": request.partition_key,
                                     "dagster/schedule_name": schedule.name})
        night = deployment.wait(nightly)
        assert night.dagster_run.status == dg.DagsterRunStatus.SUCCESS, \
            (deployment.home / "daemon.log").read_text()[-3000:]
        published = last_publish(deployment.serving)

        # 2. a publish that fails: noticed by the daemon's run-failure sensor
        deployment.serving.parent.rename(tmp_path / "serving.kept")
        deployment.serving.parent.write_text("not a directory")
        broken = deployment.launch({"dagster/partition": str(NIGHT)}, steps="serving__partrisk")
        failed = deployment.wait(broken)
        alert = wait_for(lambda: alert_out.exists() and alert_out.read_text(), "the alert command's output")
        wait_for(lambda: httpserver.log, "the webhook request", timeout=30)
    finally:
        Deployment.stop_daemon(daemon)
    assert daemon.poll() is not None, "the daemon was stopped by its pid"

    types = event_types(deployment, nightly)
    assert "PIPELINE_ENQUEUED" in types, "the night went through the run queue"
    assert "STEP_WORKER_STARTED" not in types, "its steps ran in the run worker's process (in_process executor)"

    with duckdb.connect(str(deployment.warehouse), read_only=True) as conn:
        [(latest,)] = conn.execute("select max(snapshot_date) from marts.part_risk").fetchall()
        [(rows,)] = conn.execute("select count(*) from marts.part_risk_history where snapshot_date = ?",
                                 [NIGHT]).fetchall()
    assert latest == NIGHT and rows > 0
    assert published["refresh_id"] == nightly and published["snapshot_last"] == NIGHT

    assert failed.dagster_run.status == dg.DagsterRunStatus.FAILURE
    warehouse_log = {row["refresh_id"]: row for row in read_refresh_log(deployment.warehouse)}
    assert warehouse_log[nightly]["status"] == "published"
    assert warehouse_log[broken]["status"] == "failed"

    assert alert.splitlines()[0] == f"partrisk refresh failed: night {NIGHT}"
    assert "  failed: step serving__partrisk" in alert.splitlines()
    assert alert.splitlines()[-1].endswith(f"/runs/{broken}")
    [(request, _response)] = httpserver.log
    body = json.loads(request.get_data())
    assert (body["kind"], body["night"], body["failed"]) == ("refresh_failed", str(NIGHT), ["step serving__partrisk"])
    assert body["run_url"].endswith(f"/runs/{broken}")

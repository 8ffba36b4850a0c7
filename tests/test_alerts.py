"""A night that fails or is late is noticed: the alert channels, the failure alert and the freshness check."""

from __future__ import annotations

import json
import stat
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from orchestration import alerts, serving, settings
from orchestration.warehouse.raw_load import now_utc

ALERT = alerts.Alert("refresh_failed", "2025-12-31", ["step raw__offers_digikey", "check marts/buffer_plan:gate"],
                     "http://dagster.example:3000/runs/abc", "the refresh failed; BI keeps the last good serving copy")


@pytest.fixture()
def no_channels(monkeypatch):
    for name in (alerts.WEBHOOK_ENV, alerts.COMMAND_ENV, alerts.DAGSTER_URL_ENV):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def capture_script(tmp_path: Path, exit_code: int = 0) -> tuple[str, Path]:
    """A command that writes its stdin and the PARTRISK_ALERT_* variables to a JSON file."""
    out = tmp_path / "alert.json"
    script = tmp_path / "capture_alert.py"
    script.write_text(
        "import json, os, sys\n"
        f"json.dump({{'stdin': sys.stdin.read(), 'env': {{k: v for k, v in os.environ.items() "
        f"if k.startswith('PARTRISK_ALERT')}}}}, open({str(out)!r}, 'w'))\n"
        f"sys.stderr.write('capture done\\n')\nsys.exit({exit_code})\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return f"{sys.executable} {script}", out


def test_the_summary_names_the_night_what_failed_and_the_run():
    assert ALERT.summary.splitlines() == [
        "partrisk refresh failed: night 2025-12-31",
        "the refresh failed; BI keeps the last good serving copy",
        "  failed: step raw__offers_digikey",
        "  failed: check marts/buffer_plan:gate",
        "run: http://dagster.example:3000/runs/abc",
    ]
    payload = ALERT.payload()
    assert payload["night"] == "2025-12-31" and payload["failed"] == ALERT.failed
    assert payload["run_url"] == ALERT.run_url and payload["summary"] == ALERT.summary


def test_night_label_and_run_url(no_channels):
    assert alerts.night_label(date(2025, 12, 31), date(2025, 12, 31)) == "2025-12-31"
    assert alerts.night_label(date(2025, 12, 1), date(2025, 12, 31)) == "2025-12-01..2025-12-31"
    assert alerts.night_label(None, None) is None
    assert alerts.run_url("r1") == "http://127.0.0.1:3000/runs/r1"
    no_channels.setenv(alerts.DAGSTER_URL_ENV, "https://dagster.plant.example/")
    assert alerts.run_url("r1") == "https://dagster.plant.example/runs/r1"


def test_no_channel_configured_sends_nothing(no_channels):
    assert alerts.send(ALERT) == []


def test_webhook_and_command_both_receive_the_alert(httpserver, tmp_path, no_channels):
    httpserver.expect_oneshot_request("/hooks/partrisk", method="POST").respond_with_data("ok")
    command, out = capture_script(tmp_path)
    no_channels.setenv(alerts.WEBHOOK_ENV, httpserver.url_for("/hooks/partrisk"))
    no_channels.setenv(alerts.COMMAND_ENV, command)

    assert alerts.send(ALERT) == ["webhook", "command"]

    [(request, _response)] = httpserver.log
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.get_data())
    assert body == {"kind": "refresh_failed", "night": "2025-12-31", "failed": ALERT.failed,
                    "run_url": ALERT.run_url, "message": ALERT.message, "summary": ALERT.summary}
    received = json.loads(out.read_text())
    assert received["stdin"] == ALERT.summary
    assert received["env"]["PARTRISK_ALERT_NIGHT"] == "2025-12-31"
    assert received["env"]["PARTRISK_ALERT_RUN_URL"] == ALERT.run_url
    assert alerts.WEBHOOK_ENV not in received["env"], "the webhook URL (a secret) is not passed to the command"


def test_a_webhook_that_fails_is_retried_and_named_without_its_url(httpserver, tmp_path, no_channels):
    httpserver.expect_request("/hooks/secret-token").respond_with_data("down", status=503)
    command, out = capture_script(tmp_path)
    no_channels.setenv(alerts.WEBHOOK_ENV, httpserver.url_for("/hooks/secret-token"))
    no_channels.setenv(alerts.COMMAND_ENV, command)

    with pytest.raises(alerts.AlertError) as raised:
        alerts.send(ALERT)
    assert str(raised.value) == f"alert webhook ({alerts.WEBHOOK_ENV}) failed 3 times: HTTP 503"
    assert "secret-token" not in str(raised.value)
    assert len(httpserver.log) == alerts.WEBHOOK_ATTEMPTS
    assert json.loads(out.read_text())["stdin"] == ALERT.summary, "the command still ran"


def test_a_webhook_that_refuses_is_not_retried(httpserver, no_channels):
    httpserver.expect_request("/hook").respond_with_data("bad", status=400)
    no_channels.setenv(alerts.WEBHOOK_ENV, httpserver.url_for("/hook"))
    with pytest.raises(alerts.AlertError, match="refused the alert: HTTP 400"):
        alerts.send(ALERT)
    assert len(httpserver.log) == 1


def test_a_command_that_fails_is_named_with_its_exit_code_and_last_error_line(tmp_path, no_channels):
    command, _out = capture_script(tmp_path, exit_code=3)
    no_channels.setenv(alerts.COMMAND_ENV, command)
    with pytest.raises(alerts.AlertError, match=r"alert command \(PARTRISK_ALERT_COMMAND\) exited 3: capture done"):
        alerts.send(ALERT)
    no_channels.setenv(alerts.COMMAND_ENV, str(tmp_path / "missing-command"))
    with pytest.raises(alerts.AlertError, match="could not run"):
        alerts.send(ALERT)


# --- freshness -------------------------------------------------------------------------------------

NOW = datetime(2026, 1, 2, 6, 0)


def test_freshness_is_measured_against_the_allowed_age():
    limit = timedelta(hours=36)
    assert serving.freshness(NOW - timedelta(hours=4), NOW, limit) == (True, "published 4.0 h ago (limit 36 h)")
    assert serving.freshness(NOW - timedelta(hours=36), NOW, limit)[0] is True
    fresh, why = serving.freshness(NOW - timedelta(hours=50), NOW, limit)
    assert not fresh
    assert why == "the serving copy was last published 2025-12-31 04:00 UTC, 50.0 h ago (limit 36 h)"
    assert serving.freshness(None, NOW, limit) == (False, "the serving copy has never been published")


def test_the_allowed_age_is_configurable_and_checked(monkeypatch):
    monkeypatch.delenv(settings.SERVING_MAX_AGE_ENV, raising=False)
    assert settings.serving_max_age() == timedelta(hours=36)
    monkeypatch.setenv(settings.SERVING_MAX_AGE_ENV, "12.5")
    assert settings.serving_max_age() == timedelta(hours=12.5)
    for bad in ("0", "-3", "a day", "nan"):
        monkeypatch.setenv(settings.SERVING_MAX_AGE_ENV, bad)
        with pytest.raises(ValueError, match=f"PARTRISK_SERVING_MAX_AGE_HOURS={bad!r} is not a positive number"):
            settings.serving_max_age()


def write_serving_log(path: Path, rows: list[tuple[str, str, datetime]]) -> None:
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as conn:
        serving.ensure_refresh_log(conn)
        for refresh_id, status, finished in rows:
            serving.record_refresh(conn, serving.RefreshRecord(
                refresh_id, status, finished_at=finished, snapshot_range=(date(2025, 12, 30), date(2025, 12, 31))))


def evaluate_fresh_check(monkeypatch, serving_path: Path):
    """The `fresh` check in a run of its own (as the hourly schedule runs it): its evaluation."""
    from orchestration.defs.serving import SERVING_KEY, serving_fresh

    monkeypatch.setenv("PARTRISK_SERVING", str(serving_path))
    job = dg.define_asset_job("freshness", selection=dg.AssetSelection.checks(serving_fresh))
    defs = dg.Definitions(assets=[dg.AssetSpec(SERVING_KEY)], asset_checks=[serving_fresh], jobs=[job])
    result = defs.resolve_job_def("freshness").execute_in_process(instance=dg.DagsterInstance.ephemeral())
    [evaluation] = result.get_asset_check_evaluations()
    return evaluation


def test_the_fresh_check_fails_and_alerts_when_the_serving_copy_is_old(tmp_path, no_channels):
    command, out = capture_script(tmp_path)
    no_channels.setenv(alerts.COMMAND_ENV, command)
    path = tmp_path / "serving" / "partrisk.duckdb"
    old = now_utc() - timedelta(hours=40)
    write_serving_log(path, [("r1", "published", old - timedelta(days=1)), ("r2", "published", old),
                             ("r3", "failed", old + timedelta(hours=30))])
    assert serving.last_publish(path)["refresh_id"] == "r2"

    result = evaluate_fresh_check(no_channels, path)

    assert result.passed is False
    assert result.severity == dg.AssetCheckSeverity.ERROR
    assert result.metadata["max_age_hours"].value == 36
    assert "h ago (limit 36 h)" in result.description
    received = json.loads(out.read_text())
    assert received["stdin"].splitlines()[0] == "partrisk serving stale: night 2025-12-30..2025-12-31"
    assert received["env"]["PARTRISK_ALERT_KIND"] == "serving_stale"
    assert received["env"]["PARTRISK_ALERT_RUN_URL"].startswith("http://127.0.0.1:3000/runs/")


def test_the_fresh_check_passes_after_a_recent_publish_and_sends_nothing(tmp_path, no_channels):
    command, out = capture_script(tmp_path)
    no_channels.setenv(alerts.COMMAND_ENV, command)
    path = tmp_path / "serving" / "partrisk.duckdb"
    write_serving_log(path, [("r1", "published", now_utc() - timedelta(hours=1))])
    no_channels.setenv(settings.SERVING_MAX_AGE_ENV, "48")
    result = evaluate_fresh_check(no_channels, path)
    assert result.passed is True
    assert "(limit 48 h)" in result.description
    assert not out.exists()


def test_a_missing_serving_copy_is_not_fresh(tmp_path, no_channels):
    result = evaluate_fresh_check(no_channels, tmp_path / "nowhere" / "partrisk.duckdb")
    assert result.passed is False
    assert result.description == "the serving copy has never been published"

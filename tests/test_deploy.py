"""deploy/: the systemd units, the container image and the compose file are valid and agree with the code."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
CODE_LOCATION = "-m orchestration.definitions"


def env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def test_there_is_a_unit_for_the_daemon_and_one_for_the_webserver():
    assert [unit.name for unit in UNITS] == ["partrisk-dagster-daemon.service", "partrisk-dagster-webserver.service"]
    for unit in UNITS:
        text = unit.read_text()
        assert f"{CODE_LOCATION}\n" in text, unit
        assert "EnvironmentFile=/etc/partrisk/partrisk.env" in text, unit
        assert "install -D -m 0644 /opt/partrisk/dagster.yaml ${DAGSTER_HOME}/dagster.yaml" in text, \
            "the instance runs the repository's dagster.yaml"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_the_units_pass_systemd_analyze_verify(tmp_path):
    """Verified with the install paths pointed at this checkout (verify checks that ExecStart exists)."""
    for name in ("dagster-daemon", "dagster-webserver"):
        assert (Path(sys.executable).parent / name).exists()
    for unit in UNITS:
        text = (unit.read_text().replace("/opt/partrisk/.venv/bin", str(Path(sys.executable).parent))
                .replace("/opt/partrisk", str(REPO))
                .replace("/etc/partrisk/partrisk.env", str(DEPLOY / "partrisk.env.example"))
                .replace("User=partrisk", "User=root").replace("Group=partrisk", "Group=root"))
        (tmp_path / unit.name).write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.glob("*.service"))],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    # Unknown keys and bad values are only warnings to systemd: they must not be there either.
    assert not re.search(r"Unknown|ignoring|Invalid|Failed", result.stderr), result.stderr


def test_the_image_and_the_env_file_set_every_path_the_code_reads():
    from orchestration import settings

    env = env_file(DEPLOY / "partrisk.env.example")
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    read_by_code = {"DAGSTER_HOME", "PARTRISK_LANDING", "PARTRISK_WAREHOUSE", "PARTRISK_SERVING",
                    "PARTRISK_QUALITY_DIR"}
    for name in read_by_code:
        assert name in env and f"{name}=" in dockerfile, name
        assert env[name].startswith("/var/lib/partrisk/"), name
    for name, value in settings.TELEMETRY_ENV.items():
        if name != "DBT_INDIRECT_SELECTION":
            assert env[name] == value and f"{name}={value}" in dockerfile, name
    assert env[settings.SERVING_MAX_AGE_ENV] == f"{settings.DEFAULT_SERVING_MAX_AGE_HOURS:g}"
    # The manifest is parsed with the same warehouse path the services use, so dbt's partial parsing holds.
    assert dockerfile.index("PARTRISK_WAREHOUSE=") < dockerfile.index("dbt parse")
    assert "-c requirements.lock" in dockerfile


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_the_compose_file_runs_daemon_and_webserver_from_one_image_and_one_volume():
    spec = compose()
    daemon, webserver = spec["services"]["daemon"], spec["services"]["webserver"]
    assert daemon["image"] == webserver["image"] == "partrisk:latest"
    assert daemon["build"]["dockerfile"] == "deploy/Dockerfile" and (DEPLOY / daemon["build"]["context"] / "deploy"
                                                                      / "Dockerfile").exists()
    assert daemon["volumes"] == webserver["volumes"]
    assert "partrisk-data:/var/lib/partrisk" in daemon["volumes"] and "partrisk-data" in spec["volumes"]
    assert daemon["command"][:2] == ["dagster-daemon", "run"] and " ".join(daemon["command"]).endswith(CODE_LOCATION)
    assert webserver["command"][0] == "dagster-webserver" and " ".join(webserver["command"]).endswith(CODE_LOCATION)
    assert webserver["ports"] == ["127.0.0.1:3000:3000"], "the UI has no authentication: loopback only"


def docker_compose() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return None


@pytest.mark.skipif(docker_compose() is None, reason="docker compose (the v2 plugin) is not installed here")
def test_docker_compose_config_accepts_the_compose_file():
    result = subprocess.run([*docker_compose(), "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr


def test_the_instance_config_is_valid_and_bounds_tick_retention(tmp_path):
    import dagster as dg
    from dagster._core.definitions.run_request import InstigatorType
    from dagster._core.scheduler.instigation import TickStatus

    shutil.copyfile(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        schedule = instance.get_tick_retention_settings(InstigatorType.SCHEDULE)
        sensor = instance.get_tick_retention_settings(InstigatorType.SENSOR)
        assert instance.run_coordinator.__class__.__name__ == "QueuedRunCoordinator"
    assert schedule[TickStatus.SUCCESS] == 90 and schedule[TickStatus.SKIPPED] == 90
    assert sensor[TickStatus.SKIPPED] == 7 and sensor[TickStatus.FAILURE] == 90

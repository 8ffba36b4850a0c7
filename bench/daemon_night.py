"""The scheduled night as a deployment runs it, against `partrisk refresh --date`, in one run.

    .venv/bin/python -m bench.daemon_night --landing data/sample --warehouse bench/out/night/partrisk.duckdb \\
        --date 2025-12-31 --repeat 2

The warehouse should be a copy of a built one (the night is then incremental, as a real night is). One
DAGSTER_HOME under bench/out/night/ (the repository's dagster.yaml) serves both paths. `dagster-daemon`
runs for the whole measurement; the nights alternate: the CLI, then a run of the `refresh` job for that
partition submitted to the instance's queued run coordinator (`dagster job launch`, the call a schedule
tick or a sensor makes), which the daemon dequeues and launches in a run worker. The daemon night is timed
from the run's creation (queued) to its end, from the run record; the CLI night is the wall time of the
command. The end-to-end test (tests/test_daemon.py) drives the daemon with the same class.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CODE_LOCATION = ["-m", "orchestration.definitions"]


@dataclass
class Deployment:
    """One Dagster instance (the repository's dagster.yaml) over one landing, warehouse and serving copy."""

    home: Path
    landing: Path
    warehouse: Path
    serving: Path
    extra_env: dict | None = None

    def __post_init__(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / "dagster.yaml", self.home / "dagster.yaml")

    def environ(self) -> dict:
        env = dict(os.environ)
        env.update({"DAGSTER_HOME": str(self.home), "PARTRISK_LANDING": str(self.landing),
                    "PARTRISK_WAREHOUSE": str(self.warehouse), "PARTRISK_SERVING": str(self.serving),
                    "PARTRISK_QUALITY_DIR": str(self.home.parent / "quality"),
                    "DAGSTER_DISABLE_TELEMETRY": "true", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
                    "GX_ANALYTICS_ENABLED": "false"})
        env.update(self.extra_env or {})
        return env

    def start_daemon(self) -> subprocess.Popen:
        """`dagster-daemon run` in its own process group, logging to DAGSTER_HOME/daemon.log."""
        with self.instance():  # create the SQLite storages once, before two processes race to migrate them
            pass
        log = (self.home / "daemon.log").open("ab")
        return subprocess.Popen([str(BIN / "dagster-daemon"), "run", *CODE_LOCATION], cwd=REPO, env=self.environ(),
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    @staticmethod
    def stop_daemon(process: subprocess.Popen, timeout: float = 60) -> int:
        """SIGTERM to the daemon's process group (its pid), SIGKILL if it does not stop in time."""
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                return process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        return process.wait(timeout)

    def launch(self, tags: dict[str, str], job: str = "refresh", steps: str | None = None) -> str:
        """Submit a run (of only `steps`, an op selection, if given) to the instance's queued run coordinator."""
        run_id = str(uuid.uuid4())
        selection = ["-o", steps] if steps else []
        completed = subprocess.run([str(BIN / "dagster"), "job", "launch", *CODE_LOCATION, "-j", job, *selection,
                                    "--run-id", run_id, "--tags", json.dumps(tags)], cwd=REPO, env=self.environ(),
                                   capture_output=True, text=True)
        if completed.returncode != 0:
            raise RuntimeError(f"dagster job launch exited {completed.returncode}: {completed.stderr[-2000:]}")
        return run_id

    def instance(self):
        import dagster as dg

        return dg.DagsterInstance.from_config(str(self.home))

    def wait(self, run_id: str, timeout: float = 1200, poll: float = 2.0):
        """The run's record once it has finished (success, failure or canceled)."""
        deadline = time.monotonic() + timeout
        with self.instance() as instance:
            while True:
                record = instance.get_run_record_by_id(run_id)
                if record is not None and record.dagster_run.is_finished:
                    return record
                if time.monotonic() > deadline:
                    status = record.dagster_run.status if record else "missing"
                    raise TimeoutError(f"run {run_id} not finished after {timeout:.0f} s (status {status}); "
                                       f"see {self.home / 'daemon.log'}")
                time.sleep(poll)

    def cli_night(self, night: date) -> tuple[int, float]:
        """`partrisk refresh --date NIGHT`: (exit code, wall seconds)."""
        started = time.perf_counter()
        completed = subprocess.run([str(BIN / "partrisk"), "refresh", "--landing", str(self.landing),
                                    "--warehouse", str(self.warehouse), "--date", night.isoformat()],
                                   cwd=REPO, env=self.environ(), capture_output=True, text=True)
        return completed.returncode, time.perf_counter() - started


def directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def queued_to_end_seconds(record) -> float:
    """From the run's creation (the moment it was queued) to its end."""
    return record.end_time - record.create_timestamp.timestamp()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landing", type=Path, required=True)
    parser.add_argument("--warehouse", type=Path, required=True, help="a copy of a built warehouse; it is written")
    parser.add_argument("--date", type=date.fromisoformat, required=True)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "out" / "night")
    args = parser.parse_args(argv)
    deployment = Deployment(args.out / "dagster_home", args.landing.resolve(), args.warehouse.resolve(),
                            (args.out / "serving" / "partrisk.duckdb").resolve())
    daemon = deployment.start_daemon()
    results = []
    try:
        for _ in range(args.repeat):
            code, cli_seconds = deployment.cli_night(args.date)
            if code not in (0, 1):  # 1: an input failed, the night still ran
                raise SystemExit(f"partrisk refresh exited {code}")
            history_before = directory_bytes(deployment.home / "history")
            run_id = deployment.launch({"dagster/partition": args.date.isoformat()})
            record = deployment.wait(run_id)
            results.append({"cli_seconds": round(cli_seconds, 1), "cli_exit": code, "daemon_run": run_id,
                            "daemon_status": record.dagster_run.status.value,
                            "daemon_queued_to_end_seconds": round(queued_to_end_seconds(record), 1),
                            "daemon_start_to_end_seconds": round(record.end_time - record.start_time, 1),
                            "instance_history_bytes_added": directory_bytes(deployment.home / "history")
                            - history_before})
            print(json.dumps(results[-1]), flush=True)
    finally:
        Deployment.stop_daemon(daemon)
    (args.out / "results.json").write_text(json.dumps(results, indent=2))
    ratios = [r["daemon_queued_to_end_seconds"] / r["cli_seconds"] for r in results]
    print(f"daemon / CLI: {', '.join(f'{r:.2f}' for r in ratios)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

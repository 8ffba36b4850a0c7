"""Shared fixtures. The small warehouse is built ONCE per test session and read by many tests."""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

# Telemetry off before any library is imported by a test.
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
# Test landings with different first dates share one process (one partitions definition): pin its start.
os.environ.setdefault("PARTRISK_PARTITIONS_START", "2024-01-01")
# xdist workers run under execnet, whose __main__ has no __spec__ nor __file__: with the spark extra installed,
# pyspark's Spark Connect modules (GX tries them) take that for a doctest run and exit the worker. The suite
# that runs in workers needs no Spark Connect, so there it is absent.
if os.environ.get("PYTEST_XDIST_WORKER"):
    sys.modules.setdefault("pyspark.sql.connect", None)


def pytest_sessionstart(session):
    """Parse the dbt project once per session when its manifest is missing or older than a dbt file, as
    `make manifest` does: the Dagster definitions load the manifest and never parse at import."""
    import subprocess
    import sys

    from orchestration.dbt_manifest import stale_reason

    if stale_reason():
        subprocess.run([str(Path(sys.executable).parent / "dbt"), "parse", "--quiet", "--profiles-dir", "."],
                       cwd=REPO_ROOT / "dbt_project", check=True)


def real_fixtures_path() -> Path:
    return Path(os.environ.get("PARTRISK_REAL_FIXTURES", REPO_ROOT.parent / "shared" / "fixtures" / "real"))


@pytest.fixture(scope="session")
def real_fixtures_dir() -> Path:
    """The real published BOMs and provider responses (../shared/fixtures/real or PARTRISK_REAL_FIXTURES)."""
    path = real_fixtures_path()
    if not path.is_dir():
        pytest.skip(f"real fixtures not found at {path} (set PARTRISK_REAL_FIXTURES); they are not in the repo "
                    "because their licences vary")
    return path


# The small market every warehouse test reads: it crosses the October 2025 export restriction.
SMALL_MARKET = {"parts": 80, "distributors": 5, "days": 75, "start": date(2025, 9, 1), "seed": 11}


@dataclass
class BuiltWarehouse:
    landing: Path
    warehouse: Path
    dagster_home: Path
    outcome: object

    def connect(self):
        import duckdb

        return duckdb.connect(str(self.warehouse), read_only=True)

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with self.connect() as conn:
            return conn.execute(sql, params or []).fetchall()


def simulated_market(root: Path, seed: int) -> Path:
    from orchestration.simulate import simulate

    landing = root / "market"
    simulate(landing, **{**SMALL_MARKET, "seed": seed})
    return landing


@pytest.fixture(scope="session")
def small_market(tmp_path_factory) -> Path:
    return once_per_run(tmp_path_factory, "landing", lambda root: simulated_market(root, SMALL_MARKET["seed"]))


# The holdout: the same market shape with a seed never used in tuning the scoring model.
HOLDOUT_SEED = 23

REFRESH_ENV = ("DAGSTER_HOME", "PARTRISK_SERVING", "PARTRISK_QUALITY_DIR")


def refreshed_warehouse(root: Path, landing: Path, restore: tuple[str, ...] = REFRESH_ENV,
                        snapshot: date | None = None) -> BuiltWarehouse:
    """A refresh of `landing` (every date, or the one `snapshot` night) through Dagster into
    `root`/partrisk.duckdb, with its own Dagster home, serving copy and GX dir.

    The refresh points PARTRISK_LANDING and PARTRISK_WAREHOUSE at what it built; `restore` names the
    variables put back afterwards.
    """
    from orchestration.refresh import run_refresh

    previous = {k: os.environ.get(k) for k in restore}
    os.environ["DAGSTER_HOME"] = str(root / "dagster_home")
    os.environ["PARTRISK_SERVING"] = str(root / "serving" / "partrisk.duckdb")
    os.environ["PARTRISK_QUALITY_DIR"] = str(root / "quality")
    try:
        outcome = run_refresh(landing, root / "partrisk.duckdb", snapshot, progress=lambda m: None)
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return BuiltWarehouse(landing, root / "partrisk.duckdb", root / "dagster_home", outcome)


def build_small_warehouse(root: Path) -> BuiltWarehouse:
    landing = once_per_run_in(root.parent, "landing", lambda where: simulated_market(where, SMALL_MARKET["seed"]))
    return refreshed_warehouse(root, landing)


def build_holdout_warehouse(root: Path) -> BuiltWarehouse:
    landing = simulated_market(root / "landing", HOLDOUT_SEED)
    # The session's warehouse stays the one the environment points at.
    return refreshed_warehouse(root / "warehouse", landing,
                               (*REFRESH_ENV, "PARTRISK_LANDING", "PARTRISK_WAREHOUSE"))


# The session warehouses, by name: under pytest-xdist a worker waiting for one builds the other meanwhile.
SESSION_BUILDS = {"warehouse": build_small_warehouse, "holdout": build_holdout_warehouse}


def once_per_run(tmp_path_factory, name: str, build):
    """`build(folder)` once per test run: under pytest-xdist the workers share the first worker's result."""
    base = tmp_path_factory.getbasetemp()
    # xdist gives each worker its own base temp under one folder per run; a plain run shares nothing.
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return once_per_run_in(shared, name, build)


def once_per_run_in(shared: Path, name: str, build):
    import pickle

    from filelock import FileLock, Timeout

    result = shared / f"{name}.pickle"
    lock = FileLock(shared / f"{name}.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        for other, build_other in SESSION_BUILDS.items():
            if name in SESSION_BUILDS and other != name:
                with contextlib.suppress(Timeout), FileLock(shared / f"{other}.lock", timeout=0):
                    if not (shared / f"{other}.pickle").exists():
                        (shared / f"{other}.pickle").write_bytes(pickle.dumps(build_other(shared / other)))
        lock.acquire()
    try:
        if result.exists():
            return pickle.loads(result.read_bytes())
        value = build(shared / name)
        result.write_bytes(pickle.dumps(value))
        return value
    finally:
        lock.release()


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory, small_market) -> BuiltWarehouse:
    """The small market refreshed once per test run; tests that change it work on a copy of the file."""
    built = once_per_run(tmp_path_factory, "warehouse", build_small_warehouse)
    # The environment points at it, as after the refresh, in whichever worker built it.
    os.environ["PARTRISK_LANDING"], os.environ["PARTRISK_WAREHOUSE"] = str(built.landing), str(built.warehouse)
    return built


@pytest.fixture(scope="session")
def holdout_warehouse(tmp_path_factory) -> BuiltWarehouse:
    """A second small market, same shape, seed HOLDOUT_SEED, refreshed like built_warehouse."""
    return once_per_run(tmp_path_factory, "holdout", build_holdout_warehouse)

"""Where things live. Every path has one default and one environment variable that overrides it.

Dagster resources, the CLI, the Makefile and the tests all read these functions, so there is one
answer to "which warehouse?" at any moment.
"""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta
from pathlib import Path

from orchestration.errors import SettingError

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DATA_DIR = REPO_ROOT / "data"

# The embedded sample: generated deterministically on first use by `partrisk sample`
# (it is ~200 MB of JSON, too large to commit; the same seed always writes the same bytes).
SAMPLE_LANDING = DATA_DIR / "sample"
SAMPLE_PARAMS = {
    "parts": 300,
    "distributors": 5,
    "days": 214,  # 2025-06-01 .. 2025-12-31
    "start": date(2025, 6, 1),
    "seed": 7,
}

# Daily partitions start when the data does, so Dagster shows no years of empty partitions.
FALLBACK_PARTITIONS_START = "2024-01-01"

# Telemetry is off everywhere: the machine has no network and users did not opt in.
TELEMETRY_ENV = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "DAGSTER_DISABLE_TELEMETRY": "true",
    # Dagster may split one dbt block into several steps; a test whose parents span two steps runs
    # only in the step where all its parents exist ("buildable"), never against a missing table.
    "DBT_INDIRECT_SELECTION": "buildable",
}


def apply_telemetry_off() -> None:
    for key, value in TELEMETRY_ENV.items():
        os.environ.setdefault(key, value)
    # The dbt executable sits beside this interpreter (the project's .venv), even when the venv
    # is not activated (`.venv/bin/partrisk refresh`).
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")


def export_paths() -> None:
    """dbt runs as a subprocess: give it the absolute warehouse path the resources use."""
    os.environ["PARTRISK_WAREHOUSE"] = str(warehouse_path())
    os.environ["PARTRISK_LANDING"] = str(landing_dir())
    if engine() == "spark":
        os.environ[SPARK_DIR_ENV] = str(spark_dir())


def landing_dir() -> Path:
    return Path(os.environ.get("PARTRISK_LANDING", str(SAMPLE_LANDING))).resolve()


def warehouse_path() -> Path:
    return Path(os.environ.get("PARTRISK_WAREHOUSE", str(DATA_DIR / "warehouse" / "partrisk.duckdb"))).resolve()


def partition_span() -> tuple[str, str | None]:
    """(first, last or None) partition dates as YYYY-MM-DD, reading the landing tree's folder names once.

    first: PARTRISK_PARTITIONS_START, else the landing tree's first snapshot date, else 2024-01-01 (no landing
    yet); snapshot folders before it are refused by `partrisk refresh` with a clear error.
    last: PARTRISK_PARTITIONS_END, else the embedded sample's last snapshot date, else None, which means
    through today. The sample is a closed archive (nothing lands after its last day), so partitions past it
    would only ever show as missing; a live landing tree needs today's partition for the sensor and
    yesterday's for the nightly schedule.
    """
    start = _configured_date(PARTITIONS_START_ENV)
    end = _configured_date(PARTITIONS_END_ENV)
    landing = landing_dir()
    closed_archive = landing == SAMPLE_LANDING.resolve()
    if start is None or (end is None and closed_archive):
        from orchestration.landing import snapshot_dates

        dates = snapshot_dates(landing)
        if start is None:
            start = dates[0] if dates else date.fromisoformat(FALLBACK_PARTITIONS_START)
        if end is None and closed_archive and dates:
            end = dates[-1]
    if end is not None and end < start:
        raise SettingError(f"{PARTITIONS_END_ENV}={end} is before the first partition, {start} "
                         f"({PARTITIONS_START_ENV} or the landing tree's first snapshot)")
    return start.isoformat(), end.isoformat() if end else None


def env_number(name: str, default, meaning: str, *, kind: type = int, valid=None):
    """A number from the environment variable `name`, or `default` when it is unset or empty; a value that
    does not parse as `kind`, or fails `valid`, is an error naming the variable and what it should be."""
    value = os.environ.get(name)
    if not value:
        return default
    try:
        number = kind(value)
    except ValueError:
        number = None
    if number is None or (valid is not None and not valid(number)):
        raise ValueError(f"{name}={value!r} is not {meaning}")
    return number


def env_bytes(name: str, default: int) -> int:
    """A size limit in bytes from the environment variable `name`, or `default`."""
    return env_number(name, default, "an integer number of bytes")


PARTITIONS_START_ENV = "PARTRISK_PARTITIONS_START"
PARTITIONS_END_ENV = "PARTRISK_PARTITIONS_END"


def _configured_date(name: str) -> date | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise SettingError(f"{name}={raw!r} is not a date: expected YYYY-MM-DD") from None


SPARK_DIR_ENV = "PARTRISK_SPARK_DIR"


def spark_dir() -> Path:
    """Where the Spark warehouse, the Parquet lake, the Derby metastore and Spark's scratch files live:
    PARTRISK_SPARK_DIR, else data/spark."""
    return Path(os.environ.get(SPARK_DIR_ENV, str(DATA_DIR / "spark"))).resolve()


def serving_path() -> Path:
    return Path(os.environ.get("PARTRISK_SERVING", str(DATA_DIR / "serving" / "partrisk.duckdb"))).resolve()


def quality_dir() -> Path:
    return Path(os.environ.get("PARTRISK_QUALITY_DIR", str(DATA_DIR / "quality"))).resolve()


def dagster_home() -> Path:
    return Path(os.environ.get("DAGSTER_HOME", str(DATA_DIR / ".dagster"))).resolve()


def ensure_dagster_home() -> Path:
    """DAGSTER_HOME holds run storage; its dagster.yaml is the repository's one instance config."""
    home = dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    source = REPO_ROOT / "dagster.yaml"
    if not target.exists() or target.read_bytes() != source.read_bytes():
        target.write_bytes(source.read_bytes())
    os.environ["DAGSTER_HOME"] = str(home)
    return home


SERVING_MAX_AGE_ENV = "PARTRISK_SERVING_MAX_AGE_HOURS"
DEFAULT_SERVING_MAX_AGE_HOURS = 36.0


def serving_max_age() -> timedelta:
    """How old the serving copy may get before the freshness check fails (a missed night plus slack)."""
    return timedelta(hours=env_number(SERVING_MAX_AGE_ENV, DEFAULT_SERVING_MAX_AGE_HOURS,
                                      "a positive number of hours, e.g. 36", kind=float,
                                      valid=lambda hours: 0 < hours < 100_000))


ENGINE_ENV = "PARTRISK_ENGINE"
ENGINES = ("duckdb", "spark")


def engine() -> str:
    """PARTRISK_ENGINE: duckdb (the default, one file) or spark (Parquet tables, dbt-spark; the spark extra).

    It names the dbt target (dbt_project/profiles.yml) as well.
    """
    raw = os.environ.get(ENGINE_ENV, "").strip().lower() or ENGINES[0]
    if raw not in ENGINES:
        raise SettingError(f"{ENGINE_ENV}={raw!r}: expected one of {', '.join(ENGINES)}")
    return raw

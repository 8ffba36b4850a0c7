"""PARTRISK_ENGINE=spark runs the same Dagster assets, checks and lineage, and its marts equal the DuckDB build.

`make test-spark` runs this (the spark extra and Java 17), and `make test-spark-refresh` the two tests of the
whole refresh (20-35 minutes on 2 cores): a tiny simulated market is refreshed through Dagster twice, once per engine, each with its own warehouse, Dagster home and serving copy. On Spark the
raw assets land Parquet, dbt runs on the spark target, the features run on Spark's workers and the serving
copy is a DuckDB file of views over the Parquet marts; every mart read through it must equal the DuckDB
build's (`orchestration.spark.parity`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_asset_graph import SNAPSHOT
from tests.test_spark_dbt import tiny_market  # noqa: F401 - the session's DuckDB build, shared with test_spark_dbt

pytest.importorskip("pyspark")
pytest.importorskip("dbt.adapters.spark")

pytestmark = [pytest.mark.spark]

REPO = Path(__file__).resolve().parent.parent


def spark_env(root: Path, landing: Path) -> dict[str, str]:
    return {**os.environ, "PARTRISK_ENGINE": "spark", "PARTRISK_SPARK_DIR": str(root / "spark"),
            "PARTRISK_LANDING": str(landing), "PARTRISK_WAREHOUSE": str(root / "partrisk.duckdb"),
            "DAGSTER_HOME": str(root / "dagster_home"), "PARTRISK_SERVING": str(root / "serving" / "partrisk.duckdb"),
            "PARTRISK_QUALITY_DIR": str(root / "quality")}


def test_the_asset_graph_on_spark_equals_the_snapshot(tmp_path):
    script = "import json; from tests.test_asset_graph import graph_snapshot; print(json.dumps(graph_snapshot()))"
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "PARTRISK_ENGINE": "spark", "PARTRISK_SPARK_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-3000:]
    on_spark = json.loads(done.stdout.strip().splitlines()[-1])
    assert on_spark == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_an_unknown_engine_is_refused_by_name():
    done = subprocess.run([sys.executable, "-c", "import orchestration.definitions"], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, "PARTRISK_ENGINE": "snowflake"})
    assert done.returncode != 0 and "PARTRISK_ENGINE='snowflake'" in done.stderr


def block_models(target: str, tmp_path: Path) -> dict[str, list[str]]:
    """The models and seeds each Dagster dbt block selects when dbt resolves its selection on `target`."""
    from dagster_dbt.asset_utils import DAGSTER_DBT_EXCLUDE_METADATA_KEY, DAGSTER_DBT_SELECT_METADATA_KEY

    from orchestration.defs.dbt import dbt_blocks
    from orchestration.settings import DBT_PROJECT_DIR

    selected = {}
    for block in dbt_blocks:
        tags = block.op.tags
        args = ["--select", tags[DAGSTER_DBT_SELECT_METADATA_KEY]]
        if tags.get(DAGSTER_DBT_EXCLUDE_METADATA_KEY):
            args += ["--exclude", tags[DAGSTER_DBT_EXCLUDE_METADATA_KEY]]
        done = subprocess.run(
            [str(Path(sys.executable).parent / "dbt"), "ls", "--quiet", "--target", target, "--profiles-dir", ".",
             *args, "--resource-type", "model", "--resource-type", "seed",
             "--target-path", str(tmp_path / target), "--log-path", str(tmp_path / "logs")],
            cwd=DBT_PROJECT_DIR, capture_output=True, text=True,
            env={**os.environ, "PARTRISK_WAREHOUSE": str(tmp_path / "w.duckdb"), "PARTRISK_SPARK_DIR": str(tmp_path)})
        assert done.returncode == 0, done.stdout[-2000:]
        selected[block.op.name] = sorted(done.stdout.split())
    return selected


@pytest.mark.slow
def test_each_dbt_block_selects_the_same_models_on_both_targets(tmp_path):
    on_duckdb, on_spark = block_models("duckdb", tmp_path), block_models("spark", tmp_path)
    # The one difference: the dbt Python model the allocation step replaces on Spark.
    on_duckdb["dbt_risk_history"].remove("partrisk.marts.buffer_plan_history")
    assert on_spark == on_duckdb and all(on_duckdb.values())


@pytest.fixture(scope="module")
def both_refreshes(tmp_path_factory, tiny_market):  # noqa: F811
    landing, duck = tiny_market
    spark_root = tmp_path_factory.mktemp("spark_dagster") / "spark_engine"
    done = subprocess.run([sys.executable, "-m", "orchestration.cli", "refresh"], cwd=REPO, capture_output=True,
                          text=True, env=spark_env(spark_root, landing))
    assert done.returncode == 0, (done.stdout[-4000:], done.stderr[-4000:])
    return duck.warehouse, spark_root


@pytest.mark.slow
@pytest.mark.spark_refresh
def test_every_mart_refreshed_on_spark_through_dagster_equals_the_duckdb_build(both_refreshes):
    from orchestration.spark.parity import SERVING_STAMP, compare_builds, read_schema

    duck, spark_root = both_refreshes
    expected = read_schema(duck)
    served = read_schema(spark_root / "serving" / "partrisk.duckdb")
    # The serving copy stamps each row with the refresh that published it; the warehouse has no such column.
    actual = {name: df.drop(SERVING_STAMP) for name, df in served.items()}
    assert len(expected) >= 17 and {name for name, df in expected.items() if df.height == 0} <= {"daily_changes"}
    assert compare_builds(expected, actual, rel_tol=1e-9) == {}


@pytest.mark.slow
@pytest.mark.spark_refresh
def test_the_spark_refresh_lands_the_raw_layer_and_publishes_a_file_of_views(both_refreshes):
    import duckdb

    from orchestration.serving import last_publish

    duck, spark_root = both_refreshes
    lake = spark_root / "spark" / "lake"
    with duckdb.connect(str(duck), read_only=True) as conn:
        dates = {day for (day,) in conn.execute("select distinct snapshot_date from raw.offers_digikey").fetchall()}
    folders = {p.name for p in (lake / "raw" / "offers_digikey").iterdir()}
    assert folders == {f"snapshot_date={day}" for day in dates} and len(folders) > 1
    assert any((lake / "features" / "part_trends_daily").glob("snapshot_date=*/*.parquet"))
    serving = spark_root / "serving" / "partrisk.duckdb"
    with duckdb.connect(str(serving), read_only=True) as conn:
        kinds = dict(conn.execute("select table_name, table_type from information_schema.tables "
                                  "where table_schema = 'marts'").fetchall())
    assert kinds and set(kinds.values()) == {"VIEW"}
    published = last_publish(serving)
    assert published is not None and published["tables_published"] == len(kinds)

"""The same dbt models on a local Spark (local[2]) equal the DuckDB build of the same landing tree.

`make test-spark` runs this (it needs the spark extra and Java 17): a tiny simulated market is refreshed
on DuckDB; its raw and features tables become the Parquet lake; every model builds on Spark; the
Parquet marts, read through the serving file of views, must equal the DuckDB marts: same tables, same
columns, same rows, numbers within 1e-9 relative.
"""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest

from tests.conftest import REFRESH_ENV, refreshed_warehouse

pytest.importorskip("pyspark")
pytest.importorskip("dbt.adapters.spark")

pytestmark = [pytest.mark.spark, pytest.mark.slow]

TINY_MARKET = {"parts": 30, "distributors": 5, "days": 20, "start": date(2025, 9, 1), "seed": 11}


@pytest.fixture(scope="session")
def tiny_market(tmp_path_factory):
    """The tiny market's landing tree and its DuckDB refresh (the expected side of each parity test), once."""
    from orchestration.simulate import simulate

    root = tmp_path_factory.mktemp("tiny_market")
    landing = root / "landing" / "market"
    simulate(landing, **TINY_MARKET)
    duck = refreshed_warehouse(root / "duckdb", landing, (*REFRESH_ENV, "PARTRISK_LANDING", "PARTRISK_WAREHOUSE"))
    assert duck.outcome.success, duck.outcome.failed_steps
    return landing, duck


@pytest.fixture(scope="module")
def both_builds(tmp_path_factory, tiny_market):
    from orchestration.serving import publish
    from orchestration.spark.dbt_build import build_on_spark
    from orchestration.spark.lake import spark_table_folders
    from orchestration.spark.session import local_spark_session

    root = tmp_path_factory.mktemp("spark_parity")
    _, duck = tiny_market
    spark_dir = root / "spark"
    # The catalog in this process only: the comparison reads the Parquet files.
    try:
        written = build_on_spark(duck.warehouse, spark_dir, with_tests=False, hive_metastore=False)
    finally:
        local_spark_session(spark_dir, hive_metastore=False).stop()
    serving = root / "spark_serving.duckdb"
    with duckdb.connect() as log:
        publish(log, serving, "spark-build", parquet_marts=spark_table_folders(spark_dir, "marts"))
    return duck.warehouse, serving, written


def dbt_marts() -> set[str]:
    """The marts dbt builds (the backtest's marts are written by Python, on the DuckDB path only)."""
    from orchestration.dbt_manifest import MANIFEST

    nodes = json.loads(MANIFEST.read_text())["nodes"].values()
    return {node["alias"] for node in nodes if node["resource_type"] == "model" and node["schema"] == "marts"}


def test_every_mart_built_on_spark_equals_the_duckdb_build(both_builds):
    from orchestration.spark.parity import compare_builds, read_schema

    duck, serving, _ = both_builds
    marts = dbt_marts()
    expected = {name: df for name, df in read_schema(duck).items() if name in marts}
    # The serving copy stamps each row with the publish that wrote it; the warehouse has no such column.
    actual = {name: df.drop("refresh_id") for name, df in read_schema(serving).items()}
    assert set(expected) == marts and len(marts) >= 12
    # daily_changes needs a change between two dates of this tiny market; every other mart has rows.
    assert [name for name, df in expected.items() if df.height == 0] in ([], ["daily_changes"])
    assert compare_builds(expected, actual, rel_tol=1e-9) == {}


def test_the_raw_layer_on_spark_is_partitioned_by_snapshot_date(both_builds):
    duck, serving, written = both_builds
    assert written["raw.offers_digikey"] > 0 and written["marts.buffer_plan_history"] > 0
    lake = serving.parent / "spark" / "lake" / "raw" / "offers_digikey"
    folders = {p.name for p in lake.iterdir() if p.name.startswith("snapshot_date=")}
    with duckdb.connect(str(duck), read_only=True) as conn:
        dates = conn.execute("select distinct snapshot_date from raw.offers_digikey").fetchall()
    assert folders == {f"snapshot_date={day}" for (day,) in dates} and len(folders) > 1

"""The trend features on Spark's workers equal the Polars path row for row (skipped without the spark extra).

The unit tests of tests/test_features.py run again with `compute_part_trends` answered by Spark: each
call computes both paths, asserts they are equal, and hands the Spark rows to the test's own asserts.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

pytest.importorskip("pyspark")

# Needs the spark extra: `make test-spark` runs it, `make test` leaves it out.
pytestmark = pytest.mark.spark

from orchestration.features import PART_TRENDS_SCHEMA, compute_part_trends, required_input_window  # noqa: E402
from orchestration.features.io import _DUCKDB_TYPES  # noqa: E402
from orchestration.spark.features import (  # noqa: E402
    partition_count,
    spark_features_schema,
    spark_part_trends,
    write_part_trends,
)
from orchestration.spark.session import local_spark_session, spark_dir  # noqa: E402
from tests import test_features  # noqa: E402
from tests.feature_frames import day, random_history  # noqa: E402

SORT_KEY = ["mpn", "manufacturer", "snapshot_date"]
FLOAT_TOLERANCE = {"check_exact": False, "rel_tol": 1e-9, "abs_tol": 1e-9}


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    session = local_spark_session(
        tmp_path_factory.mktemp("spark"), app_name="partrisk-tests", driver_memory="1g", hive_metastore=False
    )
    yield session
    session.stop()


def _to_spark(spark, frame: pl.LazyFrame | pl.DataFrame):
    return spark.createDataFrame(frame.lazy().collect().to_arrow(compat_level=pl.CompatLevel.oldest()))


def _from_spark(df) -> pl.DataFrame:
    return pl.from_arrow(df.toArrow()).cast(PART_TRENDS_SCHEMA).sort(SORT_KEY)


def spark_trends(spark, offers, price_breaks, *, mode="partitioned", demand=None, **kwargs) -> pl.DataFrame:
    return _from_spark(
        spark_part_trends(
            _to_spark(spark, offers),
            _to_spark(spark, price_breaks),
            demand=None if demand is None else _to_spark(spark, demand),
            mode=mode,
            **kwargs,
        )
    )


@pytest.fixture
def spark_answers(spark, monkeypatch):
    """`compute_part_trends` for tests.test_features: Spark's rows, after checking them against Polars'."""

    def both_paths(offers, price_breaks, *, demand=None, **kwargs):
        expected = compute_part_trends(offers, price_breaks, demand=demand, **kwargs).collect()
        actual = spark_trends(spark, offers, price_breaks, demand=demand, **kwargs)
        assert_frame_equal(actual, expected.sort(SORT_KEY), **FLOAT_TOLERANCE)
        return actual.lazy()

    monkeypatch.setattr(test_features, "compute_part_trends", both_paths)


HAND_MADE_CASES = [
    "test_output_schema_and_grain",
    "test_part_draining_to_zero",
    "test_days_to_depletion_null_when_stock_is_not_falling",
    "test_gap_day_carried_forward_three_days_then_dropped",
    "test_carry_forward_follows_the_pull_planners_longest_gap",
    "test_shared_stock_pool_counted_once",
    "test_duplicate_listing_excluded_and_brokers_kept_beside",
    "test_unknown_stock_is_null_not_zero",
    "test_delisted_part_keeps_rows_with_zero_for_the_lookback",
    "test_part_appearing_mid_history_marks_windows_incomplete",
    "test_sources_lost_and_gained",
    "test_price_at_order_quantity_uses_the_right_break",
    "test_ten_fold_price_spike",
    "test_a_lasting_shock_is_remembered_against_the_pre_shock_reference",
    "test_the_reference_follows_a_level_that_has_lasted",
    "test_three_fold_lead_time_stretch",
    "test_lifecycle_worst_known_change_and_downgrade",
    "test_only_unknown_status_is_unknown_and_upgrade_is_not_a_downgrade",
    "test_demand_joined_per_part",
]


@pytest.mark.parametrize("name", HAND_MADE_CASES)
def test_unit_case_on_spark(name, spark_answers):
    getattr(test_features, name)()


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2])
def test_no_look_ahead_on_spark(seed, spark_answers):
    test_features.test_no_look_ahead(seed)


@pytest.mark.slow
def test_nightly_run_equals_the_backfill_on_spark(spark_answers):
    test_features.test_nightly_run_on_its_input_window_equals_the_backfill(4)


def test_crosscheck_against_duckdb_sql_on_spark(spark_answers):
    test_features.test_crosscheck_against_duckdb_sql(1)


def test_both_spark_modes_equal_polars_on_a_messy_history_with_demand(spark):
    offers, pbs = random_history(3, parts=8)
    demand = pl.DataFrame(
        {"mpn": ["P1", "P5"], "manufacturer": ["Acme", "Acme"], "daily_demand_units": [12.5, 3.0],
         "daily_demand_std": [2.0, None]}
    )
    kwargs = {"start": day(20), "end": day(160)}
    expected = compute_part_trends(offers, pbs, demand=demand.lazy(), **kwargs).collect().sort(SORT_KEY)
    assert expected.height > 500 and expected["daily_demand_units"].is_not_null().sum() > 0
    for mode in ("partitioned", "grouped"):
        actual = spark_trends(spark, offers, pbs, demand=demand, mode=mode, partitions=3, **kwargs)
        assert_frame_equal(actual, expected, **FLOAT_TOLERANCE)


def test_partition_count_follows_the_offers_not_a_fixed_number():
    assert partition_count(0, 100, minimum=4) == 4
    assert partition_count(400, 100, minimum=4) == 4
    assert partition_count(401, 100, minimum=4) == 5
    assert partition_count(50_000_000, 100_000) == 500
    with pytest.raises(ValueError, match="offers_per_partition"):
        partition_count(10, 0)


def test_partitions_sized_from_the_offers_and_written_as_date_folders(spark, tmp_path):
    offers, pbs = random_history(8, parts=12, days=90)
    kwargs = {"start": day(40), "end": day(89)}
    first, last = required_input_window(kwargs["start"], kwargs["end"])
    in_window = offers.filter(pl.col("snapshot_date").is_between(first, last)).collect().height
    trends = spark_part_trends(_to_spark(spark, offers), _to_spark(spark, pbs), offers_per_partition=250, **kwargs)
    # Four is the session's shuffle partitions: the floor that keeps both cores busy on a small input.
    assert in_window > 4 * 250
    assert trends.rdd.getNumPartitions() == -(-in_window // 250)
    folder = tmp_path / "part_trends_daily"
    write_part_trends(trends, folder)
    folders = sorted(p.name for p in folder.glob("snapshot_date=*"))
    assert folders == [f"snapshot_date={day(d).isoformat()}" for d in range(40, 90)]
    # A night's run replaces its own date's folder and leaves every other date's files as they were.
    kept = sorted((folder / f"snapshot_date={day(40).isoformat()}").iterdir())
    replaced = sorted((folder / f"snapshot_date={day(89).isoformat()}").iterdir())
    write_part_trends(trends.where(trends.snapshot_date == day(89)), folder)
    assert sorted((folder / f"snapshot_date={day(40).isoformat()}").iterdir()) == kept
    assert sorted((folder / f"snapshot_date={day(89).isoformat()}").iterdir()) != replaced
    # A rerun whose range holds a date that lost every row leaves that date with no old file.
    write_part_trends(trends.where(trends.snapshot_date == day(89)), folder, (day(88), day(89)))
    assert not (folder / f"snapshot_date={day(88).isoformat()}").exists()
    write_part_trends(trends.where(trends.snapshot_date == day(88)), folder, (day(88), day(88)))
    written = pl.read_parquet(tmp_path / "part_trends_daily" / "**" / "*.parquet", hive_partitioning=True)
    expected = compute_part_trends(offers, pbs, **kwargs).collect().sort(SORT_KEY)
    assert_frame_equal(written.select(expected.columns).cast(PART_TRENDS_SCHEMA).sort(SORT_KEY), expected,
                       **FLOAT_TOLERANCE)


def test_rows_outside_the_input_window_are_never_read(spark):
    offers, pbs = random_history(5, parts=5, days=200)
    night = day(190)
    first, _ = required_input_window(night, night)
    poisoned = offers.with_columns(
        # Rows after the night (look-ahead) and before its input window (too old) get absurd stock:
        # if the Spark path read them, the night's row would change.
        pl.when((pl.col("snapshot_date") > night) | (pl.col("snapshot_date") < first))
        .then(pl.lit(10**9))
        .otherwise(pl.col("stock"))
        .alias("stock")
    )
    clean = spark_trends(spark, offers.filter(pl.col("snapshot_date") <= night), pbs, start=night, end=night)
    assert clean.height > 0
    assert_frame_equal(spark_trends(spark, poisoned, pbs, start=night, end=night), clean)


def test_schema_matches_the_duckdb_features_table(spark):
    duckdb_to_spark = {"DATE": "date", "VARCHAR": "string", "INTEGER": "int", "BIGINT": "bigint",
                       "DOUBLE": "double", "BOOLEAN": "boolean"}
    expected = [(name, duckdb_to_spark[_DUCKDB_TYPES[type(dtype)]]) for name, dtype in PART_TRENDS_SCHEMA.items()]
    assert [(f.name, f.dataType.simpleString()) for f in spark_features_schema().fields] == expected
    with pytest.raises(ValueError, match="mode"):
        spark_part_trends(spark.range(1), spark.range(1), start=day(0), end=day(1), mode="per-row")


def test_tables_by_name_give_the_same_rows(spark):
    offers, pbs = random_history(6, parts=3, days=60)
    _to_spark(spark, offers).createOrReplaceTempView("offers_by_name")
    _to_spark(spark, pbs).createOrReplaceTempView("price_breaks_by_name")
    kwargs = {"start": day(30), "end": day(59)}
    by_name = _from_spark(spark_part_trends("offers_by_name", "price_breaks_by_name", spark=spark, **kwargs))
    assert by_name.height > 0
    assert_frame_equal(by_name, compute_part_trends(offers, pbs, **kwargs).collect().sort(SORT_KEY),
                       **FLOAT_TOLERANCE)


def test_session_keeps_its_state_under_the_given_directory(spark, tmp_path, monkeypatch):
    conf = spark.sparkContext.getConf()
    base = conf.get("spark.sql.warehouse.dir").removeprefix("file:").removesuffix("/warehouse")
    assert Path(base, "warehouse").is_dir() and Path(base, "log4j2.properties").is_file()
    assert conf.get("spark.master") == "local[2]"
    assert conf.get("spark.sql.execution.arrow.pyspark.enabled") == "true"
    assert conf.get("spark.ui.enabled") == "false"
    assert conf.get("spark.sql.shuffle.partitions") == "4"
    assert conf.get("spark.python.worker.reuse") == "false"
    assert conf.get("spark.sql.catalogImplementation") == "in-memory"
    monkeypatch.setenv("PARTRISK_SPARK_DIR", str(tmp_path / "elsewhere"))
    assert spark_dir() == (tmp_path / "elsewhere").resolve()

"""The Spark engine's pieces that need no Spark: the Parquet lake layout and the mart comparison."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest

from orchestration.spark.lake import write_lake
from orchestration.spark.parity import compare_builds, compare_table, main


def test_lake_splits_dated_tables_by_snapshot_date_and_keeps_every_row(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("create schema raw; create schema features")
        conn.execute("create table raw.offers_x as select range as id, date '2025-01-01' + cast(range % 3 as integer)"
                     " as snapshot_date from range(10)")
        conn.execute("create table raw.products as select 'a' as product")
        conn.execute("create table features.part_trends_daily (snapshot_date date, mpn varchar)")
    written = write_lake(warehouse, tmp_path / "lake")
    assert written == {"raw.offers_x": 10, "raw.products": 1, "features.part_trends_daily": 0}
    dated = sorted(p.name for p in (tmp_path / "lake" / "raw" / "offers_x").iterdir())
    assert dated == ["snapshot_date=2025-01-01", "snapshot_date=2025-01-02", "snapshot_date=2025-01-03"]
    back = duckdb.sql(f"select count(*), count(distinct snapshot_date) from read_parquet("
                      f"'{tmp_path}/lake/raw/offers_x/**/*.parquet', hive_partitioning = true)").fetchall()
    assert back == [(10, 3)]
    # An empty dated table is one file that still carries the snapshot_date column.
    empty = duckdb.sql(f"describe select * from '{tmp_path}/lake/features/part_trends_daily/*.parquet'").fetchall()
    assert [row[0] for row in empty] == ["snapshot_date", "mpn"]


def test_a_table_with_a_null_snapshot_date_lands_as_one_file_with_every_row(tmp_path):
    from orchestration.spark.lake import land_table

    lake = tmp_path / "lake"
    with duckdb.connect() as conn:
        conn.execute("create schema raw")
        conn.execute("create table raw.load_log as select * from (values ('bom', null), ('feed', date '2025-01-01'))"
                     " t(source, snapshot_date)")
        land_table(conn, "raw", "load_log", lake)
        assert [p.name for p in (lake / "raw" / "load_log").iterdir()] == ["part-0.parquet"]
        # A later night's dates cannot split it either: its null row would be dropped.
        land_table(conn, "raw", "load_log", lake, (date(2025, 1, 1), date(2025, 1, 1)))
        back = conn.execute(f"select source, snapshot_date from '{lake}/raw/load_log/*.parquet' order by 1").fetchall()
    assert back == [("bom", None), ("feed", date(2025, 1, 1))]


def test_comparison_accepts_reordered_rows_wider_integers_and_float_noise():
    expected = pl.DataFrame({"part": ["a", "b"], "units": [1, 2], "usd": [0.1 + 0.2, 1e6]})
    actual = pl.DataFrame({"part": ["b", "a"], "units": pl.Series([2, 1], dtype=pl.Int32),
                           "usd": [1e6 * (1 + 1e-12), 0.3]})
    assert compare_table(expected, actual, rel_tol=1e-9) is None


def test_comparison_names_the_column_and_count_that_differ():
    expected = pl.DataFrame({"part": ["a", "b"], "usd": [1.0, 2.0]})
    assert compare_table(expected, expected.with_columns(pl.Series("usd", [1.0, 2.001])), 1e-9) \
        == "usd: 1 rows differ, e.g. 2.0 expected, 2.001 found"
    assert compare_table(expected, expected.with_columns(pl.Series("part", ["a", "c"])), 1e-9).startswith("part:")
    assert compare_table(expected, expected.head(1), 1e-9) == "2 rows expected, 1 found"
    assert compare_builds({"t": expected, "u": expected}, {"t": expected}) == {"u": "only in the expected build"}


def test_the_engine_setting_defaults_to_duckdb_and_names_a_bad_value(monkeypatch):
    from orchestration.errors import SettingError
    from orchestration.settings import engine

    monkeypatch.delenv("PARTRISK_ENGINE", raising=False)
    assert engine() == "duckdb"
    monkeypatch.setenv("PARTRISK_ENGINE", "Spark")
    assert engine() == "spark"
    monkeypatch.setenv("PARTRISK_ENGINE", "snowflake")
    with pytest.raises(SettingError, match="PARTRISK_ENGINE='snowflake': expected one of duckdb, spark"):
        engine()


def test_a_feed_run_replaces_only_its_own_snapshot_dates_in_the_lake(tmp_path):
    from orchestration.spark.lake import land_table, read_dates

    lake = tmp_path / "lake"
    with duckdb.connect() as conn:
        conn.execute("create schema raw")
        conn.execute("create table raw.offers_x as select range as id, date '2025-01-01' + cast(range % 3 as integer)"
                     " as snapshot_date from range(9)")
        land_table(conn, "raw", "offers_x", lake, (date(2025, 1, 1), date(2025, 1, 3)))
        # The night of 2025-01-03 is reloaded with one row more; the other dates' files stay as they were.
        kept = sorted((lake / "raw" / "offers_x" / "snapshot_date=2025-01-01").iterdir())
        conn.execute("insert into raw.offers_x values (100, date '2025-01-03')")
        land_table(conn, "raw", "offers_x", lake, (date(2025, 1, 3), date(2025, 1, 3)))
        assert sorted((lake / "raw" / "offers_x" / "snapshot_date=2025-01-01").iterdir()) == kept
    night = read_dates(lake / "raw" / "offers_x", date(2025, 1, 3), date(2025, 1, 3))
    assert sorted(night["id"].to_list()) == [2, 5, 8, 100]
    every = read_dates(lake / "raw" / "offers_x", date(2025, 1, 1), date(2025, 1, 3))
    assert every.height == 10 and every["id"].n_unique() == 10


def test_the_spark_publish_is_a_file_of_views_with_the_refresh_and_its_log(tmp_path):
    from orchestration.serving import last_publish, publish
    from orchestration.spark.lake import mirror_views, spark_table_folders

    spark_dir = tmp_path / "spark"
    bom = spark_dir / "warehouse" / "marts.db" / "bom_risk"
    plan = spark_dir / "lake" / "marts" / "buffer_plan_history" / "snapshot_date=2025-01-02"
    for folder in (bom, plan, spark_dir / "warehouse" / "marts.db" / "view_without_files"):
        folder.mkdir(parents=True)
    duckdb.sql("copy (select 'p1' as mpn, 2.5 as score) to '" + str(bom / "part-0.parquet") + "'")
    duckdb.sql("copy (select 'p1' as mpn, 10.0 as buy_usd) to '" + str(plan / "part-0.parquet") + "'")
    serving = tmp_path / "serving" / "partrisk.duckdb"
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        result = publish(conn, serving, "run-1", parquet_marts=spark_table_folders(spark_dir, "marts"))
        assert result.tables == {"bom_risk": 1, "buffer_plan_history": 1}
        # The backtest reads the same tables through views in the warehouse.
        assert mirror_views(conn, spark_dir, ("marts",)) == ["marts.bom_risk", "marts.buffer_plan_history"]
        assert conn.execute("select snapshot_date, buy_usd from marts.buffer_plan_history").fetchall() == [
            (date(2025, 1, 2), 10.0)]
        assert conn.execute("select status from refresh_log").fetchall() == [("published",)]
    with duckdb.connect(str(serving), read_only=True) as conn:
        kinds = conn.execute("select table_name, table_type from information_schema.tables "
                             "where table_schema = 'marts' order by 1").fetchall()
        assert kinds == [("bom_risk", "VIEW"), ("buffer_plan_history", "VIEW")]
        assert conn.execute("select mpn, score, refresh_id from marts.bom_risk").fetchall() == [("p1", 2.5, "run-1")]
    published = last_publish(serving)
    assert published["refresh_id"] == "run-1" and published["tables_published"] == 2
    # The marts are Parquet already: no Parquet copy next to the file.
    assert not list(serving.parent.glob(".*tmp*")) and not (serving.parent / "parquet").exists()


def test_the_command_lists_every_table_and_fails_only_on_a_shared_table_that_differs(tmp_path, capsys):
    expected, actual = tmp_path / "expected.duckdb", tmp_path / "actual.duckdb"
    for path, price in ((expected, 1.0), (actual, 1.0 + 1e-12)):
        with duckdb.connect(str(path)) as conn:
            conn.execute("create schema marts")
            conn.execute(f"create table marts.plan as select 'P1' as mpn, {price} as price")
    with duckdb.connect(str(expected)) as conn:
        conn.execute("create table marts.backtest_only as select 1 as x")
    with duckdb.connect(str(actual)) as conn:
        # The serving copy's stamp of the refresh that published it.
        conn.execute("alter table marts.plan add column refresh_id varchar default 'run-1'")
    assert main([str(expected), str(actual)]) == 0
    assert capsys.readouterr().out.splitlines() == ["backtest_only: only in the expected build",
                                                    "plan: equal (1 rows)"]
    with duckdb.connect(str(actual)) as conn:
        conn.execute("update marts.plan set price = 1.5")
    assert main([str(expected), str(actual)]) == 1
    assert "plan: price: 1 rows differ" in capsys.readouterr().out

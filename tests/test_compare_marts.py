"""bench/compare_marts.py: two warehouses' marts compared row for row."""

from __future__ import annotations

import duckdb

from bench.compare_marts import compare


def _warehouse(path, rows, extra_table=False):
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema marts")
        conn.execute("create table marts.part_risk (mpn varchar, score double)")
        conn.executemany("insert into marts.part_risk values (?, ?)", rows)
        if extra_table:
            conn.execute("create table marts.extra (x integer)")
    return str(path)


def test_same_rows_in_another_order_match_and_doubles_within_12_digits(tmp_path):
    before = _warehouse(tmp_path / "a.duckdb", [("R1", 0.1 + 0.2), ("R2", 5.0)])
    after = _warehouse(tmp_path / "b.duckdb", [("R2", 5.0), ("R1", 0.3)])
    assert compare(before, after) == ["  marts.part_risk: 2 rows, identical"]
    assert compare(before, after, exact=True)[0].startswith("! marts.part_risk: 2 rows before; 1 only before")


def test_a_changed_row_and_a_missing_table_differ(tmp_path):
    before = _warehouse(tmp_path / "a.duckdb", [("R1", 1.0), ("R1", 1.0)])
    after = _warehouse(tmp_path / "b.duckdb", [("R1", 1.0), ("R1", 2.0)], extra_table=True)
    assert compare(before, after) == ["! marts.extra: only in after",
                                      "! marts.part_risk: 2 rows before; 1 only before, 1 only after"]

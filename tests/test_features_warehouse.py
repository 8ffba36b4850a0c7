"""The trend features in the warehouse built from the simulated sample (session fixture).

Cross-checked against an independent DuckDB SQL computation, and scored against truth.json: the
October 2025 export restriction must show in the features within 7 days of its start.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import polars as pl
import pytest

from orchestration import landing as landing_tree
from tests.feature_crosscheck import CHECKED_COLUMNS, compare_with_features, crosscheck_features

pytestmark = pytest.mark.slow


def feature_rows(built_warehouse, dates: list[date]) -> pl.DataFrame:
    with built_warehouse.connect() as conn:
        table = conn.sql(
            f"select snapshot_date, mpn, manufacturer, {', '.join(CHECKED_COLUMNS)} from features.part_trends_daily"
            " where snapshot_date in (select unnest($dates::date[]))",
            params={"dates": [d.isoformat() for d in dates]}).to_arrow_table()
    return pl.from_arrow(table)


def test_features_agree_with_independent_sql(built_warehouse):
    all_dates = landing_tree.snapshot_dates(built_warehouse.landing)
    dates = [all_dates[10], all_dates[40], all_dates[-1]]
    with built_warehouse.connect() as conn:
        expected = crosscheck_features(conn, dates)
    assert expected.height > 100
    problems = compare_with_features(expected, feature_rows(built_warehouse, dates), rel_tol=1e-6)
    assert problems == [], problems[:20]


def test_one_row_per_part_and_date(built_warehouse):
    duplicates = built_warehouse.query(
        """select count(*) from (select snapshot_date, mpn, manufacturer from features.part_trends_daily
           group by all having count(*) > 1)""")[0][0]
    assert duplicates == 0


def test_export_restriction_shows_within_a_week(built_warehouse):
    truth = json.loads((built_warehouse.landing / "truth.json").read_text())
    event = next(e for e in truth["events"] if e["kind"] == "export_restriction")
    start = date.fromisoformat(event["start"])
    parts = {(p["mpn"], p["manufacturer"]) for p in event["parts"]}
    from orchestration.partkey import normalize_mpn

    keys = {(normalize_mpn(mpn, maker), maker) for mpn, maker in parts}
    rows = built_warehouse.query(
        """select mpn, manufacturer,
                  min(stock_change_7d_pct) as worst_stock_change,
                  max(price_spike_ratio) as spike,
                  max(lead_time_stretch_ratio) as stretch
           from features.part_trends_daily
           where snapshot_date between ? and ?
           group by mpn, manufacturer""", [start, start + timedelta(days=7)])
    by_part = {(m, k): rest for m, k, *rest in rows}
    missing = keys - set(by_part)
    assert not missing, f"hit parts without feature rows: {sorted(missing)[:5]}"
    for key in keys:
        stock_change, spike, stretch = by_part[key]
        assert stock_change is not None and stock_change < 0, (key, stock_change)
        assert spike is not None and spike >= 3, (key, spike)
        assert stretch is not None and stretch > 1, (key, stretch)


def test_nightly_run_reads_only_its_window(built_warehouse):
    """One night reads the same rows whatever the history length before its 187-day window."""
    from orchestration.features import required_input_window

    last = landing_tree.snapshot_dates(built_warehouse.landing)[-1]
    first, end = required_input_window(last, last)
    assert (end - first).days == 187 and end == last

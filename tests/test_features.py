"""Unit tests of the trend features on small hand-made frames with known answers."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from orchestration.features import (
    PART_TRENDS_SCHEMA,
    compute_part_trends,
    required_input_window,
)
from orchestration.features.io import read_inputs, write_features
from tests.feature_crosscheck import compare_with_features, crosscheck_features
from tests.feature_frames import breaks, day, frames, offer, random_history


def trends(offers: list[dict], price_breaks: list[dict] | None = None, *, start=0, end=None, **kw):
    o, p = frames(offers, price_breaks)
    last = (
        end if end is not None else max(r["snapshot_date"] for r in offers).toordinal() - day(0).toordinal()
    )
    return compute_part_trends(o, p, start=day(start), end=day(last), **kw).collect()


def row(df: pl.DataFrame, n: int, mpn: str = "P1") -> dict:
    rows = df.filter((pl.col("snapshot_date") == day(n)) & (pl.col("mpn") == mpn)).to_dicts()
    assert len(rows) == 1, f"expected one row for {mpn} on day {n}, got {len(rows)}"
    return rows[0]


# --- shape --------------------------------------------------------------------------------------------


def test_output_schema_and_grain():
    df = trends([offer(n) for n in range(10)])
    assert df.schema == pl.Schema(PART_TRENDS_SCHEMA)
    assert df.select("snapshot_date", "mpn", "manufacturer").is_duplicated().sum() == 0
    assert df.height == 10


def test_required_input_window_is_constant_width():
    for history_end in (date(2025, 5, 1), date(2026, 5, 1)):
        first, last = required_input_window(history_end, history_end)
        assert last == history_end
        assert (history_end - first).days == 187  # the 180-day reference window + carry forward and status margin
    first, last = required_input_window(date(2025, 5, 1), date(2025, 5, 31))
    assert (first, last) == (date(2024, 10, 26), date(2025, 5, 31))
    with pytest.raises(ValueError):
        required_input_window(date(2025, 5, 2), date(2025, 5, 1))
    with pytest.raises(ValueError):
        required_input_window(date(2025, 5, 1), date(2025, 5, 1), lookback_days=30)


# --- supply -------------------------------------------------------------------------------------------


def test_part_draining_to_zero():
    # 3000 units falling 100 a day until empty on day 30, then flat at 0.
    df = trends([offer(n, stock=max(0, 3000 - 100 * n)) for n in range(40)])
    r = row(df, 10)
    assert r["market_stock"] == 2000
    assert r["stock_change_7d_pct"] == pytest.approx((2000 - 2700) / 2700 * 100)
    assert r["stock_slope_30d"] == pytest.approx(-100.0)
    assert r["days_to_depletion"] == pytest.approx(20.0)
    r = row(df, 30)
    assert r["market_stock"] == 0 and r["distributors_in_stock"] == 0 and r["distributors_listing"] == 1
    assert r["stock_change_30d_pct"] == pytest.approx(-100.0)
    assert r["stock_slope_30d"] == pytest.approx(-100.0)
    assert r["days_to_depletion"] == 0.0
    assert row(df, 39)["stock_slope_30d"] < 0  # the window still holds the drain


def test_days_to_depletion_null_when_stock_is_not_falling():
    df = trends(
        [offer(n, stock=500 + 10 * (n % 2)) for n in range(40)]
        + [offer(n, mpn="P2", stock=100 + n) for n in range(40)]
    )
    assert row(df, 39)["stock_slope_30d"] == pytest.approx(0.0, abs=0.5)
    assert row(df, 39, "P2")["stock_slope_30d"] == pytest.approx(1.0)
    assert row(df, 39, "P2")["days_to_depletion"] is None


def test_gap_day_carried_forward_three_days_then_dropped():
    offers = []
    for n in range(30):
        offers.append(offer(n, distributor="Mouser", stock=100))
        if not 10 <= n <= 15:  # DigiKey's feed misses days 10..15
            offers.append(offer(n, distributor="DigiKey", stock=700 + n))
    df = trends(offers)
    assert row(df, 9)["carried_forward_distributors"] == 0
    for n in (10, 11, 12):
        r = row(df, n)
        assert r["distributors_listing"] == 2 and r["carried_forward_distributors"] == 1
        assert r["market_stock"] == 100 + 709  # DigiKey's last value, carried
    for n in (13, 14, 15):
        r = row(df, n)
        assert r["distributors_listing"] == 1 and r["carried_forward_distributors"] == 0
        assert r["market_stock"] == 100
    assert row(df, 16)["market_stock"] == 100 + 716
    assert row(df, 16)["carried_forward_distributors"] == 0


def test_carry_forward_follows_the_pull_planners_longest_gap():
    from orchestration.features.part_trends import carry_forward_days_for

    # A part pulled every 6th night (max_days_between_pulls=6) misses 5 days between snapshots.
    assert carry_forward_days_for(3) == 3 and carry_forward_days_for(6) == 5
    offers = []
    for n in range(30):
        offers.append(offer(n, distributor="Mouser", stock=100))
        if n % 6 == 0:
            offers.append(offer(n, distributor="DigiKey", stock=700 + n))
    carried = trends(offers, carry_forward_days=carry_forward_days_for(6))
    default = trends(offers)
    for n in range(7, 12):  # DigiKey last seen on day 6, next on day 12
        assert row(carried, n)["market_stock"] == 100 + 706 and row(carried, n)["carried_forward_distributors"] == 1
    assert row(default, 10)["market_stock"] == 100 and row(default, 10)["carried_forward_distributors"] == 0


def test_shared_stock_pool_counted_once():
    offers = []
    for n in range(3):
        # DigiKey: cut tape, tape & reel and Digi-Reel share one pool; a second pool is separate.
        for sku in ("DK-CT", "DK-TR", "DK-DKR"):
            offers.append(offer(n, distributor="DigiKey", sku=sku, stock_pool="DK-POOL", stock=5000))
        offers.append(offer(n, distributor="DigiKey", sku="DK-OTHER", stock=200))
        offers.append(offer(n, distributor="Mouser", stock=300))
    r = row(trends(offers), 2)
    assert r["market_stock"] == 5500
    assert r["distributors_listing"] == 2 and r["distributors_in_stock"] == 2


def test_duplicate_listing_excluded_and_brokers_kept_beside():
    offers = []
    for n in range(3):
        offers.append(offer(n, distributor="Mouser", stock=300))
        offers.append(offer(n, distributor="Mouser", source="nexar", stock=999, is_duplicate_listing=True))
        offers.append(
            offer(n, distributor="BrokerX", source="nexar", stock=50, is_authorized=False, is_broker=True)
        )
    r = row(trends(offers), 2)
    assert r["market_stock"] == 300 and r["distributors_listing"] == 1
    assert r["broker_stock"] == 50


def test_unknown_stock_is_null_not_zero():
    r = row(trends([offer(n, stock=None) for n in range(3)]), 2)
    assert r["market_stock"] is None and r["distributors_listing"] == 1


def test_delisted_part_keeps_rows_with_zero_for_the_lookback():
    offers = [offer(n, stock=400, lifecycle_status="EOL") for n in range(10)]
    offers += [offer(n, mpn="P2") for n in range(220)]  # keeps the calendar going
    df = trends(offers)
    p1 = df.filter(pl.col("mpn") == "P1")
    assert p1["snapshot_date"].max() == day(9 + 180)  # the 180-day lookback after the last sighting
    assert row(df, 12)["market_stock"] == 400 and row(df, 12)["carried_forward_distributors"] == 1
    r = row(df, 13)
    assert (r["market_stock"], r["distributors_listing"], r["distributors_in_stock"]) == (0, 0, 0)
    assert r["price_median_q100"] is None
    assert r["lifecycle_status"] == "EOL"  # last known status stays
    assert r["stock_change_7d_pct"] == pytest.approx(-100.0)  # against day 6, when it was listed
    assert row(df, 99)["market_stock"] == 0


def test_part_appearing_mid_history_marks_windows_incomplete():
    offers = [offer(n, mpn="OLD") for n in range(200)]
    offers += [offer(n, mpn="NEW", stock=1000 - n) for n in range(50, 150)]
    df = trends(offers)
    assert row(df, 50, "NEW")["history_days"] == 0
    r = row(df, 55, "NEW")
    assert not r["window_7d_complete"] and r["stock_change_7d_pct"] is None
    r = row(df, 57, "NEW")
    assert r["window_7d_complete"] and not r["window_30d_complete"] and r["stock_change_7d_pct"] is not None
    r = row(df, 79, "NEW")
    assert (
        not r["window_30d_complete"] and r["stock_change_30d_pct"] is None and r["sources_lost_30d"] is None
    )
    r = row(df, 80, "NEW")
    assert r["window_30d_complete"] and not r["window_90d_complete"] and r["sources_lost_30d"] == 0
    assert row(df, 140, "NEW")["window_90d_complete"] and row(df, 140, "NEW")["history_days"] == 90
    assert row(df, 199, "OLD")["history_days"] == 180  # capped at the lookback


def test_sources_lost_and_gained():
    offers = []
    for n in range(70):
        offers.append(offer(n, distributor="Mouser", stock=100))
        offers.append(offer(n, distributor="DigiKey", stock=100 if n < 40 else 0))
        if n >= 35:
            offers.append(offer(n, distributor="Arrow", stock=80))
    df = trends(offers)
    r = row(df, 60)
    assert (r["sources_lost_30d"], r["sources_gained_30d"]) == (1, 1)
    assert r["distributors_listing"] == 3 and r["distributors_in_stock"] == 2
    assert row(df, 20)["sources_lost_30d"] is None  # no day 30 days earlier yet
    r = row(df, 69)
    assert (r["sources_lost_30d"], r["sources_gained_30d"]) == (1, 0)  # day 39: Arrow was not there


# --- price --------------------------------------------------------------------------------------------


def test_price_at_order_quantity_uses_the_right_break():
    offers, pbs = [], []
    offers.append(offer(0, distributor="Mouser"))
    pbs += breaks(0, {10: 1.0, 100: 0.5, 1000: 0.3}, distributor="Mouser")  # smallest break above q=1
    offers.append(offer(0, distributor="Arrow"))
    pbs += breaks(0, {1: 2.0, 500: 0.4}, distributor="Arrow")
    # DigiKey: a reel SKU starting at 2000 is cheaper but cannot be ordered at q=1..1000; cut tape can.
    offers.append(offer(0, distributor="DigiKey", sku="DK-TR", stock_pool="DK"))
    pbs += breaks(0, {2000: 0.1}, distributor="DigiKey", sku="DK-TR")
    offers.append(offer(0, distributor="DigiKey", sku="DK-CT", stock_pool="DK"))
    pbs += breaks(0, {1: 3.0, 100: 1.5, 1000: 1.2}, distributor="DigiKey", sku="DK-CT")
    r = row(trends(offers, pbs), 0)
    # q1: Mouser 1.0 (fallback to its 10-break), Arrow 2.0, DigiKey 3.0
    assert (r["price_median_q1"], r["price_min_q1"], r["price_q1_min_break_fallback"]) == (2.0, 1.0, True)
    # q100: Mouser 0.5, Arrow 2.0, DigiKey 1.5
    assert (r["price_median_q100"], r["price_min_q100"], r["price_q100_min_break_fallback"]) == (
        1.5,
        0.5,
        False,
    )
    # q1000: Mouser 0.3, Arrow 0.4, DigiKey 1.2
    assert (r["price_median_q1000"], r["price_min_q1000"]) == (0.4, 0.3)


def test_ten_fold_price_spike():
    offers, pbs = [], []
    for n in range(101):
        price = 0.30 if n == 100 else 0.03
        for d in ("Mouser", "DigiKey"):
            offers.append(offer(n, distributor=d))
            pbs += breaks(n, {1: price * 2, 100: price}, distributor=d)
    df = trends(offers, pbs)
    assert row(df, 99)["price_spike_ratio"] == pytest.approx(1.0)
    assert row(df, 100)["price_spike_ratio"] == pytest.approx(10.0)
    assert row(df, 100)["price_change_30d_pct"] == pytest.approx(900.0)
    assert row(df, 100)["window_90d_complete"]


def _lasting_shock(days: int, shock_day: int) -> tuple[list[dict], list[dict]]:
    """Price 0.03 → 0.30 and lead time 42 → 217 days on shock_day, and staying there."""
    offers, pbs = [], []
    for n in range(days):
        shocked = n >= shock_day
        price = 0.30 if shocked else 0.03
        for d in ("Mouser", "DigiKey"):
            offers.append(offer(n, distributor=d, lead_time_days=217 if shocked else 42))
            pbs += breaks(n, {1: price * 2, 100: price}, distributor=d)
    return offers, pbs


def test_a_lasting_shock_is_remembered_against_the_pre_shock_reference():
    shock_day = 100
    offers, pbs = _lasting_shock(shock_day + 61, shock_day)
    df = trends(offers, pbs)
    on_day_60 = row(df, shock_day + 60)
    # The reference is the median over [D-180, D-28): on day 60 of the new level it is still pre-shock.
    assert on_day_60["price_spike_ratio"] == pytest.approx(10.0)
    assert on_day_60["lead_time_stretch_ratio"] == pytest.approx(217 / 42)
    # The recent weeks are left out: 27 days in, the reference has not seen the shock at all.
    assert row(df, shock_day + 27)["price_spike_ratio"] == pytest.approx(10.0)
    # No look-ahead: cut the input at day 60 of the shock and the row is the same.
    cut = trends([o for o in offers if o["snapshot_date"] <= day(shock_day + 60)],
                 [b for b in pbs if b["snapshot_date"] <= day(shock_day + 60)])
    assert row(cut, shock_day + 60) == on_day_60


def test_the_reference_follows_a_level_that_has_lasted():
    # Once the new level fills more than half of [D-180, D-28) it is the reference.
    shock_day = 10
    offers, pbs = _lasting_shock(shock_day + 130, shock_day)
    df = trends(offers, pbs)
    assert row(df, shock_day + 129)["price_spike_ratio"] == pytest.approx(1.0)
    assert row(df, shock_day + 129)["lead_time_stretch_ratio"] == pytest.approx(1.0)


# --- lead time ----------------------------------------------------------------------------------------


def test_three_fold_lead_time_stretch():
    offers = []
    for n in range(101):
        offers.append(offer(n, distributor="Mouser", lead_time_days=126 if n == 100 else 42))
        offers.append(offer(n, distributor="Arrow", lead_time_days=126 if n == 100 else 42))
        offers.append(offer(n, distributor="TME", lead_time_days=None))  # no lead time: ignored
    df = trends(offers)
    assert row(df, 99)["lead_time_stretch_ratio"] == pytest.approx(1.0)
    assert row(df, 99)["lead_time_volatility_30d"] == pytest.approx(0.0)
    r = row(df, 100)
    assert r["lead_time_days"] == 126.0
    assert r["lead_time_stretch_ratio"] == pytest.approx(3.0)
    expected_std = pl.Series([42.0] * 29 + [126.0]).std()
    assert r["lead_time_volatility_30d"] == pytest.approx(expected_std)


# --- lifecycle ----------------------------------------------------------------------------------------


def test_lifecycle_worst_known_change_and_downgrade():
    offers = []
    for n in range(120):
        offers.append(offer(n, distributor="Mouser", lifecycle_status="Active" if n < 60 else "NRND"))
        offers.append(offer(n, distributor="Arrow", lifecycle_status="Unknown"))
        offers.append(offer(n, distributor="TME", lifecycle_status="Active", last_buy_date=date(2026, 3, 1)))
    df = trends(offers)
    assert row(df, 59)["lifecycle_status"] == "Active"
    assert row(df, 59)["days_since_status_change"] is None and not row(df, 59)["lifecycle_downgraded_30d"]
    r = row(df, 60)
    assert (
        r["lifecycle_status"] == "NRND"
        and r["days_since_status_change"] == 0
        and r["lifecycle_downgraded_30d"]
    )
    assert row(df, 89)["lifecycle_downgraded_30d"] and row(df, 89)["days_since_status_change"] == 29
    assert not row(df, 90)["lifecycle_downgraded_30d"]
    assert row(df, 119)["days_since_status_change"] == 59
    assert row(df, 119)["last_buy_date"] == date(2026, 3, 1)


def test_only_unknown_status_is_unknown_and_upgrade_is_not_a_downgrade():
    offers = [offer(n, mpn="U", lifecycle_status="Unknown") for n in range(5)]
    offers += [offer(n, lifecycle_status="EOL" if n < 3 else "Active") for n in range(5)]
    df = trends(offers)
    assert row(df, 4, "U")["lifecycle_status"] == "Unknown"
    r = row(df, 4)
    assert r["lifecycle_status"] == "Active" and r["days_since_status_change"] == 1
    assert not r["lifecycle_downgraded_30d"]


# --- demand -------------------------------------------------------------------------------------------


def test_demand_joined_per_part():
    demand = pl.DataFrame({"mpn": ["R1"], "manufacturer": ["Yageo"], "daily_demand_units": [30.0],
                           "daily_demand_std": [4.0]})
    offers = [offer(n, mpn="R1", manufacturer="Yageo") for n in range(3)] + [offer(n) for n in range(3)]
    o, p = frames(offers)
    df = compute_part_trends(o, p, start=day(0), end=day(2), demand=demand.lazy()).collect()
    assert row(df, 2, "R1")["daily_demand_units"] == pytest.approx(30.0)
    # parts without a BOM line get null
    assert row(df, 2)["daily_demand_units"] is None


# --- no look-ahead, incremental == backfill ------------------------------------------------------------

FLOAT_TOLERANCE = {"check_exact": False, "rel_tol": 1e-9, "abs_tol": 1e-9}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_look_ahead(seed):
    offers, pbs = random_history(seed)
    full = compute_part_trends(offers, pbs, start=day(0), end=day(160)).collect()
    for n in (40, 95, 120, 149):
        d = day(n)
        before = pl.col("snapshot_date") <= d
        truncated = compute_part_trends(
            offers.filter(before), pbs.filter(before), start=day(0), end=d
        ).collect()
        assert_frame_equal(
            truncated.filter(pl.col("snapshot_date") == d),
            full.filter(pl.col("snapshot_date") == d),
            **FLOAT_TOLERANCE,
        )


@pytest.mark.parametrize("seed", [1, 4])
def test_nightly_run_on_its_input_window_equals_the_backfill(seed):
    offers, pbs = random_history(seed)
    backfill = compute_part_trends(offers, pbs, start=day(0), end=day(160)).collect()
    for n in (100, 130, 155):
        first, last = required_input_window(day(n), day(n))
        window = pl.col("snapshot_date").is_between(first, last)
        night = compute_part_trends(
            offers.filter(window), pbs.filter(window), start=day(n), end=day(n)
        ).collect()
        assert night.height > 0
        assert_frame_equal(night, backfill.filter(pl.col("snapshot_date") == day(n)), **FLOAT_TOLERANCE)


# --- independent check in SQL ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
def test_crosscheck_against_duckdb_sql(seed):
    offers, pbs = random_history(seed, parts=6)
    features = compute_part_trends(offers, pbs, start=day(0), end=day(160)).collect()
    conn = duckdb.connect()
    conn.register("offers", offers.collect().to_arrow())
    conn.register("price_breaks", pbs.collect().to_arrow())
    dates = [day(n) for n in (20, 60, 100, 125, 149)]
    expected = crosscheck_features(conn, dates, offers="offers", price_breaks="price_breaks")
    assert expected.height > 10
    assert compare_with_features(expected, features) == []


# --- warehouse edge -----------------------------------------------------------------------------------


def _warehouse(history_days: int, last_day: int) -> duckdb.DuckDBPyConnection:
    offers, pbs = random_history(7, days=last_day + 1)
    keep = pl.col("snapshot_date") > day(last_day - history_days)
    conn = duckdb.connect()
    conn.execute("create schema staging")
    conn.register("o", offers.filter(keep).collect().to_arrow())
    conn.register("p", pbs.filter(keep).collect().to_arrow())
    conn.execute("create table staging.stg_feeds__offers as select * from o")
    conn.execute("create table staging.stg_feeds__price_breaks as select * from p")
    return conn


def test_read_compute_write_round_trip_is_idempotent():
    conn = _warehouse(history_days=150, last_day=149)
    night = day(149)
    inputs = read_inputs(conn, night, night)
    assert inputs.demand is None
    first, _ = required_input_window(night, night)
    assert inputs.offers.select(pl.col("snapshot_date").min()).collect().item() >= first
    df = compute_part_trends(inputs.offers, inputs.price_breaks, start=night, end=night).collect()
    assert write_features(conn, df, night, night) == df.height
    assert write_features(conn, df, night, night) == df.height  # replaces, never duplicates
    stored = pl.from_arrow(conn.sql("select * from features.part_trends_daily").to_arrow_table())
    assert stored.height == df.height
    assert_frame_equal(stored.sort("mpn"), df.sort("mpn"), check_dtypes=True)
    with pytest.raises(ValueError):
        write_features(conn, df, day(100), day(101))


def test_rows_read_by_one_night_do_not_grow_with_history():
    night = 199
    short = read_inputs(_warehouse(history_days=190, last_day=night), day(night), day(night))
    long = read_inputs(_warehouse(history_days=200, last_day=night), day(night), day(night))
    assert short.rows_read == long.rows_read > 0

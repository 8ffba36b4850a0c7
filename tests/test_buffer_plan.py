"""The buffer plan's inputs and its budget: plan/policy.yml and plan/open_orders.csv in the warehouse,
the day-by-day budget allocation, and a structurally weak part planned without any shock."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest

from orchestration.planning.budget import allocate_budget, cost_avoided, largest_step
from orchestration.policy import PolicyError, service_level_z
from orchestration.warehouse import reference_load

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def conn():
    connection = duckdb.connect(":memory:")
    connection.execute("create schema raw")
    yield connection
    connection.close()


# --- policy and open orders in the warehouse ------------------------------------------------------


def test_policy_is_one_row_with_the_z_of_each_band(tmp_path, conn):
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "policy.yml").write_text("buffer_budget_usd: 40000\nservice_level: {High: 0.97}\n")
    reference_load.load_plan_policy(conn, tmp_path)
    budget, z_low, z_medium, z_high, path = conn.execute(
        "select buffer_budget_usd, service_level_z_low, service_level_z_medium, service_level_z_high, file_path "
        "from raw.plan_policy").fetchall()[0]
    assert budget == 40000.0 and z_low == 0.0 and path == "plan/policy.yml"
    assert z_medium == pytest.approx(1.6449, abs=1e-4) and z_high == pytest.approx(1.8808, abs=1e-4)
    assert service_level_z(0.99) == pytest.approx(2.3263, abs=1e-4)


def test_a_bad_policy_names_the_file_and_key_and_keeps_nothing_half_loaded(tmp_path, conn):
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "policy.yml").write_text("holding_rate: 3\n")
    with pytest.raises(PolicyError, match=r"plan/policy.yml.*holding_rate"):
        reference_load.load_plan_policy(conn, tmp_path)
    assert not conn.execute("select count(*) from information_schema.tables where table_name = 'plan_policy'"
                            ).fetchall()[0][0]


def test_open_orders_load_with_or_without_supplier_and_po(tmp_path, conn):
    spec = next(s for s in reference_load.REFERENCE_SPECS if s.table == "open_orders")
    assert reference_load.load_reference(conn, tmp_path, spec) == 0  # optional: absent is empty
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "open_orders.csv").write_text(
        "mpn,manufacturer,quantity,due_date\nne555dr,TI,500,2026-01-15\n")
    assert reference_load.load_reference(conn, tmp_path, spec) == 1
    assert conn.execute("select mpn_key, quantity, due_date, supplier, po, line_number from raw.open_orders"
                        ).fetchall() == [("NE555DR", "500", "2026-01-15", None, None, 2)]
    (tmp_path / "plan" / "open_orders.csv").write_text("mpn,manufacturer,quantity\nne555dr,TI,500\n")
    with pytest.raises(reference_load.LandingFileError, match=r"plan/open_orders.csv.*due_date"):
        reference_load.load_reference(conn, tmp_path, spec)


def test_bad_open_order_rows_are_quarantined_and_the_good_ones_kept(tmp_path, monkeypatch):
    from orchestration.quality import gates

    monkeypatch.setenv("PARTRISK_QUALITY_DIR", str(tmp_path / "quality"))  # never the repository's data/
    from orchestration.warehouse.connection import ensure_schemas

    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "open_orders.csv").write_text(
        "mpn,manufacturer,quantity,due_date,supplier,po\n"
        "NE555DR,TI,500,2026-01-15,Digi-Key,PO-1\n"
        "NE555DR,TI,-3,2026-01-20,,\n"
        "LM358DR,TI,100,next week,,\n")
    spec = next(s for s in reference_load.REFERENCE_SPECS if s.table == "open_orders")
    with ensure_schemas(duckdb.connect(str(tmp_path / "w.duckdb"))) as db:
        rows = reference_load.load_reference(db, tmp_path, spec)
        reference_load.log_present_state_load(db, "open_orders", spec.path, rows, None)
        gate = gates.gate_present_state(db, "open_orders")
        assert gate.passed and gate.rows_quarantined == 2
        assert db.execute("select rule, location, raw_value from quarantine.rows order by location").fetchall() == [
            ("negative_quantity", "line 3", "-3"), ("unparsable_date", "line 4", "next week")]
        assert db.execute("select mpn, supplier, po from raw.open_orders").fetchall() == [("NE555DR", "Digi-Key", "PO-1")]


# --- the budget -----------------------------------------------------------------------------------


def _candidate(mpn: str, units: float, price: float, cost: float, *, moq: float = 1, multiple: float = 1,
               strategy: str = "JIC", day: str = "2025-12-31", budget: float = 1000.0) -> dict:
    d = 10.0
    uncovered = units / d  # the whole purchase covers the uncovered days: it avoids the whole cost
    avoided = cost_avoided(units, cost, d, uncovered)
    return {"snapshot_date": day, "mpn": mpn, "manufacturer": "M", "strategy": strategy, "buy_units": units,
            "unit_price_usd": price, "capital_usd": units * price, "order_moq": moq, "order_multiple": multiple,
            "expected_stoppage_cost": cost, "expected_stoppage_cost_avoided": avoided,
            "holding_cost_horizon": units * price * 0.25 * 91 / 365, "daily_demand_units": d,
            "uncovered_days": uncovered, "buffer_budget_usd": budget}


def test_the_budget_skips_what_does_not_fit_and_keeps_going():
    frame = pl.DataFrame([
        _candidate("BEST", 100, 5.0, 9000),     # $500, about 18 per dollar
        _candidate("BIG", 300, 2.0, 5000, moq=250, multiple=50),  # $600, and its MOQ alone costs $500
        _candidate("SMALL", 20, 1.0, 500),      # $20, about 25 per dollar: first
        _candidate("LOSS", 100, 1.0, 1),        # net benefit negative: never a candidate
    ])
    plan = {r["mpn"]: r for r in allocate_budget(frame).to_dicts()}
    assert [plan[m]["funding_rank"] for m in ("SMALL", "BEST", "BIG")] == [1, 2, 3]
    assert plan["LOSS"]["funding_rank"] is None and not plan["LOSS"]["is_funded"]
    assert plan["SMALL"]["funded_units"] == 20 and plan["BEST"]["funded_units"] == 100
    # $480 left: BIG's MOQ of 250 at $2 ($500) does not fit, so it is skipped, not funded in part
    assert not plan["BIG"]["is_funded"] and plan["BIG"]["budget_left_usd"] == pytest.approx(480.0)


def test_a_purchase_that_does_not_fit_is_funded_in_moq_and_multiple_steps():
    frame = pl.DataFrame([
        _candidate("A", 100, 6.0, 9000, budget=1000.0),          # $600
        _candidate("B", 400, 2.0, 8000, moq=50, multiple=25),    # $800: $400 left buys 50 + 6 x 25 = 200 units
        _candidate("C", 10, 100.0, 500),                          # $1,000: nothing left
    ])
    plan = {r["mpn"]: r for r in allocate_budget(frame).to_dicts()}
    assert plan["B"]["is_funded"] and plan["B"]["funded_units"] == 200
    assert plan["B"]["funded_capital_usd"] == pytest.approx(400.0)
    assert plan["B"]["funded_cost_avoided"] == pytest.approx(cost_avoided(200, 8000, 10.0, 40.0))
    assert not plan["C"]["is_funded"]
    assert sum(r["funded_capital_usd"] for r in plan.values()) <= 1000.0 + 1e-9


def test_each_day_has_its_own_budget():
    frame = pl.DataFrame([_candidate("A", 100, 6.0, 9000, day="2025-12-30"),
                          _candidate("A", 100, 6.0, 9000, day="2025-12-31")])
    funded = allocate_budget(frame).select("snapshot_date", "funded_capital_usd").rows()
    assert funded == [("2025-12-30", 600.0), ("2025-12-31", 600.0)]


def test_largest_step_respects_moq_and_multiple():
    assert largest_step(1000, 1.0, 99.0, 100, 10) == 0.0
    assert largest_step(1000, 1.0, 175.0, 100, 10) == 170.0
    assert largest_step(120, 1.0, 500.0, 100, 10) == 120.0
    assert largest_step(80, 1.0, 500.0, 100, 10) == 0.0


# --- structure alone plans a part above Low -------------------------------------------------------


def rebuild_night(warehouse: Path, tmp_path: Path, day) -> None:
    """The night's history block for `day` in the warehouse file: changed features reach the score and the plan."""
    from orchestration.defs.dbt import HISTORY_SELECT

    env = {**os.environ, "PARTRISK_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "run", "--profiles-dir", ".", "--target-path", str(tmp_path / "target"),
         "--log-path", str(tmp_path / "logs"), "--select", *HISTORY_SELECT.split(),
         "--vars", f'{{"min_date": "{day}", "max_date": "{day}"}}'],
        cwd=REPO_ROOT / "dbt_project", env=env, check=True, capture_output=True, timeout=600)


@pytest.mark.slow
def test_a_thin_single_source_long_lead_time_part_is_at_least_medium_without_a_shock(built_warehouse, tmp_path):
    """26-week lead time, one distributor in stock, under a month of market cover, no shock signal and
    no High day in memory: the risk score itself is at least Medium, and the plan does not leave it on JIT."""
    warehouse = tmp_path / "partrisk.duckdb"
    shutil.copy(built_warehouse.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as db:
        day, mpn, maker, d, lead_time = db.execute(
            "select b.snapshot_date, b.mpn, b.manufacturer, f.daily_demand_units, f.lead_time_days "
            "from marts.buffer_plan_history as b "
            "inner join features.part_trends_daily as f using (snapshot_date, mpn, manufacturer) "
            "inner join marts.part_risk_history as r using (snapshot_date, mpn, manufacturer) "
            "where b.snapshot_date = (select max(snapshot_date) from marts.buffer_plan_history) "
            "and b.planning_band_rank = 1 and f.daily_demand_units > 0 and b.lifecycle_status = 'Active' "
            "and r.market_pressure = 0 and f.lead_time_days is not null "
            "order by b.mpn limit 1").fetchall()[0]
        # Structure only: the level of the lead time moves to 26 weeks with its reference, so no stretch.
        db.execute("update features.part_trends_daily set lead_time_days = 182, lead_time_stretch_ratio = 1.0, "
                   "distributors_in_stock = 1, market_stock = ? "
                   "where snapshot_date = ? and mpn = ? and manufacturer = ?", [int(d * 20), day, mpn, maker])
    rebuild_night(warehouse, tmp_path, day)
    with duckdb.connect(str(warehouse), read_only=True) as db:
        score, weighted, risk_band, pressure, drivers = db.execute(
            "select risk_score, weighted_score, risk_band_rank, market_pressure, risk_drivers "
            "from marts.part_risk_history where snapshot_date = ? and mpn = ? and manufacturer = ?",
            [day, mpn, maker]).fetchall()[0]
        structural, planning, strategy = db.execute(
            "select structural_band_rank, planning_band_rank, strategy from marts.buffer_plan_history "
            "where snapshot_date = ? and mpn = ? and manufacturer = ?", [day, mpn, maker]).fetchall()[0]
    assert pressure == 0  # no shock
    assert weighted < 30  # the weighted signals alone say Low
    assert risk_band >= 2 and score >= 30, (score, weighted, drivers)
    assert drivers.startswith("thin market: stock covers ") and ", lead time 26 weeks" in drivers
    assert structural >= 2 and planning >= 2
    assert strategy != "JIT"


@pytest.mark.slow
def test_a_market_below_one_order_plans_medium_and_a_month_of_cover_stays_low(built_warehouse, tmp_path):
    """Distributors holding 5 days of the company's use (one weekly order plus shipping empties them)
    against a longer lead time: Medium and off JIT, with no other weakness. 15 days of cover is no
    structural weakness on its own."""
    warehouse = tmp_path / "partrisk.duckdb"
    shutil.copy(built_warehouse.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as db:
        rows = db.execute(
            "select b.snapshot_date, b.mpn, b.manufacturer, f.daily_demand_units "
            "from marts.buffer_plan_history as b "
            "inner join features.part_trends_daily as f using (snapshot_date, mpn, manufacturer) "
            "inner join marts.part_risk_history as r using (snapshot_date, mpn, manufacturer) "
            "inner join intermediate.int_part_structural_risk_history as s using (snapshot_date, mpn, manufacturer) "
            "where b.snapshot_date = (select max(snapshot_date) from marts.buffer_plan_history) "
            "and b.planning_band_rank = 1 and f.daily_demand_units > 0 and b.lifecycle_status = 'Active' "
            "and r.market_pressure = 0 and f.lead_time_days >= 28 and f.lead_time_days < 182 "
            "and not s.is_single_country "
            "order by b.mpn limit 2").fetchall()
        assert len(rows) == 2
        for (day, mpn, maker, d), cover_days in zip(rows, (5, 15), strict=True):
            db.execute("update features.part_trends_daily set distributors_in_stock = 4, market_stock = ? "
                       "where snapshot_date = ? and mpn = ? and manufacturer = ?", [math.ceil(d * cover_days), day, mpn, maker])
    day = rows[0][0]
    rebuild_night(warehouse, tmp_path, day)
    with duckdb.connect(str(warehouse), read_only=True) as db:
        planned = [db.execute(
            "select b.structural_band_rank, b.planning_band_rank, b.strategy, s.structural_reason "
            "from marts.buffer_plan_history as b inner join intermediate.int_part_structural_risk_history as s "
            "using (snapshot_date, mpn, manufacturer) where snapshot_date = ? and mpn = ? and manufacturer = ?",
            [day, mpn, maker]).fetchall()[0] for _, mpn, maker, _ in rows]
    (thin_structural, thin_planning, thin_strategy, thin_reason), (fortnight_structural, *_) = planned
    assert thin_structural == 2 and thin_planning >= 2 and thin_strategy != "JIT"
    assert thin_reason.startswith("market below one order: stock covers 5 days of own use")
    assert fortnight_structural == 1

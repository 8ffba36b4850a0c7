"""The risk marts, scored against the simulator's truth.json.

Every test reads a warehouse built once per session: `built_warehouse` (conftest: the small market,
seed 11, the seed the scoring model was tuned on) and `holdout_warehouse` (conftest: the same market
shape with seed 23, never used in tuning). Run `pytest -s tests/test_marts.py` to see the measured
figures; models/marts/scoring.md records them.

Early-warning rule, as the tests apply it:
- the parts: every (mpn, manufacturer) that truth.json lists under an export_restriction, shortage or
  lead_time_stretch event and that the marts watch (on a BOM, or an alternate of one);
- the reference day: the event's start, or the end of the 30-day warm-up when the event started
  earlier (the trend windows need history before a trend can be seen: a market that opens mid-event
  shows no change yet, only a level);
- a hit: High or Critical on some day in [reference, reference + 7 days], and before the first day
  on or after the event's start on which the part's authorized market stock is 0.
"""

from __future__ import annotations

import csv
import json
import math
import re
import statistics
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import BuiltWarehouse

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS = REPO_ROOT / "dbt_project" / "seeds"
SUPPLY_EVENTS = {"export_restriction", "shortage", "lead_time_stretch"}
WARMUP_DAYS = 30
WARNING_DAYS = 7
HIGH_RANK = 3  # High and Critical
MARTS = ["part_risk_history", "part_risk", "supplier_concentration", "bom_risk", "buffer_plan", "bom_lines",
         "daily_changes"]
FACTORS = ["sourcing", "availability_trend", "price_trend", "lead_time", "lifecycle", "geography", "market_pressure"]


@pytest.fixture(scope="session", params=["tuned", "holdout"])
def scored_market(request, built_warehouse, holdout_warehouse) -> tuple[str, BuiltWarehouse]:
    return request.param, (built_warehouse if request.param == "tuned" else holdout_warehouse)


# --- scoring against truth.json -------------------------------------------------------------------


def part_key(mpn: str, manufacturer: str) -> tuple[str, str]:
    from orchestration.partkey import normalize_mpn

    return normalize_mpn(mpn, manufacturer), manufacturer


@dataclass
class Scorecard:
    hits: list[tuple] = field(default_factory=list)  # (event_id, part, warned_on, stock_out_on, hit)
    false_alarm_rates: dict[date, tuple[int, int]] = field(default_factory=dict)  # day -> (alarms, stable)
    not_jit_hit: tuple[int, int] = (0, 0)
    jit_stable: tuple[int, int] = (0, 0)

    @property
    def recall(self) -> float:
        return sum(h[4] for h in self.hits) / len(self.hits)

    @property
    def lead_days(self) -> list[int]:
        return [(h[3] - h[2]).days for h in self.hits if h[4] and h[3] is not None]

    @property
    def worst_false_alarm_rate(self) -> float:
        return max((a / n for a, n in self.false_alarm_rates.values() if n), default=0.0)

    def describe(self, name: str) -> str:
        leads = self.lead_days
        median = statistics.median(leads) if leads else None
        return (f"[{name}] recall {self.recall:.1%} ({sum(h[4] for h in self.hits)}/{len(self.hits)}), "
                f"median lead days warning->stock-out {median} (n={len(leads)}), "
                f"worst false-alarm rate {self.worst_false_alarm_rate:.1%}, "
                f"event-hit BOM parts not JIT {self.not_jit_hit[0]}/{self.not_jit_hit[1]}, "
                f"stable BOM parts JIT {self.jit_stable[0]}/{self.jit_stable[1]}")


_SCORECARDS: dict[str, Scorecard] = {}


def scorecard(name: str, wh: BuiltWarehouse) -> Scorecard:
    if name in _SCORECARDS:
        return _SCORECARDS[name]
    truth = json.loads((wh.landing / "truth.json").read_text(encoding="utf-8"))
    history: dict[tuple, dict[date, tuple]] = {}
    for day, mpn, maker, rank, lifecycle, listing in wh.query(
        "select snapshot_date, mpn, manufacturer, risk_band_rank, lifecycle_status, distributors_listing "
        "from marts.part_risk_history"
    ):
        history.setdefault((mpn, maker), {})[day] = (rank, lifecycle, listing)
    stock: dict[tuple, dict[date, int | None]] = {}
    for day, mpn, maker, units in wh.query(
        "select snapshot_date, mpn, manufacturer, market_stock from features.part_trends_daily"
    ):
        stock.setdefault((mpn, maker), {})[day] = units
    days = sorted({d for rows in history.values() for d in rows})
    first, last = days[0], days[-1]
    hit_by_any = {part_key(p["mpn"], p["manufacturer"]) for e in truth["events"] for p in e["parts"]}
    hit_by_supply = {part_key(p["mpn"], p["manufacturer"])
                     for e in truth["events"] if e["kind"] in SUPPLY_EVENTS for p in e["parts"]}

    card = Scorecard()
    for event in truth["events"]:
        if event["kind"] not in SUPPLY_EVENTS:
            continue
        start = date.fromisoformat(event["start"])
        reference = max(start, first + timedelta(days=WARMUP_DAYS))
        for listed in event["parts"]:
            part = part_key(listed["mpn"], listed["manufacturer"])
            if part not in history:
                continue  # not on a BOM nor an alternate of one
            stock_out = min((d for d, units in stock.get(part, {}).items() if d >= start and units == 0), default=None)
            warned = min((d for d, row in history[part].items()
                          if reference <= d <= reference + timedelta(days=WARNING_DAYS) and row[0] >= HIGH_RANK),
                         default=None)
            hit = warned is not None and (stock_out is None or warned < stock_out)
            card.hits.append((event["event_id"], part, warned, stock_out, hit))

    stable = [part for part in history if part not in hit_by_any]
    for day in days:
        if day < first + timedelta(days=WARMUP_DAYS):
            continue
        pool = [history[p][day] for p in stable
                if day in history[p] and history[p][day][1] == "Active" and (history[p][day][2] or 0) >= 3]
        card.false_alarm_rates[day] = (sum(row[0] >= HIGH_RANK for row in pool), len(pool))

    plan = dict(((m, f), s) for m, f, s in wh.query("select mpn, manufacturer, strategy from marts.buffer_plan"))
    hit_parts = [p for p in plan if p in hit_by_supply]
    stable_parts = [p for p in plan if p not in hit_by_any and last in history.get(p, {})
                    and history[p][last][1] == "Active" and (history[p][last][2] or 0) >= 3]
    card.not_jit_hit = (sum(plan[p] != "JIT" for p in hit_parts), len(hit_parts))
    card.jit_stable = (sum(plan[p] == "JIT" for p in stable_parts), len(stable_parts))
    _SCORECARDS[name] = card
    print("\n" + card.describe(name))
    return card


# --- the marts exist and have a contract ----------------------------------------------------------


def test_seven_marts_are_built(built_warehouse):
    tables = {name for (name,) in built_warehouse.query(
        "select table_name from information_schema.tables where table_schema = 'marts'")}
    assert set(MARTS) <= tables
    for mart in MARTS[:-1]:  # daily_changes may legitimately be empty on a quiet day
        assert built_warehouse.query(f"select count(*) from marts.{mart}")[0][0] > 0, mart


def test_marts_columns_are_flat_scalars(built_warehouse):
    types = built_warehouse.query(
        "select table_name, column_name, data_type from information_schema.columns where table_schema = 'marts'")
    nested = [(t, c, d) for t, c, d in types if any(k in d.upper() for k in ("[]", "STRUCT", "MAP", "LIST", "UNION"))]
    assert not nested


# --- early warning, false alarms, decisions -------------------------------------------------------


def test_early_warning_recall(scored_market):
    name, wh = scored_market
    card = scorecard(name, wh)
    assert len(card.hits) >= 10, "too few event-hit watched parts to measure recall"
    missed = [(h[0], h[1]) for h in card.hits if not h[4]]
    assert card.recall >= 0.90, f"recall {card.recall:.1%}; missed {missed}"


def test_false_alarms_on_stable_parts(scored_market):
    name, wh = scored_market
    card = scorecard(name, wh)
    assert card.false_alarm_rates, "no day after the warm-up"
    worst = max(card.false_alarm_rates.items(), key=lambda kv: kv[1][0] / max(kv[1][1], 1))
    assert card.worst_false_alarm_rate <= 0.05, f"worst day {worst[0]}: {worst[1][0]} of {worst[1][1]} stable parts"


def test_buffer_decisions(scored_market):
    name, wh = scored_market
    card = scorecard(name, wh)
    hit, hit_total = card.not_jit_hit
    jit, stable_total = card.jit_stable
    assert hit_total > 0 and stable_total > 0
    assert hit / hit_total >= 0.90, f"event-hit BOM parts not JIT: {hit}/{hit_total}"
    assert jit / stable_total >= 0.80, f"stable BOM parts JIT: {jit}/{stable_total}"


# --- the numbers explain themselves ---------------------------------------------------------------


def _weights() -> dict[str, float]:
    with (SEEDS / "risk_weights.csv").open(encoding="utf-8") as handle:
        return {row["factor"]: float(row["weight"]) for row in csv.DictReader(handle)}


def test_weights_cover_the_seven_factors_and_sum_to_one():
    weights = _weights()
    assert set(weights) == set(FACTORS)
    assert math.isclose(sum(weights.values()), 1.0, abs_tol=1e-9)


def test_risk_score_is_the_weighted_mean_of_the_known_or_the_override(built_warehouse):
    """Missing data is unknown, not zero: the score is the weighted mean over the sub-scores present."""
    weights = _weights()
    rows = built_warehouse.query(
        f"select risk_score, weighted_score, risk_override, {', '.join(FACTORS)}, market_stock, broker_stock, "
        "lifecycle_status, data_completeness, structural_floor_score, structural_band_rank, risk_band_rank "
        "from marts.part_risk_history")
    assert rows
    differs_from_zero_filled = 0
    for row in rows:
        score, weighted, override = row[0], row[1], row[2]
        subs = dict(zip(FACTORS, row[3:10], strict=True))
        market_stock, broker_stock, lifecycle, completeness = row[10], row[11], row[12], row[13]
        floor, structural_rank, band_rank = row[14], row[15], row[16]
        assert band_rank >= (structural_rank or 1)  # structure alone sets the least band
        present = {f: v for f, v in subs.items() if v is not None}
        assert all(0 <= v <= 100 for v in present.values())
        known_weight = sum(weights[f] for f in present)
        assert math.isclose(completeness, known_weight, abs_tol=1e-4)
        if not present:
            assert weighted is None
            continue
        expected = sum(weights[f] * v for f, v in present.items()) / known_weight
        assert math.isclose(weighted, expected, abs_tol=0.01)
        differs_from_zero_filled += abs(weighted - known_weight * expected) > 0.01
        expected_override = ("no stock anywhere" if market_stock == 0 and (broker_stock or 0) == 0
                             else "Obsolete" if lifecycle == "Obsolete" else None)
        assert override == expected_override
        if override:
            assert score == 100.0
        else:
            assert math.isclose(score, max(weighted, floor or 0.0), abs_tol=0.01)
    assert differs_from_zero_filled, "no row with a missing sub-score: the rule is untested here"


# Each driver template and the features column(s) its numbers come from.
DRIVER_CHECKS = [
    (re.compile(r"stock down (-?\d+)% in 7 days"), lambda f, m: abs(-f["stock_change_7d_pct"] - int(m[1])) <= 0.51),
    (re.compile(r"stock down (-?\d+)% in 30 days"), lambda f, m: abs(-f["stock_change_30d_pct"] - int(m[1])) <= 0.51),
    (re.compile(r"stock runs out in ~(\d+) days at the 30-day burn rate, lead time (\d+) days"),
     lambda f, m: abs(f["days_to_depletion"] - int(m[1])) <= 0.51 and abs(f["lead_time_days"] - int(m[2])) <= 0.51),
    (re.compile(r"price ([\d.]+)× its pre-shock level \(median of days 29-180 ago\)"), lambda f, m: abs(f["price_spike_ratio"] - float(m[1])) <= 0.051),
    (re.compile(r"price up (-?\d+)% in 30 days"), lambda f, m: abs(f["price_change_30d_pct"] - int(m[1])) <= 0.51),
    (re.compile(r"lead time (\d+) weeks"), lambda f, m: abs(f["lead_time_days"] / 7 - int(m[1])) <= 0.51),
    (re.compile(r"lead time ([\d.]+)× its pre-shock level \(median of days 29-180 ago\): (\d+) days"),
     lambda f, m: abs(f["lead_time_stretch_ratio"] - float(m[1])) <= 0.051 and abs(f["lead_time_days"] - int(m[2])) <= 0.51),
    (re.compile(r"thin market: stock covers (\d+) days of own use(, lead time (\d+) weeks)?"
                r"(, (\d+) authorized distributor\(s\) in stock)?(, single country of assembly)?"),
     lambda f, m: int(m[1]) == math.floor((f["market_stock"] or 0) / f["daily_demand_units"]) and int(m[1]) < 30
     and (m[3] is None or abs(f["lead_time_days"] / 7 - int(m[3])) <= 0.51)
     and (m[5] is None or f["distributors_in_stock"] == int(m[5]))),
    (re.compile(r"end of life: lifecycle (\w+)(, last buy [\d-]+)?"), lambda f, m: f["lifecycle_status"] == m[1]),
    (re.compile(r"no authorized distributor in stock"), lambda f, m: f["distributors_in_stock"] == 0),
    (re.compile(r"only (\d+) authorized distributors? in stock"), lambda f, m: f["distributors_in_stock"] == int(m[1])),
    (re.compile(r"lifecycle (Active|NRND|EOL|Obsolete|Unknown)"), lambda f, m: f["lifecycle_status"] == m[1]),
    (re.compile(r"no stock anywhere \(authorized or broker\)"),
     lambda f, m: f["market_stock"] == 0 and (f["broker_stock"] or 0) == 0),
]
FEATURE_COLUMNS = ["stock_change_7d_pct", "stock_change_30d_pct", "days_to_depletion", "price_spike_ratio",
                   "price_change_30d_pct", "lead_time_days", "lead_time_stretch_ratio", "distributors_in_stock",
                   "lifecycle_status", "market_stock", "broker_stock", "daily_demand_units"]
GEOGRAPHY_DRIVER = re.compile(r"single country of assembly \((\w+)\)|assembly (\d+)% in (\w+)")


def test_high_and_critical_drivers_match_the_features(built_warehouse):
    rows = built_warehouse.query(
        f"select h.risk_drivers, g.top_assembly_country, g.top_assembly_country_share, g.assembly_countries_count, "
        f"{', '.join('f.' + c for c in FEATURE_COLUMNS)} "
        "from marts.part_risk_history as h "
        "inner join features.part_trends_daily as f using (snapshot_date, mpn, manufacturer) "
        "left join intermediate.int_part_geography as g using (mpn, manufacturer) "
        "where h.risk_band_rank >= 3")
    assert rows, "no High or Critical row to check"
    checked = 0
    for row in rows:
        drivers, top_country, top_share, countries = row[0], row[1], row[2], row[3]
        features = dict(zip(FEATURE_COLUMNS, row[4:], strict=True))
        assert drivers, "a High or Critical row without drivers"
        for driver in drivers.split("; "):
            geography = GEOGRAPHY_DRIVER.fullmatch(driver)
            if geography:
                if geography[1]:
                    assert countries == 1 and top_country == geography[1]
                else:
                    assert top_country == geography[3] and abs(100 * top_share - int(geography[2])) <= 0.51
                checked += 1
                continue
            matched = [(pattern, check) for pattern, check in DRIVER_CHECKS if pattern.fullmatch(driver)
                       or (pattern.pattern.startswith("lifecycle") and pattern.match(driver))]
            assert matched, f"driver with no known template: {driver!r}"
            for pattern, check in matched:
                match = pattern.match(driver)
                assert check(features, match), f"{driver!r} does not match the features {features}"
            checked += 1
    assert checked >= len(rows)


def test_hhi_recomputed_from_the_shares_matches(built_warehouse):
    spend: dict[tuple[str, str], dict[str, float]] = {}
    for scope, dimension, entity, usd in built_warehouse.query(
        "select scope, dimension, entity, spend_usd from intermediate.int_concentration_shares"
    ):
        if usd and usd > 0:
            spend.setdefault((scope, dimension), {})[entity] = usd
    mart = {(s, d): (hhi, top, share, n, band) for s, d, hhi, top, share, n, band in built_warehouse.query(
        "select scope, dimension, hhi, top_entity, top_share, entities, concentration_band "
        "from marts.supplier_concentration")}
    assert set(mart) == set(spend)
    assert {d for _, d in mart} == {"manufacturer", "distributor", "country"}
    assert ("ALL", "country") in mart
    for group, entities in spend.items():
        total = sum(entities.values())
        shares = {e: usd / total for e, usd in entities.items()}
        hhi = sum((100 * s) ** 2 for s in shares.values())
        top = max(shares.items(), key=lambda kv: (kv[1], [-ord(c) for c in kv[0]]))
        got = mart[group]
        assert math.isclose(got[0], hhi, abs_tol=0.01), group
        assert 0 <= got[0] <= 10000
        assert math.isclose(got[2], top[1], abs_tol=1e-9) and got[3] == len(shares)
        expected_band = ("Highly concentrated" if hhi > 1800 else "Moderately concentrated" if hhi > 1000
                         else "Unconcentrated")
        assert got[4] == expected_band


def test_every_bom_line_is_in_bom_lines(built_warehouse):
    missing = built_warehouse.query(
        "select product, line_number from intermediate.int_bom_lines__matched "
        "except select product, line_number from marts.bom_lines")
    assert not missing
    assert built_warehouse.query("select count(*) from marts.bom_lines where is_dnp")[0][0] > 0


def test_buffer_plan_arithmetic(built_warehouse):
    rows = built_warehouse.query(
        "select mpn, strategy, service_level_z, daily_demand_units, daily_demand_std, replenishment_days, "
        "lead_time_std_days, safety_stock_units, reorder_point_units, buy_units, order_moq, order_multiple, "
        "capital_usd, unit_price_usd, annual_holding_cost, is_funded, budget_usd, net_position_units, target_units, "
        "funded_capital_usd, buy_mpn from marts.buffer_plan")
    assert rows
    holding_rate = annual = None
    for (mpn, strategy, z, d, sd, lead, sl, ss, rop, units, _moq, _mult, capital, price, holding, _funded,
         budget, position, target, _funded_capital, buy_mpn) in rows:
        lead = lead or 0.0
        assert math.isclose(ss, z * math.sqrt(lead * sd**2 + d**2 * sl**2), rel_tol=1e-9, abs_tol=1e-6), mpn
        assert math.isclose(rop, d * lead + ss, rel_tol=1e-9, abs_tol=1e-6), mpn
        if strategy == "JIT" or position >= target:
            assert units == 0 and capital == 0, mpn
        elif units > 0 and buy_mpn == mpn:
            assert math.isclose(capital, units * price, rel_tol=1e-9), mpn
        if capital > 0:
            holding_rate = holding / capital
        annual = budget
    assert holding_rate is None or math.isclose(holding_rate, 0.25, rel_tol=1e-9)
    assert sum(r[19] for r in rows) <= annual + 0.005


def test_budget_skips_what_does_not_fit_and_keeps_going(built_warehouse):
    """Ranked by net benefit per dollar; nothing left unfunded (or funded in part) has a step that fits."""
    rows = built_warehouse.query(
        "select funding_rank, net_benefit_per_dollar, buy_units, funded_units, funded_capital_usd, unit_price_usd, "
        "order_moq, order_multiple, strategy, budget_left_usd, budget_usd from marts.buffer_plan "
        "where funding_rank is not null order by funding_rank")
    assert rows
    ratios = [r[1] for r in rows]
    assert ratios == sorted(ratios, reverse=True)
    left, budget = rows[0][9], rows[0][10]
    assert math.isclose(budget - sum(r[4] for r in rows), left, abs_tol=0.01)
    for _rank, _ratio, units, funded, _capital, price, moq, multiple, strategy, _left, _budget in rows:
        if funded < units:
            step = 1 if strategy == "DUAL_SOURCE" else (max(multiple or 1, 1) if funded else min(units, max(moq or 1, 1)))
            assert step * price > left - 0.005


def _seed_rows(name: str) -> list[dict]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _curve(score: float) -> float:
    points = sorted((float(r["risk_score"]), float(r["stoppage_probability"])) for r in _seed_rows("risk_stoppage_curve"))
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        if x0 <= score < x1:
            return y0 + (score - x0) / (x1 - x0) * (y1 - y0)
    return points[-1][1]


def test_worked_example_reproduces_the_mart(built_warehouse):
    """scoring.md's worked example, redone by hand for the best funded purchase of the test market."""
    with built_warehouse.connect() as conn:
        cursor = conn.execute("select * from marts.buffer_plan_history where snapshot_date = "
                              "(select max(snapshot_date) from marts.buffer_plan_history) and is_funded "
                              "order by funding_rank limit 1")
        row = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
        parts = conn.execute(
            "select product, stoppage_probability, recovery_days, product_margin_per_day, product_margin_horizon, "
            "mpn = ? and manufacturer = ? from intermediate.int_product_stoppage_history where snapshot_date = ? and product in "
            "(select product from intermediate.int_product_stoppage_history where snapshot_date = ? and mpn = ? and manufacturer = ?)",
            [row["mpn"], row["manufacturer"], row["snapshot_date"], row["snapshot_date"], row["mpn"], row["manufacturer"]],
        ).fetchall()
    params = {r["parameter"]: float(r["value"]) for r in _seed_rows("risk_stoppage_parameters")}
    d, horizon, lr = row["daily_demand_units"], row["horizon_days"], row["replenishment_days"]
    eol_floor = params["end_of_life_probability"] if row["is_end_of_life"] else 0.0
    signal = max(_curve(row["decayed_risk_score"]), eol_floor)
    position = float(row["on_hand_units"] + row["open_order_units"])
    own_cover, market_cover = position / d, (row["market_stock"] or 0) / d
    thinness = 1.0 if not row["market_stock"] else min(1.0, max(0.0, 1 - market_cover / lr))
    uncovered = min(1.0, max(0.0, 1 - own_cover / horizon))
    relief = 1 - params["alternate_relief"] if row["covering_alternate_mpn"] else 1.0
    p = (signal + (1 - signal) * params["market_thinness_weight"] * thinness) * relief * uncovered
    assert round(p, 9) == round(row["stoppage_probability"], 9)
    cost = 0.0
    for product in {r[0] for r in parts}:
        rows = [r for r in parts if r[0] == product]
        product_p = 1 - math.prod(1 - r[1] for r in rows)
        weighted = sum(r[1] * r[2] for r in rows)
        shortfall = weighted / sum(r[1] for r in rows)
        product_cost = product_p * rows[0][3] * shortfall
        assert product_cost <= rows[0][4] + 0.005  # never more than the product's margin over the horizon
        cost += sum(product_cost * r[1] * r[2] / weighted for r in rows if r[5])
    assert round(cost, 2) == round(row["expected_stoppage_cost"], 2)
    capital = row["buy_units"] * row["unit_price_usd"]
    avoided = cost * min(1.0, row["buy_units"] / d / (uncovered * horizon))
    holding = capital * row["holding_rate"] * horizon / 365
    assert round(capital, 2) == round(row["capital_usd"], 2)
    assert round(avoided, 2) == round(row["expected_stoppage_cost_avoided"], 2)
    assert round(avoided - holding, 2) == round(row["net_benefit"], 2)
    assert row["buy_units"] == 0 or position < row["target_units"]


def test_each_history_row_uses_only_its_day(built_warehouse):
    """The history's signal columns are the features of the same date, never of a later one."""
    mismatched = built_warehouse.query(
        "select count(*) from marts.part_risk_history as h "
        "inner join features.part_trends_daily as f using (snapshot_date, mpn, manufacturer) "
        "where h.market_stock is distinct from f.market_stock "
        "or h.price_spike_ratio is distinct from f.price_spike_ratio "
        "or h.lead_time_stretch_ratio is distinct from f.lead_time_stretch_ratio")[0][0]
    assert mismatched == 0


def test_part_risk_is_the_latest_history_row(built_warehouse):
    assert built_warehouse.query(
        "select count(*) from marts.part_risk as p left join marts.part_risk_history as h "
        "using (snapshot_date, mpn, manufacturer) where h.risk_score is distinct from p.risk_score")[0][0] == 0
    assert built_warehouse.query(
        "select count(distinct snapshot_date) = 1 and max(snapshot_date) = "
        "(select max(snapshot_date) from marts.part_risk_history) from marts.part_risk")[0][0]

"""The backtest replay on hand-made frames: one product, one part, a market we write by hand."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from orchestration.backtest.policies import POLICIES, Known, Order, just_in_time
from orchestration.backtest.replay import ReplayInputs, replay
from orchestration.backtest.summary import ALL_PRODUCTS, cost_benefit_matrix, summarize
from orchestration.policy import PlanPolicy

FIRST = date(2025, 10, 1)
PART = ("PMV45EN", "Nexperia")
ALT = ("BSS138", "onsemi")


def market(days: int, stock: dict[int, int], price: float = 0.10, lead_time: int = 70,
           item: tuple[str, str] = PART, distributor: str = "DigiKey") -> tuple[pl.DataFrame, pl.DataFrame]:
    """One authorized stock pool per day; `stock` maps a day offset to the units it shows (else 10,000)."""
    dates = [FIRST + timedelta(days=n) for n in range(days)]
    offers = pl.DataFrame({
        "snapshot_date": dates, "source": "digikey", "distributor": distributor, "sku": f"{item[0]}-ND",
        "stock_pool": f"{item[0]}-ND", "mpn": item[0], "manufacturer": item[1],
        "stock": [stock.get(n, 10_000) for n in range(days)], "lead_time_days": float(lead_time),
        "is_authorized": True, "is_duplicate_listing": False})
    breaks = pl.DataFrame({
        "snapshot_date": [d for d in dates for _ in range(2)], "source": "digikey", "distributor": distributor,
        "sku": f"{item[0]}-ND", "quantity": [1, 1000] * days, "unit_price_usd": [price, price / 2] * days})
    return offers, breaks


def inputs(offers: pl.DataFrame, breaks: pl.DataFrame, *, on_hand: int = 0, weekly_units: int = 70,
           alternates: bool = False, plan: pl.DataFrame | None = None) -> ReplayInputs:
    return ReplayInputs(
        offers=offers.lazy(), price_breaks=breaks.lazy(),
        bom=pl.LazyFrame({"product": ["GW"], "mpn": [PART[0]], "manufacturer": [PART[1]], "qty_per_unit": [2.0],
                          "is_dnp": [False]}),
        demand=pl.LazyFrame({"product": "GW", "week_start": [FIRST + timedelta(days=7 * w) for w in range(-1, 12)],
                             "units": float(weekly_units)}),
        products=pl.LazyFrame({"product": ["GW"], "unit_margin": [50.0]}),
        on_hand=pl.LazyFrame({"mpn": [PART[0]], "manufacturer": [PART[1]], "quantity": [on_hand]}),
        alternates=pl.LazyFrame({"mpn": [PART[0]] if alternates else [], "manufacturer": [PART[1]] if alternates else [],
                                 "alt_mpn": [ALT[0]] if alternates else [], "alt_manufacturer": [ALT[1]] if alternates else []},
                                schema={"mpn": pl.String, "manufacturer": pl.String, "alt_mpn": pl.String,
                                        "alt_manufacturer": pl.String}),
        plan=None if plan is None else plan.lazy())


def down_days(result, policy: str) -> int:
    return result.daily.filter((pl.col("policy") == policy) & pl.col("line_down")).height


def test_consumption_is_weekly_units_over_seven_times_quantity_per_board():
    offers, breaks = market(5, {})
    result = replay(inputs(offers, breaks, on_hand=1000), PlanPolicy(), FIRST, FIRST + timedelta(days=4), ["JIT"])
    # 70 boards a week = 10 a day, 2 per board = 20 units a day
    assert result.daily["consumed_units"].to_list() == [20.0] * 5
    assert result.daily["on_hand_units"].to_list()[0] == 980.0


def test_jit_orders_review_period_and_shipping_and_no_safety_stock():
    offers, breaks = market(3, {})
    policy = PlanPolicy(shipping_days=3)
    result = replay(inputs(offers, breaks), policy, FIRST, FIRST + timedelta(days=2), ["JIT"])
    first_order = result.orders.row(0, named=True)
    # 20 units a day x (3 shipping + 7 review days) = 200 units, the 1-999 break at $0.10
    assert (first_order["units"], first_order["unit_price_usd"], first_order["channel"]) == (200.0, 0.10, "distributor")
    assert first_order["arrival_date"] == FIRST + timedelta(days=3)
    # with nothing on hand the line is down until the first delivery
    assert down_days(result, "JIT") == 3


def test_purchase_is_capped_by_market_stock_and_the_rest_backordered_at_the_quoted_lead_time():
    offers, breaks = market(2, {0: 150}, lead_time=70)
    result = replay(inputs(offers, breaks, on_hand=10_000), PlanPolicy(), FIRST, FIRST + timedelta(days=1), ["JIC_BLANKET"])
    day_one = result.orders.filter(pl.col("order_date") == FIRST)
    assert day_one["units"].sum() == pytest.approx(20 * 7 * 8)  # 8 weeks of cover bought as a buffer
    assert day_one.filter(pl.col("channel") == "distributor")["units"].to_list() == [150.0]
    backorder = day_one.filter(pl.col("channel") == "factory_backorder").row(0, named=True)
    assert backorder["units"] == 20 * 7 * 8 - 150
    assert backorder["arrival_date"] == FIRST + timedelta(days=70)


def test_price_break_for_the_quantity_taken():
    offers, breaks = market(1, {})
    result = replay(inputs(offers, breaks, on_hand=10_000), PlanPolicy(), FIRST, FIRST, ["JIC_BLANKET"])
    assert result.orders["units"].to_list() == [1120.0]
    assert result.orders["unit_price_usd"].to_list() == [0.05]  # the 1000+ break


def test_shortage_stops_the_line_and_blanket_buffer_rides_it_out():
    # the market is empty from day 10 to day 40; the factory quotes 70 days
    offers, breaks = market(60, {n: 0 for n in range(10, 41)})
    result = replay(inputs(offers, breaks, on_hand=200), PlanPolicy(), FIRST, FIRST + timedelta(days=59),
                    ["JIT", "JIC_BLANKET"])
    assert down_days(result, "JIT") > 20
    assert down_days(result, "JIC_BLANKET") < down_days(result, "JIT")
    summary = summarize(result.daily.lazy(), result.orders.lazy(), result.capital.lazy(), pl.LazyFrame({"product": ["GW"], "unit_margin": [50.0]}),
                        PlanPolicy())
    jit = summary.filter((pl.col("policy") == "JIT") & (pl.col("product") == ALL_PRODUCTS)).row(0, named=True)
    # lost margin = down days x 10 boards a day x $50
    assert jit["lost_margin_usd"] == pytest.approx(jit["line_down_days"] * 10 * 50.0)
    assert jit["total_cost_usd"] == pytest.approx(jit["lost_margin_usd"] + jit["holding_cost_usd"]
                                                  + jit["purchase_premium_usd"])
    blanket = summary.filter((pl.col("policy") == "JIC_BLANKET") & (pl.col("product") == ALL_PRODUCTS)).row(0, named=True)
    assert blanket["average_capital_usd"] > jit["average_capital_usd"]
    assert len(cost_benefit_matrix(summary)) == 8


def test_holding_cost_is_capital_times_rate_per_day():
    offers, breaks = market(10, {})
    result = replay(inputs(offers, breaks, on_hand=1000), PlanPolicy(holding_rate=0.25), FIRST,
                    FIRST + timedelta(days=9), ["JIT"])
    summary = summarize(result.daily.lazy(), result.orders.lazy(), result.capital.lazy(), pl.LazyFrame({"product": ["GW"], "unit_margin": [50.0]}),
                        PlanPolicy(holding_rate=0.25))
    overall = summary.filter(pl.col("product") == ALL_PRODUCTS).row(0, named=True)
    assert overall["holding_cost_usd"] == pytest.approx(result.capital["capital_usd"].sum() * 0.25 / 365)
    assert overall["average_capital_usd"] == pytest.approx(result.capital["capital_usd"].mean())


def test_premium_is_paid_above_the_pre_window_median():
    # ten days at $0.10, then the price is ten times that
    offers, breaks = market(20, {})
    breaks = breaks.with_columns(pl.when(pl.col("snapshot_date") >= FIRST + timedelta(days=10))
                                 .then(pl.col("unit_price_usd") * 10).otherwise(pl.col("unit_price_usd")))
    result = replay(inputs(offers, breaks), PlanPolicy(), FIRST + timedelta(days=10), FIRST + timedelta(days=19), ["JIT"])
    first_order = result.orders.row(0, named=True)
    assert first_order["baseline_unit_price_usd"] == pytest.approx(0.10)
    assert first_order["premium_usd"] == pytest.approx(first_order["units"] * (1.0 - 0.10))


def plan_rows(days: int, buy: tuple[str, str], target: float, price: float = 0.05, buy_units: float | None = None,
              strategy: str = "JIC") -> pl.DataFrame:
    """The plan targets `target` units of position; `buy_units` is what it bought against its own position."""
    buy_units = target if buy_units is None else buy_units
    return pl.DataFrame({
        "snapshot_date": [FIRST + timedelta(days=n) for n in range(days)], "mpn": PART[0], "manufacturer": PART[1],
        "buy_mpn": buy[0], "buy_manufacturer": buy[1], "buy_units": buy_units, "unit_price_usd": price,
        "capital_usd": buy_units * price, "net_benefit": 1000.0, "is_funded": buy_units > 0,
        "stoppage_probability": 0.5, "strategy": strategy, "target_units": target})


def test_partrisk_buffer_stays_within_the_budget():
    offers, breaks = market(30, {})
    policy = PlanPolicy(buffer_budget_usd=30.0)
    result = replay(inputs(offers, breaks, on_hand=200, plan=plan_rows(30, PART, 5000)), policy, FIRST,
                    FIRST + timedelta(days=29), ["PARTRISK"])
    assert result.capital["buffer_capital_usd"].max() <= 30.0 + 1e-9
    assert result.capital["buffer_capital_usd"].max() > 25.0  # it did buy what fits


def test_alternate_counts_only_once_qualified():
    # the part is never in stock; the alternate is, and the plan buys it from day 0
    part_offers, part_breaks = market(30, {n: 0 for n in range(30)})
    alt_offers, alt_breaks = market(30, {}, item=ALT, distributor="Mouser")
    offers, breaks = pl.concat([part_offers, alt_offers]), pl.concat([part_breaks, alt_breaks])
    policy = PlanPolicy(alternate_qualification_days=14, shipping_days=3)
    result = replay(inputs(offers, breaks, on_hand=0, alternates=True, plan=plan_rows(30, ALT, 2000)), policy,
                    FIRST, FIRST + timedelta(days=29), ["PARTRISK"])
    down = result.daily.filter(pl.col("line_down"))["snapshot_date"].to_list()
    assert down == [FIRST + timedelta(days=n) for n in range(14)]


def test_unknown_policy_is_named():
    offers, breaks = market(1, {})
    with pytest.raises(ValueError, match="unknown policy NOPE"):
        replay(inputs(offers, breaks), PlanPolicy(), FIRST, FIRST, ["NOPE"])


def test_adding_a_policy_is_one_function():
    def never_buys(known: Known) -> list[Order]:
        return []

    offers, breaks = market(3, {})
    result = replay(inputs(offers, breaks, on_hand=30), PlanPolicy(), FIRST, FIRST + timedelta(days=2), ["NEVER"],
                    policies={**POLICIES, "NEVER": never_buys})
    assert result.orders.height == 0
    assert down_days(result, "NEVER") == 2


def test_decisions_before_a_cut_do_not_depend_on_later_days():
    offers, breaks = market(40, {n: 0 for n in range(20, 30)})
    full = replay(inputs(offers, breaks, on_hand=100), PlanPolicy(), FIRST, FIRST + timedelta(days=39))
    cut_day = FIRST + timedelta(days=22)
    cut = replay(inputs(offers.filter(pl.col("snapshot_date") <= cut_day),
                        breaks.filter(pl.col("snapshot_date") <= cut_day), on_hand=100),
                 PlanPolicy(), FIRST, cut_day)
    assert full.orders.filter(pl.col("order_date") <= cut_day).equals(
        cut.orders.drop("baseline_unit_price_usd", "premium_usd").join(
            full.orders.select("policy", "order_date", "mpn", "purpose", "channel", "baseline_unit_price_usd",
                               "premium_usd"),
            on=["policy", "order_date", "mpn", "purpose", "channel"], how="left").select(full.orders.columns))
    assert just_in_time is POLICIES["JIT"]


def test_a_night_resumed_from_the_stored_state_equals_the_full_replay():
    from orchestration.backtest.replay import worlds_from_state

    offers, breaks = market(30, {n: 0 for n in range(8, 20)})
    data = inputs(offers, breaks, on_hand=300, plan=plan_rows(30, PART, 400))
    policy, last = PlanPolicy(buffer_budget_usd=15.0), FIRST + timedelta(days=29)
    full = replay(data, policy, FIRST, last)
    cut = FIRST + timedelta(days=14)
    head = replay(data, policy, FIRST, cut)
    tail = replay(data, policy, cut + timedelta(days=1), last,
                  start=worlds_from_state(head.state.filter(pl.col("snapshot_date") == cut)), backtest_start=FIRST)
    assert tail.daily.equals(full.daily.filter(pl.col("snapshot_date") > cut))
    assert tail.orders.equals(full.orders.filter(pl.col("order_date") > cut))
    assert tail.capital.equals(full.capital.filter(pl.col("snapshot_date") > cut))


# --- calibration ----------------------------------------------------------------------------------


def calibration_rows(n: int, probability: float, outcome_every: int) -> pl.DataFrame:
    """n plan rows at one probability; every `outcome_every`-th part is short in the JIT replay."""
    return pl.DataFrame({
        "snapshot_date": FIRST, "mpn": [f"P{i}" for i in range(n)], "manufacturer": "X",
        "stoppage_probability": probability, "decayed_risk_score": probability * 100, "is_end_of_life": False,
        "market_thinness": 0.0, "uncovered_share": 1.0, "has_covering_alternate": False, "horizon_days": 10})


def test_reliability_by_decile_and_brier_score():
    from orchestration.backtest.calibration import Seeds, calibrate

    plan = pl.concat([calibration_rows(10, 0.05, 10), calibration_rows(10, 0.85, 1).with_columns(
        pl.col("mpn").str.replace("P", "Q"))])
    short = pl.DataFrame({"snapshot_date": FIRST + timedelta(days=3), "mpn": ["P0", *[f"Q{i}" for i in range(8)]],
                          "manufacturer": "X", "short_units": 1.0})
    seeds = Seeds((0.0, 100.0), (0.0, 1.0), {"market_thinness_weight": 0.0, "alternate_relief": 0.5,
                                               "end_of_life_probability": 0.8})
    result = calibrate(plan.lazy(), short.lazy(), FIRST + timedelta(days=10), seeds, fit=True)
    table = {row["decile"]: row for row in result.reliability.iter_rows(named=True)}
    assert table[0]["observed_frequency"] == pytest.approx(0.1) and table[0]["mean_predicted"] == pytest.approx(0.05)
    assert table[8]["observed_frequency"] == pytest.approx(0.8) and table[8]["predictions"] == 10
    # Brier = mean((p - o)^2): 9 x 0.05^2 + 0.95^2 over the low rows, 8 x 0.15^2 + 2 x 0.85^2 over the high ones
    expected = (9 * 0.05**2 + 0.95**2 + 8 * 0.15**2 + 2 * 0.85**2) / 20
    assert result.brier == pytest.approx(expected)
    assert result.formula_error < 1e-12  # the seeds reproduce the probabilities the rows carry
    assert result.fitted_brier <= result.brier + 1e-12
    assert list(result.fitted.curve_probabilities) == sorted(result.fitted.curve_probabilities)


def test_calibration_scores_only_whole_horizons():
    from orchestration.backtest.calibration import outcomes

    plan = calibration_rows(2, 0.5, 1).with_columns(pl.Series("snapshot_date", [FIRST, FIRST + timedelta(days=5)]))
    short = pl.DataFrame({"snapshot_date": [FIRST + timedelta(days=12)], "mpn": ["P0"], "manufacturer": ["X"],
                          "short_units": [2.0]})
    scored = outcomes(plan.lazy(), short.lazy(), FIRST + timedelta(days=12)).collect()
    # the second row's horizon ends on day 15, after the replay: not scored; the first row's shortage is on
    # day 12, outside its horizon (days 1..10): outcome 0
    assert scored.select("mpn", "outcome").rows() == [("P0", 0)]


def test_worked_example_of_scoring_md():
    """scoring.md, "Backtest: a worked example": five days of JIT from an empty shelf."""
    offers, breaks = market(5, {})
    policy = PlanPolicy(shipping_days=3, holding_rate=0.25)
    result = replay(inputs(offers, breaks, on_hand=0), policy, FIRST, FIRST + timedelta(days=4), ["JIT"])
    assert result.orders.select("order_date", "units", "unit_price_usd", "arrival_date").rows() == [
        (FIRST, 200.0, 0.10, FIRST + timedelta(days=3))]
    assert result.capital["capital_usd"].round(6).to_list() == [20.0, 20.0, 20.0, 18.0, 16.0]
    summary = summarize(result.daily.lazy(), result.orders.lazy(), result.capital.lazy(),
                        pl.LazyFrame({"product": ["GW"], "unit_margin": [50.0]}), policy)
    overall = summary.filter(pl.col("product") == ALL_PRODUCTS).row(0, named=True)
    assert overall["line_down_days"] == 3
    assert overall["lost_margin_usd"] == pytest.approx(1500.0)
    assert overall["average_capital_usd"] == pytest.approx(18.8)
    assert overall["holding_cost_usd"] == pytest.approx(94 * 0.25 / 365)
    assert overall["purchase_premium_usd"] == pytest.approx(0.0)
    assert round(overall["total_cost_usd"], 2) == 1500.06


def test_jit_backorders_once_and_buys_from_the_market_when_stock_returns():
    # the market is empty on days 0-9, then has stock again; the factory quotes 70 days
    offers, breaks = market(20, {n: 0 for n in range(10)})
    result = replay(inputs(offers, breaks), PlanPolicy(), FIRST, FIRST + timedelta(days=19), ["JIT"])
    channels = result.orders.select("order_date", "channel").rows()
    assert channels[0] == (FIRST, "factory_backorder")
    assert sum(channel == "factory_backorder" for _, channel in channels) == 1
    assert (FIRST + timedelta(days=10), "distributor") in channels
    # bought on day 10, on the line on day 13: down days 0-12
    assert down_days(result, "JIT") == 13


def test_partrisk_releases_a_buffer_the_plan_no_longer_targets():
    offers, breaks = market(12, {})
    plan = plan_rows(12, PART, 1400).with_columns(
        pl.when(pl.col("snapshot_date") < FIRST + timedelta(days=5)).then(pl.lit("JIC")).otherwise(pl.lit("JIT"))
        .alias("strategy"))
    result = replay(inputs(offers, breaks, on_hand=1000, plan=plan), PlanPolicy(), FIRST, FIRST + timedelta(days=11),
                    ["PARTRISK"])
    capital = dict(result.capital.select("snapshot_date", "buffer_capital_usd").rows())
    assert capital[FIRST + timedelta(days=4)] > 0
    # released as it arrives: the last buffer, ordered on day 4, is on hand on day 7
    assert capital[FIRST + timedelta(days=7)] == 0.0


def test_partrisk_nets_the_plan_target_against_its_own_stock_not_the_plans():
    # the plan saw enough stock of its own (buy_units 0); the replay holds only the flow, and the market
    # runs dry on day 10 for good
    offers, breaks = market(30, {n: 0 for n in range(10, 30)}, lead_time=200)
    policy = PlanPolicy(buffer_budget_usd=15.0, shipping_days=3)
    plan = plan_rows(30, PART, 600, price=0.05, buy_units=0.0)
    result = replay(inputs(offers, breaks, on_hand=0, plan=plan), policy, FIRST, FIRST + timedelta(days=29),
                    ["JIT", "PARTRISK"])
    bought = result.orders.filter((pl.col("policy") == "PARTRISK") & (pl.col("purpose") == "buffer"))
    assert bought["units"].sum() > 0
    assert result.capital.filter(pl.col("policy") == "PARTRISK")["buffer_capital_usd"].max() <= 15.0 + 1e-9
    assert down_days(result, "PARTRISK") < down_days(result, "JIT")


def test_cli_names_a_missing_warehouse(tmp_path):
    from typer.testing import CliRunner

    from orchestration.cli import app

    missing = tmp_path / "none.duckdb"
    result = CliRunner().invoke(app, ["backtest", "--warehouse", str(missing)])
    assert result.exit_code == 2
    assert str(missing) in result.output


def plan_until(days: int, buffered_days: int, replenishment_days: float | None, target: float = 1400) -> pl.DataFrame:
    """A plan that targets a buffer on its first `buffered_days` days and sets the part to JIT after."""
    return plan_rows(days, PART, target).with_columns(
        pl.when(pl.col("snapshot_date") < FIRST + timedelta(days=buffered_days)).then(pl.lit("JIC"))
        .otherwise(pl.lit("JIT")).alias("strategy"),
        pl.lit(replenishment_days, dtype=pl.Float64).alias("replenishment_days"))


def test_partrisk_holds_a_dropped_buffer_for_one_replenishment_time():
    offers, breaks = market(16, {})
    last_bought, capital = {}, {}
    # the last buffer decision is on day 4; with lead time + shipping 6 days it is held through day 10
    for replenishment_days in (6.0, None):
        result = replay(inputs(offers, breaks, on_hand=1000, plan=plan_until(16, 5, replenishment_days)), PlanPolicy(),
                        FIRST, FIRST + timedelta(days=15), ["PARTRISK"])
        last_bought[replenishment_days] = result.orders.filter(pl.col("purpose") == "buffer")["order_date"].max()
        capital[replenishment_days] = result.capital["buffer_capital_usd"].to_list()
    assert last_bought == {6.0: FIRST + timedelta(days=10), None: FIRST + timedelta(days=4)}
    assert min(capital[6.0][:11]) >= 40.0
    # day 11: the stock on hand is released to the flow; only the last top-ups on their way still count
    assert capital[6.0][11] < 5.0 and capital[6.0][13] == 0.0
    assert capital[None][5] < 5.0


def test_partrisk_backorders_what_the_market_lacks_only_when_it_arrives_within_the_horizon():
    # distributors hold 100; the factory quotes 70 days; the target lacks 2,000 - 1,000 on hand
    offers, breaks = market(1, {0: 100}, lead_time=70)
    channels = {}
    for replenishment_days in (73.0, 120.0):
        plan = plan_rows(1, PART, 2000).with_columns(pl.lit(replenishment_days).alias("replenishment_days"))
        result = replay(inputs(offers, breaks, on_hand=1000, plan=plan), PlanPolicy(buffer_budget_usd=500.0), FIRST,
                        FIRST, ["PARTRISK"])
        buffer_orders = result.orders.filter(pl.col("purpose") == "buffer")
        channels[replenishment_days] = dict(buffer_orders.group_by("channel").agg(pl.col("units").sum()).rows())
    assert channels[73.0] == {"distributor": 100.0, "factory_backorder": 900.0}
    assert channels[120.0] == {"distributor": 100.0}


def test_partrisk_buys_a_partial_buffer_where_the_market_held_less_and_backorders_only_an_empty_market():
    # the target lacks 2,000 - 1,000 on hand; the factory's 70 + 3 days are within the horizon
    channels = {}
    for market_units in (300.0, 0.0):
        offers, breaks = market(1, {0: int(market_units)}, lead_time=70)
        plan = plan_rows(1, PART, 2000).with_columns(pl.lit(73.0).alias("replenishment_days"),
                                                     pl.lit(market_units).alias("market_units"))
        result = replay(inputs(offers, breaks, on_hand=1000, plan=plan), PlanPolicy(buffer_budget_usd=500.0), FIRST,
                        FIRST, ["PARTRISK"])
        buffer_orders = result.orders.filter(pl.col("purpose") == "buffer")
        channels[market_units] = dict(buffer_orders.group_by("channel").agg(pl.col("units").sum()).rows())
    # distributors held 300: the plan's partial buffer, nothing left waiting at the factory
    assert channels[300.0] == {"distributor": 300.0}
    # they held none: the whole lack is backordered, as Just-in-Time does when none is left
    assert channels[0.0] == {"factory_backorder": 1000.0}


def test_an_alternates_backorder_is_judged_by_the_alternates_lead_time_not_the_parts():
    # the part's own replenishment (73 days) is within the horizon; the alternate the plan buys is not
    part_offers, part_breaks = market(1, {0: 10_000}, lead_time=70)
    channels = {}
    for alt_lead_time in (30, 200):
        alt_offers, alt_breaks = market(1, {0: 100}, lead_time=alt_lead_time, item=ALT, distributor="Mouser")
        plan = plan_rows(1, ALT, 2000, strategy="DUAL_SOURCE").with_columns(
            pl.lit(73.0).alias("replenishment_days"))
        result = replay(inputs(pl.concat([part_offers, alt_offers]), pl.concat([part_breaks, alt_breaks]),
                               on_hand=1000, alternates=True, plan=plan),
                        PlanPolicy(buffer_budget_usd=500.0), FIRST, FIRST, ["PARTRISK"])
        buffer_orders = result.orders.filter(pl.col("purpose") == "buffer")
        channels[alt_lead_time] = dict(buffer_orders.group_by("channel").agg(pl.col("units").sum()).rows())
    # 2,000 less the 1,000 on hand; the alternate's 30 + 3 days are within the horizon, so what
    # distributors lack is backordered
    assert channels[30] == {"distributor": 100.0, "factory_backorder": 900.0}
    assert channels[200] == {"distributor": 100.0}


def test_held_buffers_do_not_depend_on_later_days_and_a_resumed_night_remembers_them():
    from orchestration.backtest.replay import worlds_from_state

    offers, breaks = market(30, {n: 0 for n in range(16, 24)})
    plan = plan_until(30, 10, 12.0, target=600)
    policy, last, cut = PlanPolicy(buffer_budget_usd=40.0), FIRST + timedelta(days=29), FIRST + timedelta(days=14)
    full = replay(inputs(offers, breaks, on_hand=300, plan=plan), policy, FIRST, last, ["PARTRISK"])
    early = replay(inputs(offers.filter(pl.col("snapshot_date") <= cut), breaks.filter(pl.col("snapshot_date") <= cut),
                          on_hand=300, plan=plan.filter(pl.col("snapshot_date") <= cut)), policy, FIRST, cut,
                   ["PARTRISK"])
    assert early.capital.equals(full.capital.filter(pl.col("snapshot_date") <= cut))
    assert early.capital["buffer_capital_usd"][-1] > 0  # held on day 14, four days after the plan dropped it
    tail = replay(inputs(offers, breaks, on_hand=300, plan=plan), policy, cut + timedelta(days=1), last, ["PARTRISK"],
                  start=worlds_from_state(early.state), backtest_start=FIRST)
    assert tail.orders.equals(full.orders.filter(pl.col("order_date") > cut))
    assert tail.capital.equals(full.capital.filter(pl.col("snapshot_date") > cut))


def test_a_larger_budget_keeps_buffer_capital_within_that_budget_every_day():
    from orchestration.backtest.run import at_budget

    offers, breaks = market(30, {})
    data = inputs(offers, breaks, on_hand=200, plan=plan_rows(30, PART, 5000))
    small = PlanPolicy(buffer_budget_usd=30.0)
    large = at_budget(small, 120.0)
    assert large.buffer_budget_usd == 120.0 and large.shipping_days == small.shipping_days
    capital = {budget.buffer_budget_usd: replay(data, budget, FIRST, FIRST + timedelta(days=29), ["PARTRISK"]).capital
               for budget in (small, large)}
    for budget, frame in capital.items():
        assert (frame["buffer_capital_usd"] <= budget + 1e-9).all()
        assert (frame["budget_usd"] == budget).all()
    # the larger budget is used: more than the smaller one could ever hold
    assert capital[120.0]["buffer_capital_usd"].max() > 30.0


@pytest.mark.parametrize("budget", [0.0, -5.0, float("nan"), float("inf")])
def test_a_budget_that_is_not_a_positive_amount_is_refused(budget):
    from orchestration.backtest.run import at_budget

    with pytest.raises(ValueError, match="--budget-usd must be a positive amount in USD"):
        at_budget(PlanPolicy(), budget)


def test_the_frontier_judges_each_budget_against_jit_and_blanket():
    from orchestration.backtest.summary import frontier_table

    baselines = pl.DataFrame({"policy": ["JIT", "JIC_BLANKET"], "line_down_days": [50, 10],
                              "total_cost_usd": [1000.0, 600.0], "average_capital_usd": [100.0, 900.0]})
    points = pl.DataFrame({"budget_usd": [50.0, 10.0], "line_down_days": [8, 20], "lost_margin_usd": 0.0,
                           "holding_cost_usd": 0.0, "purchase_premium_usd": 0.0, "total_cost_usd": [500.0, 800.0],
                           "average_capital_usd": [950.0, 300.0], "peak_capital_usd": 0.0,
                           "peak_buffer_capital_usd": [50.0, 10.5]})
    rows = frontier_table(points, baselines).to_dicts()
    assert [r["budget_usd"] for r in rows] == [10.0, 50.0]
    assert [r["share_of_jit_days"] for r in rows] == [0.4, 0.16]
    assert [r["days_target_met"] for r in rows] == [False, True]
    assert [r["within_budget"] for r in rows] == [False, True]
    assert [r["cost_below_jit"] for r in rows] == [True, True]
    assert [r["cost_below_blanket"] for r in rows] == [False, True]
    assert [r["capital_below_blanket"] for r in rows] == [True, False]

"""The backtest over a warehouse: the nightly (stored, one more day per night) and the ad-hoc (printed) run.

Stored tables (a night replaces its own days only, so a re-run writes the same rows):
- marts.backtest_daily, marts.backtest_orders, marts.backtest_capital: per policy and day;
- marts.backtest_summary: rebuilt from them over the whole stored history;
- features.backtest_state: each policy's stock at the end of a run's last day, from which the next night
  resumes (a range re-run from an earlier day without that day's state replays from the first snapshot).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

from orchestration.backtest.io import read_inputs, replace_table, replace_window, snapshot_range
from orchestration.backtest.policies import POLICIES
from orchestration.backtest.replay import ReplayInputs, ReplayResult, World, replay, worlds_from_state
from orchestration.backtest.summary import ALL_PRODUCTS, FRONTIER_BASELINES, frontier_table, summarize
from orchestration.policy import PlanPolicy, load_policy
from orchestration.warehouse.connection import table_exists

DAILY, ORDERS, CAPITAL, SUMMARY, STATE = ("marts.backtest_daily", "marts.backtest_orders", "marts.backtest_capital",
                                          "marts.backtest_summary", "features.backtest_state")


@dataclass
class BacktestRun:
    first: date
    last: date
    policies: list[str]
    result: ReplayResult
    summary: pl.DataFrame
    resumed: bool


def window(conn: duckdb.DuckDBPyConnection, first: date | None, last: date | None) -> tuple[date, date]:
    """The replayed days: the given bounds, clipped to the snapshot dates the warehouse holds."""
    history = snapshot_range(conn)
    if history is None:
        raise ValueError("the warehouse has no snapshot dates (staging.stg_feeds__offers is empty): refresh first")
    start, end = max(first or history[0], history[0]), min(last or history[1], history[1])
    if start > end:
        raise ValueError(f"no snapshot dates in {first}..{last}: the warehouse holds {history[0]}..{history[1]}")
    return start, end


def backtest(conn: duckdb.DuckDBPyConnection, policy: PlanPolicy, first: date | None = None,
             last: date | None = None, policies: list[str] | None = None) -> BacktestRun:
    """Replay first..last from inventory/on_hand.csv, in memory (the warehouse is only read)."""
    names = policies or list(POLICIES)
    start, end = window(conn, first, last)
    inputs = read_inputs(conn, end)
    result, summary = _replay_summary(inputs, policy, start, end, names)
    return BacktestRun(start, end, names, result, summary, resumed=False)


def _replay_summary(inputs: ReplayInputs, policy: PlanPolicy, start: date, end: date,
                    names: list[str]) -> tuple[ReplayResult, pl.DataFrame]:
    result = replay(inputs, policy, start, end, names)
    return result, summarize(result.daily.lazy(), result.orders.lazy(), result.capital.lazy(), inputs.products,
                             policy)


def at_budget(policy: PlanPolicy, budget_usd: float) -> PlanPolicy:
    """The policy with another buffer budget (USD); the budget must be a positive, finite amount."""
    if not (math.isfinite(budget_usd) and budget_usd > 0):
        raise ValueError(f"--budget-usd must be a positive amount in USD, got {budget_usd:g}")
    return policy.model_copy(update={"buffer_budget_usd": float(budget_usd)})


@dataclass
class FrontierRun:
    first: date
    last: date
    baselines: pl.DataFrame  # the ALL rows of backtest_summary for JIT and JIC_BLANKET
    frontier: pl.DataFrame  # summary.frontier_table: one row per budget


def budget_frontier(conn: duckdb.DuckDBPyConnection, policy: PlanPolicy, budgeted: list[PlanPolicy],
                    first: date | None = None, last: date | None = None) -> FrontierRun:
    """PARTRISK replayed under each of `budgeted` (`policy` at other budgets), JIT and JIC_BLANKET once.

    Only PARTRISK reads the budget. The plan history it follows (strategy, target, what to buy, net
    benefit) is decided before the plan's own budget allocation, so the same history serves every budget;
    the replay funds within the budget it is given.
    """
    start, end = window(conn, first, last)
    inputs = read_inputs(conn, end)
    _, baselines = _replay_summary(inputs, policy, start, end, list(FRONTIER_BASELINES))
    points = []
    for at in budgeted:
        _, summary = _replay_summary(inputs, at, start, end, ["PARTRISK"])
        points.append(summary.filter(pl.col("product") == ALL_PRODUCTS)
                      .with_columns(pl.lit(at.buffer_budget_usd).alias("budget_usd")))
    overall = (baselines.filter(pl.col("product") == ALL_PRODUCTS)
               .sort(pl.col("policy").replace_strict(FRONTIER_BASELINES, range(len(FRONTIER_BASELINES)))))
    return FrontierRun(start, end, overall, frontier_table(pl.concat(points), overall))


def stored_backtest(conn: duckdb.DuckDBPyConnection, landing: Path, first: date, last: date) -> BacktestRun:
    """The nightly backtest: replay first..last, resuming from the stored state of the day before `first`.

    Without that state (a new warehouse, or a gap) it replays from the first snapshot date.
    """
    policy = load_policy(landing)
    names = list(POLICIES)
    history_start = snapshot_range(conn)[0] if snapshot_range(conn) else first
    start, end = window(conn, first, last)
    worlds = None
    if start > history_start:
        worlds = _stored_worlds(conn, start - timedelta(days=1), names)
        if worlds is None:
            start = history_start
    inputs = read_inputs(conn, end)
    result = replay(inputs, policy, start, end, names, start=worlds, backtest_start=history_start)
    replace_window(conn, DAILY, result.daily, "snapshot_date", start, end, names)
    replace_window(conn, ORDERS, result.orders, "order_date", start, end, names)
    replace_window(conn, CAPITAL, result.capital, "snapshot_date", start, end, names)
    replace_window(conn, STATE, result.state, "snapshot_date", start, end, names)
    summary = summarize(_read(conn, DAILY), _read(conn, ORDERS), _read(conn, CAPITAL), inputs.products, policy)
    replace_table(conn, SUMMARY, summary)
    return BacktestRun(start, end, names, result, summary, resumed=worlds is not None)


def _read(conn: duckdb.DuckDBPyConnection, table: str) -> pl.LazyFrame:
    return pl.from_arrow(conn.sql(f"select * from {table}").to_arrow_table()).lazy()


def _stored_worlds(conn: duckdb.DuckDBPyConnection, day: date, names: list[str]):
    if not table_exists(conn, *STATE.split(".")) or not table_exists(conn, *CAPITAL.split(".")):
        return None
    # Only a run that ended on `day` left its state; otherwise replay from the start.
    kept = {p for (p,) in conn.execute(f"select distinct policy from {STATE} where snapshot_date = ?",
                                       [day]).fetchall()}
    if not set(names) <= kept:
        return None
    state = pl.from_arrow(conn.sql(f"select * from {STATE} where snapshot_date = ?", params=[day]).to_arrow_table())
    worlds = worlds_from_state(state)
    return {name: worlds.get(name, World()) for name in names}

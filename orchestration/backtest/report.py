"""The backtest as text: the summary table and the cost-benefit matrix, for the CLI and the refresh summary."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from orchestration.backtest.run import SUMMARY, at_budget, backtest, budget_frontier
from orchestration.backtest.summary import cost_benefit_matrix, render_frontier, render_summary
from orchestration.policy import load_policy
from orchestration.warehouse.connection import table_exists, warehouse


def backtest_report(path: Path, landing: Path, policies: list[str] | None, first: date | None,
                    last: date | None, budgets: list[float] | None = None) -> str:
    """Replay `first..last` of the warehouse at `path` (read-only) and render what each policy cost.

    With `budgets` (USD) it renders the budget frontier instead: PARTRISK at each budget against JIT and
    JIC_BLANKET.
    """
    policy = load_policy(landing)
    terms = (f"holding {policy.holding_rate:.0%}/year, shipping {policy.shipping_days} days, "
             f"blanket {policy.jic_blanket_weeks:g} weeks")
    if not budgets:
        with warehouse(path, read_only=True) as conn:
            run = backtest(conn, policy, first, last, policies)
        lines = [f"backtest {run.first}..{run.last} ({(run.last - run.first).days + 1} days), policies: "
                 f"{', '.join(run.policies)}; budget ${policy.buffer_budget_usd:,.0f}, {terms}"]
        lines += render_summary(run.summary)
        lines += ["", "cost-benefit matrix (all products):", *cost_benefit_matrix(run.summary)]
        return "\n".join(lines)
    if policies:
        raise ValueError("--policy cannot be combined with --budget-usd: the frontier replays JIT and JIC_BLANKET "
                         "once and PARTRISK at each budget")
    # A budget that cannot be used is named before the warehouse is opened.
    budgeted = [at_budget(policy, budget) for budget in sorted(set(budgets))]
    with warehouse(path, read_only=True) as conn:
        frontier = budget_frontier(conn, policy, budgeted, first, last)
    lines = [f"budget frontier {frontier.first}..{frontier.last} ({(frontier.last - frontier.first).days + 1} days): "
             f"PARTRISK at {len(frontier.frontier)} budgets (USD; plan/policy.yml says "
             f"${policy.buffer_budget_usd:,.0f}), line-down in product-days, money in USD; {terms}",
             *render_frontier(frontier.frontier, frontier.baselines)]
    return "\n".join(lines)


def stored_backtest_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The refresh summary's backtest section: the stored marts.backtest_summary, ALL products."""
    if not table_exists(conn, *SUMMARY.split(".")):
        return []
    summary = pl.from_arrow(conn.sql(f"select * from {SUMMARY}").to_arrow_table())
    if summary.is_empty():
        return []
    days = summary["days"].max()
    return [f"backtest over {days} days of history (marts.backtest_summary, all products):",
            *("  " + line for line in render_summary(summary, all_only=True)),
            "cost-benefit matrix:", *("  " + line for line in cost_benefit_matrix(summary))]


def calibration_report(path: Path, landing: Path, *, write_seeds: Path | None) -> str:
    """Reliability by decile and the Brier score of the plan's stoppage probability, before and after a refit.

    With `write_seeds` (the dbt project's seeds folder) the fitted curve and parameters are written there;
    the next refresh plans with them.
    """
    from orchestration.backtest.calibration import calibrate
    from orchestration.backtest.io import read_plan_components, read_seeds
    from orchestration.backtest.io import write_seeds as save_seeds

    policy = load_policy(landing)
    with warehouse(path, read_only=True) as conn:
        plan = read_plan_components(conn)
        seeds = read_seeds(conn)
        run = backtest(conn, policy, policies=["JIT"])
    result = calibrate(plan, run.result.daily.lazy(), run.last, seeds, fit=True)
    lines = [f"calibration: {result.scored.height:,} predictions (snapshot date x part) whose horizon ends by "
             f"{run.last}, outcome = the JIT replay was short of the part within the horizon"]
    if result.scored.height == 0:
        lines.append("  nothing to score: the history is shorter than the planning horizon")
        return "\n".join(lines)
    lines.append(f"the fit's formula reproduces the stored probabilities within {result.formula_error:.1e}")
    lines += _reliability_lines(result.reliability, f"Brier score {result.brier:.4f} (seeds in use)")
    fitted = result.fitted
    lines += _reliability_lines(result.fitted_reliability, f"Brier score {result.fitted_brier:.4f} (fitted seeds)")
    lines.append("fitted seeds: curve " + ", ".join(
        f"{s:g} -> {p:.3f}" for s, p in zip(fitted.curve_scores, fitted.curve_probabilities, strict=True))
        + "; " + ", ".join(f"{k} {v:.3f}" for k, v in fitted.parameters.items()))
    if write_seeds is not None:
        written = save_seeds(write_seeds, fitted)
        lines.append("written: " + ", ".join(str(p) for p in written) + " (the next `partrisk refresh` plans with them)")
    return "\n".join(lines)


def _reliability_lines(table: pl.DataFrame, title: str) -> list[str]:
    lines = [title, f"  {'P decile':<10} {'predictions':>11} {'mean P':>8} {'observed':>9}"]
    for row in table.iter_rows(named=True):
        lines.append(f"  {row['p_from']:.1f}-{row['p_to']:.1f}    {row['predictions']:>11,} "
                     f"{row['mean_predicted']:>8.3f} {row['observed_frequency']:>9.3f}")
    return lines

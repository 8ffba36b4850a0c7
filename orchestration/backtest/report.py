"""The backtest as text: the summary table and the cost-benefit matrix, for the CLI and the refresh summary."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from orchestration.backtest.run import SUMMARY, backtest
from orchestration.backtest.summary import cost_benefit_matrix, render_summary
from orchestration.policy import load_policy
from orchestration.warehouse.connection import table_exists, warehouse


def backtest_report(path: Path, landing: Path, policies: list[str] | None, first: date | None,
                    last: date | None) -> str:
    """Replay `first..last` of the warehouse at `path` (read-only) and render what each policy cost."""
    policy = load_policy(landing)
    with warehouse(path, read_only=True) as conn:
        run = backtest(conn, policy, first, last, policies)
    lines = [f"backtest {run.first}..{run.last} ({(run.last - run.first).days + 1} days), policies: "
             f"{', '.join(run.policies)}; budget ${policy.buffer_budget_usd:,.0f}, holding {policy.holding_rate:.0%}/year, "
             f"shipping {policy.shipping_days} days, blanket {policy.jic_blanket_weeks:g} weeks"]
    lines += render_summary(run.summary)
    lines += ["", "cost-benefit matrix (all products):", *cost_benefit_matrix(run.summary)]
    return "\n".join(lines)


def stored_backtest_lines(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """The refresh summary's backtest section: the stored marts.backtest_summary, ALL products."""
    schema, name = SUMMARY.split(".")
    if not table_exists(conn, schema, name):
        return []
    summary = pl.from_arrow(conn.sql(f"select * from {SUMMARY}").to_arrow_table())
    if summary.is_empty():
        return []
    days = summary["days"].max()
    return [f"backtest over {days} days of history (marts.backtest_summary, all products):",
            *("  " + line for line in render_summary(summary, all_only=True)),
            "cost-benefit matrix:", *("  " + line for line in cost_benefit_matrix(summary))]

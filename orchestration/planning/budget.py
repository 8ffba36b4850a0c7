"""The buffer budget: which purchases the day's capital funds.

Each snapshot date is allocated on its own, from that date's candidates only (no look-ahead).
Candidates are purchases with a positive net benefit (expected stoppage cost avoided minus the
holding cost over the horizon), ranked by net benefit per dollar of capital. Each is funded whole
when it fits in what is left; otherwise the largest part of it in the offer's MOQ and order-multiple
steps that fits; a candidate whose first step does not fit is skipped and the next one tried.
Greedy by ratio: exact for the continuous relaxation, and with steps it leaves less unspent than one
MOQ step of any unfunded candidate (that is what the tests check).
"""

from __future__ import annotations

import math

import polars as pl

# What the allocation adds to each candidate row.
ALLOCATION_SCHEMA = {
    "net_benefit": pl.Float64,
    "net_benefit_per_dollar": pl.Float64,
    "funding_rank": pl.Int64,
    "is_funded": pl.Boolean,
    "funded_units": pl.Float64,
    "funded_capital_usd": pl.Float64,
    "funded_cost_avoided": pl.Float64,
    "budget_left_usd": pl.Float64,
}


def cost_avoided(units: float, expected_cost: float, daily_demand: float, uncovered_days: float | None) -> float:
    """Expected stoppage cost a purchase of `units` avoids: the share of the uncovered days it covers."""
    if units <= 0 or not uncovered_days or uncovered_days <= 0 or daily_demand <= 0:
        return 0.0
    return expected_cost * min(1.0, units / daily_demand / uncovered_days)


def largest_step(units: float, unit_price: float, budget_left: float, moq: float, multiple: float) -> float:
    """The most units, at least the MOQ and then in order multiples, not above `units`, that fit the budget left."""
    if unit_price <= 0:
        return units
    affordable = budget_left / unit_price
    moq = max(moq, 1.0)
    multiple = max(multiple, 1.0)
    if affordable + 1e-9 < moq or units < moq:
        return 0.0
    steps = math.floor((min(affordable, units) - moq) / multiple + 1e-9)
    return moq + steps * multiple


def allocate_day(rows: list[dict], budget: float) -> list[dict]:
    """Allocate one snapshot date's candidates (dicts with the candidate columns) within `budget`."""
    for row in rows:
        capital = row["capital_usd"] or 0.0
        net = (row["expected_stoppage_cost_avoided"] or 0.0) - (row["holding_cost_horizon"] or 0.0)
        row.update(net_benefit=net, net_benefit_per_dollar=net / capital if capital > 0 else None,
                   funding_rank=None, is_funded=False, funded_units=0.0, funded_capital_usd=0.0,
                   funded_cost_avoided=0.0)
    candidates = [r for r in rows if (r["buy_units"] or 0) > 0 and (r["capital_usd"] or 0) > 0 and r["net_benefit"] > 0]
    candidates.sort(key=lambda r: (-r["net_benefit_per_dollar"], r["mpn"], r["manufacturer"]))
    left = budget
    for rank, row in enumerate(candidates, start=1):
        row["funding_rank"] = rank
        price = row["unit_price_usd"]
        if row["capital_usd"] <= left + 1e-9:
            units = row["buy_units"]
        elif row["strategy"] == "DUAL_SOURCE":
            units = largest_step(row["buy_units"], price, left, 1.0, 1.0)
        else:
            units = largest_step(row["buy_units"], price, left, row["order_moq"] or 1.0, row["order_multiple"] or 1.0)
        if units <= 0:
            continue
        capital = row["capital_usd"] if units == row["buy_units"] else units * price
        row.update(is_funded=True, funded_units=float(units), funded_capital_usd=capital,
                   funded_cost_avoided=cost_avoided(units, row["expected_stoppage_cost"], row["daily_demand_units"],
                                                    row["uncovered_days"]))
        left -= capital
    for row in rows:
        row["budget_left_usd"] = left
    return rows


def allocate_budget(candidates: pl.DataFrame) -> pl.DataFrame:
    """Every snapshot date of `candidates` allocated within its own `buffer_budget_usd`."""
    out: list[dict] = []
    for (_,), day in candidates.sort("snapshot_date", "mpn", "manufacturer").group_by("snapshot_date",
                                                                                       maintain_order=True):
        rows = day.to_dicts()
        out.extend(allocate_day(rows, float(rows[0]["buffer_budget_usd"])))
    schema = {**candidates.schema, **ALLOCATION_SCHEMA}
    return pl.DataFrame(out, schema=schema) if out else pl.DataFrame(schema=schema)

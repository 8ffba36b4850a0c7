"""Daily demand per part from BOM usage × the weekly build plan (pure Polars, lazy).

The plan describes the present: demand "as of" a date uses the plan weeks from the week containing
that date forward, `horizon_weeks` of them. It is current-state input, not a history, so the trend
features join it as is on every snapshot date.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import polars as pl

PART_KEY = ["mpn", "manufacturer"]
HORIZON_WEEKS = 13


def compute_daily_demand(
    bom_usage: pl.LazyFrame,
    plan: pl.LazyFrame,
    *,
    as_of: date,
    horizon_weeks: int = HORIZON_WEEKS,
) -> pl.LazyFrame:
    """mpn, manufacturer, daily_demand_units, daily_demand_std.

    - `bom_usage`: product, mpn, manufacturer, qty_per_unit (a part used twice on a product sums).
    - `plan`: product, week_start (date), units.
    - Horizon: plan weeks with week_start in [as_of - 6 days, as_of - 6 days + horizon_weeks weeks); a product
      with no row in one of those weeks plans 0 units that week.
    - daily_demand_units = mean weekly part units / 7.
    - daily_demand_std = sample std of the weekly part units / √7 (days of a week taken as independent,
      so a week's variance is 7·σd²). Null with fewer than two plan weeks.
    """
    first_week = as_of - timedelta(days=6)  # the week that contains as_of starts no earlier
    horizon = pl.col("week_start").is_between(
        first_week, first_week + timedelta(weeks=horizon_weeks), closed="left"
    )
    weekly = (
        plan.filter(horizon).group_by("product", "week_start").agg(pl.col("units").sum().cast(pl.Float64))
    )
    weeks = weekly.select("week_start").unique()
    usage = bom_usage.group_by("product", *PART_KEY).agg(pl.col("qty_per_unit").sum().cast(pl.Float64))
    part_weeks = (
        usage.join(weekly, on="product", how="inner")
        .group_by(*PART_KEY, "week_start")
        .agg((pl.col("qty_per_unit") * pl.col("units")).sum().alias("part_units"))
    )
    # Every part × every plan week, so a week without builds counts as 0, not as missing.
    dense = (
        part_weeks.select(PART_KEY)
        .unique()
        .join(weeks, how="cross")
        .join(part_weeks, on=[*PART_KEY, "week_start"], how="left")
        .with_columns(pl.col("part_units").fill_null(0.0))
    )
    return dense.group_by(PART_KEY).agg(
        (pl.col("part_units").mean() / 7.0).alias("daily_demand_units"),
        (pl.col("part_units").std(ddof=1) / math.sqrt(7.0)).alias("daily_demand_std"),
    )

"""The report's views as Polars frames: pure functions of the serving tables, one per view.

Every function takes frames and returns a frame (or a small dict); nothing here opens a file, so each
rule is tested on hand-made frames.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

import polars as pl

from orchestration.features.part_trends import CARRY_FORWARD_DAYS
from orchestration.report.data import BANDS, TREND_DAYS

PART_KEY = ["mpn", "manufacturer"]


def part_slug(mpn: str, manufacturer: str) -> str:
    """A stable, URL-safe id for a part page: readable, plus a short hash of the exact key, since
    MPNs carry '/', ':' and '#' and 'A/B' and 'A-B' read the same once cleaned."""
    readable = re.sub(r"[^A-Za-z0-9]+", "-", mpn).strip("-").lower()
    digest = hashlib.sha1(f"{mpn}\x1f{manufacturer}".encode()).hexdigest()[:6]
    return f"{readable}-{digest}"


def band_counts(history: pl.DataFrame, as_of: date, days: int = TREND_DAYS) -> pl.DataFrame:
    """Parts per band per snapshot date over the last `days` days up to as_of (one column per band)."""
    first = as_of - timedelta(days=days - 1)
    counts = (history.lazy()
              .filter(pl.col("snapshot_date").is_between(first, as_of))
              .group_by("snapshot_date", "risk_band").agg(pl.len().alias("parts"))
              .collect()
              .pivot(on="risk_band", index="snapshot_date", values="parts")
              .sort("snapshot_date"))
    for band in BANDS:
        if band not in counts.columns:
            counts = counts.with_columns(pl.lit(0, pl.UInt32).alias(band))
    return counts.select("snapshot_date", *BANDS).fill_null(0)


FUNDING_ORDER = [pl.col("funding_rank"), pl.col("mpn"), pl.col("manufacturer")]


def funding_order(buffer_plan: pl.DataFrame) -> pl.DataFrame:
    """The plan in the budget's order: funding_rank first, rows that are no candidate last."""
    return buffer_plan.sort(FUNDING_ORDER, nulls_last=True)


# Columns the mart keeps for older readers, same as another column; a buyer's copy shows each figure once.
ALIASES = ("in_budget", "buffer_units", "buffer_capital", "stoppage_days")


def plan_for_export(buffer_plan: pl.DataFrame) -> pl.DataFrame:
    """The plan as buyers get it (CSV, workbook): funding order, without the alias columns."""
    return funding_order(buffer_plan).drop(ALIASES, strict=False)


def _buy_words() -> pl.Expr:
    """What to buy: the part itself, or "qualify X (maker)" when the purchase is an alternate."""
    alternate = (pl.col("buy_mpn") != pl.col("mpn")) | (pl.col("buy_manufacturer") != pl.col("manufacturer"))
    return (pl.when(pl.col("buy_mpn").is_null()).then(pl.lit(None, pl.String))
            .when(alternate).then(pl.format("qualify {} ({})", "buy_mpn", "buy_manufacturer"))
            .otherwise(pl.lit("the part")).alias("buy"))


def _funding_words() -> pl.Expr:
    partly = pl.col("funded_units") < pl.col("buy_units")
    return (pl.when(pl.col("is_funded") & partly).then(pl.lit("funded in part"))
            .when(pl.col("is_funded")).then(pl.lit("funded"))
            .when(pl.col("funding_rank").is_not_null()).then(pl.lit("not funded"))
            .when(pl.col("buy_units").fill_null(0) > 0).then(pl.lit("no net benefit"))
            .otherwise(pl.lit("nothing to buy")).alias("funding"))


def with_purchase_words(buffer_plan: pl.DataFrame) -> pl.DataFrame:
    """The plan with `buy` (the part or "qualify X") and `funding` (funded, in part, not funded, ...) as words."""
    return buffer_plan.with_columns(_buy_words(), _funding_words())


def parts_to_act(buffer_plan: pl.DataFrame, part_risk: pl.DataFrame) -> pl.DataFrame:
    """Every part whose strategy is not JIT, in the budget's funding order (funding_rank, non-candidates last)."""
    drivers = part_risk.select(*PART_KEY, "risk_drivers")
    return (with_purchase_words(funding_order(buffer_plan.filter(pl.col("strategy") != "JIT")))
            .lazy()
            .join(drivers.lazy(), on=PART_KEY, how="left", maintain_order="left")
            .select(*PART_KEY, "risk_band", "planning_band", "risk_drivers", "strategy", "buy", "buy_mpn",
                    "buy_manufacturer", "funded_units", "buy_units", "unmet_need_units", "funded_capital_usd",
                    "capital_usd", "funded_cost_avoided", "net_benefit", "net_benefit_per_dollar", "funding_rank",
                    "is_funded", "funding")
            .with_row_index("rank", offset=1)
            .collect())


def budget_used(buffer_plan: pl.DataFrame) -> dict:
    """What the budget funds, USD: Σ funded_capital_usd (never above budget_usd) and Σ funded_cost_avoided."""
    funded = buffer_plan.filter(pl.col("is_funded").fill_null(False))
    budget = buffer_plan["budget_usd"].max()
    partly = funded.filter(pl.col("funded_units") < pl.col("buy_units")).height
    return {"used_usd": float(funded["funded_capital_usd"].fill_null(0).sum()),
            "budget_usd": float(budget) if budget is not None else None,
            "funded_buffers": funded.height, "funded_in_part": partly,
            "avoided_usd": float(funded["funded_cost_avoided"].fill_null(0).sum())}


def budget_curve(buffer_plan: pl.DataFrame) -> pl.DataFrame:
    """The budget's candidates in funding order: running whole capital and avoided cost, and running funded
    capital and funded avoided cost, USD."""
    return (with_purchase_words(funding_order(buffer_plan.filter(pl.col("funding_rank").is_not_null())))
            .select(*PART_KEY, "strategy", "funding_rank", "funding", "is_funded", "capital_usd",
                    "expected_stoppage_cost_avoided", "funded_capital_usd", "funded_cost_avoided")
            .with_columns(pl.col("capital_usd").cum_sum().alias("cumulative_capital_usd"),
                          pl.col("expected_stoppage_cost_avoided").fill_null(0).cum_sum()
                          .alias("cumulative_avoided_usd"),
                          pl.col("funded_capital_usd").fill_null(0).cum_sum().alias("cumulative_funded_capital_usd"),
                          pl.col("funded_cost_avoided").fill_null(0).cum_sum().alias("cumulative_funded_avoided_usd")))


def carried_forward(market: pl.DataFrame, days: int = CARRY_FORWARD_DAYS) -> pl.DataFrame:
    """A distributor's last listing carried over up to `days` missing days, as the trend features do:
    a one-day feed outage is not a stock drop or a price spike."""
    keys = [*PART_KEY, "distributor"]
    measures = [c for c in market.columns if c not in ("snapshot_date", *keys)]
    return (market.sort([*keys, "snapshot_date"])
            .upsample(time_column="snapshot_date", every="1d", group_by=keys, maintain_order=True)
            .with_columns(pl.col(measures).forward_fill(limit=days).over(keys))
            .filter(pl.col("is_authorized").is_not_null()))


def market_price(market: pl.DataFrame) -> pl.DataFrame:
    """The lowest authorized price at the 100 and 1,000 breaks per part and day, USD per unit."""
    return (market.lazy().filter(pl.col("is_authorized"))
            .group_by(*PART_KEY, "snapshot_date")
            .agg(pl.col("price_q100_usd").min(), pl.col("price_q1000_usd").min())
            .collect())


def sparklines(parts: pl.DataFrame, history: pl.DataFrame, prices: pl.DataFrame | None, as_of: date,
               days: int = TREND_DAYS) -> pl.DataFrame:
    """Per part: market stock, the lowest authorized price at 100 and the lead time over the last `days` days."""
    first = as_of - timedelta(days=days - 1)
    window = history.lazy().filter(pl.col("snapshot_date").is_between(first, as_of))
    if prices is not None:
        window = window.join(prices.lazy().select(*PART_KEY, "snapshot_date", "price_q100_usd"),
                             on=[*PART_KEY, "snapshot_date"], how="left")
    else:
        window = window.with_columns(pl.lit(None, pl.Float64).alias("price_q100_usd"))
    series = (window.sort("snapshot_date")
              .group_by(PART_KEY, maintain_order=True)
              .agg(pl.col("market_stock").cast(pl.Float64).alias("stock_series"),
                   pl.col("price_q100_usd").alias("price_series"),
                   pl.col("lead_time_days").cast(pl.Float64).alias("lead_time_series")))
    return parts.lazy().join(series, on=PART_KEY, how="left", maintain_order="left").collect()


def concentration_counts(concentration: pl.DataFrame) -> pl.DataFrame:
    """Single-source, single-distributor and single-country line counts per scope (ALL first)."""
    return (concentration.group_by("scope")
            .agg(pl.col("matched_lines").max(), pl.col("single_sourced_lines").max(),
                 pl.col("single_distributor_lines").max(), pl.col("single_country_lines").max())
            .sort(pl.col("scope") != "ALL", "scope"))

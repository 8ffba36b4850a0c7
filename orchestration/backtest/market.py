"""What the market offered each day, and what the plan needed, as the replay reads them.

LazyFrame in, LazyFrame out; the replay collects once. Every frame is keyed by snapshot_date, so a
replay of day t reads rows of day t (and, for the last quoted lead time, days before it) only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

PART_KEY = ["mpn", "manufacturer"]


def authorized_offers(offers: pl.LazyFrame) -> pl.LazyFrame:
    """One row per day, part and distributor stock pool: the stock an authorized seller shows.

    Packaging variations of one distributor share a stock pool, so the pool's stock counts once;
    a distributor also listed through an aggregator on a day it has its own feed counts once.
    """
    return (
        offers.filter(pl.col("is_authorized") & ~pl.col("is_duplicate_listing"))
        .group_by(["snapshot_date", *PART_KEY, "distributor", "stock_pool"])
        .agg(pl.col("stock").max().fill_null(0).alias("stock"),
             pl.col("lead_time_days").median().alias("lead_time_days"))
    )


def pool_price_breaks(offers: pl.LazyFrame, breaks: pl.LazyFrame) -> pl.LazyFrame:
    """Each stock pool's price per break quantity (USD, the cheapest of its SKUs at that quantity)."""
    keyed = offers.filter(pl.col("is_authorized") & ~pl.col("is_duplicate_listing")).select(
        "snapshot_date", "source", "distributor", "sku", "stock_pool", *PART_KEY).unique()
    return (
        breaks.filter(pl.col("unit_price_usd").is_not_null() & (pl.col("quantity") > 0))
        .join(keyed, on=["snapshot_date", "source", "distributor", "sku"], how="inner")
        .group_by(["snapshot_date", *PART_KEY, "distributor", "stock_pool", "quantity"])
        .agg(pl.col("unit_price_usd").min())
    )


def offer_book(offers: pl.LazyFrame, breaks: pl.LazyFrame) -> pl.LazyFrame:
    """Per day, part and stock pool: stock, quoted lead time and the price breaks as sorted lists."""
    prices = (
        pool_price_breaks(offers, breaks)
        .sort("quantity")
        .group_by(["snapshot_date", *PART_KEY, "distributor", "stock_pool"], maintain_order=True)
        .agg(pl.col("quantity").alias("break_quantities"), pl.col("unit_price_usd").alias("break_prices"))
    )
    return authorized_offers(offers).join(
        prices, on=["snapshot_date", *PART_KEY, "distributor", "stock_pool"], how="left")


def daily_part_need(bom: pl.LazyFrame, demand: pl.LazyFrame, first: date, last: date) -> pl.LazyFrame:
    """Planned use per day, product and part: the week's units / 7 x quantity per board (DNP excluded)."""
    days = pl.LazyFrame({"snapshot_date": pl.date_range(first, last, "1d", eager=True)})
    product_days = (
        days.join(demand.select("product", "week_start", "units"), how="cross")
        .filter((pl.col("snapshot_date") >= pl.col("week_start"))
                & (pl.col("snapshot_date") < pl.col("week_start") + pl.duration(days=7)))
        .group_by(["snapshot_date", "product"])
        .agg((pl.col("units").sum() / 7.0).alias("product_daily_units"))
    )
    placed = (
        bom.filter(~pl.col("is_dnp") & pl.col("mpn").is_not_null())
        .group_by(["product", *PART_KEY]).agg(pl.col("qty_per_unit").sum())
    )
    return (
        product_days.join(placed, on="product", how="inner")
        .with_columns((pl.col("product_daily_units") * pl.col("qty_per_unit")).alias("need_units"))
        .select("snapshot_date", "product", *PART_KEY, "qty_per_unit", "product_daily_units", "need_units")
    )


@dataclass(frozen=True)
class Offer:
    """A stock pool the company could buy from on one day."""

    distributor: str
    stock: float
    lead_time_days: float | None
    break_quantities: tuple[int, ...]
    break_prices: tuple[float, ...]

    def unit_price(self, units: float) -> float | None:
        """The day's price break for the quantity: the largest break at or below it (the first break below MOQ)."""
        if not self.break_prices:
            return None
        price = self.break_prices[0]
        for quantity, break_price in zip(self.break_quantities, self.break_prices, strict=True):
            if quantity <= units:
                price = break_price
            else:
                break
        return price

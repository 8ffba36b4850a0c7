"""Benchmark input: staged offers and price breaks as parquet, one row group per day, from the market
simulator's model (bench/staged_market.py) without writing provider JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from bench.staged_market import write_staged_offers_parquet

# Authorized distributors of the simulated market (the simulator adds brokers beside them).
DISTRIBUTORS = 6


@dataclass(frozen=True)
class Tier:
    name: str
    parts: int
    days: int


TIERS = {
    "S": Tier("S", parts=500, days=120),
    "M4": Tier("M4", parts=5_000, days=90),  # a quarter of M: the largest the pandas baseline fits
    "M": Tier("M", parts=20_000, days=90),  # ≈ 15M offers, 81M price breaks with the simulator
    "L": Tier("L", parts=50_000, days=130),  # ≈ 50M offers, ≈ 270M price breaks
}
END_DATE = date(2025, 12, 31)


def generate(
    out_dir: Path, parts: int, days: int, *, end: date = END_DATE, seed: int = 42
) -> dict:
    """Write the staged offers / price breaks for `days` days ending `end`; return a manifest.

    The manifest names the parquet paths (`offers`, `price_breaks`, globs allowed), the date range and
    the row counts. An existing manifest is reused, so a tier is generated once.
    """
    manifest = out_dir / "manifest.json"
    if manifest.exists():
        return json.loads(manifest.read_text())
    first = end - timedelta(days=days - 1)
    summary = write_staged_offers_parquet(out_dir, parts, DISTRIBUTORS, days, first, seed)
    info = {
        "generator": "bench.staged_market.write_staged_offers_parquet",
        "parts": parts,
        "days": days,
        "first": first,
        "end": end,
        "offers": summary.offer_rows,
        "price_breaks": summary.price_break_rows,
        "offers_path": str(summary.offers_path),
        "price_breaks_path": str(summary.price_breaks_path),
    }
    manifest.write_text(json.dumps(info, indent=2, default=str))
    return json.loads(manifest.read_text())


def scan_tier(info: dict) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The tier's staged offers and price breaks as LazyFrames with the staging contract columns."""
    offers = pl.scan_parquet(info["offers_path"])
    if "last_buy_date" not in offers.collect_schema():  # the simulator's staged grain omits it
        offers = offers.with_columns(pl.lit(None, pl.Date).alias("last_buy_date"))
    return offers, pl.scan_parquet(info["price_breaks_path"])

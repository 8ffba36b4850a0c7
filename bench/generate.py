"""Benchmark input: staged offers and price breaks as parquet, one file per day and table.

Uses the project simulator (`orchestration.simulate.write_staged_offers_parquet`) when it exists;
until then this minimal vectorised generator (numpy state, one Polars frame per day) writes the same
staging contract columns. The shape is chosen for the feature code's hard cases: DigiKey SKUs that share
a stock pool, aggregator duplicates, brokers, feed gaps, draining parts, 10× price spikes, 3× lead-time
stretches and lifecycle downgrades.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

# (distributor, source, SKU suffixes: DigiKey lists cut tape and reel sharing one pool)
SELLERS = [
    ("DigiKey", "digikey", ("-CT", "-TR")),
    ("Mouser", "mouser", ("",)),
    ("Arrow", "nexar", ("",)),
    ("Farnell", "nexar", ("",)),
    ("TME", "tme", ("",)),
    ("LCSC", "lcsc", ("",)),
]
MANUFACTURERS = ["Nexperia", "Texas Instruments", "Murata", "Samsung", "TE Connectivity", "Yageo", "onsemi"]
LIFECYCLE = np.array(["Active", "NRND", "EOL", "Obsolete", "Unknown"])
LADDERS = pl.DataFrame(
    {
        "ladder": ["cut"] * 4 + ["reel"],
        "quantity": [1, 10, 100, 1000, 2000],
        "factor": [1.0, 0.9, 0.75, 0.6, 0.5],
    }
)
LISTING_PROBABILITY = 0.8
MISSING_ROW_PROBABILITY = 0.02


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


def _simulator():
    try:
        from orchestration.simulate import write_staged_offers_parquet
    except ImportError:
        return None
    return write_staged_offers_parquet


def generate(
    out_dir: Path, parts: int, days: int, *, end: date = END_DATE, seed: int = 42, use_simulator: bool = True
) -> dict:
    """Write the staged offers / price breaks for `days` days ending `end`; return a manifest.

    The manifest names the parquet paths (`offers`, `price_breaks`, globs allowed), the date range and
    the row counts. An existing manifest is reused, so a tier is generated once.
    """
    manifest = out_dir / "manifest.json"
    if manifest.exists():
        return json.loads(manifest.read_text())
    first = end - timedelta(days=days - 1)
    simulator = _simulator() if use_simulator else None
    if simulator is not None:
        summary = simulator(out_dir, parts, len(SELLERS), days, first, seed)
        info = {
            "generator": "orchestration.simulate.write_staged_offers_parquet",
            "parts": parts,
            "days": days,
            "first": first,
            "end": end,
            "offers": summary.offer_rows,
            "price_breaks": summary.price_break_rows,
            "offers_path": str(summary.offers_path),
            "price_breaks_path": str(summary.price_breaks_path),
        }
    else:
        info = _generate(out_dir, parts, days, end, seed)
    manifest.write_text(json.dumps(info, indent=2, default=str))
    return json.loads(manifest.read_text())


def scan_tier(info: dict) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The tier's staged offers and price breaks as LazyFrames with the staging contract columns."""
    offers = pl.scan_parquet(info["offers_path"])
    if "last_buy_date" not in offers.collect_schema():  # the simulator's staged grain omits it
        offers = offers.with_columns(pl.lit(None, pl.Date).alias("last_buy_date"))
    return offers, pl.scan_parquet(info["price_breaks_path"])


def _generate(out_dir: Path, parts: int, days: int, end: date, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    (out_dir / "offers").mkdir(parents=True, exist_ok=True)
    (out_dir / "price_breaks").mkdir(parents=True, exist_ok=True)
    n_sellers = len(SELLERS)
    mpn = pl.Series([f"BX{p:07d}" for p in range(parts)])
    manufacturer = pl.Series(MANUFACTURERS)[rng.integers(0, len(MANUFACTURERS), parts)]
    listed = rng.random((parts, n_sellers)) < LISTING_PROBABILITY
    stock = np.round(rng.lognormal(7, 1.5, (parts, n_sellers))).astype(np.int64)
    draining = rng.random(parts) < 0.02
    drain = np.where(draining, stock.max(axis=1) // 45 + 1, 0)
    lead = rng.choice([28, 42, 56, 84], (parts, n_sellers))
    stretch_day = np.where(rng.random(parts) < 0.01, rng.integers(days // 2, days, parts), days + 1)
    price = rng.lognormal(-1.5, 1.2, parts)
    seller_price = rng.uniform(0.9, 1.2, n_sellers)
    spike_day = np.where(rng.random(parts) < 0.005, rng.integers(days // 2, days, parts), days + 1)
    status = np.zeros(parts, dtype=np.int64)  # index into LIFECYCLE
    downgrade_day = np.where(rng.random(parts) < 0.04, rng.integers(0, days, parts), days + 1)
    downgrade_to = rng.choice([1, 2, 3], parts, p=[0.6, 0.3, 0.1])
    has_broker = rng.random(parts) < 0.1
    has_duplicate = rng.random(parts) < 0.1
    feed_outage = {days // 3: "TME", days // 3 + 1: "TME"}  # a whole feed missing for two days
    seller_names = pl.Series([s[0] for s in SELLERS])
    seller_sources = pl.Series([s[1] for s in SELLERS])
    totals = {"offers": 0, "price_breaks": 0}
    first = end - timedelta(days=days - 1)
    for t in range(days):
        snapshot = first + timedelta(days=t)
        noise = rng.normal(0, 0.04, (parts, n_sellers)) * stock
        stock = np.maximum(0, stock + np.round(noise).astype(np.int64) - drain[:, None])
        status = np.where(t == downgrade_day, downgrade_to, status)
        today = listed & (rng.random((parts, n_sellers)) >= MISSING_ROW_PROBABILITY)
        if t in feed_outage:
            today[:, [s[0] for s in SELLERS].index(feed_outage[t])] = False
        p_idx, s_idx = np.nonzero(today)
        part_price = price * np.where(t >= spike_day, 10.0, 1.0)
        base = pl.DataFrame(
            {
                "p": p_idx,
                "s": s_idx,
                "stock": stock[p_idx, s_idx],
                "lead_time_days": np.where(t >= stretch_day[p_idx], 3, 1) * lead[p_idx, s_idx],
                "price": part_price[p_idx] * seller_price[s_idx],
                "status": LIFECYCLE[np.where(s_idx == n_sellers - 1, 4, status[p_idx])],  # LCSC: Unknown
            }
        )
        rows = _offer_rows(base, snapshot, mpn, manufacturer, seller_names, seller_sources)
        extra = _extra_rows(
            rng, snapshot, stock, part_price, has_broker, has_duplicate, mpn, manufacturer, status
        )
        offers = pl.concat([rows, extra], how="vertical_relaxed")
        breaks = (
            offers.filter(~pl.col("is_duplicate_listing"))
            .select("snapshot_date", "source", "distributor", "sku", "_price", "_ladder")
            .join(LADDERS, left_on="_ladder", right_on="ladder")
            .select(
                "snapshot_date",
                "source",
                "distributor",
                "sku",
                "quantity",
                (pl.col("_price") * pl.col("factor")).round(5).alias("unit_price_usd"),
            )
        )
        offers = offers.drop("_price", "_ladder")
        offers.write_parquet(out_dir / "offers" / f"{snapshot}.parquet")
        breaks.write_parquet(out_dir / "price_breaks" / f"{snapshot}.parquet")
        totals["offers"] += offers.height
        totals["price_breaks"] += breaks.height
    return {
        "generator": "bench.generate",
        "parts": parts,
        "days": days,
        "first": first,
        "end": end,
        **totals,
        "offers_path": str(out_dir / "offers" / "*.parquet"),
        "price_breaks_path": str(out_dir / "price_breaks" / "*.parquet"),
    }


def _offer_rows(base, snapshot, mpn, manufacturer, seller_names, seller_sources) -> pl.DataFrame:
    suffixes = pl.DataFrame(
        {
            "s": [i for i, s in enumerate(SELLERS) for _ in s[2]],
            "suffix": [x for s in SELLERS for x in s[2]],
        }
    )
    rows = base.join(suffixes, on="s")
    return rows.select(
        pl.lit(snapshot).alias("snapshot_date"),
        pl.col("s").map_batches(lambda s: seller_sources.gather(s), return_dtype=pl.String).alias("source"),
        pl.col("s")
        .map_batches(lambda s: seller_names.gather(s), return_dtype=pl.String)
        .alias("distributor"),
        pl.format("{}-{}{}", pl.col("s"), pl.col("p"), pl.col("suffix")).alias("sku"),
        pl.format("{}-{}", pl.col("s"), pl.col("p")).alias("stock_pool"),
        pl.col("p").map_batches(lambda p: mpn.gather(p), return_dtype=pl.String).alias("mpn"),
        pl.col("p")
        .map_batches(lambda p: manufacturer.gather(p), return_dtype=pl.String)
        .alias("manufacturer"),
        pl.lit("IC").alias("category"),
        pl.col("stock").cast(pl.Int64),
        pl.lit(1, pl.Int64).alias("moq"),
        pl.lit(1, pl.Int64).alias("order_multiple"),
        pl.when(pl.col("suffix") == "-TR")
        .then(pl.lit("Tape & Reel"))
        .otherwise(pl.lit("Cut Tape"))
        .alias("packaging"),
        pl.col("lead_time_days").cast(pl.Int32),
        pl.col("status").alias("lifecycle_status"),
        pl.when(pl.col("status").is_in(["EOL", "Obsolete"]))
        .then(pl.lit(snapshot + timedelta(days=120)))
        .alias("last_buy_date"),
        pl.lit("USD").alias("currency"),
        pl.lit(True).alias("is_authorized"),
        pl.lit(False).alias("is_broker"),
        pl.lit(False).alias("is_duplicate_listing"),
        pl.col("price").alias("_price"),
        pl.when(pl.col("suffix") == "-TR").then(pl.lit("reel")).otherwise(pl.lit("cut")).alias("_ladder"),
    )


def _extra_rows(rng, snapshot, stock, part_price, has_broker, has_duplicate, mpn, manufacturer, status):
    """Brokers seen through Nexar, and Mouser seen again through Nexar (a duplicate listing)."""
    frames = []
    for kind, mask in (("broker", has_broker), ("duplicate", has_duplicate)):
        p = np.nonzero(mask & (rng.random(mask.shape[0]) >= MISSING_ROW_PROBABILITY))[0]
        broker = kind == "broker"
        frames.append(
            pl.DataFrame(
                {
                    "snapshot_date": [snapshot] * len(p),
                    "source": "nexar",
                    "distributor": "BrokerX" if broker else "Mouser",
                    "sku": [f"{kind}-{i}" for i in p],
                    "stock_pool": [f"{kind}-{i}" for i in p],
                    "mpn": mpn.gather(p),
                    "manufacturer": manufacturer.gather(p),
                    "category": "IC",
                    "stock": stock[p, 1] // (3 if broker else 1),
                    "moq": 1,
                    "order_multiple": 1,
                    "packaging": "Cut Tape",
                    "lead_time_days": pl.Series([None] * len(p), dtype=pl.Int32),
                    "lifecycle_status": LIFECYCLE[status[p]],
                    "last_buy_date": pl.Series([None] * len(p), dtype=pl.Date),
                    "currency": "USD",
                    "is_authorized": not broker,
                    "is_broker": broker,
                    "is_duplicate_listing": not broker,
                    "_price": part_price[p] * (1.5 if broker else 1.0),
                    "_ladder": "cut",
                },
                schema_overrides={"stock": pl.Int64, "moq": pl.Int64, "order_multiple": pl.Int64},
            )
        )
    return pl.concat(frames)

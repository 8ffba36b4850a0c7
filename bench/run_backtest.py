"""Backtest benchmark: the replay's time at 120 and 365 days of history (not a test).

The inputs are generated in memory (no warehouse): `--parts` BOM parts over 5 products, 4 authorized
distributors per part with 3 price breaks each, and a shock that empties the market of a tenth of the
parts for 30 days in the middle of the history. Measured per history length, median of `--repeats`:
- the full replay (every policy, every day), and
- one night (the last day only, resumed from the state of the day before), which is what the nightly
  asset does.

    .venv/bin/python -m bench.run_backtest [--parts 300] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, timedelta

import numpy as np
import polars as pl

from orchestration.backtest.replay import ReplayInputs, replay, worlds_from_state
from orchestration.policy import PlanPolicy

END = date(2025, 12, 31)
PRODUCTS = ["EDGE", "IND", "EV", "HOME", "RADIO"]


def synthetic_inputs(parts: int, days: int, seed: int = 7) -> ReplayInputs:
    rng = np.random.default_rng(seed)
    first = END - timedelta(days=days - 1)
    dates = pl.date_range(first, END, "1d", eager=True)
    mpns = [f"PART{p:05d}" for p in range(parts)]
    shocked = set(rng.choice(parts, size=max(1, parts // 10), replace=False).tolist())
    shock_from, shock_to = days // 2, days // 2 + 30
    rows = {"snapshot_date": [], "distributor": [], "mpn": [], "stock": [], "lead_time_days": []}
    base_price = rng.uniform(0.02, 5.0, size=parts)
    for d, day in enumerate(dates):
        for p, mpn in enumerate(mpns):
            for k in range(4):
                empty = p in shocked and shock_from <= d < shock_to
                rows["snapshot_date"].append(day)
                rows["distributor"].append(f"D{k}")
                rows["mpn"].append(mpn)
                rows["stock"].append(0 if empty else int(rng.integers(200, 20_000)))
                rows["lead_time_days"].append(float(180 if empty else 70))
    offers = pl.DataFrame(rows).with_columns(
        pl.lit("feed").alias("source"), (pl.col("mpn") + "-" + pl.col("distributor")).alias("sku"),
        (pl.col("mpn") + "-" + pl.col("distributor")).alias("stock_pool"), pl.lit("Maker").alias("manufacturer"),
        pl.lit(True).alias("is_authorized"), pl.lit(False).alias("is_duplicate_listing"))
    prices = pl.DataFrame({"mpn": mpns, "price": base_price})
    breaks = (offers.select("snapshot_date", "source", "distributor", "sku", "mpn")
              .join(prices, on="mpn")
              .join(pl.DataFrame({"quantity": [1, 100, 1000], "factor": [1.0, 0.8, 0.6]}), how="cross")
              .with_columns((pl.col("price") * pl.col("factor")).alias("unit_price_usd"))
              .select("snapshot_date", "source", "distributor", "sku", "quantity", "unit_price_usd"))
    bom = pl.DataFrame({"product": [PRODUCTS[p % len(PRODUCTS)] for p in range(parts)], "mpn": mpns,
                        "manufacturer": "Maker", "qty_per_unit": rng.integers(1, 5, size=parts).astype(float),
                        "is_dnp": False})
    weeks = pl.date_range(first - timedelta(days=7), END, "1w", eager=True)
    demand = pl.DataFrame({"product": PRODUCTS}).join(pl.DataFrame({"week_start": weeks}), how="cross").with_columns(
        pl.lit(100.0).alias("units"))
    plan = (bom.select("mpn", "manufacturer").join(pl.DataFrame({"snapshot_date": dates}), how="cross")
            .filter(pl.col("mpn").is_in([mpns[p] for p in sorted(shocked)]))
            .with_columns(pl.col("mpn").alias("buy_mpn"), pl.col("manufacturer").alias("buy_manufacturer"),
                          pl.lit("JIC").alias("strategy"), pl.lit(500.0).alias("target_units"),
                          pl.lit(1.0).alias("unit_price_usd"), pl.lit(1000.0).alias("net_benefit"),
                          pl.lit(33.0).alias("replenishment_days")))
    return ReplayInputs(
        offers=offers.lazy(), price_breaks=breaks.lazy(), bom=bom.lazy(), demand=demand.lazy(),
        products=pl.LazyFrame({"product": PRODUCTS, "unit_margin": 50.0}),
        on_hand=pl.LazyFrame({"mpn": mpns, "manufacturer": "Maker", "quantity": 1000}),
        alternates=pl.LazyFrame(schema={"mpn": pl.String, "manufacturer": pl.String, "alt_mpn": pl.String,
                                        "alt_manufacturer": pl.String}),
        plan=plan.lazy())


def measure(parts: int, days: int, repeats: int) -> dict:
    inputs = synthetic_inputs(parts, days)
    first = END - timedelta(days=days - 1)
    policy = PlanPolicy()
    full, night = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        result = replay(inputs, policy, first, END)
        full.append(time.perf_counter() - started)
    state = worlds_from_state(result.state.filter(pl.col("snapshot_date") == END - timedelta(days=1)))
    for _ in range(repeats):
        started = time.perf_counter()
        replay(inputs, policy, END, END, start=state, backtest_start=first)
        night.append(time.perf_counter() - started)
    return {"days": days, "parts": parts, "offers": inputs.offers.select(pl.len()).collect().item(),
            "full": statistics.median(full), "full_runs": full, "night": statistics.median(night),
            "night_runs": night, "daily_rows": result.daily.height}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print("| history | parts | offers | daily rows | full replay s (median) | runs | one night s (median) | runs |")
    print("|---|---|---|---|---|---|---|---|")
    for days in (120, 365):
        r = measure(args.parts, days, args.repeats)
        print(f"| {days} days | {r['parts']} | {r['offers']:,} | {r['daily_rows']:,} | {r['full']:.2f} | "
              f"{' / '.join(f'{s:.2f}' for s in r['full_runs'])} | {r['night']:.2f} | "
              f"{' / '.join(f'{s:.2f}' for s in r['night_runs'])} |", flush=True)


if __name__ == "__main__":
    main()

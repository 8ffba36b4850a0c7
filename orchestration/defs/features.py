"""The Polars trend features: one daily partition per snapshot date.

A nightly run computes one date from the lookback window it needs; a backfill computes its whole
range in one pass. The computation is orchestration/features (pure Polars); this says when and what.
"""


import time

import dagster as dg

from orchestration.defs.partitions import daily_partitions, partition_dates, single_run_backfill
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.features import compute_part_trends
from orchestration.features.io import read_inputs, write_features
from orchestration.features.part_trends import REFERENCE_WINDOW_DAYS, carry_forward_days_for
from orchestration.policy import load_policy

FEATURES_KEY = dg.AssetKey(["features", "part_trends_daily"])
LOOKBACK_DAYS = REFERENCE_WINDOW_DAYS


@dg.asset(
    key=FEATURES_KEY,
    group_name="features",
    deps=[dg.AssetKey(["staging", "stg_feeds__offers"]), dg.AssetKey(["staging", "stg_feeds__price_breaks"]),
          dg.AssetKey(["intermediate", "int_part_demand"])],
    partitions_def=daily_partitions,
    backfill_policy=single_run_backfill,
    pool=DUCKDB_POOL,
    kinds={"polars", "duckdb"},
    description="Stock draining, price spikes, lead-time stretch, lifecycle and demand per part and snapshot date "
                "(no look-ahead: each row uses data up to its date).",
)
def part_trends_daily(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    dates = partition_dates(context)
    start, end = dates[0], dates[-1]
    started = time.perf_counter()
    carry_days = carry_forward_days_for(load_policy(warehouse.landing).pull.max_days_between_pulls)
    with warehouse.connect() as conn:
        inputs = read_inputs(conn, start, end, LOOKBACK_DAYS, carry_days)
        frame = compute_part_trends(inputs.offers, inputs.price_breaks, start=start, end=end, demand=inputs.demand,
                                    lookback_days=LOOKBACK_DAYS, carry_forward_days=carry_days).collect()
        rows = write_features(conn, frame, start, end)
    return dg.MaterializeResult(metadata={
        "rows_written": rows, "rows_read": inputs.rows_read, "dates": len(dates),
        "window": f"{start}..{end}", "carry_forward_days": carry_days, "seconds": round(time.perf_counter() - started, 2),
    })

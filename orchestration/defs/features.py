"""The Polars trend features: one daily partition per snapshot date.

A nightly run computes one date from the lookback window it needs; a backfill computes its whole
range in one pass. The computation is orchestration/features (pure Polars); this says when and what.
On the Spark engine the same Polars function runs on Spark's workers (orchestration/spark/features.py)
and writes the lake; the rows are copied into the warehouse too, where the GX gates read them.
"""


import time

import dagster as dg
import polars as pl

from orchestration import settings
from orchestration.defs.partitions import daily_partitions, partition_dates, single_run_backfill
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.features import compute_part_trends
from orchestration.features.io import read_inputs, write_features
from orchestration.features.part_trends import REFERENCE_WINDOW_DAYS, carry_forward_days_for
from orchestration.policy import load_policy
from orchestration.spark.lake import mirror_views

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
    if settings.engine() == "spark":
        rows_read = None  # read by the Spark step
        frame = features_on_spark(start, end, carry_days)
        with warehouse.connect() as conn:
            rows = write_features(conn, frame, start, end)
            # The coverage gate compares them with the offers listed, which live on Spark.
            mirror_views(conn, settings.spark_dir(), ("staging",))
    else:
        with warehouse.connect() as conn:
            inputs = read_inputs(conn, start, end, LOOKBACK_DAYS, carry_days)
            frame = compute_part_trends(inputs.offers, inputs.price_breaks, start=start, end=end,
                                        demand=inputs.demand, lookback_days=LOOKBACK_DAYS,
                                        carry_forward_days=carry_days).collect()
            rows = write_features(conn, frame, start, end)
            rows_read = inputs.rows_read
    return dg.MaterializeResult(metadata={
        "rows_written": rows, "rows_read": rows_read, "dates": len(dates),
        "window": f"{start}..{end}", "carry_forward_days": carry_days, "seconds": round(time.perf_counter() - started, 2),
    })


def features_on_spark(start, end, carry_days: int) -> pl.DataFrame:
    """The Spark engine: the features step in its own process, then its rows for [start, end] from the lake."""
    from pathlib import Path

    from orchestration.features.part_trends import PART_TRENDS_SCHEMA
    from orchestration.spark.lake import read_dates
    from orchestration.spark.steps import run_step

    result = run_step("features", start.isoformat(), end.isoformat(), str(carry_days), str(LOOKBACK_DAYS))
    frame = read_dates(Path(result["folder"]), start, end)
    return pl.DataFrame(schema=PART_TRENDS_SCHEMA) if frame is None else frame

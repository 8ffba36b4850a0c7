"""The backtest as a Dagster asset: after the marts, one more day of replay per night.

A nightly partition resumes each policy's stock from the day before (features.backtest_state), so a
night adds one day; a backfill replays its whole range in one run. The replay is orchestration/backtest.
On the Spark engine it reads the Spark tables through DuckDB views and lands its marts in the lake.
"""


import time

import dagster as dg

from orchestration import settings
from orchestration.backtest.run import CAPITAL, DAILY, ORDERS, STATE, SUMMARY, stored_backtest
from orchestration.defs.partitions import daily_partitions, partition_dates, single_run_backfill
from orchestration.defs.resources import DUCKDB_POOL, WarehouseResource
from orchestration.spark.lake import lake_dir, land_table, mirror_views

BACKTEST_KEYS = [dg.AssetKey(table.split(".")) for table in (DAILY, ORDERS, CAPITAL, SUMMARY, STATE)]
# The replay reads the offers and price breaks, the BOMs in the marts, and each day's buffer plan.
BACKTEST_DEPS = [dg.AssetKey(["staging", "stg_feeds__offers"]), dg.AssetKey(["staging", "stg_feeds__price_breaks"]),
                 dg.AssetKey(["marts", "bom_lines"]), dg.AssetKey(["marts", "buffer_plan_history"])]


@dg.multi_asset(
    specs=[dg.AssetSpec(key, deps=BACKTEST_DEPS, group_name="backtest", kinds={"polars", "duckdb"},
                        description=description)
           for key, description in zip(BACKTEST_KEYS, [
               "Per policy, day, product and part: stock on hand, ordered, arriving, consumed, short, line down.",
               "Every purchase each policy placed: channel, units, price paid, pre-window price and premium.",
               "Per policy and day: capital tied up (on hand and on order, at cost) and buffer capital vs budget.",
               "Per policy and product (and ALL): line-down days, lost margin, holding, premium, capital, total cost.",
               "Each policy's stock at the end of a run's last replayed day: the next night resumes from it.",
           ], strict=True)],
    partitions_def=daily_partitions, backfill_policy=single_run_backfill, pool=DUCKDB_POOL, name="backtest",
)
def backtest(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    dates = partition_dates(context)
    started = time.perf_counter()
    with warehouse.connect() as conn:
        if settings.engine() == "spark":
            # The replay reads staging and marts with DuckDB: on Spark, through views over their Parquet.
            mirror_views(conn, settings.spark_dir(), ("staging", "marts"))
        run = stored_backtest(conn, warehouse.landing, dates[0], dates[-1])
        if settings.engine() == "spark":
            for key in BACKTEST_KEYS:
                if key.path[0] == "marts":
                    land_table(conn, *key.path, lake_dir())
    overall = {row["policy"]: row for row in run.summary.filter(run.summary["product"] == "ALL").iter_rows(named=True)}
    for key in BACKTEST_KEYS:
        yield dg.MaterializeResult(asset_key=key, metadata={
            "replayed": f"{run.first}..{run.last}", "resumed_from_stored_state": run.resumed,
            "seconds": round(time.perf_counter() - started, 2),
            "line_down_days": dg.MetadataValue.json({p: r["line_down_days"] for p, r in overall.items()}),
            "total_cost_usd": dg.MetadataValue.json({p: round(r["total_cost_usd"], 2) for p, r in overall.items()}),
        })

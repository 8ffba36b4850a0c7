"""The trend features on Spark's workers: Spark distributes the parts, Polars computes each part's windows.

`compute_part_trends` depends only on one part's rows (every window is per part), so it runs unchanged
on any set of whole parts. Two ways to hand it those sets:

- "partitioned" (default): hash-partition by the part key and call `compute_part_trends` once per
  partition (`mapInArrow`), so the fixed cost of planning a Polars query is paid per partition, not per
  part. Memory per task is one partition's input window, so the partition count follows the input's
  offer count (`OFFERS_PER_PARTITION` a partition): a larger input means more partitions of the same size,
  not bigger ones, and nothing is collected to the driver.
- "grouped": `groupBy(part).cogroup(...).applyInArrow`, one Polars call per part. Simpler, but that fixed
  cost is paid 100,000 times at 100,000 parts.

Price breaks carry no part key (they belong to a SKU-day), so each is tagged with the parts whose offers
list that SKU in the window, through a broadcast join of the (SKU, part) pairs: the breaks cross the one
shuffle, by part, and no other. A break tagged with a part that does not list its SKU on its day is never
read by the Polars path (it joins prices to offers by SKU-day), so the rows are those of the DuckDB path.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl
import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema

from orchestration.features.io import DEMAND_COLUMNS, OFFER_COLUMNS, PRICE_BREAK_COLUMNS
from orchestration.features.part_trends import (
    CARRY_FORWARD_DAYS,
    PART_KEY,
    PART_TRENDS_SCHEMA,
    REFERENCE_WINDOW_DAYS,
    SKU_KEYS,
    compute_part_trends,
    required_input_window,
)
from orchestration.spark.lake import drop_dates

Mode = Literal["partitioned", "grouped"]

_ARROW_TYPES = {
    pl.Date: pa.date32(),
    pl.String: pa.string(),
    pl.Int32: pa.int32(),
    pl.Int64: pa.int64(),
    pl.Float64: pa.float64(),
    pl.Boolean: pa.bool_(),
}
PART_TRENDS_ARROW_SCHEMA = pa.schema(
    [pa.field(name, _ARROW_TYPES[type(dtype)]) for name, dtype in PART_TRENDS_SCHEMA.items()]
)
# Marks the price-break rows in the one combined input of the "partitioned" mode.
_BREAK_FLAG = "_is_price_break"
_DEMAND_VALUES = [c for c in DEMAND_COLUMNS if c not in PART_KEY]
# Offers a partition holds (with ≈ 5.4 price breaks each): what one Python worker's Polars call reads at once.
OFFERS_PER_PARTITION = 100_000


def partition_count(offers: int, offers_per_partition: int = OFFERS_PER_PARTITION, minimum: int = 1) -> int:
    """Partitions for `offers` input rows: enough that none holds more than `offers_per_partition`."""
    if offers_per_partition < 1:
        raise ValueError(f"offers_per_partition must be at least 1, got {offers_per_partition}")
    return max(minimum, -(-offers // offers_per_partition))


def spark_features_schema():
    """`features.part_trends_daily` as a Spark schema: the same columns and types as the DuckDB table."""
    return from_arrow_schema(PART_TRENDS_ARROW_SCHEMA)


def spark_part_trends(
    offers: DataFrame | str,
    price_breaks: DataFrame | str,
    *,
    start: date,
    end: date,
    demand: DataFrame | str | None = None,
    lookback_days: int = REFERENCE_WINDOW_DAYS,
    carry_forward_days: int = CARRY_FORWARD_DAYS,
    mode: Mode = "partitioned",
    partitions: int | None = None,
    spark: SparkSession | None = None,
    offers_per_partition: int = OFFERS_PER_PARTITION,
) -> DataFrame:
    """Rows of `features.part_trends_daily` for [start, end], computed by `compute_part_trends` on Spark.

    `offers`, `price_breaks` and `demand` are Spark DataFrames or table names with the staging columns
    (`orchestration.features.io`). Only rows inside `required_input_window(start, end)` are read, so the
    row for day D uses data up to D only, exactly as on the DuckDB path. `partitions` (mode
    "partitioned") defaults to one per `offers_per_partition` offers of the window (counted with one Spark
    job), at least spark.sql.shuffle.partitions. Rows come back unordered.
    """
    if mode not in ("partitioned", "grouped"):
        raise ValueError(f"mode must be 'partitioned' or 'grouped', got {mode!r}")
    first, last = required_input_window(start, end, lookback_days, carry_forward_days)
    offers_df = _frame(offers, spark)
    spark = offers_df.sparkSession
    offers_df = _in_window(offers_df.select(*OFFER_COLUMNS), first, last)
    breaks_df = _in_window(_frame(price_breaks, spark).select(*PRICE_BREAK_COLUMNS), first, last)
    # Fresh column identities: the cogroup below would otherwise see the same part key on both sides.
    sku_parts = offers_df.select(*(F.col(c).alias(c) for c in [*SKU_KEYS, *PART_KEY])).distinct()
    # One row per SKU and part (≈ 10 a part): broadcast, so the breaks are tagged where they lie, not shuffled.
    tagged_breaks = breaks_df.join(F.broadcast(sku_parts), on=SKU_KEYS, how="inner")
    compute = _PartTrends(start, end, lookback_days, carry_forward_days)
    schema = spark_features_schema()
    if mode == "grouped":
        trends = (
            offers_df.groupBy(*PART_KEY)
            .cogroup(tagged_breaks.groupBy(*PART_KEY))
            # A plain two-argument function: Spark passes the group key too to anything that takes three.
            .applyInArrow(lambda offers, breaks: compute.on_group(offers, breaks), schema)
        )
    else:
        combined = offers_df.withColumn(_BREAK_FLAG, F.lit(False)).unionByName(
            tagged_breaks.withColumn(_BREAK_FLAG, F.lit(True)), allowMissingColumns=True
        )
        count = partitions or partition_count(offers_df.count(), offers_per_partition,
                                              minimum=int(spark.conf.get("spark.sql.shuffle.partitions")))
        trends = combined.repartition(count, *PART_KEY).mapInArrow(compute.on_partition, schema)
    if demand is None:
        return trends
    demand_df = _frame(demand, spark).select(*DEMAND_COLUMNS)
    return trends.drop(*_DEMAND_VALUES).join(demand_df, on=PART_KEY, how="left").select(*PART_TRENDS_SCHEMA)


class _PartTrends:
    """The worker side: Arrow in, `compute_part_trends`, Arrow out (picklable, no Spark objects)."""

    def __init__(self, start: date, end: date, lookback_days: int, carry_forward_days: int) -> None:
        self.kwargs = {"start": start, "end": end, "lookback_days": lookback_days,
                       "carry_forward_days": carry_forward_days}

    def compute(self, offers: pl.DataFrame, price_breaks: pl.DataFrame) -> pa.Table:
        trends = compute_part_trends(
            offers.select(OFFER_COLUMNS).lazy(), price_breaks.select(PRICE_BREAK_COLUMNS).lazy(), **self.kwargs
        ).collect()
        return trends.to_arrow(compat_level=pl.CompatLevel.oldest()).cast(PART_TRENDS_ARROW_SCHEMA)

    def on_group(self, offers: pa.Table, price_breaks: pa.Table) -> pa.Table:
        return self.compute(pl.from_arrow(offers), pl.from_arrow(price_breaks))

    def on_partition(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        chunks = [batch for batch in batches if batch.num_rows]
        if not chunks:
            return
        rows = pl.from_arrow(pa.Table.from_batches(chunks))
        del chunks
        is_break = pl.col(_BREAK_FLAG)
        offers, price_breaks = rows.filter(~is_break), rows.filter(is_break)
        # The filtered copies are all the Polars call needs: the partition's combined rows go first.
        del rows
        result = self.compute(offers, price_breaks)
        del offers, price_breaks
        yield from result.to_batches(max_chunksize=65_536)


def write_part_trends(trends: DataFrame, folder: Path | str, dates: tuple[date, date] | None = None) -> None:
    """Write `spark_part_trends`' rows as Parquet under `folder`, split into snapshot_date=YYYY-MM-DD folders.

    The lake's layout (orchestration.spark.lake), so `register_table` reads it as features.part_trends_daily.
    Each task writes its own files; the rows never pass through the driver. Only the snapshot dates the rows
    hold are replaced (dynamic partition overwrite): a night's run leaves every other night's folder. With
    `dates` (first, last), every date of that range is cleared first, so a date left with no rows keeps none.
    """
    folder = Path(folder)
    if dates is not None:
        drop_dates(folder, *dates)
    # The one plain file an empty write leaves would mix with the date folders.
    for plain in folder.glob("*.parquet"):
        plain.unlink()
    trends.write.mode("overwrite").option("partitionOverwriteMode", "dynamic") \
        .partitionBy("snapshot_date").parquet(str(folder))
    if not any(folder.rglob("*.parquet")):
        # No rows and no earlier dates: one empty file still gives Spark the table's columns.
        trends.limit(0).write.mode("overwrite").parquet(str(folder))


def _frame(source: DataFrame | str, spark: SparkSession | None) -> DataFrame:
    if not isinstance(source, str):
        return source
    if spark is None:
        spark = SparkSession.getActiveSession()
        if spark is None:
            raise ValueError(f"table {source!r} given by name, but no SparkSession is active")
    return spark.table(source)


def _in_window(df: DataFrame, first: date, last: date) -> DataFrame:
    return df.where(F.col("snapshot_date").between(F.lit(first), F.lit(last)))

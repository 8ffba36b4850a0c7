"""The budget allocation on the Spark engine: marts.buffer_plan_history written as Parquet.

dbt-spark runs Python models only on Databricks clusters, so on Spark the allocation of the dbt
Python model marts/buffer_plan_history.py runs here, after the dbt models it reads: it reads
intermediate.int_buffer_candidates_history through Spark, allocates each snapshot date with the same
function (orchestration.planning.budget.allocate_budget) and replaces those dates' folders in the lake,
registered as marts.buffer_plan_history (the dbt source allocation.buffer_plan_history).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import polars as pl

from orchestration.planning.budget import allocate_budget
from orchestration.spark.lake import PARTITION_COLUMN, register_table, write_arrow_dates

CANDIDATES = "intermediate.int_buffer_candidates_history"
PLAN_HISTORY = ("marts", "buffer_plan_history")


def allocate_on_spark(spark, lake: Path, dates: tuple[date, date] | None = None) -> int:
    """Allocate the snapshot dates `dates` (every date when None) of the candidates; returns the rows written."""
    from pyspark.sql import functions as F

    candidates = spark.table(CANDIDATES)
    if dates is not None:
        candidates = candidates.where(F.col(PARTITION_COLUMN).between(F.lit(dates[0]), F.lit(dates[1])))
    frame = pl.from_arrow(candidates.toArrow())
    decimals = [name for name, dtype in frame.schema.items() if isinstance(dtype, pl.Decimal)]
    if decimals:
        raise TypeError(f"{CANDIDATES}: {decimals} are DECIMAL on Spark; the model must cast them to type_double()")
    plan = allocate_budget(frame)
    schema, table = PLAN_HISTORY
    folder = lake / schema / table
    if dates is None and folder.exists():
        shutil.rmtree(folder)
    first, last = dates or (date.min, date.max)
    write_arrow_dates(plan.to_arrow(), folder, first, last)
    register_table(spark, schema, folder)
    return plan.height

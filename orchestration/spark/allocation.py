"""The budget allocation on the Spark engine: marts.buffer_plan_history written as Parquet.

dbt-spark runs Python models only on Databricks clusters, so on Spark the allocation of the dbt
Python model marts/buffer_plan_history.py runs here, between two dbt runs: it reads
intermediate.int_buffer_candidates_history through Spark, allocates each snapshot date with the same
function (orchestration.planning.budget.allocate_budget) and replaces the table's folder in the lake,
registered as marts.buffer_plan_history (the dbt source allocation.buffer_plan_history).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from orchestration.planning.budget import allocate_budget
from orchestration.spark.lake import register_table

CANDIDATES = "intermediate.int_buffer_candidates_history"
PLAN_HISTORY = ("marts", "buffer_plan_history")


def allocate_on_spark(spark, lake: Path) -> int:
    """Allocate every snapshot date of the candidates; returns the rows written."""
    # Spark types decimal-literal arithmetic as DECIMAL; the allocation works in floats as on DuckDB.
    candidates = pl.from_arrow(spark.table(CANDIDATES).toArrow()).with_columns(
        pl.col(pl.Decimal).cast(pl.Float64))
    plan = allocate_budget(candidates)
    schema, table = PLAN_HISTORY
    folder = lake / schema / table
    if folder.exists():
        for old in folder.rglob("*.parquet"):
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(plan.to_arrow(), folder / "part-0.parquet")
    register_table(spark, schema, folder)
    return plan.height

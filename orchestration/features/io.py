"""Warehouse edge of the trend features: read the input window from DuckDB as Arrow, write a date range.

Only this module touches DuckDB; `part_trends` stays pure.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

import duckdb
import polars as pl

from orchestration.features.part_trends import (
    CARRY_FORWARD_DAYS,
    PART_TRENDS_SCHEMA,
    REFERENCE_WINDOW_DAYS,
    required_input_window,
)
from orchestration.warehouse.connection import replace_rows, table_exists, transaction

OFFERS_RELATION = "staging.stg_feeds__offers"
PRICE_BREAKS_RELATION = "staging.stg_feeds__price_breaks"
# Per-part demand built by dbt from BOM lines × the plan; read only when it exists.
DEMAND_RELATION = "intermediate.int_part_demand"
FEATURES_SCHEMA = "features"
FEATURES_TABLE = f"{FEATURES_SCHEMA}.part_trends_daily"

OFFER_COLUMNS = [
    "snapshot_date",
    "source",
    "distributor",
    "sku",
    "stock_pool",
    "mpn",
    "manufacturer",
    "stock",
    "lead_time_days",
    "lifecycle_status",
    "last_buy_date",
    "is_authorized",
    "is_broker",
    "is_duplicate_listing",
]
PRICE_BREAK_COLUMNS = ["snapshot_date", "source", "distributor", "sku", "quantity", "unit_price_usd"]
DEMAND_COLUMNS = ["mpn", "manufacturer", "daily_demand_units", "daily_demand_std"]

_DUCKDB_TYPES = {
    pl.Date: "DATE",
    pl.String: "VARCHAR",
    pl.Int32: "INTEGER",
    pl.Int64: "BIGINT",
    pl.Float64: "DOUBLE",
    pl.Boolean: "BOOLEAN",
}


class FeatureInputs(NamedTuple):
    offers: pl.LazyFrame
    price_breaks: pl.LazyFrame
    demand: pl.LazyFrame | None
    rows_read: int  # offers + price breaks (+ demand) rows fetched: constant per night, whatever the history


def _read_window(
    conn: duckdb.DuckDBPyConnection, relation: str, columns: list[str], first: date, last: date
) -> pl.DataFrame:
    # Fetch fully as Arrow (no pandas): the connection accepts new work once the result is consumed.
    sql = f"select {', '.join(columns)} from {relation} where snapshot_date between $1 and $2"
    return pl.from_arrow(conn.sql(sql, params=[first, last]).to_arrow_table())


def read_inputs(
    conn: duckdb.DuckDBPyConnection, start: date, end: date, lookback_days: int = REFERENCE_WINDOW_DAYS,
    carry_forward_days: int = CARRY_FORWARD_DAYS,
) -> FeatureInputs:
    """The staging rows that `compute_part_trends(start=start, end=end)` needs, and nothing older."""
    first, last = required_input_window(start, end, lookback_days, carry_forward_days)
    offers = _read_window(conn, OFFERS_RELATION, OFFER_COLUMNS, first, last)
    price_breaks = _read_window(conn, PRICE_BREAKS_RELATION, PRICE_BREAK_COLUMNS, first, last)
    rows_read = offers.height + price_breaks.height
    demand = None
    if table_exists(conn, *DEMAND_RELATION.split(".", 1)):
        demand_df = pl.from_arrow(
            conn.sql(f"select {', '.join(DEMAND_COLUMNS)} from {DEMAND_RELATION}").to_arrow_table()
        )
        rows_read += demand_df.height
        demand = demand_df.lazy()
    return FeatureInputs(offers.lazy(), price_breaks.lazy(), demand, rows_read)


def write_features(conn: duckdb.DuckDBPyConnection, df: pl.DataFrame, start: date, end: date) -> int:
    """Replace the [start, end] rows of features.part_trends_daily with `df`, in one transaction."""
    outside = df.filter(~pl.col("snapshot_date").is_between(start, end)).height
    if outside:
        raise ValueError(f"{outside} rows fall outside [{start}, {end}]")
    columns = ",\n  ".join(
        f"{name} {_DUCKDB_TYPES[type(dtype)]}" for name, dtype in PART_TRENDS_SCHEMA.items()
    )
    conn.execute(f"create schema if not exists {FEATURES_SCHEMA}")
    conn.execute(
        # No primary key: uniqueness of the grain is a data test; an index would slow the bulk insert.
        f"create table if not exists {FEATURES_TABLE} (\n  {columns}\n)"
    )
    with transaction(conn):
        replace_rows(conn, FEATURES_TABLE, df.select(list(PART_TRENDS_SCHEMA)).to_arrow(), "snapshot_date between ? and ?",
                     [start, end])
    return df.height

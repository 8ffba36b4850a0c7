"""Reading the replay's inputs from the warehouse and writing its outputs to marts.backtest_*."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from orchestration.backtest.replay import ReplayInputs
from orchestration.warehouse.connection import fetch_one, table_exists

PLAN_HISTORY = ("marts", "buffer_plan_history")
OPEN_ORDERS = ("staging", "stg_plan__open_orders")


def snapshot_range(conn: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    row = fetch_one(conn, "select min(snapshot_date), max(snapshot_date) from staging.stg_feeds__offers")
    return (row[0], row[1]) if row and row[0] else None


def read_inputs(conn: duckdb.DuckDBPyConnection, last: date) -> ReplayInputs:
    """Everything the replay reads, for snapshot dates up to `last` (nothing later is read)."""

    def frame(sql: str, params: list | None = None) -> pl.LazyFrame:
        return pl.from_arrow(conn.sql(sql, params=params or None).to_arrow_table()).lazy()

    offers = frame("""select snapshot_date, source, distributor, sku, stock_pool, mpn, manufacturer, stock,
                             lead_time_days, is_authorized, is_duplicate_listing
                      from staging.stg_feeds__offers where snapshot_date <= ?""", [last])
    breaks = frame("""select snapshot_date, source, distributor, sku, quantity, unit_price_usd
                      from staging.stg_feeds__price_breaks where snapshot_date <= ?""", [last])
    open_orders = None
    if table_exists(conn, *OPEN_ORDERS):
        open_orders = frame(f"select mpn, manufacturer, quantity, due_date from {'.'.join(OPEN_ORDERS)}")
    plan = None
    if table_exists(conn, *PLAN_HISTORY):
        # The funded part of a purchase is what the day's budget allows (the plan buys partial buffers).
        plan = frame(f"""select snapshot_date, mpn, manufacturer, buy_mpn, buy_manufacturer,
                                case when is_funded then funded_units else 0 end as buy_units,
                                unit_price_usd, funded_capital_usd as capital_usd, net_benefit, is_funded,
                                stoppage_probability
                         from {'.'.join(PLAN_HISTORY)} where snapshot_date <= ?""", [last])
    return ReplayInputs(
        offers=offers, price_breaks=breaks,
        bom=frame("select product, mpn, manufacturer, qty_per_unit, is_dnp from marts.bom_lines"),
        demand=frame("select product, week_start, units from staging.stg_plan__demand"),
        products=frame("select product, unit_margin from staging.stg_plan__products"),
        on_hand=frame("select mpn, manufacturer, quantity from staging.stg_inventory__on_hand"),
        alternates=frame("select mpn, manufacturer, alt_mpn, alt_manufacturer from staging.stg_reference__alternates"),
        open_orders=open_orders, plan=plan)


def replace_window(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, date_column: str,
                   first: date, last: date, policies: list[str]) -> int:
    """Replace the window's rows of these policies in one transaction (a re-run writes the same rows)."""
    schema, name = table.split(".")
    conn.execute("begin transaction")
    try:
        if not table_exists(conn, schema, name):
            conn.register("incoming", frame.to_arrow())
            conn.execute(f"create table {table} as select * from incoming limit 0")
            conn.unregister("incoming")
        conn.execute(f"delete from {table} where {date_column} between ? and ? and policy in (select unnest(?))",
                     [first, last, policies])
        conn.register("incoming", frame.to_arrow())
        conn.execute(f"insert into {table} by name select * from incoming")
        conn.unregister("incoming")
        conn.execute("commit")
    except Exception:
        conn.execute("rollback")
        raise
    return frame.height


def replace_table(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    conn.register("incoming", frame.to_arrow())
    conn.execute(f"create or replace table {table} as select * from incoming")
    conn.unregister("incoming")
    return frame.height

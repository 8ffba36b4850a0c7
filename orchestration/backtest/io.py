"""Reading the replay's inputs from the warehouse and writing its outputs to marts.backtest_*."""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from orchestration.backtest.descriptions import describe
from orchestration.backtest.replay import ReplayInputs
from orchestration.warehouse.connection import fetch_one, replace_rows, table_exists, transaction

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
        # The plan's decisions (strategy, target, what to buy); the replay nets the target against its own stock.
        plan = frame(f"""select snapshot_date, mpn, manufacturer, buy_mpn, buy_manufacturer, unit_price_usd,
                                net_benefit, stoppage_probability, strategy, target_units, replenishment_days,
                                case when strategy = 'DUAL_SOURCE' then covering_alternate_stock
                                     else market_stock end as market_units
                         from {'.'.join(PLAN_HISTORY)} where snapshot_date <= ?""", [last])
    return ReplayInputs(
        offers=offers, price_breaks=breaks,
        bom=frame("select product, mpn, manufacturer, qty_per_unit, is_dnp from marts.bom_lines"),
        demand=frame("select product, week_start, units from staging.stg_plan__demand"),
        products=frame("select product, unit_margin from staging.stg_plan__products"),
        on_hand=frame("select mpn, manufacturer, quantity from staging.stg_inventory__on_hand"),
        # In the reference file's order: a part's qualified alternates are used in that order, on every build.
        alternates=frame("select mpn, manufacturer, alt_mpn, alt_manufacturer from staging.stg_reference__alternates "
                         "order by file_path, line_number"),
        open_orders=open_orders, plan=plan)


def replace_window(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, date_column: str,
                   first: date, last: date, policies: list[str]) -> int:
    """Replace the window's rows of these policies in one transaction (a re-run writes the same rows)."""
    with transaction(conn):
        replace_rows(conn, table, frame.to_arrow(),
                     f"{date_column} between ? and ? and policy in (select unnest(?))", [first, last, policies])
        describe(conn, table)
    return frame.height


def replace_table(conn: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> int:
    conn.register("incoming", frame.to_arrow())
    conn.execute(f"create or replace table {table} as select * from incoming")
    conn.unregister("incoming")
    describe(conn, table)
    return frame.height


def read_plan_components(conn: duckdb.DuckDBPyConnection) -> pl.LazyFrame:
    """The plan's predicted stoppage probability per date and part, with the components it was computed from."""
    if not table_exists(conn, *PLAN_HISTORY):
        raise ValueError("marts.buffer_plan_history is missing: refresh the warehouse first")
    return pl.from_arrow(conn.sql(f"""
        select snapshot_date, mpn, manufacturer, stoppage_probability, decayed_risk_score, is_end_of_life,
               market_thinness, uncovered_share, covering_alternate_mpn is not null as has_covering_alternate,
               cast(horizon_days as integer) as horizon_days
        from {'.'.join(PLAN_HISTORY)}""").to_arrow_table()).lazy()


def read_seeds(conn: duckdb.DuckDBPyConnection):
    """The stoppage-probability seeds the warehouse was planned with."""
    from orchestration.backtest.calibration import PARAMETERS, Seeds

    curve = conn.execute("select risk_score, stoppage_probability from staging.risk_stoppage_curve "
                         "order by risk_score").fetchall()
    values = dict(conn.execute("select parameter, value from staging.risk_stoppage_parameters").fetchall())
    return Seeds(tuple(float(s) for s, _ in curve), tuple(float(p) for _, p in curve),
                 {name: float(values[name]) for name in PARAMETERS})


def write_seeds(seeds_dir, seeds) -> list:
    """Write fitted seeds over dbt's risk_stoppage_curve.csv and the fitted rows of risk_stoppage_parameters.csv."""
    import csv
    from pathlib import Path

    curve_path, parameters_path = Path(seeds_dir) / "risk_stoppage_curve.csv", Path(seeds_dir) / "risk_stoppage_parameters.csv"
    with curve_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["risk_score", "stoppage_probability"])
        writer.writerows([f"{s:g}", f"{p:.4f}"] for s, p in zip(seeds.curve_scores, seeds.curve_probabilities, strict=True))
    with parameters_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        if row["parameter"] in seeds.parameters:
            row["value"] = f"{seeds.parameters[row['parameter']]:.4f}"
    with parameters_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return [curve_path, parameters_path]

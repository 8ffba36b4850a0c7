"""What each column of the backtest marts means: written as table and column comments in the warehouse,
so the serving copy, its Parquet files and BI tools carry them like the dbt marts' descriptions.
Formulas: the backtest_model block of dbt_project/models/marts/scoring.md."""

from __future__ import annotations

import duckdb

_POLICY = "Buying policy replayed: JIT, JIC_BLANKET or PARTRISK (orchestration/backtest/policies.py)."
_DATE = "Snapshot date replayed (each decision uses data up to this date only)."
_CAPITAL = "Capital tied up that day: stock on hand at average cost plus orders on the way at the price paid, USD."
_BUFFER = "The part of capital_usd held as buffer stock (PARTRISK's funded buffers, JIC_BLANKET's cover), USD."

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "marts.backtest_daily": {
        "": "One row per policy, snapshot date, product and placed part: what the replay did to the company's "
            "stock that day under that policy.",
        "policy": _POLICY,
        "snapshot_date": _DATE,
        "product": "Product whose BOM places the part.",
        "mpn": "Part key: normalized MPN.",
        "manufacturer": "Part key: canonical manufacturer.",
        "on_hand_units": "Units of the part on hand at the end of the day (flow, buffer and qualified alternate).",
        "ordered_units": "Units ordered that day (distributor stock and factory backorders).",
        "arriving_units": "Units delivered that day.",
        "consumed_units": "Units used that day: at most the planned use, and at most what was on hand.",
        "short_units": "Planned use that could not be met from stock that day, units.",
        "line_down": "True when any placed part of the product was short that day: the line could not build.",
        "planned_units": "Planned use of the part that day: weekly plan ÷ 7 × quantity per board, units.",
        "capital_usd": "This part's share of the day's capital for the product (by share of planned use), USD.",
        "buffer_capital_usd": "This part's share of the day's buffer capital for the product, USD.",
    },
    "marts.backtest_orders": {
        "": "One row per purchase the replay placed: what, from where, at what price, and when it arrives.",
        "policy": _POLICY,
        "order_date": "Day the order was placed.",
        "mpn": "Part bought (the part itself or an alternate), normalized MPN.",
        "manufacturer": "Manufacturer of the part bought.",
        "for_mpn": "The BOM part the purchase covers (differs from mpn when an alternate is bought).",
        "for_manufacturer": "Manufacturer of the BOM part the purchase covers.",
        "purpose": "Why it was bought: flow (the next review period's use) or buffer.",
        "channel": "distributor (filled from that day's authorized stock) or factory_backorder (arrives after the quoted lead time).",
        "units": "Units ordered.",
        "unit_price_usd": "Price paid per unit: the day's price break for the quantity taken, USD.",
        "cost_usd": "units × unit_price_usd, USD.",
        "arrival_date": "Day the goods arrive: order date + shipping_days, or + the quoted lead time for a backorder.",
        "baseline_unit_price_usd": "Reference price for the quantity: the pre-window median (scoring.md), USD.",
        "premium_usd": "units × max(0, unit_price_usd − baseline_unit_price_usd): paid above the reference, USD.",
    },
    "marts.backtest_capital": {
        "": "One row per policy and snapshot date: the capital the policy ties up, against the buffer budget.",
        "policy": _POLICY,
        "snapshot_date": _DATE,
        "capital_usd": _CAPITAL,
        "buffer_capital_usd": _BUFFER,
        "budget_usd": "buffer_budget_usd of plan/policy.yml: PARTRISK's buffer capital never exceeds it, USD.",
    },
    "marts.backtest_summary": {
        "": "What each policy cost over the replayed history, per product and over ALL products: the numbers of "
            "the article's cost-benefit matrix (JIT vs smart JIC vs blanket JIC).",
        "policy": _POLICY,
        "product": "Product, or ALL for every product together.",
        "days": "Snapshot dates replayed.",
        "line_down_days": "Days the product could not build; for ALL, product-days.",
        "lost_margin_usd": "Σ over down days of the product's planned units that day × unit margin, USD.",
        "holding_cost_usd": "Σ over days of capital × holding_rate ÷ 365, USD.",
        "average_capital_usd": "Mean daily capital (a product gets its parts' capital by its share of their use), USD.",
        "peak_capital_usd": "Largest daily capital, USD.",
        "average_buffer_capital_usd": "Mean daily buffer capital, USD.",
        "peak_buffer_capital_usd": "Largest daily buffer capital, USD.",
        "purchase_premium_usd": "Σ over purchases of units × max(0, price paid − reference price), USD.",
        "total_cost_usd": "lost_margin_usd + holding_cost_usd + purchase_premium_usd, USD.",
    },
}


def describe(conn: duckdb.DuckDBPyConnection, table: str) -> None:
    """Write the table's and its columns' descriptions as comments (a rewritten table loses them)."""
    comments = DESCRIPTIONS.get(table)
    if not comments:
        return
    present = {row[0] for row in conn.execute(
        "select column_name from duckdb_columns() where database_name = current_database() "
        "and schema_name = ? and table_name = ?", table.split(".")).fetchall()}
    for column, text in comments.items():
        quoted = "'" + text.replace("'", "''") + "'"
        if not column:
            conn.execute(f"comment on table {table} is {quoted}")
        elif column in present:
            conn.execute(f'comment on column {table}."{column}" is {quoted}')

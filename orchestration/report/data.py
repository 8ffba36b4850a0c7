"""What the report shows, read from the serving copy (read-only) into Polars frames.

Tables are looked up by name in the `marts` schema first, then `main` (where the serving copy has kept
them so far). A table the copy does not have is `None`: the page says "not available" rather than
inventing a number. A table the copy has must carry the columns the report sums (REQUIRED_COLUMNS);
one published by an older partrisk is an error that says to refresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from orchestration.warehouse.connection import table_exists

BANDS = ("Low", "Medium", "High", "Critical")
TREND_DAYS = 90
SUB_SCORES = ("sourcing", "availability_trend", "price_trend", "lead_time", "lifecycle", "geography",
              "market_pressure")
SCHEMAS = ("marts", "main")


@dataclass
class ReportData:
    serving_path: Path
    as_of: date
    refresh: dict | None
    tables: dict[str, pl.DataFrame | None]
    quarantine: pl.DataFrame | None = None
    quarantine_note: str = ""

    def table(self, name: str) -> pl.DataFrame | None:
        return self.tables.get(name)


def find_table(conn: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """`schema.name` of a serving table, or None when the copy does not have it."""
    return next((f"{schema}.{name}" for schema in SCHEMAS if table_exists(conn, schema, name)), None)


def read_table(conn: duckdb.DuckDBPyConnection, name: str, where: str = "") -> pl.DataFrame | None:
    qualified = find_table(conn, name)
    if qualified is None:
        return None
    return conn.sql(f"select * from {qualified} {where}").pl().drop("refresh_id", strict=False)


def _latest_published(conn) -> dict | None:
    qualified = find_table(conn, "refresh_log")
    if qualified is None:
        return None
    rows = conn.sql(f"select * from {qualified} order by finished_at desc nulls last").pl().to_dicts()
    published = [r for r in rows if r["status"] == "published"]
    return published[0] if published else (rows[0] if rows else None)


REQUIRED_COLUMNS = {
    "buffer_plan": ("strategy", "risk_band", "planning_band", "buy_mpn", "buy_manufacturer", "buy_units", "capital_usd",
                    "expected_stoppage_cost_avoided", "net_benefit", "net_benefit_per_dollar", "funding_rank",
                    "is_funded", "funded_units", "funded_capital_usd", "funded_cost_avoided", "unmet_need_units",
                    "budget_usd"),
    "bom_risk": ("product", "margin_at_risk_expected", "margin_at_risk_worst", "revenue_at_risk_expected",
                 "revenue_at_risk_worst", "limiting_mpn"),
}


def check_columns(serving_path: Path, tables: dict[str, pl.DataFrame | None]) -> None:
    """Raise when a table the copy has lacks a column the report sums."""
    for name, columns in REQUIRED_COLUMNS.items():
        frame = tables.get(name)
        missing = [c for c in columns if frame is not None and c not in frame.columns]
        if missing:
            raise ValueError(f"serving copy {serving_path}: {name} has no column {', '.join(missing)} "
                             "(published by an older partrisk): run `partrisk refresh`")


SERVING_TABLES = ("part_risk", "buffer_plan", "bom_risk", "bom_lines", "supplier_concentration", "daily_changes",
                  "part_alternates", "backtest_summary")


def load_report_data(serving_path: Path, warehouse_path: Path | None = None) -> ReportData:
    """Everything the report draws, from the serving copy; quarantine counts from the warehouse when given."""
    serving_path = Path(serving_path)
    if not serving_path.exists():
        raise FileNotFoundError(f"serving copy {serving_path} does not exist: run `partrisk refresh` first")
    with duckdb.connect(str(serving_path), read_only=True) as conn:
        tables: dict[str, pl.DataFrame | None] = {name: read_table(conn, name) for name in SERVING_TABLES}
        part_risk = tables["part_risk"]
        if part_risk is None or part_risk.is_empty():
            raise ValueError(f"serving copy {serving_path} has no part_risk rows: nothing to report")
        as_of = part_risk["snapshot_date"].max()
        tables["part_risk_history"] = read_table(conn, "part_risk_history")
        tables["part_market_history"] = read_table(conn, "part_market_history")
        refresh = _latest_published(conn)
    check_columns(serving_path, tables)
    data = ReportData(serving_path, as_of, refresh, tables)
    data.quarantine, data.quarantine_note = quarantine_counts(warehouse_path)
    return data


def quarantine_counts(warehouse_path: Path | None) -> tuple[pl.DataFrame | None, str]:
    """Quarantined rows per source and rule (the serving copy does not carry them)."""
    if warehouse_path is None or not Path(warehouse_path).exists():
        return None, "not available: no warehouse given"
    try:
        with duckdb.connect(str(warehouse_path), read_only=True) as conn:
            if not table_exists(conn, "quarantine", "rows"):
                return None, "not available: the warehouse has no quarantine table"
            frame = conn.sql("select source, rule, count(*) as rows, count(distinct file_path) as files "
                             "from quarantine.rows group by source, rule order by rows desc").pl()
    except duckdb.IOException as error:
        return None, f"not available: the warehouse could not be opened read-only ({error})"
    return frame, ""

"""Compare every marts.* table of two warehouses, row for row (EXCEPT ALL both ways).

    .venv/bin/python -m bench.compare_marts BEFORE.duckdb AFTER.duckdb [--schema marts] [--exact]

Both files are opened read-only. A table matches when it has the same columns and the same multiset of rows.
DOUBLE values are compared to 12 significant digits unless --exact: DuckDB's parallel sums of doubles are
not bit-reproducible from one run to the next. Exits 1 when any table differs or exists on one side only.
"""

from __future__ import annotations

import argparse
import sys

import duckdb


def _columns(conn: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[tuple[str, str]]:
    return conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? order by ordinal_position",
        [catalog, schema, table]).fetchall()


def _select(catalog: str, schema: str, table: str, columns: list[tuple[str, str]], exact: bool) -> str:
    exprs = [f'printf(\'%.12g\', "{name}")' if kind in ("DOUBLE", "FLOAT") and not exact else f'"{name}"'
             for name, kind in columns]
    return f'select {", ".join(exprs)} from {catalog}."{schema}"."{table}"'


def compare(before: str, after: str, schema: str = "marts", exact: bool = False) -> list[str]:
    """One line per table: its row count and whether it matches; lines of tables that differ start with '!'."""
    conn = duckdb.connect()
    conn.execute(f"attach '{before}' as before_db (read_only)")
    conn.execute(f"attach '{after}' as after_db (read_only)")
    tables = {}
    for catalog in ("before_db", "after_db"):
        names = conn.execute("select table_name from information_schema.tables where table_catalog = ? "
                             "and table_schema = ? and table_type = 'BASE TABLE'", [catalog, schema]).fetchall()
        tables[catalog] = {name for (name,) in names}
    lines = []
    for table in sorted(tables["before_db"] | tables["after_db"]):
        if table not in tables["before_db"] or table not in tables["after_db"]:
            side = "after" if table in tables["after_db"] else "before"
            lines.append(f"! {schema}.{table}: only in {side}")
            continue
        old, new = (_columns(conn, c, schema, table) for c in ("before_db", "after_db"))
        if old != new:
            lines.append(f"! {schema}.{table}: columns differ: {sorted(set(old) ^ set(new))}")
            continue
        left, right = (_select(c, schema, table, old, exact) for c in ("before_db", "after_db"))
        rows = conn.execute(f"select count(*) from before_db.\"{schema}\".\"{table}\"").fetchone()[0]
        only_before = conn.execute(f"select count(*) from ({left} except all {right})").fetchone()[0]
        only_after = conn.execute(f"select count(*) from ({right} except all {left})").fetchone()[0]
        if only_before or only_after:
            lines.append(f"! {schema}.{table}: {rows} rows before; {only_before} only before, {only_after} only after")
        else:
            lines.append(f"  {schema}.{table}: {rows} rows, identical")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--schema", default="marts")
    parser.add_argument("--exact", action="store_true", help="compare DOUBLE values bit for bit")
    args = parser.parse_args()
    lines = compare(args.before, args.after, args.schema, args.exact)
    print("\n".join(lines))
    differing = sum(line.startswith("!") for line in lines)
    print(f"{len(lines) - differing} of {len(lines)} tables identical")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())

"""Does the current parser load the same raw rows as a baseline warehouse? (not a test: a check to re-run)

Loads every feed table of a landing tree with the current code into a fresh DuckDB file, exactly as the
raw assets do (`raw_load.load_feed_partitions`), then compares it with a baseline warehouse built from
the same landing tree (opened read-only) by multiset difference (`EXCEPT ALL`, both ways) over:
- each `raw.offers_*` table, every column but `loaded_at`;
- `quarantine.rows`, every column but `loaded_at`;
- `raw.load_log` rows of feed files, every column but `loaded_at` and `parser_fingerprint` (which changes
  with the code);
- each present-state table read by the CSV reader (`reference_load.REFERENCE_SPECS`: plan, inventory and
  reference files) and the BOM tables (`raw.bom_lines`, `raw.bom_files`), every column but `loaded_at`.

    .venv/bin/python -m bench.compare_raw --baseline data/warehouse/baseline.duckdb [--landing data/sample]

Exit code 1 if any table differs; the differing rows (up to --show of each) are printed.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

from orchestration import landing as landing_tree
from orchestration.feeds.registry import FEED_TABLES, SOURCES
from orchestration.warehouse import raw_load, reference_load

IGNORED = {"loaded_at", "parser_fingerprint"}
# Rows of a table that the current load writes (the asset also logs present-state files in load_log).
ROWS = {"raw.load_log": "file_path like 'feeds/%'"}


def feed_sources(landing: Path, table: str) -> list[str]:
    if table != "offers_broker":
        return [table.removeprefix("offers_")]
    return [s for s in landing_tree.feed_sources(landing) if s not in SOURCES]


def load_current(landing: Path, out: Path) -> None:
    conn = duckdb.connect(str(out))
    try:
        conn.execute("create schema if not exists raw")
        conn.execute("create schema if not exists quarantine")
        for table in FEED_TABLES:
            sources = feed_sources(landing, table)
            dates = sorted({d for s in sources for d in landing_tree.snapshot_folders(landing, s)[0]})
            if dates:
                raw_load.load_feed_partitions(conn, landing, f"raw.{table}", sources, dates)
        for spec in reference_load.REFERENCE_SPECS:
            reference_load.load_reference(conn, landing, spec)
        reference_load.load_boms(conn, landing)
    finally:
        conn.close()


def differences(conn: duckdb.DuckDBPyConnection, table: str, show: int) -> tuple[int, int]:
    """(rows only in the baseline, rows only in the current load) of one table."""
    columns = [
        name for (name,) in conn.execute(
            "select column_name from duckdb_columns() where database_name = 'base' and "
            "schema_name || '.' || table_name = ? order by column_index", [table]).fetchall()
        if name not in IGNORED
    ]
    select = ", ".join(f'"{c}"' for c in columns)
    where = ROWS.get(table, "true")
    counts = []
    for first, second, label in (("base", "cur", "only in the baseline"), ("cur", "base", "only in the current load")):
        query = (f"select {select} from {first}.{table} where {where} "
                 f"except all select {select} from {second}.{table} where {where}")
        count = conn.execute(f"select count(*) from ({query})").fetchall()[0][0]
        counts.append(count)
        if count:
            print(f"  {table}: {count} rows {label}, for example:")
            for row in conn.execute(f"{query} limit {show}").fetchall():
                print("    ", row)
    return counts[0], counts[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, required=True, help="warehouse built by the baseline code")
    ap.add_argument("--landing", type=Path, default=Path("data/sample"))
    ap.add_argument("--out", type=Path, default=None, help="where to write the current load (default: a temp file)")
    ap.add_argument("--show", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="partrisk-compare-") as tmp:
        out = args.out or Path(tmp) / "current.duckdb"
        started = time.perf_counter()
        load_current(args.landing.resolve(), out)
        print(f"current code loaded {args.landing} in {time.perf_counter() - started:.1f} s")
        conn = duckdb.connect()
        conn.execute(f"attach '{args.baseline}' as base (read_only)")
        conn.execute(f"attach '{out}' as cur (read_only)")
        tables = ([f"raw.{t}" for t in FEED_TABLES] + ["quarantine.rows", "raw.load_log"]
                  + [f"raw.{spec.table}" for spec in reference_load.REFERENCE_SPECS] + ["raw.bom_lines", "raw.bom_files"])
        differing = 0
        for table in tables:
            # a source without files (lcsc in the demo) may have no table: its rows count as differences
            missing = [db for db in ("base", "cur") if not conn.execute(
                "select count(*) from duckdb_tables() where database_name = ? and schema_name || '.' || table_name = ?",
                [db, table]).fetchall()[0][0]]
            if missing:
                rows = [0 if db in missing else conn.execute(f"select count(*) from {db}.{table}").fetchall()[0][0]
                        for db in ("base", "cur")]
                only_base, only_current = rows
            else:
                where = ROWS.get(table, "true")
                rows = conn.execute(f"select (select count(*) from base.{table} where {where}), "
                                    f"(select count(*) from cur.{table} where {where})").fetchall()[0]
                only_base, only_current = differences(conn, table, args.show)
            same = only_base == only_current == 0
            differing += not same
            print(f"{table}: baseline {rows[0]:,} rows, current {rows[1]:,} rows: "
                  + ("identical" if same else f"{only_base} only in the baseline, {only_current} only in the current"))
        conn.close()
    raise SystemExit(1 if differing else 0)


if __name__ == "__main__":
    main()

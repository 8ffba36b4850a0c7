"""Moving raw rows that fail a row-level quality rule into quarantine.rows.

The feed parsers quarantine what they can see while reading a file; the Great Expectations raw suites
(orchestration/quality) are the second line: a row that is in a raw table but breaks a row rule is
deleted from that table and written to quarantine.rows with the rule, its location (JSON path or
`line N`) and the raw value, in one transaction, and raw.load_log's counts for its file follow. So a
row is never dropped silently, and the next load of the same partition (or file) replaces both.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import duckdb

from orchestration.warehouse.connection import transaction
from orchestration.warehouse.raw_load import ensure_log_tables, now_utc


@dataclass(frozen=True)
class QuarantineRow:
    rowid: int
    source: str
    snapshot_date: date | None
    file_path: str | None
    location: str | None
    rule: str
    raw_value: str | None


def move_to_quarantine(conn: duckdb.DuckDBPyConnection, table: str, rows: list[QuarantineRow]) -> int:
    """Delete `rows` (by DuckDB rowid) from `table` and append them to quarantine.rows.

    A row failing several rules is quarantined once per rule but deleted once. The caller read the rowids
    in the same connection without writing in between (rowids are stable until the table changes).
    Returns the number of table rows removed.
    """
    if not rows:
        return 0
    loaded_at = now_utc()
    rowids = sorted({r.rowid for r in rows})
    first_rule: dict[int, QuarantineRow] = {}
    for row in rows:
        first_rule.setdefault(row.rowid, row)
    per_file = Counter((r.source, r.snapshot_date, r.file_path) for r in first_rule.values())
    with transaction(conn):
        ensure_log_tables(conn)
        conn.execute("create temp table if not exists _quarantine_rowids (id bigint)")
        conn.execute("delete from _quarantine_rowids")
        conn.executemany("insert into _quarantine_rowids values (?)", [[i] for i in rowids])
        removed = conn.execute(f"delete from {table} where rowid in (select id from _quarantine_rowids)").fetchall()
        conn.executemany(
            "insert into quarantine.rows values (?, ?, ?, ?, ?, ?, ?)",
            [[r.source, r.snapshot_date, r.file_path, r.location, r.rule,
              None if r.raw_value is None else str(r.raw_value)[:2000], loaded_at] for r in rows],
        )
        for (source, snapshot, file_path), count in per_file.items():
            conn.execute(
                """update raw.load_log set rows_loaded = greatest(rows_loaded - ?, 0),
                          rows_quarantined = rows_quarantined + ?
                   where source = ? and snapshot_date is not distinct from ? and file_path is not distinct from ?
                     and status = 'loaded'""",
                [count, count, source, snapshot, file_path],
            )
    return int(removed[0][0]) if removed and removed[0] else len(rowids)


def clear_present_state(conn: duckdb.DuckDBPyConnection, table: str, source: str, file_path: str | None) -> None:
    """Forget the quarantine rows of an undated (present-state) file that were written before its last load.

    The load replaced the whole raw table, so those rows are back in it and are checked again; rows moved
    after the last load stay (the table no longer holds them).
    """
    ensure_log_tables(conn)
    conn.execute(
        f"""delete from quarantine.rows
            where source = ? and snapshot_date is null and file_path is not distinct from ?
              and loaded_at < coalesce((select max(loaded_at) from {table}), timestamp '0001-01-01')""",
        [source, file_path],
    )

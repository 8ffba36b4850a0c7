"""Write-audit-publish: the serving database BI tools read, swapped in whole, only after the gates pass.

The pipeline builds and validates the marts in the working warehouse. `publish` then writes a NEW file
next to the serving path (attached with STORAGE_VERSION 'v1.4.0', so DuckDB 1.4 LTS clients, which most
BI tools embed, can open it), copies every `marts.*` table into the same `marts` schema there (so one
query works on both files) with a `refresh_id` column and the dbt descriptions as table and column
comments, adds `main.refresh_log` (every refresh so far, this one included), checkpoints it, writes the
same tables as Parquet with the descriptions as key-value metadata, and only then `os.replace`s it over
the serving file: one atomic rename. A reader that opened
the old file keeps reading the old version to the end of its connection; the next connection sees the
new one; nobody sees half a refresh, and the refresh never waits for a reader's lock.

`record_refresh` writes a `blocked` or `failed` refresh to the warehouse's refresh_log and leaves the
serving file untouched (byte-identical): BI keeps the last good version.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from orchestration.warehouse.connection import fetch_one, table_exists, transaction
from orchestration.warehouse.connection import warehouse as open_warehouse
from orchestration.warehouse.raw_load import now_utc

STORAGE_VERSION = "v1.4.0"
REFRESH_LOG = "refresh_log"
REFRESH_LOG_COLUMNS = (
    ("refresh_id", "varchar"), ("started_at", "timestamp"), ("finished_at", "timestamp"), ("status", "varchar"),
    ("snapshot_first", "date"), ("snapshot_last", "date"), ("failed_checks", "varchar"),
    ("failed_inputs", "varchar"), ("failed_checks_count", "integer"), ("failed_inputs_count", "integer"),
    ("tables_published", "integer"), ("rows_published", "bigint"), ("message", "varchar"),
)
REFRESH_LOG_DDL = (f"create table if not exists main.{REFRESH_LOG} ("
                   + ", ".join(f"{name} {kind}" for name, kind in REFRESH_LOG_COLUMNS) + ")")
STATUSES = ("published", "failed", "blocked")
SERVING_SCHEMA = "marts"
REFRESH_ID_COMMENT = "The Dagster run that published this row (refresh_log.refresh_id)."
REFRESH_LOG_COMMENTS = {
    "": "One row per refresh: published, failed (a step failed) or blocked (a blocking check failed).",
    "refresh_id": "The Dagster run id of the refresh.",
    "status": "published, failed or blocked; only a published refresh replaced the serving copy.",
    "snapshot_first": "First snapshot date the refresh covered.",
    "snapshot_last": "Last snapshot date the refresh covered: how fresh the data is.",
    "failed_checks": "The checks that failed with ERROR severity, one per line.",
    "failed_inputs": "Landing files that could not be read, with the reason, one per line.",
    "tables_published": "Tables in the serving copy after this refresh (0 unless published).",
    "rows_published": "Rows in those tables.",
    "message": "Why the refresh did not publish, in words.",
}


@dataclass
class RefreshRecord:
    refresh_id: str
    status: str
    started_at: datetime | None = None
    finished_at: datetime | None = None
    snapshot_range: tuple[date, date] | None = None  # (snapshot_first, snapshot_last)
    failed_checks: list[str] = field(default_factory=list)
    failed_inputs: list[str] = field(default_factory=list)
    tables_published: int = 0
    rows_published: int = 0
    message: str | None = None

    def row(self) -> list:
        return [self.refresh_id, self.started_at, self.finished_at or now_utc(), self.status,
                *(self.snapshot_range or (None, None)), "\n".join(self.failed_checks) or None,
                "\n".join(self.failed_inputs) or None, len(self.failed_checks), len(self.failed_inputs),
                self.tables_published, self.rows_published, self.message]


@dataclass
class PublishResult:
    refresh_id: str
    serving_path: Path
    parquet_dir: Path
    tables: dict[str, int]
    seconds: float

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def ensure_refresh_log(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(REFRESH_LOG_DDL)


def record_refresh(conn: duckdb.DuckDBPyConnection, record: RefreshRecord) -> None:
    """One row per refresh in the warehouse's refresh_log (a second record of the same refresh replaces it)."""
    if record.status not in STATUSES:
        raise ValueError(f"refresh status {record.status!r} is not one of {', '.join(STATUSES)}")
    ensure_refresh_log(conn)
    with transaction(conn):
        conn.execute(f"delete from main.{REFRESH_LOG} where refresh_id = ?", [record.refresh_id])
        _insert_record(conn, f"main.{REFRESH_LOG}", record)


def _insert_record(conn: duckdb.DuckDBPyConnection, relation: str, record: RefreshRecord) -> None:
    conn.execute(f"insert into {relation} values ({', '.join('?' for _ in REFRESH_LOG_COLUMNS)})", record.row())


def refresh_status(conn: duckdb.DuckDBPyConnection, refresh_id: str) -> str | None:
    if not table_exists(conn, "main", REFRESH_LOG):
        return None
    rows = conn.execute(f"select status from main.{REFRESH_LOG} where refresh_id = ?", [refresh_id]).fetchall()
    return rows[0][0] if rows else None


def mart_tables(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table of the marts schema (bom_ingest_report included); views are not published."""
    return [r[0] for r in conn.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' "
        "and table_type = 'BASE TABLE' order by table_name").fetchall()]


def _quote(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def mart_comments(conn: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    """The table's comment (key "") and its columns' comments in the warehouse: dbt's descriptions (persist_docs)."""
    row = fetch_one(conn, "select comment from duckdb_tables() where database_name = current_database() "
                          "and schema_name = 'marts' and table_name = ?", [table])
    comments = {"": row[0] if row else None}
    comments |= dict(conn.execute(
        "select column_name, comment from duckdb_columns() where database_name = current_database() "
        "and schema_name = 'marts' and table_name = ? and comment is not null", [table]).fetchall())
    comments["refresh_id"] = REFRESH_ID_COMMENT
    return {key: value for key, value in comments.items() if value}


def _write_comments(conn: duckdb.DuckDBPyConnection, relation: str, comments: dict[str, str]) -> None:
    for column, text in comments.items():
        if column:
            conn.execute(f'comment on column {relation}."{column}" is {_quote(text)}')
        else:
            conn.execute(f"comment on table {relation} is {_quote(text)}")


def _kv_metadata(comments: dict[str, str]) -> str:
    """Parquet key-value metadata: `description` for the table, `description:<column>` for each column."""
    pairs = [(f"description:{column}" if column else "description", text) for column, text in comments.items()]
    return "{" + ", ".join(f"{_quote(key)}: {_quote(text)}" for key, text in pairs) + "}"


def _clean_leftovers(serving_path: Path) -> None:
    """Temp files of a publish that died before its swap (never the serving file itself)."""
    for leftover in serving_path.parent.glob(f".{serving_path.name}.tmp-*"):
        leftover.unlink(missing_ok=True)
    parquet = serving_path.parent / "parquet"
    if parquet.is_dir():
        for leftover in parquet.glob(".*.tmp-*"):
            leftover.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(
    warehouse: Path | duckdb.DuckDBPyConnection,
    serving_path: Path,
    refresh_id: str,
    *,
    started_at: datetime | None = None,
    snapshot_range: tuple[date, date] | None = None,
    failed_checks: list[str] | None = None,
    failed_inputs: list[str] | None = None,
    message: str | None = None,
    parquet_marts: dict[str, Path] | None = None,
) -> PublishResult:
    """Copy every marts table into a new serving file, then swap it in atomically (and the Parquet files).

    `warehouse` is the warehouse path or an open read-write connection to it (the Dagster asset passes
    its own, inside the duckdb pool). The warehouse's refresh_log gets this refresh's `published` row
    after the swap; the new file carries it too.

    `parquet_marts` (the Spark engine: each mart's Parquet folder) publishes views over those folders
    instead of copies of the warehouse's tables, and no Parquet copy: the marts are Parquet already.
    """
    given = isinstance(warehouse, duckdb.DuckDBPyConnection)
    with contextlib.nullcontext(warehouse) if given else open_warehouse(Path(warehouse)) as conn:
        return _publish(conn, Path(serving_path), refresh_id, started_at, snapshot_range, failed_checks,
                        failed_inputs, message, parquet_marts)


def _serve_mart(conn: duckdb.DuckDBPyConnection, relation: str, table: str, refresh_id: str,
                parquet_folder: Path | None) -> None:
    """The mart in the serving file with the refresh's id on every row: a copy, or a view over its Parquet."""
    if parquet_folder is None:
        conn.execute(f"create table {relation} as select *, cast(? as varchar) as refresh_id from marts.{table}",
                     [refresh_id])
        return
    files = _quote(f"{parquet_folder}/**/*.parquet")
    conn.execute(f"create view {relation} as select *, cast({_quote(refresh_id)} as varchar) as refresh_id "
                 f"from read_parquet({files}, hive_partitioning = true, union_by_name = true)")


def _publish(conn, serving_path: Path, refresh_id: str, started_at, snapshot_range, failed_checks, failed_inputs,
             message, parquet_marts: dict[str, Path] | None) -> PublishResult:
    clock = time.perf_counter()
    serving_path = serving_path.resolve()
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    parquet_dir = serving_path.parent / "parquet"
    if parquet_marts is None:
        parquet_dir.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(serving_path)
    token = uuid.uuid4().hex[:12]
    temp = serving_path.parent / f".{serving_path.name}.tmp-{token}"
    alias = f"serving_{token}"
    tables = mart_tables(conn) if parquet_marts is None else sorted(parquet_marts)
    if not tables:
        raise RuntimeError("there is no marts table to publish: build the marts first")
    ensure_refresh_log(conn)
    record = RefreshRecord(refresh_id, "published", started_at=started_at, snapshot_range=snapshot_range,
                           failed_checks=list(failed_checks or []), failed_inputs=list(failed_inputs or []),
                           message=message)
    counts: dict[str, int] = {}
    parquet_temps: dict[str, Path] = {}
    attached = False
    try:
        conn.execute(f"attach {_quote(temp)} as {alias} (storage_version '{STORAGE_VERSION}')")
        attached = True
        conn.execute(f"create schema {alias}.{SERVING_SCHEMA}")
        comments: dict[str, dict[str, str]] = {REFRESH_LOG: REFRESH_LOG_COMMENTS}
        for table in tables:
            relation = f"{alias}.{SERVING_SCHEMA}.{table}"
            _serve_mart(conn, relation, table, refresh_id, None if parquet_marts is None else parquet_marts[table])
            comments[table] = mart_comments(conn, table)
            _write_comments(conn, relation, comments[table])
            counts[table] = conn.execute(f"select count(*) from {relation}").fetchall()[0][0]
        record.tables_published = len(counts)
        record.rows_published = sum(counts.values())
        record.finished_at = now_utc()
        conn.execute(f"create table {alias}.main.{REFRESH_LOG} as select * from main.{REFRESH_LOG} "
                     "where refresh_id <> ?", [refresh_id])
        _insert_record(conn, f"{alias}.main.{REFRESH_LOG}", record)
        _write_comments(conn, f"{alias}.main.{REFRESH_LOG}", REFRESH_LOG_COMMENTS)
        for table in [*tables, REFRESH_LOG] if parquet_marts is None else []:
            target = parquet_dir / f".{table}.parquet.tmp-{token}"
            schema = "main" if table == REFRESH_LOG else SERVING_SCHEMA
            conn.execute(f"copy (select * from {alias}.{schema}.{table}) to {_quote(target)} "
                         f"(format parquet, kv_metadata {_kv_metadata(comments[table])})")
            parquet_temps[table] = target
        conn.execute(f"checkpoint {alias}")
        conn.execute(f"detach {alias}")
        attached = False
        Path(f"{temp}.wal").unlink(missing_ok=True)  # empty after the checkpoint; never shipped
        _fsync(temp)
        os.replace(temp, serving_path)  # the publish: one atomic rename
    except BaseException:
        # Nothing was swapped: the serving file is untouched; remove what this attempt wrote.
        if attached:
            conn.execute(f"detach {alias}")
        for path in [temp, Path(f"{temp}.wal"), *parquet_temps.values()]:
            path.unlink(missing_ok=True)
        raise
    for table, path in parquet_temps.items():
        os.replace(path, parquet_dir / f"{table}.parquet")
    for stale in parquet_dir.glob("*.parquet"):
        if stale.stem not in parquet_temps:
            stale.unlink(missing_ok=True)
    record_refresh(conn, record)
    return PublishResult(refresh_id, serving_path, parquet_dir, counts, time.perf_counter() - clock)


def read_refresh_log(path: Path) -> list[dict]:
    """The refresh_log of a warehouse or serving file, read-only, newest first."""
    if not Path(path).exists():
        return []
    with duckdb.connect(str(path), read_only=True) as conn:
        if not table_exists(conn, "main", REFRESH_LOG):
            return []
        cursor = conn.execute(f"select * from main.{REFRESH_LOG} order by finished_at desc nulls last")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def serving_summary(serving_path: Path) -> str:
    """One line on the serving copy: which refresh BI tools see."""
    if not Path(serving_path).exists():
        return f"serving copy {serving_path}: not published yet"
    last = last_publish(serving_path)
    if last is None:
        return f"serving copy {serving_path}: no publish recorded"
    return (f"serving copy {serving_path}: refresh {last['refresh_id']} published {last['finished_at']:%Y-%m-%d %H:%M:%S} "
            f"({last['tables_published']} tables, {last['rows_published']:,} rows)")


def last_publish(serving_path: Path) -> dict | None:
    """The refresh_log row of the serving copy's current version, or None if it was never published."""
    published = [r for r in read_refresh_log(serving_path) if r["status"] == "published" and r["finished_at"]]
    return max(published, key=lambda r: r["finished_at"]) if published else None


def freshness(published_at: datetime | None, now: datetime, max_age: timedelta) -> tuple[bool, str]:
    """(fresh?, why): the serving copy is stale when its last publish is older than max_age, or missing."""
    if published_at is None:
        return False, "the serving copy has never been published"
    age = now - published_at
    hours = age.total_seconds() / 3600
    limit = max_age.total_seconds() / 3600
    if age > max_age:
        return False, f"the serving copy was last published {published_at:%Y-%m-%d %H:%M} UTC, {hours:.1f} h ago " \
                      f"(limit {limit:g} h)"
    return True, f"published {hours:.1f} h ago (limit {limit:g} h)"

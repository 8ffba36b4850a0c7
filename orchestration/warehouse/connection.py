"""Opening the DuckDB warehouse.

DuckDB allows one writer process and no reader beside it. Inside Dagster every step that opens the
file sits in the pool "duckdb" (limit 1); outside it (a BI tool holding the file, a second CLI), a
lock error is retried with backoff for a bounded time, then reported with the file's path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from tenacity import retry, retry_if_exception, stop_after_delay, wait_exponential

from orchestration.errors import WarehouseUnreadable

SCHEMAS = ("raw", "staging", "intermediate", "features", "marts", "quarantine")


def _is_lock_error(error: BaseException) -> bool:
    return isinstance(error, duckdb.IOException) and "lock" in str(error).lower()


@retry(
    retry=retry_if_exception(_is_lock_error),
    wait=wait_exponential(multiplier=0.5, max=10),
    stop=stop_after_delay(120),
    reraise=True,
)
def _connect(path: str, read_only: bool) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(path, read_only=read_only)


def lock_holder(path: Path) -> str | None:
    """In words, why another process keeps the warehouse from being written now; None when it is free."""
    if not path.exists():
        return None
    try:
        duckdb.connect(str(path)).close()
    except duckdb.IOException as error:
        if not _is_lock_error(error):
            raise
        holder = re.search(r"\(PID (\d+)\)", str(error))
        who = f"process {holder.group(1)}" if holder else "another process"
        return (f"the warehouse {path} is locked by {who} (a BI tool, a notebook or another refresh has it "
                "open); close it or wait for it to finish, then run the command again")
    return None


@contextmanager
def warehouse(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the warehouse file, with the project's schemas present (when writable)."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    elif not path.is_file():
        raise WarehouseUnreadable(f"no warehouse at {path}: run `partrisk refresh` first, or pass --warehouse")
    try:
        conn = _connect(str(path), read_only)
    except duckdb.IOException as error:
        if _is_lock_error(error):
            raise
        raise WarehouseUnreadable(f"{path} is not a DuckDB warehouse ({str(error).removeprefix('IO Error: ')})") \
            from error
    try:
        if not read_only:
            ensure_schemas(conn)
        yield conn
    finally:
        conn.close()


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Everything written inside the block is committed together, or rolled back on any error."""
    conn.execute("begin transaction")
    try:
        yield conn
    except BaseException:
        conn.execute("rollback")
        raise
    conn.execute("commit")


def ensure_schemas(conn: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """The project's schemas (raw, staging, features, marts, quarantine) exist on this connection."""
    for schema in SCHEMAS:
        conn.execute(f"create schema if not exists {schema}")
    return conn


def fetch_one(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """First row of a query, fully fetched (duckdb 2.0 has no relation.fetchone())."""
    rows = conn.execute(sql, params or []).fetchall()
    return rows[0] if rows else None


def table_exists(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    row = fetch_one(
        conn,
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    )
    return bool(row and row[0])


def replace_rows(conn: duckdb.DuckDBPyConnection, table: str, data, where_sql: str, params: list) -> None:
    """Delete the rows `where_sql` names, then insert `data` (Arrow), creating the table from it when it is
    missing (the caller holds the transaction)."""
    schema, name = table.split(".")
    conn.register("incoming_rows", data)
    try:
        if not table_exists(conn, schema, name):
            conn.execute(f"create table {table} as select * from incoming_rows limit 0")
        conn.execute(f"delete from {table} where {where_sql}", params)
        conn.execute(f"insert into {table} by name select * from incoming_rows")
    finally:
        conn.unregister("incoming_rows")

"""The raw layer as Parquet files that Spark reads as tables.

Each table of the raw and features schemas is one folder under the lake directory,
<lake>/<schema>/<table>/, split into snapshot_date=YYYY-MM-DD folders when the table has that
column (a feed table is one source, so a feed's folders are its source x snapshot-date partitions).
The dbt project's on-run-start hook (macros/spark_lake.sql) registers every folder as an external
Spark table under the same schema and name, so the dbt sources resolve alike on both engines.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

# The schemas the dbt sources read (models/staging/*sources.yml).
LAKE_SCHEMAS = ("raw", "features")
PARTITION_COLUMN = "snapshot_date"


def _tables(conn: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    rows = conn.execute(
        "select table_name from duckdb_tables() where schema_name = ? and database_name = current_database() "
        "order by table_name", [schema]).fetchall()
    return [name for (name,) in rows]


def _columns(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = conn.execute(
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
        "and database_name = current_database() order by column_index", [schema, table]).fetchall()
    return [name for (name,) in rows]


def write_table(conn: duckdb.DuckDBPyConnection, schema: str, table: str, lake: Path) -> Path:
    """Rewrite one table's folder from the DuckDB relation schema.table; returns the folder."""
    folder = lake / schema / table
    if folder.exists():
        shutil.rmtree(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    (rows,) = conn.execute(f'select count(*) from "{schema}"."{table}"').fetchall()[0]
    # An empty table has no partition folder to carry its snapshot_date type: one plain file instead.
    partitioned = PARTITION_COLUMN in _columns(conn, schema, table) and rows > 0
    if partitioned:
        options, target = "format parquet, partition_by (snapshot_date), write_partition_columns false", folder
    else:
        folder.mkdir()
        options, target = "format parquet", folder / "part-0.parquet"
    conn.execute(f'copy (select * from "{schema}"."{table}") to \'{target}\' ({options})')
    return folder


def write_lake(warehouse: Path, lake: Path, schemas: tuple[str, ...] = LAKE_SCHEMAS) -> dict[str, int]:
    """Write every table of `schemas` in the DuckDB file `warehouse` under `lake`; returns rows per table."""
    written: dict[str, int] = {}
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        for schema in schemas:
            for table in _tables(conn, schema):
                write_table(conn, schema, table, lake)
                written[f"{schema}.{table}"] = conn.execute(f'select count(*) from "{schema}"."{table}"').fetchall()[0][0]
    return written


def register_lake(spark, lake: Path, schemas: tuple[str, ...] = LAKE_SCHEMAS) -> list[str]:
    """Register every table folder under `lake` as an external Parquet table of the same schema and name.

    A folder split into snapshot_date=... folders becomes a table partitioned by snapshot_date.
    Re-registering replaces only the catalog entry (external tables: the files stay).
    """
    registered = []
    for schema in schemas:
        for folder in sorted(p for p in (lake / schema).glob("*") if p.is_dir()):
            registered.append(register_table(spark, schema, folder))
    return registered


def register_table(spark, schema: str, folder: Path) -> str:
    """(Re)register one table folder as the external Parquet table schema.<folder name>."""
    name = f"{schema}.{folder.name}"
    spark.sql(f"create database if not exists {schema}")
    spark.sql(f"drop table if exists {name}")
    # Spark infers the schema and the snapshot_date partitions from the folder layout.
    spark.sql(f"create table {name} using parquet location '{folder.resolve()}'")
    if any(p.name.startswith(f"{PARTITION_COLUMN}=") for p in folder.iterdir()):
        spark.sql(f"msck repair table {name}")
    return name

"""The raw layer as Parquet files that Spark reads as tables.

Each table of the raw and features schemas is one folder under the lake directory,
<lake>/<schema>/<table>/, split into snapshot_date=YYYY-MM-DD folders when the table has that
column (a feed table is one source, so a feed's folders are its source x snapshot-date partitions).
`register_lake` registers every folder as an external Spark table under the same schema and name
(orchestration.spark.dbt_cli does it before each dbt command), so the dbt sources resolve alike on
both engines.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb

from orchestration import settings

# The schemas the dbt sources read (models/staging/*sources.yml).
LAKE_SCHEMAS = ("raw", "features")
PARTITION_COLUMN = "snapshot_date"


def lake_dir(spark_dir: Path | None = None) -> Path:
    """The lake under the Spark engine's directory (default: PARTRISK_SPARK_DIR)."""
    return (settings.spark_dir() if spark_dir is None else spark_dir) / "lake"


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
    if _splits_by_date(conn, schema, table):
        options, target = "format parquet, partition_by (snapshot_date), write_partition_columns false", folder
    else:
        folder.mkdir()
        options, target = "format parquet", folder / "part-0.parquet"
    conn.execute(f'copy (select * from "{schema}"."{table}") to \'{target}\' ({options})')
    return folder


def _splits_by_date(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether the table's folder is split by snapshot_date: it has the column, rows, and no null date.

    An empty table has no partition folder to carry the column's type, and a null date would become a
    `snapshot_date=NULL` folder that Spark reads as text: one plain file for either.
    """
    if PARTITION_COLUMN not in _columns(conn, schema, table):
        return False
    rows, undated = conn.execute(
        f'select count(*), count(*) - count({PARTITION_COLUMN}) from "{schema}"."{table}"').fetchall()[0]
    return rows > 0 and undated == 0


def _partition_folders(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.is_dir() and p.name.startswith(f"{PARTITION_COLUMN}=")] \
        if folder.exists() else []


def drop_dates(folder: Path, first: date, last: date) -> None:
    """Remove the snapshot_date=first..last folders under `folder`: a rewritten date keeps no old file."""
    for partition in _partition_folders(folder):
        if first <= date.fromisoformat(partition.name.split("=", 1)[1]) <= last:
            shutil.rmtree(partition)


def write_dates(conn: duckdb.DuckDBPyConnection, query: str, folder: Path, first: date, last: date) -> None:
    """Replace the snapshot_date=first..last folders under `folder` with the rows of `query` in that range."""
    drop_dates(folder, first, last)
    # A plain file is what an empty table left (write_table); partition folders now carry the type.
    (folder / "part-0.parquet").unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    conn.execute(
        f"copy (select * from ({query}) where {PARTITION_COLUMN} between date '{first}' and date '{last}') "
        f"to '{folder}' (format parquet, partition_by ({PARTITION_COLUMN}), write_partition_columns false, append)")


def write_arrow_dates(table, folder: Path, first: date, last: date) -> None:
    """Replace the snapshot dates first..last of a lake folder with the Arrow `table`, split by snapshot_date.

    A folder that would hold no file at all gets one empty file, so Spark can still read its columns.
    """
    with duckdb.connect() as conn:
        conn.register("batch", table)
        if table.num_rows or _partition_folders(folder):
            write_dates(conn, "select * from batch", folder, first, last)
        else:
            folder.mkdir(parents=True, exist_ok=True)
            conn.execute(f"copy batch to '{folder / 'part-0.parquet'}' (format parquet)")


def read_dates(folder: Path, first: date, last: date):
    """The rows of a lake folder split by snapshot_date for first..last, as Polars (None when it has no dates)."""
    if not _partition_folders(folder):
        return None
    with duckdb.connect() as conn:
        return conn.sql(
            f"select * from read_parquet('{folder}/{PARTITION_COLUMN}=*/*.parquet', hive_partitioning = true) "
            f"where {PARTITION_COLUMN} between date '{first}' and date '{last}'").pl()


def spark_table_folders(spark_dir: Path, schema: str) -> dict[str, Path]:
    """Every table of `schema` on the Spark engine that has Parquet files, and its folder: dbt's tables under
    warehouse/<schema>.db/, and the lake's (the raw layer, the features, the allocation, the backtest)."""
    folders = {p.name: p for p in sorted((spark_dir / "warehouse" / f"{schema}.db").glob("*")) if p.is_dir()}
    folders.update({p.name: p for p in sorted((lake_dir(spark_dir) / schema).glob("*")) if p.is_dir()})
    return {name: folder for name, folder in folders.items() if any(folder.rglob("*.parquet"))}


def mirror_views(conn: duckdb.DuckDBPyConnection, spark_dir: Path, schemas: tuple[str, ...]) -> list[str]:
    """Views in the DuckDB file over the Spark engine's tables of `schemas`, for the Python steps that read
    them with DuckDB (the gates, the backtest). A name the DuckDB file holds as a table is left alone."""
    mirrored = []
    for schema in schemas:
        conn.execute(f'create schema if not exists "{schema}"')
        tables = set(_tables(conn, schema))
        for table, folder in spark_table_folders(spark_dir, schema).items():
            if table in tables:
                continue
            conn.execute(f'create or replace view "{schema}"."{table}" as select * from '
                         f"read_parquet('{folder}/**/*.parquet', hive_partitioning = true, union_by_name = true)")
            mirrored.append(f"{schema}.{table}")
    return mirrored


def land_table(conn: duckdb.DuckDBPyConnection, schema: str, table: str, lake: Path,
               dates: tuple[date, date] | None = None) -> Path:
    """Bring one DuckDB table's lake folder up to date: only the snapshot dates `dates` of a table already
    split by snapshot_date in the lake, else the whole table."""
    folder = lake / schema / table
    if dates is None or not _partition_folders(folder) or not _splits_by_date(conn, schema, table):
        return write_table(conn, schema, table, lake)
    write_dates(conn, f'select * from "{schema}"."{table}"', folder, *dates)
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
    return [register_table(spark, schema, folder)
            for schema in schemas for folder in sorted(p for p in (lake / schema).glob("*") if p.is_dir())]


def register_table(spark, schema: str, folder: Path) -> str:
    """(Re)register one table folder as the external Parquet table schema.<folder name>."""
    name = f"{schema}.{folder.name}"
    spark.sql(f"create database if not exists {schema}")
    spark.sql(f"drop table if exists {name}")
    # Spark infers the schema and the snapshot_date partitions from the folder layout.
    spark.sql(f"create table {name} using parquet location '{folder.resolve()}'")
    if _partition_folders(folder):
        spark.sql(f"msck repair table {name}")
    return name

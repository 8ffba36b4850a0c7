"""The warehouse on the Spark engine: raw layer as Parquet, dbt on dbt-spark, a DuckDB file of views for BI.

One process, one SparkSession (orchestration.spark.session): dbt runs in-process (dbtRunner), and
dbt-spark's session mode picks up the running session (SparkSession.builder.getOrCreate), so the
Derby metastore is opened once. The order is the DuckDB refresh's:
raw tables → Parquet lake → dbt up to the buffer candidates → the budget allocation (Polars) → the rest.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import duckdb

from orchestration.serving import (
    REFRESH_LOG,
    REFRESH_LOG_COLUMNS,
    STORAGE_VERSION,
    RefreshRecord,
    ensure_refresh_log,
    record_refresh,
)
from orchestration.settings import DBT_PROJECT_DIR
from orchestration.spark.allocation import PLAN_HISTORY, allocate_on_spark
from orchestration.spark.lake import register_lake, write_lake
from orchestration.spark.session import SPARK_DIR_ENV, local_spark_session
from orchestration.warehouse.raw_load import now_utc

# What runs after the allocation step: everything downstream of the table it writes.
AFTER_ALLOCATION = "source:allocation+"
SERVING_SCHEMA = "marts"


class SparkBuildError(RuntimeError):
    pass


def run_dbt(args: list[str], spark_dir: Path) -> None:
    """One dbt command on the spark target, in this process; raises with dbt's failures.

    Its manifest and logs go under `spark_dir`: dbt_project/target is the DuckDB manifest Dagster loads.
    """
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke([*args, "--target", "spark", "--project-dir", str(DBT_PROJECT_DIR),
                                 "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(spark_dir / "dbt_target"),
                                 "--log-path", str(spark_dir / "dbt_logs")])
    if not result.success:
        failed = [f"{r.node.name}: {r.message}" for r in getattr(result.result, "results", []) or []
                  if str(r.status) in ("error", "fail")]
        raise SparkBuildError(f"dbt {' '.join(args)} failed on spark: {failed or result.exception}")


def build_on_spark(raw_warehouse: Path, spark_dir: Path, *, with_tests: bool = True,
                   hive_metastore: bool = True) -> dict[str, int]:
    """Build every model on Spark from the raw and features tables of the DuckDB file `raw_warehouse`.

    Returns the rows written to the lake per table. Without `hive_metastore` the catalog lives in this
    process only (the Parquet files stay): faster, for a build that is read before the process ends.
    """
    spark_dir = spark_dir.resolve()
    lake = spark_dir / "lake"
    written = write_lake(raw_warehouse, lake)
    spark = local_spark_session(spark_dir, hive_metastore=hive_metastore)
    register_lake(spark, lake)
    build = ["build"] if with_tests else ["build", "--exclude-resource-type", "test"]
    # The spark profile reads the same directory (dbt_project/profiles.yml).
    previous = os.environ.get(SPARK_DIR_ENV)
    os.environ[SPARK_DIR_ENV] = str(spark_dir)
    try:
        run_dbt([*build, "--exclude", AFTER_ALLOCATION], spark_dir)
        written[".".join(PLAN_HISTORY)] = allocate_on_spark(spark, lake)
        run_dbt([*build, "--select", AFTER_ALLOCATION], spark_dir)
    finally:
        if previous is None:
            os.environ.pop(SPARK_DIR_ENV, None)
        else:
            os.environ[SPARK_DIR_ENV] = previous
    return written


def table_locations(spark, schema: str = SERVING_SCHEMA) -> dict[str, str]:
    """Every table of `schema` with the folder of its Parquet files."""
    locations = {}
    for table in spark.catalog.listTables(schema):
        if table.tableType == "VIEW":
            continue
        rows = spark.sql(f"describe formatted {schema}.{table.name}").collect()
        location = next(r.data_type for r in rows if r.col_name == "Location")
        locations[table.name] = location.removeprefix("file:")
    return locations


def _create_views(conn: duckdb.DuckDBPyConnection, database: str, locations: dict[str, str],
                  refresh_id: str | None = None) -> list[str]:
    conn.execute(f"create schema {database}.{SERVING_SCHEMA}")
    if refresh_id is not None and not re.fullmatch(r"[0-9A-Za-z_-]+", refresh_id):
        raise ValueError(f"refresh id {refresh_id!r}: expected a Dagster run id")
    # The published copy carries the refresh that published it, as the DuckDB engine's copy does.
    stamp = f", cast('{refresh_id}' as varchar) as refresh_id" if refresh_id else ""
    for table, folder in sorted(locations.items()):
        files = f"{folder}/**/*.parquet" if any(Path(folder).glob("*=*")) else f"{folder}/*.parquet"
        conn.execute(f"create view {database}.{SERVING_SCHEMA}.\"{table}\" as select *{stamp} from "
                     f"read_parquet('{files}', hive_partitioning = true, union_by_name = true)")
    return sorted(locations)


def write_serving_views(locations: dict[str, str], serving_path: Path) -> list[str]:
    """A DuckDB file whose marts.<table> are views over the Parquet marts, for BI tools that read DuckDB."""
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    serving_path.unlink(missing_ok=True)
    with duckdb.connect() as conn:
        # The serving copy's storage version: DuckDB 1.4 LTS clients (most BI tools) can open it.
        conn.execute(f"attach '{serving_path}' as serving (storage_version '{STORAGE_VERSION}')")
        return _create_views(conn, "serving", locations)


def publish_views(conn: duckdb.DuckDBPyConnection, serving_path: Path, locations: dict[str, str],
                  record: RefreshRecord) -> RefreshRecord:
    """The Spark engine's publish: a new file of views over the Parquet marts plus the warehouse's
    refresh_log with this `published` record, swapped in atomically; the record goes to the warehouse too.

    `conn` is the warehouse (it holds refresh_log on both engines).
    """
    if not locations:
        raise SparkBuildError("there is no marts table on Spark to publish: build the marts first")
    serving_path = serving_path.resolve()
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    temp = serving_path.parent / f".{serving_path.name}.tmp-{uuid.uuid4().hex[:12]}"
    alias = f"serving_{temp.name[-12:]}"
    ensure_refresh_log(conn)
    record.tables_published = len(locations)
    record.finished_at = now_utc()
    conn.execute(f"attach '{temp}' as {alias} (storage_version '{STORAGE_VERSION}')")
    try:
        _create_views(conn, alias, locations, record.refresh_id)
        conn.execute(f"create table {alias}.main.{REFRESH_LOG} as select * from main.{REFRESH_LOG} "
                     "where refresh_id <> ?", [record.refresh_id])
        conn.execute(f"insert into {alias}.main.{REFRESH_LOG} values "
                     f"({', '.join('?' for _ in REFRESH_LOG_COLUMNS)})", record.row())
        conn.execute(f"checkpoint {alias}")
    finally:
        conn.execute(f"detach {alias}")
    Path(f"{temp}.wal").unlink(missing_ok=True)
    os.replace(temp, serving_path)
    record_refresh(conn, record)
    return record


def main(argv: list[str] | None = None) -> int:
    """python -m orchestration.spark.dbt_build [--warehouse W] [--spark-dir D] [--serving S] [--no-tests]"""
    import argparse

    from orchestration.settings import warehouse_path
    from orchestration.spark.session import spark_dir as default_spark_dir

    parser = argparse.ArgumentParser(description="Build the dbt models on a local Spark from a refreshed raw layer.")
    parser.add_argument("--warehouse", type=Path, default=warehouse_path(),
                        help="the DuckDB warehouse whose raw and features tables feed the lake")
    parser.add_argument("--spark-dir", type=Path, default=default_spark_dir())
    parser.add_argument("--serving", type=Path, default=None,
                        help="the DuckDB file of views over the Parquet marts (default SPARK_DIR/serving.duckdb)")
    parser.add_argument("--no-tests", action="store_true", help="build the models without the dbt tests")
    args = parser.parse_args(argv)
    if not args.warehouse.exists():
        parser.error(f"no warehouse at {args.warehouse}: run `partrisk refresh` first (it loads the raw layer)")
    written = build_on_spark(args.warehouse, args.spark_dir, with_tests=not args.no_tests)
    spark = local_spark_session(args.spark_dir)
    serving = args.serving or args.spark_dir.resolve() / "serving.duckdb"
    tables = write_serving_views(table_locations(spark), serving)
    print(f"lake: {sum(written.values())} rows in {len(written)} tables; marts on Spark: {len(tables)}; "
          f"views for BI: {serving}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

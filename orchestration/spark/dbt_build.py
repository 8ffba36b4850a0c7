"""The warehouse on the Spark engine: raw layer as Parquet, dbt on dbt-spark, a DuckDB file of views for BI.

One process, one SparkSession (orchestration.spark.session): dbt runs in-process (dbtRunner), and
dbt-spark's session mode picks up the running session (SparkSession.builder.getOrCreate), so the
Derby metastore is opened once. The order is the DuckDB refresh's:
raw tables → Parquet lake → dbt up to the buffer candidates → the budget allocation (Polars) → the rest.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb

from orchestration.serving import publish
from orchestration.settings import DBT_PROJECT_DIR
from orchestration.spark.allocation import PLAN_HISTORY, allocate_on_spark
from orchestration.spark.lake import lake_dir, register_lake, spark_table_folders, write_lake
from orchestration.spark.session import SPARK_DIR_ENV, local_spark_session

# What runs after the allocation step: everything downstream of the table it writes.
AFTER_ALLOCATION = "source:allocation+"


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
    lake = lake_dir(spark_dir)
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
    serving = args.serving or args.spark_dir.resolve() / "serving.duckdb"
    # This build is no refresh of the warehouse: its refresh_log row goes to the serving file only.
    with duckdb.connect() as log:
        published = publish(log, serving, f"spark-build-{uuid.uuid4().hex[:12]}",
                            parquet_marts=spark_table_folders(args.spark_dir.resolve(), "marts"))
    print(f"lake: {sum(written.values())} rows in {len(written)} tables; marts on Spark: {len(published.tables)}; "
          f"views for BI: {serving}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Replay the backtest over a warehouse built on Spark and compare it with the DuckDB build's backtest marts.

    python -m orchestration.spark.dbt_build --warehouse W --spark-dir D --no-tests
    python -m bench.spark_demo_backtest W D LANDING SCRATCH.duckdb

The stand-alone Spark build makes the 13 dbt marts; the backtest is Python over them (as in the Dagster refresh
on Spark, which reads the Spark tables through DuckDB views). SCRATCH is a copy of W with every dbt schema
dropped and replaced by views over D: only the raw and features tables of W stay. The whole history is
replayed there and its four marts compared with W's (1e-9 relative). Exit code 1 when one differs.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb

from orchestration.backtest.run import CAPITAL, DAILY, ORDERS, SUMMARY, stored_backtest
from orchestration.spark.lake import mirror_views
from orchestration.spark.parity import compare_builds, read_schema

CHECK_SCHEMA = "backtest_on_spark"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    warehouse, spark_dir, landing, scratch = (Path(a) for a in args)
    shutil.copyfile(warehouse, scratch)
    tables = [name.split(".")[1] for name in (DAILY, ORDERS, CAPITAL, SUMMARY)]
    with duckdb.connect(str(scratch)) as conn:
        for schema in ("staging", "intermediate", "marts"):
            conn.execute(f"drop schema if exists {schema} cascade")
        mirrored = mirror_views(conn, spark_dir, ("staging", "marts"))
        first, last = conn.execute("select min(snapshot_date), max(snapshot_date) from staging.stg_feeds__offers").fetchall()[0]
        stored_backtest(conn, landing, first, last)
        conn.execute(f"create schema {CHECK_SCHEMA}")
        for table in tables:
            conn.execute(f"create table {CHECK_SCHEMA}.{table} as select * from marts.{table}")
    print(f"replayed {first}..{last} over {len(mirrored)} views of the Spark build")
    expected = {name: df for name, df in read_schema(warehouse, "marts").items() if name in tables}
    problems = compare_builds(expected, read_schema(scratch, CHECK_SCHEMA), 1e-9)
    for name in tables:
        print(f"{name}: {problems.get(name, f'equal ({expected[name].height} rows)')}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

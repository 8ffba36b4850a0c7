"""The dbt executable of the Spark engine (`partrisk-dbt-spark`): the lake registered, then dbt, in one process.

Dagster's DbtCliResource runs it in place of `dbt` when PARTRISK_ENGINE=spark. It starts the project's
SparkSession, registers the Parquet tables the raw and features steps wrote (orchestration.spark.lake),
then runs dbt in-process; dbt-spark's session mode picks up that session. The process ends with the
command, which releases the embedded Derby metastore for the next step.
"""

from __future__ import annotations

import sys

from orchestration.spark.lake import lake_dir, register_lake
from orchestration.spark.session import local_spark_session


def main(argv: list[str] | None = None) -> int:
    from dbt.cli.main import dbtRunner

    args = sys.argv[1:] if argv is None else argv
    spark = local_spark_session()
    register_lake(spark, lake_dir())
    result = dbtRunner().invoke(args)
    # dbt's own exit codes: 1 when a node failed, 2 when dbt itself did not run.
    if result.exception is not None:
        return 2
    return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main())

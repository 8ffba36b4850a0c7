"""A local SparkSession configured for this project: no network, no UI, state under one directory.

Plain function, no Dagster: the dbt-spark session target, the feature runner, the tests and the bench
all start Spark through `local_spark_session`, so one machine runs one consistent configuration.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.settings import SPARK_DIR_ENV, spark_dir

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["SPARK_DIR_ENV", "local_spark_session", "spark_dir"]
DEFAULT_MASTER = "local[2]"
DEFAULT_APP_NAME = "partrisk"
DEFAULT_DRIVER_MEMORY = "2g"
# Local mode has two cores: Spark's default of 200 shuffle partitions would be 200 tiny tasks per stage.
DEFAULT_SHUFFLE_PARTITIONS = 4


_QUIET_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
# Hive's metastore logs "database already exists" at ERROR for every `create database if not exists`.
logger.hms.name = org.apache.hadoop.hive.metastore.RetryingHMSHandler
logger.hms.level = fatal
"""


def local_spark_session(
    base_dir: Path | str | None = None,
    *,
    master: str = DEFAULT_MASTER,
    app_name: str = DEFAULT_APP_NAME,
    driver_memory: str = DEFAULT_DRIVER_MEMORY,
    shuffle_partitions: int = DEFAULT_SHUFFLE_PARTITIONS,
    hive_metastore: bool = True,
    extra_conf: dict[str, str] | None = None,
) -> SparkSession:
    """Get (or create) the process's SparkSession with tables under `base_dir` (default `spark_dir()`).

    `base_dir/warehouse` holds managed tables, `base_dir/metastore_db` the Derby metastore (so tables
    survive the session when `hive_metastore`), `base_dir/tmp` the JVM's scratch files. Driver memory
    only takes effect when this call starts the JVM; an already running session is returned as is.
    """
    from pyspark.sql import SparkSession

    base = Path(base_dir).resolve() if base_dir is not None else spark_dir()
    warehouse, metastore, scratch = base / "warehouse", base / "metastore_db", base / "tmp"
    for folder in (warehouse, scratch):
        folder.mkdir(parents=True, exist_ok=True)
    # Python workers must run this interpreter (the project's venv), never whatever `python3` is first on PATH.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    log_config = base / "log4j2.properties"
    log_config.write_text(_QUIET_LOG4J)
    # derby.log and Derby's own files go under base, not the current directory; only errors are logged.
    java_options = (
        f"-Dderby.system.home={base} -Djava.io.tmpdir={scratch} -Dlog4j2.configurationFile=file:{log_config}"
    )
    conf = {
        "spark.master": master,
        "spark.app.name": app_name,
        "spark.driver.memory": driver_memory,
        "spark.driver.extraJavaOptions": java_options,
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.sql.warehouse.dir": str(warehouse),
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
        "spark.default.parallelism": str(shuffle_partitions),
        "spark.sql.session.timeZone": "UTC",
        # The buffer models' long CTE chains kept the optimizer busy for minutes inferring constraints.
        "spark.sql.constraintPropagation.enabled": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
        # A fresh Python worker per task: one partition's Polars memory goes back to the OS when its task ends.
        "spark.python.worker.reuse": "false",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # Nothing is fetched at runtime: Hive classes come from the pyspark wheel, no Maven/Ivy packages.
        "spark.sql.hive.metastore.jars": "builtin",
        "spark.jars.packages": "",
        "spark.sql.catalogImplementation": "hive" if hive_metastore else "in-memory",
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={metastore};create=true",
        **(extra_conf or {}),
    }
    builder = SparkSession.builder
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session

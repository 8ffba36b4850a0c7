"""Dagster resources: where the landing tree and the warehouse are, and the dbt CLI."""


import importlib.metadata
import importlib.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from orchestration import settings
from orchestration.errors import SettingError
from orchestration.warehouse.connection import warehouse

# Every asset and check that opens the warehouse file runs in this pool (limit 1 in dagster.yaml).
DUCKDB_POOL = "duckdb"

dbt_project = DbtProject(project_dir=settings.DBT_PROJECT_DIR, profiles_dir=settings.DBT_PROJECT_DIR)


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file (PARTRISK_WAREHOUSE) and the landing tree (PARTRISK_LANDING)."""

    warehouse_path: str
    landing_path: str

    @property
    def landing(self) -> Path:
        return Path(self.landing_path)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse(Path(self.warehouse_path), read_only=read_only) as conn:
            yield conn


class PartriskDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt CLI without two per-step probes this project does not need.

    Every `cli()` call otherwise runs `dbt --version` in a subprocess and builds an in-process dbt
    adapter (used only to fetch column metadata, which these assets do not ask for): several seconds
    per dbt step. The installed dbt-core is pinned, so its version is read from the package metadata.
    """

    # Private dagster-dbt methods: tests/test_definitions.py pins the dagster-dbt version they were written for.
    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


# The dbt executable per engine: on Spark, dbt behind the step that registers the Parquet lake first.
DBT_EXECUTABLES = {"duckdb": "dbt", "spark": "partrisk-dbt-spark"}
SPARK_MODULES = ("pyspark", "dbt.adapters.spark")


def check_engine_installed(engine: str) -> None:
    if engine == "spark" and any(_missing(module) for module in SPARK_MODULES):
        raise SettingError(f"{settings.ENGINE_ENV}=spark needs the spark extra (pyspark, dbt-spark): make install-spark")


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:
        return True


def build_resources() -> dict:
    engine = settings.engine()
    check_engine_installed(engine)
    return {
        "warehouse": WarehouseResource(warehouse_path=dg.EnvVar("PARTRISK_WAREHOUSE"),
                                       landing_path=dg.EnvVar("PARTRISK_LANDING")),
        "dbt": PartriskDbtCliResource(project_dir=dbt_project, profiles_dir=str(settings.DBT_PROJECT_DIR),
                                      target=engine,
                                      dbt_executable=str(Path(sys.executable).parent / DBT_EXECUTABLES[engine])),
    }

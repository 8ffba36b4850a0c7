"""Dagster resources: where the landing tree and the warehouse are, and the dbt CLI."""


import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, DbtProject

from orchestration import settings
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


def build_resources() -> dict:
    return {
        "warehouse": WarehouseResource(
            warehouse_path=str(settings.warehouse_path()), landing_path=str(settings.landing_dir())
        ),
        "dbt": DbtCliResource(project_dir=dbt_project, profiles_dir=str(settings.DBT_PROJECT_DIR),
                              dbt_executable=str(Path(sys.executable).parent / "dbt")),
    }

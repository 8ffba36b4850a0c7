"""Dagster resources: where the landing tree and the warehouse are, and the dbt CLI."""


import hashlib
import importlib.metadata
import importlib.util
import sys
from collections.abc import Iterator, Sequence
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

    def cli(self, args: Sequence[str], *, context=None, target_path: Path | None = None, **kwargs):
        """A run's dbt steps with the same --vars share one target folder, so only the first one parses.

        dbt re-parses the whole project when the profile (the run's warehouse path) or the --vars differ
        from the state it saved; steps of one run share both, so the later ones reuse its partial_parse.msgpack.
        """
        if target_path is None and context is not None:
            target_path = Path("target") / shared_target_folder(context.run.run_id, args)
        return super().cli(args, context=context, target_path=target_path, **kwargs)


def shared_target_folder(run_id: str, args: Sequence[str]) -> str:
    """The target folder of a run's dbt steps that pass these --vars (none: the steps without)."""
    window = args[args.index("--vars") + 1] if "--vars" in args else ""
    return f"run-{run_id}-{hashlib.sha256(window.encode()).hexdigest()[:8]}"


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

"""The Dagster code location: everything is defined in orchestration/defs."""

from __future__ import annotations

import warnings

import dagster as dg

from orchestration import settings

settings.apply_telemetry_off()
# Single-run backfills are the point of the design; Dagster still labels the parameter beta.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
settings.export_paths()

from orchestration.defs.automation import landing_sensor, nightly_refresh, refresh_job  # noqa: E402
from orchestration.defs.dbt import dbt_blocks  # noqa: E402
from orchestration.defs.features import part_trends_daily  # noqa: E402
from orchestration.defs.raw import raw_assets  # noqa: E402
from orchestration.defs.resources import build_resources  # noqa: E402


def build_definitions() -> dg.Definitions:
    return dg.Definitions(
        assets=[*raw_assets, *dbt_blocks, part_trends_daily],
        jobs=[refresh_job],
        schedules=[nightly_refresh],
        sensors=[landing_sensor],
        resources=build_resources(),
    )


defs = build_definitions()

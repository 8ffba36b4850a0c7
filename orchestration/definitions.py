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
from orchestration.defs.backtest import backtest  # noqa: E402
from orchestration.defs.dbt import dbt_blocks  # noqa: E402
from orchestration.defs.features import part_trends_daily  # noqa: E402

# --- issue 6 (quality gates + serving copy): begin -----------------------------------------------
from orchestration.defs.quality import build_quality_checks  # noqa: E402
from orchestration.defs.raw import raw_assets  # noqa: E402
from orchestration.defs.resources import build_resources  # noqa: E402
from orchestration.defs.serving import build_serving_asset, refresh_log_on_failure  # noqa: E402


def quality_and_serving(assets: list) -> tuple[list, list]:
    """The GX asset checks for the assets defined, and the serving asset downstream of every mart."""
    keys = [key for asset in assets for key in asset.keys]
    marts = sorted((k for k in keys if k.path[0] == "marts"), key=lambda k: k.to_user_string())
    return build_quality_checks(keys), [build_serving_asset(marts)]
# --- issue 6: end ---------------------------------------------------------------------------------


def build_definitions() -> dg.Definitions:
    assets = [*raw_assets, *dbt_blocks, part_trends_daily, backtest]
    checks, serving_assets = quality_and_serving(assets)  # issue 6
    return dg.Definitions(
        assets=[*assets, *serving_assets],
        asset_checks=checks,
        jobs=[refresh_job],
        schedules=[nightly_refresh],
        sensors=[landing_sensor, refresh_log_on_failure],
        resources=build_resources(),
    )


defs = build_definitions()

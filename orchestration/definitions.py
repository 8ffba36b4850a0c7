"""The Dagster code location: everything is defined in orchestration/defs."""

from __future__ import annotations

import warnings

import dagster as dg

from orchestration import settings

settings.apply_telemetry_off()
# Single-run backfills are the point of the design; Dagster still labels the parameter beta.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
settings.export_paths()

from orchestration.defs.automation import (  # noqa: E402
    landing_sensor,
    nightly_refresh,
    refresh_job,
    refresh_log_on_failure,
    serving_freshness_hourly,
    serving_freshness_job,
)
from orchestration.defs.backtest import backtest  # noqa: E402
from orchestration.defs.dbt import dbt_blocks  # noqa: E402
from orchestration.defs.features import part_trends_daily  # noqa: E402
from orchestration.defs.pull import pull_assets  # noqa: E402
from orchestration.defs.quality import build_quality_checks  # noqa: E402
from orchestration.defs.raw import raw_assets  # noqa: E402
from orchestration.defs.report import risk_report  # noqa: E402
from orchestration.defs.resources import build_resources  # noqa: E402
from orchestration.defs.serving import build_serving_asset, serving_fresh  # noqa: E402


def quality_and_serving(assets: list) -> tuple[list, list]:
    """The GX asset checks for the assets defined, and the serving asset downstream of every mart."""
    keys = [key for asset in assets for key in asset.keys]
    marts = sorted((k for k in keys if k.path[0] == "marts"), key=lambda k: k.to_user_string())
    return build_quality_checks(keys), [build_serving_asset(marts)]


def build_definitions() -> dg.Definitions:
    assets = [*pull_assets, *raw_assets, *dbt_blocks, part_trends_daily, backtest]
    checks, serving_assets = quality_and_serving(assets)
    return dg.Definitions(
        assets=[*assets, *serving_assets, risk_report],
        asset_checks=[*checks, serving_fresh],
        jobs=[refresh_job, serving_freshness_job],
        schedules=[nightly_refresh, serving_freshness_hourly],
        sensors=[landing_sensor, refresh_log_on_failure],
        resources=build_resources(),
    )


defs = build_definitions()

"""The planning policy: `plan/policy.yml` in the landing tree, validated, with documented defaults.

Every key is optional; a missing file means all defaults. Planning inputs are the user's data, so a
wrong key or value is an error that names the file and the key, never a silent default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

POLICY_FILE = "plan/policy.yml"
BANDS = ("Low", "Medium", "High", "Critical")


class PolicyError(ValueError):
    """`plan/policy.yml` cannot be used; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PullQuota(_Strict):
    """A provider's documented quota; the pull planner stays inside all three."""

    calls_per_minute: int = Field(gt=0)
    calls_per_day: int = Field(gt=0)
    parts_per_month: int | None = Field(default=None, gt=0)


class PullPolicy(_Strict):
    digikey: PullQuota = PullQuota(calls_per_minute=120, calls_per_day=1000)
    mouser: PullQuota = PullQuota(calls_per_minute=30, calls_per_day=1000)
    nexar: PullQuota = PullQuota(calls_per_minute=60, calls_per_day=1000, parts_per_month=2000)
    # No watched part goes longer than this without a fresh snapshot (round-robin guarantee).
    max_days_between_pulls: int = Field(default=3, ge=1)


class PlanPolicy(_Strict):
    # Capital available for buffers, USD.
    buffer_budget_usd: float = Field(default=25000.0, ge=0)
    # Holding cost per year as a share of the capital tied up (20-30 % is usual).
    holding_rate: float = Field(default=0.25, ge=0, le=1)
    # Weeks of the demand plan that count as "coming".
    planning_horizon_weeks: int = Field(default=13, ge=1, le=104)
    # Cycle service level targeted by the safety stock of each band (0 = no safety stock).
    service_level: dict[Literal["Low", "Medium", "High", "Critical"], float] = Field(
        default_factory=lambda: {"Low": 0.0, "Medium": 0.95, "High": 0.98, "Critical": 0.99})
    # Days from a distributor order to the goods on the line.
    shipping_days: int = Field(default=3, ge=0)
    # Days from buying an alternate to being allowed to build with it.
    alternate_qualification_days: int = Field(default=14, ge=0)
    # Weeks of cover a blanket Just-in-Case policy holds for every part.
    jic_blanket_weeks: float = Field(default=8.0, ge=0)
    pull: PullPolicy = PullPolicy()

    @field_validator("service_level")
    @classmethod
    def _levels_are_probabilities(cls, levels: dict[str, float]) -> dict[str, float]:
        for band, level in levels.items():
            if not 0.0 <= level < 1.0:
                raise ValueError(f"service level of {band} must be in [0, 1), got {level}")
        # A band the user leaves out keeps its default, so a partial table is never a zero.
        return {**{"Low": 0.0, "Medium": 0.95, "High": 0.98, "Critical": 0.99}, **levels}


def load_policy(landing: Path) -> PlanPolicy:
    """The landing tree's policy; defaults where the file or a key is absent."""
    path = Path(landing) / POLICY_FILE
    if not path.exists():
        return PlanPolicy()
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise PolicyError(f"{path}: not valid YAML: {error}") from error
    if document is None:
        return PlanPolicy()
    if not isinstance(document, dict):
        raise PolicyError(f"{path}: expected a mapping of keys, found {type(document).__name__}")
    try:
        return PlanPolicy.model_validate(document)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in issue['loc']) or '(top level)'}: {issue['msg']}"
            for issue in error.errors())
        raise PolicyError(f"{path}: {problems}") from error


def service_level_z(level: float) -> float:
    """The standard-normal quantile of a cycle service level; 0 means no safety stock."""
    from statistics import NormalDist

    return 0.0 if level <= 0.0 else round(NormalDist().inv_cdf(level), 4)


def policy_table(policy: PlanPolicy) -> dict[str, list]:
    """The planning keys as one row of columns (raw.plan_policy), service levels and their z per band."""
    row: dict[str, list] = {
        "buffer_budget_usd": [policy.buffer_budget_usd],
        "holding_rate": [policy.holding_rate],
        "planning_horizon_weeks": [policy.planning_horizon_weeks],
        "shipping_days": [policy.shipping_days],
        "alternate_qualification_days": [policy.alternate_qualification_days],
        "jic_blanket_weeks": [policy.jic_blanket_weeks],
    }
    for band in BANDS:
        row[f"service_level_{band.lower()}"] = [policy.service_level[band]]
        row[f"service_level_z_{band.lower()}"] = [service_level_z(policy.service_level[band])]
    return row

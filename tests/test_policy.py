"""plan/policy.yml: defaults, overrides, and errors that name the file and the key."""

from __future__ import annotations

import pytest

from orchestration.policy import PlanPolicy, PolicyError, load_policy


def _write(tmp_path, text: str):
    (tmp_path / "plan").mkdir(exist_ok=True)
    (tmp_path / "plan" / "policy.yml").write_text(text, encoding="utf-8")
    return tmp_path


def test_missing_file_gives_the_documented_defaults(tmp_path):
    policy = load_policy(tmp_path)
    assert policy == PlanPolicy()
    assert policy.buffer_budget_usd == 25000.0
    assert policy.planning_horizon_weeks == 13
    assert policy.service_level["Critical"] == 0.99


def test_a_partial_file_overrides_only_its_keys(tmp_path):
    policy = load_policy(_write(tmp_path, "buffer_budget_usd: 40000\nservice_level: {High: 0.97}\n"))
    assert policy.buffer_budget_usd == 40000.0
    assert policy.holding_rate == 0.25
    assert policy.service_level == {"Low": 0.0, "Medium": 0.95, "High": 0.97, "Critical": 0.99}


@pytest.mark.parametrize(("text", "named"), [
    ("holding_rate: 3\n", "holding_rate"),
    ("buffer_budget: 100\n", "buffer_budget"),
    ("service_level: {High: 1.5}\n", "service_level"),
    ("pull: {mouser: {calls_per_minute: 0, calls_per_day: 10}}\n", "pull.mouser.calls_per_minute"),
    ("- a\n- b\n", "expected a mapping"),
    ("shipping_days: [\n", "not valid YAML"),
])
def test_a_bad_key_is_named_with_the_file(tmp_path, text, named):
    with pytest.raises(PolicyError) as error:
        load_policy(_write(tmp_path, text))
    assert "policy.yml" in str(error.value)
    assert named in str(error.value)

"""The Dagster code location: graph shape, partitions, pools, schedule and sensor. No run needed."""

from __future__ import annotations

import json
from datetime import date

import dagster as dg
import pytest

from orchestration.defs.dbt import dbt_build_args
from orchestration.defs.partitions import daily_partitions


@pytest.fixture(scope="module")
def defs():
    from orchestration.definitions import defs

    return defs


@pytest.fixture(scope="module")
def graph(defs):
    return defs.resolve_asset_graph()


def keys(graph) -> set[str]:
    return {k.to_user_string() for k in graph.get_all_asset_keys()}


def test_graph_runs_from_raw_feeds_through_staging_features_and_marts(graph):
    names = keys(graph)
    for source in ("digikey", "mouser", "nexar", "tme", "lcsc", "broker"):
        assert f"raw/offers_{source}" in names
    for expected in ("staging/stg_feeds__offers", "staging/stg_feeds__price_breaks", "staging/stg_boms__bom_lines",
                     "intermediate/int_bom_lines__matched", "features/part_trends_daily", "marts/bom_ingest_report"):
        assert expected in names
    offers = dg.AssetKey(["staging", "stg_feeds__offers"])
    assert dg.AssetKey(["raw", "offers_digikey"]) in graph.get(offers).parent_keys
    features = graph.get(dg.AssetKey(["features", "part_trends_daily"]))
    assert offers in features.parent_keys
    # the dbt source `features.part_trends_daily` is the Polars asset itself: lineage is unbroken
    downstream, queue = set(), list(features.child_keys)
    while queue:
        key = queue.pop()
        if key not in downstream:
            downstream.add(key)
            queue.extend(graph.get(key).child_keys)
    assert dg.AssetKey(["marts", "part_risk_history"]) in downstream
    assert dg.AssetKey(["intermediate", "int_part_risk_history"]) in features.child_keys


def test_feed_dated_assets_are_daily_partitioned_single_run(graph):
    for key in ("raw/offers_digikey", "staging/stg_feeds__offers", "features/part_trends_daily"):
        node = graph.get(dg.AssetKey.from_user_string(key))
        assert node.partitions_def == daily_partitions, key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
    assert graph.get(dg.AssetKey(["raw", "products"])).partitions_def is None


def test_every_warehouse_asset_is_in_the_duckdb_pool(defs):
    for assets_def in defs.resolve_asset_graph().assets_defs:
        if assets_def.is_executable:
            pools = {assets_def.get_pool_for_key(k) if hasattr(assets_def, "get_pool_for_key") else None
                     for k in assets_def.keys}
            node_pool = getattr(assets_def.node_def, "pool", None)
            assert node_pool == "duckdb" or pools == {"duckdb"}, assets_def.keys


def test_dbt_tests_are_asset_checks(graph):
    checks = {f"{k.asset_key.to_user_string()}:{k.name}" for k in graph.asset_check_keys}
    assert any(c.startswith("staging/stg_feeds__offers:unique_combination_of_columns") for c in checks)
    assert "raw/offers_digikey:files_parsed" in checks


def test_schedule_and_sensor(defs):
    schedule = defs.resolve_schedule_def("nightly_refresh")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.job_name == "refresh"
    sensor = defs.resolve_sensor_def("landing_sensor")
    assert sensor.job_name == "refresh"


def test_the_nightly_tick_requests_yesterday_and_the_refresh_runs_in_process(defs):
    from datetime import datetime

    schedule = defs.resolve_schedule_def("nightly_refresh")
    with dg.build_schedule_context(scheduled_execution_time=datetime(2026, 1, 1, 2, 0),
                                   repository_def=defs.get_repository_def()) as context:
        [request] = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2025-12-31"
    assert defs.resolve_job_def("refresh").executor_def.name == "in_process"
    freshness = defs.resolve_schedule_def("serving_freshness_hourly")
    assert freshness.job_name == "serving_freshness" and freshness.cron_schedule == "30 * * * *"


def test_dbt_args_pass_the_partition_window():
    assert dbt_build_args() == ["build"]
    args = dbt_build_args({"min_date": "2025-10-01", "max_date": "2025-10-03"})
    assert args[:2] == ["build", "--vars"]
    assert json.loads(args[2]) == {"max_date": "2025-10-03", "min_date": "2025-10-01"}


def test_partition_window_of_a_range_run():
    from orchestration.defs.partitions import partition_dates

    class FakeContext:
        partition_time_window = dg.TimeWindow(
            __import__("datetime").datetime(2025, 10, 1), __import__("datetime").datetime(2025, 10, 4))

    assert partition_dates(FakeContext()) == [date(2025, 10, 1), date(2025, 10, 2), date(2025, 10, 3)]


def test_sensor_requests_new_and_changed_snapshot_folders(tmp_path, monkeypatch):
    """Details (same-content re-sends, late files and their lookback) are in test_reliability_sensor.py."""
    from orchestration.defs.automation import landing_sensor
    from orchestration.defs.partitions import RANGE_END_TAG, RANGE_START_TAG

    day = tmp_path / "feeds" / "mouser" / "2025-10-01"
    day.mkdir(parents=True)
    (day / "a.json").write_text("{}")
    monkeypatch.setenv("PARTRISK_LANDING", str(tmp_path))
    context = dg.build_sensor_context()
    first = list(landing_sensor(context))
    assert [(r.tags[RANGE_START_TAG], r.tags[RANGE_END_TAG]) for r in first] == [("2025-10-01", "2025-10-01")]
    assert list(landing_sensor(context)) == []  # nothing changed
    (tmp_path / "feeds" / "mouser" / "2025-10-02").mkdir()
    (tmp_path / "feeds" / "mouser" / "2025-10-02" / "a.json").write_text("{}")
    requests = list(landing_sensor(context))
    assert [(r.tags[RANGE_START_TAG], r.tags[RANGE_END_TAG]) for r in requests] == [("2025-10-02", "2025-10-02")]


def test_pulls_come_before_the_raw_feeds_and_after_the_watchlist(defs, graph):
    watchlist = dg.AssetKey(["intermediate", "int_pull_watchlist"])
    for source in ("digikey", "mouser", "nexar"):
        pull = graph.get(dg.AssetKey(["landing", f"pull_{source}"]))
        assert pull.partitions_def == daily_partitions and pull.backfill_policy == dg.BackfillPolicy.single_run()
        assert watchlist in pull.parent_keys
        assert pull.key in graph.get(dg.AssetKey(["raw", f"offers_{source}"])).parent_keys
    # The nightly job selects the pulls, so a scheduled night pulls first, then refreshes.
    refresh = defs.resolve_job_def("refresh")
    assert dg.AssetKey(["landing", "pull_mouser"]) in refresh.asset_layer.selected_asset_keys
    # The watchlist reads the BOMs as written, never the feeds: it can run before the first pull.
    upstream, frontier = set(), [watchlist]
    while frontier:
        for parent in graph.get(frontier.pop()).parent_keys:
            if parent not in upstream:
                upstream.add(parent)
                frontier.append(parent)
    names = {k.to_user_string() for k in upstream}
    assert "raw/bom_lines" in names and not any(name.startswith("raw/offers_") for name in names)


def test_a_pull_partition_that_is_not_tonight_or_has_no_keys_is_skipped():
    from orchestration.defs.pull import skip_reason

    today = date(2026, 3, 10)
    keys = {"MOUSER_API_KEY": "k"}
    assert skip_reason("mouser", today, today, keys) is None
    assert skip_reason("mouser", date(2026, 3, 9), today, keys) is None
    assert "not tonight's" in skip_reason("mouser", date(2025, 12, 31), today, keys)
    assert skip_reason("mouser", today, today, {}) == "MOUSER_API_KEY not set in the environment"


def test_dbt_resource_overrides_match_the_pinned_dagster_dbt():
    """PartriskDbtCliResource overrides two private dagster-dbt methods (`dbt --version` in a subprocess and
    an in-process adapter, 1-6 s per dbt step here). On a dagster-dbt upgrade, check that they still exist
    and are still only used by `cli()`, then move the pin."""
    import importlib.metadata
    import inspect

    from dagster_dbt import DbtCliResource

    from orchestration.defs.resources import PartriskDbtCliResource

    assert importlib.metadata.version("dagster-dbt") == "0.29.27"
    cli_source = inspect.getsource(DbtCliResource.cli)
    for name in ("_cli_version", "_initialize_dbt_core_adapter"):
        assert name in cli_source and getattr(PartriskDbtCliResource, name) is not getattr(DbtCliResource, name)


def test_every_dbt_test_is_a_check_of_one_block_that_runs_after_all_its_parents():
    """Every dependency of a dbt test is a ref; the test is a check of exactly one dbt block, and each of its
    parents is built by that block or an earlier one (the blocks run in dbt_blocks order)."""
    from orchestration.defs.dbt import dbt_blocks
    from orchestration.defs.resources import dbt_project

    manifest = json.loads(dbt_project.manifest_path.read_text())
    order = {key: n for n, block in enumerate(dbt_blocks) for key in block.keys}
    checks: dict[str, list[int]] = {}
    for n, block in enumerate(dbt_blocks):
        for spec in block.check_specs:
            checks.setdefault(spec.name, []).append(n)
            for dep in [spec.asset_key, *(d.asset_key for d in spec.additional_deps)]:
                assert order.get(dep, -1) <= n, (spec.name, dep.to_user_string(), "built in a later block")
    tests = {node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "test"}
    assert set(checks) == tests, sorted(tests ^ set(checks))
    assert {name: where for name, where in checks.items() if len(where) != 1} == {}
    two_parents = [node for node in manifest["nodes"].values() if node["resource_type"] == "test"
                   and len(node["depends_on"]["nodes"]) > 1]
    assert len(two_parents) >= 7, "the tests comparing a model with another read both through ref()"


def test_a_runs_dbt_steps_with_the_same_vars_share_one_target_folder():
    from orchestration.defs.resources import shared_target_folder

    window = ["build", "--vars", '{"max_date": "2025-12-31", "min_date": "2025-12-31"}']
    assert shared_target_folder("run1", window) == shared_target_folder("run1", list(window))
    assert shared_target_folder("run1", window) != shared_target_folder("run1", ["build"])
    assert shared_target_folder("run1", window) != shared_target_folder("run2", window)
    assert shared_target_folder("run1", ["build"]).startswith("run-run1-")


@pytest.mark.slow
def test_the_second_dbt_step_in_a_shared_target_folder_does_not_parse_again(tmp_path):
    """A night's warehouse path and window differ from `make manifest`'s, so its first dbt step parses the
    whole project; a later step of the run with the same vars reuses that parse (dbt's partial parsing)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from orchestration import settings

    env = {**os.environ, "PARTRISK_WAREHOUSE": str(tmp_path / "night.duckdb"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    args = [str(Path(sys.executable).parent / "dbt"), "parse", "--profiles-dir", ".", "--target-path",
            str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
            "--vars", '{"max_date": "2025-12-31", "min_date": "2025-12-31"}']
    logs = [subprocess.run(args, cwd=settings.DBT_PROJECT_DIR, env=env, capture_output=True, text=True, check=True,
                           timeout=600).stdout for _ in range(2)]
    assert "Unable to do partial parsing" in logs[0] or "saved manifest not found" in logs[0]
    assert "Unable to do partial parsing" not in logs[1] and "Starting full parse" not in logs[1], logs[1][-2000:]


def test_a_partition_tag_that_is_not_a_date_fails_a_gate_by_name():
    from orchestration.defs.partitions import range_tags, run_snapshot_range

    tags = {"dagster/partition": "2025-13-01"}
    # Recording a failed night reads the tags too, and must not fail itself.
    assert run_snapshot_range(tags) is None
    with pytest.raises(ValueError, match="2025-13-01"):
        run_snapshot_range(tags, strict=True)
    first, last = date(2025, 6, 1), date(2025, 6, 3)
    assert run_snapshot_range(range_tags(first, last), strict=True) == (first, last)
    assert run_snapshot_range({}, strict=True) is None

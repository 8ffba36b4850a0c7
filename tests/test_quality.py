"""The quality gates (orchestration/quality): each suite on small hand-made batches, fast, no Dagster.

One test per rule family: what passes, what fails, with which severity, and what a raw gate moves to
quarantine.rows (rule, location, raw value, load_log counts). The last tests read the session's
built warehouse: every gate ran as an asset check and passed, and the blocking set is as documented.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from orchestration.quality import gates, suites
from orchestration.quality.runner import (
    ValidationOutcome,
    build_quality_report,
    quality_report_path,
    validate_batch,
)
from orchestration.warehouse import raw_load
from orchestration.warehouse.connection import ensure_schemas

REPO = Path(__file__).resolve().parent.parent
DAY = date(2025, 9, 1)


@pytest.fixture(autouse=True)
def quality_dir(tmp_path_factory, monkeypatch):
    # One GX project per session (a file context per directory is cached per process).
    root = tmp_path_factory.getbasetemp() / "quality_gx"
    monkeypatch.setenv("PARTRISK_QUALITY_DIR", str(root))
    return root


@pytest.fixture(scope="session")
def base_landing(tmp_path_factory) -> Path:
    from orchestration.simulate import simulate

    landing = tmp_path_factory.mktemp("quality_landing") / "market"
    simulate(landing, parts=24, distributors=4, days=8, start=DAY, seed=5)
    return landing


def _conn(path: Path) -> duckdb.DuckDBPyConnection:
    return ensure_schemas(duckdb.connect(str(path)))


@pytest.fixture()
def loaded(tmp_path, base_landing):
    """A warehouse with the base landing's mouser and digikey feeds loaded for 8 days."""
    conn = _conn(tmp_path / "w.duckdb")
    dates = [DAY + timedelta(days=n) for n in range(8)]
    for source in ("digikey", "mouser"):
        raw_load.load_feed_partitions(conn, base_landing, f"raw.offers_{source}", [source], dates)
    yield conn, dates
    conn.close()


def _count(conn, sql, params=None) -> int:
    return conn.execute(sql, params or []).fetchall()[0][0]


def test_validate_batch_returns_outcome_with_failing_rows(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"_rowid": [10, 11, 12], "stock": [5, -1, 3]})
    import great_expectations.expectations as gxe

    suite = suites._suite("t.stock", [gxe.ExpectColumnValuesToBeBetween(
        column="stock", min_value=0, meta=suites._meta("error", "no negative stock", "negative_stock"))])
    outcome = validate_batch("test", "stock", frame, suite)
    assert isinstance(outcome, ValidationOutcome)
    assert not outcome.passed and outcome.rows == 3
    assert outcome.statistics["unsuccessful_expectations"] == 1
    [failure] = outcome.failed_expectations
    assert failure.rule == "negative_stock" and failure.row_ids == [11] and failure.unexpected_count == 1
    assert outcome.result_json["success"] is False
    report = build_quality_report()
    assert report == quality_report_path() and report.is_file()
    html = report.read_text(encoding="utf-8")
    assert "test.stock" in html and "no negative stock" in html, "the failed expectation is rendered with its reason"


def test_clean_raw_feed_passes_and_moves_nothing(loaded):
    conn, dates = loaded
    before = _count(conn, "select count(*) from raw.offers_mouser")
    result = gates.gate_raw_feeds(conn, ["raw.offers_mouser"], dates)["raw.offers_mouser"]
    assert result.passed and not result.has_warnings, result.metadata()["failed_expectations"]
    assert result.rows_checked == before and result.rows_quarantined == 0
    assert _count(conn, "select count(*) from raw.offers_mouser") == before


def test_raw_row_rules_move_rows_to_quarantine(loaded):
    """Rows the parsers let through but a raw rule rejects are moved, with rule, location and raw value."""
    conn, dates = loaded
    total = _count(conn, "select count(*) from raw.offers_digikey")
    rows = conn.execute("select rowid, file_path, record_path from raw.offers_digikey order by rowid limit 4").fetchall()
    conn.execute("update raw.offers_digikey set stock = -7, stock_raw = '-7' where rowid = ?", [rows[0][0]])
    conn.execute("update raw.offers_digikey set currency = 'KZT' where rowid = ?", [rows[1][0]])
    conn.execute("update raw.offers_digikey set mpn_raw = '  ' where rowid = ?", [rows[2][0]])
    conn.execute("update raw.offers_digikey set snapshot_date = snapshot_date + 1 where rowid = ?", [rows[3][0]])
    result = gates.gate_raw_feeds(conn, ["raw.offers_digikey"], dates)["raw.offers_digikey"]
    assert result.passed, "row-level failures are quarantined, they do not fail the gate"
    assert result.has_warnings and result.rows_quarantined == 4
    assert result.quarantined_by_rule == {"negative_stock": 1, "unknown_currency": 1, "empty_mpn": 1,
                                          "snapshot_date_mismatch": 1}
    assert _count(conn, "select count(*) from raw.offers_digikey") == total - 4
    quarantined = {r[0]: r for r in conn.execute(
        "select rule, source, file_path, location, raw_value from quarantine.rows").fetchall()}
    assert quarantined["negative_stock"][1:] == ("digikey", rows[0][1], rows[0][2], "-7")
    assert quarantined["unknown_currency"][4] == "KZT"
    assert quarantined["snapshot_date_mismatch"][4] == rows[3][1]  # the file path shows the folder's date
    moved = _count(conn, "select sum(rows_quarantined) from raw.load_log where source = 'digikey'")
    assert moved == 4
    # Idempotent: checking again moves nothing more.
    again = gates.gate_raw_feeds(conn, ["raw.offers_digikey"], dates)["raw.offers_digikey"]
    assert again.rows_quarantined == 0 and again.passed and not again.has_warnings


def test_reloading_the_partition_replaces_gx_quarantine(loaded, base_landing, monkeypatch):
    conn, dates = loaded
    conn.execute("update raw.offers_mouser set stock = -1 where rowid = (select min(rowid) from raw.offers_mouser)")
    assert gates.gate_raw_feeds(conn, ["raw.offers_mouser"], dates)["raw.offers_mouser"].rows_quarantined == 1
    # The files did not change (the row was edited in the warehouse), so only a forced reload re-parses them.
    monkeypatch.setenv("PARTRISK_FORCE_RELOAD", "1")
    raw_load.load_feed_partitions(conn, base_landing, "raw.offers_mouser", ["mouser"], dates)
    assert _count(conn, "select count(*) from quarantine.rows where source = 'mouser'") == 0
    assert gates.gate_raw_feeds(conn, ["raw.offers_mouser"], dates)["raw.offers_mouser"].rows_quarantined == 0


def test_raw_contract_break_is_an_error(loaded):
    conn, dates = loaded
    conn.execute("alter table raw.offers_mouser drop column record_path")
    result = gates.gate_raw_feeds(conn, ["raw.offers_mouser"], dates)["raw.offers_mouser"]
    assert not result.passed
    assert any(f.expectation == "expect_table_columns_to_match_set" for f in result.outcome.errors)


def test_feed_tables_validated_as_one_batch_keep_their_own_results(loaded):
    """One GX run for every feed table; each table keeps its own rows, failures and quarantine, and a table
    that breaks the contract fails alone."""
    conn, dates = loaded
    counts = {t: _count(conn, f"select count(*) from raw.offers_{t}") for t in ("digikey", "mouser")}
    conn.execute("update raw.offers_digikey set stock = -7, stock_raw = '-7' "
                 "where rowid in (select rowid from raw.offers_digikey order by rowid limit 2)")
    conn.execute("update raw.offers_mouser set currency = 'KZT' where rowid = (select min(rowid) from raw.offers_mouser)")
    results = gates.gate_raw_feeds(conn, ["raw.offers_digikey", "raw.offers_mouser", "raw.offers_tme"], dates)
    digikey, mouser, tme = results["raw.offers_digikey"], results["raw.offers_mouser"], results["raw.offers_tme"]
    assert (digikey.rows_checked, mouser.rows_checked) == (counts["digikey"], counts["mouser"])
    assert digikey.quarantined_by_rule == {"negative_stock": 2} and mouser.quarantined_by_rule == {"unknown_currency": 1}
    assert digikey.passed and mouser.passed and digikey.has_warnings and mouser.has_warnings
    [failure] = digikey.outcome.failed_expectations
    assert failure.unexpected_count == 2 and failure.partial_unexpected == [-7, -7]
    assert tme.skipped == "raw.offers_tme does not exist yet"
    assert _count(conn, "select count(*) from quarantine.rows where source = 'digikey'") == 2
    assert _count(conn, "select count(*) from quarantine.rows where source = 'mouser'") == 1

    conn.execute("alter table raw.offers_digikey alter stock type varchar")
    results = gates.gate_raw_feeds(conn, ["raw.offers_digikey", "raw.offers_mouser"], dates)
    assert not results["raw.offers_digikey"].passed
    assert any(f.column == "stock_column_type" for f in results["raw.offers_digikey"].outcome.errors)
    assert results["raw.offers_mouser"].passed and not results["raw.offers_mouser"].has_warnings
    # The volume suite, one batch for both tables: the same rows and verdicts as one table at a time.
    conn.execute("delete from raw.offers_mouser where snapshot_date = ?", [dates[-1]])
    volumes = gates.gate_raw_volumes(conn, ["raw.offers_digikey", "raw.offers_mouser"], dates, threshold=0.5)
    for table, result in volumes.items():
        alone = gates.gate_raw_volumes(conn, [table], dates, threshold=0.5)[table]
        assert result.rows_checked == alone.rows_checked == len(gates.volume_frame(conn, table, dates)) > 0
        assert result.outcome.summary() == alone.outcome.summary() and result.extra == alone.extra
    assert volumes["raw.offers_mouser"].has_warnings and not volumes["raw.offers_digikey"].has_warnings


def test_row_count_shrink_is_a_warning_with_a_configurable_threshold(loaded, monkeypatch):
    conn, dates = loaded
    last = dates[-1]
    keep = _count(conn, "select count(*) from raw.offers_digikey where snapshot_date = ?", [last])
    conn.execute("""delete from raw.offers_digikey where snapshot_date = ? and rowid not in
                    (select rowid from raw.offers_digikey where snapshot_date = ? limit ?)""", [last, last, keep * 4 // 10])
    result = gates.gate_raw_volumes(conn, ["raw.offers_digikey"], dates)["raw.offers_digikey"]
    assert result.passed, "a shrink is never an error"
    assert result.has_warnings and result.outcome.warnings[0].column == "ratio_to_median"
    assert [d.split(":")[0] for d in result.extra["days_shrunk"]] == [f"digikey {last}"]
    monkeypatch.setenv(suites.SHRINK_WARN_ENV, "0.7")  # only a shrink over 70% warns now
    relaxed = gates.gate_raw_volumes(conn, ["raw.offers_digikey"], dates)["raw.offers_digikey"]
    assert not relaxed.has_warnings and relaxed.extra["threshold"] == 0.7
    monkeypatch.setenv(suites.SHRINK_WARN_ENV, "2")
    with pytest.raises(ValueError, match="PARTRISK_ROWCOUNT_SHRINK_WARN"):
        gates.gate_raw_volumes(conn, ["raw.offers_digikey"], dates)["raw.offers_digikey"]


def test_present_state_rows_are_quarantined_by_line(tmp_path):
    from orchestration.warehouse import reference_load

    landing = tmp_path / "landing"
    (landing / "inventory").mkdir(parents=True)
    (landing / "inventory" / "on_hand.csv").write_text(
        'mpn,manufacturer,quantity\nA1,Murata,10\nB2,TDK,-3\n,Murata,4\nC3,TDK,lots\n')
    conn = _conn(tmp_path / "w.duckdb")
    spec = next(s for s in reference_load.REFERENCE_SPECS if s.table == "on_hand")
    reference_load.load_reference(conn, landing, spec)
    reference_load.log_present_state_load(conn, "on_hand", spec.path, 4, None)
    result = gates.gate_present_state(conn, "on_hand")
    assert result.passed and result.rows_quarantined == 3
    rows = conn.execute("select rule, location, raw_value from quarantine.rows order by location").fetchall()
    assert rows == [("negative_stock", "line 3", "-3"), ("empty_mpn", "line 4", None),
                    ("unparsable_stock", "line 5", "lots")]
    assert conn.execute("select mpn from raw.on_hand").fetchall() == [("A1",)]
    assert conn.execute("select rows_loaded, rows_quarantined from raw.load_log where source = 'on_hand'").fetchall() == [(1, 3)]
    # Checking again (no reload) keeps the quarantine; a reload replaces it.
    assert gates.gate_present_state(conn, "on_hand").rows_quarantined == 0
    assert _count(conn, "select count(*) from quarantine.rows") == 3
    (landing / "inventory" / "on_hand.csv").write_text("mpn,manufacturer,quantity\nA1,Murata,10\nB2,TDK,3\n")
    reference_load.load_reference(conn, landing, spec)
    assert gates.gate_present_state(conn, "on_hand").rows_quarantined == 0
    assert _count(conn, "select count(*) from quarantine.rows") == 0


def _staging(conn, rows: list[tuple]) -> None:
    conn.execute("""create or replace table staging.stg_feeds__offers (snapshot_date date, source varchar,
        distributor varchar, sku varchar, mpn varchar, manufacturer varchar, manufacturer_raw varchar,
        manufacturer_is_known boolean, lifecycle_status varchar, stock bigint)""")
    conn.executemany("insert into staging.stg_feeds__offers values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _features(conn, rows: list[dict]) -> None:
    import pandas as pd

    frame = pd.DataFrame(rows)  # noqa: F841 - read by DuckDB's replacement scan
    conn.execute("create or replace table features.part_trends_daily as select * from frame")


def _feature_row(**overrides) -> dict:
    row = {"snapshot_date": DAY, "mpn": "A1", "manufacturer": "Murata", "market_stock": 100,
           "distributors_listing": 3, "distributors_in_stock": 2, "carried_forward_distributors": 0,
           "price_spike_ratio": 1.1, "stock_change_7d_pct": -20.0, "lead_time_days": 42.0,
           "lifecycle_status": "Active"}
    row.update(overrides)
    return row


def test_features_nan_inf_and_bounds_are_errors(tmp_path):
    conn = _conn(tmp_path / "w.duckdb")
    _features(conn, [_feature_row(), _feature_row(mpn="B2")])
    assert gates.gate_features(conn, [DAY]).passed
    _features(conn, [_feature_row(price_spike_ratio=math.inf), _feature_row(mpn="B2"),
                     _feature_row(mpn="C3", stock_change_7d_pct=-130.0, distributors_in_stock=5)])
    # Polars writes NaN as a DOUBLE NaN (pandas would turn it into NULL): set it in SQL.
    conn.execute("update features.part_trends_daily set lead_time_days = 'nan'::double where mpn = 'B2'")
    result = gates.gate_features(conn, [DAY])
    assert not result.passed
    by_column = {f.column: f for f in result.outcome.errors}
    assert sorted(by_column["nonfinite_columns"].partial_unexpected) == ["lead_time_days", "price_spike_ratio"]
    assert "stock_change_7d_pct" in by_column and "distributors_listing" in by_column


def test_features_cover_every_part_listed_that_day(tmp_path):
    conn = _conn(tmp_path / "w.duckdb")
    _staging(conn, [(DAY, "digikey", "DigiKey", "S1", "A1", "Murata", "Murata", True, "Active", 5),
                    (DAY, "mouser", "Mouser", "M1", "B2", None, None, False, "Active", 5)])
    _features(conn, [_feature_row(), _feature_row(mpn="B2", manufacturer=None)])
    assert gates.gate_features_coverage(conn, [DAY]).passed
    _features(conn, [_feature_row()])
    result = gates.gate_features_coverage(conn, [DAY])
    assert not result.passed and result.outcome.errors[0].expectation == "expect_column_pair_values_to_be_equal"


def test_gates_skip_tables_not_built_yet(tmp_path):
    conn = _conn(tmp_path / "w.duckdb")
    for result in (gates.gate_raw_feeds(conn, ["raw.offers_tme"], [DAY])["raw.offers_tme"],
                   gates.gate_features(conn, [DAY]), gates.gate_features_coverage(conn, [DAY]),
                   gates.gate_present_state(conn, "on_hand")):
        assert result.passed and result.skipped


def test_blocking_set_matches_the_definitions_and_the_docs():
    from orchestration.definitions import defs
    from orchestration.defs import quality

    graph = defs.resolve_asset_graph()
    specs = [graph.get_check_spec(key) for key in graph.asset_check_keys]
    gx = [s for s in specs if s.name.startswith("gx_")]
    blocking = {f"{s.asset_key.to_user_string()}:{s.name}" for s in gx if s.blocking}
    assert {"features/part_trends_daily:gx_features_suite", "features/part_trends_daily:gx_features_cover_listed_parts",
            "raw/offers_digikey:gx_raw_suite", "raw/bom_lines:gx_raw_suite"} <= blocking
    assert not any(k.endswith(quality.VOLUME_CHECK) for k in blocking)
    # GX guards what arrives from outside; staging and the marts are guarded by their dbt tests alone.
    assert {s.asset_key.path[0] for s in gx} == {"raw", "features"}
    dbt_blocking = {f"{s.asset_key.to_user_string()}:{s.name}" for s in specs if s.blocking and not s.name.startswith("gx_")}
    for expected in ("marts/buffer_plan:capital_within_budget", "marts/bom_lines:counts_per_key_match",
                     "marts/part_risk:accepted_values_part_risk_lifecycle_status", "staging/stg_feeds__offers:not_null"):
        assert any(k.startswith(expected) for k in dbt_blocking), expected
    assert not any(k.startswith("staging/stg_feeds__price_breaks:does_not_rise_with") for k in dbt_blocking)
    docs = (REPO / "docs" / "quality_and_bi.md").read_text()
    for (_pattern, check) in quality.BLOCKING_REASONS:
        assert check in docs


def test_one_check_step_per_stage():
    """The night runs the GX gates as three steps (raw feeds, raw present state, features), not one per table."""
    from orchestration.definitions import defs

    job = defs.resolve_job_def("refresh")
    steps = [node.name for node in job.nodes_in_topological_order]
    assert sorted(s for s in steps if s.startswith("gx_")) == ["gx_features", "gx_raw_feeds", "gx_raw_present_state"]
    assert steps.index("gx_raw_feeds") < steps.index("dbt_daily_staging")
    assert steps.index("gx_features") < steps.index("dbt_risk_history")


def test_dbt_tests_stop_what_the_models_must_not_hold(built_warehouse, tmp_path):
    """A copy of the built warehouse broken in each way the model tests guard: each named test fails."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    warehouse = tmp_path / "partrisk.duckdb"
    shutil.copy(built_warehouse.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as db:
        day = db.execute("select max(snapshot_date) from staging.stg_feeds__offers").fetchall()[0][0]
        product = db.execute("select min(product) from marts.bom_lines").fetchall()[0][0]
        db.execute("update marts.part_risk set lifecycle_status = 'Zombie', risk_band_rank = 9 "
                   "where mpn = (select min(mpn) from marts.part_risk)")
        db.execute("update marts.buffer_plan set is_funded = true, funded_capital_usd = budget_usd + 1 "
                   "where mpn = (select min(mpn) from marts.buffer_plan)")
        db.execute("delete from marts.bom_lines where product = ? and line_number = "
                   "(select min(line_number) from marts.bom_lines where product = ?)", [product, product])
        db.execute("update staging.stg_feeds__offers set manufacturer_is_known = null "
                   "where snapshot_date = ? and sku = (select min(sku) from staging.stg_feeds__offers "
                   "where snapshot_date = ?)", [day, day])
    env = {**os.environ, "PARTRISK_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    target = tmp_path / "target"
    subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "test", "--profiles-dir", ".", "--target-path", str(target),
         "--log-path", str(tmp_path / "logs"), "--select", "part_risk buffer_plan bom_lines stg_feeds__offers",
         "--vars", json.dumps({"min_date": str(day), "max_date": str(day)})],
        cwd=REPO / "dbt_project", env=env, check=False, capture_output=True, timeout=600)
    results = json.loads((target / "run_results.json").read_text())["results"]
    failed = {r["unique_id"].split(".")[2] for r in results if r["status"] == "fail"}
    for expected in ("accepted_values_part_risk_lifecycle_status", "value_between_part_risk_risk_band_rank",
                     "capital_within_budget_buffer_plan", "counts_per_key_match_bom_lines",
                     "not_null_stg_feeds__offers_manufacturer_is_known"):
        assert any(name.startswith(expected) for name in failed), (expected, sorted(failed))
    assert len(failed) <= 8, sorted(failed)


def test_the_built_warehouse_ran_every_gate(built_warehouse):
    """The session's refresh ran the GX checks as Dagster asset checks; the blocking ones all passed."""
    outcome = built_warehouse.outcome
    assert not [c for c in outcome.failed_checks if ":gx_" in c], outcome.failed_checks
    import dagster as dg

    from orchestration.defs.serving import failed_checks_in_run

    with dg.DagsterInstance.from_config(str(built_warehouse.dagster_home)) as instance:
        records = instance.get_records_for_run(outcome.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        names = {r.event_log_entry.dagster_event.asset_check_evaluation_data.check_name for r in records.records}
        failed = failed_checks_in_run(instance, outcome.run_id)
    assert {"gx_raw_suite", "gx_row_count_vs_7d_median", "gx_features_suite", "gx_features_cover_listed_parts"} <= names
    assert any(name.startswith("capital_within_budget") for name in names)
    assert not [f for f in failed if f[1]], f"blocking checks failed: {failed}"
    assert outcome.publish_status == "published"
    assert outcome.quality_report and Path(outcome.quality_report).is_file()

"""Write-audit-publish: the serving copy, its refresh_log, the Parquet copy, and DuckDB 1.4 readers."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import duckdb
import pytest

from orchestration import serving

DUCKDB_14 = "duckdb==1.4.*"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_warehouse(path: Path, version: int = 1) -> Path:
    with duckdb.connect(str(path)) as conn:
        conn.execute("create schema if not exists marts")
        conn.execute(f"create or replace table marts.part_risk as select range as id, 'v{version}' as version, "
                     "[1, 2] as a_list, current_date as d from range(100)")
        conn.execute(f"create or replace table marts.bom_ingest_report as select 'P{version}' as product, 3 as lines")
        conn.execute("create or replace view marts.not_published as select 1 as x")
        conn.execute("comment on table marts.part_risk is 'One row per part, it''s the latest snapshot.'")
        conn.execute("comment on column marts.part_risk.id is 'The part id.'")
    return path


def test_descriptions_reach_the_serving_copy_and_the_parquet_files(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    target = tmp_path / "serving" / "partrisk.duckdb"
    serving.publish(warehouse, target, "refresh-1")
    with duckdb.connect(str(target), read_only=True) as conn:
        assert conn.execute("select comment from duckdb_tables() where schema_name = 'marts' "
                            "and table_name = 'part_risk'").fetchall() == [("One row per part, it's the latest snapshot.",)]
        columns = dict(conn.execute("select column_name, comment from duckdb_columns() where schema_name = 'marts' "
                                    "and table_name = 'part_risk'").fetchall())
        assert columns["id"] == "The part id."
        assert columns["refresh_id"] == serving.REFRESH_ID_COMMENT
        assert columns["version"] is None  # no description in the warehouse: none invented
        log = dict(conn.execute("select column_name, comment from duckdb_columns() "
                                "where table_name = 'refresh_log'").fetchall())
        assert log["status"] == serving.REFRESH_LOG_COMMENTS["status"]
    kv = dict(duckdb.sql(f"select decode(key), decode(value) from "
                         f"parquet_kv_metadata('{target.parent / 'parquet' / 'part_risk.parquet'}')").fetchall())
    assert kv["description"] == "One row per part, it's the latest snapshot."
    assert kv["description:id"] == "The part id."
    assert kv["description:refresh_id"] == serving.REFRESH_ID_COMMENT


def test_publish_copies_every_mart_with_refresh_id_log_and_parquet(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    target = tmp_path / "serving" / "partrisk.duckdb"
    result = serving.publish(warehouse, target, "refresh-1", failed_inputs=["feeds/x/2025-09-01/a.json: empty file"])
    assert result.tables == {"bom_ingest_report": 1, "part_risk": 100}
    with duckdb.connect(str(target), read_only=True) as conn:
        tables = set(conn.execute("select table_schema, table_name from information_schema.tables").fetchall())
        assert tables == {("marts", "part_risk"), ("marts", "bom_ingest_report"), ("main", "refresh_log")}
        for table in ("part_risk", "bom_ingest_report"):
            assert conn.execute(f"select distinct refresh_id from marts.{table}").fetchall() == [("refresh-1",)]
        log = conn.execute("select refresh_id, status, tables_published, rows_published, failed_inputs_count "
                           "from refresh_log").fetchall()
        assert log == [("refresh-1", "published", 2, 101, 1)]
        [database] = conn.execute("select * from duckdb_databases() where database_name = 'partrisk'").fetchall()
        assert "'storage_version': 'v1.4.0" in str(database)
    parquet = sorted(p.name for p in (target.parent / "parquet").iterdir())
    assert parquet == ["bom_ingest_report.parquet", "part_risk.parquet", "refresh_log.parquet"]
    assert duckdb.sql(f"select count(*), min(refresh_id) from '{target.parent / 'parquet' / 'part_risk.parquet'}'"
                      ).fetchall() == [(100, "refresh-1")]
    assert sorted(p.name for p in target.parent.iterdir()) == ["parquet", "partrisk.duckdb"]  # no temp, no wal
    assert [r["status"] for r in serving.read_refresh_log(warehouse)] == ["published"]


def test_a_reader_keeps_its_version_and_the_next_one_sees_the_new(tmp_path):
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    target = tmp_path / "serving" / "partrisk.duckdb"
    serving.publish(warehouse, target, "refresh-1")
    reader = duckdb.connect(str(target), read_only=True)  # a BI tool holding the file open
    make_warehouse(warehouse, version=2)
    serving.publish(warehouse, target, "refresh-2")  # never waits for the reader's lock
    assert reader.execute("select distinct version, refresh_id from marts.part_risk").fetchall() == [
        ("v1", "refresh-1")]
    reader.close()
    with duckdb.connect(str(target), read_only=True) as fresh:
        assert fresh.execute("select distinct version, refresh_id from marts.part_risk").fetchall() == [
            ("v2", "refresh-2")]
        assert [r[0] for r in fresh.execute("select refresh_id from refresh_log order by refresh_id").fetchall()] == [
            "refresh-1", "refresh-2"]


def test_a_blocked_or_failed_refresh_leaves_the_serving_file_byte_identical(tmp_path, monkeypatch):
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    target = tmp_path / "serving" / "partrisk.duckdb"
    serving.publish(warehouse, target, "refresh-1")
    before = sha(target)
    with duckdb.connect(str(warehouse)) as conn:
        serving.record_refresh(conn, serving.RefreshRecord("refresh-2", "blocked", failed_checks=["marts/x:gx"],
                                                           message="blocking check(s) failed: marts/x:gx"))
    assert sha(target) == before
    # A publish that dies before its swap (here: at the fsync) leaves the file and no temp behind.
    monkeypatch.setattr(serving, "_fsync", lambda path: (_ for _ in ()).throw(OSError("disk full")))
    make_warehouse(warehouse, version=3)
    with pytest.raises(OSError, match="disk full"):
        serving.publish(warehouse, target, "refresh-3")
    assert sha(target) == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["parquet", "partrisk.duckdb"]
    assert not list((target.parent / "parquet").glob(".*"))
    statuses = {r["refresh_id"]: r["status"] for r in serving.read_refresh_log(warehouse)}
    assert statuses == {"refresh-1": "published", "refresh-2": "blocked"}
    with pytest.raises(ValueError, match="not one of"):
        with duckdb.connect(str(warehouse)) as conn:
            serving.record_refresh(conn, serving.RefreshRecord("r", "half-done"))


def _mini_definitions(tmp_path: Path, check_passes: bool):
    """The real serving asset behind one mart with a blocking check, in a throwaway Dagster instance."""
    import dagster as dg

    from orchestration.defs.resources import WarehouseResource
    from orchestration.defs.serving import build_serving_asset

    mart_key = dg.AssetKey(["marts", "part_risk"])

    @dg.asset(key=mart_key)
    def part_risk():
        return None

    @dg.asset_check(asset=mart_key, name="accepted_values_part_risk_risk_band", blocking=True)
    def gate():
        return dg.AssetCheckResult(passed=check_passes, severity=dg.AssetCheckSeverity.ERROR)

    resources = {"warehouse": WarehouseResource(warehouse_path=str(tmp_path / "w.duckdb"),
                                                landing_path=str(tmp_path))}
    return dg.Definitions(assets=[part_risk, build_serving_asset([mart_key])], asset_checks=[gate],
                          resources=resources)


@pytest.mark.parametrize("check_passes", [True, False])
def test_the_serving_asset_publishes_only_after_the_blocking_checks(tmp_path, monkeypatch, check_passes):
    import dagster as dg

    from orchestration.defs.serving import record_unpublished_run

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    warehouse = make_warehouse(tmp_path / "w.duckdb")
    target = tmp_path / "serving" / "partrisk.duckdb"
    monkeypatch.setenv("PARTRISK_SERVING", str(target))
    monkeypatch.setenv("PARTRISK_QUALITY_DIR", str(tmp_path / "quality"))
    serving.publish(warehouse, target, "previous-good")
    before = sha(target)
    defs = _mini_definitions(tmp_path, check_passes)
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=instance,
                                                                                  raise_on_error=False)
        status = record_unpublished_run(instance, result.run_id, warehouse)
    log = {r["refresh_id"]: r for r in serving.read_refresh_log(warehouse)}
    if check_passes:
        assert result.success and status is None
        assert log[result.run_id]["status"] == "published"
        with duckdb.connect(str(target), read_only=True) as conn:
            assert conn.execute("select distinct refresh_id from marts.part_risk").fetchall() == [(result.run_id,)]
    else:
        assert not result.success and status == "blocked"
        assert sha(target) == before, "a blocked refresh never touches the serving copy"
        assert log[result.run_id]["status"] == "blocked"
        assert "marts/part_risk:accepted_values_part_risk_risk_band" in log[result.run_id]["failed_checks"]


@pytest.fixture(scope="session")
def duckdb14_python(tmp_path_factory) -> Path:
    """A separate virtualenv with DuckDB 1.4 LTS (what most BI tools embed), cached between sessions."""
    cache = Path(os.environ.get("PARTRISK_TEST_CACHE", Path.home() / ".cache" / "partrisk-tests"))
    venv = cache / "duck14"
    python = venv / "bin" / "python"
    probe = [str(python), "-c", "import duckdb, sys; sys.exit(0 if duckdb.__version__.startswith('1.4') else 1)"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear",
                        str(venv)], check=True, capture_output=True, timeout=120)
        install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", DUCKDB_14],
                                 capture_output=True, text=True, timeout=300)
    except (subprocess.SubprocessError, OSError) as error:
        pytest.skip(f"could not create a DuckDB 1.4 environment: {error}")
    if install.returncode != 0 or subprocess.run(probe, capture_output=True).returncode != 0:
        pytest.skip(f"could not install {DUCKDB_14} from PyPI: {install.stderr[-500:]}")
    return python


READ_EVERY_TABLE = textwrap.dedent("""
    import json, sys, duckdb
    conn = duckdb.connect(sys.argv[1], read_only=True)
    out = {"version": duckdb.__version__, "tables": {}}
    for (schema, table) in conn.execute("select table_schema, table_name from information_schema.tables order by 2").fetchall():
        rows = conn.execute(f'select * from "{schema}"."{table}"').fetchall()
        ids = conn.execute(f'select distinct refresh_id from "{schema}"."{table}"').fetchall() if table != "refresh_log" else []
        out["tables"][table] = {"rows": len(rows), "refresh_ids": sorted(str(r[0]) for r in ids)}
    print(json.dumps(out))
""")


@pytest.mark.slow
def test_duckdb_14_reads_every_mart_of_the_serving_copy(built_warehouse, duckdb14_python):
    import json

    target = built_warehouse.warehouse.parent / "serving" / "partrisk.duckdb"
    assert target.exists(), "the session refresh published the serving copy"
    done = subprocess.run([str(duckdb14_python), "-c", READ_EVERY_TABLE, str(target)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["version"].startswith("1.4")
    with duckdb.connect(str(built_warehouse.warehouse), read_only=True) as conn:
        marts = {r[0] for r in conn.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'marts' and table_type = 'BASE TABLE'").fetchall()}
    assert marts and set(report["tables"]) == marts | {"refresh_log"}
    # Other session tests refresh the same warehouse again (a night re-run): the copy holds the latest publish.
    from orchestration.serving import read_refresh_log

    run_id = next(r["refresh_id"] for r in read_refresh_log(built_warehouse.warehouse) if r["status"] == "published")
    for table in marts:
        assert report["tables"][table]["refresh_ids"] in ([run_id], []), table
    assert report["tables"]["part_risk"]["rows"] > 0

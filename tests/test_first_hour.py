"""The first hour of a new user, walked as the README tells it.

Every query the docs show runs against a serving copy the pipeline published; every documented error
case of the CLI exits non-zero with one line in words; `partrisk bom check` reads the real BOMs without
writing a byte; the summary is short and says what to do; the pages the project writes ask the network
for nothing; `make help` lists every target.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SMALL_MARKET

REPO = Path(__file__).resolve().parent.parent
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
DEMO_SERVING = REPO / "data" / "serving" / "partrisk.duckdb"
SMALL_MARKET_LAST = SMALL_MARKET["start"] + timedelta(days=SMALL_MARKET["days"] - 1)
SUMMARY_WIDTH = 130  # characters: the summary reads in a terminal without wrapping into a wall


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fenced_blocks(language: str) -> list[tuple[str, str]]:
    """(document, block) for every fenced block of `language` in the README and docs/."""
    blocks = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        blocks += [(doc.name, block) for block in re.findall(rf"```{language}\n(.*?)```", text, re.S)]
    return blocks


def documented_queries() -> list[tuple[str, str]]:
    queries = []
    for doc, block in fenced_blocks("sql"):
        body = "\n".join(line for line in block.splitlines() if not line.strip().startswith("--"))
        queries += [(doc, q.strip()) for q in body.split(";") if q.strip()]
    return queries


@pytest.fixture(scope="module")
def session_serving(built_warehouse) -> Path:
    path = built_warehouse.warehouse.parent / "serving" / "partrisk.duckdb"
    assert path.is_file(), "the session refresh published a serving copy"
    return path


def serving_copies(session_serving: Path, tmp_path: Path) -> list[tuple[Path, Path]]:
    """(serving copy, folder to run from) for the session's copy and the demo's (`make demo`) when built here.

    The docs' paths are relative to the repository (data/serving/...): each copy gets a folder where
    they resolve to it.
    """
    (tmp_path / "data").mkdir(exist_ok=True)
    link = tmp_path / "data" / "serving"
    if not link.exists():
        link.symlink_to(session_serving.parent)
    return [(session_serving, tmp_path)] + ([(DEMO_SERVING, REPO)] if DEMO_SERVING.is_file() else [])


# --- 1. every documented query works on the serving copy -------------------------------------------------

def test_the_docs_show_queries_on_the_marts_schema():
    queries = documented_queries()
    assert len(queries) >= 8, queries
    marts = [q for _doc, q in queries if "from marts." in q]
    assert len(marts) >= 4, "the buyer queries name marts.<table>, which works in warehouse and serving copy"
    unqualified = [q for _doc, q in queries if re.search(r"from (?!marts\.|refresh_log|duckdb_|parquet_)", q)]
    assert unqualified == [], "a mart is always named with its schema"


@pytest.mark.parametrize("doc, query", documented_queries(), ids=lambda v: v if len(v) < 40 else v[:40])
def test_every_documented_query_runs_on_the_serving_copy(session_serving, tmp_path, monkeypatch, doc, query):
    for path, folder in serving_copies(session_serving, tmp_path):
        monkeypatch.chdir(folder)
        with duckdb.connect(str(path), read_only=True) as conn:
            cursor = conn.execute(query)
            assert cursor.description, f"{doc}: {query} returned no columns on {path}"
            cursor.fetchall()


def test_every_documented_query_runs_on_the_warehouse_too(built_warehouse):
    with built_warehouse.connect() as conn:
        for doc, query in documented_queries():
            if "parquet_kv_metadata" in query:
                continue  # reads the published Parquet, not a database
            try:
                conn.execute(query).fetchall()
            except duckdb.Error as error:
                pytest.fail(f"{doc}: {query} fails on the warehouse: {error}")


def test_the_documented_python_snippet_runs(session_serving, tmp_path):
    [(doc, snippet)] = [(d, b) for d, b in fenced_blocks("python") if 'connect("data/serving/partrisk.duckdb"' in b]
    serving_copies(session_serving, tmp_path)
    done = subprocess.run([sys.executable, "-c", snippet + "\nprint(len(df))"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, f"{doc}: {done.stderr}"
    assert int(done.stdout.split()[-1]) >= 0


# --- 2. descriptions reach the serving copy, the Parquet files and SQLAlchemy -------------------------------

def test_every_mart_column_is_described_in_the_serving_copy(session_serving):
    with duckdb.connect(str(session_serving), read_only=True) as conn:
        tables = conn.execute("select table_name, comment from duckdb_tables() where schema_name = 'marts'").fetchall()
        assert tables and all(comment for _table, comment in tables), tables
        bare = conn.execute("select table_name, column_name from duckdb_columns() where schema_name = 'marts' "
                            "and comment is null").fetchall()
    assert bare == [], f"mart columns without a description: {bare}"


def test_parquet_files_carry_the_descriptions(session_serving):
    parquet = session_serving.parent / "parquet" / "buffer_plan.parquet"
    kv = dict(duckdb.sql(f"select decode(key), decode(value) from parquet_kv_metadata('{parquet}')").fetchall())
    columns = [r[0] for r in duckdb.sql(f"describe select * from '{parquet}'").fetchall()]
    assert kv["description"].startswith("One row per part used on a BOM")
    assert all(kv.get(f"description:{column}") for column in columns), set(columns) - set(kv)


BI_VERSIONS = ["duckdb==1.4.4", "duckdb-engine==0.17.0", "sqlalchemy==2.0.44"]
REFLECT = textwrap.dedent("""
    import json, sys
    import sqlalchemy as sa
    engine = sa.create_engine(f"duckdb:///{sys.argv[1]}", connect_args={"read_only": True})
    inspector = sa.inspect(engine)
    columns = inspector.get_columns("buffer_plan", schema="marts")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select count(*) from marts.buffer_plan")).scalar()
    print(json.dumps({"tables": inspector.get_table_names(schema="marts"), "rows": rows,
                      "columns": {c["name"]: c.get("comment") for c in columns}}))
""")


@pytest.fixture(scope="session")
def sqlalchemy_python() -> Path:
    """A virtualenv with the versions docs/bi_tools.md names for Superset (cached between sessions)."""
    cache = Path(os.environ.get("PARTRISK_TEST_CACHE", Path.home() / ".cache" / "partrisk-tests"))
    python = cache / "bi" / "bin" / "python"
    probe = [str(python), "-c", "import duckdb, duckdb_engine, sqlalchemy; "
             "assert (duckdb.__version__, sqlalchemy.__version__) == ('1.4.4', '2.0.44')"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(python.parent.parent)], check=True,
                       capture_output=True, timeout=120)
        install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", *BI_VERSIONS],
                                 capture_output=True, text=True, timeout=600)
    except (subprocess.SubprocessError, OSError) as error:
        pytest.skip(f"could not create the SQLAlchemy environment: {error}")
    if install.returncode != 0 or subprocess.run(probe, capture_output=True).returncode != 0:
        pytest.skip(f"could not install {BI_VERSIONS} from PyPI: {install.stderr[-500:]}")
    return python


@pytest.mark.slow
def test_superset_path_reflects_every_column_with_its_description(session_serving, sqlalchemy_python):
    import json

    done = subprocess.run([str(sqlalchemy_python), "-c", REFLECT, str(session_serving)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    with duckdb.connect(str(session_serving), read_only=True) as conn:
        expected = dict(conn.execute("select column_name, comment from duckdb_columns() where schema_name = 'marts' "
                                     "and table_name = 'buffer_plan'").fetchall())
    assert "buffer_plan" in report["tables"] and report["rows"] >= 1
    assert report["columns"] == expected and all(report["columns"].values())


def documented_superset_config(metadata_db: Path) -> str:
    """docs/bi_tools.md's superset_config.py, with its metadata database moved to `metadata_db`."""
    [config] = [b for _d, b in fenced_blocks("python") if "TALISMAN_CONFIG" in b]
    return re.sub(r'SQLALCHEMY_DATABASE_URI = "[^"]*"', f'SQLALCHEMY_DATABASE_URI = "sqlite:///{metadata_db}"',
                  textwrap.dedent(config))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SUPERSET = Path(os.environ.get("PARTRISK_SUPERSET", "/nonexistent")) / "superset"
# Checked before any fixture, so a machine without Superset skips without building the session warehouse.
needs_superset = pytest.mark.skipif(not SUPERSET.is_file(), reason="no Superset at PARTRISK_SUPERSET (a virtualenv's "
                                    "bin/ folder, installed as docs/bi_tools.md says)")


@pytest.fixture(scope="module")
def superset(tmp_path_factory):
    """docs/bi_tools.md's Superset steps 2-3 on the Superset installed at PARTRISK_SUPERSET (its bin/ folder):
    the config, the metadata database, an admin, the server. Nothing is downloaded."""
    import time

    import httpx

    command = SUPERSET
    home = tmp_path_factory.mktemp("superset")
    (home / "superset_config.py").write_text(documented_superset_config(home / "superset.db"), encoding="utf-8")
    env = {**os.environ, "SUPERSET_CONFIG_PATH": str(home / "superset_config.py"), "FLASK_APP": "superset"}
    for step in (["db", "upgrade"],
                 ["fab", "create-admin", "--username", "admin", "--firstname", "Ada", "--lastname", "Admin",
                  "--email", "admin@example.com", "--password", "test-only"],
                 ["init"]):
        done = subprocess.run([str(command), *step], env=env, cwd=home, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (step, done.stderr[-3000:])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with (home / "server.log").open("w") as log:
        server = subprocess.Popen([str(command), "run", "-h", "127.0.0.1", "-p", str(port), "--with-threads"],
                                  env=env, cwd=home, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, (home / "server.log").read_text()[-3000:]
            time.sleep(1)
        with httpx.Client(base_url=base, timeout=120) as client:
            login = client.post("/api/v1/security/login", json={"username": "admin", "password": "test-only",
                                                                 "provider": "db"})
            client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
            client.headers.update({"X-CSRFToken": client.get("/api/v1/security/csrf_token/").json()["result"],
                                   "Referer": base})
            yield client
    finally:
        server.terminate()
        server.wait(timeout=60)


@pytest.mark.slow
@needs_superset
def test_the_superset_steps_chart_the_buffer_plan_from_the_serving_copy(superset, session_serving):
    """Steps 4-6 through Superset's REST API: read-only connection, the buffer_plan dataset with every
    column's description, and the chart's numbers equal to the documented query's."""
    import json

    extra = json.dumps({"engine_params": {"connect_args": {"read_only": True}}})
    database = {"database_name": "partrisk", "sqlalchemy_uri": f"duckdb:///{session_serving}", "extra": extra}
    assert superset.post("/api/v1/database/test_connection/", json=database).status_code == 200
    created = superset.post("/api/v1/database/", json=database)
    assert created.status_code == 201, created.text[:2000]
    db_id = created.json()["id"]
    assert "partrisk.marts" in superset.get(f"/api/v1/database/{db_id}/schemas/").json()["result"]
    dataset = superset.post("/api/v1/dataset/", json={"database": db_id, "schema": "partrisk.marts",
                                                      "table_name": "buffer_plan"})
    assert dataset.status_code == 201, dataset.text[:2000]
    dataset_id = dataset.json()["id"]
    columns = superset.get(f"/api/v1/dataset/{dataset_id}").json()["result"]["columns"]
    with duckdb.connect(str(session_serving), read_only=True) as conn:
        comments = dict(conn.execute("select column_name, comment from duckdb_columns() where schema_name = 'marts' "
                                     "and table_name = 'buffer_plan'").fetchall())
        [(doc, query)] = [(d, q) for d, q in documented_queries() if "sum(funded_capital_usd)" in q]
        expected = {row[0]: (row[1], row[2]) for row in conn.execute(query).fetchall()}
    assert {c["column_name"]: c["description"] for c in columns} == comments
    metrics = [{"expressionType": "SQL", "sqlExpression": "SUM(capital_usd)", "label": "capital"},
               {"expressionType": "SQL", "sqlExpression": "SUM(funded_capital_usd)", "label": "funded"}]
    chart = superset.post("/api/v1/chart/data", json={
        "datasource": {"id": dataset_id, "type": "table"},
        "queries": [{"columns": ["strategy"], "metrics": metrics, "row_limit": 100}]})
    assert chart.status_code == 200, chart.text[:2000]
    bars = {row["strategy"]: (row["capital"], row["funded"]) for row in chart.json()["result"][0]["data"]}
    assert bars.keys() == expected.keys(), doc
    for strategy, (capital, funded) in expected.items():
        assert bars[strategy] == pytest.approx((capital, funded), abs=0.005), strategy
    policy = superset.get("/login/").headers["content-security-policy"]
    assert "img-src 'self' blob: data:;" in policy and "connect-src 'self';" in policy, policy


# --- 3. the CLI's error cases: one line in words, non-zero exit -------------------------------------------------

def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "orchestration.cli", *args], capture_output=True, text=True,
                          timeout=300, env={**os.environ, **(env or {})}, cwd=cwd or REPO)


@pytest.fixture(scope="module")
def isolated_env(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("cli")
    return {"DAGSTER_HOME": str(root / "dagster_home"), "PARTRISK_WAREHOUSE": str(root / "w.duckdb"),
            "PARTRISK_SERVING": str(root / "serving" / "partrisk.duckdb"), "PARTRISK_QUALITY_DIR": str(root / "q")}


def boms_only_landing(root: Path) -> Path:
    landing = root / "boms_only"
    (landing / "boms").mkdir(parents=True)
    (landing / "boms" / "mine.csv").write_text("Reference,Qty,MPN,Manufacturer\nU1,1,NE555DR,TI\n")
    return landing


def error_cases(tmp: Path) -> list[tuple[list[str], str]]:
    empty = tmp / "empty.duckdb"
    empty.write_bytes(b"")
    return [
        (["summary", "--warehouse", str(tmp / "missing.duckdb")], "no warehouse at"),
        (["summary", "--warehouse", str(empty)], "is not a DuckDB warehouse"),
        (["refresh", "--date", "2025-13-45"], "is not a date in the form YYYY-MM-DD"),
        (["refresh", "--landing", "/nonexistent"], "no such folder: /nonexistent"),
        (["refresh", "--landing", str(boms_only_landing(tmp))], "partrisk bom check FILE"),
        (["simulate", "--out", str(tmp / "sim"), "--start", "2025-02-30"], "is not a date"),
        (["bom", "check", str(tmp / "missing.csv")], "no such file"),
        (["bom", "check", str(REPO / "tests" / "bad_inputs" / "bom_empty.csv"), "--warehouse", str(empty)],
         "empty file"),
    ]


def test_cli_errors_are_one_line_in_words_with_a_non_zero_exit(tmp_path, isolated_env):
    for args, words in error_cases(tmp_path):
        done = run_cli(*args, env=isolated_env)
        assert done.returncode == 2, (args, done.returncode, done.stderr[-2000:])
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr, (args, done.stderr[-2000:])
        assert lines[0].startswith("partrisk: error: ") and words in lines[0], (args, lines)
    assert not Path(isolated_env["PARTRISK_WAREHOUSE"]).exists(), "no error case created a warehouse"


def test_version():
    from importlib.metadata import version

    done = run_cli("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"partrisk {version('partrisk')}"


# --- 4. bom check: the real BOMs, read-only ------------------------------------------------------------------

@pytest.mark.real_fixtures
def test_bom_check_reads_every_real_bom_and_writes_nothing(built_warehouse, real_fixtures_dir):
    from orchestration.boms import load_override, read_bom
    from orchestration.boms.check import check_bom

    boms = sorted(p for p in (real_fixtures_dir / "boms").iterdir() if p.suffix.lower() in {".csv", ".tsv", ".xlsx"})
    assert len(boms) >= 5
    before = sha(built_warehouse.warehouse)
    for path in boms:
        checked = check_bom(path, built_warehouse.warehouse)
        parsed = read_bom(path, override=load_override(path))
        assert [line.line_number for line in checked.lines] == [line.line_number for line in parsed.lines], path
        text = checked.render()
        # header, market, legend, one note per file-level problem, tally
        assert len(text.splitlines()) == len(parsed.lines) + 4 + len(parsed.problems), path
        for line in checked.lines:
            assert line.action(), (path, line)
            assert line.matched or line.match_method in {"no_mpn", "unmatched", "ambiguous"}, (path, line)
    assert sha(built_warehouse.warehouse) == before, "bom check never writes to the warehouse"


@pytest.mark.real_fixtures
def test_bom_check_on_the_command_line(built_warehouse, real_fixtures_dir):
    bom = real_fixtures_dir / "boms" / "OLIMEX_ESP32-POE__ESP32-PoE_Rev_M_BOM.csv"
    done = run_cli("bom", "check", str(bom), "--warehouse", str(built_warehouse.warehouse))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"BOM {bom}") and "lines" in lines[0]
    assert "nothing written" in lines[1] and lines[-1].startswith("lines by band:")
    assert any("| do: add an MPN to the line" in line for line in lines), "a line with no MPN says what to do"


def test_bom_check_matches_a_line_as_the_refresh_did(built_warehouse):
    """The landing tree's own BOM, checked alone, gets the match and band the marts gave it."""
    from orchestration.boms.check import check_bom

    product, = built_warehouse.query("select product from marts.bom_lines group by 1 order by count(*) desc limit 1")[0]
    [bom] = [p for p in (built_warehouse.landing / "boms").iterdir() if p.stem == product and p.suffix != ".yml"]
    checked = {line.line_number: line for line in check_bom(bom, built_warehouse.warehouse).lines}
    marts = built_warehouse.query("select line_number, match_method, mpn, manufacturer, risk_band "
                                  "from marts.bom_lines where product = ?", [product])
    assert len(checked) == len(marts)
    for line_number, method, mpn, maker, band in marts:
        line = checked[line_number]
        assert (line.match_method, line.mpn, line.manufacturer) == (method, mpn, maker), line
        assert line.risk_band == band, line


# --- 5. the summary: short, plain, says what to do ----------------------------------------------------------

def test_summary_is_short_plain_and_says_what_to_do(built_warehouse):
    from orchestration.summary import SECTIONS, render_summary

    text = render_summary(built_warehouse.warehouse)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= SUMMARY_WIDTH, max(lines, key=len)
    for heading in ("What changed on", "What to do today", "What is unfunded", "What could not be read"):
        assert any(line.startswith(heading) for line in lines), heading
    assert "Just-in-Case (JIC)" in text and "Just-in-Time (JIT)" in text, "the strategies are explained in words"
    assert "grade once the suggested alternates are qualified" in text, "actual -> potential is explained"
    switch = built_warehouse.query("select mpn, buy_mpn from marts.buffer_plan where is_funded "
                                   "and buy_mpn <> mpn order by funding_rank limit 1")
    if switch:
        [(mpn, alternate)] = switch
        assert any(mpn in line and f"qualify {alternate}" in line for line in lines), "the alternate to qualify"
    unfunded = built_warehouse.query("select coalesce(sum(capital_usd - funded_capital_usd), 0) from marts.buffer_plan "
                                     "where strategy = 'LAST_TIME_BUY' and capital_usd - funded_capital_usd > 0.005")[0][0]
    if unfunded:
        assert f"last-time buys: ${unfunded:,.0f} unfunded" in text
    assert all(callable(section) for section in SECTIONS)


def test_summary_of_a_missing_warehouse_is_an_error_not_a_line_of_output(tmp_path):
    from orchestration.errors import WarehouseUnreadable
    from orchestration.summary import render_summary

    with pytest.raises(WarehouseUnreadable, match="no warehouse at"):
        render_summary(tmp_path / "missing.duckdb")


# --- 6. Dagster: partitions span the data; the sensor says what it does -------------------------------------

def test_partitions_start_at_the_first_snapshot_of_the_landing_tree(monkeypatch, small_market):
    from orchestration import settings

    monkeypatch.delenv("PARTRISK_PARTITIONS_START", raising=False)
    monkeypatch.setenv("PARTRISK_LANDING", str(small_market))
    assert settings.partition_span()[0] == "2025-09-01"
    monkeypatch.setenv("PARTRISK_PARTITIONS_START", "2025-06-01")
    assert settings.partition_span()[0] == "2025-06-01"


def test_partitions_end_at_the_sample_archive_or_run_through_today(monkeypatch, small_market):
    """The sample ends where its last snapshot does; any other landing tree is live, so it runs through today."""
    from orchestration import settings

    last = SMALL_MARKET_LAST.isoformat()
    monkeypatch.delenv("PARTRISK_PARTITIONS_START", raising=False)
    monkeypatch.delenv("PARTRISK_PARTITIONS_END", raising=False)
    monkeypatch.setenv("PARTRISK_LANDING", str(small_market))
    assert settings.partition_span() == ("2025-09-01", None)
    monkeypatch.setattr(settings, "SAMPLE_LANDING", small_market)
    assert settings.partition_span() == ("2025-09-01", last)
    monkeypatch.setenv("PARTRISK_PARTITIONS_END", "2026-03-31")
    assert settings.partition_span()[1] == "2026-03-31"


@pytest.mark.parametrize(("variable", "value", "words"), [
    ("PARTRISK_PARTITIONS_END", "2025-12-32", "PARTRISK_PARTITIONS_END='2025-12-32' is not a date: expected YYYY-MM-DD"),
    ("PARTRISK_PARTITIONS_START", "June", "PARTRISK_PARTITIONS_START='June' is not a date"),
    ("PARTRISK_PARTITIONS_END", "2025-08-31", "PARTRISK_PARTITIONS_END=2025-08-31 is before the first partition, 2025-09-01"),
])
def test_a_partition_setting_that_cannot_be_used_says_why(monkeypatch, small_market, variable, value, words):
    from orchestration import settings
    from orchestration.errors import SettingError

    monkeypatch.delenv("PARTRISK_PARTITIONS_START", raising=False)
    monkeypatch.setenv("PARTRISK_LANDING", str(small_market))
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingError, match=re.escape(words)):
        settings.partition_span()


def dagster_partition_keys(env: dict) -> list[str]:
    """The partition keys the code location builds, imported fresh as `dagster dev` would."""
    code = ("from orchestration.defs.partitions import daily_partitions as p; "
            "print(' '.join(p.get_partition_keys()))")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PARTRISK_PARTITIONS_")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**clean, **env}, cwd=REPO)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split()


def test_the_demo_partitions_are_the_sample_days_and_no_more():
    sample = REPO / "data" / "sample"
    if not (sample / "feeds").is_dir():
        pytest.skip("no sample landing tree at data/sample (make demo writes it)")
    from orchestration.landing import snapshot_dates

    dates = snapshot_dates(sample.resolve())
    keys = dagster_partition_keys({"PARTRISK_LANDING": str(sample)})
    assert keys == [d.isoformat() for d in dates], (keys[:1], keys[-1:], len(keys))


def test_a_set_end_bounds_the_partitions(small_market):
    keys = dagster_partition_keys({"PARTRISK_LANDING": str(small_market), "PARTRISK_PARTITIONS_END": "2025-10-15"})
    assert (keys[0], keys[-1], len(keys)) == ("2025-09-01", "2025-10-15", 45)


def test_the_nightly_tick_after_the_last_partition_skips_and_says_why(monkeypatch):
    import dagster as dg

    from orchestration.definitions import build_definitions
    from orchestration.defs import partitions

    defs = build_definitions()
    schedule = defs.resolve_schedule_def("nightly_refresh")
    monkeypatch.setattr(partitions, "LAST_PARTITION", date(2025, 12, 31))
    for night, expected in ((datetime(2026, 1, 1, 2), "2025-12-31"), (datetime(2026, 1, 2, 2), None)):
        with dg.build_schedule_context(scheduled_execution_time=night,
                                       repository_def=defs.get_repository_def()) as context:
            result = schedule.evaluate_tick(context)
        assert [r.partition_key for r in result.run_requests or []] == ([expected] if expected else [])
        if expected is None:
            assert "after the last Dagster partition, 2025-12-31" in result.skip_message
            assert "PARTRISK_PARTITIONS_END=2026-01-01" in result.skip_message


def test_the_sensor_skips_a_folder_after_the_last_partition_until_the_end_moves(tmp_path, monkeypatch):

    import dagster as dg

    from orchestration.defs import partitions
    from orchestration.defs.automation import landing_sensor
    from orchestration.defs.partitions import RANGE_END_TAG

    day = tmp_path / "feeds" / "mouser" / "2026-01-01"
    day.mkdir(parents=True)
    (day / "a.json").write_text("{}")
    monkeypatch.setenv("PARTRISK_LANDING", str(tmp_path))
    monkeypatch.setattr(partitions, "LAST_PARTITION", date(2025, 12, 31))
    context = dg.build_sensor_context()
    [skip] = list(landing_sensor(context))
    assert isinstance(skip, dg.SkipReason) and "PARTRISK_PARTITIONS_END=2026-01-01" in skip.skip_message
    monkeypatch.setattr(partitions, "LAST_PARTITION", None)
    [request] = list(landing_sensor(context))
    assert request.tags[RANGE_END_TAG] == "2026-01-01"


def test_refresh_refuses_a_snapshot_after_the_last_partition(small_market, isolated_env):
    done = run_cli("refresh", "--landing", str(small_market),
                   env={**isolated_env, "PARTRISK_PARTITIONS_END": "2025-10-15"})
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.strip() == (f"partrisk: error: snapshot {SMALL_MARKET_LAST} is after the last Dagster "
                                   f"partition, 2025-10-15: set PARTRISK_PARTITIONS_END={SMALL_MARKET_LAST} "
                                   "(or later) and run again")
    bad = run_cli("refresh", "--landing", str(small_market), env={**isolated_env, "PARTRISK_PARTITIONS_END": "soon"})
    assert bad.returncode == 2 and bad.stderr.strip() == (
        "partrisk: error: PARTRISK_PARTITIONS_END='soon' is not a date: expected YYYY-MM-DD"), bad.stderr[-2000:]
    assert not Path(isolated_env["PARTRISK_WAREHOUSE"]).exists()


def test_landing_sensor_has_a_description():
    from orchestration.defs.automation import landing_sensor

    assert landing_sensor.description and "landing tree" in landing_sensor.description


def test_formulas_render_as_plain_unicode():
    """Markdown eats `*` pairs ("z*sqrt(L*sd_d^2" shows as "zsqrt(Lsd_d^2"): formulas use ×, √ and ²."""
    for path in (REPO / "dbt_project" / "models").rglob("*.yml"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"sqrt\(|\^2|\w \* \w", text), path


# --- 7. the pages the project writes ask the network for nothing ---------------------------------------------

def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("chromium is not installed (.ci/run installs it: apt-get install -y chromium)")
    return path


def requests_leaving(page_path: Path, screenshot: Path | None = None) -> tuple[list[str], str]:
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=["--no-sandbox"])
        page = browser.new_page()
        page.on("request", lambda request: outside.append(request.url)
                if not request.url.startswith(("file://", "data:", "about:")) else None)
        page.goto(page_path.as_uri(), wait_until="networkidle")
        text = page.inner_text("body")
        if screenshot:
            page.screenshot(path=str(screenshot), full_page=False)
        browser.close()
    return outside, text


@pytest.mark.slow
def test_the_quality_report_needs_no_network(built_warehouse):
    from orchestration.quality import build_quality_report

    # the session refresh's own quality directory: other tests' refreshes write elsewhere
    report = build_quality_report(built_warehouse.warehouse.parent / "quality")
    outside, text = requests_leaving(report)
    assert outside == [], f"the quality report asked the network for {outside}"
    assert "partrisk quality report" in text and "features.part_trends_daily" in text
    assert not (report.parent / "gx" / "uncommitted" / "data_docs").exists(), "GX's CDN-bound site is not built"


# --- 8. make help ----------------------------------------------------------------------------------------------

def test_make_help_lists_every_target_with_a_line():
    if not shutil.which("make"):
        pytest.skip("make is not installed")
    targets = re.findall(r"^([a-z-]+):", (REPO / "Makefile").read_text(), re.M)
    done = subprocess.run(["make", "--no-print-directory", "help"], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    listed = dict(re.findall(r"^  make ([\w-]+)\s+(.+)$", done.stdout, re.M))
    assert set(targets) == set(listed) and {"docs", "help", "demo", "test"} <= set(listed), done.stdout

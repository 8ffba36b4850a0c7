"""The bad-input corpus (tests/bad_inputs/): each malformed input's exact behaviour, and no good row lost.

Every case places one bad file next to the good files of a small simulated market (2 days) and loads
that kind with the real loader (raw_load.load_feed_partitions, reference_load.load_reference / load_boms,
then the GX raw gate where the rule is GX's). It asserts:
- the behaviour: a `failed` raw.load_log row naming the file with the reason, or a LandingFileError /
  BOM failure naming it, or quarantine.rows with the rule, the location and the raw value;
- that every good file of the same run loaded exactly the rows it loads without the bad file.
The two large inputs (a 200 MB broker CSV, a > 100 MB JSON) are generated here, never committed.
End-to-end runs through `partrisk refresh` are in tests/test_reliability.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.warehouse import raw_load, reference_load
from orchestration.warehouse.connection import ensure_schemas

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
DAY = date(2025, 9, 1)
BROKER = "ampere_broker"


@pytest.fixture(autouse=True)
def quality_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("PARTRISK_QUALITY_DIR", str(tmp_path_factory.getbasetemp() / "quality_gx"))


@pytest.fixture(scope="session")
def base_landing(tmp_path_factory) -> Path:
    from orchestration.simulate import simulate

    landing = tmp_path_factory.mktemp("bad_inputs_base") / "market"
    simulate(landing, parts=24, distributors=4, days=2, start=DAY, seed=5)
    return landing


def _connect(path: Path) -> duckdb.DuckDBPyConnection:
    return ensure_schemas(duckdb.connect(str(path)))


def _table(source: str) -> str:
    return "raw.offers_broker" if source == BROKER else f"raw.offers_{source}"


def _landing(tmp_path: Path, base: Path, source: str) -> Path:
    landing = tmp_path / "landing"
    shutil.copytree(base / "feeds" / source, landing / "feeds" / source)
    return landing


def _load(landing: Path, source: str, db: Path, dates=(DAY,)):
    conn = _connect(db)
    result = raw_load.load_feed_partitions(conn, landing, _table(source), [source], list(dates))
    return conn, result


def _rows_by_file(conn, source: str) -> dict[str, int]:
    return dict(conn.execute(f"select file_path, count(*) from {_table(source)} group by 1").fetchall())


@pytest.fixture(scope="session")
def clean_counts(base_landing, tmp_path_factory) -> dict[str, dict[str, int]]:
    """Rows per good file of each source, loaded without any bad file."""
    counts = {}
    for source in ("digikey", "mouser", "nexar", BROKER):
        root = tmp_path_factory.mktemp(f"clean_{source}")
        conn, result = _load(_landing(root, base_landing, source), source, root / "w.duckdb")
        assert not result.failed_files and not result.quarantined
        counts[source] = _rows_by_file(conn, source)
        conn.close()
    return counts


# (corpus file, source, expected): ("failed", reason) | ("quarantined", rule, location, raw value, rows kept)
FEED_CASES = [
    ("digikey_truncated.json", "digikey", ("failed", "truncated JSON (unexpected end of data)")),
    ("mouser_top_level_list.json", "mouser", ("failed", "unknown shape: top level is a JSON list, expected an object")),
    ("nexar_unknown_shape.json", "nexar", ("failed", "unknown Nexar shape")),
    ("digikey_empty.json", "digikey", ("failed", "empty file")),
    ("mouser_whitespace_only.json", "mouser", ("failed", "empty file (whitespace only)")),
    ("mouser_api_error.json", "mouser", ("failed", "Mouser API errors: Invalid: Invalid unique identifier.")),
    ("nexar_latin1.json", "nexar", ("failed", "not valid UTF-8 at line 1 (byte 0xe9")),
    ("nexar_not_gzip.json.gz", "nexar", ("failed", "cannot decompress gzip file")),
    ("digikey_negative_stock.json", "digikey", ("quarantined", "negative_stock", "$.Products[0]", "-5", None)),
    ("digikey_empty_mpn.json", "digikey", ("quarantined", "empty_mpn", "$.Products[1]", "", None)),
    ("mouser_price_na.json", "mouser",
     ("quarantined", "unparsable_price", "$.SearchResults.Parts[0].PriceBreaks[0]", "N/A", 3)),
    ("mouser_unknown_currency.json", "mouser",
     ("quarantined", "unknown_currency", "$.SearchResults.Parts[1].PriceBreaks[0]", "XYZ", 3)),
    ("broker_utf16.csv", BROKER, ("failed", "columns named in mapping.yml are not in the header")),
    ("broker_latin1.csv", BROKER, ("failed", "not valid utf-8 at line 4 (byte 0xd8")),
    ("broker_missing_mpn_column.csv", BROKER, ("failed", "columns named in mapping.yml are not in the header: ['Part No']")),
    ("broker_empty.csv", BROKER, ("failed", "empty file (0 bytes)")),
    ("broker_gzip_truncated.csv.gz", BROKER, ("failed", "cannot decompress gzip file")),
    ("broker_negative_stock.csv", BROKER, ("quarantined", "negative_stock", "line 3", "-40", 3)),
    ("digikey_stock_overflow.json", "digikey",
     ("quarantined", "unparsable_stock", "$.Products[0]", "100000000000000000000000", None)),
    ("mouser_duplicate_key.json", "mouser", ("quarantined", "duplicate_json_key", "$.SearchResults.Parts[0]",
                                             'AvailabilityInStock: "50579", then "0" (the last is read)', 1)),
]


@pytest.mark.parametrize("name, source, expected", FEED_CASES, ids=[c[0] for c in FEED_CASES])
def test_feed_file_case(tmp_path, base_landing, clean_counts, name, source, expected):
    landing = _landing(tmp_path, base_landing, source)
    bad_path = f"feeds/{source}/{DAY}/bad_{name}"
    shutil.copy(CORPUS / name, landing / bad_path)
    conn, result = _load(landing, source, tmp_path / "w.duckdb")
    log = {r[0]: r[1:] for r in conn.execute(
        "select file_path, status, rows_loaded, rows_quarantined, reason from raw.load_log").fetchall()}
    status, rows_loaded, rows_quarantined, reason = log[bad_path]
    if expected[0] == "failed":
        assert status == "failed" and rows_loaded == 0
        assert expected[1] in reason, reason
        assert [f.file_path for f in result.failed_files] == [bad_path]
        assert not conn.execute(f"select count(*) from {_table(source)} where file_path = ?", [bad_path]).fetchall()[0][0]
    else:
        _, rule, location, raw_value, kept = expected
        assert status == "loaded" and rows_quarantined >= 1
        quarantined = conn.execute("select rule, location, raw_value, snapshot_date from quarantine.rows "
                                   "where file_path = ? order by location", [bad_path]).fetchall()
        assert (rule, location, raw_value, DAY) in quarantined
        if kept is not None:
            assert rows_loaded == kept  # the offer stays when only a price break was bad
    good = {k: v for k, v in _rows_by_file(conn, source).items() if k != bad_path}
    assert good == clean_counts[source], "a good file of the same run lost rows"
    conn.close()


def test_a_stock_in_another_notation_is_quarantined_not_misread(tmp_path, base_landing, clean_counts):
    """"10k", "1e3" and "0x10" are not plain counts: quarantined with their text, never read as 10, 1, 0."""
    landing = _landing(tmp_path, base_landing, "mouser")
    bad = f"feeds/mouser/{DAY}/notation.json"
    shutil.copy(CORPUS / "mouser_stock_notation.json", landing / bad)
    conn, result = _load(landing, "mouser", tmp_path / "w.duckdb")
    assert not result.failed_files
    assert conn.execute("select location, rule, raw_value from quarantine.rows where file_path = ? order by 1",
                        [bad]).fetchall() == [
        ("$.SearchResults.Parts[0]", "unparsable_stock", "10k"), ("$.SearchResults.Parts[1]", "unparsable_stock", "1e3"),
        ("$.SearchResults.Parts[2]", "unparsable_stock", "0x10")]
    assert conn.execute("select stock_raw, stock from raw.offers_mouser where file_path = ? order by record_path",
                        [bad]).fetchall() == [("10k", None), ("1e3", None), ("0x10", None)]
    assert {k: v for k, v in _rows_by_file(conn, "mouser").items() if k != bad} == clean_counts["mouser"]


def _deep_json(depth: int) -> str:
    return '{"SearchResults": {"Parts": ' + "[" * depth + "]" * depth + "}}"


# (source, generated file name, writer, reason): inputs that used to raise out of a parser and fail
# the whole source for every date. Generated here: each is either big or trivially built.
GENERATED_FILE_CASES = [
    ("mouser", "deep.json", lambda path: path.write_text(_deep_json(100_000)),
     "JSON nested too deeply to read (Python's recursion limit)"),
    (BROKER, "wide_field.csv", lambda path: path.write_text(
        "Stock Code,Part No,Mfr,Description,Qty Avail,Date Code,Lead Time,Pkg,MOQ,Qty1,Price1,Qty2,Price2,Qty3,Price3\n"
        f'AMP-9,PMV90UP2R,NEXPERIA,"{"x" * 140_000}",5,2201+,4 weeks,T&R,1,1,0.2,100,0.1,1000,0.05\n'),
     "a CSV field is larger than the csv module's limit"),
    (BROKER, "endless_line.csv", lambda path: path.write_text(
        "Stock Code,Part No,Mfr,Description,Qty Avail,Date Code,Lead Time,Pkg,MOQ,Qty1,Price1,Qty2,Price2,Qty3,Price3\n"
        + "x" * (2 * 1024 * 1024) + "\n"),
     "line 2: longer than 1,048,576 characters (PARTRISK_MAX_CSV_LINE_BYTES)"),
]


@pytest.mark.parametrize("source, name, write, reason", GENERATED_FILE_CASES, ids=[c[1] for c in GENERATED_FILE_CASES])
def test_an_exception_in_a_parser_fails_that_file_alone(tmp_path, base_landing, clean_counts, source, name, write, reason):
    landing = _landing(tmp_path, base_landing, source)
    bad = f"feeds/{source}/{DAY}/{name}"
    write(landing / bad)
    other_day = DAY.replace(day=DAY.day + 1)
    conn, result = _load(landing, source, tmp_path / "w.duckdb", dates=(DAY, other_day))
    [failure] = result.failed_files
    assert failure.file_path == bad and failure.reason.startswith(reason), failure.reason
    assert conn.execute("select status from raw.load_log where file_path = ?", [bad]).fetchall() == [("failed",)]
    loaded_days = {d for (d,) in conn.execute(f"select distinct snapshot_date from {_table(source)}").fetchall()}
    assert loaded_days == {DAY, other_day}, "the other date of the source must still load"
    good = {k: v for k, v in _rows_by_file(conn, source).items() if str(DAY) in k and k != bad}
    assert good == clean_counts[source]


def test_a_gzip_that_expands_past_the_limit_is_refused(tmp_path, base_landing, clean_counts, monkeypatch):
    """The limit is PARTRISK_MAX_CSV_BYTES (1 GB by default; 1 MB here): reading stops there."""
    import gzip

    monkeypatch.setenv("PARTRISK_MAX_CSV_BYTES", str(1024 * 1024))
    landing = _landing(tmp_path, base_landing, BROKER)
    bad = f"feeds/{BROKER}/{DAY}/bomb.csv.gz"
    with gzip.open(landing / bad, "wt") as handle:  # 3 MB of one line, a few KB on disk
        handle.write("Stock Code,Part No\n" + "9" * (3 * 1024 * 1024))
    conn, result = _load(landing, BROKER, tmp_path / "w.duckdb")
    assert [(f.file_path, f.reason) for f in result.failed_files] == [
        (bad, "file too large: decompresses to more than 1 MB (PARTRISK_MAX_CSV_BYTES)")]
    assert {k: v for k, v in _rows_by_file(conn, BROKER).items() if k != bad} == clean_counts[BROKER]


def test_row_rules_never_fail_the_blocking_raw_check(tmp_path, base_landing):
    """An empty file one night, a nulled stock (negative) and a null MOQ the next: the raw gate quarantines
    or keeps the rows and passes; only a broken contract may block."""
    from orchestration.quality import gates

    landing = _landing(tmp_path, base_landing, "digikey")
    other_day = DAY.replace(day=DAY.day + 1)
    (landing / f"feeds/digikey/{DAY}/empty.json").write_bytes(b"")
    shutil.copy(CORPUS / "digikey_negative_stock.json", landing / f"feeds/digikey/{other_day}/negative.json")
    conn, result = _load(landing, "digikey", tmp_path / "w.duckdb", dates=(DAY, other_day))
    assert [f.reason for f in result.failed_files] == ["empty file"]
    conn.execute("update raw.offers_digikey set moq = null where record_path like '$.Products[1]%'")
    nulls = conn.execute("select count(*) filter (stock is null), count(*) filter (moq is null) "
                         "from raw.offers_digikey").fetchall()[0]
    assert nulls[0] >= 1 and nulls[1] >= 1
    gate = gates.gate_raw_feeds(conn, ["raw.offers_digikey"], [DAY, other_day])["raw.offers_digikey"]
    assert gate.passed, gate.outcome.summary()
    conn.execute("alter table raw.offers_digikey alter stock type varchar")  # a broken contract still blocks
    gate = gates.gate_raw_feeds(conn, ["raw.offers_digikey"], [DAY, other_day])["raw.offers_digikey"]
    assert not gate.passed and "stock_column_type" in [f.column for f in gate.outcome.errors]


def test_two_files_that_disagree_on_a_stock_are_flagged(tmp_path, base_landing, clean_counts):
    """One SKU in two files of one folder with two stocks: the first by file name is read, the other is
    flagged in quarantine.rows with both values (nothing is dropped)."""
    landing = _landing(tmp_path, base_landing, "mouser")
    later = f"feeds/mouser/{DAY}/zz_resend.json"
    shutil.copy(CORPUS / "mouser_conflicting_stock.json", landing / later)
    conn, result = _load(landing, "mouser", tmp_path / "w.duckdb")
    assert conn.execute("select file_path, location, rule, raw_value from quarantine.rows").fetchall() == [
        (later, "$.SearchResults.Parts[0]", "conflicting_duplicate",
         f"stock 12 In Stock here, 7,293 In Stock in feeds/mouser/{DAY}/search_en-US_p0001.json "
         "(the first file by name is read)")]
    assert conn.execute("select rows_loaded, rows_quarantined from raw.load_log where file_path = ?",
                        [later]).fetchall() == [(1, 1)]
    assert {k: v for k, v in _rows_by_file(conn, "mouser").items() if k != later} == clean_counts["mouser"]


def test_utf16_json_with_bom_is_read(tmp_path, base_landing, clean_counts):
    landing = _landing(tmp_path, base_landing, "digikey")
    shutil.copy(CORPUS / "digikey_utf16_bom.json", landing / f"feeds/digikey/{DAY}/utf16.json")
    utf8 = json.loads((CORPUS / "digikey_utf16_bom.json").read_bytes().decode("utf-16"))
    conn, result = _load(landing, "digikey", tmp_path / "w.duckdb")
    assert not result.failed_files
    rows = _rows_by_file(conn, "digikey")
    variations = sum(len(p["ProductVariations"]) for p in utf8["Products"])
    assert rows.pop(f"feeds/digikey/{DAY}/utf16.json") == variations
    assert rows == clean_counts["digikey"]


def test_formula_cells_are_kept_as_raw_text(tmp_path, base_landing, clean_counts):
    landing = _landing(tmp_path, base_landing, BROKER)
    path = f"feeds/{BROKER}/{DAY}/formulas.csv"
    shutil.copy(CORPUS / "broker_formulas.csv", landing / path)
    conn, result = _load(landing, BROKER, tmp_path / "w.duckdb")
    assert not result.failed_files and not result.quarantined
    rows = conn.execute("select sku, description from raw.offers_broker where file_path = ? order by sku",
                        [path]).fetchall()
    assert ("=1+2", "MOSFET N-CH 100V 0.3A SOT23") in rows  # "=1+2" is not 3: nothing is evaluated
    assert any(d == '=HYPERLINK("http://example.invalid/x","click")' for _, d in rows)
    assert {k: v for k, v in _rows_by_file(conn, BROKER).items() if k != path} == clean_counts[BROKER]


def test_a_file_sent_twice_in_a_folder_loads_once(tmp_path, base_landing, clean_counts):
    landing = _landing(tmp_path, base_landing, "mouser")
    folder = landing / f"feeds/mouser/{DAY}"
    shutil.copy(folder / "search_en-US_p0001.json", folder / "search_en-US_p0001 (1).json")
    conn, result = _load(landing, "mouser", tmp_path / "w.duckdb")
    statuses = dict(conn.execute("select file_path, status from raw.load_log").fetchall())
    pair = [f"feeds/mouser/{DAY}/search_en-US_p0001 (1).json", f"feeds/mouser/{DAY}/search_en-US_p0001.json"]
    assert sorted(statuses[p] for p in pair) == ["duplicate", "loaded"]
    reason = conn.execute("select reason from raw.load_log where status = 'duplicate'").fetchall()[0][0]
    assert reason.startswith("same bytes as feeds/mouser/") and reason.endswith(": loaded once")
    rows = _rows_by_file(conn, "mouser")
    assert sum(rows.values()) == sum(clean_counts["mouser"].values()) and len(rows) == len(clean_counts["mouser"])


def test_a_day_sent_twice_replaces_itself(tmp_path, base_landing, clean_counts):
    landing = _landing(tmp_path, base_landing, "nexar")
    conn, _ = _load(landing, "nexar", tmp_path / "w.duckdb")
    conn.close()
    conn, _ = _load(landing, "nexar", tmp_path / "w.duckdb")  # the same day delivered and loaded again
    assert _rows_by_file(conn, "nexar") == clean_counts["nexar"]
    assert conn.execute("select count(*) from raw.load_log").fetchall()[0][0] == len(clean_counts["nexar"])


@pytest.mark.parametrize("folder", ["2025-13-45", "latest"])
def test_a_date_folder_that_is_not_a_date(tmp_path, base_landing, clean_counts, folder):
    landing = _landing(tmp_path, base_landing, "digikey")
    shutil.copytree(landing / f"feeds/digikey/{DAY}", landing / f"feeds/digikey/{folder}")
    conn, result = _load(landing, "digikey", tmp_path / "w.duckdb")
    failed = conn.execute("select file_path, reason from raw.load_log where status = 'failed'").fetchall()
    assert failed == [(f"feeds/digikey/{folder}", f"folder name {folder!r} is not a snapshot date (YYYY-MM-DD)")]
    assert _rows_by_file(conn, "digikey") == clean_counts["digikey"]


@pytest.mark.slow
def test_a_json_over_100_mb_is_refused(tmp_path, base_landing, clean_counts):
    landing = _landing(tmp_path, base_landing, "digikey")
    big = landing / f"feeds/digikey/{DAY}/huge.json"
    product = json.dumps(json.loads((CORPUS / "digikey_negative_stock.json").read_text())["Products"][1])
    with big.open("w") as handle:  # a real, valid JSON document of ~101 MB
        handle.write('{"ProductsCount": 0, "Products": [')
        count = (101 * 1024 * 1024) // (len(product) + 1) + 1
        chunk = ",".join([product] * 1000)
        for n in range(0, count, 1000):
            handle.write(("," if n else "") + chunk)
        handle.write("]}")
    assert big.stat().st_size > 100 * 1024 * 1024
    conn, result = _load(landing, "digikey", tmp_path / "w.duckdb")
    [failure] = result.failed_files
    assert failure.file_path == f"feeds/digikey/{DAY}/huge.json"
    assert failure.reason.startswith("file too large: 10") and "over the 100.0 MB limit (PARTRISK_MAX_JSON_BYTES)" in failure.reason
    assert _rows_by_file(conn, "digikey") == clean_counts["digikey"]
    big.unlink()


BIG_CSV_LOADER = textwrap.dedent("""
    import json, resource, sys, time
    from datetime import date
    from pathlib import Path
    import duckdb
    from orchestration.warehouse.raw_load import load_feed_partitions
    conn = duckdb.connect(sys.argv[2])
    for schema in ("raw", "quarantine"):
        conn.execute(f"create schema {schema}")
    started = time.perf_counter()
    result = load_feed_partitions(conn, Path(sys.argv[1]), "raw.offers_broker", ["bigbroker"], [date(2025, 9, 1)])
    rows = conn.execute("select count(*) from raw.offers_broker").fetchall()[0][0]
    print(json.dumps({"rows": rows, "meta": result.metadata(), "seconds": time.perf_counter() - started,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
""")
# A load whose memory does not grow with the file: a few batches of rows, the interpreter and DuckDB.
BIG_CSV_RSS_BOUND_MB = 1024


@pytest.mark.slow
def test_a_200_mb_broker_csv_loads_in_bounded_memory(tmp_path, base_landing):
    landing = tmp_path / "landing"
    folder = landing / "feeds" / "bigbroker" / str(DAY)
    folder.mkdir(parents=True)
    shutil.copy(base_landing / "feeds" / BROKER / "mapping.yml", folder.parent / "mapping.yml")
    header = "Stock Code,Part No,Mfr,Description,Qty Avail,Date Code,Lead Time,Pkg,MOQ,Qty1,Price1,Qty2,Price2,Qty3,Price3\n"
    target, rows = 200 * 1024 * 1024, 0
    with (folder / "big.csv").open("w") as handle:
        handle.write(header)
        size = len(header)
        while size < target:
            block = "".join(
                f"BIG-{rows + k:09d},PMPB{(rows + k) % 50000:05d}EPA,NEXPERIA,MOSFET N-CH 100V 5.8A SOT23 "
                f"in a long broker description,{(rows + k) % 9000},2201+,4 weeks,T&R,1,1,0.1517,100,0.0628,1000,0.0404\n"
                for k in range(10000))
            handle.write(block)
            size += len(block)
            rows += 10000
    done = subprocess.run([sys.executable, "-c", BIG_CSV_LOADER, str(landing), str(tmp_path / "big.duckdb")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"200 MB broker CSV: {report['rows']:,} rows in {report['seconds']:.1f}s, peak RSS {report['peak_rss_mb']:.0f} MB")
    assert report["rows"] == rows and report["meta"]["files_failed"] == 0
    # csv batches -> Parquet spill -> DuckDB insert under a memory limit: memory does not grow with the file.
    assert report["peak_rss_mb"] <= BIG_CSV_RSS_BOUND_MB, report


def test_gx_quarantines_a_currency_the_parser_accepts(tmp_path, base_landing, clean_counts):
    """KZT is ISO 4217, so the parser keeps it; it has no USD rate, so the raw GX gate moves the row."""
    from orchestration.quality import gates

    landing = _landing(tmp_path, base_landing, "mouser")
    bad = f"feeds/mouser/{DAY}/kzt.json"
    shutil.copy(CORPUS / "mouser_currency_without_rate.json", landing / bad)
    conn, result = _load(landing, "mouser", tmp_path / "w.duckdb")
    assert not result.quarantined
    gate = gates.gate_raw_feeds(conn, ["raw.offers_mouser"], [DAY])["raw.offers_mouser"]
    assert gate.passed and gate.quarantined_by_rule == {"unknown_currency": 1}
    assert conn.execute("select rule, location, raw_value from quarantine.rows where file_path = ?", [bad]).fetchall() == [
        ("unknown_currency", "$.SearchResults.Parts[2]", "KZT")]
    assert conn.execute("select rows_loaded, rows_quarantined from raw.load_log where file_path = ?", [bad]).fetchall() == [(2, 1)]
    assert {k: v for k, v in _rows_by_file(conn, "mouser").items() if k != bad} == clean_counts["mouser"]


def _spec(table: str) -> reference_load.ReferenceSpec:
    return next(s for s in reference_load.REFERENCE_SPECS if s.table == table)


# (corpus file, raw table, expected quarantine rows (rule, location, raw value), good rows kept)
PRESENT_STATE_CASES = [
    ("products_price_na.csv", "products", [("unparsable_price", "line 3", "N/A")], 1),
    ("demand_negative_units.csv", "demand", [("negative_quantity", "line 3", "-5"), ("unparsable_date", "line 4", "not-a-date")], 1),
    ("on_hand_negative_stock.csv", "on_hand", [("negative_stock", "line 3", "-300"), ("empty_mpn", "line 4", None)], 1),
    ("manufacturer_sites_out_of_range.csv", "manufacturer_sites",
     [("out_of_range", "line 3", "1.7"), ("unknown_enum", "line 4", "fab")], 1),
    ("fx_rates_unknown_currency.csv", "fx_rates", [("unknown_currency", "line 3", "XYZ"), ("non_positive_price", "line 4", "-1")], 1),
]


@pytest.mark.parametrize("name, table, expected, kept", PRESENT_STATE_CASES, ids=[c[0] for c in PRESENT_STATE_CASES])
def test_present_state_row_case(tmp_path, name, table, expected, kept):
    from orchestration.quality import gates

    spec = _spec(table)
    landing = tmp_path / "landing"
    (landing / spec.path).parent.mkdir(parents=True)
    shutil.copy(CORPUS / name, landing / spec.path)
    conn = _connect(tmp_path / "w.duckdb")
    rows = reference_load.load_reference(conn, landing, spec)
    reference_load.log_present_state_load(conn, table, spec.path, rows, None)
    gate = gates.gate_present_state(conn, table)
    assert gate.passed and gate.rows_quarantined == len(expected)
    got = conn.execute("select rule, location, raw_value from quarantine.rows where file_path = ? order by location",
                       [spec.path]).fetchall()
    assert got == expected
    assert conn.execute(f"select count(*) from raw.{table}").fetchall()[0][0] == kept == rows - len(expected)


@pytest.mark.parametrize("name, table, reason", [
    ("on_hand_missing_quantity_column.csv", "on_hand",
     "inventory/on_hand.csv: missing required column(s) quantity; found mpn, manufacturer, qty_on_hand"),
    ("alternates_empty.csv", "alternates", "reference/alternates.csv: the file is empty"),
])
def test_present_state_file_case(tmp_path, name, table, reason):
    spec = _spec(table)
    landing = tmp_path / "landing"
    (landing / spec.path).parent.mkdir(parents=True)
    shutil.copy(CORPUS / name, landing / spec.path)
    conn = _connect(tmp_path / "w.duckdb")
    with pytest.raises(reference_load.LandingFileError) as error:
        reference_load.load_reference(conn, landing, spec)
    assert str(error.value) == reason


@pytest.fixture(scope="session")
def clean_bom_lines(base_landing, tmp_path_factory) -> dict[str, int]:
    root = tmp_path_factory.mktemp("clean_boms")
    conn = _connect(root / "w.duckdb")
    reports, failures = reference_load.load_boms(conn, base_landing)
    assert not failures
    return dict(conn.execute("select product, count(*) from raw.bom_lines group by 1").fetchall())


@pytest.mark.parametrize("name, expected", [
    ("bom_empty.csv", ("failed", "no rows (empty file)")),
    ("bom_not_really.xlsx", ("failed", "cannot open spreadsheet: File is not a zip file")),
    ("bom_no_mpn_column.csv", ("loaded", 3)),
    ("bom_utf16.csv", ("loaded", 5)),
    ("bom_wrong_dimension.xlsx", ("loaded", 20)),  # its <dimension> tag says A1:D5: every row is read anyway
])
def test_bom_case(tmp_path, base_landing, clean_bom_lines, name, expected):
    from orchestration.quality import gates

    landing = tmp_path / "landing"
    shutil.copytree(base_landing / "boms", landing / "boms")
    product = f"BAD-{Path(name).stem.upper()}"
    shutil.copy(CORPUS / name, landing / "boms" / f"{product}{Path(name).suffix}")
    conn = _connect(tmp_path / "w.duckdb")
    reports, failures = reference_load.load_boms(conn, landing)
    lines = dict(conn.execute("select product, count(*) from raw.bom_lines group by 1").fetchall())
    if expected[0] == "failed":
        [failure] = failures
        assert failure["file_path"] == f"boms/{product}{Path(name).suffix}" and expected[1] in failure["reason"]
        assert conn.execute("select status, reason from raw.load_log where source = 'boms' and file_path = ?",
                            [failure["file_path"]]).fetchall()[0][0] == "failed"
    else:
        assert not failures and lines.pop(product) == expected[1]
    lines.pop(product, None)
    assert lines == clean_bom_lines, "the other BOMs lost lines"
    if name == "bom_no_mpn_column.csv":
        # Kept (bom_ingest_report counts them as no_mpn) and named with the columns it has; the raw BOM
        # gate warns that MPNs are missing.
        from orchestration.summary import bom_problem_lines

        assert bom_problem_lines(conn) == [
            "BOMs whose lines cannot match a part (1):",
            f"  boms/{product}.csv (product {product}, grade Unknown): no MPN and no manufacturer column "
            "(columns found: ['Designator', 'Qty', 'Value', 'Footprint']): no line can match a part"]
        conn.execute("delete from raw.bom_lines where product <> ?", [product])
        gate = gates.gate_present_state(conn, "bom_lines")
        assert gate.passed and [w.column for w in gate.outcome.warnings] == ["mpn_raw"]


@pytest.mark.parametrize("name, dnp", [
    ("bom_dnp_blank_header.csv", {"R2": "NP", "C1": "DNP"}),
    ("bom_dnp_generic_header.csv", {"R2": "No Stuff", "C1,C2": "do not populate"}),
])
def test_a_dnp_column_is_recognised_by_its_content(tmp_path, name, dnp):
    """A column whose header says nothing (blank, "Notes") but whose every value is a DNP marker."""
    landing = tmp_path / "landing"
    (landing / "boms").mkdir(parents=True)
    shutil.copy(CORPUS / name, landing / "boms" / name)
    conn = _connect(tmp_path / "w.duckdb")
    reference_load.load_boms(conn, landing)
    rows = conn.execute("select refdes, is_dnp, dnp_raw from raw.bom_lines order by line_number").fetchall()
    assert {refdes: raw for refdes, is_dnp, raw in rows if is_dnp} == dnp
    placed = sum(len(refdes.split(",")) for refdes, is_dnp, _ in rows if not is_dnp)
    assert placed == 5 - sum(len(r.split(",")) for r in dnp), "no good line lost"


def test_the_corpus_has_at_least_25_committed_inputs():
    files = [p for p in CORPUS.iterdir() if p.is_file() and p.name != "make_corpus.py"]
    assert len(files) >= 25
    covered = {c[0] for c in FEED_CASES} | {c[0] for c in PRESENT_STATE_CASES} | {
        "digikey_utf16_bom.json", "mouser_stock_notation.json", "mouser_conflicting_stock.json", "broker_formulas.csv", "mouser_currency_without_rate.json",
        "on_hand_missing_quantity_column.csv", "alternates_empty.csv", "bom_empty.csv", "bom_not_really.xlsx",
        "bom_no_mpn_column.csv", "bom_utf16.csv", "bom_wrong_dimension.xlsx", "bom_dnp_blank_header.csv",
        "bom_dnp_generic_header.csv"}
    assert {p.name for p in files} == covered, "every committed input has a test"


# ------------------------------------------------------------------------------- the landing boundary


def test_symlinks_that_leave_the_landing_tree_are_refused(tmp_path, base_landing, clean_counts):
    landing = _landing(tmp_path, base_landing, "digikey")
    outside = tmp_path / "elsewhere"
    shutil.copytree(landing / f"feeds/digikey/{DAY}", outside / "2025-09-05")
    (landing / "feeds/digikey/2025-09-05").symlink_to(outside / "2025-09-05", target_is_directory=True)
    (landing / f"feeds/digikey/{DAY}/linked.json").symlink_to(next((outside / "2025-09-05").iterdir()))
    conn, result = _load(landing, "digikey", tmp_path / "w.duckdb", dates=(DAY, date(2025, 9, 5)))
    failed = dict(conn.execute("select file_path, reason from raw.load_log where status = 'failed'").fetchall())
    assert failed == {
        "feeds/digikey/2025-09-05": f"symlink to {outside / '2025-09-05'}, outside the landing tree: refused",
        f"feeds/digikey/{DAY}/linked.json":
            f"symlink to {next((outside / '2025-09-05').iterdir())}, outside the landing tree: refused"}
    assert _rows_by_file(conn, "digikey") == clean_counts["digikey"]


def test_simulate_with_too_few_distributors_is_a_cli_error(tmp_path):
    from typer.testing import CliRunner

    from orchestration.cli import app

    done = CliRunner().invoke(app, ["simulate", "--out", str(tmp_path / "m"), "--distributors", "3"])
    assert done.exit_code == 2
    assert "Invalid value for '--distributors'" in done.output and "Traceback" not in done.output
    assert not (tmp_path / "m").exists()


HOLD_LOCK = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); time.sleep(60)"


def test_a_locked_warehouse_is_reported_in_words(tmp_path):
    from typer.testing import CliRunner

    from orchestration.cli import app

    warehouse = tmp_path / "w.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(warehouse)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        done = CliRunner().invoke(app, ["refresh", "--landing", str(tmp_path), "--warehouse", str(warehouse)])
    finally:
        holder.kill()
        holder.wait()
    assert done.exit_code == 1
    assert f"error: the warehouse {warehouse} is locked by process {holder.pid}" in done.output
    assert "Traceback" not in done.output


def test_a_date_folder_far_beyond_the_other_sources_is_named_and_not_now(tmp_path, base_landing, clean_counts):
    from orchestration import landing as landing_tree

    landing = _landing(tmp_path, base_landing, "digikey")
    shutil.copytree(base_landing / "feeds" / "mouser", landing / "feeds" / "mouser")
    ahead = date(2025, 10, 15)  # 43 days after the other source's latest date, 2025-09-02
    shutil.copytree(landing / f"feeds/digikey/{DAY}", landing / f"feeds/digikey/{ahead}")
    assert max(landing_tree.snapshot_dates(landing)) == date(2025, 9, 2), "the far date does not become now"
    conn, result = _load(landing, "digikey", tmp_path / "w.duckdb", dates=(DAY, ahead))
    assert [(f.file_path, f.reason) for f in result.failed_files] == [(
        f"feeds/digikey/{ahead}", f"date folder {ahead} is 43 days after the other sources' latest date 2025-09-02 "
        "(more than 7, PARTRISK_MAX_DATE_LEAD_DAYS): not loaded, so it does not become the marts' date")]
    assert _rows_by_file(conn, "digikey") == clean_counts["digikey"]

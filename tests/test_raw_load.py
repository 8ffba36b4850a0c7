"""The raw loaders on small hand-made landing trees: partition replace, failed files, duplicates."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration import landing as landing_tree
from orchestration.warehouse import part_keys, raw_load, reference_load
from orchestration.warehouse.connection import ensure_schemas

FIXTURE_LANDING = Path(__file__).parent / "fixtures" / "feeds" / "landing"
DAY = date(2025, 10, 14)


@pytest.fixture()
def landing(tmp_path) -> Path:
    root = tmp_path / "landing"
    shutil.copytree(FIXTURE_LANDING, root)
    return root


@pytest.fixture()
def conn(tmp_path):
    connection = ensure_schemas(duckdb.connect(str(tmp_path / "w.duckdb")))
    yield connection
    connection.close()


def rows(conn, sql, params=None):
    return conn.execute(sql, params or []).fetchall()


def test_loading_a_partition_twice_replaces_it(landing, conn):
    first = raw_load.load_feed_partitions(conn, landing, "raw.offers_mouser", ["mouser"], [DAY])
    assert first.rows_loaded > 0
    before = rows(conn, "select count(*), count(distinct sku) from raw.offers_mouser")
    again = raw_load.load_feed_partitions(conn, landing, "raw.offers_mouser", ["mouser"], [DAY])
    assert again.rows_loaded == first.rows_loaded
    assert rows(conn, "select count(*), count(distinct sku) from raw.offers_mouser") == before
    assert rows(conn, "select count(*) from raw.load_log where source = 'mouser'")[0][0] == len(again.files)


def test_part_keys_and_lineage_are_added(landing, conn):
    raw_load.load_feed_partitions(conn, landing, "raw.offers_digikey", ["digikey"], [DAY])
    missing = rows(conn, """select count(*) from raw.offers_digikey
                            where mpn_key is null or loaded_at is null or file_path is null""")
    assert missing[0][0] == 0


def test_a_bad_file_fails_alone_and_is_named(landing, conn):
    folder = landing / "feeds" / "mouser" / DAY.isoformat()
    (folder / "zz_truncated.json").write_text('{"Errors": [], "SearchResults": {"Parts": [')
    result = raw_load.load_feed_partitions(conn, landing, "raw.offers_mouser", ["mouser"], [DAY])
    failed = {f.file_path: f.reason for f in result.failed_files}
    assert f"feeds/mouser/{DAY}/zz_truncated.json" in failed
    assert "truncated" in failed[f"feeds/mouser/{DAY}/zz_truncated.json"].lower()
    assert result.rows_loaded > 0  # the good files of the folder still loaded
    logged = rows(conn, "select status, reason from raw.load_log where file_path like '%zz_truncated.json'")
    assert logged[0][0] == "failed" and logged[0][1]


def test_the_same_bytes_twice_load_once(landing, conn):
    folder = landing / "feeds" / "mouser" / DAY.isoformat()
    original = sorted(folder.glob("*.json"))[0]
    shutil.copy(original, folder / "zz_resent_copy.json")
    once = raw_load.load_feed_partitions(conn, landing, "raw.offers_mouser", ["mouser"], [DAY])
    statuses = {f.file_path.rsplit("/", 1)[-1]: f.status for f in once.files}
    assert statuses["zz_resent_copy.json"] == "duplicate"
    assert rows(conn, "select count(*) from raw.offers_mouser where file_path like '%zz_resent_copy.json'")[0][0] == 0


def test_a_folder_that_is_not_a_date_is_reported(landing, conn):
    (landing / "feeds" / "mouser" / "latest").mkdir()
    result = raw_load.load_feed_partitions(conn, landing, "raw.offers_mouser", ["mouser"], [DAY])
    bad = [f for f in result.failed_files if f.snapshot_date is None]
    assert bad and "not a snapshot date" in bad[0].reason
    assert landing_tree.snapshot_dates(landing)  # the dated folders are still found


def test_snapshot_dates_come_from_folder_names(landing):
    assert DAY in landing_tree.snapshot_dates(landing)
    folders, bad = landing_tree.snapshot_folders(landing, "tme")
    assert sorted(folders) == [date(2025, 10, 14), date(2025, 10, 15)] and not bad


def test_reference_file_missing_a_column_names_the_file_and_columns(tmp_path, conn):
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "products.csv").write_text("product,price\nx,1\n")
    spec = next(s for s in reference_load.REFERENCE_SPECS if s.table == "products")
    with pytest.raises(reference_load.LandingFileError) as error:
        reference_load.load_reference(conn, tmp_path, spec)
    message = str(error.value)
    assert "plan/products.csv" in message and "unit_margin" in message and "found product, price" in message


def test_reference_rows_keep_their_line_numbers_and_part_keys(tmp_path, conn):
    (tmp_path / "inventory").mkdir()
    (tmp_path / "inventory" / "on_hand.csv").write_text(
        "mpn,manufacturer,quantity\n ne555dr ,TI,10\nLT1761ES5-5#TRPBF,Linear Technology,3\n")
    spec = next(s for s in reference_load.REFERENCE_SPECS if s.table == "on_hand")
    assert reference_load.load_reference(conn, tmp_path, spec) == 2
    got = rows(conn, "select mpn, mpn_key, manufacturer_key, line_number from raw.on_hand order by line_number")
    assert got[0][0] == "ne555dr" and got[0][1] == "NE555DR" and got[0][3] == 2
    assert got[1][1] == "LT1761ES5-5#TRPBF" and got[1][3] == 3  # the spelling: no alias-dependent rule yet
    part_keys.rekey(conn)
    keyed = rows(conn, """select keys.mpn, keys.manufacturer from raw.on_hand as hand
                          join raw.part_keys as keys using (mpn_key, manufacturer_key) order by hand.line_number""")
    assert keyed == [("NE555DR", "Texas Instruments"), ("LT1761ES5-5", "Analog Devices")]


def test_an_optional_reference_file_may_be_absent(tmp_path, conn):
    spec = next(s for s in reference_load.REFERENCE_SPECS if s.table == "part_sites")
    assert reference_load.load_reference(conn, tmp_path, spec) == 0
    assert rows(conn, "select count(*) from raw.part_sites")[0][0] == 0


def test_a_bom_that_cannot_be_read_is_reported_and_the_others_load(tmp_path, conn):
    boms = tmp_path / "boms"
    boms.mkdir()
    (boms / "good.csv").write_text("Reference,Qty,MPN,Manufacturer\nR1 R2,2,RC0603FR-0710KL,Yageo\n")
    (boms / "bad.csv").write_text("Notes,Colour\nhello,blue\n")
    reports, failures = reference_load.load_boms(conn, tmp_path)
    assert [f["file_path"] for f in failures] == ["boms/bad.csv"]
    assert "boms/bad.csv" in failures[0]["reason"] or "bad.csv" in failures[0]["reason"]
    assert rows(conn, "select product, refdes, qty_per_unit from raw.bom_lines") == [("good", "R1,R2", 2.0)]
    assert rows(conn, "select status from raw.load_log where file_path = 'boms/bad.csv'") == [("failed",)]


def test_an_unchanged_folder_is_not_parsed_again_but_a_changed_one_is(landing, conn, monkeypatch):
    first = raw_load.load_feed_partitions(conn, landing, "raw.offers_tme", ["tme"], [DAY, date(2025, 10, 15)])
    before = rows(conn, "select snapshot_date, count(*), min(loaded_at) from raw.offers_tme group by 1 order by 1")
    again = raw_load.load_feed_partitions(conn, landing, "raw.offers_tme", ["tme"], [DAY, date(2025, 10, 15)])
    assert sorted(again.unchanged) == [("tme", DAY), ("tme", date(2025, 10, 15))] and not first.unchanged
    assert rows(conn, "select snapshot_date, count(*), min(loaded_at) from raw.offers_tme group by 1 order by 1") == before
    # a changed file reloads its own partition only
    changed = sorted((landing / "feeds" / "tme" / "2025-10-15").glob("*.json"))[0]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    third = raw_load.load_feed_partitions(conn, landing, "raw.offers_tme", ["tme"], [DAY, date(2025, 10, 15)])
    assert third.unchanged == [("tme", DAY)]
    assert rows(conn, "select count(*) from raw.offers_tme") == [(sum(n for _, n, _ in before),)]
    # forcing a reload (or a new parser) parses everything again
    monkeypatch.setenv("PARTRISK_FORCE_RELOAD", "1")
    assert raw_load.load_feed_partitions(conn, landing, "raw.offers_tme", ["tme"], [DAY]).unchanged == []

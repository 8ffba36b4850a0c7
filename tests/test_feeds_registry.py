"""registry.parse_snapshot: folders, relative paths, file-level failures, gzip, size limit, file reports."""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from orchestration import landing as landing_tree
from orchestration.feeds import registry
from orchestration.feeds.records import OFFER_SCHEMA
from tests.feed_offers import file_outcomes, offers_of

LANDING = Path(__file__).parent / "fixtures" / "feeds" / "landing"
DAY = date(2025, 10, 14)
GOOD_MOUSER = LANDING / "feeds" / "mouser" / "2025-10-14" / "mouser_de.json"


@pytest.fixture
def mouser_day(tmp_path: Path) -> Path:
    folder = tmp_path / "feeds" / "mouser" / "2025-10-14"
    folder.mkdir(parents=True)
    shutil.copy(GOOD_MOUSER, folder / "good.json")
    return folder


def failed_reasons(result) -> dict[str, str]:
    return {f.file_path.rsplit("/", 1)[-1]: f.reason for f in result.failed_files}


def test_sources_and_dates():
    assert set(registry.SOURCES) == {"digikey", "mouser", "nexar", "tme", "lcsc"}
    assert landing_tree.feed_sources(LANDING) == ["acme_broker", "digikey", "lcsc", "mouser", "nexar", "tme"]
    assert sorted(landing_tree.snapshot_folders(LANDING, "tme")[0]) == [date(2025, 10, 14), date(2025, 10, 15)]
    assert landing_tree.is_broker_source(LANDING, "acme_broker")
    assert not landing_tree.is_broker_source(LANDING, "mouser")


def test_parse_snapshot_relative_paths_and_reports():
    result = registry.parse_snapshot("mouser", LANDING / "feeds" / "mouser" / "2025-10-14", DAY, LANDING)
    assert result.source == "mouser" and result.snapshot_date == DAY
    assert {o.file_path for o in offers_of(result)} == {"feeds/mouser/2025-10-14/mouser_de.json"}
    assert all(o.snapshot_date == DAY for o in offers_of(result))
    assert failed_reasons(result) == {
        "mouser_errors.json": "Mouser API errors: Invalid: Invalid unique identifier."
    }
    assert file_outcomes(result) == {"feeds/mouser/2025-10-14/mouser_de.json": ("loaded", 3, 7),
                                     "feeds/mouser/2025-10-14/mouser_errors.json": ("failed", 0, 0)}
    table = result.table
    assert table.schema == OFFER_SCHEMA and table.num_rows == 3


def test_defaults_for_date_and_landing_root():
    result = registry.parse_snapshot("lcsc", LANDING / "feeds" / "lcsc" / "2025-10-14")
    assert result.snapshot_date == DAY
    assert offers_of(result)[0].file_path == "feeds/lcsc/2025-10-14/detail.json"


def test_every_fixture_source_parses():
    for source in landing_tree.feed_sources(LANDING):
        for day in sorted(landing_tree.snapshot_folders(LANDING, source)[0]):
            result = registry.parse_snapshot(
                source, LANDING / "feeds" / source / day.isoformat(), day, LANDING
            )
            assert result.table.num_rows > 0, source
            expected_failures = 1 if source == "mouser" else 0
            assert len(result.failed_files) == expected_failures, (source, result.failed_files)
            assert result.table.schema == OFFER_SCHEMA


def test_tme_folder_join_through_registry():
    result = registry.parse_snapshot("tme", LANDING / "feeds" / "tme" / "2025-10-14", DAY, LANDING)
    pwr = next(o for o in offers_of(result) if o.sku == "LM393PWR")
    assert pwr.prices_include_vat and pwr.price_breaks[0].quantity == 3
    outcomes = {path.rsplit("/", 1)[-1]: outcome for path, outcome in file_outcomes(result).items()}
    assert outcomes["search.json"][:2] == ("loaded", 3) and outcomes["prices.json"] == ("loaded", 0, 2)


def test_unknown_source_raises(tmp_path):
    folder = tmp_path / "feeds" / "farnell" / "2025-10-14"
    folder.mkdir(parents=True)
    with pytest.raises(ValueError, match="unknown feed source 'farnell'"):
        registry.parse_snapshot("farnell", folder, DAY, tmp_path)


# ---------------------------------------------------------------- file-level failures


def test_truncated_json_reason_has_line_and_column(mouser_day, tmp_path):
    text = GOOD_MOUSER.read_text(encoding="utf-8")
    (mouser_day / "truncated.json").write_text(text[:700], encoding="utf-8")
    result = registry.parse_snapshot("mouser", mouser_day, DAY, tmp_path)
    reason = failed_reasons(result)["truncated.json"]
    assert reason.startswith("truncated JSON")
    assert "line " in reason and "column " in reason
    assert len(offers_of(result)) == 3  # the good file still loads


def test_invalid_json_not_truncated(mouser_day, tmp_path):
    (mouser_day / "broken.json").write_text(
        '{"Errors": [], "SearchResults": {"Parts": [,]}}', encoding="utf-8"
    )
    reason = failed_reasons(registry.parse_snapshot("mouser", mouser_day, DAY, tmp_path))["broken.json"]
    assert reason.startswith("invalid JSON") and "line 1 column" in reason


@pytest.mark.parametrize(
    "content, fragment", [(b"", "empty file"), (b"  \n\t\n", "empty file (whitespace only)")]
)
def test_empty_file(mouser_day, tmp_path, content, fragment):
    (mouser_day / "empty.json").write_bytes(content)
    reason = failed_reasons(registry.parse_snapshot("mouser", mouser_day, DAY, tmp_path))["empty.json"]
    assert reason == fragment


@pytest.mark.parametrize(
    "payload, fragment",
    [
        ([1, 2, 3], "top level is a JSON list"),
        ("hello", "top level is a JSON str"),
        ({"Products": []}, "unknown Mouser shape"),
    ],
)
def test_wrong_top_level_shape(mouser_day, tmp_path, payload, fragment):
    (mouser_day / "shape.json").write_text(json.dumps(payload), encoding="utf-8")
    reason = failed_reasons(registry.parse_snapshot("mouser", mouser_day, DAY, tmp_path))["shape.json"]
    assert fragment in reason


def test_non_utf8_file(mouser_day, tmp_path):
    payload = GOOD_MOUSER.read_text(encoding="utf-8").replace("Reel", "Rëel").replace("€", "EUR")
    (mouser_day / "latin1.json").write_bytes(payload.encode("latin-1", errors="replace"))
    reason = failed_reasons(registry.parse_snapshot("mouser", mouser_day, DAY, tmp_path))["latin1.json"]
    assert reason.startswith("not valid UTF-8 at line ")
    assert "byte 0xeb" in reason


def test_utf8_bom_is_accepted(mouser_day, tmp_path):
    (mouser_day / "good.json").write_bytes(b"\xef\xbb\xbf" + GOOD_MOUSER.read_bytes())
    result = registry.parse_snapshot("mouser", mouser_day, DAY, tmp_path)
    assert result.failed_files == [] and len(offers_of(result)) == 3


def test_gzip_file_is_read_transparently(mouser_day, tmp_path):
    (mouser_day / "good.json").unlink()
    with gzip.open(mouser_day / "zipped.json.gz", "wb") as fh:
        fh.write(GOOD_MOUSER.read_bytes())
    result = registry.parse_snapshot("mouser", mouser_day, DAY, tmp_path)
    assert result.failed_files == []
    assert {o.file_path for o in offers_of(result)} == {"feeds/mouser/2025-10-14/zipped.json.gz"}
    assert offers_of(result)[0].stock == 6178


def test_corrupt_gzip(mouser_day, tmp_path):
    (mouser_day / "bad.json.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    reason = failed_reasons(registry.parse_snapshot("mouser", mouser_day, DAY, tmp_path))["bad.json.gz"]
    assert reason.startswith("cannot decompress gzip file")


def test_oversize_file_with_small_limit(mouser_day, tmp_path, monkeypatch):
    monkeypatch.setenv(registry.MAX_JSON_BYTES_ENV, "1000")
    result = registry.parse_snapshot("mouser", mouser_day, DAY, tmp_path)
    reason = failed_reasons(result)["good.json"]
    assert (
        reason.startswith("file too large")
        and "1000 bytes limit" in reason
        and registry.MAX_JSON_BYTES_ENV in reason
    )
    assert offers_of(result) == []
    # the argument overrides the environment
    assert (
        registry.parse_snapshot("mouser", mouser_day, DAY, tmp_path, max_json_bytes=10**6).failed_files == []
    )


def test_gzip_bomb_checked_on_decompressed_size(mouser_day, tmp_path):
    (mouser_day / "good.json").unlink()
    with gzip.open(mouser_day / "big.json.gz", "wb") as fh:
        fh.write(b'{"Errors": [], "pad": "' + b" " * 50_000 + b'"}')
    assert (mouser_day / "big.json.gz").stat().st_size < 2000
    result = registry.parse_snapshot("mouser", mouser_day, DAY, tmp_path, max_json_bytes=2000)
    assert "decompresses to more than" in failed_reasons(result)["big.json.gz"]


def test_other_files_are_ignored(mouser_day, tmp_path):
    (mouser_day / "notes.txt").write_text("hello")
    (mouser_day / ".partial.json").write_text("{")
    (mouser_day / "export.csv").write_text("a,b\n")
    result = registry.parse_snapshot("mouser", mouser_day, DAY, tmp_path)
    assert result.failed_files == [] and list(file_outcomes(result)) == ["feeds/mouser/2025-10-14/good.json"]


def test_dbt_names_the_same_feed_tables_as_the_registry():
    """Adding a source is one parser module and one SOURCES line: dbt's union and source list follow it."""
    import re

    import yaml

    staging = Path(__file__).parents[1] / "dbt_project" / "models" / "staging" / "feeds"
    union_sql = (staging / "stg_feeds__offers_unioned.sql").read_text(encoding="utf-8")
    listed = re.search(r"set feed_tables = \[([^\]]*)\]", union_sql)
    assert listed is not None, "stg_feeds__offers_unioned.sql no longer sets feed_tables"
    union_tables = tuple(re.findall(r"'([^']+)'", listed.group(1)))
    sources = yaml.safe_load((staging / "_feeds__sources.yml").read_text(encoding="utf-8"))
    raw = next(s for s in sources["sources"] if s["name"] == "raw")
    declared = tuple(t["name"] for t in raw["tables"] if t["name"].startswith("offers_"))
    assert union_tables == registry.FEED_TABLES
    assert declared == registry.FEED_TABLES

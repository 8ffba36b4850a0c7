"""The one rule set: DigiKey folders read by DuckDB give what the Python walk gives, several folders read
at once give what each gives alone, and a file DuckDB refuses still loads with its duplicate keys flagged."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

from orchestration.feeds import digikey, registry, rules
from tests.feed_offers import file_outcomes

FIXTURE = Path(__file__).parent / "fixtures" / "feeds" / "landing" / "feeds" / "digikey" / "2025-10-14"
DAYS = ("2025-10-14", "2025-10-15")


def _variant(payload: dict, day: int) -> dict:
    """The keyword fixture with the quirks the rules read: text stock, a negative MOQ, a bad date, a
    repeated product under ExactMatches, a product without MPN."""
    product = json.loads(json.dumps(payload["Products"][0]))
    product["QuantityAvailable"] = f"{6178 + day:,} In Stock"
    product["ProductVariations"][0]["MinimumOrderQuantity"] = 0
    product["DateLastBuyChance"] = "someday"
    no_mpn = {"ManufacturerProductNumber": " ", "ProductVariations": []}
    return {**payload, "Products": [product, *payload["Products"], no_mpn], "ExactMatches": [product]}


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    payload = json.loads((FIXTURE / "keyword_v4.json").read_text(encoding="utf-8"))
    for n, day in enumerate(DAYS):
        folder = tmp_path / "feeds" / "digikey" / day
        folder.mkdir(parents=True)
        shutil.copy(FIXTURE / "keyword_v4.json", folder / "a.json")
        (folder / "b.json").write_text(json.dumps(_variant(payload, n)), encoding="utf-8")
    return tmp_path


def _folders(landing: Path) -> list[Path]:
    return [landing / "feeds" / "digikey" / day for day in DAYS]


def _walked(landing: Path, monkeypatch) -> list:
    with monkeypatch.context() as patch:
        patch.setattr(digikey, "read_folder", lambda *args: None)
        return [registry.parse_snapshot("digikey", f, landing_root=landing) for f in _folders(landing)]


def test_duckdb_read_gives_what_the_python_walk_gives(landing: Path, monkeypatch):
    files = registry.snapshot_files(_folders(landing)[0])
    assert digikey.read_folder(files, [str(p) for p in files], 10**6) is not None  # the DuckDB path is taken
    read = [registry.parse_snapshot("digikey", f, landing_root=landing) for f in _folders(landing)]
    walked = _walked(landing, monkeypatch)
    for fast, slow in zip(read, walked, strict=True):
        assert fast.table.equals(slow.table)
        assert fast.quarantined == slow.quarantined
        assert file_outcomes(fast) == file_outcomes(slow)
    rules_seen = [(q.file_path.rsplit("/", 1)[-1], q.location, q.rule, q.raw_value) for q in read[1].quarantined]
    assert rules_seen == [
        ("a.json", "$.Products[0].ProductVariations[1].StandardPricing[1]", "unparsable_price", "N/A"),
        ("a.json", "$.Products[1]", "empty_sku", "NOVAR-1"),
        ("b.json", "$.Products[0]", "unparsable_date", "someday"),
        ("b.json", "$.Products[0].ProductVariations[0]", "negative_moq", "0"),
        ("b.json", "$.Products[0].ProductVariations[1].StandardPricing[1]", "unparsable_price", "N/A"),
        ("b.json", "$.Products[1].ProductVariations[1].StandardPricing[1]", "unparsable_price", "N/A"),
        ("b.json", "$.Products[2]", "empty_sku", "NOVAR-1"),
        ("b.json", "$.Products[3]", "empty_mpn", ""),
        ("b.json", "$.ExactMatches[0]", "unparsable_date", "someday"),
        ("b.json", "$.ExactMatches[0].ProductVariations[0]", "negative_moq", "0"),
        ("b.json", "$.ExactMatches[0].ProductVariations[1].StandardPricing[1]", "unparsable_price", "N/A"),
    ]
    offers = pl.from_arrow(read[1].table)
    b = offers.filter(pl.col("file_path").str.ends_with("b.json"))
    assert b["sku"].to_list() == ["1727-2N7002215TR-ND", "1727-2N7002215CT-ND"]  # ExactMatches deduplicated
    assert b["stock"].to_list() == [6179, 6179] and b["stock_raw"].to_list() == ["6,179 In Stock"] * 2
    assert b["moq"].to_list() == [None, 1] and b["last_buy_date"].to_list() == [None, None]


def test_folders_read_together_give_what_each_gives_alone(landing: Path):
    (_folders(landing)[1] / "c.json").write_text('{"Products": [', encoding="utf-8")  # truncated
    together = registry.parse_snapshots("digikey", _folders(landing), landing)
    alone = [registry.parse_snapshot("digikey", f, landing_root=landing) for f in _folders(landing)]
    for a, b in zip(together, alone, strict=True):
        assert a.table.equals(b.table) and a.quarantined == b.quarantined
        assert a.failed_files == b.failed_files and file_outcomes(a) == file_outcomes(b)
    assert [f.reason.split(":")[0] for f in together[1].failed_files] == ["truncated JSON (unexpected end of data)"]
    assert together[1].table.num_rows == 4  # the other two files still load


def test_a_duplicate_key_sends_the_folder_to_the_python_walk(landing: Path):
    folder = _folders(landing)[0]
    text = (folder / "a.json").read_text(encoding="utf-8")
    (folder / "a.json").write_text(text.replace('"QuantityAvailable": 8123', '"QuantityAvailable": 1, "QuantityAvailable": 8123'),
                                   encoding="utf-8")
    files = registry.snapshot_files(folder)
    assert digikey.read_folder(files, [str(p) for p in files], 10**6) is None
    result = registry.parse_snapshot("digikey", folder, landing_root=landing)
    duplicates = [q for q in result.quarantined if q.rule == "duplicate_json_key"]
    assert [(q.location, q.raw_value) for q in duplicates] == [
        ("$.Products[0]", "QuantityAvailable: 1, then 8123 (the last is read)")]
    assert pl.from_arrow(result.table).filter(pl.col("file_path").str.ends_with("a.json"))["stock"].to_list() == [8123] * 2


def test_text_rules_read_each_distinct_value_once(monkeypatch):
    calls: list[str] = []
    original = rules.text.parse_quantity
    monkeypatch.setattr(rules.text, "parse_quantity", lambda v: calls.append(v) or original(v))
    values = pl.Series(["6,178 In Stock", "1.234", "6178 在庫", " 1 234 ", " 1 234 ", "N/A", None] * 100)
    read = rules.quantities(values, rules.Reading())
    assert read.head(7).to_list() == [6178, 1234, 6178, 1234, 1234, None, None]
    assert sorted(calls) == ["1 234", "N/A"]  # the fast pattern read the rest


@pytest.mark.parametrize("content", ['[{"Products": []}]', '{"Products": []}\n{"Products": []}', "", '"text"'])
def test_a_file_duckdb_would_read_differently_fails_as_the_walk_says(landing: Path, monkeypatch, content: str):
    folder = _folders(landing)[0]
    (folder / "c.json").write_text(content, encoding="utf-8")
    read = registry.parse_snapshot("digikey", folder, landing_root=landing)
    walked = _walked(landing, monkeypatch)[0]
    assert [f.file_path.rsplit("/", 1)[-1] for f in read.failed_files] == ["c.json"]
    assert read.failed_files == walked.failed_files and read.table.equals(walked.table)

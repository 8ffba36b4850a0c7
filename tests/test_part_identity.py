"""One part, one key: the reproduced three-key case, re-keying on an alias change without re-parsing.

A part listed by two sources under one MPN, with three spellings of its maker: one built-in, one the
user's reference/manufacturer_aliases.csv maps to a built-in alias ("Maxim Integrated", itself an
alias of Analog Devices), and one the user's file learns only later. The keys come from raw.part_keys
(the re-key step), which staging joins; the feed partitions are parsed once.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.warehouse import part_keys, raw_load, reference_load
from orchestration.warehouse.connection import ensure_schemas

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
DAY = date(2025, 9, 1)
MPN = "MAX6034BEXR25+T"
SPELLINGS = {"mouser": ["Maxim Integrated", "MAXIM INTEGRATED PRODUCTS INC"], "digikey": ["Maxim Integ."]}


def _landing(root: Path) -> Path:
    mouser = json.loads((CORPUS / "mouser_price_na.json").read_text())
    parts = mouser["SearchResults"]["Parts"][:2]
    for n, (part, maker) in enumerate(zip(parts, SPELLINGS["mouser"], strict=True)):
        part.update(ManufacturerPartNumber=MPN, Manufacturer=maker, MouserPartNumber=f"700-MAX6034-{n}")
        part["PriceBreaks"] = part["PriceBreaks"][1:]
    mouser["SearchResults"]["Parts"] = parts
    digikey = json.loads((CORPUS / "digikey_negative_stock.json").read_text())
    product = digikey["Products"][1]
    product["ManufacturerProductNumber"] = MPN
    product["Manufacturer"]["Name"] = SPELLINGS["digikey"][0]
    digikey["Products"] = [product]
    for source, doc in (("mouser", mouser), ("digikey", digikey)):
        folder = root / "feeds" / source / str(DAY)
        folder.mkdir(parents=True)
        (folder / "response.json").write_text(json.dumps(doc))
    (root / "reference").mkdir()
    return root


def _write_aliases(landing: Path, rows: list[tuple[str, str]]) -> None:
    lines = ["alias,manufacturer", *(f"{alias},{maker}" for alias, maker in rows)]
    (landing / "reference" / "manufacturer_aliases.csv").write_text("\n".join(lines) + "\n")


def _refresh_raw(conn, landing: Path) -> list:
    """The raw part of a refresh: feeds (skipped when unchanged), aliases, then the re-key step."""
    results = [raw_load.load_feed_partitions(conn, landing, f"raw.offers_{s}", [s], [DAY]) for s in ("mouser", "digikey")]
    reference_load.load_manufacturer_aliases(conn, landing)
    part_keys.rekey(conn)
    return results


def _keys(conn) -> dict[str, tuple[str, str]]:
    """manufacturer_raw -> (mpn, manufacturer) for every offer, as staging joins them."""
    rows = conn.execute(
        """select offers.manufacturer_raw, keys.mpn, keys.manufacturer
           from (select * from raw.offers_mouser union all by name select * from raw.offers_digikey) as offers
           join raw.part_keys as keys using (mpn_key, manufacturer_key)""").fetchall()
    return {maker: (mpn, canonical) for maker, mpn, canonical in rows}


@pytest.fixture
def conn(tmp_path):
    connection = ensure_schemas(duckdb.connect(str(tmp_path / "w.duckdb")))
    yield connection
    connection.close()


def test_an_alias_change_rekeys_without_reparsing(tmp_path, conn):
    landing = _landing(tmp_path / "landing")
    _write_aliases(landing, [("MAXIM INTEGRATED PRODUCTS INC", "Maxim Integrated")])
    _refresh_raw(conn, landing)
    before = _keys(conn)
    # Through the user's file to "Maxim Integrated", then the built-in chain to Analog Devices: one key,
    # suffix stripped. "Maxim Integ." is not known yet: its own key, suffix kept (a suspected split).
    assert before == {"Maxim Integrated": ("MAX6034BEXR25+", "Analog Devices"),
                      "MAXIM INTEGRATED PRODUCTS INC": ("MAX6034BEXR25+", "Analog Devices"),
                      "Maxim Integ.": ("MAX6034BEXR25+T", "Maxim Integ.")}
    parsed = conn.execute("select file_path, loaded_at from raw.load_log order by 1").fetchall()

    _write_aliases(landing, [("MAXIM INTEGRATED PRODUCTS INC", "Maxim Integrated"), ("Maxim Integ.", "Maxim Integrated")])
    results = _refresh_raw(conn, landing)
    assert set(_keys(conn).values()) == {("MAX6034BEXR25+", "Analog Devices")}, "one part, one key"
    assert all(r.unchanged == [(s, DAY)] for r, s in zip(results, ("mouser", "digikey"), strict=True))
    assert conn.execute("select file_path, loaded_at from raw.load_log order by 1").fetchall() == parsed, \
        "no feed file was parsed again"
    why = conn.execute("select manufacturer_resolution, mpn_rule from raw.part_keys where manufacturer_key = 'MAXIM INTEG'"
                       ).fetchall()
    assert why == [("Maxim Integ. (reference/manufacturer_aliases.csv line 3) -> Maxim Integrated (built-in) "
                    "-> Analog Devices", "Analog Devices suffix rules: Maxim tape & reel after the lead-free '+'")]


def test_an_alias_cycle_is_named_and_the_builtin_table_stays(tmp_path, conn):
    landing = _landing(tmp_path / "landing")
    _write_aliases(landing, [("Acme A", "Acme B"), ("Acme B", "Acme A")])
    with pytest.raises(reference_load.LandingFileError) as error:
        reference_load.load_manufacturer_aliases(conn, landing)
    assert str(error.value) == ("reference/manufacturer_aliases.csv: manufacturer aliases form a cycle: "
                                "Acme A -> Acme B (reference/manufacturer_aliases.csv line 2); "
                                "Acme B -> Acme A (reference/manufacturer_aliases.csv line 3)")
    assert conn.execute("select manufacturer from raw.manufacturer_aliases where alias_key = 'MAXIM'").fetchall() == [
        ("Analog Devices",)]

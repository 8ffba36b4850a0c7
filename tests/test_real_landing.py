"""The whole pipeline on the real published files: the five real BOMs and the real provider responses.

Their parts barely overlap (the BOMs come from open-hardware projects, the responses from API client
test suites), so a small BOM of our own, written the way engineers write BOMs, exercises every match
method against the real feeds. Skipped with a reason where ../shared/fixtures/real is absent.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import refreshed_warehouse
from tests.test_feeds_real import (
    CADDI,
    LCSC,
    TME_PRICES,
    TME_SEARCH,
    V3,
    fenced_json_blocks,
    unfenced_json_blocks,
)

pytestmark = [pytest.mark.real_fixtures, pytest.mark.slow]

SNAPSHOT = "2025-10-14"

# Written as engineers write them: lower case, an alias for the maker, a DigiKey SKU in the MPN column,
# a Mouser SKU column, a part no feed lists, and a line with no MPN.
OUR_BOM = """Reference,Qty,MPN,Manufacturer,Mouser,Description
U1,1,ne555dr,TI,,timer
U2 U3,2,LM393MX/NOPB,Texas Instruments,,comparator
U4,1,296-1411-5-ND,,,timer through a DigiKey SKU
U5,1,,,595-LM358BAIPWR,op-amp through a Mouser SKU
R1,1,WSL3921L2000FEA,Vishay Dale,,shunt
U6,1,NOTAREALPART-42,Acme,,a part no feed lists
TP1,1,,,,test point
"""


@pytest.fixture(scope="module")
def real_warehouse(real_fixtures_dir: Path, tmp_path_factory):
    root = tmp_path_factory.mktemp("real")
    landing = root / "landing"
    feeds = real_fixtures_dir / "feeds"
    day = {name: landing / "feeds" / name / SNAPSHOT for name in ("digikey", "mouser", "tme", "lcsc")}
    for folder in day.values():
        folder.mkdir(parents=True)
    shutil.copy(feeds / V3, day["digikey"] / "keywordsearch_v3.json")
    mouser_block, digikey_v4_block = unfenced_json_blocks((feeds / CADDI).read_text(encoding="utf-8"))
    (day["mouser"] / "search.json").write_text(json.dumps(mouser_block, ensure_ascii=False), encoding="utf-8")
    (day["digikey"] / "keywordsearch_v4.json").write_text(json.dumps(digikey_v4_block), encoding="utf-8")
    shutil.copy(feeds / TME_SEARCH, day["tme"] / "search.json")
    shutil.copy(feeds / TME_PRICES, day["tme"] / "prices.json")
    (day["lcsc"] / "detail.json").write_text(
        json.dumps(fenced_json_blocks((feeds / LCSC).read_text(encoding="utf-8"))[0]), encoding="utf-8")
    (landing / "boms").mkdir()
    for bom in sorted((real_fixtures_dir / "boms").iterdir()):
        product = bom.name.split("__")[0].lower().replace("-", "_")
        if "kicost" in bom.name.lower():
            product = bom.stem.split("__")[-1].lower()
        shutil.copy(bom, landing / "boms" / f"{product}{bom.suffix}")
    (landing / "boms" / "ours.csv").write_text(OUR_BOM, encoding="utf-8")
    products = sorted(p.stem for p in (landing / "boms").iterdir())
    (landing / "plan").mkdir()
    (landing / "plan" / "products.csv").write_text(
        "product,description,unit_price,unit_margin\n" + "".join(f"{p},{p},100,30\n" for p in products))
    (landing / "plan" / "demand.csv").write_text(
        "product,week_start,units\n" + "".join(f"{p},2025-10-20,50\n" for p in products))
    (landing / "inventory").mkdir()
    (landing / "inventory" / "on_hand.csv").write_text("mpn,manufacturer,quantity\nNE555DR,Texas Instruments,500\n")
    (landing / "reference").mkdir()
    (landing / "reference" / "manufacturer_sites.csv").write_text(
        "manufacturer,site_country,site_kind,capacity_share\nTexas Instruments,US,wafer_fab,1\n"
        "Texas Instruments,MY,assembly_test,1\n")
    (landing / "reference" / "alternates.csv").write_text("mpn,manufacturer,alt_mpn,alt_manufacturer,fit\n")
    # Its own Dagster home, serving copy and quality folder: never the session warehouse's.
    outcome = refreshed_warehouse(root, landing).outcome
    import duckdb

    conn = duckdb.connect(str(root / "partrisk.duckdb"), read_only=True)
    yield outcome, conn
    conn.close()


def test_real_feeds_and_boms_load_end_to_end(real_warehouse):
    outcome, conn = real_warehouse
    assert outcome.failed_inputs == [], outcome.render()
    rows = dict(conn.execute("select source, count(*) from staging.stg_feeds__offers group by 1").fetchall())
    assert rows["digikey"] >= 10 and rows["mouser"] >= 1 and rows["tme"] == 20 and rows["lcsc"] == 1
    report = conn.execute("select product, status, lines from marts.bom_ingest_report order by product").fetchall()
    assert len(report) == 6 and all(status == "loaded" for _, status, _ in report), report


def test_our_bom_matches_the_real_feeds_by_every_method(real_warehouse):
    _, conn = real_warehouse
    rows = conn.execute(
        """select refdes, match_method, mpn, manufacturer, unmatched_reason
           from intermediate.int_bom_lines__matched where product = 'ours' order by line_number""").fetchall()
    by_refdes = {r[0]: r[1:] for r in rows}
    assert by_refdes["U1"][:3] == ("manufacturer_alias", "NE555DR", "Texas Instruments")
    assert by_refdes["U2,U3"][0] in ("exact", "normalized") and by_refdes["U2,U3"][1] == "LM393MX/NOPB"
    assert by_refdes["U4"][:2] == ("distributor_sku", "NE555P")
    assert by_refdes["U5"][:2] == ("distributor_sku", "LM358BAIPWR")
    # LCSC writes "Vishay Intertech", the BOM "Vishay Dale": both are Vishay in the alias table.
    assert by_refdes["R1"][:3] == ("manufacturer_alias", "WSL3921L2000FEA", "Vishay")
    assert by_refdes["U6"][0] == "unmatched" and by_refdes["U6"][3] == "MPN not seen in any feed"
    assert by_refdes["TP1"][0] == "no_mpn"


def test_real_bom_match_rate_against_real_feeds_is_reported(real_warehouse):
    """The real BOMs' parts are not in the real samples (measured, printed for the closing note)."""
    _, conn = real_warehouse
    rows = conn.execute(
        """select product, lines, lines_with_mpn, dnp_lines,
                  matched_exact + matched_normalized + matched_manufacturer_alias + matched_distributor_sku
                  + matched_mpn_only as matched
           from marts.bom_ingest_report where product <> 'ours' order by product""").fetchall()
    for product, lines, with_mpn, dnp, matched in rows:
        print(f"{product}: {lines} lines, {with_mpn} with MPN, {dnp} DNP, {matched} matched to the real feeds")
        assert 0 <= matched <= lines

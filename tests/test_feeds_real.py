"""Feed parsers against the real published provider responses (../shared/fixtures/real/feeds).

Skipped with a reason where the folder is absent (their licences keep them out of the repository);
tests/test_feeds_parsers.py reproduces every quirk with our own fixtures.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from orchestration.feeds import digikey, lcsc, mouser, tme
from tests.feed_offers import parse, parse_many

pytestmark = pytest.mark.real_fixtures

DAY = date(2025, 10, 14)
V3 = "digikey_v3_keywordsearch__peeter123_digikey-api__keywordsearch_response.json"
CADDI = "mouser_jp_and_digikey_v4_keyword__progress-all_caddi-poc__api-spec.md"
TME_SEARCH = "tme_search__replaysMike_Binner__Tme-PartSearch-1-Search.json"
TME_PRICES = "tme_prices__replaysMike_Binner__Tme-PartSearch-1-Prices.json"
LCSC = "lcsc_wmsc_product_detail__thanhduongvs_kicad-library__product-detail.md"


def unfenced_json_blocks(markdown: str) -> list[dict]:
    """JSON objects pasted into Markdown without fences: each starts with '{' at the start of a line."""
    decoder = json.JSONDecoder()
    blocks, pos = [], 0
    for m in re.finditer(r"^\{", markdown, re.MULTILINE):
        if m.start() < pos:
            continue
        obj, end = decoder.raw_decode(markdown, m.start())
        blocks.append(obj)
        pos = end
    return blocks


def fenced_json_blocks(markdown: str) -> list[dict]:
    return [json.loads(b) for b in re.findall(r"```json\s*\n(.*?)```", markdown, re.DOTALL)]


@pytest.fixture(scope="module")
def feeds_dir(real_fixtures_dir: Path) -> Path:
    path = real_fixtures_dir / "feeds"
    if not path.is_dir():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="module")
def caddi_blocks(feeds_dir: Path) -> list[dict]:
    blocks = unfenced_json_blocks((feeds_dir / CADDI).read_text(encoding="utf-8"))
    assert len(blocks) == 2
    return blocks


def kw(file_path: str) -> dict:
    return {"source": "test", "file_path": file_path, "snapshot_date": DAY}


def test_digikey_v3_ne555_three_packagings_share_one_pool(feeds_dir):
    payload = json.loads((feeds_dir / V3).read_text(encoding="utf-8"))
    offers, quarantined = parse(digikey, payload, **kw(V3))
    assert quarantined == []
    assert len(offers) == 10
    ne555dr = [o for o in offers if o.mpn_raw == "NE555DR"]
    assert {o.sku: o.packaging for o in ne555dr} == {
        "296-6501-2-ND": "Tape & Reel (TR)",
        "296-6501-1-ND": "Cut Tape (CT)",
        "296-6501-6-ND": "Digi-Reel®",
    }
    assert len({o.stock_pool for o in ne555dr}) == 1
    by_sku = {o.sku: o for o in ne555dr}
    reel = by_sku["296-6501-2-ND"]
    assert reel.moq == 2500
    assert reel.stock_raw == "22500" and reel.stock == 24316  # the pool figure
    assert by_sku["296-6501-1-ND"].moq == 1
    assert all(o.lead_time_days == 42 and o.lead_time_raw == "6 weeks" for o in offers)
    assert all(o.lifecycle_raw == "Active" for o in offers)
    assert reel.manufacturer_raw == "Texas Instruments"
    assert reel.price_breaks[0].quantity == 2500
    assert reel.price_breaks[0].unit_price == pytest.approx(0.07265)
    assert reel.currency == "USD"
    assert reel.record_path == "$.Parts[0]"
    # NE555P (tube) has no same-MPN alternates: its own pool
    tube = next(o for o in offers if o.mpn_raw == "NE555P")
    assert tube.stock_pool == tube.sku == "296-1411-5-ND" and tube.stock == 51722
    # the three NE555PWR packagings form another pool, not mixed with NE555DR
    assert len({o.stock_pool for o in offers if o.mpn_raw == "NE555PWR"}) == 1
    assert {o.stock_pool for o in offers if o.mpn_raw == "NE555PWR"} != {reel.stock_pool}


def test_mouser_jp_response(caddi_blocks):
    offers, quarantined = parse(mouser, caddi_blocks[0], **kw(CADDI))
    assert quarantined == []
    (o,) = offers
    assert o.sku == "595-LM358BAIPWR" and o.mpn_raw == "LM358BAIPWR"
    assert o.stock == 6178 and o.stock_raw == "6178 在庫"
    assert o.lead_time_days == 42 and o.lead_time_raw == "42 日"
    assert o.lifecycle_raw is None
    assert o.moq == 1 and o.order_multiple == 1
    assert o.currency == "JPY"
    assert [(b.quantity, b.unit_price) for b in o.price_breaks][:3] == [(1, 48.0), (10, 32.8), (25, 29.1)]
    b10 = o.price_breaks[1]
    assert b10.currency == "JPY" and b10.price_raw == "¥32.8"
    assert len(o.price_breaks) == 10 and o.price_breaks[-1].quantity == 8000
    assert o.record_path == "$.SearchResults.Parts[0]"


def test_digikey_v4_lm358_variations_share_pool(caddi_blocks):
    offers, quarantined = parse(digikey, caddi_blocks[1], **kw(CADDI))
    assert quarantined == []
    assert [o.sku for o in offers] == [
        "296-LM358BAIPWRTR-ND",
        "296-LM358BAIPWRCT-ND",
        "296-LM358BAIPWRDKR-ND",
    ]
    assert len({o.stock_pool for o in offers}) == 1
    assert all(o.stock == 4197 for o in offers)
    assert all(o.lead_time_days == 42 and o.lead_time_raw == "6" for o in offers)
    assert all(o.lifecycle_raw == "Active" and o.last_buy_date is None for o in offers)
    assert all(o.currency == "USD" for o in offers)
    assert [o.moq for o in offers] == [2000, 1, 1]
    tr = offers[0]
    assert tr.packaging == "Tape & Reel (TR)"
    assert tr.price_breaks[0].quantity == 2000 and tr.price_breaks[0].unit_price == pytest.approx(0.12562)
    assert tr.category_raw == (
        "Integrated Circuits (ICs) > Linear > Amplifiers > Instrumentation, Op Amps, Buffer Amps"
    )
    assert offers[1].record_path == "$.Products[0].ProductVariations[1]"


def test_tme_search_and_prices_join_on_symbol(feeds_dir):
    search = json.loads((feeds_dir / TME_SEARCH).read_text(encoding="utf-8"))
    prices = json.loads((feeds_dir / TME_PRICES).read_text(encoding="utf-8"))
    offers, quarantined, failed = parse_many(tme,
        [(TME_SEARCH, search), (TME_PRICES, prices)], source="tme", snapshot_date=DAY
    )
    assert failed == [] and quarantined == []
    assert len(offers) == 20
    by_sku = {o.sku: o for o in offers}
    pwr = by_sku["LM393PWR"]
    assert pwr.mpn_raw == "LM393PWR" and pwr.manufacturer_raw == "TEXAS INSTRUMENTS"
    assert pwr.price_breaks[0].quantity == 3 and pwr.price_breaks[0].unit_price == pytest.approx(0.202)
    assert pwr.moq == 3
    assert pwr.stock == 0
    assert pwr.prices_include_vat is True and pwr.vat_rate == 0.0
    assert pwr.currency == "USD"
    assert by_sku["LM393D-TI"].mpn_raw == "LM393D" and by_sku["LM393D-TI"].price_breaks[0].quantity == 3
    assert by_sku["LM393D-TI"].stock == 20
    assert by_sku["LM393MX/NOPB"].stock == 1001  # \/ unescaped
    assert by_sku["LM393ADT"].stock == 2195
    assert "2÷30V" in by_sku["LM393BIDR"].description
    assert all(o.file_path == TME_SEARCH for o in offers)


def test_tme_search_alone_still_gives_offers(feeds_dir):
    search = json.loads((feeds_dir / TME_SEARCH).read_text(encoding="utf-8"))
    offers, quarantined = parse(tme, search, **kw(TME_SEARCH))
    assert len(offers) == 20 and quarantined == []
    assert all(o.stock is None and o.price_breaks == [] and o.prices_include_vat is False for o in offers)


def test_lcsc_product_detail(feeds_dir):
    (payload,) = fenced_json_blocks((feeds_dir / LCSC).read_text(encoding="utf-8"))
    offers, quarantined = parse(lcsc, payload, **kw(LCSC))
    assert quarantined == []
    (o,) = offers
    assert o.sku == "C5832200" and o.mpn_raw == "WSL3921L2000FEA"
    assert o.manufacturer_raw == "Vishay Intertech" and o.distributor == "LCSC"
    assert o.stock == 95  # stockNumber = stockSz 92 + stockJs 3 + wmStockHk 0
    assert o.moq == 1 and o.packaging == "Tape & Reel (TR)"
    assert o.category_raw == "Resistors > Chip Resistor - Surface Mount"
    assert o.currency == "USD"
    assert [(b.quantity, b.unit_price, b.price_raw) for b in o.price_breaks] == [
        (1, 1.3857, "1.3857"),
        (10, 1.1614, "1.1614"),
        (30, 1.0373, "1.0373"),
        (100, 0.8989, "0.8989"),
        (500, 0.8369, "0.8369"),
        (1000, 0.8082, "0.8082"),
    ]
    assert o.record_path == "$.result"
    assert "0.2mΩ" in o.description and "℃" in o.description

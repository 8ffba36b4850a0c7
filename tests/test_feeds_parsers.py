"""Each provider parser against our own small fixtures (tests/fixtures/feeds/landing), which reproduce the
quirks of the real samples plus the row rules. Nexar fixtures follow the documented GraphQL schema."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from orchestration.feeds import common, digikey, lcsc, mouser, nexar, tme
from orchestration.feeds.records import OFFER_SCHEMA, FeedFileError
from tests.feed_offers import parse, parse_many

FEEDS = Path(__file__).parent / "fixtures" / "feeds" / "landing" / "feeds"
DAY = date(2025, 10, 14)


def load(rel: str) -> dict:
    return json.loads((FEEDS / rel).read_text(encoding="utf-8"))


def run(module, rel: str):
    return parse(module, load(rel), source=rel.split("/")[0], file_path=rel, snapshot_date=DAY)


def rules(quarantined) -> list[tuple[str, str, str | None]]:
    return [(q.location, q.rule, q.raw_value) for q in quarantined]


# ---------------------------------------------------------------- DigiKey


def test_digikey_v3_pool_moq_lead_time_and_rules():
    offers, quarantined = run(digikey, "digikey/2025-10-14/v3_ne555.json")
    by_sku = {o.sku: o for o in offers}
    assert set(by_sku) == {"296-6501-2-ND", "296-6501-1-ND", "296-6501-6-ND", "296-1411-5-ND"}
    trio = [by_sku[s] for s in ("296-6501-2-ND", "296-6501-1-ND", "296-6501-6-ND")]
    assert {o.stock_pool for o in trio} == {"296-6501-1-ND"}
    assert all(o.stock == 24316 for o in trio)  # pool figure
    assert trio[0].stock_raw == "22500" and trio[0].moq == 2500
    assert all(o.lead_time_days == 42 for o in trio)
    assert trio[0].lifecycle_raw == "Active"
    assert (
        trio[0].category_raw
        == "Integrated Circuits (ICs) > Clock/Timing - Programmable Timers and Oscillators"
    )
    # break with quantity 0 dropped, the others kept
    assert [b.quantity for b in by_sku["296-6501-1-ND"].price_breaks] == [1, 10]
    tube = by_sku["296-1411-5-ND"]
    assert tube.stock is None and tube.stock_raw == "-3"  # negative stock nulled, raw kept
    assert tube.lifecycle_raw == "Obsolete"
    assert tube.lead_time_days is None and tube.lead_time_raw is None
    assert [(b.quantity, b.unit_price) for b in tube.price_breaks] == [(10, 0.329)]
    assert rules(quarantined) == [
        ("$.Parts[1].StandardPricing[2]", "non_positive_break_quantity", "0"),
        ("$.Parts[3]", "negative_stock", "-3"),
        ("$.Parts[3].StandardPricing[0]", "non_positive_price", "0.0"),
        ("$.Parts[4]", "empty_mpn", "296-99999-ND"),
    ]


def test_digikey_v4_keyword_search():
    offers, quarantined = run(digikey, "digikey/2025-10-14/keyword_v4.json")
    assert [o.sku for o in offers] == ["1727-2N7002215TR-ND", "1727-2N7002215CT-ND"]
    tr, ct = offers
    assert tr.stock_pool == ct.stock_pool == "1727-2N7002215CT-ND"
    assert tr.stock == ct.stock == 8123
    assert tr.moq == 3000 and tr.order_multiple == 3000 and ct.moq == 1
    assert tr.lead_time_days == 42 and tr.lead_time_raw == "6"
    assert tr.lifecycle_raw == "Last Time Buy"
    assert tr.last_buy_date == date(2026, 3, 31)
    assert tr.currency == "EUR" and tr.price_breaks[0].currency == "EUR"  # SearchLocaleUsed.Currency
    assert tr.mpn_raw == "2N7002,215" and tr.manufacturer_raw == "Nexperia USA Inc."
    assert tr.category_raw == "Discrete Semiconductor Products > Transistors > FETs, MOSFETs"
    assert [(b.quantity, b.unit_price) for b in ct.price_breaks] == [(1, 0.31)]
    assert rules(quarantined) == [
        ("$.Products[0].ProductVariations[1].StandardPricing[1]", "unparsable_price", "N/A"),
        ("$.Products[1]", "empty_sku", "NOVAR-1"),
    ]


def test_digikey_v4_product_details():
    offers, quarantined = run(digikey, "digikey/2025-10-14/details_v4.json")
    assert quarantined == []
    assert [o.record_path for o in offers] == [
        "$.Product.ProductVariations[0]",
        "$.Product.ProductVariations[1]",
    ]
    assert {o.stock for o in offers} == {4197} and len({o.stock_pool for o in offers}) == 1
    assert all(o.currency == "USD" for o in offers)  # no SearchLocaleUsed -> USD


@pytest.mark.parametrize(
    "payload, fragment",
    [
        ({"Foo": []}, "unknown DigiKey shape"),
        ({"ErrorMessage": "Unauthorized", "StatusCode": 401}, "DigiKey API error"),
    ],
)
def test_digikey_unknown_shape(payload, fragment):
    with pytest.raises(FeedFileError, match=fragment):
        parse(digikey, payload, source="digikey", file_path="x.json", snapshot_date=DAY)


# ---------------------------------------------------------------- Mouser


def test_mouser_eu_locale_and_rules():
    offers, quarantined = run(mouser, "mouser/2025-10-14/mouser_de.json")
    by_sku = {o.sku: o for o in offers}
    assert set(by_sku) == {"771-2N7002-T/R", "71-WSL3921L2000FEA", "595-TPS62A02ADRLR"}
    a = by_sku["771-2N7002-T/R"]
    assert a.stock == 6178 and a.stock_raw == "6,178 In Stock"
    assert a.lead_time_days == 56 and a.lead_time_raw == "8 Wochen"
    assert a.lifecycle_raw == "Discontinued"  # IsDiscontinued "true", LifecycleStatus null
    assert a.packaging == "Reel, Cut Tape"
    assert [(b.quantity, b.unit_price, b.currency, b.price_raw) for b in a.price_breaks] == [
        (1, pytest.approx(0.10), "EUR", "0,10 €"),
        (100, pytest.approx(0.035), "EUR", "0,035 €"),
    ]
    b = by_sku["71-WSL3921L2000FEA"]
    assert b.stock is None and b.stock_raw == "None"  # AvailabilityInStock "-5" quarantined
    assert b.lifecycle_raw == "End of Life"
    assert b.lead_time_days == 42
    assert b.price_breaks[0].unit_price == pytest.approx(1234.56)
    assert b.moq == 3000 and b.order_multiple == 3000
    c = by_sku["595-TPS62A02ADRLR"]
    assert c.stock == 1500  # AvailabilityInStock wins over "1.500 auf Lager"
    assert c.lifecycle_raw == "New Product"
    assert [(x.quantity, x.unit_price, x.currency) for x in c.price_breaks] == [(1, 0.10, "USD")]
    assert rules(quarantined) == [
        ("$.SearchResults.Parts[0].PriceBreaks[1]", "unparsable_price", "N/A"),
        ("$.SearchResults.Parts[0].PriceBreaks[3]", "unknown_currency", "XYZ"),
        ("$.SearchResults.Parts[1]", "negative_stock", "-5"),
        ("$.SearchResults.Parts[2]", "empty_sku", "LM358BAIPWR"),
        ("$.SearchResults.Parts[3]", "empty_mpn", "999-EMPTY"),
        ("$.SearchResults.Parts[4].PriceBreaks[1]", "non_positive_break_quantity", "0"),
        ("$.SearchResults.Parts[4].PriceBreaks[2]", "non_positive_price", "$0.00"),
    ]


def test_mouser_errors_payload_is_a_failed_file():
    with pytest.raises(FeedFileError, match="Invalid unique identifier"):
        run(mouser, "mouser/2025-10-14/mouser_errors.json")


def test_mouser_errors_with_results_still_parse():
    payload = load("mouser/2025-10-14/mouser_de.json")
    payload["Errors"] = [{"Code": "Warning", "Message": "partial"}]
    offers, _ = parse(mouser, payload, source="mouser", file_path="x", snapshot_date=DAY)
    assert len(offers) == 3


def test_mouser_unknown_shape():
    with pytest.raises(FeedFileError, match="unknown Mouser shape"):
        parse(mouser, {"Products": []}, source="mouser", file_path="x", snapshot_date=DAY)


# ---------------------------------------------------------------- Nexar


def test_nexar_multimatch():
    offers, quarantined = run(nexar, "nexar/2025-10-14/multimatch.json")
    assert [(o.distributor, o.sku) for o in offers] == [
        ("Arrow Electronics", "BSS138,215"),
        ("Arrow Electronics", "BSS138,215-CT"),
        ("Win Source", "BSS138,215"),  # no sku -> the MPN
    ]
    arrow_reel, arrow_ct, broker = offers
    assert arrow_reel.distributor_country == "US"
    assert arrow_reel.is_authorized is True and arrow_reel.is_broker is False
    assert broker.is_authorized is False and broker.is_broker is True and broker.distributor_country == "HK"
    assert arrow_reel.lifecycle_raw == "Production (Last Updated: 1 month ago)"
    assert arrow_reel.category_raw == "Electronic Parts/Discrete Semiconductors/Transistors/MOSFETs"
    assert arrow_reel.description == "MOSFET N-CH 50V 360MA SOT23"
    assert arrow_reel.lead_time_days == 84  # offer factoryLeadDays
    assert arrow_ct.lead_time_days == 112  # part estimatedFactoryLeadDays
    assert broker.lead_time_days == 112
    assert arrow_reel.stock == 120000 and arrow_reel.moq == 3000 and arrow_reel.order_multiple == 3000
    assert arrow_reel.packaging == "Tape & Reel"
    assert [(b.quantity, b.unit_price, b.currency) for b in arrow_reel.price_breaks] == [
        (3000, 0.031, "USD"),
        (30000, 0.026, "USD"),
    ]
    assert arrow_ct.stock is None  # -1
    assert [(b.quantity, b.unit_price) for b in arrow_ct.price_breaks] == [(1, 0.30)]
    assert arrow_ct.record_path == "$.data.supMultiMatch[0].parts[0].sellers[0].offers[1]"
    p = "$.data.supMultiMatch[0].parts"
    assert rules(quarantined) == [
        (f"{p}[0].sellers[0].offers[1]", "negative_stock", "-1"),
        (f"{p}[0].sellers[0].offers[1].prices[1]", "unknown_currency", "ABC"),
        (f"{p}[0].sellers[2]", "empty_distributor", "BSS138,215"),
        (f"{p}[1]", "empty_mpn", ""),
    ]


def test_nexar_search_mpn_lifecycle_from_value():
    offers, quarantined = run(nexar, "nexar/2025-10-14/search_mpn.json")
    assert quarantined == []
    (o,) = offers
    assert o.record_path == "$.data.supSearchMpn.results[0].part.sellers[0].offers[0]"
    assert o.lifecycle_raw == "NRND"  # displayValue null -> value
    assert o.lead_time_days == 182 and o.stock == 0 and o.currency == "EUR"
    assert o.distributor == "Mouser" and o.sku == "340-MT40A512M16TB62ER"


def test_nexar_sup_parts_and_unwrapped():
    part = load("nexar/2025-10-14/search_mpn.json")["data"]["supSearchMpn"]["results"][0]["part"]
    offers, _ = parse(nexar, {"data": {"supParts": [part]}}, source="nexar", file_path="x", snapshot_date=DAY)
    assert offers[0].record_path == "$.data.supParts[0].sellers[0].offers[0]"
    offers, _ = parse(nexar, {"supParts": [part]}, source="nexar", file_path="x", snapshot_date=DAY)
    assert offers[0].record_path == "$.supParts[0].sellers[0].offers[0]"


@pytest.mark.parametrize(
    "payload, fragment",
    [
        ({"errors": [{"message": "Not authorized"}], "data": None}, "Not authorized"),
        ({"errors": [{"message": "Query too complex"}]}, "Query too complex"),
        ({"data": {"somethingElse": []}}, "unknown Nexar shape"),
    ],
)
def test_nexar_errors(payload, fragment):
    with pytest.raises(FeedFileError, match=fragment):
        parse(nexar, payload, source="nexar", file_path="x", snapshot_date=DAY)


# ---------------------------------------------------------------- TME


def tme_files(day: str) -> list[tuple[str, dict]]:
    folder = FEEDS / "tme" / day
    return [
        (f"tme/{day}/{p.name}", json.loads(p.read_text(encoding="utf-8")))
        for p in sorted(folder.glob("*.json"))
    ]


def test_tme_join_gross_vat_and_orphans():
    offers, quarantined, failed = parse_many(tme, tme_files("2025-10-14"), source="tme", snapshot_date=DAY)
    assert failed == []
    by_sku = {o.sku: o for o in offers}
    assert set(by_sku) == {"LM393PWR", "LM393MX/NOPB", "LM393-NOPRICE"}
    pwr = by_sku["LM393PWR"]
    assert pwr.mpn_raw == "LM393PWR" and pwr.moq == 3 and pwr.packaging == "RL1:2000"
    assert pwr.price_breaks[0].quantity == 3 and pwr.price_breaks[0].unit_price == pytest.approx(0.248)
    assert pwr.currency == "EUR"
    assert pwr.prices_include_vat is True and pwr.vat_rate == pytest.approx(0.23)
    assert pwr.stock == 0
    nopb = by_sku["LM393MX/NOPB"]
    assert nopb.stock == 1001 and nopb.lifecycle_raw == "NOT_IN_OFFER, DISCONTINUED"
    assert [b.quantity for b in nopb.price_breaks] == [1]
    assert "±1%" in nopb.description
    noprice = by_sku["LM393-NOPRICE"]
    assert noprice.stock is None and noprice.price_breaks == [] and noprice.prices_include_vat is False
    assert rules(quarantined) == [
        ("$.Data.ProductList[1].PriceList[1]", "non_positive_price", "-1"),
        ("$.Data.ProductList[2]", "price_without_product", "ORPHAN-1"),
        ("$.Content.Body.Data.ProductList[3]", "empty_mpn", "EMPTY-MPN"),
    ]
    assert {q.file_path for q in quarantined} == {"tme/2025-10-14/prices.json", "tme/2025-10-14/search.json"}


def test_tme_search_without_prices_file():
    offers, quarantined, failed = parse_many(tme, tme_files("2025-10-15"), source="tme", snapshot_date=DAY)
    assert failed == [] and len(offers) == 3
    assert all(o.stock is None and o.price_breaks == [] and o.currency is None for o in offers)
    assert [q.rule for q in quarantined] == ["empty_mpn"]


@pytest.mark.parametrize(
    "payload, fragment",
    [
        ({"StatusCode": 500, "Content": {"Body": {}}}, "StatusCode 500"),
        ({"Status": "E_INPUT_PARAMS_VALIDATION_ERROR", "Error": "bad token"}, "bad token"),
        ({"Status": "OK", "Data": {}}, "no Data.ProductList"),
        ({"Status": "OK", "Data": {"ProductList": [{"Foo": 1}]}}, "neither products nor prices"),
    ],
)
def test_tme_bad_files(payload, fragment):
    with pytest.raises(FeedFileError, match=fragment):
        parse(tme, payload, source="tme", file_path="x", snapshot_date=DAY)


# ---------------------------------------------------------------- LCSC


def test_lcsc_bare_result_warehouse_sum_and_cny():
    offers, quarantined = run(lcsc, "lcsc/2025-10-14/detail.json")
    (o,) = offers
    assert o.stock == 105  # no stockNumber: stockSz 92 + stockJs 3 + wmStockHk 10
    assert o.stock_raw == "stockSz=92 + stockJs=3 + wmStockHk=10"
    assert o.currency == "CNY"
    assert [(b.quantity, b.unit_price, b.price_raw) for b in o.price_breaks] == [
        (1, 9.95, "9.95"),
        (10, 8.34, "8.34"),
    ]
    assert o.packaging == "Tape & Reel (TR)" and o.record_path == "$"
    assert rules(quarantined) == [("$.productPriceList[2]", "unparsable_price", "N/A")]


def test_lcsc_error_code_and_list_results():
    with pytest.raises(FeedFileError, match="code 500"):
        parse(lcsc,
            {"code": 500, "msg": "busy", "result": None}, source="lcsc", file_path="x", snapshot_date=DAY
        )
    product = load("lcsc/2025-10-14/detail.json")
    offers, _ = parse(lcsc,
        {"code": 200, "result": {"productList": [product, product | {"productCode": "C2"}]}},
        source="lcsc",
        file_path="x",
        snapshot_date=DAY,
    )
    assert [o.sku for o in offers] == ["C5832200", "C2"]
    assert offers[1].record_path == "$.result.productList[1]"


# ---------------------------------------------------------------- records


def test_offers_table_has_the_offer_schema():
    rel = "mouser/2025-10-14/mouser_de.json"
    table, _, failed = common.parse_with_rules(mouser, [(rel, load(rel))], source="mouser", snapshot_date=DAY)
    assert failed == [] and table.num_rows == 3 and table.schema.equals(OFFER_SCHEMA)
    assert str(table.schema.field("price_breaks").type) == (
        "list<item: struct<quantity: int64, unit_price: double, currency: string, price_raw: string>>"
    )


def test_offer_defaults_stock_pool_to_sku():
    offers, _ = run(mouser, "mouser/2025-10-14/mouser_de.json")
    assert all(o.stock_pool == o.sku and o.is_authorized is True and o.is_broker is False for o in offers)

"""broker_csv: mapping.yml-driven CSV exports, the Arrow fast path, row rules with physical line numbers."""

from __future__ import annotations

import gzip
import shutil
import textwrap
from datetime import date
from pathlib import Path

import pytest

from orchestration import landing as landing_tree
from orchestration.feeds import broker_csv, registry
from orchestration.feeds.broker_csv import MappingError, load_mapping, mapping_from_dict
from orchestration.feeds.records import OFFER_SCHEMA
from tests.feed_offers import file_outcomes, offers_of

LANDING = Path(__file__).parent / "fixtures" / "feeds" / "landing"
ACME = LANDING / "feeds" / "acme_broker"
DAY = date(2025, 10, 14)


def rules(quarantined):
    return [(q.location, q.rule, q.raw_value) for q in quarantined]


@pytest.fixture(scope="module")
def acme():
    return registry.parse_snapshot("acme_broker", ACME / "2025-10-14", DAY, LANDING)


def test_acme_fixture_values(acme):
    assert acme.failed_files == []
    table = acme.table
    assert table.schema == OFFER_SCHEMA and table.num_rows == 4
    offers = {o.sku: o for o in offers_of(acme)}
    assert list(offers) == ["AB-1", "AB-2", "AB-4", "LM393PWR"]
    a = offers["AB-1"]
    assert (a.distributor, a.distributor_country, a.is_broker, a.is_authorized) == (
        "Acme Brokers Ltd",
        "HK",
        True,
        False,
    )
    assert a.mpn_raw == "BSS138,215" and a.description == "MOSFET 50V µA"  # cp1252 decoded
    assert a.stock == 1500 and a.stock_raw == "1.500"
    assert a.lead_time_days == 84 and a.lead_time_raw == "12"  # bare weeks
    assert a.moq == 100 and a.stock_pool == "AB-1"
    assert [(b.quantity, b.unit_price, b.currency, b.price_raw) for b in a.price_breaks] == [
        (100, pytest.approx(0.045), "EUR", "0,045"),
        (1000, pytest.approx(0.031), "EUR", "0,031"),
    ]
    assert a.record_path == "line 2" and a.file_path == "feeds/acme_broker/2025-10-14/stock.csv"
    b = offers["AB-2"]
    assert b.mpn_raw == "2N7002,215"  # quoted comma kept
    assert b.stock == 6178 and b.lead_time_days == 56 and b.last_buy_date == date(2026, 3, 31)
    assert b.description == "Mehrzeilige\r\nBeschreibung"
    assert [(x.quantity, x.unit_price) for x in b.price_breaks] == [(10, pytest.approx(1.20))]
    c = offers["AB-4"]
    assert c.record_path == "line 7"  # line 3 holds a two-line quoted field
    assert c.stock is None and c.stock_raw == "-20"
    assert c.currency == "USD" and c.price_breaks[0].unit_price == pytest.approx(1234.56)
    d = offers["LM393PWR"]
    assert d.sku == "LM393PWR"  # no Art.-Nr. -> MPN
    assert d.stock is None and d.stock_raw == "=SUMME(A1:A3)"  # a formula is never evaluated
    assert d.lead_time_days == 28 and d.price_breaks == [] and d.currency is None
    assert rules(acme.quarantined) == [
        ("line 3", "unparsable_price", "N/A"),
        ("line 3", "non_positive_break_quantity", "0"),
        ("line 6", "empty_mpn", "AB-3"),
        ("line 7", "negative_stock", "-20"),
        ("line 7", "unparsable_date", "31.12.2025"),
        ("line 7", "non_positive_price", "-1"),
        ("line 7", "unparsable_price", "abc"),
        ("line 8", "unparsable_stock", "=SUMME(A1:A3)"),
        ("line 8", "negative_moq", "0"),
        ("line 8", "unknown_currency", "XYZ"),
    ]
    assert list(file_outcomes(acme).values()) == [("loaded", 4, 10)]


def write_source(tmp_path: Path, mapping: str, files: dict[str, bytes]) -> Path:
    src = tmp_path / "feeds" / "shop"
    day = src / "2025-10-14"
    day.mkdir(parents=True)
    (src / "mapping.yml").write_text(textwrap.dedent(mapping), encoding="utf-8")
    for name, data in files.items():
        (day / name).write_bytes(data)
    return day


SIMPLE_MAPPING = """
    distributor: Shop
    currency: USD
    columns:
      sku: SKU
      mpn_raw: MPN
      manufacturer_raw: Maker
      stock: Qty
      description: Link
    price_breaks:
      - {quantity: 1, price: Unit Price}
      - {quantity: Q2, price: P2}
"""
SIMPLE_CSV = (
    "SKU,MPN,Maker,Qty,Unit Price,Q2,P2,Link\n"
    'S1,ABC-1,Acme,"6,178 In Stock",$0.10,100,0.08,"=HYPERLINK(""https://x.example/S1"",""S1"")"\n'
    "S2,ABC-2,Acme,12,0.5,,,\n"
)


def test_constant_break_quantity_hyperlink_kept_and_gzip(tmp_path):
    day = write_source(
        tmp_path,
        SIMPLE_MAPPING,
        {"a.csv": SIMPLE_CSV.encode(), "b.csv.gz": gzip.compress(SIMPLE_CSV.encode())},
    )
    result = registry.parse_snapshot("shop", day, DAY, tmp_path)
    assert result.failed_files == []
    offers = offers_of(result)
    assert [o.file_path.rsplit("/", 1)[-1] for o in offers] == ["a.csv", "a.csv", "b.csv.gz", "b.csv.gz"]
    s1 = offers[0]
    assert s1.description == '=HYPERLINK("https://x.example/S1","S1")'
    assert s1.stock == 6178 and s1.is_broker is True and s1.is_authorized is False
    assert [(b.quantity, b.unit_price, b.currency) for b in s1.price_breaks] == [
        (1, 0.10, "USD"),
        (100, 0.08, "USD"),
    ]
    assert [(b.quantity, b.unit_price) for b in offers[1].price_breaks] == [(1, 0.5)]
    assert offers[2].stock == 6178


def test_non_utf8_csv_fails_with_line(tmp_path):
    data = SIMPLE_CSV.replace("Acme", "Acmé").encode("cp1252")
    day = write_source(tmp_path, SIMPLE_MAPPING, {"a.csv": data, "ok.csv": SIMPLE_CSV.encode()})
    result = registry.parse_snapshot("shop", day, DAY, tmp_path)
    (failed,) = result.failed_files
    assert failed.file_path.endswith("a.csv")
    assert failed.reason.startswith("not valid utf-8 at line 2") and "encoding:" in failed.reason
    assert result.table.num_rows == 2  # ok.csv still loads


def test_ragged_line_fails_unless_truncate(tmp_path):
    csv = "SKU,MPN,Maker,Qty,Unit Price,Q2,P2,Link\nS1,BC856AT,115,Nexperia,5,0.1,,,\n"
    day = write_source(tmp_path, SIMPLE_MAPPING, {"a.csv": csv.encode()})
    (failed,) = registry.parse_snapshot("shop", day, DAY, tmp_path).failed_files
    assert "more fields than the header" in failed.reason
    (day.parent / "mapping.yml").write_text(textwrap.dedent(SIMPLE_MAPPING) + "ragged_lines: truncate\n")
    result = registry.parse_snapshot("shop", day, DAY, tmp_path)
    assert result.failed_files == [] and result.table.num_rows == 1


def test_missing_column_and_empty_files(tmp_path):
    day = write_source(
        tmp_path,
        SIMPLE_MAPPING,
        {
            "nocol.csv": b"SKU,MPN\nS1,A\n",
            "empty.csv": b"",
            "header.csv": b"SKU,MPN,Maker,Qty,Unit Price,Q2,P2,Link\n",
        },
    )
    result = registry.parse_snapshot("shop", day, DAY, tmp_path)
    reasons = {f.file_path.rsplit("/", 1)[-1]: f.reason for f in result.failed_files}
    assert set(reasons) == {"nocol.csv", "empty.csv"}
    assert "not in the header" in reasons["nocol.csv"] and "'Qty'" in reasons["nocol.csv"]
    assert reasons["empty.csv"].startswith("empty file")
    assert not any(path.endswith("header.csv") for path in file_outcomes(result))  # read, with no row


def test_bad_mapping_fails_every_file(tmp_path):
    day = write_source(tmp_path, "columns: {sku: SKU}\n", {"a.csv": SIMPLE_CSV.encode()})
    result = registry.parse_snapshot("shop", day, DAY, tmp_path)
    (failed,) = result.failed_files
    assert failed.reason.startswith("mapping.yml:") and "mpn_raw is required" in failed.reason
    assert result.table.num_rows == 0


@pytest.mark.parametrize(
    "raw, fragment",
    [
        ({"columns": {"mpn_raw": "M"}}, "distributor"),
        ({"distributor": "D", "columns": {"mpn_raw": "M", "colour": "C"}}, "not a mappable Offer field"),
        ({"distributor": "D", "columns": {"mpn_raw": "M"}, "currency": "XYZ"}, "ISO 4217"),
        ({"distributor": "D", "columns": {"mpn_raw": "M"}, "encoding": "klingon"}, "unknown encoding"),
        (
            {"distributor": "D", "columns": {"mpn_raw": "M"}, "price_breaks": [{"price": "P"}]},
            "needs `quantity`",
        ),
        ({"distributor": "D", "columns": {"mpn_raw": "M"}, "delimter": ";"}, "unknown keys"),
    ],
)
def test_mapping_validation(raw, fragment):
    with pytest.raises(MappingError, match=fragment):
        mapping_from_dict(raw)


def test_many_batches_keep_physical_line_numbers(tmp_path):
    """Several batches, quoted newlines spread over them: `line N` stays the physical line."""
    lines = ["SKU,MPN,Maker,Qty,Unit Price,Q2,P2,Link"]
    expected: dict[str, int] = {}
    bad_lines: list[int] = []
    physical = 1
    for i in range(3000):
        physical += 1
        note = f'"note\nrow {i}"' if i % 7 == 0 else "plain"
        qty = "-1" if i % 500 == 3 else (f"{i:,} In Stock" if i % 2 else str(i))
        if qty == "-1":
            bad_lines.append(physical)
        lines.append(f'S{i},M{i},Acme,"{qty}",{i % 10 + 1}.25,,,{note}')
        expected[f"S{i}"] = physical
        physical += note.count("\n")
    day = write_source(tmp_path, SIMPLE_MAPPING, {"big.csv": ("\n".join(lines) + "\n").encode()})
    mapping = load_mapping(day.parent / "mapping.yml")
    table, quarantined = broker_csv.parse_file_to_arrow(
        day / "big.csv", mapping, source="shop", file_path="big.csv", snapshot_date=DAY, batch_rows=250
    )
    assert table.num_rows == 3000
    got = dict(zip(table["sku"].to_pylist(), table["record_path"].to_pylist(), strict=True))
    assert got == {sku: f"line {n}" for sku, n in expected.items()}
    stocks = dict(zip(table["sku"].to_pylist(), table["stock"].to_pylist(), strict=True))
    assert stocks["S1001"] == 1001 and stocks["S1000"] == 1000 and stocks["S3"] is None
    assert [q.location for q in quarantined] == [f"line {n}" for n in bad_lines]
    assert {q.rule for q in quarantined} == {"negative_stock"}


def test_acme_folder_copy_with_source_named_differently(tmp_path):
    """The source name is the folder name; mapping.yml next to the date folders makes it a broker source."""
    dst = tmp_path / "feeds" / "other_broker"
    shutil.copytree(ACME, dst)
    assert landing_tree.feed_sources(tmp_path) == ["other_broker"]
    assert landing_tree.is_broker_source(tmp_path, "other_broker")
    result = registry.parse_snapshot("other_broker", dst / "2025-10-14", DAY, tmp_path)
    assert set(result.table["source"].to_pylist()) == {"other_broker"}


def test_mapping_errors_name_the_file_and_every_key(tmp_path):
    path = tmp_path / "mapping.yml"
    path.write_text(
        "distributor: D\ncolumns: {mpn_raw: M}\ndecimal: dot\nvat_rate: lots\nprice_breaks: [{quantity: Q, price: P}, {price: P2}]\n",
        encoding="utf-8",
    )
    with pytest.raises(MappingError) as raised:
        load_mapping(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    assert "decimal: Input should be 'point' or 'comma'" in message
    assert "vat_rate: " in message
    assert "price_breaks.1: needs `quantity` and `price`" in message


def test_mapping_reads_yaml_booleans_and_tab_names():
    mapping = mapping_from_dict(
        {"distributor": " D ", "columns": {"mpn_raw": "M", "stock_raw": "Q"}, "delimiter": "tab", "is_broker": "false"}
    )
    assert (mapping.distributor, mapping.delimiter, mapping.is_broker) == ("D", "\t", False)
    assert mapping.columns == {"mpn_raw": "M", "stock": "Q"}


def test_truncated_fields_are_kept_in_quarantine(tmp_path):
    csv = ("SKU,MPN,Maker,Qty,Unit Price,Q2,P2,Link\nS1,BC856A,Nexperia,5,0.1,,,x,lost;text\n"
           "S2,BC857A,Nexperia,7,0.2,,,y,,\n")
    day = write_source(tmp_path, textwrap.dedent(SIMPLE_MAPPING) + "ragged_lines: truncate\n", {"a.csv": csv.encode()})
    result = registry.parse_snapshot("shop", day, DAY, tmp_path)
    assert result.failed_files == [] and result.table["sku"].to_pylist() == ["S1", "S2"]
    assert [(q.location, q.rule, q.raw_value) for q in result.quarantined] == [("line 2", "extra_fields", "lost;text")]

"""Writes the committed bad-input corpus (run once by hand; the files are committed, this documents them).

    python tests/bad_inputs/make_corpus.py <a simulated landing tree>

Each file is a real-shaped landing file (trimmed from a simulated market) with one defect. The two large
inputs (a 200 MB broker CSV and a > 100 MB JSON response) are NOT here: tests/test_bad_inputs.py
generates them at test time. tests/test_bad_inputs.py lists every case and its exact expected behaviour.
"""

from __future__ import annotations

import copy
import csv
import gzip
import io
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write(name: str, data: bytes | str) -> None:
    path = HERE / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def main(landing: Path) -> None:
    dk = json.loads((landing / "feeds/digikey/2025-09-01/keywordsearch_p0001.json").read_text())
    ms = json.loads((landing / "feeds/mouser/2025-09-01/search_en-US_p0001.json").read_text())
    nx = json.loads((landing / "feeds/nexar/2025-09-01/supmultimatch_p0001.json").read_text())
    dk["Products"] = dk["Products"][:2]
    dk["ProductsCount"] = 2
    ms["SearchResults"]["Parts"] = ms["SearchResults"]["Parts"][:3]
    ms["SearchResults"]["NumberOfResult"] = 3
    nx["data"]["supMultiMatch"] = nx["data"]["supMultiMatch"][:2]
    text = json.dumps(dk, indent=1)
    cut = text.rindex(",", 0, len(text) // 2)  # a response cut off mid-transfer, between two values
    write("digikey_truncated.json", text[:cut + 1])
    write("mouser_top_level_list.json", json.dumps(ms["SearchResults"]["Parts"]))
    write("nexar_unknown_shape.json", json.dumps({"results": [{"mpn": "X"}], "status": "ok"}))
    write("digikey_empty.json", b"")
    write("mouser_whitespace_only.json", b"  \n\t \n")
    write("mouser_api_error.json", json.dumps({"Errors": [{"Id": 0, "Code": "Invalid", "Message": "Invalid unique identifier.",
                                                          "ResourceKey": "InvalidIdentifier"}], "SearchResults": None}))
    write("nexar_latin1.json", json.dumps(nx, ensure_ascii=False).replace("Nexperia", "Nexpéria").encode("latin-1"))
    write("nexar_not_gzip.json.gz", json.dumps(nx).encode())
    write("digikey_utf16_bom.json", json.dumps(dk).encode("utf-16"))
    bad = copy.deepcopy(dk)
    bad["Products"][0]["QuantityAvailable"] = -5
    write("digikey_negative_stock.json", json.dumps(bad))
    bad = copy.deepcopy(dk)
    bad["Products"][1]["ManufacturerProductNumber"] = "   "
    write("digikey_empty_mpn.json", json.dumps(bad))
    bad = copy.deepcopy(ms)
    bad["SearchResults"]["Parts"][0]["PriceBreaks"][0]["Price"] = "N/A"
    write("mouser_price_na.json", json.dumps(bad))
    bad = copy.deepcopy(ms)
    for brk in bad["SearchResults"]["Parts"][1]["PriceBreaks"]:
        brk["Currency"] = "XYZ"
        brk["Price"] = brk["Price"].replace("$", "")
    write("mouser_unknown_currency.json", json.dumps(bad))
    bad = copy.deepcopy(ms)  # an ISO currency with no USD rate: the parser keeps it, the GX raw suite quarantines it
    for brk in bad["SearchResults"]["Parts"][2]["PriceBreaks"]:
        brk["Currency"] = "KZT"
        brk["Price"] = brk["Price"].replace("$", "")
    write("mouser_currency_without_rate.json", json.dumps(bad))

    with (landing / "feeds/ampere_broker/2025-09-01/ampere_stock_20250901.csv").open(newline="") as handle:
        table = list(csv.reader(handle))
    header, rows = table[0], table[1:4]

    def csv_text(records: list[list[str]]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(records)
        return out.getvalue()

    desc, qty, mpn = header.index("Description"), header.index("Qty Avail"), header.index("Part No")
    write("broker_utf16.csv", csv_text([header, *rows]).encode("utf-16"))
    latin = copy.deepcopy(rows)
    latin[2][desc] = latin[2][desc] + " Ø 5µm"
    write("broker_latin1.csv", csv_text([header, *latin]).encode("latin-1"))
    formulas = copy.deepcopy(rows)
    formulas[0][desc] = '=HYPERLINK("http://example.invalid/x","click")'
    formulas[1][header.index("Stock Code")] = "=1+2"
    write("broker_formulas.csv", csv_text([header, *formulas]))
    renamed = [("Part Number" if c == "Part No" else c) for c in header]
    write("broker_missing_mpn_column.csv", csv_text([renamed, *rows]))
    write("broker_empty.csv", b"")
    negative = copy.deepcopy(rows)
    negative[1][qty] = "-40"
    write("broker_negative_stock.csv", csv_text([header, *negative]))
    write("broker_gzip_truncated.csv.gz", gzip.compress(csv_text([header, *rows]).encode())[:40])
    assert mpn >= 0

    bom = (landing / "boms/EDGE-AI-GW.csv").read_text().splitlines()
    write("bom_no_mpn_column.csv", "Designator,Qty,Value,Footprint\nR1,1,10k,0402\nC1,1,100n,0402\nU1,1,MCU,QFN48\n")
    write("bom_empty.csv", b"")
    write("bom_not_really.xlsx", b"PK\x03\x04 this is not a workbook")
    write("bom_utf16.csv", ("\n".join(bom[:6]) + "\n").encode("utf-16"))

    write("products_price_na.csv", "product,description,unit_price,unit_margin\n"
          "EDGE-AI-GW,Edge AI gateway,1450.00,420.00\nIND-IO-16,I/O module,N/A,120.00\n")
    write("demand_negative_units.csv", "product,week_start,units\nEDGE-AI-GW,2025-09-01,116\n"
          "EDGE-AI-GW,2025-09-08,-5\nIND-IO-16,not-a-date,10\n")
    write("on_hand_negative_stock.csv", 'mpn,manufacturer,quantity\n"PMPB40EPA,215",Nexperia,11499\n'
          'NTR4003NT1G,onsemi,-300\n,Murata,50\n')
    write("on_hand_missing_quantity_column.csv", 'mpn,manufacturer,qty_on_hand\n"PMPB40EPA,215",Nexperia,11499\n')
    write("manufacturer_sites_out_of_range.csv", "manufacturer,site_country,site_kind,capacity_share\n"
          "Nexperia,CN,assembly_test,0.6\nNexperia,GB,wafer_fab,1.7\nNexperia,DE,fab,0.3\n")
    write("fx_rates_unknown_currency.csv", "rate_date,currency,usd_rate\n2025-09-01,EUR,1.17\n2025-09-01,XYZ,0.5\n"
          "2025-09-01,GBP,-1\n")
    write("alternates_empty.csv", b"")
    misread_inputs(landing)


def misread_inputs(landing: Path) -> None:
    """Inputs that used to be misread in silence or to raise out of a parser."""
    negative = json.loads((HERE / "digikey_negative_stock.json").read_text())
    negative["Products"][0]["QuantityAvailable"] = 10**23  # raised OverflowError for the whole source
    write("digikey_stock_overflow.json", json.dumps(negative, indent=1))
    mouser = json.loads((HERE / "mouser_price_na.json").read_text())
    mouser["SearchResults"]["Parts"][0]["PriceBreaks"][0]["Price"] = "$0.10"
    for part, value in zip(mouser["SearchResults"]["Parts"], ["10k", "1e3", "0x10"], strict=True):
        part["Availability"] = part["AvailabilityInStock"] = value  # read as 10, 1 and 0 before
    write("mouser_stock_notation.json", json.dumps(mouser, indent=1))
    single = json.loads((HERE / "mouser_price_na.json").read_text())
    single["SearchResults"]["Parts"] = single["SearchResults"]["Parts"][1:2]
    single["SearchResults"]["NumberOfResult"] = 1
    doc = json.dumps(single, indent=1).replace('"AvailabilityInStock": "50579"',
                                               '"AvailabilityInStock": "50579",\n "AvailabilityInStock": "0"', 1)
    write("mouser_duplicate_key.json", doc)
    resend = json.loads((landing / "feeds/mouser/2025-09-01/search_en-US_p0001.json").read_text())
    part = resend["SearchResults"]["Parts"][0]
    part["Availability"], part["AvailabilityInStock"] = "12 In Stock", "12"  # 7,293 in the first file
    resend["SearchResults"]["Parts"], resend["SearchResults"]["NumberOfResult"] = [part], 1
    write("mouser_conflicting_stock.json", json.dumps(resend, indent=1))
    write("bom_dnp_blank_header.csv", "Ref,Qty,MPN,Manufacturer,\nR1,1,RC0402FR-0710KL,Yageo,\n"
          "R2,1,RC0402FR-0710KL,Yageo,NP\nR3,1,RC0402FR-0710KL,Yageo,\nC1,1,GRM155R71C104KA88D,Murata,DNP\n"
          "C2,1,GRM155R71C104KA88D,Murata,\n")
    write("bom_dnp_generic_header.csv", "Ref,Qty,MPN,Manufacturer,Notes\nR1,1,RC0402FR-0710KL,Yageo,\n"
          "R2,1,RC0402FR-0710KL,Yageo,No Stuff\nR3,1,RC0402FR-0710KL,Yageo,\n"
          "C1,1,GRM155R71C104KA88D,Murata,do not populate\nC2,1,GRM155R71C104KA88D,Murata,DNI\n")
    write("bom_wrong_dimension.xlsx", _xlsx_with_wrong_dimension())


def _xlsx_with_wrong_dimension() -> bytes:
    """21 rows, but the sheet's <dimension> tag says A1:D5."""
    import re
    import zipfile

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "BOM"
    sheet.append(["Designator", "Qty", "Manufacturer", "MPN"])
    for n in range(1, 21):
        sheet.append([f"R{n}", 1, "YAGEO", f"RC0402FR-07{n}KL"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source, out = zipfile.ZipFile(io.BytesIO(buffer.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:D5"/>', data)
            target.writestr(item, data)
    return out.getvalue()


if __name__ == "__main__":
    main(Path(sys.argv[1]))

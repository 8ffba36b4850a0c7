"""BOM reader on the project's own small fixtures (tests/fixtures/boms/), one per real-world quirk."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from orchestration.boms import (
    BOM_LINES_SCHEMA,
    BomFormatError,
    bom_lines_to_arrow,
    expand_designators,
    extract_mpn_from_text,
    load_override,
    read_bom,
)
from orchestration.boms.text import dnp_marker, parse_quantity
from orchestration.csvfile import decode_bytes, sniff_delimiter

FIX = Path(__file__).parent / "fixtures" / "boms"


def bom(name: str):
    path = FIX / name
    return read_bom(path, override=load_override(path))


def by_ref(parse, ref: str):
    (line,) = [ln for ln in parse.lines if ref in (ln.refdes or "").split(",")]
    return line


# ------------------------------------------------------------------------------------ designators
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("C1, C2, C5", ["C1", "C2", "C5"]),
        ("C1 C2 C5", ["C1", "C2", "C5"]),
        ("C1;C2;C5", ["C1", "C2", "C5"]),
        ("R1-R4", ["R1", "R2", "R3", "R4"]),
        ("R1\u2013R3", ["R1", "R2", "R3"]),
        ("R1..R3", ["R1", "R2", "R3"]),
        ("R1 - R3", ["R1", "R2", "R3"]),
        ("LED1-3", ["LED1", "LED2", "LED3"]),
        ("R01-R03", ["R01", "R02", "R03"]),
        ("c1, c2,c1", ["C1", "C2"]),
        ("R5, R1-R3, C2 C3", ["R5", "R1", "R2", "R3", "C2", "C3"]),
        ("USB-UART1, BAT_SENS_E1", ["USB-UART1", "BAT_SENS_E1"]),
        ("R10-R4", ["R10-R4"]),  # descending: kept as written, not expanded
        ("", []),
        (None, []),
    ],
)
def test_expand_designators(text, expected):
    assert expand_designators(text) == expected


# ---------------------------------------------------------------------------------- MPN from text
@pytest.mark.parametrize(
    ("text", "mpn"),
    [
        ("TPS62A02ADRLR(SOT-563-6)", "TPS62A02ADRLR"),
        ("BAT54C(SOT23-3)", "BAT54C"),
        ("RJP-003TC1(LPJ4112CNL)", "RJP-003TC1"),
        ("WPM2015-3/TR", "WPM2015-3/TR"),
        ("ESP32-WROVER-E", "ESP32-WROVER-E"),
        ("1.0uH/4.2A/DCR=35mR/20%/2.00x1.60x1.00mm/L2016(PIM201610-1R0MTS00)", "PIM201610-1R0MTS00"),
        ("33uH/2.1A/DCR=0.1R/20%/DBS135(PD3316MT330)", "PD3316MT330"),
        ("SS510/100V/5A/0.85V/DO214AB(SMC)", "SS510"),
        ("1N5822/SS34/SMA", "1N5822"),
        ("NA(GG0402052R542P)", "GG0402052R542P"),
        ("22uF/6.3V/20%/X5R/C0603", None),
        ("10k/R0402", None),
        ("49.9R/1%/R0402", None),
        ("LED/YELLOW/0603", None),
        ("15uF/100V/20%/RM2.5/6.3x11mm(Farnell:1281844)", None),
        ("FB0805/600R/2A", None),
        ("NA(10k/R0402)", None),
        ("NS(HN1x10)", None),
        ("Fiducial", None),
        ("Opened", None),
        ("Val**", None),
        ("4k7", None),
        ("100nF", None),
        ("", None),
        (None, None),
    ],
)
def test_extract_mpn_from_text(text, mpn):
    assert extract_mpn_from_text(text) == mpn


@pytest.mark.parametrize(
    ("text", "mark"),
    [("DNP", "DNP"), ("10k DNF", "DNF"), ("do not populate", "DO NOT POPULATE"), ("No Load", "NO LOAD"),
     ("NF", "NF"), ("NA(10k/R0402)", "NA"), ("NS(HN1x10)", "NS"), ("NA/R0402", "NA"),
     ("10uF NP", None), ("NC", None), ("10k", None), ("NAND flash", None), ("", None)],
)
def test_dnp_marker(text, mark):
    assert dnp_marker(text)[0] == mark


@pytest.mark.parametrize(("text", "qty"), [("2", 2.0), (" 3 pcs", 3.0), ("1.5", 1.5), ("1,000", 1000.0),
                                           ("", None), ("=SUM(A1:A3)", None), ("n/a", None)])
def test_parse_quantity(text, qty):
    assert parse_quantity(text) == qty


# ------------------------------------------------------------------------------------- encodings
def test_decode_bytes_variants():
    text = "Ref,Value\nC1,4.7µF ±10%\n"
    assert decode_bytes(text.encode("utf-8")) == (text, "utf-8")
    assert decode_bytes(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf-8-sig")
    assert decode_bytes(b"\xff\xfe" + text.encode("utf-16-le")) == (text, "utf-16-le")
    assert decode_bytes(b"\xfe\xff" + text.encode("utf-16-be")) == (text, "utf-16-be")
    assert decode_bytes(text.encode("utf-16-le")) == (text, "utf-16-le")  # no BOM: NUL pattern
    assert decode_bytes(text.encode("cp1252")) == (text, "cp1252")


def test_sniff_delimiter():
    assert sniff_delimiter("a,b,c\n1,2,3\n") == ","
    assert sniff_delimiter('"Id";"Ref";"Qty";\n1;"R1,R2";2;;;\n2;"C1,C2,C3";3;;;\n') == ";"
    assert sniff_delimiter("a\tb\tc\n1,5\t2\t3\n") == "\t"
    assert sniff_delimiter("a|b|c\n1|2|3\n") == "|"


@pytest.mark.parametrize("name", ["utf16le_bom.csv", "utf16be_bom.csv", "cp1252_micro.csv", "utf8_sig.csv"])
def test_encodings_give_the_same_lines(name):
    p = bom(name)
    assert p.report["encoding"] in {"utf-16-le", "utf-16-be", "cp1252", "utf-8-sig"}
    assert [ln.refdes for ln in p.lines] == ["C1", "R1,R2", "U1"]
    assert p.lines[0].value == "4.7µF"
    assert p.lines[1].manufacturer_raw == "Würth Elektronik"
    assert p.lines[1].manufacturer_key == "WURTH"
    assert p.lines[1].mpn == "560112116042"
    assert p.lines[2].description == "Op-amp — dual"


# ----------------------------------------------------------------------------------------- quirks
def test_misleading_headers_and_column_shift():
    p = bom("misleading_headers.csv")
    roles = p.report["roles"]
    assert roles["mpn"] == "Manufacturer name"
    assert roles["manufacturer"] == "brand"
    col = {c["header"]: c for c in p.report["columns"]}
    assert col["Manufacturer name"]["reason"].startswith("content")
    q1 = by_ref(p, "Q1")
    assert (q1.mpn_raw, q1.mpn, q1.repaired_column_shift) == ("BC856AT,115", "BC856AT", True)
    assert q1.description == "PNP general purpose transistor"
    assert by_ref(p, "C15").refdes == "C15,C20,C23"
    assert by_ref(p, "C18").value == "2.2µF"
    assert by_ref(p, "D2").mpn == "LYL29K-H1K2-26-Z"
    assert sum(ln.repaired_column_shift for ln in p.lines) == 1


def test_olimex_style_semicolon_dnp_and_extraction():
    p = bom("olimex_semicolon.csv")
    assert p.report["format"] == "semicolon"
    assert p.report["roles"]["value"] == "Designation"
    assert "mpn" not in p.report["roles"]
    assert len(p.lines) == 12
    assert {ln.refdes for ln in p.lines if ln.is_dnp} == {"R44,R49", "C21", "EXT2,EXT1", "TVS2,TVS3"}
    u7 = by_ref(p, "U7")
    assert (u7.mpn, u7.mpn_source) == ("TPS62A02ADRLR", "extracted_from_text")
    assert by_ref(p, "L2").mpn == "PIM201610-1R0MTS00"
    c22 = by_ref(p, "C22")
    assert (c22.mpn, c22.mpn_source, c22.value) == (None, "none", "22uF/6.3V/20%/X5R/C0603")
    assert by_ref(p, "C27").farnell_sku == "1281844"
    tvs = by_ref(p, "TVS2")
    assert tvs.is_dnp and tvs.mpn == "GG0402052R542P" and tvs.dnp_raw == "NA(GG0402052R542P)"
    logo = by_ref(p, "LOGO_OSHW")
    assert (logo.qty_per_unit, logo.mpn, logo.is_dnp) == (1.0, None, False)


def test_repeated_columns_become_alternates():
    p = bom("tomu_dup_columns.tsv")
    roles = p.report["roles"]
    assert roles["alt_mpn"] == "MPN" and roles["alt_manufacturer"] == "Manufacturer"
    u1 = by_ref(p, "U1")
    assert u1.mpn == "EFM32HG309F64G-B-QFN24"
    assert u1.alt_mpn == "EFM32HG309F64G-A-QFN24"
    assert u1.alt_manufacturer_key == "SILICON LABORATORIES"
    r3 = by_ref(p, "R3")
    assert r3.refdes == "R3,R4" and r3.manufacturer_key == "YAGEO"
    assert (r3.digikey_sku, r3.mouser_sku, r3.rs_sku, r3.newark_sku, r3.farnell_sku) == (
        "311-15LRCT-ND", "603RC0402FR0715RL", "6788800", "26M6782", "9239014")
    assert r3.alt_mpn is None


def test_bare_mpn_list():
    p = bom("kicost_bare_list.csv")
    assert p.report["shape"] == "one_row_per_unit"
    mpns = [ln.mpn_raw for ln in p.lines]
    assert "BT136S-600D,118" in mpns and "2N7002P,215" in mpns  # backslash escape removed
    assert "MCP98243-BE/ST" in mpns  # trailing spaces before the comma
    assert "A-DS 09 PP/Z" in mpns
    by_mpn = {ln.mpn_raw: ln for ln in p.lines}
    assert by_mpn["UWX1C220MCL1GB"].qty_per_unit == 3.0  # three duplicate rows merged
    assert by_mpn["742c163472"].mpn == "742C163472"
    assert by_mpn["0022232061"].mpn == "0022232061"
    assert by_mpn["490-2436-1-ND"].sku_distributor == "digikey"
    assert by_mpn["490-2436-1-ND"].digikey_sku == "490-2436-1-ND"
    assert by_mpn["78-MSS2P2HM3_A/H"].sku_distributor == "mouser"
    assert by_mpn["GRM1555C1H102JA01#"].mpn == "GRM1555C1H102JA01#"
    assert sum(ln.qty_per_unit for ln in p.lines) == 14
    assert len(p.lines) == 12


def test_all_digit_mpn_stays_text():
    p = bom("all_digit_mpn.csv")
    assert [(ln.refdes, ln.mpn_raw, ln.mpn) for ln in p.lines] == [
        ("J6", "9551667812741", "9551667812741"), ("J7", "0022232061", "0022232061")]
    assert bom_lines_to_arrow(p.lines).column("mpn").type == pa.string()


def test_title_block_above_header():
    p = bom("title_block.csv")
    assert p.report["header_row"] == 6
    assert [(ln.refdes, ln.source_row, ln.mpn) for ln in p.lines] == [
        ("C1,C2", 7, "GRM155R71C104KA88D"), ("U1", 8, "STM32F103C8T6")]


def test_newline_inside_quotes():
    p = bom("newline_in_quotes.csv")
    assert [ln.source_row for ln in p.lines] == [2, 4]
    assert p.lines[0].description == 'Buck converter\n1A, SOT-563 "tiny"'
    assert p.lines[1].description == "100nF, 16V"


def test_designator_ranges():
    p = bom("ranges.csv")
    assert [ln.designator_count for ln in p.lines] == [4, 3, 3, 3, 2, 3]
    assert not any(ln.qty_mismatch for ln in p.lines)
    assert p.lines[1].refdes == "C1,C2,C3"
    assert p.lines[4].refdes == "C5,C6"


def test_one_row_per_designator_is_grouped():
    p = bom("per_designator.csv")
    assert p.report["shape"] == "one_row_per_designator"
    assert [(ln.refdes, ln.qty_per_unit, ln.is_dnp) for ln in p.lines] == [
        ("R1,R2,R4", 3.0, False), ("R3", 1.0, True), ("C1,C2", 2.0, False), ("U1", 1.0, False)]
    assert p.lines[0].source_row == 2


def test_dnp_variants():
    p = bom("dnp_variants.csv")
    dnp = {ln.refdes: ln.dnp_raw for ln in p.lines if ln.is_dnp}
    assert dnp == {"R1": "10k DNP", "R2": "DNF", "R3": "do not populate", "R4": "no load", "R5": "NF",
                   "R6": "NA(10k/R0402)", "R7": "NS(HN1x10)"}
    assert not by_ref(p, "C1").is_dnp  # "NP" = non-polarised
    assert not by_ref(p, "U1").is_dnp  # "Low NF amplifier" in a description
    assert p.report["dnp_lines"] == 7


def test_populate_column_inverted():
    p = bom("populate_column.csv")
    assert [(ln.refdes, ln.is_dnp) for ln in p.lines] == [("R1,R3", False), ("R2", True)]


def test_distributor_sku_in_mpn_column():
    p = bom("sku_in_mpn.csv")
    got = {ln.refdes: (ln.mpn_is_distributor_sku, ln.sku_distributor) for ln in p.lines}
    assert got == {"Q1": (False, None), "U2": (False, None), "R1": (True, "digikey"), "R2": (True, "digikey"),
                   "U3": (True, "mouser"), "Q2": (True, "mouser"), "J1": (False, None), "J2": (False, None)}
    assert by_ref(p, "Q1").mpn == "2N7002P"
    assert by_ref(p, "U3").mouser_sku == "595-LM358BAIPWR"
    assert p.report["distributor_sku_lines"] == 4
    assert p.report["lines_with_mpn"] == 4


def test_quantity_mismatch_and_missing():
    p = bom("qty_mismatch.csv")
    r1, c1, u1 = p.lines
    assert (r1.qty_stated, r1.designator_count, r1.qty_per_unit, r1.qty_mismatch) == (2.0, 3, 2.0, True)
    assert "qty_mismatch" in r1.problems
    assert (c1.qty_stated, c1.qty_per_unit, c1.qty_mismatch) == (None, 2.0, False)
    assert (u1.qty_per_unit, u1.qty_mismatch) == (1.0, False)
    assert p.report["qty_mismatches"] == 1


def test_no_designator_and_no_part_column_raises():
    with pytest.raises(BomFormatError) as exc:
        bom("no_part_columns.csv")
    msg = str(exc.value)
    assert "no_part_columns.csv" in msg
    assert "Foo" in msg and "Bar" in msg and "Notes" in msg


def test_override_yml():
    path = FIX / "weird_headers.csv"
    ov = load_override(path)
    assert ov is not None and ov["delimiter"] == "|"
    p = read_bom(path, override=ov)
    assert p.report["override"] is True
    assert all(c["reason"] == "override" for c in p.report["columns"] if c["role"] in
               {"designators", "quantity", "mpn", "manufacturer"})
    assert [(ln.refdes, ln.qty_per_unit, ln.mpn, ln.manufacturer_key) for ln in p.lines] == [
        ("R1,R2", 2.0, "RC0402FR-0710KL", "YAGEO"), ("U1", 1.0, "LM358DR", "TI")]


def test_load_override_absent_and_bad(tmp_path):
    f = tmp_path / "x.csv"
    f.write_text("Ref,MPN\nR1,ABC123\n")
    assert load_override(f) is None
    (tmp_path / "x.yml").write_text("colums: {}\n")
    with pytest.raises(BomFormatError, match="unknown override keys"):
        load_override(f)
    (tmp_path / "x.yml").write_text("columns: {mpn: Nope}\n")
    with pytest.raises(BomFormatError, match="Nope"):
        read_bom(f, override=load_override(f))


def test_empty_file_raises(tmp_path):
    f = tmp_path / "empty.csv"
    f.write_bytes(b"")
    with pytest.raises(BomFormatError, match="empty"):
        read_bom(f)


def test_xlsx_title_block_numbers_and_formulas(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes.append(["This workbook holds the BOM on the next sheet"])
    ws = wb.create_sheet("BOM")
    ws.append(["Widget rev C"])
    ws.append([])
    ws.append(["Designator", "Quantity", "Manufacturer", "Mfr Part Number", "Description"])
    ws.append(["C1, C2", 2, "Murata", "GRM155R71C104KA88D", "100nF"])
    ws.append(["J6", 1, "Acme", 9551667812741, "all-digit MPN typed as a number"])
    ws.append(["R1-R3", "=COUNTA(A1:A3)", "Yageo", "RC0402FR-0710KL", "formula in qty"])
    ws.append(["U1", 1.0, "TI", "LM358DR", "float qty"])
    path = tmp_path / "widget.xlsx"
    wb.save(path)
    p = read_bom(path)
    assert p.report["format"] == "xlsx" and p.report["sheet"] == "BOM" and p.report["header_row"] == 3
    got = [(ln.refdes, ln.qty_per_unit, ln.qty_stated, ln.mpn, ln.source_row) for ln in p.lines]
    assert got == [
        ("C1,C2", 2.0, 2.0, "GRM155R71C104KA88D", 4),
        ("J6", 1.0, 1.0, "9551667812741", 5),
        ("R1,R2,R3", 3.0, None, "RC0402FR-0710KL", 6),  # formula not evaluated: designator count used
        ("U1", 1.0, 1.0, "LM358DR", 7),
    ]
    assert "not a number" in p.lines[2].problems
    assert any("formula" in prob for prob in p.problems)


def test_arrow_schema_and_report_keys():
    p = bom("tomu_dup_columns.tsv")
    table = bom_lines_to_arrow(p.lines)
    assert table.schema == BOM_LINES_SCHEMA
    assert table.num_rows == 3
    assert table.column("line_number").to_pylist() == [1, 2, 3]
    assert bom_lines_to_arrow([]).num_rows == 0
    for key in ("file", "product", "format", "encoding", "delimiter", "header_row", "columns", "lines",
                "designators", "dnp_lines", "lines_with_mpn", "lines_without_mpn", "qty_mismatches",
                "distributor_sku_lines", "problems"):
        assert key in p.report
    assert p.product == "tomu_dup_columns"
    assert all(c["reason"] for c in p.report["columns"] if c["role"])

"""The five real published BOMs in ../shared/fixtures/real/boms (not copied into the repo: licences vary).

Expected values were worked out from the raw text, not from the parser:
- ubertooth: `wc -l` = 45 → 44 data lines. A regex over each raw line (`^("([^"]*)"|([^,]*)),(\\d+),`)
  took the ref field and the amount: sum(amount) = 68 and, for every line, amount == number of
  ", "-separated refs. No DNP marker anywhere. All 44 lines carry a maker part number in column 5.
- OLIMEX: 81 data lines (`Id` 1..81). Splitting each raw line on ";" (no ";" inside quotes in this file):
  sum(Quantity) = 142 designators; lines whose Designation starts with `NA(`, `NA/` or `NS(` (Ids 11, 13,
  40, 41, 59, 61, 69, 70) are the 8 DNP lines holding 11 parts, so 131 placed. The MPN list below was
  chosen by reading each Designation by hand (a part number, not a value/spec string).
- tomu: awk -F'\\t' over the 7 data rows: sum(Qty) = 10; every row has an MPN; none DNP.
- KiCost part_list_big: `tail -n +2 | wc -l` = 430 rows; after `sed 's/ *,$//; s/"//g; s/\\\\//'`,
  `sort -u | wc -l` = 361 distinct MPNs (also 361 case-insensitively, so no case duplicates);
  `uniq -c` gives C0805C104K5RACTU x9, FSM4JH x5. `grep -- '-ND,'` finds 4 DigiKey SKUs, plus the
  Mouser SKU `78-MSS2P2HM3_A/H` by eye → 5 SKU lines, 356 lines with a real MPN.
- KiCost test_423: one data row `9551667812741;J6`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from orchestration.boms import read_bom

pytestmark = pytest.mark.real_fixtures

REAL = Path(os.environ.get("PARTRISK_REAL_FIXTURES", Path(__file__).resolve().parents[1].parent / "shared" /
                           "fixtures" / "real"))
BOMS = REAL / "boms"


def real(name: str):
    path = BOMS / name
    if not path.is_file():
        pytest.skip(f"real fixture {path} absent (set PARTRISK_REAL_FIXTURES or provide ../shared/fixtures/real)")
    return read_bom(path)


def line_for(parse, ref):
    (line,) = [ln for ln in parse.lines if ref in (ln.refdes or "").split(",")]
    return line


def placed(parse) -> float:
    return sum(ln.qty_per_unit for ln in parse.lines if not ln.is_dnp)


def test_ubertooth():
    p = real("greatscottgadgets_ubertooth__ubertooth-one-bom-order.csv")
    assert len(p.lines) == 44
    assert placed(p) == 68
    assert sum(ln.is_dnp for ln in p.lines) == 0
    assert sum(1 for ln in p.lines if ln.mpn) == 44
    assert p.report["roles"]["mpn"] == "Manufacturer name" and p.report["roles"]["manufacturer"] == "brand"
    c26 = line_for(p, "C26")
    assert (c26.refdes, c26.qty_per_unit, c26.mpn, c26.manufacturer_raw) == (
        "C26,C27,C28,C30,C33,C34", 6.0, "C1608X7R1H104K", "TDK")
    r3 = line_for(p, "R3")
    assert (r3.refdes, r3.qty_per_unit, r3.mpn, r3.manufacturer_raw) == (
        "R3,R9,R10,R14,R17", 5.0, "CR0603-JW-103ELF", "Bourns")
    assert line_for(p, "C18").value == "2.2µF"
    assert line_for(p, "D2").mpn_raw == "LY L29K-H1K2-26-Z"
    # the three unquoted NXP MPNs whose ",NNN" spilled into the description column
    shifted = {ln.refdes: (ln.mpn_raw, ln.description) for ln in p.lines if ln.repaired_column_shift}
    assert shifted == {
        "Q1": ("BC856AT,115", "PNP general purpose transistor"),
        "U4": ("LPC1754FBD80,551", "Microcontrollers (MCU) ARM Cortex M3 Micro Controller"),
        "U6": ("IP4220CZ6,125", "ESD Suppressors USB2.0 ESD PROTECT DUAL"),
    }
    assert line_for(p, "Q1").manufacturer_key == "NXP"
    assert line_for(p, "R12").manufacturer_key == "VISHAY DALE"


OLIMEX_MPNS = {  # Id → part number read by hand from the Designation text
    2: "P-B-V-10-LF", 3: "BAT54C", 4: "WPM2015-3/TR", 12: "RJP-003TC1", 16: "1N5819S4", 18: "IT1185AU2",
    22: "PIM201610-1R0MTS00", 25: "SS510", 27: "PD3316MT330", 30: "1N5822", 31: "MISB-SWMM-5B-LF",
    32: "TPS62A02ADRLR", 35: "TX4138", 36: "ESP32-WROVER-E", 38: "DW02S", 43: "TFC-9P-1.7H", 56: "SMAJ58A",
    57: "BC817-40", 61: "GG0402052R542P", 62: "ESDS314DBVR", 63: "LAN8710A-EZC", 71: "SN74LVC1G04DBVR",
    72: "TP4054-42-SOT25-R", 73: "LMUN2211LT1G", 77: "CH340X", 81: "TPS2378DDAR",
}


def test_olimex():
    p = real("OLIMEX_ESP32-POE__ESP32-PoE_Rev_M_BOM.csv")
    assert len(p.lines) == 81
    assert sum(ln.designator_count for ln in p.lines) == 142
    assert placed(p) == 131
    dnp = [ln for ln in p.lines if ln.is_dnp]
    assert len(dnp) == 8 and sum(ln.qty_per_unit for ln in dnp) == 11
    # Id n is on physical line n + 1 (one header line, no multi-line records)
    assert {ln.source_row - 1 for ln in dnp} == {11, 13, 40, 41, 59, 61, 69, 70}
    got = {ln.source_row - 1: ln.mpn_raw for ln in p.lines if ln.mpn_raw}
    assert got == OLIMEX_MPNS
    assert all(ln.mpn_source == "extracted_from_text" for ln in p.lines if ln.mpn_raw)
    r48 = line_for(p, "R48")
    assert (r48.designator_count, r48.qty_per_unit, r48.value, r48.mpn) == (11, 11.0, "10k/R0402", None)
    assert line_for(p, "R16").dnp_raw == "NA(10k/R0402)"
    assert line_for(p, "EXT1").dnp_raw == "NS(HN1x10)"
    assert line_for(p, "C27").farnell_sku == "1281844"
    assert not any(ln.qty_mismatch for ln in p.lines)


def test_tomu():
    p = real("im-tomu_tomu-hardware__1-click-bom.tsv")
    assert len(p.lines) == 7
    assert placed(p) == 10
    assert sum(ln.is_dnp for ln in p.lines) == 0
    assert sum(1 for ln in p.lines if ln.mpn) == 7
    r3 = line_for(p, "R4")
    assert (r3.refdes, r3.qty_per_unit, r3.mpn, r3.manufacturer_key, r3.digikey_sku) == (
        "R3,R4", 2.0, "RC0402FR-0715RL", "YAGEO", "311-15LRCT-ND")
    u1 = line_for(p, "U1")
    assert (u1.mpn, u1.alt_mpn, u1.alt_manufacturer_raw) == (
        "EFM32HG309F64G-B-QFN24", "EFM32HG309F64G-A-QFN24", "SILICON LABORATORIES INC")
    d2 = line_for(p, "D2")
    assert (d2.mpn, d2.manufacturer_raw, d2.mouser_sku) == (
        "LNJ247W82RA", "PANASONIC ELECTRONIC COMPONENTS (VA)", "667LNJ247W82RA")


def test_kicost_part_list_big():
    p = real("hildogjr_KiCost__tests_part_list_big.csv")
    assert len(p.lines) == 361
    assert placed(p) == 430
    assert sum(ln.is_dnp for ln in p.lines) == 0
    assert p.report["distributor_sku_lines"] == 5
    assert p.report["lines_with_mpn"] == 356
    by_raw = {ln.mpn_raw: ln for ln in p.lines}
    assert by_raw["C0805C104K5RACTU"].qty_per_unit == 9
    assert by_raw["FSM4JH"].qty_per_unit == 5
    assert by_raw["BT136S-600D,118"].mpn == "BT136S-600D"
    assert by_raw["2N7002P,215"].mpn == "2N7002P"
    assert by_raw["MCP98243-BE/ST"].mpn == "MCP98243-BE/ST"
    assert by_raw["A-DS 09 PP/Z"].mpn == "A-DS09PP/Z"
    assert by_raw["742c163472"].mpn == "742C163472"
    assert {raw for raw, ln in by_raw.items() if ln.mpn_is_distributor_sku} == {
        "MCP4922-E/P-ND", "490-2436-1-ND", "400MDP1R1BLKM2QE-ND", "311-100FRCT-ND", "78-MSS2P2HM3_A/H"}
    assert by_raw["0022232061"].mpn == "0022232061"
    assert by_raw["LMK212BJ"].mpn == "LMK212BJ"  # truncated MPN kept as written


def test_kicost_test_423_all_digit():
    p = real("hildogjr_KiCost__tests_test_423.csv")
    assert len(p.lines) == 1
    (ln,) = p.lines
    assert (ln.refdes, ln.qty_per_unit, ln.mpn_raw, ln.mpn, ln.is_dnp) == (
        "J6", 1.0, "9551667812741", "9551667812741", False)
    assert isinstance(ln.mpn, str)

"""Property tests: designator expansion, and BOM parsing invariant under column order, header synonyms,
delimiter, line ends and encoding."""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import asdict
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.boms import expand_designators, read_bom

# ------------------------------------------------------------------------------------ designators
_PREFIXES = ["R", "C", "U", "LED", "FID", "Q", "TP"]


def _render(des: list[tuple[str, int]], style: str, use_ranges: bool, range_mark: str, omit_prefix: bool,
            lower: bool) -> str:
    tokens: list[str] = []
    if use_ranges:
        by_prefix: dict[str, list[int]] = {}
        for p, n in des:
            by_prefix.setdefault(p, []).append(n)
        for p, nums in by_prefix.items():
            nums.sort()
            run = [nums[0]]
            for n in [*nums[1:], None]:
                if n is not None and n == run[-1] + 1:
                    run.append(n)
                    continue
                if len(run) >= 2:
                    end = f"{run[-1]}" if omit_prefix else f"{p}{run[-1]}"
                    tokens.append(f"{p}{run[0]}{range_mark}{end}")
                else:
                    tokens.append(f"{p}{run[0]}")
                if n is not None:
                    run = [n]
    else:
        tokens = [f"{p}{n}" for p, n in des]
    text = style.join(tokens)
    return text.lower() if lower else text


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(_PREFIXES), st.integers(1, 60)), min_size=1, max_size=25, unique=True),
    st.sampled_from([", ", ",", " ", "; ", ";"]),
    st.booleans(),
    st.sampled_from(["-", "\u2013", "..", "\u2212"]),
    st.booleans(),
    st.booleans(),
)
def test_designator_rendering_styles_expand_to_the_same_set(des, style, use_ranges, mark, omit_prefix, lower):
    text = _render(des, style, use_ranges, mark, omit_prefix, lower)
    expanded = expand_designators(text)
    assert set(expanded) == {f"{p}{n}" for p, n in des}
    assert len(expanded) == len(des)
    assert len(set(expanded)) == len(expanded)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_PREFIXES), st.integers(1, 60)), min_size=1, max_size=10))
def test_designator_duplicates_dropped_order_kept(des):
    text = ", ".join(f"{p}{n}" for p, n in des)
    expected = list(dict.fromkeys(f"{p}{n}" for p, n in des))
    assert expand_designators(text) == expected


# ------------------------------------------------------------------ BOM invariance under rendering
SYNONYMS = {
    "designators": ["Designator", "Reference", "Refs", "RefDes", "Ref", "Designators"],
    "quantity": ["Qty", "Quantity", "Amount", "QTY per board"],
    "mpn": ["MPN", "Manufacturer Part Number", "Mfr Part Number", "manf#", "Part Number", "Mfr. #"],
    "manufacturer": ["Manufacturer", "Mfr", "Brand", "Maker", "MFG"],
    "value": ["Value", "Val", "Comment"],
    "description": ["Description", "Desc", "Part Description"],
}
ROLES = list(SYNONYMS)
BASE = [  # role → cell, a small BOM exercising quoting, µ, ±, em dash, DNP, all-digit MPN, ranges
    {"designators": "C1, C2, C5", "quantity": "3", "mpn": "GRM155R71C104KA88D", "manufacturer": "Murata",
     "value": "100nF", "description": "Cap 100nF ±10% X7R, 0402"},
    {"designators": "R1-R4", "quantity": "4", "mpn": "RC0402FR-0710KL", "manufacturer": "YAGEO (VA)",
     "value": "10k", "description": "Res 10k 1% — thick film"},
    {"designators": "C7", "quantity": "1", "mpn": "C1608X5R1C225K", "manufacturer": "TDK",
     "value": "2.2µF", "description": "Cap 2.2µF 16V"},
    {"designators": "J6", "quantity": "1", "mpn": "9551667812741", "manufacturer": "Acme",
     "value": "CONN", "description": "Connector; all-digit MPN"},
    {"designators": "R9", "quantity": "1", "mpn": "RC0402FR-071KL", "manufacturer": "Yageo",
     "value": "DNP", "description": "Res 1k (not fitted)"},
    {"designators": "U1", "quantity": "1", "mpn": "LTC3807EFE#PBF", "manufacturer": "Linear Technology",
     "value": "LTC3807", "description": "Buck controller \"sync\""},
]


def _comparable(parse):
    out = []
    for line in parse.lines:
        d = asdict(line)
        d.pop("product")
        out.append(d)
    return out


_REFERENCE = None


def _reference():
    global _REFERENCE
    if _REFERENCE is None:
        _REFERENCE = _comparable(_write_and_read(ROLES, {r: SYNONYMS[r][0] for r in ROLES}, ",", "utf-8", "\n"))
    return _REFERENCE


def _write_and_read(order, headers, delimiter, encoding, lineterminator):
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator)
    w.writerow([headers[r] for r in order])
    for row in BASE:
        w.writerow([row[r] for r in order])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prop.csv"
        path.write_bytes(buf.getvalue().encode(encoding))
        return read_bom(path)


@settings(max_examples=60, deadline=None)
@given(
    st.permutations(ROLES),
    st.fixed_dictionaries({r: st.sampled_from(SYNONYMS[r]) for r in ROLES}),
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
    st.sampled_from(["\n", "\r\n"]),
)
def test_bom_invariant_under_order_synonyms_delimiter_encoding(order, headers, delimiter, encoding, eol):
    parse = _write_and_read(order, headers, delimiter, encoding, eol)
    assert _comparable(parse) == _reference()
    assert parse.report["lines"] == 6
    assert parse.report["dnp_lines"] == 1
    assert {parse.report["roles"][r] for r in ROLES} == set(headers.values())


def test_reference_parse_is_what_we_expect():
    ref = _reference()
    assert [r["refdes"] for r in ref] == ["C1,C2,C5", "R1,R2,R3,R4", "C7", "J6", "R9", "U1"]
    assert [r["mpn"] for r in ref] == ["GRM155R71C104KA88D", "RC0402FR-0710KL", "C1608X5R1C225K",
                                       "9551667812741", "RC0402FR-071KL", "LTC3807EFE"]
    assert [r["is_dnp"] for r in ref] == [False, False, False, False, True, False]
    assert ref[2]["value"] == "2.2µF"


_JUNK_ALPHABET = 'RCU123,;\t|"\n -DNPqtympnQtyRefMPNManufacturerValue\\#()/µ'


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(alphabet=_JUNK_ALPHABET, max_size=300).map(str.encode)))
def test_any_bytes_parse_or_raise_bom_format_error(data):
    from orchestration.boms import BomFormatError

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "junk.csv"
        path.write_bytes(data)
        try:
            parse = read_bom(path)
        except BomFormatError:
            return
        assert [ln.line_number for ln in parse.lines] == list(range(1, len(parse.lines) + 1))

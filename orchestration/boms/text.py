"""Cell-text classifiers used by the BOM reader: electrical values, packages, MPN-likeness, DNP markers,
and the MPN extraction for BOMs whose only part column is free text (OLIMEX `Designation`).

Rules of ``extract_mpn_from_text`` (in order; the first that yields something wins):

1. Blank → None.
2. A DNP wrapper (``NA(…)``, ``NS(…)``, ``NA/…``, ``DNP …``) is peeled off and the rest is examined.
3. A distributor reference in a trailing parenthesis (``(Farnell:1281844)``) is never an MPN.
4. ``HEAD(PAREN)`` where HEAD is one MPN-like token: HEAD (``TPS62A02ADRLR(SOT-563-6)``,
   ``RJP-003TC1(LPJ4112CNL)``); the parenthesis is a package or a second name.
5. A *spec string* (several ``/``-separated fields, at least one of which is a value, tolerance,
   dielectric, package or dimension: ``22uF/6.3V/20%/X5R/C0603``): the trailing parenthesis if it is
   MPN-like (``…/L2016(PIM201610-1R0MTS00)``), else the first MPN-like field (``SS510/100V/5A/…``,
   ``1N5822/SS34/SMA``), else None.
6. The whole text if it is one MPN-like token (``ESP32-WROVER-E``, ``WPM2015-3/TR``, ``IT1185AU2``).
7. Otherwise None.

MPN-like token: 4–40 characters from ``[A-Za-z0-9-_./#+,]`` (no spaces, no parentheses), at least one
digit, and at least one letter unless it has 6+ digits; and it is not an electrical value (``10k``, ``4k7``,
``22uF``, ``6.3V``, ``49.9R``, ``125mW``), a tolerance, a dielectric (``X5R``, ``C0G``), a package or
footprint code (``R0402``, ``C0603``, ``0805``, ``SOT23-5``, ``DO214AB``, ``L2016``, ``FB0805``), a
dimension (``6.3x11mm``, ``1x10``) or a ``key=value`` spec (``DCR=35mR``).
"""

from __future__ import annotations

import re

from ..feeds.text import clean_str

__all__ = [
    "dnp_marker",
    "extract_distributor_ref",
    "extract_mpn_from_text",
    "is_mpn_like",
    "is_package",
    "is_value",
    "looks_like_mpn_cell",
    "parse_quantity",
]

_MULT = r"(?:[pnuµμmkKMGR]|MEG)"
_UNIT = r"(?:F|H|V|A|W|Ω|OHMS?|R|HZ|MA|MW|MHZ|KHZ|VAC|VDC|VA|PPM|MAH|C|°C|DB)"
_VALUE_RES = [
    rf"^\d{{1,6}}(?:[.,]\d+)?\s*{_MULT}?\s*{_UNIT}?$",  # 10k, 22uF, 6.3V, 49.9R, 100nF, 125mW, 2.2µF, 33
    rf"^\d{{1,3}}{_MULT}\d{{1,3}}\s*{_UNIT}?$",  # 4k7, 2p2, 1R0, 6n8H, 2n2 (not 1N5822: 4 digits)
    r"^[±+\-]?\d+(?:[.,]\d+)?\s*%$",  # 20%, ±1%
    r"^\d+/\d+\s*W$",  # 1/16W
]
_VALUE_RE = re.compile("|".join(_VALUE_RES), re.IGNORECASE)
_DIELECTRIC_RE = re.compile(r"^(?:X[5-8][RSTPV]|Y5V|Z5U|C0G|COG|NP0|NPO|U2J|X7T|X6S)$", re.IGNORECASE)
_PACKAGE_RE = re.compile(
    r"""^(?:
        (?:R|C|L|D|F|FB|LED|CP|Q|X)?_?\d{4}(?:_\w+)?        # R0402, C0603, 0805, L2016, FB0805
      | (?:SOT|SOD|SC|TO|DO|QFN|DFN|QFP|LQFP|TQFP|SOIC|ESOIC|HSOIC|SSOP|TSSOP|MSOP|VSSOP|SOP|DIP|PDIP|BGA
          |LGA|WLCSP|SON|WSON|USON|VSON|SMA|SMB|SMC|SMD|SMT|PTH|THT|DPAK|D2PAK|MELF|MINIMELF|RM)
        (?:[\-_]?\d[0-9.]*[A-Z]{0,2}(?:[\-_][0-9A-Z.]+)*)?  # SOT23-5, SOT-563-6, DO214AB, QFN32, RM2.5
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_DIMENSION_RE = re.compile(r"\d(?:\.\d+)?x\d", re.IGNORECASE)  # 6.3x11mm, 2.00x1.60, HN1x10 (lowercase x)
_DIM_LOWER_X_RE = re.compile(r"\dx\d")
_KEY_VALUE_RE = re.compile(r"=")
_MPN_CHARS_RE = re.compile(r"^[A-Za-z0-9\-_./#+,]{4,40}$")
_DIST_REF_RE = re.compile(
    r"^(?P<dist>farnell|newark|mouser|digikey|digi-key|rs|lcsc|tme|element14)\s*[:#]\s*(?P<sku>\S+)$",
    re.IGNORECASE,
)
_TRAILING_PAREN_RE = re.compile(r"^(?P<head>.*?)\((?P<paren>[^()]*)\)$", re.DOTALL)


def is_value(token: str) -> bool:
    """An electrical value, tolerance or dielectric ("10k", "22uF", "4k7", "5%", "X7R")."""
    t = token.strip()
    return bool(t) and bool(_VALUE_RE.match(t) or _DIELECTRIC_RE.match(t))


def is_package(token: str) -> bool:
    """A package/footprint/dimension code ("R0402", "SOT23-5", "6.3x11mm", "DO214AB")."""
    t = token.strip()
    return bool(t) and bool(_PACKAGE_RE.match(t) or _DIMENSION_RE.search(t))


def is_mpn_like(token: str | None) -> bool:
    """One token that could be a manufacturer part number (see the module docstring)."""
    if token is None:
        return False
    t = token.strip()
    if not _MPN_CHARS_RE.match(t):
        return False
    digits = sum(ch.isdigit() for ch in t)
    letters = sum(ch.isalpha() for ch in t)
    if digits == 0 or (letters == 0 and digits < 6):
        return False
    return not (is_value(t) or is_package(t) or _DIM_LOWER_X_RE.search(t) or _KEY_VALUE_RE.search(t))


def looks_like_mpn_cell(cell: str | None) -> bool:
    """Column content test: a cell holding an MPN (real MPNs may carry a space or parentheses:
    "LY L29K-H1K2-26-Z", "SM03B-SRSS-TB(LF)(SN)", "TSX-3225 16.0000MF18X-AC3")."""
    if cell is None:
        return False
    t = cell.strip()
    if not t or len(t) > 40 or t.count(" ") > 2:
        return False
    compact = re.sub(r"[\s()]", "", t)
    if "/" in t and _is_spec_string(t):
        return False
    return is_mpn_like(compact)


def _is_spec_field(part: str) -> bool:
    p = part.strip()
    return bool(p) and (is_value(p) or is_package(p) or "=" in p or _DIM_LOWER_X_RE.search(p) is not None)


def _is_spec_string(text: str) -> bool:
    parts = [p for p in text.split("/") if p.strip()]
    return len(parts) >= 2 and any(_is_spec_field(p) for p in parts)


# DNP vocabulary. Whole words/phrases anywhere in a value/description/MPN cell, plus the OLIMEX wrappers.
_DNP_PHRASE_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:DNP|DNF|DNI|DNL|DNM|NOPOP|NO[\s_-]?POP|NF|N/F|NOT\s+FITTED|NOT\s+POPULATED|NOT\s+MOUNTED"
    r"|NOT\s+PLACED|DO\s*NOT\s+(?:POPULATE|PLACE|FIT|MOUNT|STUFF|INSTALL|ASSEMBLE)|NO[\s_-]?LOAD|NO[\s_-]?STUFF"
    r"|NO[\s_-]?FIT|UNPOPULATED|UNFITTED)(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_OLIMEX_DNP_RE = re.compile(r"^\s*(?P<mark>NA|NS|DNP|DNF)\s*(?:\((?P<inner>.*)\)|/(?P<rest>.*))\s*$", re.IGNORECASE | re.DOTALL)
# A cell that is nothing but a DNP-style marker. In a column of its own, "NP" means not placed (in a value
# column it is a non-polarised capacitor, so dnp_marker leaves it alone).
DNP_MARKER_CELLS = frozenset({"dnp", "dnf", "dni", "dns", "dnl", "dnm", "np", "nf", "n/f", "no load", "not fitted",
                              "not populated", "not placed", "no stuff", "nostuff", "no pop", "nopop", "no fit",
                              "do not populate", "do not place", "do not fit", "do not stuff", "do not mount",
                              "do not install", "unpopulated", "unfitted"})


def is_dnp_marker_cell(text: str) -> bool:
    """True when the whole cell is a DNP-style marker ("DNP", "NP", "do not populate", "No Stuff")."""
    return " ".join(text.replace("_", " ").split()).casefold() in DNP_MARKER_CELLS


# Values of a dedicated DNP / "populate" column.
DNP_COLUMN_TRUE = frozenset({"x", "yes", "y", "1", "true", "t", "excluded", "exclude", "omit", *DNP_MARKER_CELLS})
POPULATE_COLUMN_FALSE = frozenset({"no", "n", "0", "false", "f", "dnp", "dnf", "nf", "not fitted", "no load", "-",
                                   "do not populate", "do not place", "do not fit", "excluded", "exclude", "omit"})


def dnp_marker(text: str | None) -> tuple[str | None, str | None]:
    """(marker, inner text) when `text` marks a Do-Not-Populate part, else (None, None).

    ``"NA(10k/R0402)" → ("NA", "10k/R0402")``; ``"DNP" → ("DNP", "")``; ``"10k DNF" → ("DNF", "10k")``.
    "NP" (non-polarised) and "NC" (not connected) are not DNP markers.
    """
    if text is None:
        return None, None
    t = str(text).strip()
    if not t:
        return None, None
    m = _OLIMEX_DNP_RE.match(t)
    if m:
        inner = m.group("inner") if m.group("inner") is not None else m.group("rest")
        return m.group("mark").upper(), (inner or "").strip()
    if t.upper() in {"NA", "NS"}:
        return t.upper(), ""
    m2 = _DNP_PHRASE_RE.search(t)
    if m2:
        rest = (t[: m2.start()] + " " + t[m2.end():]).strip(" ,;:-()[]")
        return re.sub(r"\s+", " ", m2.group(0)).upper(), rest
    return None, None


def extract_distributor_ref(text: str | None) -> tuple[str, str] | None:
    """("farnell", "1281844") for a "(Farnell:1281844)" reference inside `text`, else None."""
    if not text:
        return None
    for chunk in re.findall(r"\(([^()]*)\)", text):
        m = _DIST_REF_RE.match(chunk.strip())
        if m:
            dist = m.group("dist").lower().replace("-", "")
            return ("farnell" if dist == "element14" else dist), m.group("sku")
    return None


def extract_mpn_from_text(text: str | None) -> str | None:
    """An MPN found in a free-text part designation, or None (rules in the module docstring)."""
    t = clean_str(text)
    if t is None:
        return None
    mark, inner = dnp_marker(t)
    if mark is not None and inner is not None and inner != t:
        return extract_mpn_from_text(inner)
    head, paren = t, None
    m = _TRAILING_PAREN_RE.match(t)
    if m:
        head, paren = m.group("head").strip(), m.group("paren").strip()
        if _DIST_REF_RE.match(paren):
            paren = None
    if paren is not None and head and not _is_spec_string(head) and is_mpn_like(head):
        return head
    if _is_spec_string(head):
        if paren and is_mpn_like(paren):
            return paren
        for part in head.split("/"):
            if is_mpn_like(part.strip()) and not _is_spec_field(part):
                return part.strip()
        return None
    if paren is None and is_mpn_like(t):
        return t
    if not head and paren and is_mpn_like(paren):
        return paren
    return None


_QTY_RE = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:pcs?|x|ea|units?)?\.?\s*$", re.IGNORECASE)


def parse_quantity(text: str | None) -> float | None:
    """Stated quantity: "2", "2.0", "3 pcs", "1,5" (decimal comma) → float; "" / "n/a" / formula → None."""
    if text is None:
        return None
    t = str(text).strip()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", t):  # 1,000 (thousands separator, not a decimal comma)
        t = t.replace(",", "")
    m = _QTY_RE.match(t)
    if not m:
        return None
    return float(m.group(1).replace(",", "."))

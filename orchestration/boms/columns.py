"""Column roles: a header-synonym table plus content tests, scored together. No branch per file.

Every column gets a score for every role: ``header score + content score``. The header score is 3 for an
exact synonym, 1 for a synonym contained in a longer header. The content score comes from what the
cells hold (designator shape, integers, MPN shape, known manufacturers via ``partkey``, values, SKU
shapes…), so content beats a misleading header: ubertooth's ``Manufacturer name`` (MPNs inside) scores
3 - 4 = -1 as manufacturer and 0 + 2.5 as mpn. Roles are then assigned greedily from the best score
down, one column per role (``notes``/``ignore`` may repeat). A header text repeated verbatim (tomu's
second ``Manufacturer``/``MPN`` pair) is read as the alternate of the first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..partkey import canonical_manufacturer, distributor_sku_kind
from .designators import is_designator_list
from .text import dnp_marker, is_dnp_marker_cell, is_package, is_value, looks_like_mpn_cell, parse_quantity

__all__ = ["HEADER_SYNONYMS", "PART_ROLES", "ROLES", "ColumnInfo", "assign_roles", "header_role_scores",
           "normalize_header"]

HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "designators": ("ref", "refs", "reference", "references", "refdes", "ref des", "designator", "designators",
                    "reference designator", "reference designators", "ref designator", "part reference",
                    "part references", "references designators", "circuit reference", "parts", "position"),
    "quantity": ("qty", "quantity", "amount", "count", "qnty", "qty per board", "qty per unit", "qty per pcb",
                 "quantity per pcb", "quantity per board", "qty/board", "pcs", "pieces", "number of parts",
                 "usage", "qty.", "menge", "anzahl"),
    "mpn": ("mpn", "manf#", "mfr#", "mfg#", "manf part", "mfr part", "mfr part number", "mfr part #",
            "mfr. part #", "mfr. #", "mfg part number", "mfg part #", "manufacturer part number",
            "manufacturer part", "manufacturer pn", "manufacturer p/n", "manufacturer part no",
            "manufacturer_part_number", "mfr pn", "mfg pn", "mfr no", "part number", "partnumber", "part no",
            "part #", "pn", "p/n", "mpn1", "manufacturer part #", "mfr_pn", "mfg_pn"),
    "manufacturer": ("manufacturer", "manufacturer name", "mfr", "mfg", "manf", "maker", "brand", "vendor",
                     "make", "manufacturer1", "mfr name", "mfg name", "hersteller"),
    "value": ("value", "val", "designation", "comment", "part value", "values", "wert"),
    "description": ("description", "desc", "part description", "item description", "component description",
                    "details", "beschreibung", "bezeichnung"),
    "footprint": ("footprint", "package", "pcb footprint", "case", "case/package", "package/case", "pattern",
                  "footprint name", "case code", "package type", "gehause"),
    "dnp": ("dnp", "dnf", "dni", "do not populate", "do not place", "do not fit", "not fitted", "exclude",
            "excluded", "dnp/dnf", "no load", "nofit", "exclude from bom"),
    "populate": ("populate", "populated", "fitted", "fit", "mount", "mounted", "place", "placed", "install",
                 "assemble", "assembly", "stuff", "stuffed", "load", "bestuckt"),
    "sku_digikey": ("digikey", "digi-key", "digikey part number", "digi-key part number", "digikey pn",
                    "digi-key pn", "digikey#", "digi-key#", "digikey part #", "digi-key part #", "dk pn",
                    "dk part", "digikey part", "digikey_pn", "digikey sku"),
    "sku_mouser": ("mouser", "mouser part number", "mouser pn", "mouser#", "mouser part #", "mouser part",
                   "mouser sku"),
    "sku_rs": ("rs", "rs components", "rs part number", "rs pn", "rs stock no", "rs#", "rs stock number"),
    "sku_newark": ("newark", "newark part number", "newark pn", "newark#"),
    "sku_farnell": ("farnell", "farnell part number", "farnell pn", "farnell#", "element14",
                    "farnell order code"),
    "sku_lcsc": ("lcsc", "lcsc part", "lcsc part number", "lcsc pn", "lcsc#", "lcsc part #", "jlcpcb part",
                 "jlcpcb part #", "jlc part"),
    "supplier_ref": ("supplier and ref", "supplier", "supplier part number", "supplier pn", "supplier ref",
                     "supplier part", "distributor", "distributor part number", "vendor part number",
                     "order number", "order code", "spn"),
    "alt_mpn": ("alt mpn", "alternate mpn", "alternative mpn", "mpn2", "mpn 2", "second source mpn",
                "alt part number", "alternate part number", "alt mfr part number", "second source"),
    "alt_manufacturer": ("alt manufacturer", "alternate manufacturer", "alternative manufacturer",
                         "manufacturer2", "manufacturer 2", "second source manufacturer", "alt mfr", "mfr2"),
    "item": ("id", "#", "item", "line", "no", "no.", "item no", "item #", "index", "nr", "line item", "lfd nr"),
    "notes": ("notes", "note", "remarks", "remark", "comments", "comment 1", "comment 2", "comment1",
              "comment2", "remarks 1", "info"),
}
ROLES = tuple(HEADER_SYNONYMS)
REPEATABLE_ROLES = {"notes", "item"}
SKU_ROLES = {"sku_digikey", "sku_mouser", "sku_rs", "sku_newark", "sku_farnell", "sku_lcsc", "supplier_ref"}
# Roles that identify a part: a BOM needs one of these or a designator column.
PART_ROLES = {"mpn", "value", "description", "alt_mpn"} | SKU_ROLES
ALT_OF = {"mpn": "alt_mpn", "manufacturer": "alt_manufacturer"}
OVERRIDE_ROLE_NAMES = {"digikey": "sku_digikey", "mouser": "sku_mouser", "rs": "sku_rs", "newark": "sku_newark",
                       "farnell": "sku_farnell", "lcsc": "sku_lcsc", "qty": "quantity", "refdes": "designators",
                       "refs": "designators", "reference": "designators", "package": "footprint"}


def normalize_header(text: str | None) -> str:
    """casefold, accents dropped, everything but letters, digits and '#' removed ("Mfr. #" → "mfr#")."""
    if not text:
        return ""
    t = unicodedata.normalize("NFKD", str(text))
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^0-9a-z#]+", "", t)


_EXACT: dict[str, list[str]] = {}
for _role, _syns in HEADER_SYNONYMS.items():
    for _s in _syns:
        _EXACT.setdefault(normalize_header(_s), []).append(_role)
_PARTIAL = sorted(((k, r) for k, rs in _EXACT.items() for r in rs if len(k) >= 5), key=lambda kr: -len(kr[0]))


def header_role_scores(header: str | None) -> dict[str, float]:
    """{role: 3.0} for an exact synonym, {role: 1.0} for the longest synonym contained in the header."""
    h = normalize_header(header)
    if not h:
        return {}
    if h in _EXACT:
        return {r: 3.0 for r in _EXACT[h]}
    for key, role in _PARTIAL:
        if key in h:
            return {role: 1.0}
    return {}


@dataclass
class ColumnInfo:
    index: int
    header: str
    role: str | None = None
    reason: str | None = None  # "override" | "header" | "header+content" | "content"
    header_roles: list[str] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)
    score: float = 0.0

    def as_report(self) -> dict:
        return {"index": self.index + 1, "header": self.header, "role": self.role, "reason": self.reason,
                "header_suggested": self.header_roles or None,
                "score": round(self.score, 2),
                "content": {k: round(v, 2) for k, v in self.stats.items() if v}}


def column_stats(cells: Sequence[str]) -> dict[str, float]:
    vals = [c.strip() for c in cells if c and c.strip()]
    n = len(vals)
    if n == 0:
        return {"filled": 0.0}

    def share(pred) -> float:
        return sum(1 for v in vals if pred(v)) / n

    ints = [parse_quantity(v) for v in vals]
    # Quantities are small integers; a 13-digit all-digit MPN (9551667812741) is not a quantity.
    int_share = sum(1 for q in ints if q is not None and q.is_integer() and 0 <= q < 100_000) / n
    seq = 0.0
    if int_share == 1.0 and n >= 3:
        nums = [int(q) for q in ints if q is not None]
        seq = 1.0 if all(b - a == 1 for a, b in zip(nums, nums[1:], strict=False)) else 0.0
    return {
        "filled": n / max(1, len(cells)),
        "designator": share(is_designator_list),
        "integer": int_share,
        "sequence": seq,
        "mpn": share(looks_like_mpn_cell),
        "manufacturer": share(lambda v: canonical_manufacturer(v)[1]),
        "no_digit": share(lambda v: not any(ch.isdigit() for ch in v)),
        # bare integers are weak evidence of a value column (ids and quantities are integers too)
        "value": share(lambda v: is_value(v.replace(" ", "")) and not v.isdigit()),
        "package": share(lambda v: is_package(v.replace(" ", ""))),
        "text": share(lambda v: len(v.split()) >= 3),
        "digikey": share(lambda v: distributor_sku_kind(v) == "digikey"),
        "mouser": share(lambda v: distributor_sku_kind(v) == "mouser"),
        "dnp": share(lambda v: dnp_marker(v)[0] is not None or v.casefold() in {"x", "yes", "no", "y", "n"}),
        "dnp_markers_only": share(is_dnp_marker_cell),
    }


def content_scores(s: dict[str, float]) -> dict[str, float]:
    if not s.get("filled"):
        return {}
    g = s.get
    mpn = 4 * g("mpn", 0) - 3 * g("manufacturer", 0) - 3 * g("designator", 0) - 2 * g("value", 0) \
        - 2 * g("integer", 0) - 1
    manuf = 4 * g("manufacturer", 0) + g("no_digit", 0) - 3 * g("mpn", 0) - 3 * g("designator", 0) - 1
    return {
        "designators": 4 * g("designator", 0) - 2,
        "quantity": 3.5 * g("integer", 0) - 1.5 - 3 * g("sequence", 0) - 2 * g("designator", 0),
        "mpn": mpn,
        "alt_mpn": mpn,
        "manufacturer": manuf,
        "alt_manufacturer": manuf,
        "value": 3 * g("value", 0) - 0.5 - 2 * g("designator", 0),
        "description": 2 * g("text", 0) - 0.5 - 2 * g("designator", 0),
        "footprint": 2 * g("package", 0) - 0.5,
        "sku_digikey": 4 * g("digikey", 0) - 1,
        "sku_mouser": 4 * g("mouser", 0) - 1,
        "item": 2 * g("sequence", 0) - 2 * g("designator", 0),
        # a column whose every non-empty cell is a DNP marker is a DNP column, whatever its header says
        "dnp": 2 * g("dnp", 0) - 1 + (2 if g("dnp_markers_only", 0) == 1 else 0),
        "populate": 2 * g("dnp", 0) - 1,
    }


HEADER_THRESHOLD = 1.5
CONTENT_THRESHOLD = 2.0


def assign_roles(
    headers: Sequence[str],
    columns: Sequence[Sequence[str]],
    overrides: dict[str, int] | None = None,
) -> list[ColumnInfo]:
    """Role per column. `columns[i]` are the data cells of column i; `overrides` maps role → column index."""
    infos = [ColumnInfo(i, (headers[i] if i < len(headers) else "") or "") for i in range(len(columns))]
    taken: dict[str, int] = {}
    for role, idx in (overrides or {}).items():
        infos[idx].role, infos[idx].reason = role, "override"
        taken[role] = idx

    seen_headers: set[str] = set()
    candidates: list[tuple[float, int, str, bool]] = []
    for info, cells in zip(infos, columns, strict=True):
        hs = header_role_scores(info.header)
        norm = normalize_header(info.header)
        if norm and norm in seen_headers:  # repeated header text → the alternate of the first column
            hs = {ALT_OF.get(r, r): v for r, v in hs.items()}
        if norm:
            seen_headers.add(norm)
        info.header_roles = list(hs)
        info.stats = column_stats(cells)
        if info.role is not None:
            continue
        cs = content_scores(info.stats)
        for role in ROLES:
            h = hs.get(role, 0.0)
            total = h + cs.get(role, 0.0)
            threshold = HEADER_THRESHOLD if h > 0 else CONTENT_THRESHOLD
            if total >= threshold:
                candidates.append((total, info.index, role, h > 0))

    candidates.sort(key=lambda c: (-c[0], c[1]))
    for total, idx, role, from_header in candidates:
        info = infos[idx]
        if info.role is not None:
            continue
        if role in taken and role not in REPEATABLE_ROLES:
            continue
        info.role, info.score = role, total
        if from_header:
            info.reason = "header" if total <= 3.0 + 1e-9 else "header+content"
        else:
            info.reason = "content" + (f" (header suggested {'/'.join(info.header_roles)})"
                                       if info.header_roles else "")
        taken[role] = idx
    return infos

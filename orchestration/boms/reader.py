"""read_bom: one BOM file (+ optional `<product>.yml` override beside it) → BomParse."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..feeds.text import clean_str
from ..partkey import canonical_manufacturer, distributor_sku_kind, manufacturer_key, normalize_mpn
from .columns import OVERRIDE_ROLE_NAMES, PART_ROLES, ROLES, assign_roles, header_role_scores
from .designators import expand_designators
from .records import BomFormatError, BomLine, BomParse
from .tabular import RawRow, Table, read_table
from .text import (
    DNP_COLUMN_TRUE,
    POPULATE_COLUMN_FALSE,
    dnp_marker,
    extract_distributor_ref,
    extract_mpn_from_text,
    parse_quantity,
)

NO_PART_COLUMNS = "no MPN and no manufacturer column"  # the problem text the refresh summary looks for

__all__ = ["BOM_SUFFIXES", "NXP_PACKAGING_SUFFIXES", "load_override", "read_bom"]

BOM_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ".xlsx", ".xlsm", ".xls", ".ods"}
HEADER_SEARCH_ROWS = 50
# NXP / Nexperia 12NC packaging codes written after a comma ("BC856AT,115"). Used to recognise the
# unquoted-comma column shift; data, not a branch.
NXP_PACKAGING_SUFFIXES = frozenset(
    "112 113 115 118 125 127 132 135 147 151 157 165 215 235 285 315 335 345 365 378 412 418 432 512 518 528 "
    "551 557 598 599 613 628 653 657 668 678 698 739".split()
)
_SHIFT_MAKERS = {"NXP Semiconductors", "Nexperia"}
# The distributors whose SKU a BOM line may carry (sku_<kind> roles, BomLine.<kind>_sku).
SKU_KINDS = ("digikey", "mouser", "rs", "newark", "farnell", "lcsc")
_OVERRIDE_KEYS = {"columns", "delimiter", "encoding", "header_row", "sheet"}


def load_override(path: Path) -> dict | None:
    """The `<stem>.yml`/`.yaml` override beside the BOM file `path` (or `path` itself if it is a yml)."""
    path = Path(path)
    candidates = [path] if path.suffix.lower() in {".yml", ".yaml"} else [
        path.with_suffix(".yml"), path.with_suffix(".yaml")]
    for cand in candidates:
        if cand.is_file():
            try:
                data = yaml.safe_load(cand.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise BomFormatError(f"{cand}: invalid YAML override: {exc}") from exc
            if data is None:
                return {}
            if not isinstance(data, dict):
                raise BomFormatError(f"{cand}: override must be a mapping, got {type(data).__name__}")
            unknown = set(data) - _OVERRIDE_KEYS
            if unknown:
                raise BomFormatError(f"{cand}: unknown override keys {sorted(unknown)}; allowed {sorted(_OVERRIDE_KEYS)}")
            return data
    return None


def _header_score(cells: Sequence[str]) -> float:
    roles: set[str] = set()
    score = 0.0
    for c in cells:
        hs = header_role_scores(c)
        for role, s in hs.items():
            if role not in roles:
                roles.add(role)
                score += 1.0 if s >= 3 else 0.25
    return score


def _choose_sheet(sheets: list[tuple[str, list[RawRow]]]) -> int:
    return max(range(len(sheets)), key=lambda i: (
        max((_header_score(r.cells) for r in sheets[i][1][:HEADER_SEARCH_ROWS]), default=0.0), -i))


def _find_header(rows: list[RawRow], header_row: int | None) -> int | None:
    """Index into `rows` of the header, or None for a headerless file."""
    if header_row is not None:
        for i, r in enumerate(rows):
            if r.source_row == header_row:
                return i
        raise BomFormatError(f"override header_row {header_row} is not a row of the file")
    best_i, best = None, 0.0
    for i, r in enumerate(rows[:HEADER_SEARCH_ROWS]):
        s = _header_score(r.cells)
        if s > best:
            best_i, best = i, s
    return best_i if best >= 1.0 else None


def _resolve_override_columns(columns: dict, headers: list[str], path: Path) -> dict[str, int]:
    out: dict[str, int] = {}
    norm_headers = [h.strip().casefold() for h in headers]
    for role_in, ref in (columns or {}).items():
        role = OVERRIDE_ROLE_NAMES.get(str(role_in).casefold(), str(role_in).casefold())
        if role not in ROLES:
            raise BomFormatError(f"{path}: override names unknown column role {role_in!r}; roles: {', '.join(ROLES)}")
        if isinstance(ref, int) and not isinstance(ref, bool):
            idx = ref - 1
        else:
            try:
                idx = norm_headers.index(str(ref).strip().casefold())
            except ValueError:
                raise BomFormatError(
                    f"{path}: override column {ref!r} for {role!r} not found; columns: {headers}") from None
        if not 0 <= idx < len(headers):
            raise BomFormatError(f"{path}: override column index {ref} out of range 1..{len(headers)}")
        out[role] = idx
    return out


@dataclass
class _Row:
    source_row: int
    refs: list[str]
    qty_stated: float | None
    mpn_raw: str | None
    manufacturer_raw: str | None
    value: str | None
    description: str | None
    footprint: str | None
    is_dnp: bool
    dnp_raw: str | None
    mpn_source: str
    skus: dict[str, str | None]
    alt_mpn_raw: str | None
    alt_manufacturer_raw: str | None
    repaired: bool
    problems: list[str] = field(default_factory=list)

    @property
    def mpn(self) -> str | None:
        return normalize_mpn(self.mpn_raw, self.manufacturer_raw)


def _repair_nxp_shift(cells: list[str], roles: dict[str, int], n_cols: int, int_like_next: bool) -> str | None:
    """Repair the silent column shift of an unquoted NXP ``BC856AT,115``.

    The writer did not quote the MPN, so its 12NC packaging code (``,115``) became a field of its own and
    every later field moved one column right; the row still has the expected number of fields because its
    last (empty) field absorbed the shift, so a field-count check cannot see it. We repair only when all
    of these hold: the cell right after the MPN is a known NXP/Nexperia packaging code, that column does
    not normally hold integers, the row's last field is empty (or the row is one field too long), and the
    manufacturer is NXP/Nexperia or unknown. Then MPN := "MPN,suffix" and the later cells move back left.
    """
    i = roles.get("mpn")
    if i is None or i + 1 >= len(cells) or int_like_next:
        return None
    mpn, nxt = cells[i].strip(), cells[i + 1].strip()
    if not mpn or nxt not in NXP_PACKAGING_SUFFIXES or re.search(r",\d{3}$", mpn):
        return None
    if not (cells[-1].strip() == "" or len(cells) > n_cols):
        return None
    m_idx = roles.get("manufacturer")
    if m_idx is not None and m_idx < len(cells) and cells[m_idx].strip():
        canonical, known = canonical_manufacturer(cells[m_idx])
        if known and canonical not in _SHIFT_MAKERS:
            return None
    cells[i] = f"{mpn},{nxt}"
    del cells[i + 1]
    while len(cells) < n_cols:
        cells.append("")
    return f"repaired column shift: unquoted '{mpn},{nxt}' had spilled ',{nxt}' into the next column"


def _dnp_from_column(text: str | None, populate: bool) -> bool:
    if text is None:
        return False
    t = text.strip().casefold()
    return t in POPULATE_COLUMN_FALSE if populate else (t in DNP_COLUMN_TRUE or dnp_marker(t)[0] is not None)


def _build_row(raw: RawRow, cells: list[str], roles: dict[str, int], has_mpn_col: bool,
               repaired: str | None) -> _Row:
    def get(role: str) -> str | None:
        i = roles.get(role)
        return clean_str(cells[i]) if i is not None and i < len(cells) else None

    problems: list[str] = [repaired] if repaired else []
    refs = expand_designators(get("designators"))
    qty_text = get("quantity")
    qty = parse_quantity(qty_text)
    if qty_text is not None and qty is None:
        problems.append(f"quantity {qty_text!r} is not a number")
    mpn_raw, manufacturer_raw = get("mpn"), get("manufacturer")
    value, description, footprint = get("value"), get("description"), get("footprint")

    is_dnp, dnp_raw = False, None
    for role, populate in (("dnp", False), ("populate", True)):
        t = get(role)
        if _dnp_from_column(t, populate):
            is_dnp, dnp_raw = True, t
    if not is_dnp:
        for t in (value, mpn_raw):
            if t is not None and dnp_marker(t)[0] is not None:
                is_dnp, dnp_raw = True, t
                break
    if not is_dnp and description is not None:
        mark = dnp_marker(description)[0]
        if mark is not None and mark not in {"NF", "N/F", "NA", "NS"}:  # "low NF" is a noise figure
            is_dnp, dnp_raw = True, description

    mpn_source = "mpn_column" if mpn_raw else "none"
    if mpn_raw is not None and dnp_marker(mpn_raw)[0] is not None:
        # "DNP" written in the MPN column is a marker, not a part number; "NA(BC856)" keeps the inside.
        inner = dnp_marker(mpn_raw)[1]
        mpn_raw = extract_mpn_from_text(mpn_raw) if inner else None
        mpn_source = "mpn_column" if mpn_raw else "none"
    if mpn_raw is None and not has_mpn_col:
        for t in (value, description):
            found = extract_mpn_from_text(t)
            if found:
                mpn_raw, mpn_source = found, "extracted_from_text"
                break

    skus: dict[str, str | None] = {k: get(f"sku_{k}") for k in SKU_KINDS}
    supplier = get("supplier_ref")
    if supplier:
        kind = distributor_sku_kind(supplier)
        ref = extract_distributor_ref(f"({supplier})")
        if kind and not skus[kind]:
            skus[kind] = supplier
        elif ref and ref[0] in skus and not skus[ref[0]]:
            skus[ref[0]] = ref[1]
        else:
            problems.append(f"supplier reference {supplier!r} of unknown distributor")
    for t in (value, description):
        ref = extract_distributor_ref(t)
        if ref and ref[0] in skus and not skus[ref[0]]:
            skus[ref[0]] = ref[1]
    return _Row(raw.source_row, refs, qty, mpn_raw, manufacturer_raw, value, description, footprint, is_dnp,
                dnp_raw, mpn_source, skus, get("alt_mpn"), get("alt_manufacturer"), repaired is not None, problems)


def _group(rows: list[_Row], key_fn) -> list[list[_Row]]:
    groups: dict[Any, list[_Row]] = {}
    for r in rows:
        groups.setdefault(key_fn(r), []).append(r)
    return list(groups.values())


def _part_key(r: _Row) -> tuple:
    norm_value = r.value.upper() if r.value else None
    desc = r.description if (r.mpn is None and r.value is None) else None
    return (r.mpn, manufacturer_key(r.manufacturer_raw), norm_value, desc, r.footprint, r.is_dnp,
            tuple(sorted((k, v) for k, v in r.skus.items() if v)))


def _to_line(product: str, group: list[_Row], per_unit_rows: bool) -> BomLine:
    first = group[0]
    refs = list(dict.fromkeys(d for r in group for d in r.refs))
    problems = list(dict.fromkeys(p for r in group for p in r.problems))
    stated = [r.qty_stated for r in group]
    if per_unit_rows:  # one row per unit, no quantity column and no designators: count the rows
        qty_stated, qty = None, float(len(group))
    elif all(q is not None for q in stated):
        qty_stated = float(sum(q for q in stated if q is not None))
        qty = qty_stated
    elif all(q is None for q in stated):
        qty_stated = None
        qty = float(len(refs)) if refs else float(len(group))
        if not refs:
            problems.append("no quantity and no designators: 1 per row assumed")
    else:
        qty_stated = None
        qty = float(sum(q if q is not None else max(1, len(r.refs)) for q, r in zip(stated, group, strict=True)))
        problems.append("quantity stated on some rows of the group only")
    mismatch = qty_stated is not None and bool(refs) and qty_stated != len(refs)
    if mismatch:
        problems.append(f"qty_mismatch: stated {qty_stated:g}, {len(refs)} designators")
    mpn = normalize_mpn(first.mpn_raw, first.manufacturer_raw)
    sku_kind = distributor_sku_kind(first.mpn_raw) if first.mpn_source == "mpn_column" else None
    skus = dict(first.skus)
    if sku_kind:
        problems.append(f"MPN column holds a {sku_kind} SKU")
        if not skus.get(sku_kind):
            skus[sku_kind] = first.mpn_raw
    return BomLine(
        product=product,
        line_number=0,
        source_row=first.source_row,
        refdes=",".join(refs) if refs else None,
        designator_count=len(refs),
        qty_per_unit=qty,
        qty_stated=qty_stated,
        qty_mismatch=mismatch,
        mpn_raw=first.mpn_raw,
        mpn=mpn,
        manufacturer_raw=first.manufacturer_raw,
        manufacturer_key=manufacturer_key(first.manufacturer_raw),
        value=first.value,
        description=first.description,
        footprint=first.footprint,
        is_dnp=first.is_dnp,
        dnp_raw=first.dnp_raw,
        mpn_source=first.mpn_source if first.mpn_raw else "none",
        mpn_is_distributor_sku=sku_kind is not None,
        sku_distributor=sku_kind,
        **{f"{kind}_sku": skus.get(kind) for kind in SKU_KINDS},
        alt_mpn_raw=first.alt_mpn_raw,
        alt_manufacturer_raw=first.alt_manufacturer_raw,
        alt_mpn=normalize_mpn(first.alt_mpn_raw, first.alt_manufacturer_raw or first.manufacturer_raw),
        alt_manufacturer_key=manufacturer_key(first.alt_manufacturer_raw),
        repaired_column_shift=any(r.repaired for r in group),
        problems="; ".join(problems) or None,
    )


def read_bom(path: Path, *, override: dict | None = None) -> BomParse:
    """Parse one BOM file. The product id is the file stem. `override` is the parsed `<product>.yml`
    (see load_override); pass None to parse by detection only. Raises BomFormatError when the file has
    neither a designator column nor a part-identifying column, or cannot be read at all."""
    path = Path(path)
    product = path.stem
    ov = override or {}
    file_problems: list[str] = []
    try:
        table: Table = read_table(path, delimiter=ov.get("delimiter"), encoding=ov.get("encoding"),
                                  sheet=ov.get("sheet"), choose_sheet=_choose_sheet)
    except OSError as exc:
        raise BomFormatError(f"{path}: cannot read file: {exc}") from exc
    file_problems.extend(table.notes or [])
    rows = [r for r in table.rows if any(c.strip() for c in r.cells)]
    if not rows:
        raise BomFormatError(f"{path}: no rows (empty file)")

    h_idx = _find_header(rows, ov.get("header_row"))
    if h_idx is None:
        headers: list[str] = []
        data = rows
        file_problems.append("no header row recognised: columns assigned by content only")
    else:
        headers = [c.strip() for c in rows[h_idx].cells]
        data = rows[h_idx + 1:]
        skipped = [r.source_row for r in rows[:h_idx]]
        if skipped:
            file_problems.append(f"{len(skipped)} row(s) above the header skipped (title block)")
        data = [r for r in data if [c.strip() for c in r.cells] != headers]  # repeated header rows
    n_cols = max([len(headers)] + [len(r.cells) for r in data])
    headers = headers + [""] * (n_cols - len(headers))
    padded = [r.cells + [""] * (n_cols - len(r.cells)) for r in data]
    columns = [[cells[i] for cells in padded] for i in range(n_cols)]
    overrides = _resolve_override_columns(ov.get("columns") or {}, headers, path)
    infos = assign_roles(headers, columns, overrides)
    roles = {i.role: i.index for i in infos if i.role is not None}

    report_cols = [i for i in infos if i.header or i.role or i.stats.get("filled")]
    found = [i.header or f"column {i.index + 1}" for i in report_cols]
    if "designators" not in roles and not (PART_ROLES & set(roles)):
        raise BomFormatError(
            f"{path}: no designator column and no part column (mpn/value/description/SKU); "
            f"columns found: {found}")

    if not {"mpn", "manufacturer"} & set(roles):
        file_problems.append(f"{NO_PART_COLUMNS} (columns found: {found}): no line can match a part")
    has_mpn_col = "mpn" in roles
    next_col = roles.get("mpn", -2) + 1
    int_like_next = 0 <= next_col < n_cols and infos[next_col].stats.get("integer", 0) >= 0.5
    built: list[_Row] = []
    for raw, cells in zip(data, padded, strict=True):
        cells = list(cells)
        repaired = _repair_nxp_shift(cells, roles, n_cols, int_like_next)
        built.append(_build_row(raw, cells, roles, has_mpn_col, repaired))
    if not built:
        file_problems.append("header found but no data rows")

    # Shape of the BOM: grouped lines (normal), one row per designator, or one row per unit (bare MPN list).
    with_refs = [r for r in built if r.refs]
    per_designator = (len(with_refs) >= 2 and sum(1 for r in with_refs if len(r.refs) == 1) >= 0.9 * len(with_refs)
                      and len({_part_key(r) for r in built}) < len(built))
    per_unit = "designators" not in roles and "quantity" not in roles
    if per_unit:
        groups = _group(built, _part_key)
        merged = len(built) - len(groups)
        file_problems.append("no quantity and no designator column: each row counts as one unit"
                             + (f"; {merged} duplicate row(s) merged" if merged else ""))
    elif per_designator:
        groups = _group(built, lambda r: _part_key(r) if (r.mpn or r.value or r.description) else id(r))
        file_problems.append(f"one row per designator: {len(built)} rows grouped into {len(groups)} lines")
    else:
        groups = [[r] for r in built]
    lines = [_to_line(product, g, per_unit) for g in groups]
    for n, line in enumerate(lines, start=1):
        line.line_number = n

    # Designators used on more than one line.
    seen: dict[str, int] = {}
    dupes = Counter()
    for line in lines:
        for d in (line.refdes or "").split(","):
            if d and d in seen and seen[d] != line.line_number:
                dupes[d] += 1
                line.problems = "; ".join(filter(None, [line.problems, f"designator {d} also on line {seen[d]}"]))
            elif d:
                seen[d] = line.line_number
    if dupes:
        file_problems.append(f"{len(dupes)} designator(s) on more than one line: {sorted(dupes)[:10]}")

    report = {
        "file": str(path),
        "product": product,
        "format": table.format,
        "encoding": table.encoding,
        "delimiter": table.delimiter,
        "sheet": table.sheet,
        "header_row": rows[h_idx].source_row if h_idx is not None else None,
        "override": bool(override),
        "shape": "one_row_per_unit" if per_unit else "one_row_per_designator" if per_designator else "grouped",
        "columns": [i.as_report() for i in report_cols],
        "roles": {i.role: i.header or f"column {i.index + 1}" for i in infos if i.role},
        "rows": len(built),
        "lines": len(lines),
        "designators": sum(line.designator_count for line in lines),
        "placed_quantity": sum(line.qty_per_unit for line in lines if not line.is_dnp),
        "dnp_lines": sum(1 for line in lines if line.is_dnp),
        "lines_with_mpn": sum(1 for line in lines if line.mpn and not line.mpn_is_distributor_sku),
        "lines_without_mpn": sum(1 for line in lines if not line.mpn or line.mpn_is_distributor_sku),
        "mpn_extracted_from_text": sum(1 for line in lines if line.mpn_source == "extracted_from_text"),
        "qty_mismatches": sum(1 for line in lines if line.qty_mismatch),
        "distributor_sku_lines": sum(1 for line in lines if line.mpn_is_distributor_sku),
        "repaired_column_shifts": sum(1 for line in lines if line.repaired_column_shift),
        "problems": file_problems,
    }
    return BomParse(product=product, file_path=str(path), lines=lines, report=report, problems=file_problems)


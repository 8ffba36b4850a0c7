"""BOM ingestion: files engineers' tools export (CSV/TSV/semicolon/XLSX, any encoding) → BomLine rows.

Public API::

    read_bom(path, *, override=None) -> BomParse
    load_override(path) -> dict | None          # <product>.yml beside the BOM
    bom_lines_to_arrow(lines) -> pyarrow.Table  # fixed BOM_LINES_SCHEMA
    expand_designators(text) -> list[str]
    extract_mpn_from_text(text) -> str | None
    BomLine, BomParse, BomFormatError

Matching of BOM lines to feed parts is done in dbt; the rules are in ``matching.md`` beside this file.
"""

from .designators import expand_designators
from .reader import load_override, read_bom
from .records import BOM_LINES_SCHEMA, BomFormatError, BomLine, BomParse, bom_lines_to_arrow
from .text import extract_mpn_from_text

__all__ = [
    "BOM_LINES_SCHEMA",
    "BomFormatError",
    "BomLine",
    "BomParse",
    "bom_lines_to_arrow",
    "expand_designators",
    "extract_mpn_from_text",
    "load_override",
    "read_bom",
]

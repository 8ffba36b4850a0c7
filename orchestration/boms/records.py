"""BOM records: BomLine, BomParse, BomFormatError and the fixed Arrow schema of raw.bom_lines."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

__all__ = ["BOM_LINES_SCHEMA", "BomFormatError", "BomLine", "BomParse", "bom_lines_to_arrow"]


class BomFormatError(ValueError):
    """The file cannot be read as a BOM (no designator and no part column, unreadable, bad override)."""


@dataclass
class BomLine:
    product: str
    line_number: int  # 1-based, in output order
    source_row: int  # 1-based physical row of the file (spreadsheet row / first text line of the record)
    refdes: str | None  # "C1,C2,C5" (expanded, upper-case, de-duplicated, file order)
    designator_count: int
    qty_per_unit: float  # stated quantity if any, else designator count, else 1 (one-row-per-unit list)
    qty_stated: float | None
    qty_mismatch: bool  # stated quantity != designator count (both present); the stated one is kept
    mpn_raw: str | None
    mpn: str | None  # partkey.normalize_mpn(mpn_raw, manufacturer_raw)
    manufacturer_raw: str | None
    manufacturer_key: str | None  # partkey.manufacturer_key(manufacturer_raw)
    value: str | None = None
    description: str | None = None
    footprint: str | None = None
    is_dnp: bool = False
    dnp_raw: str | None = None  # the text that marked the line DNP ("NA(10k/R0402)", "DNP", column value)
    mpn_source: str = "none"  # "mpn_column" | "extracted_from_text" | "none"
    mpn_is_distributor_sku: bool = False  # the MPN cell holds a distributor SKU (resolved in dbt)
    sku_distributor: str | None = None  # "digikey" | "mouser" when mpn_is_distributor_sku
    digikey_sku: str | None = None
    mouser_sku: str | None = None
    rs_sku: str | None = None
    newark_sku: str | None = None
    farnell_sku: str | None = None
    lcsc_sku: str | None = None
    alt_mpn_raw: str | None = None
    alt_manufacturer_raw: str | None = None
    alt_mpn: str | None = None
    alt_manufacturer_key: str | None = None
    repaired_column_shift: bool = False
    problems: str | None = None  # "; "-joined line-level problems


@dataclass
class BomParse:
    product: str
    file_path: str
    lines: list[BomLine] = field(default_factory=list)
    report: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


_TYPES: dict[str, pa.DataType] = {
    "line_number": pa.int32(),
    "source_row": pa.int32(),
    "designator_count": pa.int32(),
    "qty_per_unit": pa.float64(),
    "qty_stated": pa.float64(),
    "qty_mismatch": pa.bool_(),
    "is_dnp": pa.bool_(),
    "mpn_is_distributor_sku": pa.bool_(),
    "repaired_column_shift": pa.bool_(),
}
_NOT_NULL = {"product", "line_number", "source_row", "designator_count", "qty_per_unit", "qty_mismatch",
             "is_dnp", "mpn_source", "mpn_is_distributor_sku", "repaired_column_shift"}

BOM_LINES_SCHEMA = pa.schema(
    [
        pa.field(f.name, _TYPES.get(f.name, pa.string()), nullable=f.name not in _NOT_NULL)
        for f in dataclasses.fields(BomLine)
    ]
)


def bom_lines_to_arrow(lines: list[BomLine]) -> pa.Table:
    """The lines as an Arrow table with BOM_LINES_SCHEMA (an empty list gives an empty table)."""
    columns = {name: [getattr(line, name) for line in lines] for name in BOM_LINES_SCHEMA.names}
    return pa.Table.from_pydict(columns, schema=BOM_LINES_SCHEMA)

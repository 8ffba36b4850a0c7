"""Bytes → rows of strings: encoding detection, delimiter scoring, CSV/TSV/semicolon and spreadsheets.

Nothing here knows about BOM columns; every cell comes back as text (never a number, never a formula
result computed here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from orchestration.csvfile import CsvFileError, RawRow, read_rows
from orchestration.settings import env_bytes

from .records import BomFormatError

__all__ = ["RawRow", "Table", "read_table"]

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
MAX_WORKBOOK_BYTES_ENV = "PARTRISK_MAX_WORKBOOK_BYTES"
DEFAULT_MAX_WORKBOOK_BYTES = 200 * 1024 * 1024  # uncompressed: a BOM workbook is a few MB at most


def _check_unpacked_size(path: Path) -> None:
    """A zip-based workbook that would expand past the limit is refused before anything is unpacked
    (zipfile never reads past the sizes the archive declares)."""
    import zipfile

    if not zipfile.is_zipfile(path):
        return
    with zipfile.ZipFile(path) as archive:
        size = sum(info.file_size for info in archive.infolist())
    limit = env_bytes(MAX_WORKBOOK_BYTES_ENV, DEFAULT_MAX_WORKBOOK_BYTES)
    if size > limit:
        raise BomFormatError(f"{path}: workbook expands to {size / 1048576:.0f} MB, over the "
                             f"{limit / 1048576:.0f} MB limit ({MAX_WORKBOOK_BYTES_ENV})")
@dataclass
class Table:
    rows: list[RawRow]
    format: str  # csv | tsv | semicolon | pipe | xlsx | xls | ods
    encoding: str | None
    delimiter: str | None
    sheet: str | None = None
    notes: list[str] | None = None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)


def _read_xlsx(path: Path, sheet: str | int | None) -> tuple[list[tuple[str, list[RawRow]]], list[str]]:
    import openpyxl

    notes: list[str] = []
    # data_only=False: formulas come back as their text and are never evaluated (nor their cached results
    # trusted); a formula cell is reported.
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        names = wb.sheetnames
        chosen = names if sheet is None else [names[sheet] if isinstance(sheet, int) else sheet]
        out = []
        for name in chosen:
            ws = wb[name]
            # The <dimension> tag is written by the saving program and may be wrong: read every row.
            ws.reset_dimensions()
            rows: list[RawRow] = []
            formulas = 0
            for r_idx, row in enumerate(ws.iter_rows(), start=1):
                cells = []
                for cell in row:
                    if getattr(cell, "data_type", None) == "f":
                        formulas += 1
                    cells.append(_cell_text(getattr(cell, "value", None)))
                rows.append(RawRow(r_idx, cells))
            if formulas:
                notes.append(f"sheet {name!r}: {formulas} formula cell(s) kept as text, not evaluated")
            out.append((name, rows))
        return out, notes
    finally:
        wb.close()


def _read_calamine(path: Path, sheet: str | int | None) -> tuple[list[tuple[str, list[RawRow]]], list[str]]:
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    names = wb.sheet_names
    chosen = names if sheet is None else [names[sheet] if isinstance(sheet, int) else sheet]
    out = []
    for name in chosen:
        data = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        out.append((name, [RawRow(i, [_cell_text(v) for v in row]) for i, row in enumerate(data, start=1)]))
    return out, ["calamine reads cached formula results of .xls/.ods files"]


def read_table(
    path: Path,
    *,
    delimiter: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    choose_sheet=None,
) -> Table:
    """Read a BOM file into rows of text. `choose_sheet(list[(name, rows)]) -> index` picks a sheet when
    the workbook has several and no `sheet` is given."""
    suffix = path.suffix.lower()
    if suffix in SPREADSHEET_SUFFIXES:
        _check_unpacked_size(path)
        try:
            if suffix in {".xlsx", ".xlsm"}:
                sheets, notes = _read_xlsx(path, sheet)
                fmt = "xlsx"
            else:
                sheets, notes = _read_calamine(path, sheet)
                fmt = suffix.lstrip(".")
        except (KeyError, IndexError) as exc:
            raise BomFormatError(f"{path}: sheet {sheet!r} not found") from exc
        except Exception as exc:  # noqa: BLE001 - corrupt workbook: report it as a format error
            raise BomFormatError(f"{path}: cannot open spreadsheet: {exc}") from exc
        if not sheets:
            raise BomFormatError(f"{path}: workbook has no sheets")
        idx = choose_sheet(sheets) if (choose_sheet and len(sheets) > 1) else 0
        name, rows = sheets[idx]
        return Table(rows, fmt, None, None, sheet=name, notes=notes)

    try:
        parsed = read_rows(path, delimiter=delimiter, encoding=encoding)
    except CsvFileError as exc:
        raise BomFormatError(f"{path}: {exc}") from exc
    fmt = {",": "csv", "\t": "tsv", ";": "semicolon", "|": "pipe"}.get(parsed.delimiter, "delimited")
    return Table(parsed.rows, fmt, parsed.encoding, parsed.delimiter, notes=[])

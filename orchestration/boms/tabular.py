"""Bytes → rows of strings: encoding detection, delimiter scoring, CSV/TSV/semicolon and spreadsheets.

Nothing here knows about BOM columns; every cell comes back as text (never a number, never a formula
result computed here).
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from .records import BomFormatError

__all__ = ["DELIMITERS", "RawRow", "Table", "decode_bytes", "read_table", "sniff_delimiter"]

DELIMITERS = (",", ";", "\t", "|")
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
MAX_WORKBOOK_BYTES_ENV = "PARTRISK_MAX_WORKBOOK_BYTES"
DEFAULT_MAX_WORKBOOK_BYTES = 200 * 1024 * 1024  # uncompressed: a BOM workbook is a few MB at most


def max_workbook_bytes() -> int:
    """The limit on a workbook's uncompressed size: env PARTRISK_MAX_WORKBOOK_BYTES, else 200 MB."""
    value = os.environ.get(MAX_WORKBOOK_BYTES_ENV)
    if not value:
        return DEFAULT_MAX_WORKBOOK_BYTES
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{MAX_WORKBOOK_BYTES_ENV}={value!r} is not an integer number of bytes") from None


def _check_unpacked_size(path: Path) -> None:
    """A zip-based workbook that would expand past the limit is refused before anything is unpacked
    (zipfile never reads past the sizes the archive declares)."""
    import zipfile

    if not zipfile.is_zipfile(path):
        return
    with zipfile.ZipFile(path) as archive:
        size = sum(info.file_size for info in archive.infolist())
    limit = max_workbook_bytes()
    if size > limit:
        raise BomFormatError(f"{path}: workbook expands to {size / 1048576:.0f} MB, over the "
                             f"{limit / 1048576:.0f} MB limit ({MAX_WORKBOOK_BYTES_ENV})")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

# Characters a western-European engineering tool plausibly writes in cp1252 (µ in values, ° ± Ω-less
# specs, accented maker names, Word's smart punctuation). If a non-UTF-8 file decodes to only these, it is
# cp1252; otherwise charset-normalizer decides.
_CP1252_PLAUSIBLE = set("µ°±²³·×÷¼½¾€‰’‘“”–—•…®©™§¹ºª¢£¥\u00a0¬¦¯´¸¨") | {chr(c) for c in range(0xC0, 0x100)}


_CJK_RE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@dataclass
class RawRow:
    source_row: int  # 1-based physical row (first text line of the record / spreadsheet row)
    cells: list[str]


@dataclass
class Table:
    rows: list[RawRow]
    format: str  # csv | tsv | semicolon | pipe | xlsx | xls | ods
    encoding: str | None
    delimiter: str | None
    sheet: str | None = None
    notes: list[str] | None = None


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding name). Explicit `encoding` wins; then a byte-order mark; then UTF-16 without BOM
    (NUL-byte pattern); then strict UTF-8; then cp1252 when plausible; then charset-normalizer."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise BomFormatError(f"cannot decode with the override encoding {encoding!r}: {exc}") from exc
    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(name.replace("-sig", "")), name
            except UnicodeDecodeError:
                break
    head = data[:4000]
    if len(head) >= 4 and head.count(0) >= len(head) // 4:
        even_zero = sum(1 for b in head[0::2] if b == 0)
        odd_zero = sum(1 for b in head[1::2] if b == 0)
        name = "utf-16-be" if even_zero > odd_zero else "utf-16-le"
        try:
            return data.decode(name), name
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    guess = None
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        guess = best.encoding if best is not None else None
    except Exception:  # noqa: BLE001 - a detector failure must not lose the file
        guess = None
    # A short cp1252 file with "4.7µF ±10%" is often guessed as cp932 (µ/± read as half-width katakana).
    # cp1252 wins when every non-ASCII character it yields is plausible, unless the detector's guess
    # decodes to real CJK text (kana/ideographs/hangul, not the half-width katakana of a misread).
    cjk = False
    if guess:
        try:
            cjk = bool(_CJK_RE.search(data.decode(guess)))
        except (UnicodeDecodeError, LookupError):
            cjk = False
    try:
        text = data.decode("cp1252")
        if not cjk and all(ord(ch) < 128 or ch in _CP1252_PLAUSIBLE for ch in text):
            return text, "cp1252"
    except UnicodeDecodeError:
        pass
    if guess:
        try:
            return data.decode(guess), guess
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("latin-1"), "latin-1"


def _parse(text: str, delimiter: str, escapechar: str | None) -> list[RawRow]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, escapechar=escapechar, strict=False)
    rows: list[RawRow] = []
    prev_end = 0
    for cells in reader:
        rows.append(RawRow(prev_end + 1, [c.replace("\r\n", "\n").replace("\r", "\n") for c in cells]))
        prev_end = reader.line_num
    return rows


def _escapechar(text: str, delimiter: str) -> str | None:
    # KiCost writes "BT136S-600D\,118": a backslash-escaped delimiter. Only then is "\" an escape char.
    return "\\" if re.search(r"\\[" + re.escape(delimiter) + r'"]', text) else None


def sniff_delimiter(text: str) -> str:
    """The delimiter among `,;\\t|` whose parse gives the most consistent multi-field rows (a ±1 field
    difference is tolerated: trailing delimiters, header shorter than the data). Ties → more fields."""
    sample = text[:200_000]
    best, best_score = ",", -1.0
    for d in DELIMITERS:
        rows = _parse(sample, d, _escapechar(sample, d))[:300]
        counts = [len(r.cells) for r in rows if any(c.strip() for c in r.cells)]
        if not counts:
            continue
        freq = Counter(counts)
        mode = max(freq, key=lambda k: (freq[k], k))
        if mode < 2:
            score = 0.0
        else:
            share = sum(v for k, v in freq.items() if abs(k - mode) <= 1) / len(counts)
            score = share * math.log2(mode)
        if score > best_score:
            best, best_score = d, score
    return best


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

    data = path.read_bytes()
    text, enc = decode_bytes(data, encoding)
    text = text.replace("\x00", "")
    if text.startswith("\ufeff"):
        text = text[1:]
    d = delimiter or sniff_delimiter(text)
    rows = _parse(text, d, _escapechar(text, d))
    fmt = {",": "csv", "\t": "tsv", ";": "semicolon", "|": "pipe"}.get(d, "delimited")
    return Table(rows, fmt, enc, d, notes=[])

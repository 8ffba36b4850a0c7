"""The one reader for every CSV a user drops into the landing tree (BOMs, reference and plan files).

- Encoding: an explicit one wins; then a byte-order mark; then UTF-16 without BOM (NUL-byte pattern);
  then strict UTF-8; then cp1252 when every non-ASCII character it yields is plausible; then
  charset-normalizer's guess. Nothing is decoded lossily: a byte is always read as some character.
- Dialect: the delimiter among `,;\\t|` whose parse gives the most consistent rows (`sniff_delimiter`);
  a backslash is an escape character only where the text escapes a delimiter or quote with it.
- Rows keep their 1-based physical line (the first text line of a record with quoted newlines), so every
  failure and every quarantined row can name its line.
- What cannot be read is a `CsvFileError` with the reason (and the line, where there is one).
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

DELIMITERS = (",", ";", "\t", "|")


class CsvFileError(ValueError):
    """A CSV that cannot be read; the message says why (and at which line)."""


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
class CsvText:
    rows: list[RawRow]
    encoding: str
    delimiter: str


def read_rows(path: Path, *, delimiter: str | None = None, encoding: str | None = None) -> CsvText:
    """Every record of a CSV file as text cells with its physical line; blank lines are no record."""
    text, used = decode_bytes(Path(path).read_bytes(), encoding)
    text = text.replace("\x00", "")
    if text.startswith("\ufeff"):
        text = text[1:]
    d = delimiter or sniff_delimiter(text)
    try:
        rows = _parse(text, d, _escapechar(text, d))
    except csv.Error as exc:
        raise CsvFileError(f"not a readable CSV: {exc}") from exc
    return CsvText(rows, used, d)


def guess_encoding(data: bytes) -> str | None:
    """charset-normalizer's best guess for the encoding of `data`, or None (a detector failure is no guess)."""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
    except Exception:  # noqa: BLE001 - a guess only: the caller has its own answer without one
        return None
    return best.encoding if best is not None else None


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding name). Explicit `encoding` wins; then a byte-order mark; then UTF-16 without BOM
    (NUL-byte pattern); then strict UTF-8; then cp1252 when plausible; then charset-normalizer."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise CsvFileError(f"cannot decode with the override encoding {encoding!r}: {exc}") from exc
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
    guess = guess_encoding(data)
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

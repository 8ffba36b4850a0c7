"""Broker / ERP CSV exports, mapped to the Offer contract by `feeds/<name>/mapping.yml` (no code per source).

mapping.yml (every key but `columns.mpn_raw` and a distributor is optional; validated by the pydantic model
`BrokerMapping`, and an error names the file and the key):

```yaml
distributor: "Acme Brokers"   # constant; or map a column as columns.distributor
distributor_country: HK       # constant ISO-2 (or columns.distributor_country)
is_broker: true               # default true  (or columns.is_broker)
is_authorized: false          # default false (or columns.is_authorized)
currency: USD                 # prices without a currency column or symbol
delimiter: ","                # default ","; "\\t" or "tab" for TSV
encoding: utf-8               # utf-8 (default), utf-8-sig, cp1252, latin-1, utf-16...
decimal: point                # point|comma: settles the ambiguous "1,234" in prices
lead_time_unit: weeks         # unit of bare lead-time numbers: weeks (default) | days
prices_include_vat: false
vat_rate: 0.2                 # fraction, only with prices_include_vat
ragged_lines: error           # error (default: a row with more fields than the header fails the file) | truncate (extra fields go to quarantine)
columns:                      # Offer field -> CSV header
  sku: "Part #"               # absent or empty -> the MPN is the sku
  mpn_raw: "Mfr Part Number"
  manufacturer_raw: "Brand"
  stock: "Qty Available"      # -> stock (parsed) and stock_raw
  lead_time: "Lead Time"      # -> lead_time_days and lead_time_raw
  moq: "MOQ"
  order_multiple: "Mult"
  packaging: "Pkg"
  lifecycle_raw: "Status"
  last_buy_date: "LTB"
  currency: "Cur"
  description: "Desc"
  category_raw: "Category"
price_breaks:                 # any number of quantity/price pairs; quantity may be a constant
  - {quantity: "Qty 1", price: "Price 1"}
  - {quantity: "Qty 2", price: "Price 2"}
  # - {quantity: 1, price: "Unit Price"}
```

The file is first made plain UTF-8: gzip and non-UTF-8 encodings are transcoded in chunks to a temporary
file (bounded memory; a byte the encoding cannot decode fails the file with its line and offset). Polars
reads only the header, to check that every column the mapping names exists. Python's csv module then
streams the records in batches of `BATCH_ROWS` (quoted newlines included, each physical line read with a
bound); every cell stays text, so formulas such as `=HYPERLINK(...)` are never evaluated and a number cell
holding a formula is unreadable. Each batch is parsed with vectorised Polars expressions; only the
*distinct* values that the fast patterns do not cover go through the Python helpers in `text.py`, once
each, so the rules are exactly those of the JSON feeds. A record with more fields than the header fails
the file with its line number unless the mapping says `ragged_lines: truncate`: then the row loads with
the header's fields and the text of the fields past them is kept in quarantine (`extra_fields`).

Row rules (location `line N`, the 1-based physical line including the header, counting newlines
embedded in quoted fields): as in `common.py` (empty_mpn drops the row; negative/unparsable stock nulls
stock; bad breaks are dropped one by one). Completely empty lines are skipped silently.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import os
import tempfile
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl
import pyarrow as pa
import yaml
from pydantic import BaseModel, ConfigDict, StrictInt, ValidationError, field_validator, model_validator

from orchestration.csvfile import guess_encoding

from . import text
from .records import OFFER_SCHEMA, PRICE_BREAK_TYPE, FeedFileError, QuarantinedRow

BATCH_ROWS = 25_000
MAX_CSV_BYTES_ENV = "PARTRISK_MAX_CSV_BYTES"
DEFAULT_MAX_CSV_BYTES = 1024 * 1024 * 1024  # what a .csv.gz may expand to
MAX_CSV_LINE_ENV = "PARTRISK_MAX_CSV_LINE_BYTES"
DEFAULT_MAX_CSV_LINE = 1024 * 1024  # a physical line; the csv module's field limit is 128 KiB


def _env_bytes(name: str, default: int) -> int:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not an integer number of bytes") from None
_COLUMN_FIELDS = frozenset(
    "sku mpn_raw manufacturer_raw stock lead_time moq order_multiple packaging lifecycle_raw last_buy_date "
    "currency description category_raw distributor distributor_country is_broker is_authorized".split()
)
_COLUMN_ALIASES = {"stock_raw": "stock", "lead_time_raw": "lead_time", "lead_time_days": "lead_time"}
_DELIMITER_NAMES = {"\\t": "\t", "tab": "\t", "TAB": "\t"}


class MappingError(ValueError):
    """A mapping.yml that cannot be used; the message names the file and the key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BreakColumns(_Strict):
    """One price break: the CSV header of its price and the header (or the constant) of its quantity."""

    quantity: StrictInt | str
    price: str

    @model_validator(mode="before")
    @classmethod
    def _both_given(cls, value: object) -> object:
        if not isinstance(value, dict) or "price" not in value or "quantity" not in value:
            raise ValueError("needs `quantity` and `price`")
        return {**value, "price": str(value["price"])}


class BrokerMapping(_Strict):
    # Offer field -> CSV header (the aliases stock_raw / lead_time_raw / lead_time_days are accepted).
    columns: dict[str, str]
    price_breaks: list[BreakColumns] = []
    distributor: str | None = None
    distributor_country: str | None = None
    is_broker: bool = True
    is_authorized: bool = False
    currency: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"
    decimal: Literal["point", "comma"] | None = None
    lead_time_unit: Literal["weeks", "days"] = "weeks"
    prices_include_vat: bool = False
    vat_rate: float | None = None
    ragged_lines: Literal["error", "truncate"] = "error"
    # free text for the people who keep the file
    name: str | None = None
    description: str | None = None

    @field_validator("columns", mode="before")
    @classmethod
    def _offer_fields(cls, columns: object) -> object:
        if columns is None:
            return {}
        if not isinstance(columns, dict):
            raise ValueError("must map Offer fields to CSV headers")
        out = {}
        for key, header in columns.items():
            field_name = _COLUMN_ALIASES.get(key, key)
            if field_name not in _COLUMN_FIELDS:
                raise ValueError(f"{key} is not a mappable Offer field ({sorted(_COLUMN_FIELDS)})")
            if not isinstance(header, str) or not header:
                raise ValueError(f"{key} must be a CSV header name")
            out[field_name] = header
        if "mpn_raw" not in out:
            raise ValueError("mpn_raw is required")
        return out

    @field_validator("price_breaks", mode="before")
    @classmethod
    def _no_breaks(cls, breaks: object) -> object:
        return [] if breaks is None else breaks

    @field_validator("distributor", "distributor_country", mode="before")
    @classmethod
    def _stripped(cls, value: object) -> object:
        return text.clean_str(value)

    @field_validator("delimiter", mode="before")
    @classmethod
    def _one_character(cls, value: object) -> str:
        delimiter = _DELIMITER_NAMES.get(str(value), str(value))
        if len(delimiter) != 1:
            raise ValueError("must be one character")
        return delimiter

    @field_validator("encoding", mode="before")
    @classmethod
    def _known_encoding(cls, value: object) -> str:
        try:
            codecs.lookup(str(value))
        except LookupError:
            raise ValueError(f"unknown encoding {value!r}") from None
        return str(value)

    @field_validator("currency", mode="before")
    @classmethod
    def _iso_currency(cls, value: object) -> str | None:
        if value is None or value == "":
            return None
        code = text.normalize_currency(value)
        if code is None:
            raise ValueError(f"{value!r} is not an ISO 4217 code")
        return code

    @model_validator(mode="after")
    def _has_distributor(self) -> BrokerMapping:
        if "distributor" not in self.columns and not self.distributor:
            raise ValueError("set `distributor` (constant) or columns.distributor")
        return self

    def referenced_columns(self) -> list[str]:
        cols = list(self.columns.values())
        for b in self.price_breaks:
            if isinstance(b.quantity, str):
                cols.append(b.quantity)
            cols.append(b.price)
        return list(dict.fromkeys(cols))


def load_mapping(path: Path | str) -> BrokerMapping:
    """Read and validate a mapping.yml; MappingError naming the file and the key if it is wrong."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as e:
        raise MappingError(f"{path}: cannot read mapping: {e}") from e
    return mapping_from_dict(raw, where=str(path))


def mapping_from_dict(raw: object, *, where: str = "mapping") -> BrokerMapping:
    if not isinstance(raw, dict):
        raise MappingError(f"{where}: top level must be a mapping")
    try:
        return BrokerMapping.model_validate(raw)
    except ValidationError as error:
        issues = error.errors()
        unknown = sorted(str(i["loc"][0]) for i in issues if i["type"] == "extra_forbidden" and len(i["loc"]) == 1)
        problems = [f"unknown keys {unknown}"] if unknown else []
        problems += [
            f"{'.'.join(str(part) for part in i['loc']) or '(top level)'}: {i['msg'].removeprefix('Value error, ')}"
            for i in issues
            if not (i["type"] == "extra_forbidden" and len(i["loc"]) == 1)
        ]
        raise MappingError(f"{where}: " + "; ".join(problems)) from None


# ---------------------------------------------------------------- input preparation


def _encoding_guess(sample: bytes) -> str:
    best = guess_encoding(sample)
    return f" (charset-normalizer guesses {best})" if best else ""


def _decode_error_reason(path: Path, opener: Callable, encoding: str) -> str | None:
    """Stream the file through a strict decoder; a clear reason at the first bad byte, else None."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    consumed = 0
    newlines = 0
    with opener(path) as fh:
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                offset = consumed + e.start
                line = newlines + chunk[: e.start].count(b"\n") + 1
                bad = chunk[e.start : e.start + 1].hex()
                with opener(path) as fh2:
                    sample = fh2.read(1 << 16)
                return (
                    f"not valid {encoding} at line {line} (byte 0x{bad} at offset {offset}){_encoding_guess(sample)};"
                    " set `encoding:` in mapping.yml"
                )
            consumed += len(chunk)
            newlines += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return f"not valid {encoding}: file ends inside a multi-byte character"
    return None


def _prepare(path: Path, mapping: BrokerMapping, tmpdir: str, file_path: str) -> Path:
    """A plain UTF-8 file Polars can scan: the file itself, or a transcoded / decompressed copy."""
    is_gz = path.name.endswith(".gz")
    opener: Callable = gzip.open if is_gz else open
    enc = codecs.lookup(mapping.encoding).name
    if path.stat().st_size == 0:
        raise FeedFileError(file_path, "empty file (0 bytes)")
    if not is_gz and enc in ("utf-8", "utf-8-sig"):
        return path
    out = Path(tmpdir) / (path.name.removesuffix(".gz") + ".utf8.csv")
    decoder = codecs.getincrementaldecoder(mapping.encoding)(errors="strict")
    limit, unpacked = _env_bytes(MAX_CSV_BYTES_ENV, DEFAULT_MAX_CSV_BYTES), 0
    try:
        with opener(path, "rb") as src, open(out, "wb") as dst:
            while chunk := src.read(1 << 20):
                unpacked += len(chunk)
                if unpacked > limit:
                    raise FeedFileError(file_path, f"file too large: decompresses to more than "
                                                   f"{limit / 1048576:.0f} MB ({MAX_CSV_BYTES_ENV})")
                dst.write(decoder.decode(chunk).encode("utf-8"))
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError:
        reason = _decode_error_reason(path, lambda p: opener(p, "rb"), mapping.encoding)
        raise FeedFileError(file_path, reason or f"not valid {mapping.encoding}") from None
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        raise FeedFileError(file_path, f"cannot decompress gzip file: {e}") from e
    return out


# ---------------------------------------------------------------- vectorised column parsing


def _const(value, n: int, dtype) -> pl.Series:
    return pl.repeat(value, n, dtype=dtype, eager=True)


def _strip(s: pl.Series) -> pl.Series:
    """Trimmed text, empty -> null."""
    s = s.cast(pl.String).str.strip_chars()
    return pl.select(pl.when(s.str.len_bytes() > 0).then(s)).to_series().alias(s.name)


def _map_values(
    s: pl.Series,
    clean: pl.Series | None,
    fast_values: pl.Series | None,
    fn: Callable,
    dtype,
) -> pl.Series:
    """Parse a string Series: where `clean` is true take `fast_values` (computed vectorised), the
    distinct other non-null values go through the Python helper `fn` once each."""
    n = s.len()
    if clean is None or fast_values is None:
        clean = _const(False, n, pl.Boolean)
        fast_values = _const(None, n, dtype)
    clean = clean.fill_null(False)
    dirty = s.filter(~clean & s.is_not_null()).unique()
    if dirty.len() == 0:
        slow = _const(None, n, dtype)
    else:
        values = dirty.to_list()
        slow = s.replace_strict(values, [fn(v) for v in values], default=None, return_dtype=dtype)
    return fast_values.cast(dtype).zip_with(clean, slow)


def _not_formula(fn: Callable) -> Callable:
    def wrapped(v: str):
        return None if v.startswith("=") else fn(v)

    return wrapped


# Vectorised fast paths. They accept only forms on which they agree exactly with text.py (ASCII digits
# only: a Rust `\d` would also match full-width digits, which text.py normalises first).
_QTY_FAST = r"^([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]{1,18})(?:\s+\p{L}[^0-9]*)?$"
_PRICE_FAST = r"^([$€£¥]?)([0-9]{1,15}(?:\.[0-9]+)?)$"
_PRICE_FAST_COMMA = r"^([$€£¥]?)([0-9]{1,15})$"
_FAST_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}


def _qty(s: pl.Series) -> pl.Series:
    number = s.str.extract(_QTY_FAST, 1)
    fast = number.str.replace_all(r"[,.]", "").cast(pl.Int64, strict=False)
    return _map_values(s, number.is_not_null(), fast, _not_formula(text.parse_quantity), pl.Int64)


def _price(s: pl.Series, decimal: str | None) -> tuple[pl.Series, pl.Series]:
    """(amount, currency read from the text) for a price column."""
    groups = s.str.extract_groups(_PRICE_FAST_COMMA if decimal == "comma" else _PRICE_FAST)
    symbol, number = groups.struct.field("1"), groups.struct.field("2")
    clean = number.is_not_null()
    fast_amount = number.cast(pl.Float64, strict=False)
    fast_currency = symbol.replace_strict(_FAST_SYMBOLS, default=None, return_dtype=pl.String)
    n = s.len()
    dirty = s.filter(~clean.fill_null(False) & s.is_not_null()).unique()
    if dirty.len() == 0:
        slow_amount = _const(None, n, pl.Float64)
        slow_currency = _const(None, n, pl.String)
    else:
        values = dirty.to_list()
        parsed = [
            text.Money(None, None) if v.startswith("=") else text.parse_price(v, decimal=decimal)
            for v in values
        ]
        slow_amount = s.replace_strict(
            values, [p.amount for p in parsed], default=None, return_dtype=pl.Float64
        )
        slow_currency = s.replace_strict(
            values, [p.currency for p in parsed], default=None, return_dtype=pl.String
        )
    clean = clean.fill_null(False)
    return fast_amount.zip_with(clean, slow_amount), fast_currency.zip_with(clean, slow_currency)


def _lead(s: pl.Series, unit: str) -> pl.Series:
    factor = 7 if unit == "weeks" else 1
    clean = s.str.contains(r"^[0-9]{1,6}$")
    return _map_values(
        s,
        clean,
        s.cast(pl.Int64, strict=False) * factor,
        _not_formula(lambda v: text.parse_lead_time_days(v, bare_unit=unit)),
        pl.Int64,
    )


def _by_unique(s: pl.Series, fn: Callable, dtype) -> pl.Series:
    return _map_values(s, None, None, fn, dtype)


# ---------------------------------------------------------------- per-file parsing


def parse_file_to_arrow(
    path: Path | str,
    mapping: BrokerMapping,
    *,
    source: str,
    file_path: str,
    snapshot_date: date,
    batch_rows: int = BATCH_ROWS,
    sink: Callable[[pa.Table], None] | None = None,
) -> tuple[pa.Table, list[QuarantinedRow]]:
    """One CSV (or .csv.gz) -> (OFFER_SCHEMA table, quarantined rows); FeedFileError if unreadable.

    With a `sink`, each batch goes to it as soon as it is parsed and the returned table is empty: a
    file of any size then loads in bounded memory.
    """
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="partrisk_csv_") as tmpdir:
        csv_path = _prepare(path, mapping, tmpdir, file_path)
        try:
            return _parse_prepared(
                csv_path,
                path,
                mapping,
                source=source,
                file_path=file_path,
                snapshot_date=snapshot_date,
                batch_rows=batch_rows,
                sink=sink,
            )
        except pl.exceptions.NoDataError as e:
            raise FeedFileError(file_path, f"empty CSV: {e}") from e
        except pl.exceptions.ComputeError as e:
            msg = str(e).splitlines()[0]
            if "utf-8" in msg.lower() or "utf8" in msg.lower():
                reason = _decode_error_reason(csv_path, lambda p: open(p, "rb"), "utf-8")
                raise FeedFileError(file_path, reason or f"not valid UTF-8: {msg}") from e
            if "more fields" in msg:
                raise FeedFileError(
                    file_path,
                    f"a row has more fields than the header ({msg}); unquoted delimiter inside a value? "
                    "(set ragged_lines: truncate in mapping.yml to accept)",
                ) from e
            raise FeedFileError(file_path, f"cannot read CSV: {msg}") from e


def _parse_prepared(
    csv_path: Path,
    original: Path,
    m: BrokerMapping,
    *,
    source: str,
    file_path: str,
    snapshot_date: date,
    batch_rows: int,
    sink: Callable[[pa.Table], None] | None = None,
) -> tuple[pa.Table, list[QuarantinedRow]]:
    lf = pl.scan_csv(
        csv_path,
        separator=m.delimiter,
        infer_schema=False,
        has_header=True,
        encoding="utf8",
        row_index_name="__row",
        truncate_ragged_lines=m.ragged_lines == "truncate",
        raise_if_empty=True,
        empty_string_is_null=False,
    )
    header = [c for c in lf.collect_schema().names() if c != "__row"]
    missing = [c for c in m.referenced_columns() if c not in header]
    if missing:
        raise FeedFileError(
            file_path, f"columns named in mapping.yml are not in the header: {missing} (header: {header})"
        )
    needed = m.referenced_columns()
    tables: list[pa.Table] = []
    quarantined: list[QuarantinedRow] = []
    try:
        for batch, line, extra in _csv_batches(csv_path, m, header, needed, batch_rows, file_path):
            tbl, q = _parse_batch(batch, line, m, source=source, file_path=file_path, snapshot_date=snapshot_date)
            if sink is not None:
                sink(tbl)
            else:
                tables.append(tbl)
            q += [QuarantinedRow(source, file_path, f"line {n}", "extra_fields", raw) for n, raw in extra]
            quarantined.extend(sorted(q, key=lambda row: int(row.location.removeprefix("line "))))
    except UnicodeDecodeError:
        reason = _decode_error_reason(csv_path, lambda p: open(p, "rb"), "utf-8")
        raise FeedFileError(file_path, reason or "not valid UTF-8") from None
    if not tables:
        return OFFER_SCHEMA.empty_table(), quarantined
    return pa.concat_tables(tables), quarantined


def _csv_batches(
    csv_path: Path, m: BrokerMapping, header: list[str], needed: list[str], batch_rows: int, file_path: str
) -> Iterable[tuple[pl.DataFrame, pl.Series, list[tuple[int, str]]]]:
    """The needed columns in batches of `batch_rows` records, with each record's first physical line,
    and (line, text) of the fields past the header's width that `ragged_lines: truncate` leaves out.

    Python's csv reader streams the file record by record (quoted newlines included), so memory holds
    one batch whatever the file's size; formulas stay text. Polars then parses each batch vectorised.
    """
    positions = [header.index(c) for c in needed]
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in needed]
    lines: list[int] = []
    extra: list[tuple[int, str]] = []
    with open(csv_path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(_bounded_lines(handle, file_path), delimiter=m.delimiter)
        next(reader, None)  # the header, validated by the caller
        previous_end = reader.line_num
        for record in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not record:
                continue  # a blank line is no record
            if len(record) > width and m.ragged_lines != "truncate":
                raise FeedFileError(
                    file_path,
                    f"line {start}: a row has more fields than the header ({len(record)} > {width}); unquoted "
                    "delimiter inside a value? (set ragged_lines: truncate in mapping.yml to accept)",
                )
            if any(field.strip() for field in record[width:]):
                extra.append((start, m.delimiter.join(record[width:])))  # kept in quarantine, never lost
            for values, position in zip(columns, positions, strict=True):
                values.append(record[position] if position < len(record) else None)
            lines.append(start)
            if len(lines) >= batch_rows:
                yield _batch_frame(needed, columns), pl.Series("line", lines, dtype=pl.Int64), extra
                columns, lines, extra = [[] for _ in needed], [], []
    if lines:
        yield _batch_frame(needed, columns), pl.Series("line", lines, dtype=pl.Int64), extra


def _bounded_lines(handle, file_path: str) -> Iterable[str]:
    """The file's physical lines, each read with a bound, so one endless line never fills memory."""
    limit = _env_bytes(MAX_CSV_LINE_ENV, DEFAULT_MAX_CSV_LINE)
    number = 0
    while line := handle.readline(limit + 1):
        number += 1
        if len(line) > limit:
            raise FeedFileError(file_path, f"line {number}: longer than {limit:,} characters ({MAX_CSV_LINE_ENV})")
        yield line


def _batch_frame(needed: list[str], columns: list[list[str | None]]) -> pl.DataFrame:
    return pl.DataFrame({name: pl.Series(name, values, dtype=pl.String) for name, values in zip(needed, columns, strict=True)})


def _parse_batch(
    batch: pl.DataFrame,
    line: pl.Series,
    m: BrokerMapping,
    *,
    source: str,
    file_path: str,
    snapshot_date: date,
) -> tuple[pa.Table, list[QuarantinedRow]]:
    n = batch.height
    stripped = {c: _strip(batch[c]) for c in m.referenced_columns()}
    col = {fld: stripped[c] for fld, c in m.columns.items()}
    line_txt = (
        pl.select(pl.concat_str([pl.lit("line "), pl.lit(line).cast(pl.String)]))
        .to_series()
        .alias("location")
    )
    q_frames: list[pl.DataFrame] = []

    def quarantine(mask: pl.Series, rule: str, raw: pl.Series | str) -> None:
        mask = mask.fill_null(False)
        if not mask.any():
            return
        raw_s = raw if isinstance(raw, pl.Series) else _const(raw, n, pl.String)
        q_frames.append(
            pl.DataFrame(
                {
                    "line": line.filter(mask),
                    "location": line_txt.filter(mask),
                    "rule": [rule] * int(mask.sum()),
                    "raw_value": raw_s.filter(mask),
                }
            )
        )

    def null_str() -> pl.Series:
        return _const(None, n, pl.String)

    def get(fld: str) -> pl.Series:
        return col[fld] if fld in col else null_str()

    # blank lines: every referenced cell empty -> skipped silently
    blank = pl.DataFrame(list(stripped.values())).select(pl.all_horizontal(pl.all().is_null())).to_series()

    mpn = get("mpn_raw")
    sku = get("sku")
    sku = sku.fill_null(mpn)
    empty_mpn = mpn.is_null() & ~blank
    quarantine(empty_mpn, "empty_mpn", sku.fill_null(""))

    if "distributor" in col:
        distributor = col["distributor"].fill_null(m.distributor) if m.distributor else col["distributor"]
    else:
        distributor = _const(m.distributor, n, pl.String)
    empty_dist = distributor.is_null() & ~empty_mpn & ~blank
    quarantine(empty_dist, "empty_distributor", mpn.fill_null(""))
    keep = ~blank & ~empty_mpn & ~empty_dist

    # stock
    stock_raw = get("stock")
    stock = _qty(stock_raw)
    quarantine(keep & (stock < 0), "negative_stock", stock_raw)
    unparsable = keep & stock.is_null() & stock_raw.str.contains(r"[0-9]").fill_null(False)
    quarantine(unparsable, "unparsable_stock", stock_raw)
    stock = pl.select(pl.when(stock >= 0).then(stock)).to_series()

    def positive(fld: str) -> pl.Series:
        raw = get(fld)
        v = _qty(raw)
        quarantine(keep & (v <= 0), "negative_moq", raw)
        return pl.select(pl.when(v > 0).then(v)).to_series()

    moq = positive("moq")
    mult = positive("order_multiple")

    lead_raw = get("lead_time")
    lead_days = _lead(lead_raw, m.lead_time_unit)

    ltb_raw = get("last_buy_date")
    ltb = _by_unique(ltb_raw, _not_formula(text.parse_date), pl.Date)
    quarantine(keep & ltb.is_null() & ltb_raw.is_not_null(), "unparsable_date", ltb_raw)

    # currency column (explicit) -> ISO or marked unknown
    cur_col_raw = get("currency")
    cur_col = _by_unique(cur_col_raw, text.normalize_currency, pl.String)
    default_currency = m.currency

    break_parts: list[tuple[pl.Series, ...]] = []
    for b in m.price_breaks:
        price_raw = stripped[b.price]
        if isinstance(b.quantity, int):
            qty_raw = _const(str(b.quantity), n, pl.String)
            qty = _const(b.quantity, n, pl.Int64)
        else:
            qty_raw = stripped[b.quantity]
            qty = _qty(qty_raw)
        amount, sym_cur_raw = _price(price_raw, m.decimal)
        sym_cur = _by_unique(sym_cur_raw, text.normalize_currency, pl.String)
        has_price = keep & price_raw.is_not_null()
        # currency: explicit column, else symbol, else mapping constant
        currency = pl.select(
            pl.when(cur_col_raw.is_not_null())
            .then(cur_col)
            .when(sym_cur_raw.is_not_null())
            .then(sym_cur)
            .otherwise(pl.lit(default_currency, dtype=pl.String))
        ).to_series()
        bad_currency_raw = pl.select(
            pl.when(cur_col_raw.is_not_null())
            .then(cur_col_raw)
            .when(sym_cur_raw.is_not_null())
            .then(sym_cur_raw)
            .otherwise(pl.lit(default_currency or "", dtype=pl.String))
        ).to_series()
        r_qty_bad = has_price & qty.is_null()
        r_qty_np = has_price & ~r_qty_bad & (qty <= 0).fill_null(False)
        r_price_bad = has_price & ~r_qty_bad & ~r_qty_np & amount.is_null()
        r_cur = has_price & ~r_qty_bad & ~r_qty_np & ~r_price_bad & currency.is_null()
        r_price_np = (
            has_price & ~r_qty_bad & ~r_qty_np & ~r_price_bad & ~r_cur & (amount <= 0).fill_null(False)
        )
        quarantine(r_qty_bad, "unparsable_break_quantity", qty_raw.fill_null(""))
        quarantine(r_qty_np, "non_positive_break_quantity", qty_raw)
        quarantine(r_price_bad, "unparsable_price", price_raw)
        quarantine(r_cur, "unknown_currency", bad_currency_raw)
        quarantine(r_price_np, "non_positive_price", price_raw)
        ok = has_price & ~(r_qty_bad | r_qty_np | r_price_bad | r_cur | r_price_np)
        break_parts.append((ok, qty, amount, currency, price_raw))

    frame = pl.DataFrame(
        {
            "keep": keep,
            "source": _const(source, n, pl.String),
            "distributor": distributor,
            "distributor_country": (
                get("distributor_country").fill_null(m.distributor_country)
                if m.distributor_country
                else get("distributor_country")
            ),
            "is_authorized": _bool_col(col.get("is_authorized"), m.is_authorized, n),
            "is_broker": _bool_col(col.get("is_broker"), m.is_broker, n),
            "sku": sku,
            "stock_pool": sku,
            "mpn_raw": mpn,
            "manufacturer_raw": get("manufacturer_raw"),
            "category_raw": get("category_raw"),
            "description": get("description"),
            "stock": stock,
            "stock_raw": stock_raw,
            "moq": moq,
            "order_multiple": mult,
            "packaging": get("packaging"),
            "lead_time_days": lead_days,
            "lead_time_raw": lead_raw,
            "lifecycle_raw": get("lifecycle_raw"),
            "last_buy_date": ltb,
            "__cur": pl.select(
                pl.when(cur_col_raw.is_not_null())
                .then(cur_col)
                .otherwise(pl.lit(default_currency, dtype=pl.String))
            ).to_series(),
            "prices_include_vat": _const(m.prices_include_vat, n, pl.Boolean),
            "vat_rate": _const(m.vat_rate if m.prices_include_vat else None, n, pl.Float64),
            "file_path": _const(file_path, n, pl.String),
            "record_path": line_txt,
            "snapshot_date": _const(snapshot_date, n, pl.Date),
        }
    )
    price_breaks, first_currency = _break_lists(break_parts, n)
    keep_np = keep.to_numpy()
    frame = frame.filter(keep).with_columns(
        pl.coalesce(first_currency.filter(keep), pl.col("__cur")).alias("currency"),
        pl.col("distributor_country").str.to_uppercase(),
    )
    table = frame.select([c for c in OFFER_SCHEMA.names if c != "price_breaks"]).to_arrow()
    table = table.append_column("price_breaks", price_breaks.filter(pa.array(keep_np)))
    table = table.select(OFFER_SCHEMA.names).cast(OFFER_SCHEMA)

    quarantined: list[QuarantinedRow] = []
    if q_frames:
        qdf = pl.concat(q_frames).sort("line", maintain_order=True)
        quarantined = [
            QuarantinedRow(source, file_path, loc, rule, raw)
            for loc, rule, raw in qdf.select("location", "rule", "raw_value").iter_rows()
        ]
    return table, quarantined


def _break_lists(parts: list[tuple[pl.Series, ...]], n: int) -> tuple[pa.ListArray, pl.Series]:
    """The valid breaks of each row as a list<struct> sorted by quantity, and each row's first currency.

    Built with numpy offsets and one Arrow `take` (Polars' concat_list over structs is far slower)."""
    if not parts:
        empty = pa.array([[] for _ in range(n)], type=pa.list_(PRICE_BREAK_TYPE))
        return empty, _const(None, n, pl.String)
    valid = np.column_stack([ok.fill_null(False).to_numpy() for ok, *_ in parts]).astype(bool)
    structs = [
        pa.StructArray.from_arrays(
            [
                qty.to_arrow().cast(pa.int64()),
                amount.to_arrow().cast(pa.float64()),
                currency.to_arrow().cast(pa.string()),
                price_raw.to_arrow().cast(pa.string()),
            ],
            fields=list(PRICE_BREAK_TYPE),
        )
        for _ok, qty, amount, currency, price_raw in parts
    ]
    flat = pa.concat_arrays(structs)  # column-major: break j of row r at j * n + r
    rows, cols = np.nonzero(valid)  # row-major
    idx = cols * n + rows
    quantities = np.asarray(flat.field("quantity").to_numpy(zero_copy_only=False), dtype=np.float64)
    order = np.lexsort((quantities[idx], rows)) if idx.size else np.array([], dtype=np.int64)
    idx = idx[order]
    counts = valid.sum(axis=1)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    values = flat.take(pa.array(idx, type=pa.int64()))
    lists = pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), values)
    has = counts > 0
    first_idx = np.where(has, offsets[:-1], 0)
    currencies = values.field("currency")
    if len(values):
        first = pl.Series(currencies.take(pa.array(first_idx, type=pa.int64())))
    else:
        first = _const(None, n, pl.String)
    first = first.zip_with(pl.Series(has), _const(None, n, pl.String))
    return lists, first


def _bool_col(series: pl.Series | None, default: bool, n: int) -> pl.Series:
    if series is None:
        return _const(default, n, pl.Boolean)
    return _by_unique(series, text.parse_bool, pl.Boolean).fill_null(default)



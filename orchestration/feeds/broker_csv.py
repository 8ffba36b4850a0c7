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
holding a formula is unreadable. Each batch goes through the feeds' one rule set (`rules.apply`), the
JSON feeds' rules. A record with more fields than the header fails
the file with its line number unless the mapping says `ragged_lines: truncate`: then the row loads with
the header's fields and the text of the fields past them is kept in quarantine (`extra_fields`).

Row rules (location `line N`, the 1-based physical line including the header, counting newlines
embedded in quoted fields): those of `rules.py` (empty_mpn drops the row; negative/unparsable stock nulls
stock; bad breaks are dropped one by one). A price cell left empty is no break. Completely empty lines are
skipped silently.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import tempfile
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Literal

import polars as pl
import pyarrow as pa
import yaml
from pydantic import BaseModel, ConfigDict, StrictInt, ValidationError, field_validator, model_validator

from orchestration.csvfile import guess_encoding
from orchestration.settings import env_bytes

from . import rules, text
from .records import OFFER_SCHEMA, FeedFileError, QuarantinedRow

BATCH_ROWS = 25_000
MAX_CSV_BYTES_ENV = "PARTRISK_MAX_CSV_BYTES"
DEFAULT_MAX_CSV_BYTES = 1024 * 1024 * 1024  # what a .csv.gz may expand to
MAX_CSV_LINE_ENV = "PARTRISK_MAX_CSV_LINE_BYTES"
DEFAULT_MAX_CSV_LINE = 1024 * 1024  # a physical line; the csv module's field limit is 128 KiB

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
    limit, unpacked = env_bytes(MAX_CSV_BYTES_ENV, DEFAULT_MAX_CSV_BYTES), 0
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
            return _parse_prepared(csv_path, mapping, source=source, file_path=file_path,
                                   snapshot_date=snapshot_date, batch_rows=batch_rows, sink=sink)
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


def _parse_prepared(csv_path: Path, m: BrokerMapping, *, source: str, file_path: str, snapshot_date: date,
                    batch_rows: int, sink: Callable[[pa.Table], None] | None = None
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
    needed = m.referenced_columns()
    missing = [c for c in needed if c not in header]
    if missing:
        raise FeedFileError(
            file_path, f"columns named in mapping.yml are not in the header: {missing} (header: {header})"
        )
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
    limit = env_bytes(MAX_CSV_LINE_ENV, DEFAULT_MAX_CSV_LINE)
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
    """One batch of records through the feeds' rule set (`rules.apply`): the mapping names the raw columns."""
    cells = {c: rules.stripped(batch[c]) for c in m.referenced_columns()}
    blank = pl.DataFrame(list(cells.values())).select(pl.all_horizontal(pl.all().is_null())).to_series()
    n = batch.height

    def constant(value, dtype=pl.String) -> pl.Series:
        return pl.repeat(value, n, dtype=dtype, eager=True)

    def column(name: str, default=None) -> pl.Series:
        if name in m.columns:
            return cells[m.columns[name]].fill_null(default) if default is not None else cells[m.columns[name]]
        return constant(default)

    def flag(name: str, default: bool) -> pl.Series:
        if name not in m.columns:
            return constant(default, pl.Boolean)
        return rules.by_value(cells[m.columns[name]], text.parse_bool, pl.Boolean).fill_null(default)

    location = pl.format("line {}", line)
    records = pl.DataFrame({
        "file_path": constant(file_path), "location": pl.select(location).to_series(), "seq": line,
        "mpn": column("mpn_raw"), "sku": column("sku"), "sku_default": column("mpn_raw"),
        "distributor": column("distributor", m.distributor),
        "distributor_country": column("distributor_country", m.distributor_country).str.to_uppercase(),
        "is_authorized": flag("is_authorized", m.is_authorized), "is_broker": flag("is_broker", m.is_broker),
        **{name: column(name) for name in ("manufacturer_raw", "category_raw", "description", "stock", "moq",
                                            "order_multiple", "packaging", "lead_time", "lifecycle_raw",
                                            "last_buy_date")},
        "currency_declared": column("currency", m.currency),
        "prices_include_vat": constant(m.prices_include_vat, pl.Boolean),
        "vat_rate": constant(m.vat_rate if m.prices_include_vat else None, pl.Float64),
    }).filter(~blank)
    breaks = pl.concat([
        pl.DataFrame({
            "file_path": constant(file_path), "location": pl.select(location).to_series(), "seq": line,
            "sub": constant(j, pl.Int64),
            "quantity": (constant(str(b.quantity)) if isinstance(b.quantity, int) else cells[b.quantity]).fill_null(""),
            "price": cells[b.price], "currency": column("currency"), "currency_default": constant(m.currency),
        }).filter(cells[b.price].is_not_null() & ~blank)
        for j, b in enumerate(m.price_breaks)
    ]) if m.price_breaks else pl.DataFrame(schema={"file_path": pl.String, "location": pl.String, "seq": pl.Int64,
                                                   "sub": pl.Int64})
    q = rules.Quarantine(source, rules.CSV_STAGE_ORDER)
    reading = rules.Reading(lead_time_unit=m.lead_time_unit, decimal=m.decimal, formulas_are_text=True)
    table = rules.apply(records, breaks, q, source=source, snapshot_date=snapshot_date, reading=reading,
                        shape=rules.Shape(sku_placeholders=()))
    return table, q.rows()

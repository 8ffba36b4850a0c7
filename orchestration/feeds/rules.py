"""The row rules of every feed, vectorised (Polars): raw records -> offers plus quarantine rows.

A parser only finds the raw values (DuckDB `read_json` and SQL for DigiKey v4 folders, a traversal of the
decoded JSON for the other shapes, the CSV reader's batches for broker files) and hands them here as text
columns. The rules below read them with vectorised expressions; only the *distinct* values the fast
patterns do not cover go through the helpers in `text.py`, once each, so every source follows the same
rules.

| rule | effect |
|---|---|
| `empty_mpn` | row dropped (no part key without an MPN) |
| `empty_sku` | row dropped ("N/A", "NA" and "-" are no SKU, where the source's `Shape` says so: Mouser writes "N/A" for parts it does not sell) |
| `empty_distributor` | row dropped |
| `negative_stock` | offer kept, `stock` nulled, `stock_raw` kept |
| `unparsable_stock` | offer kept, `stock` nulled (text with digits that is not a count) |
| `unparsable_price` | that price break dropped ("N/A", "call") |
| `non_positive_price` | that price break dropped |
| `unknown_currency` | that price break dropped (code not ISO 4217, or no currency at all) |
| `unparsable_break_quantity` / `non_positive_break_quantity` | that price break dropped |
| `unparsable_date` | offer kept, `last_buy_date` nulled |
| `negative_moq` | offer kept, `moq`/`order_multiple` nulled (value <= 0) |
| `extra_fields` | broker CSV with `ragged_lines: truncate` only: offer kept, the fields past the header quarantined |

`location` is the JSON path of the offending value's record (`$.SearchResults.Parts[3]`, and
`...PriceBreaks[1]` for a break) or `line N` for CSV. Quarantine rows come out in record order (`seq`),
then in rule order (`stage`), then break order (`sub`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl
import pyarrow as pa

from . import text
from .records import OFFER_SCHEMA, PRICE_BREAK_TYPE, QuarantinedRow

# Rule order inside one record (the `stage` of its quarantine rows).
STAGE_RECORD, STAGE_ID, STAGE_DATE, STAGE_STOCK, STAGE_BREAKS, STAGE_MOQ, STAGE_MULTIPLE = range(-3, 4)
CSV_STAGE_ORDER = (STAGE_RECORD, STAGE_ID, STAGE_STOCK, STAGE_MOQ, STAGE_MULTIPLE, STAGE_DATE, STAGE_BREAKS)
_NO_SKU = ("N/A", "NA", "-")


@dataclass(frozen=True)
class Reading:
    """How one source writes its text."""

    lead_time_unit: str = "weeks"  # unit of a bare lead-time number
    decimal: str | None = None  # "comma" | "point": settles the ambiguous "1,234" in prices
    formulas_are_text: bool = False  # CSV cells: "=HYPERLINK(...)" is never a value


# ---------------------------------------------------------------- reading text columns


def _const(value, n: int, dtype) -> pl.Series:
    return pl.repeat(value, n, dtype=dtype, eager=True)


def stripped(s: pl.Series) -> pl.Series:
    """Trimmed text, empty -> null."""
    s = s.cast(pl.String).str.strip_chars()
    return pl.select(pl.when(s.str.len_bytes() > 0).then(s)).to_series().alias(s.name)


def _map_values(s: pl.Series, clean: pl.Series | None, fast_values: pl.Series | None, fn: Callable,
                dtype) -> pl.Series:
    """Where `clean` is true take `fast_values` (computed vectorised); the distinct other non-null values
    go through the Python helper `fn` once each."""
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


def _guard(fn: Callable, reading: Reading, empty=None) -> Callable:
    if not reading.formulas_are_text:
        return fn

    def wrapped(v: str):
        return empty if v.startswith("=") else fn(v)

    return wrapped


# Vectorised fast paths. They accept only forms on which they agree exactly with text.py (ASCII digits
# only: a Rust `\d` would also match full-width digits, which text.py normalises first).
_QTY_FAST = r"^([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]{1,18})(?:\s+\p{L}[^0-9]*)?$"
_PRICE_FAST = r"^([$€£¥]?)([0-9]{1,15}(?:\.[0-9]+)?)$"
_PRICE_FAST_COMMA = r"^([$€£¥]?)([0-9]{1,15})$"
_FAST_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}


def quantities(s: pl.Series, reading: Reading) -> pl.Series:
    s = stripped(s)
    number = s.str.extract(_QTY_FAST, 1)
    fast = number.str.replace_all(r"[,.]", "").cast(pl.Int64, strict=False)
    return _map_values(s, number.is_not_null(), fast, _guard(text.parse_quantity, reading), pl.Int64)


def prices(s: pl.Series, reading: Reading) -> tuple[pl.Series, pl.Series]:
    """(amount, currency read from the text) for a price column."""
    s = stripped(s)
    groups = s.str.extract_groups(_PRICE_FAST_COMMA if reading.decimal == "comma" else _PRICE_FAST)
    symbol, number = groups.struct.field("1"), groups.struct.field("2")
    clean = number.is_not_null().fill_null(False)
    fast_amount = number.cast(pl.Float64, strict=False)
    fast_currency = symbol.replace_strict(_FAST_SYMBOLS, default=None, return_dtype=pl.String)
    n = s.len()
    dirty = s.filter(~clean & s.is_not_null()).unique()
    if dirty.len() == 0:
        return fast_amount, fast_currency.zip_with(clean, _const(None, n, pl.String))
    values = dirty.to_list()
    parse = _guard(lambda v: text.parse_price(v, decimal=reading.decimal), reading, text.Money(None, None))
    parsed = [parse(v) for v in values]
    slow_amount = s.replace_strict(values, [p.amount for p in parsed], default=None, return_dtype=pl.Float64)
    slow_currency = s.replace_strict(values, [p.currency for p in parsed], default=None, return_dtype=pl.String)
    return fast_amount.zip_with(clean, slow_amount), fast_currency.zip_with(clean, slow_currency)


def lead_days(s: pl.Series, reading: Reading) -> pl.Series:
    s = stripped(s)
    unit = reading.lead_time_unit
    factor = {"weeks": 7, "days": 1}[unit]
    return _map_values(s, s.str.contains(r"^[0-9]{1,6}$"), s.cast(pl.Int64, strict=False) * factor,
                       _guard(lambda v: text.parse_lead_time_days(v, bare_unit=unit), reading), pl.Int64)


def by_value(s: pl.Series, fn: Callable, dtype, reading: Reading | None = None) -> pl.Series:
    """`fn` over the distinct stripped values of `s` (dates, currency codes, booleans)."""
    return _map_values(stripped(s), None, None, _guard(fn, reading) if reading else fn, dtype)


# ---------------------------------------------------------------- quarantine


@dataclass
class Quarantine:
    """Quarantine rows written by the rules, as frames (file_path, location, rule, raw_value, seq,
    stage, sub)."""

    source: str
    # the order of the rules' rows inside one record, as the source's tests and users have read them
    stage_order: tuple[int, ...] = (STAGE_RECORD, STAGE_ID, STAGE_DATE, STAGE_STOCK, STAGE_BREAKS, STAGE_MOQ,
                                    STAGE_MULTIPLE)
    frames: list[pl.DataFrame] = field(default_factory=list)

    def add(self, f: pl.DataFrame, mask: pl.Series, rule: str, raw: pl.Series | str | None, stage: int,
            *, location: pl.Series | None = None, sub: pl.Series | None = None,
            file_path: pl.Series | None = None, seq: pl.Series | None = None) -> None:
        mask = mask.fill_null(False)
        if not mask.any():
            return
        n = f.height
        raw_s = raw if isinstance(raw, pl.Series) else _const(raw, n, pl.String)
        self.frames.append(pl.DataFrame({
            "file_path": (file_path if file_path is not None else f["file_path"]).filter(mask),
            "location": (location if location is not None else f["location"]).filter(mask),
            "rule": _const(rule, int(mask.sum()), pl.String),
            "raw_value": raw_s.cast(pl.String).filter(mask),
            "seq": (seq if seq is not None else f["seq"]).cast(pl.Int64).filter(mask),
            "stage": _const(stage, int(mask.sum()), pl.Int64),
            "sub": (sub if sub is not None else _const(0, n, pl.Int64)).cast(pl.Int64).filter(mask),
        }))

    def extend(self, rows: pl.DataFrame) -> None:
        """Rows a parser wrote itself (same columns)."""
        if rows.height:
            self.frames.append(rows.select("file_path", "location", "rule", "raw_value", "seq", "stage", "sub"))

    def frame(self) -> pl.DataFrame:
        if not self.frames:
            return pl.DataFrame(schema={"file_path": pl.String, "location": pl.String, "rule": pl.String,
                                        "raw_value": pl.String, "seq": pl.Int64, "stage": pl.Int64,
                                        "sub": pl.Int64})
        # a value several offers share (DigiKey's product-level stock) is quarantined once
        rank = {stage: i for i, stage in enumerate(self.stage_order)}
        return (pl.concat(self.frames).unique(maintain_order=True)
                .with_columns(__rank=pl.col("stage").replace_strict(rank, default=len(rank), return_dtype=pl.Int64))
                .sort("seq", "__rank", "sub", maintain_order=True).drop("__rank"))

    def rows(self) -> list[QuarantinedRow]:
        return [QuarantinedRow(self.source, *row)
                for row in self.frame().select("file_path", "location", "rule", "raw_value").iter_rows()]


# ---------------------------------------------------------------- the rules


def _column(f: pl.DataFrame, name: str) -> pl.Series:
    return f[name].cast(pl.String) if name in f.columns else _const(None, f.height, pl.String)


def _where(f: pl.DataFrame, value: str) -> dict[str, pl.Series]:
    """Where a value shared by several records sits (`<value>_location`, `_seq`, `_file_path`), for its
    quarantine rows; each record's own place where not given."""
    return {key: f[f"{value}_{key}"].fill_null(f[key]) for key in ("location", "seq", "file_path")
            if f"{value}_{key}" in f.columns}


def identify(f: pl.DataFrame, q: Quarantine, placeholders: tuple[str, ...] = _NO_SKU) -> pl.DataFrame:
    """Rows with an MPN, a SKU (else `sku_default`) and a distributor; the others are quarantined and
    dropped. Adds `mpn_raw` and `sku` (stripped)."""
    mpn = stripped(_column(f, "mpn"))
    sku = stripped(_column(f, "sku"))
    if placeholders:
        sku = pl.select(pl.when(~sku.str.to_uppercase().is_in(placeholders)).then(sku)).to_series()
    if "sku_default" in f.columns:
        sku = sku.fill_null(stripped(f["sku_default"]))
    distributor = stripped(_column(f, "distributor"))
    no_mpn = mpn.is_null()
    no_sku = ~no_mpn & sku.is_null()
    no_distributor = ~no_mpn & ~no_sku & distributor.is_null()
    q.add(f, no_mpn, "empty_mpn", sku.fill_null(""), STAGE_ID)
    q.add(f, no_sku, "empty_sku", mpn, STAGE_ID)
    q.add(f, no_distributor, "empty_distributor", mpn, STAGE_ID)
    keep = ~(no_mpn | no_sku | no_distributor)
    return f.with_columns(mpn_raw=mpn, sku=sku, distributor=distributor).filter(keep)


def stock(f: pl.DataFrame, q: Quarantine, reading: Reading, candidates: tuple[str, ...] = ("stock",)) -> pl.DataFrame:
    """`stock` from the first candidate column that reads as a count, and `stock_raw` its text; a negative
    count and a text with digits that is no count are quarantined (at `stock_location` if given)."""
    raws = [stripped(_column(f, c)) for c in candidates]
    counts = [quantities(r, reading) for r in raws]
    chosen_count = pl.select(pl.coalesce(counts)).to_series() if counts else _const(None, f.height, pl.Int64)
    chosen_raw = pl.select(
        pl.coalesce([pl.when(c.is_not_null()).then(r) for c, r in zip(counts, raws, strict=True)])
    ).to_series()
    first_raw = pl.select(pl.coalesce(raws)).to_series()
    raw = chosen_raw.fill_null(first_raw) if len(raws) > 1 else raws[0]
    at = _where(f, "stock")
    negative = (chosen_count < 0).fill_null(False)
    unparsable = chosen_count.is_null() & first_raw.str.contains(r"\d").fill_null(False)
    q.add(f, negative, "negative_stock", chosen_raw, STAGE_STOCK, **at)
    q.add(f, unparsable, "unparsable_stock", first_raw, STAGE_STOCK, **at)
    value = pl.select(pl.when(~negative).then(chosen_count)).to_series()
    return f.with_columns(stock=value, stock_raw=raw)


def positive(f: pl.DataFrame, q: Quarantine, reading: Reading, name: str, stage: int) -> pl.DataFrame:
    """A count that must be > 0 (MOQ, order multiple): 0 or less is quarantined `negative_moq` and nulled."""
    raw = _column(f, name)
    value = quantities(raw, reading)
    q.add(f, (value <= 0).fill_null(False), "negative_moq", raw, stage)
    return f.with_columns(pl.Series(name, pl.select(pl.when(value > 0).then(value)).to_series(), dtype=pl.Int64))


def last_buy(f: pl.DataFrame, q: Quarantine, reading: Reading, name: str = "last_buy_date") -> pl.DataFrame:
    raw = stripped(_column(f, name))
    value = by_value(raw, text.parse_date, pl.Date, reading)
    q.add(f, value.is_null() & raw.is_not_null(), "unparsable_date", _column(f, name), STAGE_DATE,
          **_where(f, "date"))
    return f.with_columns(pl.Series(name, value, dtype=pl.Date))


def lead_time(f: pl.DataFrame, reading: Reading) -> pl.DataFrame:
    raw = stripped(_column(f, "lead_time"))
    return f.with_columns(lead_time_raw=raw, lead_time_days=lead_days(raw, reading))


def price_breaks(b: pl.DataFrame, q: Quarantine, reading: Reading) -> pl.DataFrame:
    """Raw breaks (seq of their offer, location, sub, quantity, price, currency, currency_default,
    price_text) -> the valid breaks, one row each (seq, quantity, unit_price, currency, price_raw); a break
    that breaks a rule is quarantined and left out. `price_text`, when set, is the published text kept as
    `price_raw` instead of the price value."""
    qty_raw = _column(b, "quantity")
    qty = quantities(qty_raw, reading)
    price_raw = stripped(_column(b, "price"))
    amount, symbol_currency = prices(price_raw, reading)
    explicit = stripped(_column(b, "currency"))
    default = stripped(_column(b, "currency_default"))
    currency_text = pl.select(
        pl.when(explicit.is_not_null()).then(explicit).when(symbol_currency.is_not_null()).then(symbol_currency)
        .otherwise(default)
    ).to_series()
    currency = by_value(currency_text, text.normalize_currency, pl.String)
    bad_currency = pl.select(
        pl.when(explicit.is_not_null()).then(explicit).when(symbol_currency.is_not_null()).then(symbol_currency)
        .otherwise(default.fill_null(""))
    ).to_series()
    qty_bad = qty.is_null()
    qty_np = ~qty_bad & (qty <= 0).fill_null(False)
    price_bad = ~qty_bad & ~qty_np & amount.is_null()
    cur_bad = ~qty_bad & ~qty_np & ~price_bad & currency.is_null()
    price_np = ~qty_bad & ~qty_np & ~price_bad & ~cur_bad & (amount <= 0).fill_null(False)
    at = {"sub": b["sub"], "seq": b["order_seq"].fill_null(b["seq"]) if "order_seq" in b.columns else b["seq"]}
    q.add(b, qty_bad, "unparsable_break_quantity", qty_raw, STAGE_BREAKS, **at)
    q.add(b, qty_np, "non_positive_break_quantity", qty_raw, STAGE_BREAKS, **at)
    q.add(b, price_bad, "unparsable_price", price_raw, STAGE_BREAKS, **at)
    q.add(b, cur_bad, "unknown_currency", bad_currency, STAGE_BREAKS, **at)
    q.add(b, price_np, "non_positive_price", price_raw, STAGE_BREAKS, **at)
    ok = ~(qty_bad | qty_np | price_bad | cur_bad | price_np)
    shown = stripped(b["price_text"]).fill_null(price_raw) if "price_text" in b.columns else price_raw
    return pl.DataFrame({
        "seq": b["seq"].cast(pl.Int64), "quantity": qty, "unit_price": amount, "currency": currency,
        "price_raw": shown.fill_null(""),
    }).filter(ok)


def break_lists(valid: pl.DataFrame, seq: pl.Series) -> tuple[pa.ListArray, pl.Series]:
    """The valid breaks of each offer (in `seq` order) as a list<struct> sorted by quantity (ties keep
    their order), and each offer's first currency."""
    n = seq.len()
    position = pl.DataFrame({"seq": seq.cast(pl.Int64), "__pos": pl.int_range(n, eager=True, dtype=pl.Int64)})
    rows = valid.with_row_index("__order").join(position, on="seq", how="inner").sort(
        "__pos", "quantity", "__order", maintain_order=True)
    counts = np.bincount(rows["__pos"].to_numpy(), minlength=n) if rows.height else np.zeros(n, dtype=np.int64)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    values = pa.StructArray.from_arrays(
        [rows["quantity"].to_arrow().cast(pa.int64()), rows["unit_price"].to_arrow().cast(pa.float64()),
         rows["currency"].to_arrow().cast(pa.string()), rows["price_raw"].to_arrow().cast(pa.string())],
        fields=list(PRICE_BREAK_TYPE),
    )
    lists = pa.ListArray.from_arrays(pa.array(offsets, type=pa.int32()), values)
    has = counts > 0
    if rows.height:
        first_idx = np.where(has, offsets[:-1], 0)
        first = rows["currency"].gather(pl.Series(first_idx, dtype=pl.Int64))
    else:
        first = _const(None, n, pl.String)
    return lists, first.zip_with(pl.Series(has), _const(None, n, pl.String))


_DEFAULTS = {
    "distributor_country": (None, pl.String), "is_authorized": (True, pl.Boolean), "is_broker": (False, pl.Boolean),
    "manufacturer_raw": (None, pl.String), "category_raw": (None, pl.String), "description": (None, pl.String),
    "stock": (None, pl.Int64), "stock_raw": (None, pl.String), "moq": (None, pl.Int64),
    "order_multiple": (None, pl.Int64), "packaging": (None, pl.String), "lead_time_days": (None, pl.Int64),
    "lead_time_raw": (None, pl.String), "lifecycle_raw": (None, pl.String), "last_buy_date": (None, pl.Date),
    "prices_include_vat": (False, pl.Boolean), "vat_rate": (None, pl.Float64), "stock_pool": (None, pl.String),
    "currency_declared": (None, pl.String),
}


def offers_table(f: pl.DataFrame, valid_breaks: pl.DataFrame, *, source: str, snapshot_date: date | None
                 ) -> pa.Table:
    """Offers (after the rules) and their valid breaks -> an OFFER_SCHEMA table. The offer's currency is
    its first break's, else its declared currency (`currency_declared`). Without `snapshot_date`, each
    record carries its own (several date folders read at once)."""
    n = f.height
    f = f.with_columns([_const(default, n, dtype).alias(name) for name, (default, dtype) in _DEFAULTS.items()
                        if name not in f.columns])
    f = f.with_columns([pl.col(name).fill_null(default) for name, (default, _) in _DEFAULTS.items()
                        if default is not None])
    lists, first_currency = break_lists(valid_breaks, f["seq"])
    declared = by_value(f["currency_declared"], text.normalize_currency, pl.String)
    table = f.select(
        pl.lit(source, dtype=pl.String).alias("source"),
        pl.col("distributor").cast(pl.String),
        pl.col("distributor_country").cast(pl.String),
        pl.col("is_authorized").cast(pl.Boolean),
        pl.col("is_broker").cast(pl.Boolean),
        pl.col("sku"),
        pl.coalesce(stripped(f["stock_pool"]), pl.col("sku")).alias("stock_pool"),
        pl.col("mpn_raw"),
        *(pl.col(c).cast(pl.String) for c in ("manufacturer_raw", "category_raw", "description")),
        pl.col("stock").cast(pl.Int64), pl.col("stock_raw").cast(pl.String),
        pl.col("moq").cast(pl.Int64), pl.col("order_multiple").cast(pl.Int64),
        pl.col("packaging").cast(pl.String),
        pl.col("lead_time_days").cast(pl.Int64), pl.col("lead_time_raw").cast(pl.String),
        pl.col("lifecycle_raw").cast(pl.String), pl.col("last_buy_date").cast(pl.Date),
        pl.coalesce(pl.lit(first_currency), pl.lit(declared)).alias("currency"),
        pl.col("prices_include_vat").cast(pl.Boolean), pl.col("vat_rate").cast(pl.Float64),
        pl.col("file_path").cast(pl.String), pl.col("location").cast(pl.String).alias("record_path"),
        (pl.col("snapshot_date") if snapshot_date is None else pl.lit(snapshot_date)).cast(pl.Date)
        .alias("snapshot_date"),
    ).to_arrow()
    names = [c for c in OFFER_SCHEMA.names if c != "price_breaks"]
    table = table.rename_columns(names).append_column("price_breaks", lists)
    return table.select(OFFER_SCHEMA.names).cast(OFFER_SCHEMA)


# ---------------------------------------------------------------- raw records of a JSON traversal

_RECORD_TYPES = {"seq": pl.Int64, "is_authorized": pl.Boolean, "is_broker": pl.Boolean,
                 "prices_include_vat": pl.Boolean, "vat_rate": pl.Float64, "stock_seq": pl.Int64,
                 "date_seq": pl.Int64, "stock_value": pl.Int64}
_BREAK_COLUMNS = ("file_path", "location", "seq", "order_seq", "sub", "quantity", "price", "currency", "currency_default",
                  "price_text")
_QUARANTINE_COLUMNS = ("file_path", "location", "rule", "raw_value", "seq", "stage", "sub")
FILE_STRIDE = 1 << 40  # seq = file index * FILE_STRIDE + the record's order in its file


def raw_text(value: object) -> str | None:
    """A JSON value as the rules read it: a string as written, any other value as `text.clean_str` writes
    it (numbers, booleans)."""
    return value if value is None or isinstance(value, str) else text.clean_str(value)


def as_list(value: object) -> list:
    return value if isinstance(value, list) else []


def as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


@dataclass
class RawRecords:
    """The raw values a JSON traversal found in one file: offer records, their price breaks, and the rows
    the traversal itself quarantined (a record it could not even make an offer of)."""

    file_path: str
    file_index: int = 0
    offers: list[dict] = field(default_factory=list)
    breaks: list[dict] = field(default_factory=list)
    quarantined: list[dict] = field(default_factory=list)

    def seq(self, order: int) -> int:
        return self.file_index * FILE_STRIDE + order

    def offer(self, order: int, location: str, **values) -> None:
        row = {k: (v if k in _RECORD_TYPES else raw_text(v)) for k, v in values.items()}
        row.update(file_path=self.file_path, location=location, seq=self.seq(order))
        self.offers.append(row)

    def price_breaks(self, order: int, base: str, items: object, quantity_key: str,
                     price_keys: str | tuple[str, ...], currency_key: str | None = None, *,
                     default_currency: object = None, price_text_key: str | None = None,
                     offer_seq: int | None = None) -> None:
        """The JSON list `items` at path `base`: each item an object with a quantity key, a price key (or
        several: the first that is set) and optionally an explicit currency key. `offer_seq` links breaks
        of this file to an offer of another file (TME); `order` then orders their quarantine rows here."""
        keys = (price_keys,) if isinstance(price_keys, str) else price_keys
        for k, b in enumerate(as_dict(x) for x in as_list(items)):
            self.breaks.append({
                "file_path": self.file_path, "location": f"{base}[{k}]",
                "seq": self.seq(order) if offer_seq is None else offer_seq, "order_seq": self.seq(order),
                "sub": k, "quantity": raw_text(b.get(quantity_key)),
                "price": raw_text(next((b[key] for key in keys if b.get(key) is not None), None)),
                "currency": raw_text(b.get(currency_key)) if currency_key else None,
                "currency_default": raw_text(default_currency),
                "price_text": text.clean_str(b.get(price_text_key)) if price_text_key else None,
            })

    def quarantine(self, order: int, stage: int, location: str, rule: str, raw_value: object) -> None:
        raw = None if raw_value is None else (raw_value if isinstance(raw_value, str) else text.clean_str(raw_value))
        self.quarantined.append({"file_path": self.file_path, "location": location, "rule": rule,
                                 "raw_value": raw, "seq": self.seq(order), "stage": stage, "sub": 0})


def frames(files: list[RawRecords]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(records, breaks, quarantined) frames of several files' raw records."""
    offers = [row for f in files for row in f.offers]
    names = list(dict.fromkeys(k for row in offers for k in row)) or ["file_path", "location", "seq"]
    records = pl.from_dicts(offers, schema={k: _RECORD_TYPES.get(k, pl.String) for k in names})
    breaks = pl.from_dicts([row for f in files for row in f.breaks],
                           schema={k: pl.Int64 if k in ("seq", "order_seq", "sub") else pl.String
                                   for k in _BREAK_COLUMNS})
    quarantined = pl.from_dicts(
        [row for f in files for row in f.quarantined],
        schema={k: pl.Int64 if k in ("seq", "stage", "sub") else pl.String for k in _QUARANTINE_COLUMNS})
    return records, breaks, quarantined


# ---------------------------------------------------------------- the whole rule set


@dataclass(frozen=True)
class Shape:
    """What a source's records carry beyond the common columns."""

    stock_candidates: tuple[str, ...] = ("stock",)
    sku_placeholders: tuple[str, ...] = ("N/A", "NA", "-")  # words that are no SKU
    unique_sku_per_file: bool = False  # keep a file's first offer of each SKU (after its rules ran)


def apply(records: pl.DataFrame, breaks: pl.DataFrame, q: Quarantine, *, source: str, snapshot_date: date | None,
          reading: Reading = Reading(), shape: Shape = Shape()) -> pa.Table:
    """Raw records and breaks -> an OFFER_SCHEMA table; quarantine rows go to `q`.

    Records: `file_path`, `location`, `seq` and the raw text of `mpn`, `sku` (`sku_default` if none),
    `distributor`, `stock` (or the candidates of `shape`; `stock_text` replaces `stock_raw` when set),
    `moq`, `order_multiple`, `lead_time`, `last_buy_date`, `currency_declared`, plus any OFFER_SCHEMA
    column taken as is. Breaks: see `price_breaks`.
    """
    f = identify(records, q, shape.sku_placeholders)
    if shape.stock_candidates:
        f = stock(f, q, reading, shape.stock_candidates)
    if "stock_value" in f.columns:  # a stock figure the parser worked out from the one read here
        f = f.with_columns(stock=pl.when(pl.col("stock").is_not_null()).then(pl.col("stock_value")))
    if "stock_text" in f.columns:
        f = f.with_columns(stock_raw=stripped(f["stock_text"]).fill_null(f["stock_raw"]))
    if "last_buy_date" in f.columns and f.schema["last_buy_date"] == pl.String:
        f = last_buy(f, q, reading)
    f = lead_time(f, reading)
    for name, stage in (("moq", STAGE_MOQ), ("order_multiple", STAGE_MULTIPLE)):
        if name in f.columns:
            f = positive(f, q, reading, name, stage)
    kept = breaks.filter(pl.col("seq").is_in(f["seq"].implode()))
    valid = price_breaks(kept, q, reading) if kept.height else price_breaks(breaks.clear(), q, reading)
    if shape.unique_sku_per_file:
        f = f.unique(subset=["file_path", "sku"], keep="first", maintain_order=True)
    return offers_table(f, valid, source=source, snapshot_date=snapshot_date)

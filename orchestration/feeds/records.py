"""Records produced by the feed parsers (the contract in docs/architecture.md, "Feed parsers").

The one rule set (rules.py) writes offers as an Arrow table with `OFFER_SCHEMA` (`Offer` objects are
for tests and small folders), `QuarantinedRow`s for rows that were read but broke a row rule, and the
registry turns files that could not be read at all into `FailedFile`s.

Conventions fixed here:
- `vat_rate` is a *fraction* (0.23 for 23 %), set only when `prices_include_vat` is true; staging
  divides `unit_price` by `1 + vat_rate`.  `unit_price` is always the price as published.
- `stock_pool`: offers of one distributor with the same `stock_pool` share one stock figure (DigiKey
  packaging variations); every other offer uses its own sku.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date

import pyarrow as pa


@dataclass(slots=True, frozen=True)
class PriceBreak:
    quantity: int
    unit_price: float
    currency: str
    price_raw: str


@dataclass(slots=True, kw_only=True)
class Offer:
    """One distributor offer (one SKU) on one snapshot date. Field order = docs/architecture.md."""

    source: str
    distributor: str
    distributor_country: str | None = None
    is_authorized: bool = True
    is_broker: bool = False
    sku: str
    stock_pool: str | None = None  # defaults to sku in __post_init__
    mpn_raw: str
    manufacturer_raw: str | None = None
    category_raw: str | None = None
    description: str | None = None
    stock: int | None = None
    stock_raw: str | None = None
    moq: int | None = None
    order_multiple: int | None = None
    packaging: str | None = None
    lead_time_days: int | None = None
    lead_time_raw: str | None = None
    lifecycle_raw: str | None = None
    last_buy_date: date | None = None
    currency: str | None = None
    prices_include_vat: bool = False
    vat_rate: float | None = None
    price_breaks: list[PriceBreak] = field(default_factory=list)
    file_path: str
    record_path: str
    snapshot_date: date

    def __post_init__(self) -> None:
        if not self.stock_pool:
            self.stock_pool = self.sku


@dataclass(slots=True, frozen=True)
class QuarantinedRow:
    source: str
    file_path: str
    location: str
    rule: str
    raw_value: str | None


@dataclass(slots=True, frozen=True)
class FailedFile:
    source: str
    file_path: str
    reason: str


@dataclass(slots=True, frozen=True)
class FileReport:
    """One row for `raw.load_log`: what happened to one landing file."""

    source: str
    file_path: str
    file_sha256: str | None
    status: str  # "loaded" | "failed"
    rows_loaded: int
    rows_quarantined: int
    reason: str | None = None


class FeedFileError(Exception):
    """A whole file cannot be parsed (unknown shape, API error payload, bad mapping...)."""

    def __init__(self, file_path: str, reason: str):
        super().__init__(f"{file_path}: {reason}")
        self.file_path = file_path
        self.reason = reason


PRICE_BREAK_TYPE = pa.struct(
    [
        pa.field("quantity", pa.int64()),
        pa.field("unit_price", pa.float64()),
        pa.field("currency", pa.string()),
        pa.field("price_raw", pa.string()),
    ]
)

# Column order = Offer field order in docs/architecture.md.
OFFER_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("distributor", pa.string(), nullable=False),
        pa.field("distributor_country", pa.string()),
        pa.field("is_authorized", pa.bool_(), nullable=False),
        pa.field("is_broker", pa.bool_(), nullable=False),
        pa.field("sku", pa.string(), nullable=False),
        pa.field("stock_pool", pa.string(), nullable=False),
        pa.field("mpn_raw", pa.string(), nullable=False),
        pa.field("manufacturer_raw", pa.string()),
        pa.field("category_raw", pa.string()),
        pa.field("description", pa.string()),
        pa.field("stock", pa.int64()),
        pa.field("stock_raw", pa.string()),
        pa.field("moq", pa.int64()),
        pa.field("order_multiple", pa.int64()),
        pa.field("packaging", pa.string()),
        pa.field("lead_time_days", pa.int64()),
        pa.field("lead_time_raw", pa.string()),
        pa.field("lifecycle_raw", pa.string()),
        pa.field("last_buy_date", pa.date32()),
        pa.field("currency", pa.string()),
        pa.field("prices_include_vat", pa.bool_(), nullable=False),
        pa.field("vat_rate", pa.float64()),
        pa.field("price_breaks", pa.list_(PRICE_BREAK_TYPE)),
        pa.field("file_path", pa.string(), nullable=False),
        pa.field("record_path", pa.string(), nullable=False),
        pa.field("snapshot_date", pa.date32(), nullable=False),
    ]
)

QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string()),
        pa.field("file_path", pa.string()),
        pa.field("location", pa.string()),
        pa.field("rule", pa.string()),
        pa.field("raw_value", pa.string()),
    ]
)

_OFFER_FIELD_NAMES = [f.name for f in fields(Offer)]
assert _OFFER_FIELD_NAMES == OFFER_SCHEMA.names, "Offer and OFFER_SCHEMA disagree"


def offers_to_arrow(offers: Iterable[Offer]) -> pa.Table:
    """Offer objects -> an OFFER_SCHEMA table (column-wise, no pandas)."""
    offers = list(offers)
    cols: dict[str, list] = {name: [] for name in OFFER_SCHEMA.names}
    for o in offers:
        for name in OFFER_SCHEMA.names:
            if name == "price_breaks":
                cols[name].append(
                    [
                        {
                            "quantity": b.quantity,
                            "unit_price": b.unit_price,
                            "currency": b.currency,
                            "price_raw": b.price_raw,
                        }
                        for b in o.price_breaks
                    ]
                )
            else:
                cols[name].append(getattr(o, name))
    return pa.Table.from_pydict(cols, schema=OFFER_SCHEMA)


def offers_from_arrow(table: pa.Table) -> list[Offer]:
    """An OFFER_SCHEMA table -> Offer objects (for tests and small tables)."""
    table = table.select(OFFER_SCHEMA.names)
    out: list[Offer] = []
    for row in table.to_pylist():
        row["price_breaks"] = [PriceBreak(**b) for b in (row["price_breaks"] or [])]
        out.append(Offer(**row))
    return out


def quarantined_to_arrow(rows: Iterable[QuarantinedRow]) -> pa.Table:
    rows = list(rows)
    return pa.Table.from_pydict(
        {name: [getattr(r, name) for r in rows] for name in QUARANTINE_SCHEMA.names},
        schema=QUARANTINE_SCHEMA,
    )


@dataclass
class SnapshotParse:
    """Result of parsing one `feeds/<source>/<YYYY-MM-DD>/` folder; the offers are one OFFER_SCHEMA table."""

    source: str = ""
    snapshot_date: date | None = None
    table: pa.Table = field(default_factory=OFFER_SCHEMA.empty_table)
    quarantined: list[QuarantinedRow] = field(default_factory=list)
    failed_files: list[FailedFile] = field(default_factory=list)
    file_reports: list[FileReport] = field(default_factory=list)

    @property
    def offer_count(self) -> int:
        return self.table.num_rows

    @property
    def offers(self) -> list[Offer]:
        """The offers as objects (materialises the table: small folders and tests)."""
        return offers_from_arrow(self.table)

    def to_arrow(self) -> pa.Table:
        return self.table

    def quarantine_to_arrow(self) -> pa.Table:
        return quarantined_to_arrow(self.quarantined)

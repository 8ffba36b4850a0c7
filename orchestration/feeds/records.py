"""Records produced by the feed parsers (the contract in docs/architecture.md, "Feed parsers").

The one rule set (rules.py) writes offers as an Arrow table with `OFFER_SCHEMA` and `QuarantinedRow`s for
rows that were read but broke a row rule; the registry turns files that could not be read at all into
`FailedFile`s.

Conventions fixed here:
- `vat_rate` is a *fraction* (0.23 for 23 %), set only when `prices_include_vat` is true; staging
  divides `unit_price` by `1 + vat_rate`.  `unit_price` is always the price as published.
- `stock_pool`: offers of one distributor with the same `stock_pool` share one stock figure (DigiKey
  packaging variations); every other offer uses its own sku.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pyarrow as pa


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

# Column order = the offer contract in docs/architecture.md.
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


@dataclass
class SnapshotParse:
    """Result of parsing one `feeds/<source>/<YYYY-MM-DD>/` folder; the offers are one OFFER_SCHEMA table."""

    source: str = ""
    snapshot_date: date | None = None
    table: pa.Table = field(default_factory=OFFER_SCHEMA.empty_table)
    quarantined: list[QuarantinedRow] = field(default_factory=list)
    failed_files: list[FailedFile] = field(default_factory=list)

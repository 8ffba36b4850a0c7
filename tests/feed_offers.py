"""Offers of the production parse path as Python objects, for the parser tests' assertions."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, fields
from datetime import date

import pyarrow as pa

from orchestration.feeds import common
from orchestration.feeds.records import OFFER_SCHEMA, FailedFile, FeedFileError, QuarantinedRow, SnapshotParse


@dataclass(slots=True, frozen=True)
class PriceBreak:
    quantity: int
    unit_price: float
    currency: str
    price_raw: str


@dataclass(slots=True, kw_only=True)
class Offer:
    """One row of an OFFER_SCHEMA table (same fields, same order)."""

    source: str
    distributor: str
    distributor_country: str | None
    is_authorized: bool
    is_broker: bool
    sku: str
    stock_pool: str
    mpn_raw: str
    manufacturer_raw: str | None
    category_raw: str | None
    description: str | None
    stock: int | None
    stock_raw: str | None
    moq: int | None
    order_multiple: int | None
    packaging: str | None
    lead_time_days: int | None
    lead_time_raw: str | None
    lifecycle_raw: str | None
    last_buy_date: date | None
    currency: str | None
    prices_include_vat: bool
    vat_rate: float | None
    price_breaks: list[PriceBreak] = field(default_factory=list)
    file_path: str
    record_path: str
    snapshot_date: date


assert [f.name for f in fields(Offer)] == OFFER_SCHEMA.names, "Offer and OFFER_SCHEMA disagree"


def offers_of(parsed: pa.Table | SnapshotParse) -> list[Offer]:
    table = parsed.table if isinstance(parsed, SnapshotParse) else parsed
    out = []
    for row in table.select(OFFER_SCHEMA.names).to_pylist():
        row["price_breaks"] = [PriceBreak(**b) for b in (row["price_breaks"] or [])]
        out.append(Offer(**row))
    return out


def parse(module, payload: object, *, source: str, file_path: str, snapshot_date: date
          ) -> tuple[list[Offer], list[QuarantinedRow]]:
    """One decoded file through `common.parse_with_rules`; raises what the file failed with."""
    table, q, failed = common.parse_with_rules(module, [(file_path, payload)], source=source,
                                               snapshot_date=snapshot_date)
    if failed:
        raise failed[0][1]
    return offers_of(table), q.rows()


def parse_many(module, payloads: list[tuple[str, object]], *, source: str, snapshot_date: date
               ) -> tuple[list[Offer], list[QuarantinedRow], list[FailedFile]]:
    """Decoded files parsed together (TME joins its Search and Prices files)."""
    table, q, failed = common.parse_with_rules(module, payloads, source=source, snapshot_date=snapshot_date)
    return offers_of(table), q.rows(), [
        FailedFile(source, file_path, e.reason if isinstance(e, FeedFileError) else str(e)) for file_path, e in failed]


def file_outcomes(result: SnapshotParse) -> dict[str, tuple[str, int, int]]:
    """file_path -> (status, offers loaded, rows quarantined) of every file that loaded an offer, had a row
    quarantined or failed."""
    loaded = Counter(result.table.column("file_path").to_pylist())
    quarantined = Counter(q.file_path for q in result.quarantined)
    failed = {f.file_path for f in result.failed_files}
    return {path: ("failed" if path in failed else "loaded", 0 if path in failed else loaded[path], quarantined[path])
            for path in sorted(loaded.keys() | quarantined.keys() | failed)}

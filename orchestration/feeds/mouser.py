"""Mouser Search API (keyword and part-number search): `{"Errors": [...], "SearchResults": {"Parts": [...]}}`.

- sku `MouserPartNumber` ("N/A" = Mouser does not sell it -> quarantined `empty_sku`);
- stock: `AvailabilityInStock` if it reads as a count, else the number in `Availability`
  ("6178 In Stock", "6178 在庫"); "On Order" / "None" give a null stock without quarantine;
- `LeadTime` "42 Days" / "42 日" (a bare number is read as days: Mouser always publishes days);
- lifecycle: `LifecycleStatus`, and "Discontinued" when `IsDiscontinued` is "true" and the status is
  empty or only says the part is new;
- price breaks: `Price` is a string with a symbol and the locale's decimal format; the break's
  `Currency` field wins over the symbol.
A non-empty `Errors` list with no results is a failed file.
"""

from __future__ import annotations

from datetime import date

from . import text
from .common import Collector, as_dict, as_list
from .records import FeedFileError, Offer, QuarantinedRow

DISTRIBUTOR = "Mouser"
_PACKAGING_ATTRS = {"packaging", "パッケージ化", "verpackung", "emballage", "embalaje", "confezione", "包装"}
_NEW_STATUSES = {"new product", "new at mouser", "active"}


def _errors_text(errors: list) -> str:
    msgs = []
    for e in errors:
        if isinstance(e, dict):
            msgs.append(": ".join(str(x) for x in (e.get("Code"), e.get("Message")) if x))
        else:
            msgs.append(str(e))
    return "; ".join(msgs)


def parse(
    payload: dict, *, source: str, file_path: str, snapshot_date: date
) -> tuple[list[Offer], list[QuarantinedRow]]:
    if not isinstance(payload, dict) or not ("SearchResults" in payload or "Errors" in payload):
        keys = ", ".join(sorted(payload)[:8]) if isinstance(payload, dict) else type(payload).__name__
        raise FeedFileError(file_path, f"unknown Mouser shape (top level: {keys})")
    errors = as_list(payload.get("Errors"))
    results = payload.get("SearchResults")
    parts = as_dict(results).get("Parts")
    if errors and not parts:
        raise FeedFileError(file_path, f"Mouser API errors: {_errors_text(errors)}")
    if results is not None and not isinstance(results, dict):
        raise FeedFileError(file_path, "unknown Mouser shape: SearchResults is not an object")
    if parts is not None and not isinstance(parts, list):
        raise FeedFileError(file_path, "unknown Mouser shape: SearchResults.Parts is not a list")

    col = Collector(source, file_path, snapshot_date)
    offers: list[Offer] = []
    for i, part in enumerate(as_list(parts)):
        part = as_dict(part)
        path = f"$.SearchResults.Parts[{i}]"
        ids = col.require_id(path, part.get("ManufacturerPartNumber"), part.get("MouserPartNumber"))
        if ids is None:
            continue
        mpn, sku = ids
        stock, stock_raw = _stock(col, path, part)
        lead_raw = text.clean_str(part.get("LeadTime"))
        breaks = col.breaks(f"{path}.PriceBreaks", part.get("PriceBreaks"), "Quantity", "Price", "Currency",
                            default_currency=None)
        packaging = [
            text.clean_str(a.get("AttributeValue"))
            for a in (as_dict(x) for x in as_list(part.get("ProductAttributes")))
            if str(a.get("AttributeName", "")).strip().lower() in _PACKAGING_ATTRS
        ]
        offers.append(
            col.offer(
                path,
                breaks,
                None,
                distributor=DISTRIBUTOR,
                sku=sku,
                mpn_raw=mpn,
                manufacturer_raw=text.clean_str(part.get("Manufacturer")),
                category_raw=text.clean_str(part.get("Category")),
                description=text.clean_str(part.get("Description")),
                stock=stock,
                stock_raw=stock_raw,
                moq=col.positive_int(path, part.get("Min")),
                order_multiple=col.positive_int(path, part.get("Mult")),
                packaging=", ".join(p for p in packaging if p) or None,
                lead_time_days=text.parse_lead_time_days(lead_raw, bare_unit="days"),
                lead_time_raw=lead_raw,
                lifecycle_raw=_lifecycle(part),
            )
        )
    return offers, col.quarantined


def _stock(col: Collector, path: str, part: dict) -> tuple[int | None, str | None]:
    in_stock = part.get("AvailabilityInStock")
    availability = part.get("Availability")
    stock, raw = col.stock(path, in_stock, availability)
    # keep the human text ("6178 在庫") as stock_raw when Mouser gives it
    return stock, text.clean_str(availability) or raw


def _lifecycle(part: dict) -> str | None:
    status = text.clean_str(part.get("LifecycleStatus"))
    if text.parse_bool(part.get("IsDiscontinued")) and (status is None or status.lower() in _NEW_STATUSES):
        return "Discontinued"
    return status

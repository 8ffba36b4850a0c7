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

from . import rules, text
from .records import FeedFileError
from .rules import RawRecords, as_dict, as_list

DISTRIBUTOR = "Mouser"
READING = rules.Reading(lead_time_unit="days")
SHAPE = rules.Shape(stock_candidates=("stock", "stock_alt"))
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


def records(payload: dict, raw: RawRecords) -> None:
    """Walk one decoded file into `raw`."""
    file_path = raw.file_path
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

    for i, part in enumerate(as_list(parts)):
        part = as_dict(part)
        path = f"$.SearchResults.Parts[{i}]"
        packaging = [
            text.clean_str(a.get("AttributeValue"))
            for a in (as_dict(x) for x in as_list(part.get("ProductAttributes")))
            if str(a.get("AttributeName", "")).strip().lower() in _PACKAGING_ATTRS
        ]
        raw.offer(
            i, path, mpn=part.get("ManufacturerPartNumber"), sku=part.get("MouserPartNumber"), distributor=DISTRIBUTOR,
            # the human text ("6178 在庫") is kept as stock_raw when Mouser gives it
            stock=part.get("AvailabilityInStock"), stock_alt=part.get("Availability"),
            stock_text=text.clean_str(part.get("Availability")),
            manufacturer_raw=text.clean_str(part.get("Manufacturer")), category_raw=text.clean_str(part.get("Category")),
            description=text.clean_str(part.get("Description")), moq=part.get("Min"), order_multiple=part.get("Mult"),
            packaging=", ".join(p for p in packaging if p) or None, lead_time=part.get("LeadTime"),
            lifecycle_raw=_lifecycle(part),
        )
        raw.price_breaks(i, f"{path}.PriceBreaks", part.get("PriceBreaks"), "Quantity", "Price", "Currency")


def _lifecycle(part: dict) -> str | None:
    status = text.clean_str(part.get("LifecycleStatus"))
    if text.parse_bool(part.get("IsDiscontinued")) and (status is None or status.lower() in _NEW_STATUSES):
        return "Discontinued"
    return status


"""Nexar / Octopart GraphQL responses (`supMultiMatch`, `supSearchMpn`, `supSearch`, `supParts`).

No real Nexar response was available; this follows the documented schema (DOMAIN.md) and the
simulator's output. Accepted shapes (with or without the GraphQL `{"data": ...}` wrapper):
- `{"data": {"supMultiMatch": [{"parts": [part, ...]}, ...]}}`
- `{"data": {"supSearchMpn": {"results": [{"part": part}, ...]}}}` (same for `supSearch`)
- `{"data": {"supParts": [part, ...]}}`
A GraphQL `errors` payload with no data is a failed file.

One offer per `sellers[].offers[]`: distributor `company.name`, distributor_country `country`,
is_authorized / is_broker from the seller (missing = False). Lifecycle is the spec whose
`attribute.shortname` is `lifecyclestatus` (`displayValue`, else `value`). Lead time is the offer's
`factoryLeadDays`, else the part's `estimatedFactoryLeadDays` (days). An offer without a sku (broker
listings) uses the MPN as sku. Prices are numbers with a `currency` each. A negative
`inventoryLevel` is quarantined `negative_stock` (stock nulled), like every other feed.
"""

from __future__ import annotations

from . import rules, text
from .records import FeedFileError
from .rules import RawRecords, as_dict, as_list

READING = rules.Reading(lead_time_unit="days")
# an offer without a sku (broker listings) uses the MPN, whatever the sku says
SHAPE = rules.Shape(sku_placeholders=())

_ROOT_KEYS = ("supMultiMatch", "supSearchMpn", "supSearch", "supParts")


def _iter_parts(data: dict, base: str):
    for key in _ROOT_KEYS:
        if key not in data or data[key] is None:
            continue
        node = data[key]
        kpath = f"{base}.{key}"
        if key == "supMultiMatch":
            for i, match in enumerate(as_list(node)):
                for j, part in enumerate(as_list(as_dict(match).get("parts"))):
                    yield f"{kpath}[{i}].parts[{j}]", as_dict(part)
        elif key == "supParts":
            for i, part in enumerate(as_list(node)):
                yield f"{kpath}[{i}]", as_dict(part)
        else:
            for i, res in enumerate(as_list(as_dict(node).get("results"))):
                yield f"{kpath}.results[{i}].part", as_dict(as_dict(res).get("part"))


def records(payload: dict, raw: RawRecords) -> None:
    """Walk one decoded file into `raw`."""
    file_path = raw.file_path
    if not isinstance(payload, dict):
        raise FeedFileError(file_path, f"unknown Nexar shape: top level is {type(payload).__name__}")
    if "data" in payload:
        data, base = payload.get("data"), "$.data"
    else:
        data, base = payload, "$"
    errors = as_list(payload.get("errors"))
    has_data = isinstance(data, dict) and any(data.get(k) is not None for k in _ROOT_KEYS)
    if not has_data:
        if errors:
            msgs = "; ".join(str(as_dict(e).get("message", e)) for e in errors)
            raise FeedFileError(file_path, f"Nexar GraphQL errors: {msgs}")
        keys = ", ".join(sorted(data)[:8]) if isinstance(data, dict) else type(data).__name__
        raise FeedFileError(
            file_path, f"unknown Nexar shape (expected one of {', '.join(_ROOT_KEYS)}; got {keys})"
        )

    order = 0
    for ppath, part in _iter_parts(data, base):
        order += 1
        mpn = text.clean_str(part.get("mpn"))
        if mpn is None:
            raw.quarantine(order, rules.STAGE_RECORD, ppath, "empty_mpn", "")
            continue
        category = as_dict(part.get("category"))
        description = text.clean_str(part.get("shortDescription"))
        if description is None:
            descs = as_list(part.get("descriptions"))
            description = text.clean_str(as_dict(descs[0]).get("text")) if descs else None
        common = {
            "mpn": mpn, "manufacturer_raw": text.clean_str(as_dict(part.get("manufacturer")).get("name")),
            "category_raw": text.clean_str(category.get("path") or category.get("name")),
            "description": description, "lifecycle_raw": _lifecycle(part),
        }
        for s, seller in enumerate(as_list(part.get("sellers"))):
            seller = as_dict(seller)
            spath = f"{ppath}.sellers[{s}]"
            order += 1
            company = text.clean_str(as_dict(seller.get("company")).get("name"))
            if company is None:
                raw.quarantine(order, rules.STAGE_RECORD, spath, "empty_distributor", mpn)
                continue
            country = text.clean_str(seller.get("country"))
            for o, offer in enumerate(as_list(seller.get("offers"))):
                offer = as_dict(offer)
                opath = f"{spath}.offers[{o}]"
                order += 1
                lead_value = offer.get("factoryLeadDays")
                if text.clean_str(lead_value) is None:
                    lead_value = part.get("estimatedFactoryLeadDays")
                raw.offer(
                    order, opath, **common, sku=text.clean_str(offer.get("sku")) or mpn, distributor=company,
                    distributor_country=country.upper() if country else None,
                    is_authorized=bool(text.parse_bool(seller.get("isAuthorized"))),
                    is_broker=bool(text.parse_bool(seller.get("isBroker"))),
                    stock=offer.get("inventoryLevel"), moq=offer.get("moq"), order_multiple=offer.get("orderMultiple"),
                    packaging=text.clean_str(offer.get("packaging")), lead_time=lead_value,
                )
                raw.price_breaks(order, f"{opath}.prices", offer.get("prices"), "quantity", "price", "currency")


def _lifecycle(part: dict) -> str | None:
    for spec in as_list(part.get("specs")):
        spec = as_dict(spec)
        attr = as_dict(spec.get("attribute"))
        if str(attr.get("shortname", "")).lower() == "lifecyclestatus":
            return text.clean_str(spec.get("displayValue") or spec.get("value"))
    return None


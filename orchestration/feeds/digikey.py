"""DigiKey Product Information API: v4 KeywordSearch / ProductDetails and v3 KeywordSearch.

Shapes:
- v4 KeywordSearch `{"Products": [...]}` (plus `ExactMatches`, deduplicated by SKU);
- v4 ProductDetails `{"Product": {...}}`;
- v3 KeywordSearch `{"Parts": [...]}` (also `ExactParts`).

v4: one offer per `ProductVariations[]` entry (sku `DigiKeyProductNumber`). Stock is the product-level
`QuantityAvailable`, shared by every variation, so all variations of one product get the same
`stock_pool` (the smallest variation SKU) and the same `stock`. MOQ is per variation;
`order_multiple` is the variation's `StandardPackage`. Lead time `ManufacturerLeadWeeks` is a string
with bare weeks ("6" -> 42 days). Lifecycle is `ProductStatus.Status`. Currency is
`SearchLocaleUsed.Currency`, else USD.

v3: each Part is one SKU (`DigiKeyPartNumber`). The TR / CT / Digi-Reel SKUs of one MPN list each
other under `AlternatePackaging`; their `stock_pool` is the smallest SKU among the part and its
same-MPN alternates, so every member computes the same pool. The pool's stock is the largest
`QuantityOnHand` seen for the pool (the part itself and its same-MPN alternates): the reel SKU only
counts full reels (22500 where cut tape shows 24316), while the pool really holds the larger figure,
like v4's product-level `QuantityAvailable`. `stock_raw` keeps the SKU's own `QuantityOnHand`.
"""

from __future__ import annotations

from datetime import date

from . import text
from .common import Collector, as_dict, as_list
from .records import FeedFileError, Offer, QuarantinedRow

DISTRIBUTOR = "DigiKey"


def parse(
    payload: dict, *, source: str, file_path: str, snapshot_date: date
) -> tuple[list[Offer], list[QuarantinedRow]]:
    if not isinstance(payload, dict):
        raise FeedFileError(file_path, f"unknown DigiKey shape: top level is {type(payload).__name__}")
    col = Collector(source, file_path, snapshot_date)
    offers: list[Offer] = []
    if isinstance(payload.get("Products"), list) or isinstance(payload.get("Product"), dict):
        currency = text.clean_str(as_dict(payload.get("SearchLocaleUsed")).get("Currency")) or "USD"
        products: list[tuple[str, dict]] = []
        if isinstance(payload.get("Product"), dict):
            products.append(("$.Product", payload["Product"]))
        for i, p in enumerate(as_list(payload.get("Products"))):
            products.append((f"$.Products[{i}]", p))
        for i, p in enumerate(as_list(payload.get("ExactMatches"))):
            products.append((f"$.ExactMatches[{i}]", p))
        seen: set[str] = set()
        for path, product in products:
            for offer in _v4_product(as_dict(product), path, currency, col):
                if offer.sku not in seen:
                    seen.add(offer.sku)
                    offers.append(offer)
    elif isinstance(payload.get("Parts"), list) or isinstance(payload.get("ExactParts"), list):
        parts = [(f"$.Parts[{i}]", as_dict(p)) for i, p in enumerate(as_list(payload.get("Parts")))]
        parts += [
            (f"$.ExactParts[{i}]", as_dict(p)) for i, p in enumerate(as_list(payload.get("ExactParts")))
        ]
        offers = _v3_parts(parts, col)
    elif "ErrorMessage" in payload or "ErrorResponseVersion" in payload or "detail" in payload:
        msg = payload.get("ErrorMessage") or payload.get("detail") or payload.get("title")
        raise FeedFileError(file_path, f"DigiKey API error payload: {msg}")
    else:
        keys = ", ".join(sorted(payload)[:8])
        raise FeedFileError(file_path, f"unknown DigiKey shape (top-level keys: {keys})")
    return offers, col.quarantined


def _category_path(cat: dict) -> str | None:
    names = []
    node = cat
    while isinstance(node, dict) and node:
        name = text.clean_str(node.get("Name") or node.get("Text") or node.get("Value"))
        if name:
            names.append(name)
        children = as_list(node.get("ChildCategories"))
        node = children[0] if len(children) == 1 else None
    return " > ".join(names) or None


def _v4_product(
    product: dict, path: str, currency: str, col: Collector
) -> list[Offer]:
    mpn = product.get("ManufacturerProductNumber")
    variations = as_list(product.get("ProductVariations"))
    if text.clean_str(mpn) is None:
        col.quarantine(path, "empty_mpn", "")
        return []
    if not variations:
        col.quarantine(path, "empty_sku", mpn)
        return []
    manufacturer = text.clean_str(as_dict(product.get("Manufacturer")).get("Name"))
    description = as_dict(product.get("Description"))
    desc = text.clean_str(description.get("ProductDescription") or description.get("DetailedDescription"))
    category = _category_path(as_dict(product.get("Category")))
    status = as_dict(product.get("ProductStatus")).get("Status")
    lifecycle = text.clean_str(status)
    if lifecycle is None:
        if product.get("EndOfLife") is True:
            lifecycle = "End of Life"
        elif product.get("Discontinued") is True:
            lifecycle = "Discontinued"
    lead_raw = text.clean_str(product.get("ManufacturerLeadWeeks"))
    lead_days = text.parse_lead_time_days(lead_raw, bare_unit="weeks")
    last_buy = col.date(path, product.get("DateLastBuyChance"))
    stock, stock_raw = col.stock(path, product.get("QuantityAvailable"))
    skus = [text.clean_str(as_dict(v).get("DigiKeyProductNumber")) for v in variations]
    pool = min((s for s in skus if s), default=None)
    offers = []
    for j, var in enumerate(variations):
        var = as_dict(var)
        vpath = f"{path}.ProductVariations[{j}]"
        ids = col.require_id(vpath, mpn, var.get("DigiKeyProductNumber"))
        if ids is None:
            continue
        mpn_s, sku = ids
        breaks = col.breaks(f"{vpath}.StandardPricing", var.get("StandardPricing"), "BreakQuantity", "UnitPrice",
                            default_currency=currency)
        offers.append(
            col.offer(
                vpath,
                breaks,
                currency,
                distributor=DISTRIBUTOR,
                sku=sku,
                stock_pool=pool or sku,
                mpn_raw=mpn_s,
                manufacturer_raw=manufacturer,
                category_raw=category,
                description=desc,
                stock=stock,
                stock_raw=stock_raw,
                moq=col.positive_int(vpath, var.get("MinimumOrderQuantity")),
                order_multiple=col.positive_int(vpath, var.get("StandardPackage")),
                packaging=text.clean_str(as_dict(var.get("PackageType")).get("Name")),
                lead_time_days=lead_days,
                lead_time_raw=lead_raw,
                lifecycle_raw=lifecycle,
                last_buy_date=last_buy,
            )
        )
    return offers


def _v3_lifecycle(part: dict) -> str | None:
    for param in as_list(part.get("Parameters")):
        param = as_dict(param)
        if param.get("Parameter") == "Part Status":
            value = text.clean_str(param.get("Value"))
            if value:
                return value
    status = part.get("ProductStatus")
    if isinstance(status, dict):
        status = status.get("Status")
    return text.clean_str(part.get("PartStatus") or status)


def _v3_parts(parts: list[tuple[str, dict]], col: Collector) -> list[Offer]:
    # pool = smallest SKU among the part and its same-MPN alternate packagings
    pools: list[str | None] = []
    pool_stock: dict[str, int] = {}
    for _, part in parts:
        sku = text.clean_str(part.get("DigiKeyPartNumber"))
        mpn = text.clean_str(part.get("ManufacturerPartNumber"))
        members = {sku} if sku else set()
        quantities = [part.get("QuantityOnHand", part.get("QuantityAvailable"))]
        for alt in as_list(part.get("AlternatePackaging")):
            alt = as_dict(alt)
            alt_sku = text.clean_str(alt.get("DigiKeyPartNumber"))
            if alt_sku and mpn and text.clean_str(alt.get("ManufacturerPartNumber")) == mpn:
                members.add(alt_sku)
                quantities.append(alt.get("QuantityOnHand"))
        pool = min(members) if members else None
        pools.append(pool)
        if pool:
            for q in quantities:
                n = text.parse_quantity(q)
                if n is not None and n >= 0:
                    pool_stock[pool] = max(pool_stock.get(pool, 0), n)

    offers: list[Offer] = []
    seen: set[str] = set()
    for (path, part), pool in zip(parts, pools, strict=True):
        manufacturer = part.get("ManufacturerName", part.get("Manufacturer"))
        if isinstance(manufacturer, dict):
            manufacturer = manufacturer.get("Text") or manufacturer.get("Name") or manufacturer.get("Value")
        ids = col.require_id(path, part.get("ManufacturerPartNumber"), part.get("DigiKeyPartNumber"))
        if ids is None:
            continue
        mpn, sku = ids
        if sku in seen:
            continue
        seen.add(sku)
        own_stock, stock_raw = col.stock(path, part.get("QuantityOnHand", part.get("QuantityAvailable")))
        stock = pool_stock.get(pool, own_stock) if own_stock is not None else None
        lead_raw = text.clean_str(part.get("ManufacturerLeadWeeks"))
        category = " > ".join(
            n for n in (text.clean_str(as_dict(part.get(k)).get("Text")) for k in ("Category", "Family")) if n
        )
        packaging = part.get("Packaging")
        if isinstance(packaging, dict):
            packaging = packaging.get("Value")
        currency = "USD"
        breaks = col.breaks(f"{path}.StandardPricing", part.get("StandardPricing"), "BreakQuantity", "UnitPrice",
                            default_currency=currency)
        offers.append(
            col.offer(
                path,
                breaks,
                currency,
                distributor=DISTRIBUTOR,
                sku=sku,
                stock_pool=pool or sku,
                mpn_raw=mpn,
                manufacturer_raw=text.clean_str(manufacturer),
                category_raw=category or None,
                description=text.clean_str(part.get("ProductDescription") or part.get("DetailedDescription")),
                stock=stock,
                stock_raw=stock_raw,
                moq=col.positive_int(path, part.get("MinimumOrderQuantity")),
                packaging=text.clean_str(packaging),
                lead_time_days=text.parse_lead_time_days(lead_raw, bare_unit="weeks"),
                lead_time_raw=lead_raw,
                lifecycle_raw=_v3_lifecycle(part),
            )
        )
    return offers

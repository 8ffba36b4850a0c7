"""LCSC wmsc.lcsc.com `product/detail` responses (`{"code": 200, "result": {...}}` or the bare result).

Also accepted: a result holding a product list (`productList` / `dataList`, as the search endpoints
return), one offer per product.

- sku `productCode` (C5832200), MPN `productModel`, manufacturer `brandNameEn`;
- stock: `stockNumber` when present (the site's total), else `stockSz + stockJs + wmStockHk` (the
  Shenzhen, Jiangsu and Hong Kong warehouses). In the published sample stockNumber 95 = 92 + 3 + 0;
- MOQ `minBuyNumber`; packaging `productArrange` (else `minPacketUnit`); category
  `parentCatalogName > catalogName`; description `productIntroEn` (else `productDescEn`);
- price breaks `productPriceList[{ladder, productPrice (str), currencyPrice (num), usdPrice}]`: quantity
  `ladder`, unit_price the number `currencyPrice` (else the string `productPrice`), price_raw the string
  `productPrice`, currency the response's `currencyType` (else its `currencySymbol`, else USD).
A `code` other than 200 is a failed file.
"""

from __future__ import annotations

from datetime import date

from . import text
from .common import Collector, as_dict, as_list
from .records import FeedFileError, Offer, QuarantinedRow

DISTRIBUTOR = "LCSC"
_WAREHOUSES = ("stockSz", "stockJs", "wmStockHk")


def parse(
    payload: dict, *, source: str, file_path: str, snapshot_date: date
) -> tuple[list[Offer], list[QuarantinedRow]]:
    if not isinstance(payload, dict):
        raise FeedFileError(file_path, f"unknown LCSC shape: top level is {type(payload).__name__}")
    base = "$"
    result = payload
    if "result" in payload or "code" in payload:
        code = payload.get("code")
        if code is not None and str(code) != "200":
            raise FeedFileError(file_path, f"LCSC API code {code}: {payload.get('msg')}")
        result = payload.get("result")
        base = "$.result"
        if not isinstance(result, dict):
            raise FeedFileError(file_path, "LCSC response has no result object")
    products: list[tuple[str, dict]] = []
    if "productCode" in result:
        products.append((base, result))
    else:
        for key in ("productList", "dataList"):
            if isinstance(result.get(key), list):
                products += [(f"{base}.{key}[{i}]", as_dict(p)) for i, p in enumerate(result[key])]
    if not products and not any(isinstance(result.get(k), list) for k in ("productList", "dataList")):
        keys = ", ".join(sorted(result)[:8])
        raise FeedFileError(file_path, f"unknown LCSC shape (keys: {keys})")

    col = Collector(source, file_path, snapshot_date)
    offers: list[Offer] = []
    for path, p in products:
        ids = col.require_id(path, p.get("productModel"), p.get("productCode"))
        if ids is None:
            continue
        mpn, sku = ids
        if text.clean_str(p.get("stockNumber")) is not None:
            stock, stock_raw = col.stock(path, p.get("stockNumber"))
        else:
            parts = [(k, p.get(k)) for k in _WAREHOUSES if text.clean_str(p.get(k)) is not None]
            stock_raw = " + ".join(f"{k}={text.clean_str(v)}" for k, v in parts) or None
            values = [text.parse_quantity(v) for _, v in parts]
            stock = None
            if parts and all(v is not None for v in values):
                stock = sum(values)  # type: ignore[arg-type]
                if any(v < 0 for v in values):  # type: ignore[operator]
                    col.quarantine(path, "negative_stock", stock_raw)
                    stock = None
            elif parts:
                col.quarantine(path, "unparsable_stock", stock_raw)
        currency = (
            text.clean_str(p.get("currencyType") or result.get("currencyType"))
            or text.currency_from_symbol(p.get("currencySymbol") or result.get("currencySymbol"))
            or "USD"
        )
        breaks = col.breaks(f"{path}.productPriceList", p.get("productPriceList"), "ladder", ("currencyPrice", "productPrice"),
                            default_currency=currency)
        # price_raw is the published string productPrice
        raw_strings = {
            text.parse_quantity(b.get("ladder")): text.clean_str(b.get("productPrice"))
            for b in (as_dict(x) for x in as_list(p.get("productPriceList")))
        }
        breaks = [
            type(b)(b.quantity, b.unit_price, b.currency, raw_strings.get(b.quantity) or b.price_raw)
            for b in breaks
        ]
        category = " > ".join(
            n for n in (text.clean_str(p.get(k)) for k in ("parentCatalogName", "catalogName")) if n
        )
        offers.append(
            col.offer(
                path,
                breaks,
                currency,
                distributor=DISTRIBUTOR,
                sku=sku,
                mpn_raw=mpn,
                manufacturer_raw=text.clean_str(p.get("brandNameEn")),
                category_raw=category or None,
                description=text.clean_str(p.get("productIntroEn") or p.get("productDescEn")),
                stock=stock,
                stock_raw=stock_raw,
                moq=col.positive_int(path, p.get("minBuyNumber")),
                packaging=text.clean_str(p.get("productArrange") or p.get("minPacketUnit")),
                lead_time_days=None,
                lead_time_raw=None,
                lifecycle_raw=None,
            )
        )
    return offers, col.quarantined

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

from . import rules, text
from .records import FeedFileError
from .rules import RawRecords, as_dict

READING = rules.Reading()
SHAPE = rules.Shape()

DISTRIBUTOR = "LCSC"
_WAREHOUSES = ("stockSz", "stockJs", "wmStockHk")


def records(payload: dict, raw: RawRecords) -> None:
    """Walk one decoded file into `raw`."""
    file_path = raw.file_path
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

    for order, (path, p) in enumerate(products):
        currency = (
            text.clean_str(p.get("currencyType") or result.get("currencyType"))
            or text.normalize_currency(p.get("currencySymbol") or result.get("currencySymbol"))
            or "USD"
        )
        category = " > ".join(
            n for n in (text.clean_str(p.get(k)) for k in ("parentCatalogName", "catalogName")) if n
        )
        raw.offer(
            order, path, mpn=p.get("productModel"), sku=p.get("productCode"), distributor=DISTRIBUTOR,
            **_stock(p, path, order, raw), manufacturer_raw=text.clean_str(p.get("brandNameEn")),
            category_raw=category or None,
            description=text.clean_str(p.get("productIntroEn") or p.get("productDescEn")), moq=p.get("minBuyNumber"),
            packaging=text.clean_str(p.get("productArrange") or p.get("minPacketUnit")), currency_declared=currency,
        )
        # price_raw is the published string productPrice
        raw.price_breaks(order, f"{path}.productPriceList", p.get("productPriceList"), "ladder",
                         ("currencyPrice", "productPrice"), default_currency=currency, price_text_key="productPrice")


def _stock(p: dict, path: str, order: int, raw: RawRecords) -> dict:
    """The site's total `stockNumber`, else the sum of the warehouses (read here, per record: LCSC sends one
    product a file), with its text as stock_raw."""
    if text.clean_str(p.get("stockNumber")) is not None:
        return {"stock": p.get("stockNumber")}
    parts = [(k, p.get(k)) for k in _WAREHOUSES if text.clean_str(p.get(k)) is not None]
    stock_raw = " + ".join(f"{k}={text.clean_str(v)}" for k, v in parts) or None
    values = [text.parse_quantity(v) for _, v in parts]
    identified = text.clean_str(p.get("productModel")) is not None and (text.clean_str(p.get("productCode")) or "").upper() \
        not in ("", "N/A", "NA", "-")
    total = None
    if parts and all(v is not None for v in values):
        if any(v < 0 for v in values):  # type: ignore[operator]
            if identified:
                raw.quarantine(order, rules.STAGE_STOCK, path, "negative_stock", stock_raw)
        else:
            total = str(sum(values))  # type: ignore[arg-type]
    elif parts and identified:
        raw.quarantine(order, rules.STAGE_STOCK, path, "unparsable_stock", stock_raw)
    return {"stock": total, "stock_text": stock_raw}


"""TME API: Products/Search (or Products/GetProducts) joined with Products/GetPricesAndStocks.

Each response may be bare (`{"Status": "OK", "Data": {...}}`) or wrapped in Binner's test-harness
envelope (`{"StatusCode": 200, "Content": {"Body": {...}}}`). A non-2xx StatusCode or a Status other
than "OK" is a failed file.

The two responses of one snapshot sit in the same folder and are joined on `Symbol` (TME's SKU):
- identity from Search: MPN `OriginalSymbol`, manufacturer `Producer`, `MinAmount` (MOQ),
  `Multiples`, `Category`, `Description`, `Packing[]` (packaging "RL1:2000"), lifecycle from
  `ProductStatusList` (joined with ", ");
- stock and prices from GetPricesAndStocks: the product-level `Amount` is the *stock*, while
  `PriceList[].Amount` is the *break quantity* and `PriceValue` the unit price, in `Data.Currency`.
  `PriceType: "GROSS"` means prices include VAT: `prices_include_vat` is true and `vat_rate` is the
  product's `VatRate` / 100 (unit_price stays as published; staging divides). For "NET" vat_rate is null.
- a Search product without a Prices entry (no Prices file in the folder, or a missing Symbol) still gives
  an offer, with stock null and no price breaks; nothing is quarantined for it.
- a Prices entry whose Symbol is in no Search file is quarantined `price_without_product` (no MPN).
Offers point at the Search file (`record_path` `$.Content.Body.Data.ProductList[i]`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from . import rules, text
from .records import FeedFileError
from .rules import RawRecords, as_dict, as_list

READING = rules.Reading()
SHAPE = rules.Shape()

DISTRIBUTOR = "TME"


@dataclass
class _TmeFile:
    raw: RawRecords
    kind: str  # "products" | "prices"
    data: dict
    products: list[tuple[str, dict]] = field(default_factory=list)


def _unwrap(payload: object, file_path: str) -> tuple[dict, str]:
    if not isinstance(payload, dict):
        raise FeedFileError(file_path, f"unknown TME shape: top level is {type(payload).__name__}")
    base = "$"
    body = payload
    if "Content" in payload or "StatusCode" in payload:
        status = payload.get("StatusCode")
        if isinstance(status, int) and not 200 <= status < 300:
            raise FeedFileError(file_path, f"TME harness envelope has StatusCode {status}")
        content = payload.get("Content")
        if isinstance(content, str):
            try:
                content = json.loads(content)
            except json.JSONDecodeError as e:
                raise FeedFileError(file_path, f"TME envelope Content is not JSON: {e}") from e
        body = as_dict(as_dict(content).get("Body", content))
        base = "$.Content.Body"
    if "Status" in body and body.get("Status") != "OK":
        err = body.get("Error") or body.get("ErrorMessage") or ""
        raise FeedFileError(file_path, f"TME API status {body.get('Status')}: {err}".rstrip(": "))
    data = body.get("Data")
    if not isinstance(data, dict) or not isinstance(data.get("ProductList"), list):
        raise FeedFileError(file_path, "unknown TME shape: no Data.ProductList")
    return data, f"{base}.Data"


def _classify(data: dict, file_path: str) -> str:
    items = [as_dict(p) for p in data["ProductList"]]
    if "PriceType" in data or "Currency" in data or any("PriceList" in p for p in items):
        return "prices"
    if any("OriginalSymbol" in p or "Producer" in p for p in items) or not items:
        return "products"
    raise FeedFileError(file_path, "unknown TME shape: ProductList is neither products nor prices")


# Order of a prices file's rows: its entries without a Symbol, then the matched products' stock and breaks
# (in product order), then the entries no product matched.
_MATCHED, _UNMATCHED = 1 << 30, 1 << 31


def records_folder(payloads: list[tuple[str, dict]], raws: list[RawRecords]) -> list[tuple[str, Exception]]:
    """Walk and join every TME file of one snapshot folder into `raws` (one per payload); the files that
    cannot be read come back as (file_path, error)."""
    files: list[_TmeFile] = []
    failed: list[tuple[str, Exception]] = []
    for (file_path, payload), raw in zip(payloads, raws, strict=True):
        try:
            data, base = _unwrap(payload, file_path)
            kind = _classify(data, file_path)
        except FeedFileError as e:
            failed.append((file_path, e))
            continue
        f = _TmeFile(raw, kind, data)
        f.products = [(f"{base}.ProductList[{i}]", as_dict(p)) for i, p in enumerate(data["ProductList"])]
        files.append(f)

    # Symbol -> (file, path, entry) for prices; first one wins
    prices: dict[str, tuple[_TmeFile, str, dict]] = {}
    for f in files:
        if f.kind != "prices":
            continue
        for i, (path, entry) in enumerate(f.products):
            sym = text.clean_str(entry.get("Symbol"))
            if sym is None:
                f.raw.quarantine(i, rules.STAGE_RECORD, path, "empty_sku", "")
                continue
            prices.setdefault(sym, (f, path, entry))

    matched: set[str] = set()
    seen: set[str] = set()
    order = 0
    for f in files:
        if f.kind != "products":
            continue
        for i, (path, product) in enumerate(f.products):
            sku = text.clean_str(product.get("Symbol"))
            identified = text.clean_str(product.get("OriginalSymbol")) is not None and sku is not None \
                and sku.upper() not in ("N/A", "NA", "-")
            if identified:
                if sku in seen:
                    continue
                seen.add(sku)
            order += 1
            values = _offer(product)
            if identified and sku in prices:
                matched.add(sku)
                values.update(_prices(*prices[sku], _MATCHED + order, f.raw.seq(i)))
            f.raw.offer(i, path, mpn=product.get("OriginalSymbol"), sku=product.get("Symbol"), **values)

    for n, (sym, (f, path, _entry)) in enumerate(prices.items()):
        if sym not in matched:
            f.raw.quarantine(_UNMATCHED + n, rules.STAGE_RECORD, path, "price_without_product", sym)
    return failed


def _offer(p: dict) -> dict:
    packing = [
        f"{text.clean_str(x.get('Id')) or '?'}:{text.clean_str(x.get('Amount')) or '?'}"
        for x in (as_dict(y) for y in as_list(p.get("Packing")))
    ]
    statuses = [s for s in (text.clean_str(x) for x in as_list(p.get("ProductStatusList"))) if s]
    return {
        "distributor": DISTRIBUTOR, "manufacturer_raw": text.clean_str(p.get("Producer")),
        "category_raw": text.clean_str(p.get("Category")), "description": text.clean_str(p.get("Description")),
        "moq": p.get("MinAmount"), "order_multiple": p.get("Multiples"), "packaging": ", ".join(packing) or None,
        "lifecycle_raw": ", ".join(statuses) or None,
    }


def _prices(f: _TmeFile, path: str, entry: dict, order: int, offer_seq: int) -> dict:
    """Stock, breaks and VAT of a product from its GetPricesAndStocks entry; their quarantine rows belong
    to the prices file."""
    currency = text.clean_str(f.data.get("Currency"))
    f.raw.price_breaks(order, f"{path}.PriceList", entry.get("PriceList"), "Amount", "PriceValue",
                       default_currency=currency, offer_seq=offer_seq)
    values = {"stock": entry.get("Amount"), "stock_location": path, "stock_file_path": f.raw.file_path,
              "stock_seq": f.raw.seq(order), "currency_declared": currency}
    if str(f.data.get("PriceType", "")).upper() == "GROSS":
        vat = entry.get("VatRate")
        values.update(prices_include_vat=True, vat_rate=(
            float(vat) / 100.0 if isinstance(vat, int | float) and not isinstance(vat, bool) else None))
    return values


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
from datetime import date

from . import text
from .common import Collector, as_dict, as_list, offer_currency
from .records import FailedFile, FeedFileError, Offer, QuarantinedRow

DISTRIBUTOR = "TME"


@dataclass
class _TmeFile:
    file_path: str
    kind: str  # "products" | "prices"
    data: dict
    base: str  # JSON path of Data
    col: Collector
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


def parse_many(
    payloads: list[tuple[str, dict]], *, source: str, snapshot_date: date
) -> tuple[list[Offer], list[QuarantinedRow], list[FailedFile]]:
    """Parse and join every TME file of one snapshot folder."""
    files: list[_TmeFile] = []
    failed: list[FailedFile] = []
    for file_path, payload in payloads:
        try:
            data, base = _unwrap(payload, file_path)
            kind = _classify(data, file_path)
        except FeedFileError as e:
            failed.append(FailedFile(source, file_path, e.reason))
            continue
        f = _TmeFile(file_path, kind, data, base, Collector(source, file_path, snapshot_date))
        f.products = [(f"{base}.ProductList[{i}]", as_dict(p)) for i, p in enumerate(data["ProductList"])]
        files.append(f)

    # Symbol -> (file, path, entry) for prices; first one wins
    prices: dict[str, tuple[_TmeFile, str, dict]] = {}
    for f in files:
        if f.kind != "prices":
            continue
        for path, entry in f.products:
            sym = text.clean_str(entry.get("Symbol"))
            if sym is None:
                f.col.quarantine(path, "empty_sku", "")
                continue
            prices.setdefault(sym, (f, path, entry))

    offers: list[Offer] = []
    matched: set[str] = set()
    seen: set[str] = set()
    for f in files:
        if f.kind != "products":
            continue
        for path, product in f.products:
            ids = f.col.require_id(path, product.get("OriginalSymbol"), product.get("Symbol"))
            if ids is None:
                continue
            mpn, sku = ids
            if sku in seen:
                continue
            seen.add(sku)
            offer = _offer(f, path, product, mpn, sku)
            if sku in prices:
                matched.add(sku)
                _apply_prices(offer, *prices[sku])
            offers.append(offer)

    for sym, (f, path, _entry) in prices.items():
        if sym not in matched:
            f.col.quarantine(path, "price_without_product", sym)

    quarantined = [q for f in files for q in f.col.quarantined]
    return offers, quarantined, failed


def parse(
    payload: dict, *, source: str, file_path: str, snapshot_date: date
) -> tuple[list[Offer], list[QuarantinedRow]]:
    """One TME file on its own (a Search file gives offers without stock and prices)."""
    offers, quarantined, failed = parse_many(
        [(file_path, payload)], source=source, snapshot_date=snapshot_date
    )
    if failed:
        raise FeedFileError(file_path, failed[0].reason)
    return offers, quarantined


def _offer(f: _TmeFile, path: str, p: dict, mpn: str, sku: str) -> Offer:
    packing = [
        f"{text.clean_str(x.get('Id')) or '?'}:{text.clean_str(x.get('Amount')) or '?'}"
        for x in (as_dict(y) for y in as_list(p.get("Packing")))
    ]
    statuses = [s for s in (text.clean_str(x) for x in as_list(p.get("ProductStatusList"))) if s]
    return f.col.offer(
        path,
        [],
        None,
        distributor=DISTRIBUTOR,
        sku=sku,
        mpn_raw=mpn,
        manufacturer_raw=text.clean_str(p.get("Producer")),
        category_raw=text.clean_str(p.get("Category")),
        description=text.clean_str(p.get("Description")),
        moq=f.col.positive_int(path, p.get("MinAmount")),
        order_multiple=f.col.positive_int(path, p.get("Multiples")),
        packaging=", ".join(packing) or None,
        lifecycle_raw=", ".join(statuses) or None,
    )


def _apply_prices(offer: Offer, f: _TmeFile, path: str, entry: dict) -> None:
    currency = text.clean_str(f.data.get("Currency"))
    offer.stock, offer.stock_raw = f.col.stock(path, entry.get("Amount"))
    breaks = f.col.breaks(f"{path}.PriceList", entry.get("PriceList"), "Amount", "PriceValue", default_currency=currency)
    offer.price_breaks = breaks
    offer.currency = offer_currency(breaks, currency)
    if str(f.data.get("PriceType", "")).upper() == "GROSS":
        offer.prices_include_vat = True
        vat = entry.get("VatRate")
        offer.vat_rate = (
            float(vat) / 100.0 if isinstance(vat, int | float) and not isinstance(vat, bool) else None
        )

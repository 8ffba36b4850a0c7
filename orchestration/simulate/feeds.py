"""Serialise the market's daily state into the providers' real response shapes.

One ``FeedWriter`` per landing tree. Static per-part text (names, URLs, category trees) is serialised once;
each day only the dynamic pieces are formatted, and price ladders are cached per seller and price level,
so a 300-part, 214-day tree stays well under the time budget. JSON is compact, UTF-8, keys in a fixed
order; file names are deterministic (pages of ``PAGE_SIZE`` parts, like paginated API responses).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from orchestration.simulate.catalog import MANUFACTURERS, SOURCE_CATEGORY, Catalog
from orchestration.simulate.market import (
    BROKER_CSV_SOURCE,
    EUR_USD,
    DayState,
    Market,
    ladder_factor,
    ladder_quantities,
)

PAGE_SIZE = 50


def _j(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _obj(pairs: list[tuple[str, str]]) -> str:
    """A JSON object from (key, already-serialised value) pairs, in order."""
    return "{" + ",".join(f'"{k}":{v}' for k, v in pairs) + "}"


def _num(x: float, digits: int) -> str:
    return repr(round(float(x), digits))


def _usd_text(x: float) -> str:
    return f"${x:.2f}" if x >= 0.1 else (f"${x:.3f}" if x >= 0.01 else f"${x:.4f}")


def _eur_text(x: float) -> str:
    text = f"{x:.2f}" if x >= 0.1 else (f"{x:.3f}" if x >= 0.01 else f"{x:.4f}")
    return text.replace(".", ",") + " €"


def _clean(mpn: str) -> str:
    return re.sub(r"[^A-Za-z0-9#\-./]", "", mpn)


@dataclass
class WriteStats:
    files: int = 0
    bytes: int = 0
    offers: int = 0


LIFECYCLE_DIGIKEY = [(0, "Active"), (1, "Not For New Designs"), (2, "Last Time Buy"), (4, "Obsolete")]
LIFECYCLE_MOUSER = [None, "Not Recommended for New Designs", "End of Life", "Obsolete"]
LIFECYCLE_NEXAR = ["Production", "NRND", "EOL", "Obsolete"]
LIFECYCLE_TME = [[], [], ["AVAILABLE_WHILE_STOCKS_LAST"], ["CANNOT_BE_ORDERED"]]
PACKAGING_NAMES = {"tray": "Tray", "tube": "Tube", "reel": "Tape & Reel"}
# (name, DigiKey package id) of the three SKUs DigiKey lists for a reeled part
DIGIKEY_REEL_PACKAGES = (("Tape & Reel (TR)", 1), ("Cut Tape (CT)", 2), ("Digi-Reel®", 243))


class FeedWriter:
    def __init__(self, out: Path, market: Market, compress: bool = False, skus_only: bool = False):
        self.out = out
        self.market = market
        self.cat: Catalog = market.cat
        self.compress = compress
        self.stats = WriteStats()
        self.sellers = market.sellers
        self.seller_index = {s.name: i for i, s in enumerate(self.sellers)}
        self._ladder_cache: dict[tuple, str] = {}
        self._ladders: dict[tuple[str, int], tuple[list[int], list[float]]] = {}
        self.skus_only = skus_only
        self._prep_static()

    # ----------------------------------------------------------------------------------------------
    def _write(self, path: Path, text: str) -> None:
        data = text.encode("utf-8")
        if self.compress and path.suffix in (".json", ".csv"):
            path = path.with_name(path.name + ".gz")
            data = gzip.compress(data, compresslevel=1, mtime=0)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.stats.files += 1
        self.stats.bytes += len(data)

    def _prep_static(self) -> None:
        cat = self.cat
        n = len(cat)
        self.digikey_skus: list[list[tuple[str, str, int, str]]] = []  # (sku, package name, package id, kind)
        self.digikey_static: list[tuple[str, str, str, str]] = []
        self.digikey_variation_heads: list[list[tuple[str, str, int]]] = []
        self.mouser_sku: list[str] = []
        self.mouser_static: list[str] = []
        self.mouser_eur = np.zeros(n, dtype=bool)
        self.tme_symbol: list[str] = []
        self.tme_min = np.ones(n, dtype=np.int64)
        self.nexar_static: list[str] = []
        self.nexar_refs: list[str] = []
        self.other_sku: dict[str, list[str]] = {s.name: [] for s in self.sellers}
        for p in range(n):
            mpn, maker = cat.mpn[p], MANUFACTURERS[cat.manufacturer[p]]
            tree, mouser_cat, nexar_path, _tme_cat = SOURCE_CATEGORY[cat.subcategory[p]]
            clean = _clean(mpn).replace(".", "").replace("/", "")
            # DigiKey part numbers: NXP-style 12NC MPNs get DigiKey's numeric ones (1727-3828-1-ND)
            base = f"{maker.digikey_id}-{1000 + (p * 7919) % 9000 if ',' in mpn else clean}"
            suffixes = ("-2", "-1", "-6") if "," in mpn else ("TR", "CT", "DKR")
            reel = [(f"{base}{suffix}-ND", name, pid) for suffix, (name, pid) in
                    zip(suffixes, DIGIKEY_REEL_PACKAGES, strict=True)]
            if cat.pack_kind[p] == "reel":
                self.digikey_skus.append([(sku, name, pid, "reel" if pid == 1 else "cut") for sku, name, pid in reel])
            else:
                name = PACKAGING_NAMES[cat.pack_kind[p]]
                self.digikey_skus.append([(f"{base}-ND", name, 7 if name == "Tray" else 6, "pack")])
            if not self.skus_only:  # the staged benchmark path needs the SKUs only
                self.digikey_variation_heads.append([
                    (f'"DigiKeyProductNumber":{_j(sku)},"PackageType":{_j({"Id": pid, "Name": name})}', kind, pid)
                    for sku, name, pid, kind in self.digikey_skus[-1]])
                category = None
                for depth, label in reversed(list(enumerate(tree))):
                    node = {"CategoryId": 1000 + depth * 97 + len(label), "ParentId": 0 if depth == 0 else 1000 + (depth - 1) * 97,
                            "Name": label, "ChildCategories": [category] if category else []}
                    category = node
                slug = maker.digikey_name.lower().replace(" ", "-").replace(".", "").replace(",", "")
                head = ",".join([
                    f'"Description":{_j({"ProductDescription": cat.description[p], "DetailedDescription": cat.description[p].title() + " " + cat.package[p]})}',
                    f'"Manufacturer":{_j({"Id": maker.digikey_id, "Name": maker.digikey_name})}',
                    f'"ManufacturerProductNumber":{_j(mpn)}',
                ])
                url = _j(f"https://www.digikey.com/en/products/detail/{slug}/{clean}/{100000 + p}")
                self.digikey_static.append((head, url, _j(category), _j([s[0][:-3] for s in self.digikey_skus[-1]])))
            self.mouser_sku.append(f"{maker.mouser_prefix}-{clean.replace('#', '')}" if "," in mpn else f"{maker.mouser_prefix}-{_clean(mpn)}")
            self.mouser_eur[p] = (p * 2654435761) % 100 < 15  # ~15% of parts come from the mouser.de locale
            mslug = maker.mouser_name.replace(" ", "-").replace("/", "")
            if not self.skus_only:
                self.mouser_static.append(_j(f"https://www.mouser.com/ProductDetail/{mslug}/{_clean(mpn)}"))
            tme_code = {"Texas Instruments": "TI", "Nexperia": "NEX", "STMicroelectronics": "ST",
                        "onsemi": "ONS", "Microchip Technology": "MCHP"}.get(cat.manufacturer[p])
            symbol = mpn.replace(",", ".")
            if tme_code and p % 3 == 0:
                symbol = f"{symbol}-{tme_code}"
            self.tme_symbol.append(symbol.upper())
            price = cat.base_price[p]
            self.tme_min[p] = 100 if price < 0.01 else (10 if price < 0.05 else (5 if price < 0.2 else (3 if p % 4 == 0 else 1)))
            if not self.skus_only:
                self.nexar_refs.append(_j(mpn))
                self.nexar_static.append(",".join([
                    f'"mpn":{_j(mpn)}', f'"manufacturer":{_j({"name": maker.nexar_name})}',
                    f'"category":{_j({"path": nexar_path})}']))
            for s in self.sellers:
                if s.source != "nexar" or s.name in ("DigiKey", "Mouser"):
                    continue
                if s.name == "Farnell":
                    sku = str(1000000 + (p * 104729 + 17) % 8999999)
                elif s.name == "RS Components":
                    k = (p * 7877 + 101) % 9999999
                    sku = f"{k // 10000:03d}-{k % 10000:04d}"
                elif s.name == "Newark":
                    k = (p * 3571) % 99999
                    sku = f"{10 + k % 89}AC{k:05d}"
                elif s.name == "Avnet":
                    sku = f"{mpn}"
                elif s.broker:
                    sku = f"{s.name[:3].upper()}-{_clean(mpn)}"
                else:
                    sku = mpn
                self.other_sku[s.name].append(sku)

    # ----------------------------------------------------------------------------------------------
    def _ladder(self, s: int, p: int, style: str, price_factor: float) -> tuple[list[int], list[float]]:
        key = (style, p)
        static = self._ladders.get(key)
        if static is None:
            cat = self.cat
            q = ladder_quantities(style, int(cat.pack_size[p]), int(self.tme_min[p]))
            static = (q, (cat.base_price[p] * ladder_factor(np.array(q), cat.base_price[p])).tolist())
            self._ladders[key] = static
        return static[0], [price_factor * u for u in static[1]]

    def _cached(self, key: tuple, build) -> str:
        text = self._ladder_cache.get(key)
        if text is None:
            text = build()
            self._ladder_cache[key] = text
        return text

    @staticmethod
    def _pages(parts: list[int]) -> list[list[int]]:
        return [parts[i:i + PAGE_SIZE] for i in range(0, len(parts), PAGE_SIZE)] or [[]]

    # ----------------------------------------------------------------------------------------------
    def write_day(self, state: DayState) -> None:
        day = state.date.isoformat()
        feeds = self.out / "feeds"
        for source in self.market.sources:
            if not state.present[source]:
                continue
            writers = {"digikey": self._digikey, "mouser": self._mouser, "nexar": self._nexar, "tme": self._tme,
                       BROKER_CSV_SOURCE: self._broker_csv}
            writers[source](state, feeds / source / day)

    # DigiKey v4 KeywordSearch -----------------------------------------------------------------------
    def _digikey(self, state: DayState, folder: Path) -> None:
        s = self.seller_index["DigiKey"]
        cat = self.cat
        parts = np.flatnonzero(state.listed[s]).tolist()
        total = len(parts)
        for page_no, page in enumerate(self._pages(parts), start=1):
            products = []
            for p in page:
                stock = int(state.stock[s, p])
                price_factor = round(float(state.price_mult[s, p]), 6)
                pack = int(cat.pack_size[p])
                variations = []
                ct_price = 0.0
                for head, kind, pkg_id in self.digikey_variation_heads[p]:
                    style = "digikey_tr" if kind == "reel" else "digikey_ct"
                    if kind == "reel":
                        qty, moq = (stock // pack) * pack, pack
                    else:
                        qty, moq = stock, 1
                    key = ("dk", p, style, price_factor)
                    pricing = self._ladder_cache.get(key)
                    if pricing is None:
                        q, unit = self._ladder(s, p, style, price_factor)
                        pricing = "[" + ",".join(
                            f'{{"BreakQuantity":{a},"UnitPrice":{round(u, 5)!r},"TotalPrice":{round(a * round(u, 5), 2)!r}}}'
                            for a, u in zip(q, unit, strict=True)) + "]"
                        self._ladder_cache[key] = pricing
                        if style == "digikey_ct":
                            self._ladder_cache[("dk1", p, price_factor)] = unit[0]
                    if kind != "reel":
                        ct_price = self._ladder_cache[("dk1", p, price_factor)]
                    variations.append(
                        f'{{{head},"StandardPricing":{pricing},"MyPricing":[],"MarketPlace":false,"TariffActive":false,'
                        f'"QuantityAvailableforPackageType":{qty},"MinimumOrderQuantity":{moq},"StandardPackage":{moq},'
                        f'"DigiReelFee":{7 if pkg_id == 243 else 0}}}')
                    self.stats.offers += 1
                life = int(state.lifecycle[p])
                status_id, status = LIFECYCLE_DIGIKEY[life]
                lc = self.market.lifecycles
                ltb = next((x.ltb for x in lc if x.part == p), None) if life >= 2 else None
                head, url, category, other = self.digikey_static[p]
                products.append("{" + head + "," + ",".join([
                    f'"UnitPrice":{_num(ct_price, 5)}',
                    f'"ProductUrl":{url}',
                    f'"ProductVariations":[{",".join(variations)}]',
                    f'"QuantityAvailable":{stock}',
                    f'"ProductStatus":{{"Id":{status_id},"Status":"{status}"}}',
                    '"BackOrderNotAllowed":false', '"NormallyStocking":true',
                    f'"Discontinued":{"true" if life == 3 else "false"}',
                    f'"EndOfLife":{"true" if life >= 2 else "false"}', '"Ncnr":false',
                    f'"Category":{category}',
                    f'"DateLastBuyChance":{_j(ltb.isoformat() + "T00:00:00Z") if ltb else "null"}',
                    f'"ManufacturerLeadWeeks":"{int(state.lead_weeks[s, p])}"',
                    '"ManufacturerPublicQuantity":0', '"Series":{"Id":0,"Name":"-"}',
                    f'"OtherNames":{other}']) + "}")
            body = ('{"Products":[' + ",".join(products) + f'],"ProductsCount":{total},"ExactMatches":[],'
                    '"SearchLocaleUsed":{"Site":"US","Language":"en","Currency":"USD"}}')
            self._write(folder / f"keywordsearch_p{page_no:04d}.json", body)

    # Mouser Search API ------------------------------------------------------------------------------
    def _mouser(self, state: DayState, folder: Path) -> None:
        s = self.seller_index["Mouser"]
        cat = self.cat
        listed = np.flatnonzero(state.listed[s]).tolist()
        for locale, eur in (("en-US", False), ("de-DE", True)):
            parts = [p for p in listed if bool(self.mouser_eur[p]) == eur]
            if not parts:
                continue
            for page_no, page in enumerate(self._pages(parts), start=1):
                rows = []
                for p in page:
                    stock = int(state.stock[s, p])
                    price_factor = round(float(state.price_mult[s, p]), 6)
                    pack = int(cat.pack_size[p])

                    def build(p=p, price_factor=price_factor, eur=eur):
                        q, unit = self._ladder(s, p, "mouser", price_factor)
                        return _j([{"Quantity": a, "Price": _eur_text(u / EUR_USD) if eur else _usd_text(u),
                                    "Currency": "EUR" if eur else "USD"} for a, u in zip(q, unit, strict=True)])

                    breaks = self._cached(("mo", p, price_factor), build)
                    weeks = int(state.lead_weeks[s, p])
                    life = int(state.lifecycle[p])
                    if eur:
                        avail = (f"{stock:,}".replace(",", ".") + " Auf Lager") if stock > 0 else "Auf Bestellung"
                        lead = f"{weeks * 7} Tage"
                    else:
                        avail = f"{stock:,} In Stock" if stock > 0 else "On Order"
                        lead = f"{weeks * 7} Days"
                    order = int(state.on_order[s, p])
                    on_order = "[]"
                    if order > 0:
                        eta = self.market.start.toordinal() + int(state.on_order_day[s, p])
                        on_order = _j([{"Quantity": str(order), "Date": date.fromordinal(eta).isoformat() + "T00:00:00"}])
                    reel = cat.pack_kind[p] == "reel"
                    tree, mouser_cat, *_ = SOURCE_CATEGORY[cat.subcategory[p]]
                    rows.append(_obj([
                        ("Availability", _j(avail)), ("DataSheetUrl", '""'), ("Description", _j(cat.description[p])),
                        ("FactoryStock", '"0"'), ("Category", _j(mouser_cat)), ("LeadTime", _j(lead)),
                        ("LifecycleStatus", _j(LIFECYCLE_MOUSER[life])),
                        ("Manufacturer", _j(MANUFACTURERS[cat.manufacturer[p]].mouser_name)),
                        ("ManufacturerPartNumber", _j(cat.mpn[p])),
                        ("Min", '"1"'), ("Mult", '"1"'), ("MouserPartNumber", _j(self.mouser_sku[p])),
                        ("ProductAttributes", _j([{"AttributeName": "Packaging", "AttributeValue": "Reel" if reel else PACKAGING_NAMES[cat.pack_kind[p]]}]
                                                 + ([{"AttributeName": "Packaging", "AttributeValue": "Cut Tape"}] if reel else [])
                                                 + [{"AttributeName": "Standard Pack Qty", "AttributeValue": str(pack)}])),
                        ("PriceBreaks", breaks), ("AlternatePackagings", "null"), ("ProductDetailUrl", self.mouser_static[p]),
                        ("Reeling", "true" if reel else "false"), ("ROHSStatus", '"RoHS Compliant"'),
                        ("SuggestedReplacement", '""'), ("MultiSimBlue", "0"),
                        ("AvailabilityInStock", _j(str(stock))), ("AvailabilityOnOrder", on_order),
                        ("InfoMessages", "[]"), ("IsDiscontinued", '"true"' if life == 3 else '"false"')]))
                    self.stats.offers += 1
                body = ('{"Errors":[],"SearchResults":{"NumberOfResult":' + str(len(parts)) + ',"Parts":['
                        + ",".join(rows) + "]}}")
                self._write(folder / f"search_{locale}_p{page_no:04d}.json", body)

    # Nexar supMultiMatch ----------------------------------------------------------------------------
    def _nexar_static(self) -> None:
        cat = self.cat
        self.nexar_seller_heads: dict[int, str] = {}
        self.nexar_offers: dict[int, list[tuple[str, int, str, str, bool]]] = {}
        for i, seller in enumerate(self.sellers):
            if not (seller.source == "nexar" or seller.also_in_nexar):
                continue
            self.nexar_seller_heads[i] = (f'{{"company":{_j({"name": seller.name})},"country":{_j(seller.country)},'
                                      f'"isAuthorized":{"true" if seller.authorized else "false"},'
                                      f'"isBroker":{"true" if seller.broker else "false"},"offers":[')
            rows = []
            for p in range(len(cat)):
                pack = int(cat.pack_size[p])
                kind = cat.pack_kind[p]
                if seller.name == "DigiKey":  # Nexar lists DigiKey's cut-tape (or tray/tube) SKU
                    sku, _name, _pid, digikey_kind = next(v for v in self.digikey_skus[p] if v[3] != "reel")
                    row = (sku, 1, "Cut Tape" if digikey_kind == "cut" else PACKAGING_NAMES[kind], "digikey_ct", False)
                elif seller.name == "Mouser":
                    row = (self.mouser_sku[p], 1, "Reel" if kind == "reel" else PACKAGING_NAMES[kind], "mouser", False)
                else:
                    style = seller.ladder
                    full_reel = style == "reel" and kind == "reel"
                    pkg = "Tape & Reel" if full_reel else ("Cut Tape" if kind == "reel" else PACKAGING_NAMES[kind])
                    row = (self.other_sku[seller.name][p], ladder_quantities(style, pack)[0], pkg, style, full_reel)
                rows.append((_j(row[0]), row[1], _j(row[2]), row[3], row[4]))
            self.nexar_offers[i] = rows

    def _nexar(self, state: DayState, folder: Path) -> None:
        cat = self.cat
        day = state.date.isoformat()
        if not hasattr(self, "nexar_offers"):
            self._nexar_static()
        # Nexar's own outage day for one seller drops it; a seller's own feed being down does not
        in_nexar = [i for i in self.nexar_seller_heads if state.seller_present[i]]
        authorized = [i for i in in_nexar if self.sellers[i].authorized]
        lead_days = (np.median(state.lead_weeks[authorized], axis=0) * 7).astype(int) if authorized else None
        median1000 = np.round(cat.base_price * np.median(state.price_mult, axis=0), 5).tolist()
        listed = state.listed
        stock_all = state.stock
        updated = {i: f'"updated":"{day}T{4 + i % 6:02d}:{(17 * i) % 60:02d}:00Z"' for i in in_nexar}
        for page_no, page in enumerate(self._pages(list(range(len(cat)))), start=1):
            matches = []
            for p in page:
                sellers_json = []
                total = 0
                for i in in_nexar:
                    if not listed[i, p]:
                        continue
                    seller = self.sellers[i]
                    stock = int(stock_all[i, p])
                    sku, moq, pkg, style, full_reel = self.nexar_offers[i][p]
                    inv = (stock // int(cat.pack_size[p])) * int(cat.pack_size[p]) if full_reel else stock
                    price_factor = round(float(state.price_mult[i, p]), 6)
                    key = ("nx", i, p, price_factor)
                    prices = self._ladder_cache.get(key)
                    if prices is None:
                        q, unit = self._ladder(i, p, style, price_factor)
                        prices = "[" + ",".join(f'{{"quantity":{a},"price":{round(u, 5)!r},"currency":"USD"}}'
                                                for a, u in zip(q, unit, strict=True)) + "]"
                        self._ladder_cache[key] = prices
                    lead = "null" if seller.broker else str(int(state.lead_weeks[i, p]) * 7)
                    sellers_json.append(
                        f'{self.nexar_seller_heads[i]}{{"sku":{sku},"inventoryLevel":{inv},"moq":{moq},"packaging":{pkg},'
                        f'"factoryLeadDays":{lead},{updated[i]},"prices":{prices}}}]}}')
                    self.stats.offers += 1
                    total += stock
                life = int(state.lifecycle[p])
                est = "null" if lead_days is None else str(int(lead_days[p]))
                matches.append(
                    '{"reference":' + self.nexar_refs[p] + ',"hits":1,"parts":[{' + self.nexar_static[p]
                    + f',"totalAvail":{total},"estimatedFactoryLeadDays":{est},'
                    f'"medianPrice1000":{{"price":{median1000[p]!r},"currency":"USD"}},'
                    '"specs":[{"attribute":{"shortname":"lifecyclestatus","name":"Lifecycle Status"},'
                    f'"displayValue":"{LIFECYCLE_NEXAR[life]}"}}],"sellers":[' + ",".join(sellers_json) + "]}]}")
            body = '{"data":{"supMultiMatch":[' + ",".join(matches) + "]}}"
            self._write(folder / f"supmultimatch_p{page_no:04d}.json", body)

    # TME Products/Search + Products/GetPricesAndStocks -----------------------------------------------
    def _tme(self, state: DayState, folder: Path) -> None:
        s = self.seller_index["TME"]
        cat = self.cat
        parts = np.flatnonzero(state.listed[s]).tolist()
        search, prices = [], []
        for p in parts:
            maker = MANUFACTURERS[cat.manufacturer[p]]
            tme_cat = SOURCE_CATEGORY[cat.subcategory[p]][3]
            m = int(self.tme_min[p])
            life = int(state.lifecycle[p])
            search.append(_j({
                "Symbol": self.tme_symbol[p], "CustomerSymbol": "", "OriginalSymbol": cat.mpn[p], "EAN": "",
                "Producer": maker.tme_name,
                "Description": f"{cat.description[p]}; {cat.package[p]}; {'reel,tape' if cat.pack_kind[p] == 'reel' else cat.pack_kind[p]}",
                "CategoryId": 100000 + len(tme_cat) * 131, "Category": tme_cat, "Photo": "", "Thumbnail": "",
                "Weight": 0.05, "WeightUnit": "g", "SuppliedAmount": 0, "MinAmount": m, "Multiples": m,
                "Packing": [], "ProductStatusList": LIFECYCLE_TME[life], "Unit": "pcs",
                "ProductInformationPage": f"//www.tme.eu/en/details/{self.tme_symbol[p].lower()}/",
                "Guarantee": None, "OfferId": None, "Certificates": []}))
            price_factor = round(float(state.price_mult[s, p]), 6)

            def build(p=p, price_factor=price_factor):
                q, unit = self._ladder(s, p, "tme", price_factor)
                return _j([{"Amount": a, "PriceValue": round(u / EUR_USD, 5), "PriceBase": 1, "Special": False}
                           for a, u in zip(q, unit, strict=True)])

            prices.append('{"Symbol":' + _j(self.tme_symbol[p]) + ',"PriceList":'
                          + self._cached(("tme", p, price_factor), build)
                          + f',"Unit":"pcs","VatRate":23,"VatType":"VAT","Amount":{int(state.stock[s, p])}}}')
            self.stats.offers += 1
        self._write(folder / "search.json", '{"Status":"OK","Data":{"ProductList":[' + ",".join(search)
                    + f'],"Amount":{len(parts)},"PageNumber":1}}}}')
        self._write(folder / "prices.json", '{"Status":"OK","Data":{"Currency":"EUR","Language":"EN",'
                    '"PriceType":"NET","ProductList":[' + ",".join(prices) + "]}}")

    # Broker CSV -------------------------------------------------------------------------------------
    BROKER_COLUMNS = ["Stock Code", "Part No", "Mfr", "Description", "Qty Avail", "Date Code", "Lead Time", "Pkg",
                      "MOQ", "Qty1", "Price1", "Qty2", "Price2", "Qty3", "Price3"]

    def _broker_csv(self, state: DayState, folder: Path) -> None:
        s = self.seller_index["Ampere Brokerage"]
        cat = self.cat
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(self.BROKER_COLUMNS)
        for p in np.flatnonzero(state.listed[s] & (state.stock[s] > 0)).tolist():
            q, unit = self._ladder(s, p, "broker", float(state.price_mult[s, p]))
            maker = MANUFACTURERS[cat.manufacturer[p]]
            w.writerow([f"AMP-{p + 1:06d}", cat.mpn[p], maker.broker_name, cat.description[p], int(state.stock[s, p]),
                        f"{22 + p % 4}{(p % 52) + 1:02d}+", f"{int(state.lead_weeks[s, p]) // 4 + 1} weeks",
                        "T&R" if cat.pack_kind[p] == "reel" else cat.pack_kind[p].upper(), q[0],
                        q[0], f"{unit[0]:.4f}", q[1], f"{unit[1]:.4f}", q[2], f"{unit[2]:.4f}"])
            self.stats.offers += 1
        self._write(folder / f"ampere_stock_{state.date.strftime('%Y%m%d')}.csv", buf.getvalue())

    # mapping.yml: Offer field -> the export's column header
    BROKER_MAPPING = {"sku": "Stock Code", "mpn_raw": "Part No", "manufacturer_raw": "Mfr", "description": "Description",
                      "stock": "Qty Avail", "lead_time": "Lead Time", "packaging": "Pkg", "moq": "MOQ",
                      "order_multiple": "MOQ"}

    def write_broker_mapping(self) -> None:
        text = (
            "# Ampere Brokerage daily stock export (ERP CSV) -> Offer fields (format: orchestration/feeds/broker_csv.py)\n"
            "distributor: Ampere Brokerage\n"
            "distributor_country: US\n"
            "is_broker: true\n"
            "is_authorized: false\n"
            "currency: USD\n"
            "delimiter: \",\"\n"
            "encoding: utf-8\n"
            "decimal: point\n"
            "columns:\n" + "".join(f'  {field}: "{header}"\n' for field, header in self.BROKER_MAPPING.items())
            + "price_breaks:\n" + "".join(f'  - {{quantity: "Qty{k}", price: "Price{k}"}}\n' for k in (1, 2, 3))
        )
        self._write(self.out / "feeds" / BROKER_CSV_SOURCE / "mapping.yml", text)

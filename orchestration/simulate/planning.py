"""The company side of the landing tree: products and demand plan, BOMs in engineers' export layouts,
on-hand inventory, and reference tables (manufacturer sites, part-site overrides, alternates, aliases)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from orchestration.simulate.catalog import EXTRA_ALIASES, MANUFACTURERS, Catalog
from orchestration.simulate.market import Market

FIXED_TIME = datetime(2025, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ProductSpec:
    product: str
    description: str
    unit_price: float
    unit_margin: float
    trend: str  # growing | cooling
    weekly_growth: float
    base_weekly_units: int
    layout: str
    # (subcategory, lines, refdes prefix, refs per line lo, hi, preference: hit | alt | None)
    recipe: tuple[tuple[str, int, str, int, int, str | None], ...]


PRODUCTS: list[ProductSpec] = [
    ProductSpec("EDGE-AI-GW", "Edge AI inference gateway, DDR4 + eMMC, 25G uplinks", 1450.0, 420.0, "growing", 0.012,
                120, "kicad_csv",
                (("ddr4", 2, "U", 1, 4, "hit"), ("nand", 1, "U", 1, 1, "hit"), ("conn_hs", 2, "J", 1, 4, "hit"),
                 ("mcu", 1, "U", 1, 1, None), ("power", 3, "U", 1, 2, None), ("mosfet", 2, "Q", 1, 4, "hit"),
                 ("mlcc_hicv", 2, "C", 4, 12, "hit"), ("mlcc", 3, "C", 6, 24, None), ("resistor", 4, "R", 4, 16, None),
                 ("ferrite", 1, "FB", 2, 4, None))),
    ProductSpec("IND-IO-16", "Industrial automation I/O module, 16 channels", 380.0, 120.0, "growing", 0.010, 400,
                "altium_csv",
                (("mcu", 1, "U", 1, 1, None), ("analog", 3, "U", 1, 8, None), ("logic", 2, "U", 2, 8, "hit"),
                 ("mosfet", 2, "Q", 4, 16, "alt"), ("diode", 1, "D", 4, 16, "hit"), ("mlcc", 3, "C", 8, 30, None),
                 ("mlcc_auto", 1, "C", 2, 8, "alt"), ("conn_std", 2, "J", 1, 4, None),
                 ("resistor", 4, "R", 8, 30, None), ("power", 1, "U", 1, 1, None))),
    ProductSpec("EV-BMS-12", "Automotive 12-cell battery management board", 210.0, 38.0, "cooling", -0.006, 900,
                "semicolon_csv",
                (("mcu", 1, "U", 1, 1, None), ("analog", 3, "U", 1, 4, "hit"), ("mosfet", 2, "Q", 2, 12, "hit"),
                 ("logic", 1, "U", 1, 2, "alt"), ("mlcc_auto", 3, "C", 6, 24, "hit"), ("power", 1, "U", 1, 1, None),
                 ("resistor", 3, "R", 10, 30, None), ("conn_std", 1, "J", 1, 2, None), ("inductor", 1, "L", 1, 2, None))),
    ProductSpec("HOME-HUB-2", "Consumer smart-home hub", 89.0, 14.0, "cooling", -0.005, 2500, "xlsx",
                (("mcu", 1, "U", 1, 1, None), ("nand", 1, "U", 1, 1, "alt"), ("power", 2, "U", 1, 2, None),
                 ("mosfet", 1, "Q", 1, 2, "alt"), ("mlcc", 3, "C", 4, 16, None), ("mlcc_hicv", 1, "C", 1, 4, "alt"),
                 ("resistor", 3, "R", 4, 16, None), ("ferrite", 1, "FB", 1, 3, None), ("conn_std", 1, "J", 1, 2, None))),
    ProductSpec("DEF-RADIO-M", "Defense handheld radio control board", 2400.0, 900.0, "growing", 0.015, 60,
                "kitspace_tsv",
                (("mcu", 1, "U", 1, 1, None), ("analog", 2, "U", 1, 4, None), ("ddr4", 1, "U", 1, 2, "alt"),
                 ("conn_hs", 1, "J", 1, 2, "alt"), ("mosfet", 2, "Q", 1, 6, "alt"), ("mlcc_auto", 2, "C", 4, 16, None),
                 ("mlcc", 2, "C", 4, 16, None), ("resistor", 3, "R", 6, 24, None), ("inductor", 1, "L", 1, 2, None))),
]

BOM_FILES = {"kicad_csv": ".csv", "altium_csv": ".csv", "semicolon_csv": ".csv", "xlsx": ".xlsx",
             "kitspace_tsv": ".tsv"}


@dataclass
class BomLine:
    part: int
    refs: list[str]
    dnp: bool = False


@dataclass
class PlanResult:
    products: list[dict] = field(default_factory=list)
    alternates: list[tuple[int, int, str]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def build_alternates(cat: Catalog, hit: set[int], rng: np.random.Generator) -> list[tuple[int, int, str]]:
    """(part, alternate, fit): 1-2 alternates from other makers assembled elsewhere for every event-hit
    part, and for a few others."""
    sub = np.array(cat.subcategory)
    category = np.array(cat.category)
    mfr = np.array(cat.manufacturer)
    out: list[tuple[int, int, str]] = []
    others = [p for p in range(len(cat)) if p not in hit]
    extra = set(rng.choice(others, max(1, len(others) // 20), replace=False).tolist()) if others else set()
    for p in range(len(cat)):
        if p not in hit and p not in extra:
            continue
        same = np.flatnonzero((sub == sub[p]) & (mfr != mfr[p]))
        fit_same = True
        if len(same) == 0:
            same = np.flatnonzero((category == category[p]) & (mfr != mfr[p]))
            fit_same = False
        elsewhere = [a for a in same.tolist() if cat.assembly_country[a] != cat.assembly_country[p]]
        pool = elsewhere or same.tolist()
        unhit = [a for a in pool if a not in hit]
        pool = unhit or pool
        if not pool:
            continue
        k = min(len(pool), 2 if p in hit else 1)
        for a in sorted(rng.choice(pool, k, replace=False).tolist()):
            fit = "fff" if fit_same and cat.package[a] == cat.package[p] else "functional"
            out.append((p, int(a), fit))
    return out


# The value column of a passive's BOM line; other parts show their MPN.
PASSIVE_VALUES = {"mlcc": "100nF", "mlcc_hicv": "47uF", "mlcc_auto": "1uF", "resistor": "10k", "inductor": "2.2uH",
                  "ferrite": "220R@100MHz"}


def _value(cat: Catalog, p: int) -> str:
    return PASSIVE_VALUES.get(cat.subcategory[p]) or cat.mpn[p].split(",")[0]


FOOTPRINTS = {"mosfet": "Package_TO_SOT_SMD:SOT-23", "logic": "Package_TO_SOT_SMD:SOT-353_SC-70-5",
              "diode": "Diode_SMD:D_SOD-323", "mcu": "Package_QFP:LQFP-48_7x7mm_P0.5mm",
              "analog": "Package_SO:SOIC-8_3.9x4.9mm_P1.27mm", "power": "Package_TO_SOT_SMD:SOT-563",
              "ddr4": "Package_BGA:FBGA-96_7.5x13.5mm", "nand": "Package_BGA:FBGA-153_11.5x13mm",
              "mlcc": "Capacitor_SMD:C_0603_1608Metric", "mlcc_hicv": "Capacitor_SMD:C_1206_3216Metric",
              "mlcc_auto": "Capacitor_SMD:C_0805_2012Metric", "conn_hs": "Connector_Samtec:Mezzanine_80",
              "conn_std": "Connector_PinHeader_2.54mm:PinHeader_1x04", "resistor": "Resistor_SMD:R_0603_1608Metric",
              "inductor": "Inductor_SMD:L_0805_2012Metric", "ferrite": "Inductor_SMD:L_0603_1608Metric"}


class PlanWriter:
    def __init__(self, out: Path, market: Market, seed: int):
        self.out = out
        self.market = market
        self.cat = market.cat
        self.rng = np.random.default_rng([seed, 7])
        # Its own stream, so adding open orders leaves every other generated file as it was.
        self.order_rng = np.random.default_rng([seed, 13])
        self.result = PlanResult()
        self.bytes = 0

    def _write_bytes(self, rel: str, data: bytes) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.result.files.append(path)
        self.bytes += len(data)

    def _csv(self, rel: str, header: list[str], rows: list[list], delimiter: str = ",", lineterminator: str = "\n",
             quoting: int = csv.QUOTE_MINIMAL) -> None:
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator, quoting=quoting)
        w.writerow(header)
        w.writerows(rows)
        self._write_bytes(rel, buf.getvalue().encode("utf-8"))

    # ----------------------------------------------------------------------------------------------
    def write_all(self) -> PlanResult:
        cat, market, rng = self.cat, self.market, self.rng
        hit = market.hit_parts
        alternates = build_alternates(cat, hit, rng)
        self.result.alternates = alternates
        alt_of_hit = {a for p, a, _ in alternates if p in hit}
        n_products = 4 if len(cat) < 150 else 5
        specs = PRODUCTS[:n_products]
        boms = {spec.product: self._pick_bom(spec, hit, alt_of_hit) for spec in specs}
        self._ensure_coverage(specs, boms, hit, alt_of_hit)
        for spec in specs:
            self._write_bom(spec, boms[spec.product])
        demand = self._write_plan(specs)
        self._write_on_hand(specs, boms, demand)
        self._write_open_orders(specs, boms, demand)
        self._write_reference(alternates)
        for spec in specs:
            self.result.products.append({
                "product": spec.product, "description": spec.description, "trend": spec.trend,
                "weekly_growth": spec.weekly_growth, "layout": spec.layout,
                "bom_file": f"boms/{spec.product}{BOM_FILES[spec.layout]}",
                "lines": [{"mpn": cat.mpn[line.part], "manufacturer": cat.manufacturer[line.part],
                           "qty_per_unit": 0 if line.dnp else len(line.refs), "refdes": line.refs, "dnp": line.dnp}
                          for line in boms[spec.product]]})
        return self.result

    def _pick_bom(self, spec: ProductSpec, hit: set[int], alt_of_hit: set[int]) -> list[BomLine]:
        cat, rng = self.cat, self.rng
        used: set[int] = set()
        counters: dict[str, int] = {}
        lines: list[BomLine] = []
        for sub, n_lines, prefix, lo, hi, prefer in spec.recipe:
            candidates = [p for p in range(len(cat)) if cat.subcategory[p] == sub and p not in used]
            for _ in range(n_lines):
                if not candidates:
                    break
                preferred = [p for p in candidates if (prefer == "hit" and p in hit) or (prefer == "alt" and p in alt_of_hit)]
                pool = preferred if preferred and rng.random() < 0.85 else candidates
                p = int(pool[int(rng.integers(len(pool)))])
                candidates.remove(p)
                used.add(p)
                lines.append(BomLine(p, self._refs(counters, prefix, int(rng.integers(lo, hi + 1)))))
        return lines

    def _refs(self, counters: dict[str, int], prefix: str, count: int) -> list[str]:
        refs = []
        for _ in range(count):
            counters[prefix] = counters.get(prefix, 0) + 1 + (1 if self.rng.random() < 0.15 else 0)
            refs.append(f"{prefix}{counters[prefix]}")
        return refs

    def _ensure_coverage(self, specs, boms, hit, alt_of_hit) -> None:
        """Several parts of each event kind, and several of their alternates, must be in some BOM."""
        events = {ev.kind: set(ev.parts.tolist()) for ev in self.market.events if ev.kind != "price_increase"}
        for kind_parts in (events.get("export_restriction", set()), events.get("shortage", set()),
                           events.get("lead_time_stretch", set())):
            self._add_missing(specs, boms, sorted(kind_parts), 3)
        hit_kinds = set().union(*events.values()) if events else set()
        alts = sorted({a for p, a, _ in self.result.alternates if p in hit_kinds})
        self._add_missing(specs, boms, alts, 4)

    def _add_missing(self, specs, boms, parts: list[int], want: int) -> None:
        used = {line.part for lines in boms.values() for line in lines}
        have = sum(1 for p in parts if p in used)
        for p in parts:
            if have >= want:
                break
            if p in used:
                continue
            spec = specs[p % len(specs)]
            lines = boms[spec.product]
            prefix = {"mosfet": "Q", "logic": "U", "diode": "D", "conn_hs": "J", "conn_std": "J"}.get(
                self.cat.subcategory[p], "C" if self.cat.subcategory[p].startswith("mlcc") else "U")
            start = 1 + max((int(r[len(prefix):]) for line in lines for r in line.refs
                             if r.startswith(prefix) and r[len(prefix):].isdigit()), default=0)
            lines.append(BomLine(p, [f"{prefix}{start + k}" for k in range(1 + p % 3)]))
            used.add(p)
            have += 1

    # BOM layouts ------------------------------------------------------------------------------------
    def _maker_name(self, p: int) -> str:
        names = MANUFACTURERS[self.cat.manufacturer[p]].bom_names
        return names[int(self.rng.integers(len(names)))]

    @staticmethod
    def _range_or_list(refs: list[str], sep: str) -> str:
        prefix = refs[0].rstrip("0123456789")
        nums = [int(r[len(prefix):]) for r in refs]
        if len(refs) >= 3 and nums == list(range(nums[0], nums[0] + len(nums))):
            return f"{refs[0]}-{refs[-1]}"
        return sep.join(refs)

    def _write_bom(self, spec: ProductSpec, lines: list[BomLine]) -> None:
        cat, rel = self.cat, f"boms/{spec.product}{BOM_FILES[spec.layout]}"
        if spec.layout == "kicad_csv":
            # one extra resistor line fitted as DNP (KiCad 7+ DNP column)
            res = next((line.part for line in lines if cat.subcategory[line.part] == "resistor"), lines[-1].part)
            lines.append(BomLine(res, ["R99"], dnp=True))
            self._csv(rel, ["Reference", "Value", "Footprint", "Qty", "MPN", "Manufacturer", "DNP"],
                      [[", ".join(line.refs), _value(cat, line.part), FOOTPRINTS[cat.subcategory[line.part]],
                        len(line.refs), cat.mpn[line.part], self._maker_name(line.part), "DNP" if line.dnp else ""]
                       for line in lines], quoting=csv.QUOTE_ALL)
        elif spec.layout == "altium_csv":
            self._csv(rel, ["Designator", "Comment", "Description", "Manufacturer", "Manufacturer Part Number", "Quantity"],
                      [[self._range_or_list(line.refs, ", "), _value(cat, line.part), cat.description[line.part],
                        self._maker_name(line.part), cat.mpn[line.part], len(line.refs)] for line in lines],
                      lineterminator="\r\n", quoting=csv.QUOTE_ALL)
        elif spec.layout == "semicolon_csv":
            self._csv(rel, ["Pos", "Qty", "RefDes", "Manufacturer", "Mfr Part No", "Description"],
                      [[k + 1, len(line.refs), " ".join(line.refs), self._maker_name(line.part), cat.mpn[line.part],
                        cat.description[line.part]] for k, line in enumerate(lines)], delimiter=";")
        elif spec.layout == "kitspace_tsv":
            self._csv(rel, ["References", "Qty", "Description", "Manufacturer", "MPN"],
                      [[" ".join(line.refs), len(line.refs), cat.description[line.part], self._maker_name(line.part),
                        cat.mpn[line.part]] for line in lines], delimiter="\t")
        elif spec.layout == "xlsx":
            self._write_xlsx(rel, spec, lines)

    def _write_xlsx(self, rel: str, spec: ProductSpec, lines: list[BomLine]) -> None:
        from openpyxl import Workbook

        cat = self.cat
        wb = Workbook()
        ws = wb.active
        ws.title = "BOM"
        ws.append([f"Bill of Materials: {spec.product}"])
        ws.append(["Revision", "C"])
        ws.append([])
        ws.append(["Item", "Part Number", "Manufacturer", "Quantity", "Reference Designators", "Description"])
        for k, line in enumerate(lines, start=1):
            ws.append([k, cat.mpn[line.part], self._maker_name(line.part), len(line.refs),
                       self._range_or_list(line.refs, ","), cat.description[line.part]])
        wb.properties.creator = "partrisk simulator"
        wb.properties.created = FIXED_TIME
        wb.properties.modified = FIXED_TIME
        raw = io.BytesIO()
        wb.save(raw)
        # openpyxl stamps zip entries with the current time: rewrite them with a fixed one
        src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
        fixed = io.BytesIO()
        with zipfile.ZipFile(fixed, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == "docProps/core.xml":
                    data = _pin_core_times(data)
                zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
                zi.compress_type = zipfile.ZIP_DEFLATED
                zi.external_attr = info.external_attr
                dst.writestr(zi, data)
        self._write_bytes(rel, fixed.getvalue())

    # plan, inventory, reference ---------------------------------------------------------------------
    def _write_plan(self, specs: list[ProductSpec]) -> dict[str, float]:
        rng = self.rng
        self._csv("plan/products.csv", ["product", "description", "unit_price", "unit_margin"],
                  [[s.product, s.description, f"{s.unit_price:.2f}", f"{s.unit_margin:.2f}"] for s in specs])
        start = self.market.start
        first = start - timedelta(days=start.weekday())
        end = start + timedelta(days=self.market.n_days - 1) + timedelta(weeks=26)
        weeks = (end - first).days // 7 + 1
        rows = []
        mean_units: dict[str, float] = {}
        for spec in specs:
            w = np.arange(weeks)
            units = spec.base_weekly_units * (1 + spec.weekly_growth) ** w * (1 + 0.06 * rng.standard_normal(weeks))
            units = np.maximum(np.round(units), 0).astype(int)
            mean_units[spec.product] = float(units[: max(1, self.market.n_days // 7)].mean())
            for k in range(weeks):
                rows.append([spec.product, (first + timedelta(weeks=k)).isoformat(), int(units[k])])
        self._csv("plan/demand.csv", ["product", "week_start", "units"], rows)
        return mean_units

    def _write_on_hand(self, specs, boms, weekly_units: dict[str, float]) -> None:
        cat, rng = self.cat, self.rng
        need = _weekly_need(specs, boms, weekly_units)
        rows = []
        for p in sorted(need):
            cover_weeks = 0.0 if rng.random() < 0.1 else float(rng.uniform(0.5, 8.0))
            maker = cat.manufacturer[p] if rng.random() < 0.8 else MANUFACTURERS[cat.manufacturer[p]].tme_name
            rows.append([cat.mpn[p], maker, int(round(need[p] * cover_weeks))])
        self._csv("inventory/on_hand.csv", ["mpn", "manufacturer", "quantity"], rows)

    def _write_open_orders(self, specs, boms, weekly_units: dict[str, float]) -> None:
        """About a third of the BOM parts have one or two purchase orders of 2-8 weeks of need in transit,
        due over the ten weeks after the market's last day; a few name the supplier and the PO."""
        cat, rng = self.cat, self.order_rng
        need = _weekly_need(specs, boms, weekly_units)
        last_day = self.market.start + timedelta(days=self.market.n_days - 1)
        rows = []
        for p in sorted(need):
            if rng.random() >= 0.35:
                continue
            for _ in range(1 + int(rng.random() < 0.3)):
                due = last_day + timedelta(days=int(rng.integers(1, 71)))
                quantity = max(1, int(round(need[p] * float(rng.uniform(2.0, 8.0)))))
                named = rng.random() < 0.5
                rows.append([cat.mpn[p], cat.manufacturer[p], quantity, due.isoformat(),
                             "Digi-Key" if named else "", f"PO-{4500 + len(rows)}" if named else ""])
        self._csv("plan/open_orders.csv", ["mpn", "manufacturer", "quantity", "due_date", "supplier", "po"], rows)

    def _write_reference(self, alternates) -> None:
        cat = self.cat
        makers = sorted({cat.manufacturer[p] for p in range(len(cat))})
        self._csv("reference/manufacturer_sites.csv", ["manufacturer", "site_country", "site_kind", "capacity_share"],
                  [[m, c, k, f"{s:.2f}"] for m in makers for c, k, s in MANUFACTURERS[m].sites])
        self._csv("reference/part_sites.csv", ["mpn", "manufacturer", "site_country", "site_kind"],
                  [[cat.mpn[p], cat.manufacturer[p], cat.assembly_country[p], "assembly_test"]
                   for p in range(len(cat)) if cat.part_site_override[p]])
        self._csv("reference/alternates.csv", ["mpn", "manufacturer", "alt_mpn", "alt_manufacturer", "fit"],
                  [[cat.mpn[p], cat.manufacturer[p], cat.mpn[a], cat.manufacturer[a], fit] for p, a, fit in alternates])
        self._csv("reference/manufacturer_aliases.csv", ["alias", "manufacturer"], [list(r) for r in EXTRA_ALIASES])


def _weekly_need(specs: list[ProductSpec], boms: dict[str, list[BomLine]], weekly_units: dict[str, float]
                 ) -> dict[int, float]:
    """Units of each part the plan uses in a week: fitted designators times the product's weekly units."""
    need: dict[int, float] = {}
    for spec in specs:
        for line in boms[spec.product]:
            if not line.dnp:
                need[line.part] = need.get(line.part, 0.0) + len(line.refs) * weekly_units[spec.product]
    return need


def _pin_core_times(xml: bytes) -> bytes:
    import re

    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    for tag in (b"dcterms:created", b"dcterms:modified"):
        xml = re.sub(rb"(<" + tag + rb"[^>]*>)[^<]*(</" + tag + rb">)", rb"\g<1>" + stamp + rb"\g<2>", xml)
    return xml

"""The market model: sellers, injected events, decoys and the daily stock/price/lead-time dynamics.

State is held as numpy arrays of sellers × parts and advanced one day at a time (``Market.days()``), so
memory is bounded by one day whatever the span; every writer (JSON feeds, staged Parquet) consumes the
same ``DayState`` stream. Randomness comes from ``numpy.random.default_rng([seed, stream])`` streams,
drawn in a fixed order, so a seed fixes the whole market.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from orchestration.simulate.catalog import Catalog

# --------------------------------------------------------------------------------------------------
# Sellers
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seller:
    name: str  # as the feed names it (Offer.distributor)
    source: str  # landing folder: digikey | mouser | nexar | tme | <broker folder>
    country: str
    authorized: bool
    broker: bool
    coverage: float  # share of the catalog it lists
    depth: float  # stock depth relative to DigiKey
    price_level: float  # price relative to DigiKey
    ladder: str  # price-break ladder style
    also_in_nexar: bool = False  # DigiKey/Mouser are also sellers in the Nexar response


# Authorized distributors in the order `distributors=K` adds them (K >= 4).
AUTHORIZED: list[Seller] = [
    Seller("DigiKey", "digikey", "US", True, False, 0.92, 1.0, 1.00, "digikey", True),
    Seller("Mouser", "mouser", "US", True, False, 0.88, 0.8, 1.00, "mouser", True),
    Seller("Arrow Electronics", "nexar", "US", True, False, 0.65, 2.0, 0.93, "arrow"),
    Seller("Avnet", "nexar", "US", True, False, 0.55, 3.0, 0.90, "reel"),
    Seller("TME", "tme", "PL", True, False, 0.50, 0.25, 1.05, "tme"),
    Seller("Farnell", "nexar", "GB", True, False, 0.60, 0.4, 1.08, "catalog"),
    Seller("Future Electronics", "nexar", "CA", True, False, 0.45, 2.5, 0.92, "reel"),
    Seller("RS Components", "nexar", "GB", True, False, 0.50, 0.3, 1.10, "rs"),
    Seller("Newark", "nexar", "US", True, False, 0.50, 0.3, 1.06, "catalog"),
    Seller("TTI", "nexar", "US", True, False, 0.35, 1.5, 0.95, "reel"),
    Seller("Rutronik", "nexar", "DE", True, False, 0.35, 1.0, 1.00, "reel"),
]
BROKER_CSV_SOURCE = "ampere_broker"
BROKERS: list[Seller] = [
    Seller("Velocity Spot Parts", "nexar", "HK", False, True, 0.25, 0.08, 1.45, "broker"),
    Seller("Kestrel Components", "nexar", "US", False, True, 0.20, 0.05, 1.60, "broker"),
    Seller("Ampere Brokerage", BROKER_CSV_SOURCE, "US", False, True, 0.30, 0.06, 1.50, "broker"),
]
EUR_USD = 1.16  # USD per EUR, fixed: Mouser de-DE pages and TME quote EUR


def sellers_for(distributors: int) -> list[Seller]:
    if distributors < 4:
        raise ValueError("distributors must be at least 4")
    authorized = list(AUTHORIZED[:distributors])
    for k in range(len(AUTHORIZED), distributors):  # beyond the named set: regional Nexar sellers
        authorized.append(Seller(f"Regional Distributor {k - len(AUTHORIZED) + 1:02d}", "nexar", "US", True, False,
                                 0.30, 0.5, 1.04, "catalog"))
    return authorized + BROKERS


# Price-break quantities per ladder style (pack = the part's reel/tray/tube standard pack).
def ladder_quantities(style: str, pack: int, tme_min: int = 1) -> list[int]:
    if style == "digikey_ct" or style == "digikey":
        return [1, 10, 25, 100, 250, 500, 1000]
    if style == "digikey_tr":
        return [pack, 2 * pack, 5 * pack, 10 * pack]
    if style == "mouser":
        return [1, 10, 100, 250, 500, 1000] + ([pack] if pack > 1000 else [])
    if style == "arrow":
        return [1, 25, 100, 1000] + ([pack] if pack > 1000 else [])
    if style == "reel":
        return [pack, 2 * pack, 4 * pack]
    if style == "tme":
        return [tme_min, 10 * tme_min, 100 * tme_min, 1000 * tme_min]
    if style == "rs":
        return [5, 25, 100, 500]
    if style == "catalog":
        return [1, 10, 100, 500, 1000]
    if style == "broker":
        return [1, 100, 1000]
    raise ValueError(style)


def ladder_factor(quantity: np.ndarray | int, base_price: np.ndarray | float) -> np.ndarray:
    """Unit price at `quantity` relative to the 1000 break: steep for cheap parts (a $0.03 MOSFET costs
    ~$0.10 in ones), flat for expensive ones (an MCU is ~1.4× in ones)."""
    e = np.clip(0.13 - 0.09 * np.log10(np.asarray(base_price) / 0.13), 0.04, 0.28)
    return np.maximum((np.maximum(np.asarray(quantity, dtype=float), 1.0) / 1000.0) ** (-e), 0.72)


# --------------------------------------------------------------------------------------------------
# Events
# --------------------------------------------------------------------------------------------------

EXPORT_RESTRICTION_START = date(2025, 10, 12)
TI_PRICE_START = date(2025, 7, 1)
MEMORY_STRETCH_START = date(2025, 9, 1)
CONNECTOR_STRETCH_START = date(2025, 8, 4)
MLCC_SHORTAGE_START = date(2025, 8, 18)

LIFECYCLE_NAMES = ("Active", "NRND", "EOL", "Obsolete")


@dataclass
class Event:
    event_id: str
    kind: str
    start: date
    parts: np.ndarray  # part indices
    ramp_days: np.ndarray  # per part
    stock_drop: np.ndarray  # fraction of stock gone once the ramp completes
    price_factor: np.ndarray
    lead_add_weeks: np.ndarray
    demand_mult: float = 1.0
    supply: float = 1.0  # share of normal restock quantity delivered while in force
    delist_share: float = 0.0  # share of authorized listings withdrawn after the ramp
    manufacturer: str | None = None
    category: str | None = None
    country: str | None = None
    shape: dict = field(default_factory=dict)
    note: str = ""

    @property
    def end(self) -> date:
        return self.start + timedelta(days=int(self.ramp_days.max()) - 1)


@dataclass
class Lifecycle:
    part: int
    nrnd: date
    notice: date  # EOL notice = start of the lifecycle event
    ltb: date  # last-time-buy date
    obsolete: date


def _u(rng: np.random.Generator, lo: float, hi: float, n: int, digits: int = 3) -> np.ndarray:
    return np.round(rng.uniform(lo, hi, n), digits)


def _event(event_id: str, kind: str, start: date, parts: np.ndarray, rng: np.random.Generator, shape: dict,
           note: str, price_digits: int = 3, **scope) -> Event:
    """An event whose per-part draws come from the ranges its `shape` states (ramp, stock drop, price factor,
    lead-time weeks, in that order; a range of 0 draws nothing)."""
    n = len(parts)
    ramp, drop, price, lead = (shape[k] for k in ("ramp_days", "stock_drop", "price_factor", "lead_time_add_weeks"))
    return Event(
        event_id, kind, start, parts, rng.integers(ramp[0], ramp[1] + 1, n),
        _u(rng, *drop, n) if drop else np.zeros(n), _u(rng, *price, n, price_digits),
        rng.integers(lead[0], lead[1] + 1, n) if lead else np.zeros(n, dtype=int),
        demand_mult=shape.get("demand_mult", 1.0), supply=shape.get("restock_share", 1.0),
        delist_share=shape.get("delist_share", 0.0), shape=shape, note=note, **scope)


def build_events(cat: Catalog, rng: np.random.Generator) -> list[Event]:
    mfr = np.array(cat.manufacturer)
    sub = np.array(cat.subcategory)
    assy = np.array(cat.assembly_country)
    return [
        _event("ti-price-2025-07", "price_increase", TI_PRICE_START,
               np.flatnonzero((mfr == "Texas Instruments") & np.isin(sub, ["analog", "power"])), rng,
               {"price_factor": [1.15, 1.30], "ramp_days": [1, 7], "stock_drop": 0, "lead_time_add_weeks": 0},
               "TI raises analog and mixed-signal list prices 15-30%; distributors reprice within a week",
               manufacturer="Texas Instruments", category="analog"),
        _event("connector-ai-hoarding-2025-08", "lead_time_stretch", CONNECTOR_STRETCH_START,
               np.flatnonzero(sub == "conn_hs"), rng,
               {"lead_time_add_weeks": [4, 12], "ramp_days": [30, 50], "stock_drop": [0.40, 0.70],
                "price_factor": [1.05, 1.25], "demand_mult": 2.0, "restock_share": 0.5},
               "AI infrastructure builders hoard high-speed connectors; lead times stretch", category="connector"),
        _event("mlcc-shortage-2025-08", "shortage", MLCC_SHORTAGE_START,
               np.flatnonzero(np.isin(sub, ["mlcc_hicv", "mlcc_auto"])), rng,
               {"stock_drop": [0.50, 0.80], "ramp_days": [14, 28], "price_factor": [1.30, 2.00],
                "lead_time_add_weeks": [6, 12], "demand_mult": 1.4, "restock_share": 0.3},
               "Targeted shortage of high-CV and automotive-grade MLCCs", category="mlcc"),
        _event("memory-tightening-2025-09", "lead_time_stretch", MEMORY_STRETCH_START,
               np.flatnonzero(np.isin(sub, ["ddr4", "nand"])), rng,
               {"lead_time_add_weeks": [6, 16], "ramp_days": [20, 35], "stock_drop": [0.30, 0.60],
                "price_factor": [1.15, 1.60], "demand_mult": 1.3, "restock_share": 0.5},
               "DDR4 and NAND supply tightening; sudden lead-time extensions", category="memory"),
        _event("nexperia-export-2025-10", "export_restriction", EXPORT_RESTRICTION_START,
               np.flatnonzero((mfr == "Nexperia") & (assy == "CN")), rng,
               {"stock_drop": [0.80, 0.95], "ramp_days": [3, 10], "price_factor": [8.0, 12.0],
                "lead_time_add_weeks": [8, 20], "demand_mult": 1.5, "restock_share": 0.0, "delist_share": 0.35},
               "China restricts exports from Nexperia's Chinese assembly/test plants after the Dutch "
               "government takes control of Nexperia; mature-node MOSFETs and logic ~$0.03 -> $0.30-0.40",
               price_digits=2, manufacturer="Nexperia", category="mosfet_logic", country="CN"),
    ]


def build_lifecycles(cat: Catalog, start: date, days: int, exclude: set[int],
                     rng: np.random.Generator) -> list[Lifecycle]:
    candidates = np.array([i for i in range(len(cat)) if i not in exclude and cat.category[i] != "passive"])
    count = min(len(candidates), max(2, round(0.03 * len(cat))))
    chosen = np.sort(rng.choice(candidates, count, replace=False))
    out = []
    for k, part in enumerate(chosen):
        notice = start + timedelta(days=int(rng.integers(min(3, days - 1), max(4, days - 3))))
        nrnd = notice - timedelta(days=int(rng.integers(30, 150)))
        # every third one has a short last-time-buy window, so Obsolete shows up inside a 7-month span
        ltb = notice + timedelta(days=int(rng.integers(30, 60) if k % 3 == 0 else rng.integers(90, 181)))
        out.append(Lifecycle(int(part), nrnd, notice, ltb, ltb + timedelta(days=1)))
    return out


# --------------------------------------------------------------------------------------------------
# Decoys and missing days
# --------------------------------------------------------------------------------------------------


@dataclass
class Decoys:
    stockouts: list[tuple[int, int, int]]  # (seller, part, day)
    outage: tuple[int, int] | None  # (seller, day): the seller is absent from its feed that day
    promotion: tuple[int, np.ndarray, int, int, float] | None  # (seller, parts, first day, last day, factor)
    missing: dict[str, list[int]]  # source -> day indices with no folder


@dataclass
class DayState:
    day: int
    date: date
    listed: np.ndarray  # (S, P) bool
    stock: np.ndarray  # (S, P) int64, display value (decoy stock-outs applied)
    price_mult: np.ndarray  # (S, P) unit price / catalog base price, all effects applied
    lead_weeks: np.ndarray  # (S, P) int64
    lifecycle: np.ndarray  # (P,) int8 index into LIFECYCLE_NAMES
    on_order: np.ndarray  # (S, P) int64 quantity of the pending restock (0 if none)
    on_order_day: np.ndarray  # (S, P) int64 day index of its arrival
    present: dict[str, bool]  # source -> has a folder today
    seller_present: np.ndarray  # (S,) bool: the seller is in its feed today


class Market:
    def __init__(self, cat: Catalog, distributors: int, start: date, days: int, seed: int):
        self.cat = cat
        self.start = start
        self.n_days = days
        self.sellers = sellers_for(distributors)
        self.sources = sorted({s.source for s in self.sellers})
        n_s, n_p = len(self.sellers), len(cat)
        rng = np.random.default_rng([seed, 2])
        self._rng_days = np.random.default_rng([seed, 4])

        self.events = build_events(cat, np.random.default_rng([seed, 3]))
        self.hit_parts = hit = {p for ev in self.events for p in ev.parts.tolist()}
        self.lifecycles = build_lifecycles(cat, start, days, hit, np.random.default_rng([seed, 5]))
        self.unstable = hit | {lc.part for lc in self.lifecycles}

        # who lists what; brokers gravitate to parts in trouble
        cover = np.array([s.coverage for s in self.sellers])[:, None]
        trouble = np.zeros(n_p, dtype=bool)
        trouble[list(hit)] = True
        is_broker = np.array([s.broker for s in self.sellers])
        cover = np.where(is_broker[:, None] & trouble[None, :], 0.75, cover)
        self.carries = rng.random((n_s, n_p)) < cover
        # every part is at DigiKey or Mouser, and parts in trouble at both (the feeds one would check first)
        self.carries[0] |= ~self.carries[1]
        self.carries[:2, trouble] = True
        self.is_broker = is_broker

        # stock targets: cheaper parts are stocked in larger quantities
        base = cat.base_price
        depth = np.array([s.depth for s in self.sellers])[:, None]
        median = np.clip(3000.0 / base ** 0.8, 50, 3e6) * cat.popularity
        self.target = median[None, :] * depth * np.exp(rng.normal(0, 0.5, (n_s, n_p)))
        self.daily_rate = rng.uniform(0.005, 0.02, (n_s, n_p))
        self.reorder_point = rng.uniform(0.4, 0.6, (n_s, n_p))
        self.restock_lag = rng.integers(5, 22, (n_s, n_p))
        self.restock_lag[is_broker] = rng.integers(10, 41, (int(is_broker.sum()), n_p))
        self.price_level = np.array([s.price_level for s in self.sellers])[:, None] * np.exp(
            rng.normal(0, 0.03, (n_s, n_p)))
        self.lead_offset = rng.integers(-1, 2, (n_s, n_p))
        self.lead_offset[:2] = 0  # DigiKey and Mouser both quote the manufacturer's lead time

        # initial state (events already under way at the start are applied to it)
        self.event_day = [(ev.start - start).days for ev in self.events]
        level0, *_ = self._effects(-1)
        self.stock = self.target * rng.uniform(0.5, 1.0, (n_s, n_p)) * level0[None, :]
        self.prev_level = level0
        self.on_order = np.zeros((n_s, n_p))
        self.on_order_day = np.full((n_s, n_p), -1, dtype=np.int64)
        self.drift = np.ones((n_s, n_p))
        self.lead_drift = np.zeros(n_p)
        self.delisted = np.zeros((n_s, n_p), dtype=bool)
        # scheduled delistings: export restriction (authorized sellers withdraw) and obsolescence
        self.delist_day = np.full((n_s, n_p), np.iinfo(np.int64).max, dtype=np.int64)
        authorized = ~is_broker
        for ev, ev_day in zip(self.events, self.event_day, strict=True):
            if ev.delist_share <= 0 or len(ev.parts) == 0:
                continue
            withdraw = (rng.random((n_s, len(ev.parts))) < ev.delist_share) & authorized[:, None]
            when = ev_day + ev.ramp_days[None, :] + rng.integers(0, 6, (n_s, len(ev.parts)))
            self.delist_day[:, ev.parts] = np.where(withdraw, when, self.delist_day[:, ev.parts])
        for lc in self.lifecycles:
            withdraw = rng.random(n_s) < 0.6
            when = (lc.obsolete - start).days + rng.integers(0, 21, n_s)
            self.delist_day[:, lc.part] = np.where(withdraw, when, self.delist_day[:, lc.part])

        self.decoys = self._build_decoys(np.random.default_rng([seed, 6]))

    # ----------------------------------------------------------------------------------------------
    def _effects(self, t: int):
        """Per-part multipliers on day index t: stock level, price, lead weeks added, demand, supply."""
        n_p = len(self.cat)
        level = np.ones(n_p)
        price = np.ones(n_p)
        lead = np.zeros(n_p)
        demand = np.ones(n_p)
        supply = np.ones(n_p)
        for ev, ev_day in zip(self.events, self.event_day, strict=True):
            if len(ev.parts) == 0 or t < ev_day:
                continue
            r = np.clip((t - ev_day + 1) / ev.ramp_days, 0.0, 1.0)
            level[ev.parts] *= 1.0 - ev.stock_drop * r
            price[ev.parts] *= 1.0 + (ev.price_factor - 1.0) * r
            lead[ev.parts] += ev.lead_add_weeks * r
            demand[ev.parts] *= ev.demand_mult
            supply[ev.parts] = np.minimum(supply[ev.parts], ev.supply)
        return level, price, lead, demand, supply

    def lifecycle_on(self, t: int) -> np.ndarray:
        state = np.zeros(len(self.cat), dtype=np.int8)
        today = self.start + timedelta(days=t)
        for lc in self.lifecycles:
            if today >= lc.obsolete:
                state[lc.part] = 3
            elif today >= lc.notice:
                state[lc.part] = 2
            elif today >= lc.nrnd:
                state[lc.part] = 1
        return state

    def _build_decoys(self, rng: np.random.Generator) -> Decoys:
        days = self.n_days
        export_day = next((d for ev, d in zip(self.events, self.event_day, strict=True)
                           if ev.kind == "export_restriction"), -100)
        quiet = [d for d in range(1, days - 1) if not (export_day - 2 <= d <= export_day + 12)]
        missing: dict[str, list[int]] = {}
        for source in self.sources:
            k = min(len(quiet), max(1, round(days / 70)) + int(rng.integers(0, 2)))
            missing[source] = sorted(int(d) for d in rng.choice(quiet, k, replace=False)) if k else []
        n_s = len(self.sellers)
        src_index = {s: [i for i, x in enumerate(self.sellers) if x.source == s] for s in self.sources}

        def feed_has(seller: int, day: int) -> bool:
            return day not in missing[self.sellers[seller].source]

        stable = [p for p in range(len(self.cat)) if p not in self.unstable]
        stockouts: list[tuple[int, int, int]] = []
        n_out = int(np.ceil(0.06 * len(stable)))
        authorized = [i for i in range(n_s) if not self.sellers[i].broker]
        for p in sorted(rng.choice(stable, min(n_out, len(stable)), replace=False).tolist()):
            options = [s for s in authorized if self.carries[s, p]]
            if not options:
                continue
            s = int(options[int(rng.integers(len(options)))])
            days_ok = [d for d in range(2, days - 1) if feed_has(s, d)]
            if days_ok:
                stockouts.append((s, int(p), int(days_ok[int(rng.integers(len(days_ok)))])))
        # one whole Nexar-only distributor (Arrow) missing from the Nexar response for one day
        arrow = next(i for i, s in enumerate(self.sellers) if s.source == "nexar" and s.authorized)
        outage_days = [d for d in range(2, days - 1) if feed_has(arrow, d) and d not in {x[2] for x in stockouts}]
        outage = (arrow, int(outage_days[int(rng.integers(len(outage_days)))])) if outage_days else None
        promotion = None
        if days >= 12:
            mouser = src_index["mouser"][0]
            cands = [p for p in stable if self.carries[mouser, p]]
            k = min(len(cands), max(3, len(cands) // 40))
            if k:
                parts = np.sort(rng.choice(cands, k, replace=False))
                first = int(rng.integers(2, days - 9))
                promotion = (mouser, parts, first, first + 6, float(np.round(rng.uniform(0.75, 0.85), 2)))
        return Decoys(stockouts, outage, promotion, missing)

    # ----------------------------------------------------------------------------------------------
    def days(self) -> Iterator[DayState]:
        rng = self._rng_days
        cat = self.cat
        n_s, n_p = self.carries.shape
        non_event = np.ones(n_p, dtype=bool)
        non_event[list(self.hit_parts)] = False
        stockout_by_day: dict[int, list[tuple[int, int]]] = {}
        for s, p, d in self.decoys.stockouts:
            stockout_by_day.setdefault(d, []).append((s, p))
        cancel_days = {d: ev.parts for ev, d in zip(self.events, self.event_day, strict=True) if ev.supply == 0.0}
        for t in range(self.n_days):
            level, price_ev, lead_add, demand_mult, supply = self._effects(t)
            lifecycle = self.lifecycle_on(t)
            supply = supply * np.choose(lifecycle, [1.0, 1.0, 0.5, 0.0])
            demand_mult = demand_mult * np.choose(lifecycle, [1.0, 0.9, 1.6, 0.5])

            # demand burns stock (allocation shrinks with the supply level); arrivals land; event ramps
            # scale what is left
            noise = rng.lognormal(0.0, 0.35, (n_s, n_p))
            demand = self.target * self.daily_rate * (demand_mult * level)[None, :] * noise
            self.stock = np.maximum(self.stock - demand, 0.0)
            if t in cancel_days:  # restricted exports: what was on the water never arrives
                self.on_order[:, cancel_days[t]] = 0.0
                self.on_order_day[:, cancel_days[t]] = -1
            arriving = self.on_order_day == t
            self.stock = np.where(arriving, self.stock + self.on_order, self.stock)
            self.on_order = np.where(arriving, 0.0, self.on_order)
            self.on_order_day = np.where(arriving, -1, self.on_order_day)
            ratio = np.divide(level, self.prev_level, out=np.ones(n_p), where=self.prev_level > 0)
            self.stock *= np.minimum(ratio, 1.0)[None, :]
            self.prev_level = level

            # restock orders: below the reorder point with nothing on order
            cap = self.target * level[None, :]
            reorder = (self.stock < self.reorder_point * cap) & (self.on_order_day < 0) & (supply[None, :] > 0)
            qty = (cap - self.stock) * supply[None, :] * rng.uniform(0.8, 1.2, (n_s, n_p))
            lag = np.where(supply[None, :] < 1.0, self.restock_lag * 2, self.restock_lag)
            self.on_order = np.where(reorder, np.maximum(qty, 0.0), self.on_order)
            self.on_order_day = np.where(reorder, t + lag, self.on_order_day)

            # prices: rare list-price revisions on parts no event moves, plus the event factors
            revise = (rng.random((n_s, n_p)) < 0.002) & non_event[None, :]
            self.drift = np.where(revise, self.drift * rng.uniform(0.96, 1.06, (n_s, n_p)), self.drift)
            price_mult = self.price_level * self.drift * price_ev[None, :]
            spot = self.is_broker[:, None] & ~non_event[None, :] & (price_ev[None, :] > 1.5)
            price_mult = np.where(spot, price_mult * 1.5, price_mult)  # brokers' spot premium in a crisis

            # lead time: occasional factory quote changes, plus the event stretch
            change = (rng.random(n_p) < 0.003) & non_event
            self.lead_drift = np.where(change, np.clip(self.lead_drift + rng.choice([-1, 1], n_p), -3, 4),
                                       self.lead_drift)
            weeks = cat.lead_weeks + self.lead_drift + np.round(lead_add)
            lead_weeks = np.maximum(weeks[None, :] + self.lead_offset, 1).astype(np.int64)

            self.delisted |= self.delist_day <= t
            listed = self.carries & ~self.delisted
            stock = np.floor(self.stock).astype(np.int64)
            for s, p in stockout_by_day.get(t, ()):
                stock[s, p] = 0  # decoy: a one-day stock-out at one distributor
            promo = self.decoys.promotion
            if promo is not None and promo[2] <= t <= promo[3]:
                price_mult[promo[0], promo[1]] *= promo[4]
            present = {src: t not in self.decoys.missing[src] for src in self.sources}
            seller_present = np.array([present[s.source] for s in self.sellers])
            if self.decoys.outage is not None and self.decoys.outage[1] == t:
                seller_present[self.decoys.outage[0]] = False
            yield DayState(t, self.start + timedelta(days=t), listed, stock, price_mult, lead_weeks, lifecycle,
                           np.floor(self.on_order).astype(np.int64), self.on_order_day.copy(), present,
                           seller_present)

"""Benchmark path: the staged offer grain (``stg_feeds__offers``) and its price breaks
(``stg_feeds__price_breaks``) straight from the market model, without writing provider JSON.

One day is built at a time with numpy + pyarrow ``take`` (no Python loop over rows) and written as one
Parquet row group, so memory stays bounded by a day whatever the tier: 20,000 parts × 6 distributors ×
90 days ≈ 14M offer rows; 50,000 parts × 6 × 130 days ≈ 50M.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from time import perf_counter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.partkey import normalize_mpn
from orchestration.simulate.catalog import MANUFACTURERS, build_catalog
from orchestration.simulate.feeds import (
    LIFECYCLE_DIGIKEY,
    LIFECYCLE_MOUSER,
    LIFECYCLE_NEXAR,
    LIFECYCLE_TME,
    PACKAGING_NAMES,
    FeedWriter,
)
from orchestration.simulate.market import (
    BROKER_CSV_SOURCE,
    EUR_USD,
    LIFECYCLE_NAMES,
    DayState,
    Market,
    ladder_factor,
    ladder_quantities,
)

OFFER_SCHEMA = pa.schema([
    ("snapshot_date", pa.date32()), ("source", pa.string()), ("distributor", pa.string()), ("sku", pa.string()),
    ("stock_pool", pa.string()), ("mpn", pa.string()), ("mpn_raw", pa.string()), ("manufacturer", pa.string()),
    ("manufacturer_raw", pa.string()), ("category", pa.string()), ("stock", pa.int64()), ("moq", pa.int64()),
    ("order_multiple", pa.int64()), ("packaging", pa.string()), ("lead_time_days", pa.int32()),
    ("lifecycle_status", pa.string()), ("lifecycle_raw", pa.string()), ("currency", pa.string()),
    ("is_authorized", pa.bool_()), ("is_broker", pa.bool_()), ("is_duplicate_listing", pa.bool_()),
])
PRICE_SCHEMA = pa.schema([
    ("snapshot_date", pa.date32()), ("source", pa.string()), ("distributor", pa.string()), ("sku", pa.string()),
    ("quantity", pa.int64()), ("unit_price_usd", pa.float64()),
])


@dataclass
class _Listing:
    """One way a seller lists a part in one source (a DigiKey packaging variation, a Nexar duplicate…)."""

    seller: int
    source: str
    style: str
    sku: pa.Array  # per part
    stock_pool: pa.Array
    packaging: pa.Array
    manufacturer_raw: pa.Array
    lifecycle_raw: list[pa.Array]  # per lifecycle state, constant
    moq: np.ndarray  # per part
    reel: bool  # stock shown in whole reels
    currency: pa.Array  # per part: "USD" | "EUR"
    has_lead: bool
    duplicate_of: str | None = None  # own-feed source this Nexar listing duplicates
    q: np.ndarray | None = None  # (P, L) break quantities, 0 = padding
    unit: np.ndarray | None = None  # (P, L) USD unit price at price_mult 1


def _const(value: str | None, n: int) -> pa.Array:
    return pa.array([value], pa.string()).take(pa.array(np.zeros(n, dtype=np.int32)))


def _strings(values: list[str | None]) -> pa.Array:
    return pa.array(values, pa.string())


class StagedBuilder:
    def __init__(self, parts: int, distributors: int, days: int, start: date, seed: int):
        self.cat = build_catalog(parts, np.random.default_rng([seed, 1]))
        self.market = Market(self.cat, distributors, start, days, seed)
        fw = FeedWriter(Path("."), self.market, skus_only=True)  # only for its SKU tables; writes nothing
        cat, n = self.cat, len(self.cat)
        makers = [MANUFACTURERS[m] for m in cat.manufacturer]
        self.mpn_raw = _strings(cat.mpn)
        self.mpn = _strings([normalize_mpn(m, f) for m, f in zip(cat.mpn, cat.manufacturer, strict=True)])
        self.manufacturer = _strings(cat.manufacturer)
        self.category = _strings(cat.category)
        pack = cat.pack_size.astype(np.int64)
        pack_names = [PACKAGING_NAMES[k] for k in cat.pack_kind]
        is_reel = np.array([k == "reel" for k in cat.pack_kind])
        usd = _const("USD", n)
        self.listings: list[_Listing] = []

        def add(listing: _Listing) -> None:
            q = [ladder_quantities(listing.style, int(pack[p]), int(fw.tme_min[p])) for p in range(n)]
            width = max(len(x) for x in q)
            qa = np.zeros((n, width), dtype=np.int64)
            for p, row in enumerate(q):
                qa[p, : len(row)] = row
            listing.q = qa
            listing.unit = cat.base_price[:, None] * ladder_factor(np.maximum(qa, 1), cat.base_price[:, None])
            self.listings.append(listing)

        for s, seller in enumerate(self.market.sellers):
            names = {"digikey": [m.digikey_name for m in makers], "mouser": [m.mouser_name for m in makers],
                     "nexar": [m.nexar_name for m in makers], "tme": [m.tme_name for m in makers],
                     BROKER_CSV_SOURCE: [m.broker_name for m in makers]}
            if seller.source == "digikey":
                pool = _strings([fw.digikey_skus[p][1][0] if is_reel[p] else fw.digikey_skus[p][0][0] for p in range(n)])
                life = [_const(x[1], 1) for x in LIFECYCLE_DIGIKEY]
                for k, (style, reel) in enumerate((("digikey_tr", True), ("digikey_ct", False), ("digikey_ct", False))):
                    # k: 0 TR, 1 CT, 2 Digi-Reel for reel parts; tray/tube parts have one variation
                    sku = [fw.digikey_skus[p][k][0] if is_reel[p] else (fw.digikey_skus[p][0][0] if k == 1 else None)
                           for p in range(n)]
                    pk = [fw.digikey_skus[p][k][1] if is_reel[p] else pack_names[p] for p in range(n)]
                    add(_Listing(s, "digikey", style, _strings(sku), pool, _strings(pk), _strings(names["digikey"]),
                                 life, pack if reel else np.ones(n, dtype=np.int64), reel, usd, True))
                ct = _strings([fw.digikey_skus[p][1][0] if is_reel[p] else fw.digikey_skus[p][0][0] for p in range(n)])
                add(_Listing(s, "nexar", "digikey_ct", ct, ct,
                             _strings(["Cut Tape" if r else pn for r, pn in zip(is_reel, pack_names, strict=True)]),
                             _strings(names["nexar"]), [_const(x, 1) for x in LIFECYCLE_NEXAR],
                             np.ones(n, dtype=np.int64), False, usd, True, duplicate_of="digikey"))
            elif seller.source == "mouser":
                sku = _strings(fw.mouser_sku)
                pk = _strings(["Reel" if r else pn for r, pn in zip(is_reel, pack_names, strict=True)])
                cur = _strings(["EUR" if e else "USD" for e in fw.mouser_eur])
                add(_Listing(s, "mouser", "mouser", sku, sku, pk, _strings(names["mouser"]),
                             [_const(x, 1) for x in LIFECYCLE_MOUSER], np.ones(n, dtype=np.int64), False, cur, True))
                add(_Listing(s, "nexar", "mouser", sku, sku, pk, _strings(names["nexar"]),
                             [_const(x, 1) for x in LIFECYCLE_NEXAR], np.ones(n, dtype=np.int64), False, usd, True,
                             duplicate_of="mouser"))
            elif seller.source == "tme":
                sku = _strings(fw.tme_symbol)
                add(_Listing(s, "tme", "tme", sku, sku, _strings(pack_names), _strings(names["tme"]),
                             [_const(x[0] if x else None, 1) for x in LIFECYCLE_TME], fw.tme_min.astype(np.int64),
                             False, _const("EUR", n), False))
            else:
                sku = _strings(fw.other_sku[seller.name] if seller.source == "nexar"
                               else [f"AMP-{p + 1:06d}" for p in range(n)])
                full = seller.ladder == "reel"
                pk = _strings(["Tape & Reel" if full and r else ("Cut Tape" if r else pn)
                               for r, pn in zip(is_reel, pack_names, strict=True)])
                moq = np.array([ladder_quantities(seller.ladder, int(pack[p]))[0] for p in range(n)], dtype=np.int64)
                life = ([_const(x, 1) for x in LIFECYCLE_NEXAR] if seller.source == "nexar"
                        else [_const(None, 1)] * 4)
                add(_Listing(s, seller.source, seller.ladder, sku, sku, pk, _strings(names[seller.source]), life, moq,
                             full, usd, not seller.broker or seller.source != "nexar"))
        self.is_reel = is_reel
        self.pack = pack
        self.statuses = [_const(x, 1) for x in LIFECYCLE_NAMES]

    # ----------------------------------------------------------------------------------------------
    def day_tables(self, state: DayState) -> tuple[pa.Table, pa.Table]:
        offers, prices = [], []
        day = pa.scalar(state.date, pa.date32())
        market = self.market
        for lst in self.listings:
            seller = market.sellers[lst.seller]
            if not state.present[lst.source]:
                continue
            if lst.source == "nexar" and not state.seller_present[lst.seller]:
                continue
            mask = state.listed[lst.seller].copy()
            if lst.source == "digikey" and lst.sku.null_count:
                mask &= ~np.asarray(lst.sku.is_null().to_numpy(zero_copy_only=False))
            if lst.source == BROKER_CSV_SOURCE:
                mask &= state.stock[lst.seller] > 0
            idx = np.flatnonzero(mask)
            n = len(idx)
            if n == 0:
                continue
            take = pa.array(idx.astype(np.int64))
            stock = state.stock[lst.seller, idx]
            if lst.reel:
                stock = (stock // self.pack[idx]) * self.pack[idx]
            life = state.lifecycle[idx]
            life_codes = pa.array(life.astype(np.int32))
            lifecycle_raw = pa.chunked_array([a for a in lst.lifecycle_raw]).combine_chunks().take(life_codes)
            lead = (state.lead_weeks[lst.seller, idx] * 7).astype(np.int32)
            duplicate = lst.duplicate_of is not None and state.present[lst.duplicate_of]
            cur = lst.currency.take(take)
            eur = np.asarray(pc.equal(cur, "EUR").to_numpy(zero_copy_only=False))
            offers.append(pa.table({
                "snapshot_date": pa.repeat(day, n) if hasattr(pa, "repeat") else pa.array([state.date] * n, pa.date32()),
                "source": _const(lst.source, n), "distributor": _const(seller.name, n),
                "sku": lst.sku.take(take), "stock_pool": lst.stock_pool.take(take),
                "mpn": self.mpn.take(take), "mpn_raw": self.mpn_raw.take(take),
                "manufacturer": self.manufacturer.take(take), "manufacturer_raw": lst.manufacturer_raw.take(take),
                "category": self.category.take(take), "stock": pa.array(stock, pa.int64()),
                "moq": pa.array(lst.moq[idx], pa.int64()), "order_multiple": pa.array(lst.moq[idx], pa.int64()),
                "packaging": lst.packaging.take(take),
                "lead_time_days": pa.array(lead, pa.int32()) if lst.has_lead else pa.nulls(n, pa.int32()),
                "lifecycle_status": pa.chunked_array(self.statuses).combine_chunks().take(life_codes),
                "lifecycle_raw": lifecycle_raw, "currency": cur,
                "is_authorized": pa.array(np.full(n, seller.authorized)), "is_broker": pa.array(np.full(n, seller.broker)),
                "is_duplicate_listing": pa.array(np.full(n, duplicate)),
            }, schema=OFFER_SCHEMA))
            q = lst.q[idx]
            unit = lst.unit[idx] * state.price_mult[lst.seller, idx][:, None]
            valid = q > 0
            rows = np.repeat(np.arange(n), valid.sum(axis=1))
            # prices are quoted in local currency then converted back: keep the rounding a feed would have
            local = np.where(eur[:, None], np.round(unit / EUR_USD, 5) * EUR_USD, np.round(unit, 5))
            prices.append(pa.table({
                "snapshot_date": pa.repeat(day, len(rows)) if hasattr(pa, "repeat") else pa.array([state.date] * len(rows), pa.date32()),
                "source": _const(lst.source, len(rows)), "distributor": _const(seller.name, len(rows)),
                "sku": lst.sku.take(pa.array(idx[rows].astype(np.int64))),
                "quantity": pa.array(q[valid], pa.int64()), "unit_price_usd": pa.array(np.round(local[valid], 6)),
            }, schema=PRICE_SCHEMA))
        empty_o, empty_p = OFFER_SCHEMA.empty_table(), PRICE_SCHEMA.empty_table()
        return (pa.concat_tables(offers) if offers else empty_o, pa.concat_tables(prices) if prices else empty_p)

    def iter_days(self) -> Iterator[tuple[date, pa.Table, pa.Table]]:
        for state in self.market.days():
            offers, prices = self.day_tables(state)
            yield state.date, offers, prices


@dataclass
class StagedSummary:
    offers_path: Path
    price_breaks_path: Path
    offer_rows: int
    price_break_rows: int
    bytes: int
    seconds: float


def write_staged_offers_parquet(out_dir: Path, parts: int, distributors: int, days: int, start: date, seed: int,
                                progress: Callable[[str], None] | None = None) -> StagedSummary:
    """Write ``stg_feeds__offers.parquet`` and ``stg_feeds__price_breaks.parquet`` into `out_dir`, one row
    group per snapshot day (memory bounded by one day)."""
    t0 = perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    offers_path, prices_path = out_dir / "stg_feeds__offers.parquet", out_dir / "stg_feeds__price_breaks.parquet"
    builder = StagedBuilder(parts, distributors, days, start, seed)
    n_offers = n_prices = 0
    with pq.ParquetWriter(offers_path, OFFER_SCHEMA, compression="zstd", compression_level=1) as ow, \
            pq.ParquetWriter(prices_path, PRICE_SCHEMA, compression="zstd", compression_level=1) as pw:
        for k, (day, offers, prices) in enumerate(builder.iter_days(), start=1):
            ow.write_table(offers)
            pw.write_table(prices)
            n_offers += offers.num_rows
            n_prices += prices.num_rows
            if progress and (k % 10 == 0 or k == days):
                progress(f"{day}: {n_offers:,} offers, {n_prices:,} price breaks, {perf_counter() - t0:.1f}s")
    size = offers_path.stat().st_size + prices_path.stat().st_size
    return StagedSummary(offers_path, prices_path, n_offers, n_prices, size, perf_counter() - t0)


def simulate_staged_offers(parts: int, distributors: int, days: int, start: date, seed: int):
    """(offers, price_breaks) as Polars DataFrames, for sizes that fit in memory; use
    ``write_staged_offers_parquet`` for the benchmark tiers."""
    import polars as pl

    builder = StagedBuilder(parts, distributors, days, start, seed)
    offers, prices = [], []
    for _day, o, p in builder.iter_days():
        offers.append(o)
        prices.append(p)
    return (pl.from_arrow(pa.concat_tables(offers)), pl.from_arrow(pa.concat_tables(prices)))

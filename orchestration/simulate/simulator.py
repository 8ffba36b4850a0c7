"""``simulate()``: write a complete, deterministic landing tree (feeds, BOMs, plan, inventory, reference,
truth.json) from one seed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from time import perf_counter

import numpy as np

from orchestration.simulate.catalog import MANUFACTURERS, build_catalog
from orchestration.simulate.feeds import FeedWriter
from orchestration.simulate.market import BROKER_CSV_SOURCE, EUR_USD, LIFECYCLE_NAMES, Market
from orchestration.simulate.planning import PlanWriter

OWNED = ("feeds", "boms", "plan", "inventory", "reference", "truth.json")


@dataclass
class SimulationSummary:
    out: Path
    parts: int
    distributors: int
    days: int
    start: date
    seed: int
    sources: list[str]
    sellers: list[str]
    files: int
    bytes: int
    offers: int
    events: dict[str, int] = field(default_factory=dict)  # event kind -> parts hit
    decoys: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        return (f"{self.files} files, {self.bytes / 1e6:.1f} MB, {self.offers} offers, "
                f"{self.days} days from {self.start}, {self.parts} parts, sellers: {', '.join(self.sellers)}; "
                f"{self.seconds:.1f}s")


def _clear(out: Path) -> None:
    """Replace a previous simulator output; refuse to mix into some other landing tree."""
    if (out / "truth.json").is_file():
        for name in OWNED:
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    elif (out / "feeds").is_dir() and any((out / "feeds").iterdir()):
        raise FileExistsError(f"{out}/feeds exists and is not a simulator output; choose an empty --out")


def _part(cat, p: int) -> dict:
    return {"mpn": cat.mpn[p], "manufacturer": cat.manufacturer[p]}


def build_truth(market: Market, plan, seed: int) -> dict:
    cat = market.cat
    start, days = market.start, market.n_days
    end = start + timedelta(days=days - 1)
    events = []
    for ev in market.events:
        if len(ev.parts) == 0 or ev.start > end:
            continue
        entry = {"event_id": ev.event_id, "kind": ev.kind, "start": ev.start.isoformat(), "end": ev.end.isoformat(),
                 "onset_in_span": start <= ev.start <= end}
        entry.update({key: getattr(ev, key) for key in ("manufacturer", "category", "country") if getattr(ev, key)})
        entry["note"] = ev.note
        entry["shape"] = ev.shape
        entry["parts"] = [
            {**_part(cat, int(p)), "ramp_days": int(ev.ramp_days[k]), "stock_drop": float(ev.stock_drop[k]),
             "price_factor": float(ev.price_factor[k]), "lead_time_add_weeks": int(ev.lead_add_weeks[k]),
             "assembly_country": cat.assembly_country[int(p)]}
            for k, p in enumerate(ev.parts.tolist())]
        events.append(entry)
    for lc in market.lifecycles:
        events.append({
            "event_id": f"lifecycle-{lc.part:05d}", "kind": "lifecycle", "start": lc.notice.isoformat(),
            "end": lc.ltb.isoformat(), "onset_in_span": start <= lc.notice <= end,
            "manufacturer": cat.manufacturer[lc.part], "category": cat.category[lc.part],
            "note": "EOL notice with a last-time-buy date; Obsolete the day after the LTB date",
            "shape": {"nrnd_date": lc.nrnd.isoformat(), "eol_notice_date": lc.notice.isoformat(),
                      "ltb_date": lc.ltb.isoformat(), "obsolete_date": lc.obsolete.isoformat(),
                      "states": list(LIFECYCLE_NAMES), "eol_demand_mult": 1.6, "eol_restock_share": 0.5},
            "parts": [_part(cat, lc.part)]})

    sellers = market.sellers
    decoys = []
    for k, (s, p, d) in enumerate(market.decoys.stockouts, start=1):
        decoys.append({"decoy_id": f"stockout-{k:03d}", "kind": "one_day_stockout",
                       "date": (start + timedelta(days=d)).isoformat(), "distributor": sellers[s].name,
                       "source": sellers[s].source, "shape": {"stock": 0, "days": 1}, "parts": [_part(cat, p)]})
    if market.decoys.outage is not None:
        s, d = market.decoys.outage
        decoys.append({"decoy_id": "outage-001", "kind": "feed_outage", "date": (start + timedelta(days=d)).isoformat(),
                       "distributor": sellers[s].name, "source": sellers[s].source,
                       "shape": {"days": 1, "note": "the seller is absent from that day's response"}, "parts": []})
    if market.decoys.promotion is not None:
        s, parts, first, last, factor = market.decoys.promotion
        decoys.append({"decoy_id": "promotion-001", "kind": "promotion",
                       "start": (start + timedelta(days=first)).isoformat(),
                       "end": (start + timedelta(days=last)).isoformat(), "distributor": sellers[s].name,
                       "source": sellers[s].source, "shape": {"price_factor": factor, "days": last - first + 1},
                       "parts": [_part(cat, int(p)) for p in parts.tolist()]})
    return {
        "seed": seed, "start": start.isoformat(), "end": end.isoformat(), "days": days, "parts": len(cat),
        "distributors": [{"name": s.name, "source": s.source, "country": s.country, "is_authorized": s.authorized,
                          "is_broker": s.broker} for s in sellers],
        "fx_usd_per_unit": {"EUR": EUR_USD, "USD": 1.0},
        "events": events,
        "decoys": decoys,
        "missing_days": {src: [(start + timedelta(days=d)).isoformat() for d in days_]
                         for src, days_ in sorted(market.decoys.missing.items())},
        "products": plan.products,
        "manufacturer_names": {
            name: {"digikey": m.digikey_name, "mouser": m.mouser_name, "nexar": m.nexar_name, "tme": m.tme_name,
                   BROKER_CSV_SOURCE: m.broker_name, "boms": list(m.bom_names)}
            for name, m in sorted(MANUFACTURERS.items()) if name in set(cat.manufacturer)},
    }


def simulate(out: Path, *, parts: int, distributors: int, days: int, start: date, seed: int,
             progress: Callable[[str], None] | None = None, compress: bool = False) -> SimulationSummary:
    """Write a complete landing tree for `parts` parts, `distributors` authorized distributors (>= 4) and
    `days` daily snapshots from `start` into `out`. Same arguments, same bytes."""
    t0 = perf_counter()
    out = Path(out)
    if days < 1:
        raise ValueError("days must be at least 1")
    out.mkdir(parents=True, exist_ok=True)
    _clear(out)
    say = progress or (lambda _msg: None)
    cat = build_catalog(parts, np.random.default_rng([seed, 1]))
    market = Market(cat, distributors, start, days, seed)
    say(f"catalog: {len(cat)} parts; sellers: {', '.join(s.name for s in market.sellers)}")
    writer = FeedWriter(out, market, compress=compress)
    for state in market.days():
        writer.write_day(state)
        if (state.day + 1) % 30 == 0 or state.day + 1 == days:
            say(f"feeds: {state.day + 1}/{days} days, {writer.stats.files} files, {writer.stats.bytes / 1e6:.1f} MB")
    writer.write_broker_mapping()
    planner = PlanWriter(out, market, seed)
    plan = planner.write_all()
    truth = build_truth(market, plan, seed)
    text = json.dumps(truth, ensure_ascii=False, indent=1) + "\n"
    (out / "truth.json").write_text(text, encoding="utf-8")
    events: dict[str, int] = {}
    for e in truth["events"]:
        events[e["kind"]] = events.get(e["kind"], 0) + len(e["parts"])
    summary = SimulationSummary(
        out=out, parts=len(cat), distributors=distributors, days=days, start=start, seed=seed,
        sources=list(market.sources), sellers=[s.name for s in market.sellers],
        files=writer.stats.files + len(plan.files) + 1, bytes=writer.stats.bytes + planner.bytes + len(text.encode()),
        offers=writer.stats.offers, events=events, decoys=len(truth["decoys"]), seconds=perf_counter() - t0)
    say(summary.describe())
    return summary

"""Buying policies: each a plain function of what is known on the day, returning the day's orders.

A policy sees `Known` only: the day's planned use, its own stock position, the day's quotes and the
day's buffer plan. It never sees a later day. Adding a policy is one function and one line in POLICIES.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from orchestration.policy import PlanPolicy

Part = tuple[str, str]  # (mpn, manufacturer)
FLOW = "flow"  # stock for the planned use until the next delivery
BUFFER = "buffer"  # stock held against a shortage
# Days between two looks at the plan: Just-in-Time buys what this many days (plus shipping) need.
REVIEW_DAYS = 7


@dataclass(frozen=True)
class Order:
    item: Part  # what is bought: the part itself or an alternate of it
    units: float  # negative: that much of the item's buffer stock on hand is released to the flow
    purpose: str  # FLOW or BUFFER
    for_part: Part  # the BOM part the purchase serves
    # Capped orders of one day share the cap: together the replay fills no more than it costs.
    max_cost_usd: float | None = None
    # What the market cannot fill is backordered at the factory; False: it is left for another day.
    backorder: bool = True


@dataclass(frozen=True)
class PlanRow:
    """One row of the day's buffer plan (marts.buffer_plan_history)."""

    part: Part
    buy_item: Part
    unit_price_usd: float | None
    net_benefit: float | None
    strategy: str = "JIC"  # JIT, JIC, DUAL_SOURCE or LAST_TIME_BUY
    target_units: float = 0.0  # what the part's position should hold (flow and buffer, alternate included)
    stoppage_probability: float | None = None
    replenishment_days: float | None = None  # quoted lead time + shipping on the row's date
    snapshot_date: date | None = None  # the day the plan decided this row
    market_units: float | None = None  # authorized stock of buy_item on the row's date (None: not known)


@dataclass(frozen=True)
class Known:
    """Everything a policy may use on `day`: nothing after it."""

    day: date
    policy: PlanPolicy
    need: Mapping[Part, float]  # planned use today, units per day
    # flow stock on hand + on order due within shipping_days + REVIEW_DAYS (a far backorder does not cover today)
    flow_position: Mapping[Part, float]
    buffer_position: Mapping[Part, float]  # buffer stock on hand + on order
    buffer_capital_usd: float  # buffer stock on hand + on order, at cost
    buffer_on_hand: Mapping[Part, float] = field(default_factory=dict)  # buffer stock on hand
    flow_backordered: frozenset[Part] = frozenset()  # parts with a flow factory backorder open
    # the demand plan's use per day from today on (the plan is known ahead; the market is not)
    planned_need: Mapping[Part, tuple[float, ...]] = field(default_factory=dict)
    plan: tuple[PlanRow, ...] = field(default=())
    # each part's latest buffer decision (strategy other than JIT) of the plan, on today or before
    last_buffer_rows: Mapping[Part, PlanRow] = field(default_factory=dict)
    # the last lead time quoted up to today, per item the plan buys (days)
    quoted_lead_time_days: Mapping[Part, float] = field(default_factory=dict)

    def planned(self, part: Part, days: int) -> float:
        """Planned use of the part over the next `days` days, today included."""
        coming = self.planned_need.get(part)
        if coming is None:
            return self.need.get(part, 0.0) * days
        return sum(coming[:days]) + self.need.get(part, 0.0) * max(0, days - len(coming))

    def position(self, item: Part, purpose: str) -> float:
        positions = self.flow_position if purpose == FLOW else self.buffer_position
        return positions.get(item, 0.0)


def lacking_units(target_units: float, position: float) -> float:
    """Whole units that bring a position up to its target; 0 when it is covered."""
    lacking = target_units - position
    return float(math.ceil(lacking - 1e-9)) if lacking > 1e-9 else 0.0


def top_up(known: Known, item: Part, target_units: float, purpose: str, for_part: Part) -> list[Order]:
    """The order that brings a position up to its target (whole units), or none when it is covered."""
    units = lacking_units(target_units, known.position(item, purpose))
    return [Order(item, units, purpose, for_part)] if units > 0 else []


def just_in_time(known: Known) -> list[Order]:
    """What the next review period (and the shipping time) needs, from distributor stock; no safety stock.

    It orders when the flow position due soon no longer covers the plan's use until an order placed
    tomorrow arrives, up to the plan's use over the shipping time and the review period. What the market lacks is backordered once; while that backorder is open, the distributors
    are tried again each day.
    """
    orders = []
    shipping = known.policy.shipping_days
    for part, need in sorted(known.need.items()):
        if need > 0 and known.position(part, FLOW) < known.planned(part, shipping + 1):
            orders += [replace(order, backorder=part not in known.flow_backordered) for order in
                       top_up(known, part, known.planned(part, shipping + REVIEW_DAYS), FLOW, part)]
    return orders


def jic_blanket(known: Known) -> list[Order]:
    """Just-in-Time plus `jic_blanket_weeks` of cover held for every part."""
    weeks = known.policy.jic_blanket_weeks
    buffers = [order for part, need in sorted(known.need.items()) if need > 0
               for order in top_up(known, part, need * 7.0 * weeks, BUFFER, part)]
    return just_in_time(known) + buffers


def own_position(known: Known, row: PlanRow) -> float:
    """The replay's own position of the part: flow and buffer stock on hand and on order, the alternate's too."""
    position = known.position(row.part, FLOW) + known.position(row.part, BUFFER)
    if row.buy_item != row.part:
        position += known.position(row.buy_item, BUFFER)
    return position


def horizon_days(known: Known) -> int:
    return 7 * known.policy.planning_horizon_weeks


def buy_replenishment_days(known: Known, row: PlanRow) -> float | None:
    """How long a factory backorder of what the row buys takes: the row's own for the part, the
    alternate's quoted lead time + shipping for an alternate."""
    if row.buy_item == row.part:
        return row.replenishment_days
    lead_time = known.quoted_lead_time_days.get(row.buy_item)
    return None if lead_time is None else lead_time + known.policy.shipping_days


def held_buffer_rows(known: Known) -> list[PlanRow]:
    """The day's buffer decisions, each part's last one kept until the risk has been low for a lead time.

    A buffer is not sold off the day the band dips: a part the plan sets to JIT today keeps its latest
    buffer row until one replenishment time (that row's lead time + shipping, at most the planning
    horizon) has passed since it, while the part is still planned to be used.
    """
    rows = [row for row in known.plan if row.strategy != "JIT"]
    buffered = {row.part for row in rows}
    for part, row in sorted(known.last_buffer_rows.items()):
        if part in buffered or row.snapshot_date is None or known.planned(part, horizon_days(known)) <= 0:
            continue
        if (known.day - row.snapshot_date).days <= min(row.replenishment_days or 0.0, horizon_days(known)):
            rows.append(row)
    return rows


def buffer_units(known: Known, row: PlanRow) -> float:
    """What the replay buys for a buffer row: what its position lacks of the target, at most what
    distributors held of the item on the row's date (the plan's own cap: a partial buffer where the
    market holds less). Only a market that held none leaves the whole lack to a factory backorder."""
    units = lacking_units(row.target_units, own_position(known, row))
    if row.market_units is not None and row.market_units > 0:
        units = min(units, float(math.floor(row.market_units)))
    return units


def partrisk(known: Known) -> list[Order]:
    """Just-in-Time plus the day's buffer targets, netted against the replay's own stock, within the budget.

    Every buffer decision of the day, and the ones still held (held_buffer_rows), is a candidate: its
    target is netted against the replay's position of the part (the plan's own purchase was netted
    against today's inventory, which history does not have) and capped at what distributors held
    (buffer_units). Candidates are funded best net benefit per dollar first, at that quantity; the budget
    caps the buffer capital committed (on hand and on order, at cost): a buffer that does not fit whole
    in what is left is bought in part, and the next one tried. What distributors cannot fill on the day
    is backordered at the factory when the quoted replenishment time of what is bought (the alternate's
    for an alternate) is within the planning horizon. Buffer stock on hand that the day's ranking leaves
    unfunded goes back to the flow, where it is used first and frees budget.
    """
    budget = known.policy.buffer_budget_usd
    cap = budget - known.buffer_capital_usd
    left = cap
    wanted = []
    for row in held_buffer_rows(known):
        units = buffer_units(known, row)
        price = row.unit_price_usd or 0.0
        # Ranked as the whole buffer the replay would hold: what it holds already plus what it buys.
        whole = known.position(row.buy_item, BUFFER) + units
        per_dollar = (row.net_benefit or 0.0) / (whole * price) if whole * price > 0 else 0.0
        wanted.append((-per_dollar, -(row.stoppage_probability or 0.0), row.part, row.buy_item, row, units, price,
                       whole))
    buffers: list[Order] = []
    funded: set[Part] = set()
    allocated = 0.0
    for _, _, _, item, row, units, price, whole in sorted(wanted, key=lambda wish: wish[:4]):
        # Ranked buffers are funded, whole, until the budget is allocated; the rest are released.
        if allocated >= budget:
            break
        funded.add(item)
        allocated += whole * price
        # What fits of a buffer that does not fit whole is bought; the replay's cap holds the exact cost.
        units = min(units, math.floor(left / price)) if price > 0 else units
        if units <= 0:
            continue
        # A backorder due after the horizon holds the budget past what the plan protects.
        replenishment = buy_replenishment_days(known, row)
        arrives_in_horizon = replenishment is not None and replenishment <= horizon_days(known)
        buffers.append(Order(item, float(units), BUFFER, row.part, max_cost_usd=cap, backorder=arrives_in_horizon))
        left -= units * price
    releases = [Order(item, -units, BUFFER, item) for item, units in sorted(known.buffer_on_hand.items())
                if units > 0 and item not in funded]
    return releases + just_in_time(known) + buffers


POLICIES: dict[str, Callable[[Known], list[Order]]] = {
    "JIT": just_in_time,
    "JIC_BLANKET": jic_blanket,
    "PARTRISK": partrisk,
}

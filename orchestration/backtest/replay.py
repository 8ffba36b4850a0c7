"""The replay: each policy's stock, day by day, against what the market really offered that day.

Per day and policy: deliveries arrive; the policy decides from `Known` (that day only); each order is
filled from the day's authorized stock pools, cheapest first, at the day's price break for the quantity
taken, and arrives after `shipping_days`; what the market cannot fill is backordered at the factory and
arrives after the day's quoted lead time. Then the planned use is consumed: flow stock first, then
buffer, then any qualified alternate (bought, and `alternate_qualification_days` since). A product's
line is down on a day when one of its placed parts is short.

Each policy replays in its own world: the company's purchases do not change later days' feed stock.
"""

from __future__ import annotations

import copy
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import polars as pl

from orchestration.backtest.market import PART_KEY, Offer, daily_part_need, offer_book
from orchestration.backtest.policies import BUFFER, FLOW, POLICIES, REVIEW_DAYS, Known, Order, Part, PlanRow
from orchestration.policy import PlanPolicy

EPSILON = 1e-9
DISTRIBUTOR = "distributor"
FACTORY_BACKORDER = "factory_backorder"
# The reference price of a purchase: the median over the days before the window (the last 90), or over
# the window's first 30 days when the warehouse starts with the window.
BASELINE_DAYS_BEFORE = 90
BASELINE_DAYS_AT_START = 30
# Days of the demand plan a policy sees ahead of the day.
PLAN_AHEAD_DAYS = 30
# A lead time or price quoted longer ago than this is not used for a backorder.
QUOTE_MEMORY_DAYS = 90


@dataclass(frozen=True)
class ReplayInputs:
    """The frames a replay reads; `landing`-independent, so tests build them by hand."""

    offers: pl.LazyFrame  # stg_feeds__offers columns
    price_breaks: pl.LazyFrame  # stg_feeds__price_breaks columns
    bom: pl.LazyFrame  # product, mpn, manufacturer, qty_per_unit, is_dnp
    demand: pl.LazyFrame  # product, week_start, units
    products: pl.LazyFrame  # product, unit_margin
    on_hand: pl.LazyFrame  # mpn, manufacturer, quantity
    alternates: pl.LazyFrame  # mpn, manufacturer, alt_mpn, alt_manufacturer
    open_orders: pl.LazyFrame | None = None  # mpn, manufacturer, quantity, due_date
    plan: pl.LazyFrame | None = None  # marts.buffer_plan_history


@dataclass
class Lot:
    units: float = 0.0
    value_usd: float = 0.0

    def add(self, units: float, value_usd: float) -> None:
        self.units += units
        self.value_usd += value_usd

    def take(self, units: float) -> float:
        """Remove up to `units` at average cost; returns the units taken."""
        taken = min(units, self.units)
        if taken <= 0:
            return 0.0
        self.value_usd -= self.value_usd * taken / self.units
        self.units -= taken
        if self.units <= EPSILON:
            self.units, self.value_usd = 0.0, 0.0
        return taken


@dataclass
class Delivery:
    arrival: date
    item: Part
    purpose: str
    for_part: Part
    units: float
    value_usd: float
    channel: str = DISTRIBUTOR


@dataclass
class World:
    """One policy's stock: on hand by item and purpose, deliveries on the way, alternates bought."""

    stock: dict[tuple[Part, str], Lot] = field(default_factory=lambda: defaultdict(Lot))
    pipeline: list[Delivery] = field(default_factory=list)
    alternate_bought: dict[tuple[Part, Part], date] = field(default_factory=dict)  # (part, alt) -> first order

    def position(self, purpose: str, due_by: date | None = None) -> dict[Part, float]:
        """On hand + on order per item (only what arrives by `due_by` when given)."""
        positions: dict[Part, float] = defaultdict(float)
        for (item, kind), lot in self.stock.items():
            if kind == purpose:
                positions[item] += lot.units
        for delivery in self.pipeline:
            if delivery.purpose == purpose and (due_by is None or delivery.arrival <= due_by):
                positions[delivery.item] += delivery.units
        return positions

    def backordered(self, purpose: str) -> set[Part]:
        return {d.item for d in self.pipeline if d.purpose == purpose and d.channel == FACTORY_BACKORDER}

    def capital_by_part(self, purpose: str | None = None) -> dict[Part, float]:
        """Stock on hand and on order at cost, per BOM part (an alternate counts for the part it was bought for)."""
        owner = {alt: part for (part, alt) in sorted(self.alternate_bought, key=self.alternate_bought.get)}
        values: dict[Part, list[float]] = defaultdict(list)
        for (item, kind), lot in self.stock.items():
            if purpose in (None, kind):
                values[owner.get(item, item)].append(lot.value_usd)
        for delivery in self.pipeline:
            if purpose in (None, delivery.purpose):
                values[delivery.for_part].append(delivery.value_usd)
        # fsum: the same total whatever order the stock was stored in (a resumed night writes the same bits)
        return {part: math.fsum(amounts) for part, amounts in values.items()}

    def state_rows(self, policy: str, day: date) -> list[tuple]:
        """The world at the end of `day` as rows (STATE_SCHEMA); worlds_from_state reads them back."""
        rows = [(policy, day, "stock", item[0], item[1], item[0], item[1], purpose, None, lot.units, lot.value_usd,
                 None) for (item, purpose), lot in sorted(self.stock.items()) if lot.units > 0]
        rows += [(policy, day, "delivery", d.item[0], d.item[1], d.for_part[0], d.for_part[1], d.purpose, d.channel,
                  d.units, d.value_usd, d.arrival) for d in self.pipeline]
        rows += [(policy, day, "alternate", alt[0], alt[1], part[0], part[1], None, None, None, None, bought)
                 for (part, alt), bought in sorted(self.alternate_bought.items())]
        return rows

    def capital(self, purpose: str | None = None) -> float:
        return math.fsum([*(lot.value_usd for (_, kind), lot in self.stock.items() if purpose in (None, kind)),
                          *(d.value_usd for d in self.pipeline if purpose in (None, d.purpose))])


@dataclass
class ReplayResult:
    daily: pl.DataFrame  # marts.backtest_daily
    orders: pl.DataFrame  # marts.backtest_orders
    capital: pl.DataFrame  # marts.backtest_capital: policy, snapshot_date, capital_usd, buffer_capital_usd, budget_usd
    state: pl.DataFrame  # features.backtest_state: each policy's stock at the end of the last day


ORDER_SCHEMA = {
    "policy": pl.String, "order_date": pl.Date, "mpn": pl.String, "manufacturer": pl.String,
    "for_mpn": pl.String, "for_manufacturer": pl.String, "purpose": pl.String, "channel": pl.String,
    "units": pl.Float64, "unit_price_usd": pl.Float64, "cost_usd": pl.Float64, "arrival_date": pl.Date,
    "baseline_unit_price_usd": pl.Float64, "premium_usd": pl.Float64,
}
DAILY_SCHEMA = {
    "policy": pl.String, "snapshot_date": pl.Date, "product": pl.String, "mpn": pl.String,
    "manufacturer": pl.String, "on_hand_units": pl.Float64, "ordered_units": pl.Float64,
    "arriving_units": pl.Float64, "consumed_units": pl.Float64, "short_units": pl.Float64,
    "line_down": pl.Boolean, "planned_units": pl.Float64, "capital_usd": pl.Float64,
    "buffer_capital_usd": pl.Float64,
}
CAPITAL_SCHEMA = {"policy": pl.String, "snapshot_date": pl.Date, "capital_usd": pl.Float64,
                  "buffer_capital_usd": pl.Float64, "budget_usd": pl.Float64}
STATE_SCHEMA = {"policy": pl.String, "snapshot_date": pl.Date, "kind": pl.String, "mpn": pl.String,
                "manufacturer": pl.String, "for_mpn": pl.String, "for_manufacturer": pl.String,
                "purpose": pl.String, "channel": pl.String, "units": pl.Float64, "value_usd": pl.Float64,
                "event_date": pl.Date}


class Market:
    """The day's stock pools per item, and the last lead time and price quoted up to the day."""

    def __init__(self) -> None:
        self.today: dict[Part, list[Offer]] = {}
        self.day: date | None = None
        self.lead_time_quoted: dict[Part, tuple[float, date]] = {}
        self.price_quoted: dict[Part, tuple[tuple[int, ...], tuple[float, ...], date]] = {}

    def last_lead_time(self, item: Part) -> float | None:
        """The last lead time quoted for the item within QUOTE_MEMORY_DAYS."""
        quoted = self.lead_time_quoted.get(item)
        return quoted[0] if quoted and (self.day - quoted[1]).days <= QUOTE_MEMORY_DAYS else None

    def open_day(self, day: date, frame: pl.DataFrame | None) -> None:
        """The day's stock pools (rows of offer_book of one day); its quotes become the last known."""
        self.day = day
        self.today = defaultdict(list)
        if frame is None or frame.is_empty():
            return
        columns = frame.select("mpn", "manufacturer", "distributor", "stock", "lead_time_days",
                               "break_quantities", "break_prices").to_dict(as_series=False)
        lead_times: dict[Part, list[float]] = defaultdict(list)
        for mpn, maker, distributor, stock, lead_time, quantities, prices in zip(*columns.values(), strict=True):
            item = (mpn, maker)
            offer = Offer(distributor, float(stock or 0), lead_time, tuple(quantities or ()), tuple(prices or ()))
            self.today[item].append(offer)
            if lead_time is not None:
                lead_times[item].append(lead_time)
            if offer.break_prices:
                self.price_quoted[item] = (offer.break_quantities, offer.break_prices, day)
        for item, quoted in lead_times.items():
            self.lead_time_quoted[item] = (statistics.median(quoted), day)

    def remember(self, book: pl.DataFrame) -> None:
        """The last lead time and price quoted in `book` (earlier days), as if each day had been opened."""
        leads = (book.filter(pl.col("lead_time_days").is_not_null())
                 .group_by(["mpn", "manufacturer", "snapshot_date"]).agg(pl.col("lead_time_days").median())
                 .sort("snapshot_date").group_by(["mpn", "manufacturer"])
                 .agg(pl.col("lead_time_days").last(), pl.col("snapshot_date").last()))
        for mpn, maker, lead_time, day in leads.iter_rows():
            self.lead_time_quoted[(mpn, maker)] = (lead_time, day)
        prices = (book.filter(pl.col("break_prices").list.len() > 0)
                  .group_by(["mpn", "manufacturer"], maintain_order=True)
                  .agg(pl.col("break_quantities").last(), pl.col("break_prices").last(), pl.col("snapshot_date").last()))
        for mpn, maker, quantities, breaks, day in prices.iter_rows():
            self.price_quoted[(mpn, maker)] = (tuple(quantities), tuple(breaks), day)

    def backorder_price(self, item: Part, units: float) -> float | None:
        """The cheapest price quoted today for the quantity; the last price quoted when none is today."""
        prices = [p for offer in self.today.get(item, []) if (p := offer.unit_price(units)) is not None]
        if prices:
            return min(prices)
        quoted = self.price_quoted.get(item)
        if quoted and (self.day - quoted[2]).days <= QUOTE_MEMORY_DAYS:
            quantities, breaks, _ = quoted
            return Offer("", 0.0, None, quantities, breaks).unit_price(units)
        return None


class BaselinePrices:
    """A part's pre-window price for a quantity: the median over reference days of the cheapest in-stock quote."""

    def __init__(self, days: list[pl.DataFrame]) -> None:
        self.days: list[dict[Part, list[Offer]]] = []
        for frame in days:
            market = Market()
            market.open_day(date.min, frame)
            self.days.append(market.today)
        self.cache: dict[tuple[Part, float], float | None] = {}

    def unit_price(self, item: Part, units: float) -> float | None:
        if (item, units) not in self.cache:
            quotes = sorted(
                min(prices) for today in self.days
                if (prices := [p for o in today.get(item, []) if o.stock > 0 and (p := o.unit_price(units)) is not None]))
            self.cache[(item, units)] = (
                None if not quotes else
                quotes[len(quotes) // 2] if len(quotes) % 2 else (quotes[len(quotes) // 2 - 1] + quotes[len(quotes) // 2]) / 2)
        return self.cache[(item, units)]


def fill(order: Order, market: Market, remaining: dict[tuple[Part, str], float], day: date,
         policy: PlanPolicy, cap_left: float | None) -> list[tuple[str, float, float, date]]:
    """(channel, units, unit price, arrival) of each part of the order: stock pools cheapest first, then the factory."""
    left = order.units
    fills = []
    offers = [o for o in market.today.get(order.item, []) if remaining[(order.item, o.distributor)] > 0
              and o.unit_price(1) is not None]
    offers.sort(key=lambda o: (o.unit_price(min(left, remaining[(order.item, o.distributor)])), o.distributor))
    for offer in offers:
        if left <= EPSILON:
            break
        units = min(left, remaining[(order.item, offer.distributor)])
        price = offer.unit_price(units)
        if cap_left is not None:
            units = min(units, math.floor(cap_left / price) if price > 0 else units)
            if units <= 0:
                return fills
            cap_left -= units * price
        remaining[(order.item, offer.distributor)] -= units
        left -= units
        fills.append((DISTRIBUTOR, units, price, day + timedelta(days=policy.shipping_days)))
    lead_time = market.last_lead_time(order.item)
    if left > EPSILON and lead_time is not None and order.backorder:
        price = market.backorder_price(order.item, left)
        if price is not None:
            if cap_left is not None:
                left = min(left, math.floor(cap_left / price) if price > 0 else left)
            if left > 0:
                fills.append((FACTORY_BACKORDER, left, price, day + timedelta(days=int(round(lead_time)))))
    return fills


def _plan_rows(frame: pl.DataFrame, day: date) -> tuple[PlanRow, ...]:
    return tuple(
        PlanRow(part=(r["mpn"], r["manufacturer"]),
                buy_item=(r["buy_mpn"] or r["mpn"], r["buy_manufacturer"] or r["manufacturer"]),
                unit_price_usd=r["unit_price_usd"], net_benefit=r["net_benefit"],
                strategy=r.get("strategy") or "JIC", target_units=float(r.get("target_units") or 0.0),
                stoppage_probability=r.get("stoppage_probability"),
                replenishment_days=r.get("replenishment_days"), snapshot_date=day,
                market_units=r.get("market_units"))
        for r in frame.iter_rows(named=True))


def _remember_buffers(last_buffer_rows: dict[Part, PlanRow], plan: tuple[PlanRow, ...]) -> None:
    """Keep each part's latest buffer decision (a row whose strategy is not JIT)."""
    for row in plan:
        if row.strategy != "JIT":
            last_buffer_rows[row.part] = row


def replay(inputs: ReplayInputs, policy: PlanPolicy, first: date, last: date,
           policy_names: Iterable[str] = tuple(POLICIES),
           policies: Mapping[str, Callable[[Known], list[Order]]] = POLICIES,
           start: Mapping[str, World] | None = None, backtest_start: date | None = None) -> ReplayResult:
    """Replay every named policy over the snapshot days first..last.

    `start` is each policy's stock at the end of the day before `first` (a night that adds one day);
    without it the replay starts from inventory/on_hand.csv and the open orders. `backtest_start` is the
    first day of the whole backtest, which sets the reference prices of the purchase premium.
    """
    names = list(policy_names)
    unknown = [name for name in names if name not in policies]
    if unknown:
        raise ValueError(f"unknown policy {', '.join(unknown)}; known: {', '.join(policies)}")
    # The demand plan is known ahead (it is the plan), so policies may read its coming days.
    # Sorted, so float sums add in one order and a re-run writes the same bits.
    need = (daily_part_need(inputs.bom, inputs.demand, first, last + timedelta(days=PLAN_AHEAD_DAYS))
            .sort(["snapshot_date", "product", *PART_KEY]).collect())
    daily_need: dict[Part, dict[date, float]] = defaultdict(lambda: defaultdict(float))
    for day_, mpn, maker, units in need.select("snapshot_date", *PART_KEY, "need_units").iter_rows():
        daily_need[(mpn, maker)][day_] += units
    parts = sorted({(m, f) for m, f in need.select(PART_KEY).unique().iter_rows()})
    alternates = inputs.alternates.select(*PART_KEY, "alt_mpn", "alt_manufacturer").collect()
    alternates_of: dict[Part, list[Part]] = defaultdict(list)
    for mpn, maker, alt_mpn, alt_maker in alternates.iter_rows():
        if (mpn, maker) in set(parts) and alt_mpn:
            alternates_of[(mpn, maker)].append((alt_mpn, alt_maker))
    items = set(parts) | {alt for alts in alternates_of.values() for alt in alts}
    items_frame = pl.LazyFrame(sorted(items), schema=PART_KEY, orient="row")
    opening = backtest_start or first
    # The days read: the quote memory before the window, the window, and the reference-price days.
    needed = (pl.col("snapshot_date").is_between(first - timedelta(days=QUOTE_MEMORY_DAYS), last)
              | pl.col("snapshot_date").is_between(opening - timedelta(days=BASELINE_DAYS_BEFORE),
                                                   opening + timedelta(days=BASELINE_DAYS_AT_START - 1)))
    book = (offer_book(inputs.offers.filter(needed).join(items_frame, on=PART_KEY, how="semi"),
                       inputs.price_breaks.filter(needed))
            .filter(pl.col("snapshot_date") <= last)
            .sort(["snapshot_date", *PART_KEY, "distributor", "stock_pool"]).collect())
    book_by_day = book.partition_by("snapshot_date", as_dict=True, include_key=False)
    # The plan of the horizon before the window too: a buffer decided then may still be held (held_buffer_rows).
    plan_from = first - timedelta(days=7 * policy.planning_horizon_weeks)
    plan_by_day = ({} if inputs.plan is None else
                   inputs.plan.filter(pl.col("snapshot_date").is_between(plan_from, last)).collect()
                   .partition_by("snapshot_date", as_dict=True, include_key=False))
    last_buffer_rows: dict[Part, PlanRow] = {}
    for (plan_day,), frame in sorted(plan_by_day.items()):
        if plan_day < first:
            _remember_buffers(last_buffer_rows, _plan_rows(frame, plan_day))
    need_by_day = need.partition_by("snapshot_date", as_dict=True, include_key=False)

    market = Market()
    # Quotes seen before the window count as known (the last lead time and price up to the first day).
    market.remember(book.filter(pl.col("snapshot_date").is_between(first - timedelta(days=QUOTE_MEMORY_DAYS),
                                                                   first, closed="left")))
    market.open_day(first, book_by_day.get((first,)))
    if start is not None and set(names) <= set(start):
        worlds = {name: copy.deepcopy(start[name]) for name in names}
    else:
        worlds = {name: initial_world(inputs, items, market, first) for name in names}

    daily_rows, order_rows, capital_rows, state_rows = [], [], [], []
    day = first
    while day <= last:
        market.open_day(day, book_by_day.get((day,)))
        day_need = need_by_day.get((day,))
        product_need = [] if day_need is None else list(day_need.iter_rows(named=True))
        need_by_part: dict[Part, float] = defaultdict(float)
        for row in product_need:
            need_by_part[(row["mpn"], row["manufacturer"])] += row["need_units"]
        plan = _plan_rows(plan_by_day[(day,)], day) if (day,) in plan_by_day else ()
        _remember_buffers(last_buffer_rows, plan)
        coming = [day + timedelta(days=n) for n in range(PLAN_AHEAD_DAYS)]
        planned = {part: tuple(by_day.get(d, 0.0) for d in coming) for part, by_day in daily_need.items()}
        bought_items = {row.buy_item for row in (*plan, *last_buffer_rows.values())}
        quoted = {item: lead for item in bought_items if (lead := market.last_lead_time(item)) is not None}
        for name in names:
            world = worlds[name]
            arrived = _receive(world, day)
            known = Known(day=day, policy=policy, need=dict(need_by_part), planned_need=planned,
                          flow_position=world.position(FLOW, day + timedelta(days=policy.shipping_days + REVIEW_DAYS)),
                          buffer_position=world.position(BUFFER), buffer_capital_usd=world.capital(BUFFER),
                          buffer_on_hand={item: lot.units for (item, kind), lot in world.stock.items()
                                          if kind == BUFFER and lot.units > 0},
                          flow_backordered=frozenset(world.backordered(FLOW)), plan=plan,
                          last_buffer_rows=dict(last_buffer_rows), quoted_lead_time_days=quoted)
            ordered = _place(world, policies[name](known), market, day, policy, name, order_rows)
            for item, units in _receive(world, day).items():  # same-day deliveries (shipping_days = 0)
                arrived[item] = arrived.get(item, 0.0) + units
            consumed, short = _consume(world, need_by_part, alternates_of, day, policy)
            down_products = {row["product"] for row in product_need
                             if short.get((row["mpn"], row["manufacturer"]), 0.0) > EPSILON}
            capital, buffer_capital = world.capital_by_part(), world.capital_by_part(BUFFER)
            for row in product_need:
                part = (row["mpn"], row["manufacturer"])
                share = row["need_units"] / need_by_part[part] if need_by_part[part] > 0 else 0.0
                on_hand = sum(world.stock[(part, kind)].units for kind in (FLOW, BUFFER))
                daily_rows.append((name, day, row["product"], part[0], part[1], on_hand, ordered.get(part, 0.0),
                                   arrived.get(part, 0.0), consumed.get(part, 0.0) * share,
                                   short.get(part, 0.0) * share, row["product"] in down_products,
                                   row["product_daily_units"], capital.get(part, 0.0) * share,
                                   buffer_capital.get(part, 0.0) * share))
            capital_rows.append((name, day, world.capital(), world.capital(BUFFER), policy.buffer_budget_usd))
            if day == last:
                state_rows += world.state_rows(name, day)
        day += timedelta(days=1)
    before = sorted(k for k in book_by_day if k[0] < opening)[-BASELINE_DAYS_BEFORE:]
    reference_days = before or sorted(k for k in book_by_day if k[0] >= opening)[:BASELINE_DAYS_AT_START]
    baseline = BaselinePrices([book_by_day[key] for key in reference_days])
    order_rows = [(*row, reference := baseline.unit_price((row[2], row[3]), row[8]),
                   max(0.0, row[9] - reference) * row[8] if reference is not None else 0.0)
                  for row in order_rows]
    return ReplayResult(
        daily=pl.DataFrame(daily_rows, schema=DAILY_SCHEMA, orient="row"),
        orders=pl.DataFrame(order_rows, schema=ORDER_SCHEMA, orient="row"),
        capital=pl.DataFrame(capital_rows, schema=CAPITAL_SCHEMA, orient="row"),
        state=pl.DataFrame(state_rows, schema=STATE_SCHEMA, orient="row"),
    )


def initial_world(inputs: ReplayInputs, items: set[Part], market: Market, first: date) -> World:
    """Stock on hand (valued at the first day's price) and the open orders, all flow stock."""
    world = World()
    for mpn, maker, quantity in inputs.on_hand.select(*PART_KEY, "quantity").collect().iter_rows():
        if (mpn, maker) in items and quantity:
            price = market.backorder_price((mpn, maker), float(quantity)) or 0.0
            world.stock[((mpn, maker), FLOW)].add(float(quantity), float(quantity) * price)
    if inputs.open_orders is not None:
        for mpn, maker, quantity, due in inputs.open_orders.select(
                *PART_KEY, "quantity", "due_date").collect().iter_rows():
            if (mpn, maker) in items and quantity:
                price = market.backorder_price((mpn, maker), float(quantity)) or 0.0
                world.pipeline.append(Delivery(max(due, first), (mpn, maker), FLOW, (mpn, maker),
                                               float(quantity), float(quantity) * price))
    return world


def worlds_from_state(state: pl.DataFrame) -> dict[str, World]:
    """Each policy's World from its state rows of one day (World.state_rows)."""
    worlds: dict[str, World] = defaultdict(World)
    for row in state.iter_rows(named=True):
        world = worlds[row["policy"]]
        item, for_part = (row["mpn"], row["manufacturer"]), (row["for_mpn"], row["for_manufacturer"])
        if row["kind"] == "stock":
            world.stock[(item, row["purpose"])].add(row["units"], row["value_usd"])
        elif row["kind"] == "delivery":
            world.pipeline.append(Delivery(row["event_date"], item, row["purpose"], for_part, row["units"],
                                           row["value_usd"], row["channel"]))
        else:
            world.alternate_bought[(for_part, item)] = row["event_date"]
    return dict(worlds)


def _receive(world: World, day: date) -> dict[Part, float]:
    arrived: dict[Part, float] = defaultdict(float)
    waiting = []
    for delivery in world.pipeline:
        if delivery.arrival <= day:
            world.stock[(delivery.item, delivery.purpose)].add(delivery.units, delivery.value_usd)
            arrived[delivery.item] += delivery.units
        else:
            waiting.append(delivery)
    world.pipeline = waiting
    return arrived


def _place(world: World, orders: list[Order], market: Market, day: date, policy: PlanPolicy, name: str,
           order_rows: list) -> dict[Part, float]:
    remaining: dict[tuple[Part, str], float] = defaultdict(float)
    for item, offers in market.today.items():
        for offer in offers:
            remaining[(item, offer.distributor)] += offer.stock
    ordered: dict[Part, float] = defaultdict(float)
    cap_spent = 0.0
    for order in orders:
        if order.units < 0:
            _release(world, order)
            continue
        cap_left = None if order.max_cost_usd is None else order.max_cost_usd - cap_spent
        for channel, units, price, arrival in fill(order, market, remaining, day, policy, cap_left):
            cost = units * price
            if order.max_cost_usd is not None:
                cap_spent += cost
            world.pipeline.append(Delivery(arrival, order.item, order.purpose, order.for_part, units, cost, channel))
            ordered[order.item] += units
            if order.item != order.for_part:
                world.alternate_bought.setdefault((order.for_part, order.item), day)
            order_rows.append((name, day, order.item[0], order.item[1], order.for_part[0], order.for_part[1],
                               order.purpose, channel, units, price, cost, arrival))
    return ordered


def _release(world: World, order: Order) -> None:
    """Move buffer stock on hand into flow stock, at its cost."""
    lot = world.stock[(order.item, BUFFER)]
    value_per_unit = lot.value_usd / lot.units if lot.units > 0 else 0.0
    moved = lot.take(-order.units)
    world.stock[(order.item, FLOW)].add(moved, moved * value_per_unit)


def _consume(world: World, need: Mapping[Part, float], alternates_of: Mapping[Part, list[Part]], day: date,
             policy: PlanPolicy) -> tuple[dict[Part, float], dict[Part, float]]:
    consumed: dict[Part, float] = {}
    short: dict[Part, float] = {}
    qualified_after = timedelta(days=policy.alternate_qualification_days)
    for part, units in sorted(need.items()):
        sources = [part] + [alt for alt in alternates_of.get(part, [])
                            if (bought := world.alternate_bought.get((part, alt))) is not None
                            and bought + qualified_after <= day]
        left = units
        for item in sources:
            for purpose in (FLOW, BUFFER):
                if left <= EPSILON:
                    break
                left -= world.stock[(item, purpose)].take(left)
        consumed[part] = units - max(left, 0.0)
        short[part] = max(left, 0.0) if left > EPSILON else 0.0
    return consumed, short

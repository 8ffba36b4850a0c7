"""Daily supply, price, lead-time and lifecycle trends per part (`features.part_trends_daily`).

Pure Polars, lazy: LazyFrames with the staging contract columns in, one LazyFrame out. No Dagster and
no DuckDB here; `orchestration.features.io` reads and writes the warehouse.

Invariants (the tests check each one):
- No look-ahead: the row for day D is a function of input rows dated in
  [D - lookback_days - input_margin_days(carry_forward_days), D] only. So a backfill of [start, end] in one pass, a nightly
  run (start == end) and a run on data truncated at D all give the same row for D.
- Seller state: a seller (distributor × market/broker segment) that has no row for a part on a day is
  carried forward from its last row for up to `carry_forward_days` days (flagged; default
  CARRY_FORWARD_DAYS, and at least the live pull's longest planned gap, `carry_forward_days_for`);
  after that it is dropped from the listing.
- A part with no seller at all keeps its row (stock 0, no sellers, prices null) for lookback_days
  after its last sighting. Those "delisted" days are reported but never serve as the past side of a
  window or a lag: windows see only the days on which the part was listed (observed or carried). That
  keeps the row for D independent of sightings older than the input window.
- Windows: "(D-n, D]" includes today (slope, volatility, lags). The price and lead-time shock ratios
  compare today with a pre-shock reference, the median over [D-180, D-28): it excludes the recent
  weeks, so a shock neither dilutes its own reference nor is forgotten once the new level has lasted
  a few weeks (a level that stays up is flagged until it fills half the reference window).
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

PART_KEY = ["mpn", "manufacturer"]
SELLER_KEY = [*PART_KEY, "distributor", "is_market"]
SKU_KEYS = ["source", "distributor", "sku"]
OFFER_KEYS = [*SKU_KEYS, "stock_pool", *PART_KEY]
ORDER_QUANTITIES = (1, 100, 1000)
# The quantity whose median price drives price_spike_ratio and price_change_30d_pct: the first
# production-volume break, less noisy than q1 (often a cut-tape premium) and quoted by most sellers.
SPIKE_QUANTITY = 100
CARRY_FORWARD_DAYS = 3
# A lifecycle change at day t compares with the last known status in [t - 3, t - 1].
STATUS_COMPARE_DAYS = 3


def input_margin_days(carry_forward_days: int = CARRY_FORWARD_DAYS) -> int:
    """Days older than start - lookback_days that the row for `start` still depends on: carried seller
    state behind the status comparison (3 days), plus one day of slack."""
    return carry_forward_days + STATUS_COMPARE_DAYS + 1


def carry_forward_days_for(max_days_between_pulls: int) -> int:
    """A round-robin pull leaves a part up to max_days_between_pulls - 1 days without a snapshot; carry over them."""
    return max(CARRY_FORWARD_DAYS, max_days_between_pulls - 1)
LONG_WINDOW_DAYS = 90
SHORT_WINDOW_DAYS = 30
WEEK_DAYS = 7
# The pre-shock reference of the price and lead-time ratios: the median over [D-180, D-28).
REFERENCE_WINDOW_DAYS = 180
REFERENCE_GAP_DAYS = 28

# "Worst known" lifecycle: a higher rank is worse. Unknown carries no information, so it has no rank.
LIFECYCLE_RANK = {"Active": 1, "NRND": 2, "EOL": 3, "Obsolete": 4}
LIFECYCLE_BY_RANK = {rank: status for status, rank in LIFECYCLE_RANK.items()}

PART_TRENDS_SCHEMA: dict[str, pl.DataType] = {
    "snapshot_date": pl.Date(),
    "mpn": pl.String(),
    "manufacturer": pl.String(),
    # window completeness
    "history_days": pl.Int32(),
    "window_7d_complete": pl.Boolean(),
    "window_30d_complete": pl.Boolean(),
    "window_90d_complete": pl.Boolean(),
    # supply
    "market_stock": pl.Int64(),
    "distributors_listing": pl.Int32(),
    "distributors_in_stock": pl.Int32(),
    "carried_forward_distributors": pl.Int32(),
    "broker_stock": pl.Int64(),
    "stock_change_7d_pct": pl.Float64(),
    "stock_change_30d_pct": pl.Float64(),
    "stock_slope_30d": pl.Float64(),
    "days_to_depletion": pl.Float64(),
    "sources_lost_30d": pl.Int32(),
    "sources_gained_30d": pl.Int32(),
    # price
    **{f"price_{stat}_q{q}": pl.Float64() for q in ORDER_QUANTITIES for stat in ("median", "min")},
    **{f"price_q{q}_min_break_fallback": pl.Boolean() for q in ORDER_QUANTITIES},
    "price_spike_ratio": pl.Float64(),
    "price_change_30d_pct": pl.Float64(),
    # lead time
    "lead_time_days": pl.Float64(),
    "lead_time_stretch_ratio": pl.Float64(),
    "lead_time_volatility_30d": pl.Float64(),
    # lifecycle
    "lifecycle_status": pl.String(),
    "days_since_status_change": pl.Int32(),
    "lifecycle_downgraded_30d": pl.Boolean(),
    "last_buy_date": pl.Date(),
    # demand
    "daily_demand_units": pl.Float64(),
    "daily_demand_std": pl.Float64(),
}


def required_input_window(start: date, end: date, lookback_days: int = REFERENCE_WINDOW_DAYS,
                          carry_forward_days: int = CARRY_FORWARD_DAYS) -> tuple[date, date]:
    """Snapshot dates [first, last] the caller must read to compute rows for [start, end].

    The width depends on lookback_days only, never on how much history exists: one new night costs
    the same with 120 or 365 days behind it.
    """
    _check_args(start, end, lookback_days)
    return start - timedelta(days=lookback_days + input_margin_days(carry_forward_days)), end


def compute_part_trends(
    offers: pl.LazyFrame,
    price_breaks: pl.LazyFrame,
    *,
    start: date,
    end: date,
    demand: pl.LazyFrame | None = None,
    lookback_days: int = REFERENCE_WINDOW_DAYS,
    carry_forward_days: int = CARRY_FORWARD_DAYS,
) -> pl.LazyFrame:
    """Rows of `features.part_trends_daily` for snapshot dates in [start, end].

    `offers` / `price_breaks` must cover `required_input_window(start, end, lookback_days, carry_forward_days)`; rows
    outside it are ignored. `demand` (mpn, manufacturer, daily_demand_units, daily_demand_std) is the
    current plan (dbt model int_part_demand), joined as is.
    """
    read_from, read_to = required_input_window(start, end, lookback_days, carry_forward_days)
    in_window = pl.col("snapshot_date").is_between(read_from, read_to)
    # Keys as Categorical: every group-by, join and window below hashes u32 codes, not strings.
    offers = offers.with_columns(pl.col(OFFER_KEYS).cast(pl.Categorical))
    price_breaks = price_breaks.with_columns(pl.col(SKU_KEYS).cast(pl.Categorical))
    # Each of these feeds two branches; cache so the optimizer does not recompute it per branch
    # (predicate pushdown makes the branches differ, so common-subplan elimination misses them).
    seller_days = _seller_days(offers.filter(in_window), price_breaks.filter(in_window)).cache()
    sellers = _carry_forward(seller_days, end, carry_forward_days).cache()
    grid = _part_grid(_part_days(sellers).cache(), end, lookback_days)
    trends = (
        grid.pipe(_window_completeness, lookback_days)
        .pipe(_stock_trends)
        .pipe(_price_trends)
        .pipe(_lead_time_trends)
        .pipe(_lifecycle_trends, lookback_days)
        .join(_source_changes(sellers), on=[*PART_KEY, "snapshot_date"], how="left")
        .with_columns(
            # Sets are compared with the day 30 days earlier: meaningless before 30 days of history.
            pl.when(pl.col("window_30d_complete")).then(pl.col(c).fill_null(0)).alias(c)
            for c in ("sources_lost_30d", "sources_gained_30d")
        )
        .filter(pl.col("snapshot_date").is_between(start, end))
    )
    if demand is None:
        trends = trends.with_columns(
            pl.lit(None, pl.Float64).alias("daily_demand_units"),
            pl.lit(None, pl.Float64).alias("daily_demand_std"),
        )
    else:
        trends = trends.join(
            demand.select(pl.col(PART_KEY).cast(pl.Categorical), "daily_demand_units", "daily_demand_std"),
            on=PART_KEY,
            how="left",
        )
    return trends.select(pl.col(name).cast(dtype) for name, dtype in PART_TRENDS_SCHEMA.items()).sort(
        [*PART_KEY, "snapshot_date"]
    )


def _check_args(start: date, end: date, lookback_days: int) -> None:
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    if lookback_days < REFERENCE_WINDOW_DAYS:
        raise ValueError(f"lookback_days must cover the {REFERENCE_WINDOW_DAYS}-day reference window, got {lookback_days}")


def _days(n: int) -> timedelta:
    return timedelta(days=n)


# --- seller level: one row per part × seller × segment × day the seller lists the part ----------------


def _sku_prices(price_breaks: pl.LazyFrame) -> pl.LazyFrame:
    """Unit price per SKU-day at each order quantity: the largest break ≤ q, else the smallest break.

    (Two breaks of one SKU with the same quantity: either price may be taken.)
    """
    quantity, price = pl.col("quantity"), pl.col("unit_price_usd")
    return (
        price_breaks.filter(price.is_not_null() & quantity.is_not_null())
        .group_by("snapshot_date", "source", "distributor", "sku")
        .agg(
            price.min_by(quantity).alias("_smallest_break_price"),
            # max_by over a null-masked key: null when no break is at or below q
            *(
                price.max_by(pl.when(quantity <= q).then(quantity)).alias(f"_price_q{q}")
                for q in ORDER_QUANTITIES
            ),
        )
        .with_columns(
            expr
            for q in ORDER_QUANTITIES
            for expr in (
                pl.col(f"_price_q{q}").is_null().alias(f"_fallback_q{q}"),
                pl.coalesce(f"_price_q{q}", "_smallest_break_price").alias(f"_price_q{q}"),
            )
        )
        .drop("_smallest_break_price")
    )


def _seller_days(offers: pl.LazyFrame, price_breaks: pl.LazyFrame) -> pl.LazyFrame:
    pool_key = ["snapshot_date", *SELLER_KEY, "stock_pool"]
    skus = (
        offers.filter(~pl.col("is_duplicate_listing"))  # counted once, from the distributor's own feed
        .select(
            "snapshot_date",
            "source",
            *PART_KEY,
            "distributor",
            "sku",
            # Market = authorized; everything else (brokers, unflagged independents) is broker stock.
            pl.col("is_authorized").fill_null(False).alias("is_market"),
            pl.coalesce("stock_pool", "sku").alias("stock_pool"),
            "stock",
            "lead_time_days",
            pl.col("lifecycle_status")
            .replace_strict(LIFECYCLE_RANK, default=None, return_dtype=pl.Int8)
            .alias("status_rank"),
            "last_buy_date",
        )
        .join(_sku_prices(price_breaks), on=["snapshot_date", "source", "distributor", "sku"], how="left")
    )
    # Aggregations mask with when/then rather than .filter(): Polars runs those vectorised per group.
    price_aggs = []
    for q in ORDER_QUANTITIES:
        price, fallback = pl.col(f"_price_q{q}"), pl.col(f"_fallback_q{q}")
        # Prefer a SKU orderable at q; only when none is, take the cheapest smallest break (flagged).
        price_aggs += [
            pl.when(~fallback).then(price).min().alias(f"_exact_q{q}"),
            pl.when(fallback).then(price).min().alias(f"_above_q{q}"),
        ]
    pools = skus.group_by(pool_key).agg(
        # SKUs sharing a stock pool show the same units: count the pool once (its max).
        pl.col("stock").max(),
        # A seller's lead time is the longest it quotes for the part (SKUs of a pool rarely differ).
        pl.col("lead_time_days").max(),
        pl.col("status_rank").max(),  # worst known
        pl.col("last_buy_date").min(),
        *price_aggs,
    )
    return (
        pools.group_by("snapshot_date", *SELLER_KEY)
        .agg(
            pl.when(pl.col("stock").count() > 0).then(pl.col("stock").sum()).alias("stock"),
            pl.col("lead_time_days").max(),
            pl.col("status_rank").max(),
            pl.col("last_buy_date").min(),
            *(pl.col(f"_{kind}_q{q}").min() for q in ORDER_QUANTITIES for kind in ("exact", "above")),
        )
        .with_columns(
            expr
            for q in ORDER_QUANTITIES
            for expr in (
                pl.coalesce(f"_exact_q{q}", f"_above_q{q}").alias(f"price_q{q}"),
                (pl.col(f"_exact_q{q}").is_null() & pl.col(f"_above_q{q}").is_not_null()).alias(
                    f"fallback_q{q}"
                ),
            )
        )
        .drop(f"_{kind}_q{q}" for q in ORDER_QUANTITIES for kind in ("exact", "above"))
    )


def _carry_forward(seller_days: pl.LazyFrame, end: date, carry_forward_days: int) -> pl.LazyFrame:
    """Observed seller-days plus up to `carry_forward_days` carried copies after each gap start.

    A copy for day t comes from the last observed day before t and only exists when the seller has
    no row on t itself, so it never uses data after t.
    """
    carried = _days_after(seller_days, SELLER_KEY, carry_forward_days, end).with_columns(pl.lit(True).alias("carried"))
    return pl.concat([seller_days.with_columns(pl.lit(False).alias("carried")), carried])


def _days_after(rows: pl.LazyFrame, key: list[str], days: int, end: date) -> pl.LazyFrame:
    """Each row copied onto the up to `days` days after it that the same key has no row on, up to `end`."""
    next_row = pl.col("snapshot_date").shift(-1).over(key, order_by="snapshot_date")
    gap = (next_row - pl.col("snapshot_date")).dt.total_days() - 1
    return (
        rows.with_columns(pl.min_horizontal(gap.fill_null(days), days).alias("_days"))
        .filter(pl.col("_days") > 0)
        .with_columns(pl.int_ranges(1, pl.col("_days") + 1).alias("_offset"))
        .explode("_offset")
        .with_columns((pl.col("snapshot_date") + pl.duration(days=pl.col("_offset"))).alias("snapshot_date"))
        .drop("_days", "_offset")
        .filter(pl.col("snapshot_date") <= end)
    )


# --- part level ----------------------------------------------------------------------------------------


def _part_days(sellers: pl.LazyFrame) -> pl.LazyFrame:
    """One row per part × day with at least one (observed or carried) seller."""
    market = pl.col("is_market")
    market_stock = pl.when(market).then(pl.col("stock"))
    aggs = [
        market_stock.sum().alias("_known_market_stock"),
        market_stock.count().alias("_known_market_sellers"),
        market.sum().cast(pl.Int32).alias("distributors_listing"),
        (market & (pl.col("stock") > 0)).sum().cast(pl.Int32).alias("distributors_in_stock"),
        (market & pl.col("carried")).sum().cast(pl.Int32).alias("carried_forward_distributors"),
        pl.when(~market).then(pl.col("stock")).sum().alias("broker_stock"),
        pl.when(market).then(pl.col("lead_time_days")).median().alias("lead_time_days"),
        # Lifecycle is a property of the part, so every seller (brokers too) informs it: worst known.
        pl.col("status_rank").max().alias("status_rank"),
        pl.col("last_buy_date").min().alias("last_buy_date"),  # the earliest announced: conservative
        (~pl.col("carried")).any().alias("observed"),
    ]
    for q in ORDER_QUANTITIES:
        price = pl.when(market).then(pl.col(f"price_q{q}"))
        aggs += [
            price.median().alias(f"price_median_q{q}"),
            price.min().alias(f"price_min_q{q}"),
            (market & pl.col(f"fallback_q{q}")).any().alias(f"price_q{q}_min_break_fallback"),
        ]
    return (
        sellers.group_by(*PART_KEY, "snapshot_date")
        .agg(aggs)
        .with_columns(
            # Listed by authorized sellers that all hide their stock: unknown, not zero.
            pl.when((pl.col("distributors_listing") > 0) & (pl.col("_known_market_sellers") == 0))
            .then(None)
            .otherwise(pl.col("_known_market_stock"))
            .alias("market_stock"),
            pl.lit(True).alias("present"),
        )
        .drop("_known_market_stock", "_known_market_sellers")
    )


def _part_grid(part_days: pl.LazyFrame, end: date, lookback_days: int) -> pl.LazyFrame:
    """Part days plus 'delisted' days: up to lookback_days after each sighting while nobody lists it.

    Sorted by part and date: the trend steps below use `.over(PART_KEY)` in that order.
    """
    sightings = part_days.filter(pl.col("observed")).select(*PART_KEY, "snapshot_date")
    delisted = (
        _days_after(sightings, PART_KEY, lookback_days, end)
        # Days still covered by a carried seller are part days already.
        .join(part_days.select(*PART_KEY, "snapshot_date"), on=[*PART_KEY, "snapshot_date"], how="anti")
        .with_columns(
            pl.lit(False).alias("present"),
            pl.lit(0, pl.Int64).alias("market_stock"),
            pl.lit(0, pl.Int64).alias("broker_stock"),
            *(
                pl.lit(0, pl.Int32).alias(c)
                for c in ("distributors_listing", "distributors_in_stock", "carried_forward_distributors")
            ),
        )
    )
    return (
        pl.concat([part_days, delisted], how="diagonal_relaxed")
        .with_columns(pl.col("snapshot_date").dt.epoch("d").cast(pl.Int64).alias("_day"))
        .sort([*PART_KEY, "snapshot_date"])
    )


def _over(expr: pl.Expr) -> pl.Expr:
    """Per-part window on the grid (already sorted by part, date)."""
    return expr.over(PART_KEY)


def _lag(expr: pl.Expr, days: int) -> pl.Expr:
    """`expr` on the listed day exactly `days` before, else null (never a delisted day)."""
    same_day = _over(pl.col("_day").shift(days)) == pl.col("_day") - days
    return pl.when(same_day & _over(pl.col("present").shift(days))).then(_over(expr.shift(days)))


def _pct_change(now: pl.Expr, before: pl.Expr) -> pl.Expr:
    return pl.when(before > 0).then((now - before) / before * 100.0)


def _trailing(expr: pl.Expr, agg: str, days: int, *, include_today: bool, **kwargs) -> pl.Expr:
    """Rolling aggregate over the `days` days ending today ((D-days, D]) or yesterday ([D-days, D)).

    Delisted days carry nulls in every windowed column, and rolling aggregates skip nulls.
    """
    closed = "right" if include_today else "left"
    method = getattr(expr, f"rolling_{agg}_by")
    return _over(method("snapshot_date", f"{days}d", closed=closed, **kwargs))


def _window_completeness(grid: pl.LazyFrame, lookback_days: int) -> pl.LazyFrame:
    # Days since the earliest listed day within the lookback window: a window is complete once the
    # part has been around for its whole length. Measured inside the window, so it is capped.
    first_listed = _trailing(
        pl.when(pl.col("present")).then(pl.col("_day")), "min", lookback_days + 1, include_today=True
    )
    history = (pl.col("_day") - first_listed).cast(pl.Int32)
    return grid.with_columns(history.alias("history_days")).with_columns(
        (pl.col("history_days") >= n).fill_null(False).alias(f"window_{n}d_complete")
        for n in (WEEK_DAYS, SHORT_WINDOW_DAYS, LONG_WINDOW_DAYS)
    )


def _stock_trends(grid: pl.LazyFrame) -> pl.LazyFrame:
    stock = pl.col("market_stock")
    listed_stock = pl.when(pl.col("present")).then(stock)
    # Least-squares slope over the listed days in (D-30, D], in exact integer sums:
    # slope = (n·Σxy − Σx·Σy) / (n·Σx² − (Σx)²), x = day number, y = units.
    x = pl.when(listed_stock.is_not_null()).then(pl.col("_day"))
    sums = {
        "n": listed_stock.is_not_null().cast(pl.Int64),
        "sx": x,
        "sy": listed_stock,
        "sxy": x * listed_stock,
        "sxx": x * x,
    }
    rolled = {name: _trailing(e, "sum", SHORT_WINDOW_DAYS, include_today=True) for name, e in sums.items()}
    n, sx, sy, sxy, sxx = (pl.col(f"_{name}") for name in sums)
    denominator = n * sxx - sx * sx
    slope = pl.when((n >= 2) & (denominator > 0)).then(
        (n * sxy - sx * sy).cast(pl.Float64) / denominator.cast(pl.Float64)
    )
    return (
        grid.with_columns(e.alias(f"_{name}") for name, e in rolled.items())
        .with_columns(
            _pct_change(stock, _lag(listed_stock, WEEK_DAYS)).alias("stock_change_7d_pct"),
            _pct_change(stock, _lag(listed_stock, SHORT_WINDOW_DAYS)).alias("stock_change_30d_pct"),
            slope.alias("stock_slope_30d"),
        )
        .with_columns(
            # Burn rate = the 30-day slope; only a falling stock has a depletion date.
            pl.when(pl.col("stock_slope_30d") < 0)
            .then(stock / -pl.col("stock_slope_30d"))
            .alias("days_to_depletion")
        )
        .drop(f"_{name}" for name in sums)
    )


def _with_reference(grid: pl.LazyFrame, expr: pl.Expr, name: str) -> pl.LazyFrame:
    """Adds `name`: the median of `expr` over the listed days in [D-180, D-28), never after D.

    That is the rolling median over [D'-152, D') read on D' = D-28, looked up by day number (null when
    the part has no row on D-28).
    """
    width = REFERENCE_WINDOW_DAYS - REFERENCE_GAP_DAYS
    lookup = grid.select(
        *PART_KEY,
        (pl.col("_day") + REFERENCE_GAP_DAYS).alias("_reference_day"),
        _trailing(expr, "median", width, include_today=False).alias(name),
    )
    # The later steps shift within each part in date order: keep the grid's order.
    return grid.join(
        lookup, left_on=[*PART_KEY, "_day"], right_on=[*PART_KEY, "_reference_day"], how="left",
        maintain_order="left",
    )


def _price_trends(grid: pl.LazyFrame) -> pl.LazyFrame:
    price = pl.col(f"price_median_q{SPIKE_QUANTITY}")
    return (
        _with_reference(grid, price, "_price_reference")
        .with_columns(
            (price / pl.col("_price_reference")).alias("price_spike_ratio"),
            _pct_change(price, _lag(price, SHORT_WINDOW_DAYS)).alias("price_change_30d_pct"),
        )
        .drop("_price_reference")
    )


def _lead_time_trends(grid: pl.LazyFrame) -> pl.LazyFrame:
    lead_time = pl.col("lead_time_days")
    return (
        _with_reference(grid, lead_time, "_lead_time_reference")
        .with_columns(
            (lead_time / pl.col("_lead_time_reference")).alias("lead_time_stretch_ratio"),
            # σL for safety stock: sample std of the daily median lead time over (D-30, D].
            _trailing(lead_time, "std", SHORT_WINDOW_DAYS, include_today=True, min_samples=2).alias(
                "lead_time_volatility_30d"
            ),
        )
        .drop("_lead_time_reference")
    )


def _lifecycle_trends(grid: pl.LazyFrame, lookback_days: int) -> pl.LazyFrame:
    day, rank = pl.col("_day"), pl.col("status_rank")
    # Forward-filled "last known" values with the day they were seen; a value older than the window
    # it is used for is dropped, so nothing outside the input window leaks in.
    last_known = [
        _over(pl.when(rank.is_not_null()).then(day).forward_fill()).alias("_rank_day"),
        _over(rank.forward_fill()).alias("_rank_known"),
        _over(pl.when(pl.col("last_buy_date").is_not_null()).then(day).forward_fill()).alias("_lbd_day"),
        _over(pl.col("last_buy_date").forward_fill()).alias("_lbd_known"),
    ]
    # Status before today: the last known one in [D-3, D-1] (bridges a few Unknown or missing days).
    yesterday_on_grid = _over(day.shift(1)) == day - 1
    previous_recent = (day - _over(pl.col("_rank_day").shift(1))) <= STATUS_COMPARE_DAYS
    previous = pl.when(yesterday_on_grid & previous_recent).then(_over(pl.col("_rank_known").shift(1)))
    changed = rank.is_not_null() & previous.is_not_null() & (rank != previous)
    flags = [changed.alias("_changed"), (changed & (rank > previous)).alias("_downgraded")]
    days_since_change = day - _over(pl.when(pl.col("_changed")).then(day).forward_fill())
    days_since_downgrade = day - _over(pl.when(pl.col("_downgraded")).then(day).forward_fill())
    status = pl.when(day - pl.col("_rank_day") <= lookback_days).then(pl.col("_rank_known"))
    return (
        grid.with_columns(last_known)
        .with_columns(flags)
        .with_columns(
            # Latest known status within the lookback (delisted days keep it); none known: Unknown.
            status.replace_strict(LIFECYCLE_BY_RANK, default=None, return_dtype=pl.String)
            .fill_null("Unknown")
            .alias("lifecycle_status"),
            pl.when(days_since_change <= lookback_days)
            .then(days_since_change)
            .alias("days_since_status_change"),
            (days_since_downgrade < SHORT_WINDOW_DAYS).fill_null(False).alias("lifecycle_downgraded_30d"),
            pl.when(day - pl.col("_lbd_day") <= lookback_days)
            .then(pl.col("_lbd_known"))
            .alias("last_buy_date"),
        )
        .drop("_rank_day", "_rank_known", "_lbd_day", "_lbd_known", "_changed", "_downgraded")
    )


def _source_changes(sellers: pl.LazyFrame) -> pl.LazyFrame:
    """Authorized distributors in stock today but not 30 days earlier (gained), and the reverse (lost)."""
    key = [*PART_KEY, "distributor", "snapshot_date"]
    in_stock_now = sellers.filter(pl.col("is_market") & (pl.col("stock") > 0)).select(key)
    in_stock_before = in_stock_now.with_columns(pl.col("snapshot_date") + _days(SHORT_WINDOW_DAYS))
    lost = (
        in_stock_before.join(in_stock_now, on=key, how="anti")
        .group_by(*PART_KEY, "snapshot_date")
        .agg(pl.len().cast(pl.Int32).alias("sources_lost_30d"))
    )
    gained = (
        in_stock_now.join(in_stock_before, on=key, how="anti")
        .group_by(*PART_KEY, "snapshot_date")
        .agg(pl.len().cast(pl.Int32).alias("sources_gained_30d"))
    )
    return lost.join(gained, on=[*PART_KEY, "snapshot_date"], how="full", coalesce=True)

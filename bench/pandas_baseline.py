"""The same trend features written as a pandas user would: groupby + merge + rolling on a dense grid.

A baseline for the benchmark, not production code. It follows the definitions of
`orchestration.features.part_trends` (same carry forward, same windows, same choices) so the two can be
compared on the same input; the benchmark reports the largest difference per column on tier S.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

PART = ["mpn", "manufacturer"]
SELLER = [*PART, "distributor", "is_market"]
QUANTITIES = (1, 100, 1000)
RANK = {"Active": 1, "NRND": 2, "EOL": 3, "Obsolete": 4}
STATUS = {v: k for k, v in RANK.items()}


def pandas_part_trends(
    offers: pd.DataFrame, breaks: pd.DataFrame, start: date, end: date, lookback: int = 90
) -> pd.DataFrame:
    first = pd.Timestamp(start - timedelta(days=lookback + 7))
    end_ts = pd.Timestamp(end)
    offers = offers[(offers.snapshot_date >= first) & (offers.snapshot_date <= end_ts)]
    breaks = breaks[(breaks.snapshot_date >= first) & (breaks.snapshot_date <= end_ts)]

    # --- price per SKU-day at each quantity -----------------------------------------------------------
    sku = ["snapshot_date", "source", "distributor", "sku"]
    b = breaks.dropna(subset=["quantity", "unit_price_usd"]).sort_values("quantity")
    prices = b.groupby(sku, sort=False)["unit_price_usd"].first().rename("smallest").to_frame()
    for q in QUANTITIES:
        at_q = b[b.quantity <= q].groupby(sku, sort=False)["unit_price_usd"].last()
        prices[f"price_q{q}"] = at_q
        prices[f"fallback_q{q}"] = prices[f"price_q{q}"].isna()
        prices[f"price_q{q}"] = prices[f"price_q{q}"].fillna(prices["smallest"])
    prices = prices.drop(columns="smallest").reset_index()

    # --- SKU -> pool -> seller -----------------------------------------------------------------------
    o = offers[~offers.is_duplicate_listing].copy()
    o["is_market"] = o.is_authorized.fillna(False).astype(bool)
    o["stock_pool"] = o.stock_pool.fillna(o.sku)
    o["status_rank"] = o.lifecycle_status.map(RANK).astype("float64")
    o = o.merge(prices, on=sku, how="left")
    price_cols = {}
    for q in QUANTITIES:
        o[f"exact_q{q}"] = o[f"price_q{q}"].where(o[f"fallback_q{q}"] == False)  # noqa: E712
        o[f"above_q{q}"] = o[f"price_q{q}"].where(o[f"fallback_q{q}"] == True)  # noqa: E712
        price_cols.update({f"exact_q{q}": (f"exact_q{q}", "min"), f"above_q{q}": (f"above_q{q}", "min")})
    pool = o.groupby(["snapshot_date", *SELLER, "stock_pool"], sort=False).agg(
        stock=("stock", "max"),
        lead_time_days=("lead_time_days", "max"),
        status_rank=("status_rank", "max"),
        last_buy_date=("last_buy_date", "min"),
        **price_cols,
    )
    seller = pool.groupby(["snapshot_date", *SELLER], sort=False).agg(
        stock=("stock", "sum"),
        stock_known=("stock", "count"),
        lead_time_days=("lead_time_days", "max"),
        status_rank=("status_rank", "max"),
        last_buy_date=("last_buy_date", "min"),
        **{c: (c, "min") for c in price_cols},
    )
    seller["stock"] = seller.stock.where(seller.stock_known > 0)
    for q in QUANTITIES:
        seller[f"price_q{q}"] = seller[f"exact_q{q}"].fillna(seller[f"above_q{q}"])
        seller[f"fallback_q{q}"] = seller[f"exact_q{q}"].isna() & seller[f"above_q{q}"].notna()
    seller = seller.drop(columns=["stock_known", *price_cols]).reset_index()

    # --- carry a missing seller forward up to 3 days: dense seller × day grid, ffill(limit=3) -----------
    days = pd.date_range(first, end_ts, freq="D")
    keys = seller[SELLER].drop_duplicates()
    grid = keys.merge(pd.DataFrame({"snapshot_date": days}), how="cross")
    grid = grid.merge(seller.assign(seen=seller.snapshot_date), on=[*SELLER, "snapshot_date"], how="left")
    grid = grid.sort_values([*SELLER, "snapshot_date"], ignore_index=True)
    grid["source_day"] = grid.groupby(SELLER, sort=False).seen.ffill(limit=3)
    grid["carried"] = grid.seen.isna() & grid.source_day.notna()
    carried = grid.loc[grid.carried, [*SELLER, "snapshot_date", "source_day"]].merge(
        seller.rename(columns={"snapshot_date": "source_day"}), on=[*SELLER, "source_day"], how="left"
    )
    grid = grid[grid.seen.notna() | grid.carried]
    grid = pd.concat([grid[grid.seen.notna()].drop(columns=["seen", "source_day"]), carried.drop(columns="source_day").assign(carried=True)], ignore_index=True)  # fmt: skip
    sellers = grid.sort_values([*SELLER, "snapshot_date"], ignore_index=True)

    # --- part × day ----------------------------------------------------------------------------------
    s = sellers
    m = s.is_market
    s = s.assign(
        m_stock=s.stock.where(m),
        b_stock=s.stock.where(~m),
        in_stock=m & (s.stock > 0),
        m_carried=m & s.carried,
        m_lead=s.lead_time_days.where(m),
        observed=~s.carried,
        **{f"m_price_q{q}": s[f"price_q{q}"].where(m) for q in QUANTITIES},
        **{f"m_fallback_q{q}": m & s[f"fallback_q{q}"].astype(bool) for q in QUANTITIES},
    )
    aggs = dict(
        market_stock=("m_stock", "sum"),
        market_known=("m_stock", "count"),
        distributors_listing=("is_market", "sum"),
        distributors_in_stock=("in_stock", "sum"),
        carried_forward_distributors=("m_carried", "sum"),
        broker_stock=("b_stock", "sum"),
        lead_time_days=("m_lead", "median"),
        status_rank=("status_rank", "max"),
        last_buy_date=("last_buy_date", "min"),
        observed=("observed", "any"),
    )
    for q in QUANTITIES:
        aggs[f"price_median_q{q}"] = (f"m_price_q{q}", "median")
        aggs[f"price_min_q{q}"] = (f"m_price_q{q}", "min")
        aggs[f"price_q{q}_min_break_fallback"] = (f"m_fallback_q{q}", "any")
    part_days = s.groupby([*PART, "snapshot_date"], sort=False).agg(**aggs).reset_index()
    part_days["market_stock"] = part_days.market_stock.where(
        (part_days.distributors_listing == 0) | (part_days.market_known > 0)
    )
    part_days["present"] = True

    # --- dense part × day grid; windows are count-based on it (one row per day) ----------------------
    parts = part_days[PART].drop_duplicates()
    g = parts.merge(pd.DataFrame({"snapshot_date": days}), how="cross")
    g = g.merge(part_days, on=[*PART, "snapshot_date"], how="left")
    g = g.sort_values([*PART, "snapshot_date"], ignore_index=True)
    g["present"] = g.present.fillna(False).astype(bool)
    g["observed"] = g.observed.fillna(False).astype(bool)
    g["day"] = (g.snapshot_date - pd.Timestamp("1970-01-01")).dt.days
    by = g.groupby(PART, sort=False)
    last_sighting = g.day.where(g.observed).groupby([g.mpn, g.manufacturer], sort=False).ffill()
    g["in_grid"] = g.present | ((g.day - last_sighting) <= lookback)
    for c in ("market_stock", "broker_stock", "distributors_listing", "distributors_in_stock", "carried_forward_distributors"):  # fmt: skip
        g[c] = g[c].where(g.present | ~g.in_grid, 0)

    def rolling(col: pd.Series, window: int, how: str, **kw) -> pd.Series:
        r = col.groupby([g.mpn, g.manufacturer], sort=False).rolling(window, **kw)
        return getattr(r, how)().reset_index(level=[0, 1], drop=True).sort_index()

    first_listed = rolling(g.day.where(g.present), lookback + 1, "min", min_periods=1)
    g["history_days"] = g.day - first_listed
    for n in (7, 30, 90):
        g[f"window_{n}d_complete"] = (g.history_days >= n).fillna(False)

    listed_stock = g.market_stock.where(g.present)

    def lag(col: pd.Series, n: int) -> pd.Series:
        shifted = col.groupby([g.mpn, g.manufacturer], sort=False).shift(n)
        was_present = g.present.groupby([g.mpn, g.manufacturer], sort=False).shift(n)
        return shifted.where(was_present.fillna(False).astype(bool))

    def pct(now: pd.Series, before: pd.Series) -> pd.Series:
        return ((now - before) / before * 100).where(before > 0)

    g["stock_change_7d_pct"] = pct(g.market_stock, lag(listed_stock, 7))
    g["stock_change_30d_pct"] = pct(g.market_stock, lag(listed_stock, 30))
    x = g.day.where(listed_stock.notna()).astype("float64")
    y = listed_stock.astype("float64")
    n = rolling(y.notna().astype("float64"), 30, "sum")
    sx, sy = rolling(x, 30, "sum", min_periods=1), rolling(y, 30, "sum", min_periods=1)
    sxy, sxx = rolling(x * y, 30, "sum", min_periods=1), rolling(x * x, 30, "sum", min_periods=1)
    den = n * sxx - sx * sx
    g["stock_slope_30d"] = ((n * sxy - sx * sy) / den).where((n >= 2) & (den > 0))
    g["days_to_depletion"] = (g.market_stock / -g.stock_slope_30d).where(g.stock_slope_30d < 0)

    spike_price = g.price_median_q100
    baseline = rolling(by.price_median_q100.shift(1), 90, "median", min_periods=1)
    g["price_spike_ratio"] = spike_price / baseline
    g["price_change_30d_pct"] = pct(spike_price, lag(spike_price, 30))
    lead_baseline = rolling(by.lead_time_days.shift(1), 90, "median", min_periods=1)
    g["lead_time_stretch_ratio"] = g.lead_time_days / lead_baseline
    g["lead_time_volatility_30d"] = rolling(g.lead_time_days, 30, "std", min_periods=2)

    # lifecycle: last known status (≤ lookback old), changes against the last known of the 3 days before
    rank_day = g.day.where(g.status_rank.notna()).groupby([g.mpn, g.manufacturer], sort=False).ffill()
    rank_known = by.status_rank.ffill()
    prev_rank = rank_known.groupby([g.mpn, g.manufacturer], sort=False).shift(1)
    prev_day = rank_day.groupby([g.mpn, g.manufacturer], sort=False).shift(1)
    previous = prev_rank.where(g.day - prev_day <= 3)
    changed = g.status_rank.notna() & previous.notna() & (g.status_rank != previous)
    downgraded = changed & (g.status_rank > previous)
    last_change = g.day.where(changed).groupby([g.mpn, g.manufacturer], sort=False).ffill()
    last_downgrade = g.day.where(downgraded).groupby([g.mpn, g.manufacturer], sort=False).ffill()
    status = rank_known.where(g.day - rank_day <= lookback)
    g["lifecycle_status"] = status.map(STATUS).fillna("Unknown")
    since = g.day - last_change
    g["days_since_status_change"] = since.where(since <= lookback)
    g["lifecycle_downgraded_30d"] = ((g.day - last_downgrade) < 30).fillna(False)
    lbd_day = g.day.where(g.last_buy_date.notna()).groupby([g.mpn, g.manufacturer], sort=False).ffill()
    lbd = by.last_buy_date.ffill()
    g["last_buy_date"] = lbd.where(g.day - lbd_day <= lookback)

    # sources lost / gained: each authorized seller in stock now vs 30 days earlier (dense seller grid)
    ins = sellers.loc[sellers.is_market & (sellers.stock > 0), [*PART, "distributor", "snapshot_date"]]
    ins = ins.assign(now=True)
    before = ins.assign(snapshot_date=ins.snapshot_date + pd.Timedelta(days=30)).rename(
        columns={"now": "was"}
    )
    both = ins.merge(before, on=[*PART, "distributor", "snapshot_date"], how="outer")
    both["lost"] = both.was.fillna(False).astype(bool) & ~both.now.fillna(False).astype(bool)
    both["gained"] = both.now.fillna(False).astype(bool) & ~both.was.fillna(False).astype(bool)
    changes = both.groupby([*PART, "snapshot_date"], sort=False)[["lost", "gained"]].sum().reset_index()
    g = g.merge(changes, on=[*PART, "snapshot_date"], how="left")
    for c, name in (("lost", "sources_lost_30d"), ("gained", "sources_gained_30d")):
        g[name] = g[c].fillna(0).where(g.window_30d_complete)

    out = g[g.in_grid & (g.snapshot_date >= pd.Timestamp(start)) & (g.snapshot_date <= end_ts)]
    out = out.assign(daily_demand_units=np.nan, daily_demand_std=np.nan)
    return out.reset_index(drop=True)

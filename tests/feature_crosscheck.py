"""An independent computation of a few trend features in plain DuckDB SQL.

Reusable against the warehouse: `crosscheck_features(conn, dates)` reads the staging relations and
returns, for each requested date and part that some authorized seller lists (observed, or carried
forward up to 3 days): market_stock, distributors_in_stock, stock_change_7d_pct and price_spike_ratio.
`compare_with_features` checks them against `features.part_trends_daily` rows.
"""

from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

CROSSCHECK_SQL = """
with
check_dates as (
    select unnest($dates::date[]) as check_date
),
-- every day any requested value needs: D, D-7 and the pre-shock reference [D-180, D-29]
days as (
    select distinct cast(check_date - d * interval 1 day as date) as snapshot_date
    from check_dates, range(0, 181) as r(d)
),
market_offers as (
    select snapshot_date, source, distributor, sku, mpn, manufacturer,
           coalesce(stock_pool, sku) as stock_pool, stock
    from {offers}
    where is_authorized and not is_duplicate_listing
),
sku_price as (
    select snapshot_date, source, distributor, sku,
           coalesce(arg_max(unit_price_usd, quantity) filter (where quantity <= 100),
                    arg_min(unit_price_usd, quantity)) as price,
           count(*) filter (where quantity <= 100) = 0 as above_smallest_break
    from {price_breaks}
    where unit_price_usd is not null and quantity is not null
    group by all
),
pool_stock as (
    select snapshot_date, mpn, manufacturer, distributor, stock_pool, max(stock) as stock
    from market_offers
    group by all
),
seller_stock as (
    select snapshot_date, mpn, manufacturer, distributor,
           case when count(stock) > 0 then sum(stock) end as stock
    from pool_stock
    group by all
),
seller_price as (
    select o.snapshot_date, o.mpn, o.manufacturer, o.distributor,
           coalesce(min(p.price) filter (where not p.above_smallest_break),
                    min(p.price) filter (where p.above_smallest_break)) as price
    from market_offers o
    left join sku_price p using (snapshot_date, source, distributor, sku)
    group by all
),
seller_observed as (
    select * from seller_stock join seller_price using (snapshot_date, mpn, manufacturer, distributor)
),
-- a seller missing on a day keeps its latest row of the 3 days before
seller_state as (
    select d.snapshot_date, s.mpn, s.manufacturer, s.distributor, s.stock, s.price
    from days d
    join seller_observed s
      on s.snapshot_date between d.snapshot_date - interval 3 day and d.snapshot_date
    qualify row_number() over (
        partition by d.snapshot_date, s.mpn, s.manufacturer, s.distributor
        order by s.snapshot_date desc) = 1
),
part_day as (
    select snapshot_date, mpn, manufacturer,
           case when count(stock) > 0 then sum(stock) end as market_stock,
           count(*) filter (where stock > 0) as distributors_in_stock,
           median(price) as price_median_q100
    from seller_state
    group by all
),
price_baseline as (
    select c.check_date, b.mpn, b.manufacturer, median(b.price_median_q100) as price_median_q100
    from check_dates c
    join part_day b
      on b.snapshot_date between c.check_date - interval 180 day and c.check_date - interval 29 day
    group by all
),
final as (
    select c.check_date as snapshot_date, now.mpn, now.manufacturer,
           now.market_stock,
           now.distributors_in_stock,
           case when week_ago.market_stock > 0
                then (now.market_stock - week_ago.market_stock) * 100.0 / week_ago.market_stock
           end as stock_change_7d_pct,
           now.price_median_q100 / baseline.price_median_q100 as price_spike_ratio
    from check_dates c
    join part_day now on now.snapshot_date = c.check_date
    left join part_day week_ago
      on week_ago.mpn = now.mpn and week_ago.manufacturer = now.manufacturer
     and week_ago.snapshot_date = c.check_date - interval 7 day
    left join price_baseline baseline
      on baseline.check_date = c.check_date and baseline.mpn = now.mpn
     and baseline.manufacturer = now.manufacturer
)
select * from final order by snapshot_date, mpn, manufacturer
"""

CHECKED_COLUMNS = ["market_stock", "distributors_in_stock", "stock_change_7d_pct", "price_spike_ratio"]


def crosscheck_features(
    conn: duckdb.DuckDBPyConnection,
    dates: list[date],
    *,
    offers: str = "staging.stg_feeds__offers",
    price_breaks: str = "staging.stg_feeds__price_breaks",
) -> pl.DataFrame:
    sql = CROSSCHECK_SQL.format(offers=offers, price_breaks=price_breaks)
    table = conn.sql(sql, params={"dates": [d.isoformat() for d in dates]}).to_arrow_table()
    return pl.from_arrow(table).with_columns(
        pl.col("snapshot_date").cast(pl.Date),
        pl.col("market_stock").cast(pl.Int64),
        pl.col("distributors_in_stock").cast(pl.Int32),
    )


def compare_with_features(
    expected: pl.DataFrame, features: pl.DataFrame, *, rel_tol: float = 1e-9
) -> list[str]:
    """Differences between the SQL values and the feature rows (empty list = agree).

    Parts the SQL finds no authorized seller for on a date are skipped: the feature row (delisted or
    broker-only) carries 0 there, checked by the unit tests.
    """
    key = ["snapshot_date", "mpn", "manufacturer"]
    joined = expected.join(features.select(key + CHECKED_COLUMNS), on=key, how="left", suffix="_features")
    problems = []
    for row in joined.iter_rows(named=True):
        for col in CHECKED_COLUMNS:
            want, got = row[col], row[f"{col}_features"]
            if want is None or got is None:
                same = want is None and got is None
            else:
                same = abs(want - got) <= rel_tol * max(1.0, abs(want))
            if not same:
                problems.append(f"{row['snapshot_date']} {row['mpn']} {col}: sql={want} features={got}")
    return problems

{#- Each watched part's market, per distributor and snapshot date, over all history: the chart data
    of the report's part page. Stock counts a shared stock pool once (DigiKey packaging variations);
    prices are the unit price at the 100 and 1,000 order quantities (the largest break at or below
    the quantity, else the smallest break, as the trend features price them), the lowest over the
    distributor's SKUs; an aggregator's duplicate listing is left out, as in the features. -#}

with

watchlist as (
    select mpn, manufacturer from {{ ref('int_part_watchlist') }}
),

offers as (
    select
        offers.snapshot_date, offers.source, offers.distributor, offers.sku, offers.stock_pool,
        offers.mpn, offers.manufacturer, offers.stock, offers.lead_time_days,
        offers.is_authorized and not coalesce(offers.is_broker, false) as is_authorized
    from {{ ref('stg_feeds__offers') }} as offers
    inner join watchlist
        on watchlist.mpn = offers.mpn and watchlist.manufacturer = offers.manufacturer
    where not offers.is_duplicate_listing
),

breaks as (
    select breaks.snapshot_date, breaks.source, breaks.distributor, breaks.sku, breaks.quantity, breaks.unit_price_usd
    from {{ ref('stg_feeds__price_breaks') }} as breaks
    inner join (select distinct snapshot_date, source, distributor, sku from offers) as listed
        on listed.snapshot_date = breaks.snapshot_date and listed.source = breaks.source
        and listed.distributor = breaks.distributor and listed.sku = breaks.sku
    where breaks.unit_price_usd is not null and breaks.quantity is not null
),

ranked_breaks as (
    select
        breaks.*,
        row_number() over (
            partition by snapshot_date, source, distributor, sku
            order by case when quantity <= 100 then 0 else 1 end, case when quantity <= 100 then -quantity else quantity end
        ) as rank_q100,
        row_number() over (
            partition by snapshot_date, source, distributor, sku
            order by case when quantity <= 1000 then 0 else 1 end, case when quantity <= 1000 then -quantity else quantity end
        ) as rank_q1000
    from breaks
),

sku_prices as (
    select
        snapshot_date, source, distributor, sku,
        min(case when rank_q100 = 1 then unit_price_usd end) as price_q100_usd,
        min(case when rank_q1000 = 1 then unit_price_usd end) as price_q1000_usd
    from ranked_breaks
    where rank_q100 = 1 or rank_q1000 = 1
    group by snapshot_date, source, distributor, sku
),

pools as (
    select snapshot_date, mpn, manufacturer, distributor, stock_pool, max(stock) as pool_stock
    from offers
    group by snapshot_date, mpn, manufacturer, distributor, stock_pool
),

pool_stock as (
    select snapshot_date, mpn, manufacturer, distributor, sum(pool_stock) as stock
    from pools
    group by snapshot_date, mpn, manufacturer, distributor
),

seller_days as (
    select
        offers.snapshot_date, offers.mpn, offers.manufacturer, offers.distributor,
        max(case when offers.is_authorized then 1 else 0 end) = 1 as is_authorized,
        min(sku_prices.price_q100_usd) as price_q100_usd,
        min(sku_prices.price_q1000_usd) as price_q1000_usd,
        min(offers.lead_time_days) as lead_time_days
    from offers
    left join sku_prices
        on sku_prices.snapshot_date = offers.snapshot_date and sku_prices.source = offers.source
        and sku_prices.distributor = offers.distributor and sku_prices.sku = offers.sku
    group by offers.snapshot_date, offers.mpn, offers.manufacturer, offers.distributor
),

final as (
    select
        -- keys
        seller_days.snapshot_date,
        seller_days.mpn,
        seller_days.manufacturer,
        seller_days.distributor,
        -- attributes
        seller_days.is_authorized,
        -- measures
        cast(pool_stock.stock as bigint) as stock,
        cast(seller_days.price_q100_usd as double) as price_q100_usd,
        cast(seller_days.price_q1000_usd as double) as price_q1000_usd,
        cast(seller_days.lead_time_days as integer) as lead_time_days
    from seller_days
    left join pool_stock
        on pool_stock.snapshot_date = seller_days.snapshot_date and pool_stock.mpn = seller_days.mpn
        and pool_stock.manufacturer = seller_days.manufacturer and pool_stock.distributor = seller_days.distributor
)

select * from final

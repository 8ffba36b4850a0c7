{{ config(**snapshot_incremental_config('as_of')) }}

{#- The offer the plan would buy each BOM part from, as of every snapshot date (as_of): the
    cheapest authorized offer in stock at the planned quantity (the part's units over the horizon,
    all products together). An offer counts if its distributor listed it within var risk_offer_carry_days
    days of that date (a one-day feed outage must not hide a distributor, as in the features).
    Offers whose stock covers the planned quantity come first; then the lowest unit price at the
    quantity actually ordered (raised to the MOQ and order multiple); then the deepest stock.
    The buffer plan rounds to this offer's MOQ and multiple, and the distributor HHI gives the
    part's spend to this offer's distributor. -#}

with

offers as (
    select
        snapshot_date, source, distributor, sku, mpn, manufacturer, stock, moq, order_multiple,
        lead_time_days, packaging
    from {{ ref('stg_feeds__offers') }}
    where is_authorized and not coalesce(is_broker, false) and not is_duplicate_listing
        and {{ snapshot_window(lookback_days=risk_setting('risk_offer_carry_days')) }}
),

price_breaks as (
    {{ risk_carried_price_breaks() }}
),

exposure as (
    select mpn, manufacturer, as_of, sum(part_units_horizon) as part_units_horizon
    from {{ ref('int_bom_exposure_history') }}
    where {{ snapshot_window('as_of') }}
    group by mpn, manufacturer, as_of
),

-- Each distributor SKU's latest listing in the carry window before as_of.
recent_offers as (
    select
        offers.*,
        exposure.as_of,
        greatest(exposure.part_units_horizon, 1.0) as planned_quantity,
        row_number() over (
            partition by exposure.as_of, offers.source, offers.distributor, offers.sku
            order by offers.snapshot_date desc
        ) as recency
    from offers
    inner join exposure
        on exposure.mpn = offers.mpn and exposure.manufacturer = offers.manufacturer
    where offers.snapshot_date <= exposure.as_of
        and offers.snapshot_date > {{ dbt.dateadd('day', '-1 - ' ~ risk_setting('risk_offer_carry_days'), 'exposure.as_of') }}
),

in_stock as (
    select
        recent_offers.*,
        {{ risk_round_up_to_order('recent_offers.planned_quantity', 'recent_offers.moq', 'recent_offers.order_multiple') }}
            as order_quantity
    from recent_offers
    where recency = 1 and stock > 0
),

offer_breaks as (
    select
        in_stock.*,
        price_breaks.quantity as price_break_quantity,
        price_breaks.unit_price_usd,
        {{ risk_break_preference('in_stock.order_quantity', 'price_breaks.quantity',
                                 'in_stock.as_of, in_stock.snapshot_date, in_stock.source, in_stock.distributor, in_stock.sku') }}
            as break_preference
    from in_stock
    inner join price_breaks
        on price_breaks.snapshot_date = in_stock.snapshot_date
        and price_breaks.source = in_stock.source
        and price_breaks.distributor = in_stock.distributor
        and price_breaks.sku = in_stock.sku
),

priced as (
    select
        offer_breaks.*,
        row_number() over (
            partition by as_of, mpn, manufacturer
            order by
                case when stock >= planned_quantity then 0 else 1 end,
                unit_price_usd,
                stock desc,
                distributor,
                sku
        ) as offer_preference
    from offer_breaks
    where break_preference = 1
),

chosen as (
    select * from priced where offer_preference = 1
),

-- Without an authorized offer in stock the part is priced at the market median (features), so
-- its spend still counts; price_origin says which.
market_prices as (
    select
        trends.snapshot_date as as_of,
        trends.mpn,
        trends.manufacturer,
        coalesce(trends.price_median_q1000, trends.price_median_q100, trends.price_median_q1) as market_unit_price
    from {{ source('features', 'part_trends_daily') }} as trends
    inner join exposure
        on exposure.as_of = trends.snapshot_date
        and exposure.mpn = trends.mpn
        and exposure.manufacturer = trends.manufacturer
),

final as (
    select
        -- keys
        exposure.mpn,
        exposure.manufacturer,
        -- the chosen offer (null when no authorized offer is in stock)
        exposure.as_of,
        chosen.snapshot_date as offer_snapshot_date,
        chosen.source as offer_source,
        chosen.distributor,
        chosen.sku,
        chosen.packaging,
        -- measures
        greatest(exposure.part_units_horizon, 1.0) as planned_quantity,
        chosen.order_quantity,
        chosen.stock as offer_stock,
        coalesce(chosen.stock >= chosen.planned_quantity, false) as covers_planned_quantity,
        chosen.moq,
        chosen.order_multiple,
        chosen.lead_time_days as offer_lead_time_days,
        chosen.price_break_quantity,
        chosen.unit_price_usd as unit_price_at_planned_quantity,
        coalesce(chosen.unit_price_usd, market_prices.market_unit_price) as planned_unit_price_usd,
        case
            when chosen.unit_price_usd is not null then 'authorized_offer'
            when market_prices.market_unit_price is not null then 'market_median'
        end as price_origin
    from exposure
    left join chosen
        on chosen.as_of = exposure.as_of and chosen.mpn = exposure.mpn and chosen.manufacturer = exposure.manufacturer
    left join market_prices
        on market_prices.as_of = exposure.as_of and market_prices.mpn = exposure.mpn
        and market_prices.manufacturer = exposure.manufacturer
)

select * from final

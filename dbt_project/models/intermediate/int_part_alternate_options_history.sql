{{ config(**snapshot_incremental_config('as_of')) }}

{#- Each BOM part's alternates (reference/alternates.csv) as they stand on every snapshot date
    (as_of): in stock or not, their authorized market stock and market price, their own risk, and whether they are assembled in another country (their top
    assembly/test country differs from the part's). preference = 1 is the best option: in stock
    first, then the lowest risk band, then another country, then form-fit-function before
    functional, then the lowest score. -#}

with

alternates as (
    select distinct mpn, manufacturer, alt_mpn, alt_manufacturer, fit
    from {{ ref('stg_reference__alternates') }}
    where alt_mpn is not null and alt_manufacturer is not null
),

watchlist as (
    select mpn, manufacturer from {{ ref('int_part_watchlist') }} where is_bom_part
),

history as (
    select snapshot_date, mpn, manufacturer, risk_score, risk_band, risk_band_rank, distributors_in_stock,
           market_stock
    from {{ ref('int_part_risk_history') }}
    where {{ snapshot_window() }}
),

snapshot_dates as (
    select distinct snapshot_date as as_of from history
),

-- The alternate's price at 1,000 (else 100, else 1) on the date: what a qualification buy pays.
market_prices as (
    select
        snapshot_date,
        mpn,
        manufacturer,
        coalesce(price_median_q1000, price_median_q100, price_median_q1) as market_unit_price
    from {{ source('features', 'part_trends_daily') }}
    where {{ snapshot_window() }}
),

geography as (
    select mpn, manufacturer, top_assembly_country, assembly_countries from {{ ref('int_part_geography') }}
),

options as (
    select
        snapshot_dates.as_of,
        alternates.mpn,
        alternates.manufacturer,
        alternates.alt_mpn,
        alternates.alt_manufacturer,
        alternates.fit,
        coalesce(alt_risk.distributors_in_stock, 0) > 0 as alt_in_stock,
        coalesce(alt_risk.market_stock, 0) as alt_market_stock,
        alt_risk.risk_score as alt_risk_score,
        alt_risk.risk_band as alt_risk_band,
        alt_risk.risk_band_rank as alt_risk_band_rank,
        market_prices.market_unit_price as alt_unit_price_usd,
        alt_geography.top_assembly_country as alt_top_assembly_country,
        alt_geography.assembly_countries as alt_assembly_countries,
        part_geography.top_assembly_country as part_top_assembly_country,
        coalesce(alt_geography.top_assembly_country <> part_geography.top_assembly_country, false)
            as is_other_country
    from alternates
    inner join watchlist
        on watchlist.mpn = alternates.mpn and watchlist.manufacturer = alternates.manufacturer
    cross join snapshot_dates
    left join history as alt_risk
        on alt_risk.snapshot_date = snapshot_dates.as_of
        and alt_risk.mpn = alternates.alt_mpn and alt_risk.manufacturer = alternates.alt_manufacturer
    left join market_prices
        on market_prices.snapshot_date = snapshot_dates.as_of
        and market_prices.mpn = alternates.alt_mpn and market_prices.manufacturer = alternates.alt_manufacturer
    left join geography as alt_geography
        on alt_geography.mpn = alternates.alt_mpn and alt_geography.manufacturer = alternates.alt_manufacturer
    left join geography as part_geography
        on part_geography.mpn = alternates.mpn and part_geography.manufacturer = alternates.manufacturer
),

final as (
    select
        options.*,
        row_number() over (
            partition by as_of, mpn, manufacturer
            order by
                case when alt_in_stock then 0 else 1 end,
                coalesce(alt_risk_band_rank, 99),
                case when is_other_country then 0 else 1 end,
                case when fit = 'fff' then 0 else 1 end,
                alt_risk_score,
                alt_mpn,
                alt_manufacturer
        ) as preference
    from options
)

select * from final

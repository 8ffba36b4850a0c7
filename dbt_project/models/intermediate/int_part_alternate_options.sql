{#- Each BOM part's alternates (reference/alternates.csv) as they stand on the latest snapshot date:
    in stock or not, their own risk, and whether they are assembled in another country (their top
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
    from {{ ref('part_risk_history') }}
),

latest_date as (
    select max(snapshot_date) as snapshot_date from history
),

latest as (
    select history.*
    from history
    inner join latest_date on latest_date.snapshot_date = history.snapshot_date
),

geography as (
    select mpn, manufacturer, top_assembly_country, assembly_countries from {{ ref('int_part_geography') }}
),

options as (
    select
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
        alt_geography.top_assembly_country as alt_top_assembly_country,
        alt_geography.assembly_countries as alt_assembly_countries,
        part_geography.top_assembly_country as part_top_assembly_country,
        coalesce(alt_geography.top_assembly_country <> part_geography.top_assembly_country, false)
            as is_other_country
    from alternates
    inner join watchlist
        on watchlist.mpn = alternates.mpn and watchlist.manufacturer = alternates.manufacturer
    left join latest as alt_risk
        on alt_risk.mpn = alternates.alt_mpn and alt_risk.manufacturer = alternates.alt_manufacturer
    left join geography as alt_geography
        on alt_geography.mpn = alternates.alt_mpn and alt_geography.manufacturer = alternates.alt_manufacturer
    left join geography as part_geography
        on part_geography.mpn = alternates.mpn and part_geography.manufacturer = alternates.manufacturer
),

final as (
    select
        options.*,
        row_number() over (
            partition by mpn, manufacturer
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

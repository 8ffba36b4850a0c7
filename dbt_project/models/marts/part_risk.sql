{#- The latest snapshot of part_risk_history, with what a planner needs beside it: supply, price and
    lead-time signals, the alternates in stock (and in another country), and the products that use
    the part. One row per watched part that has a row on the latest snapshot date. -#}

with

history as (
    select * from {{ ref('part_risk_history') }}
),

latest_date as (
    select max(snapshot_date) as snapshot_date from history
),

alternate_options as (
    select * from {{ ref('int_part_alternate_options') }}
),

exposure as (
    select product, mpn, manufacturer, qty_per_unit from {{ ref('int_bom_exposure') }}
),

demand as (
    select mpn, manufacturer, daily_demand_units from {{ ref('int_part_demand') }}
),

geography as (
    select mpn, manufacturer, assembly_countries, top_assembly_country from {{ ref('int_part_geography') }}
),

latest as (
    select history.*
    from history
    inner join latest_date on latest_date.snapshot_date = history.snapshot_date
),

alternate_counts as (
    select
        mpn,
        manufacturer,
        count(*) as alternates,
        sum(case when alt_in_stock then 1 else 0 end) as alternates_in_stock,
        sum(case when alt_in_stock and is_other_country then 1 else 0 end) as alternates_in_stock_other_country,
        max(case when preference = 1 and alt_in_stock then alt_mpn end) as best_alternate_mpn,
        max(case when preference = 1 and alt_in_stock then alt_manufacturer end) as best_alternate_manufacturer
    from alternate_options
    group by mpn, manufacturer
),

usage as (
    select
        mpn,
        manufacturer,
        {{ dbt.listagg('product', "', '", 'order by product') }} as products,
        {{ dbt.listagg(
            "product || ': ' || case when qty_per_unit = floor(qty_per_unit)
                then cast(cast(qty_per_unit as bigint) as " ~ dbt.type_string() ~ ")
                else cast(qty_per_unit as " ~ dbt.type_string() ~ ") end",
            "', '", 'order by product') }} as units_per_product
    from exposure
    group by mpn, manufacturer
),

final as (
    select
        -- keys (part_risk_history's contract types its columns already)
        latest.snapshot_date,
        latest.mpn,
        latest.manufacturer,
        latest.mpn_raw,
        latest.manufacturer_raw,
        latest.is_bom_part,
        latest.is_alternate,
        -- score
        latest.risk_score,
        latest.risk_band,
        latest.risk_band_rank,
        latest.weighted_score,
        latest.data_completeness,
        latest.risk_override,
        latest.structural_band_rank,
        latest.structural_floor_score,
        latest.risk_drivers,
        {%- for factor in risk_factors() %}
        latest.{{ factor }},
        {%- endfor %}
        -- what the planner reads beside it
        latest.lifecycle_status,
        latest.last_buy_date,
        latest.distributors_listing,
        latest.distributors_in_stock,
        latest.market_stock,
        latest.broker_stock,
        latest.days_to_depletion,
        latest.stock_change_7d_pct,
        latest.price_spike_ratio,
        latest.lead_time_days,
        latest.lead_time_stretch_ratio,
        latest.lead_time_volatility_30d,
        cast(geography.assembly_countries as {{ dbt.type_string() }}) as assembly_countries,
        cast(geography.top_assembly_country as {{ dbt.type_string() }}) as top_assembly_country,
        -- alternates
        cast(coalesce(alternate_counts.alternates, 0) as integer) as alternates,
        cast(coalesce(alternate_counts.alternates_in_stock, 0) as integer) as alternates_in_stock,
        cast(coalesce(alternate_counts.alternates_in_stock_other_country, 0) as integer)
            as alternates_in_stock_other_country,
        cast(alternate_counts.best_alternate_mpn as {{ dbt.type_string() }}) as best_alternate_mpn,
        cast(alternate_counts.best_alternate_manufacturer as {{ dbt.type_string() }}) as best_alternate_manufacturer,
        -- usage
        cast(usage.products as {{ dbt.type_string() }}) as products,
        cast(usage.units_per_product as {{ dbt.type_string() }}) as units_per_product,
        cast(demand.daily_demand_units as double) as daily_demand_units
    from latest
    left join alternate_counts
        on alternate_counts.mpn = latest.mpn and alternate_counts.manufacturer = latest.manufacturer
    left join usage
        on usage.mpn = latest.mpn and usage.manufacturer = latest.manufacturer
    left join demand
        on demand.mpn = latest.mpn and demand.manufacturer = latest.manufacturer
    left join geography
        on geography.mpn = latest.mpn and geography.manufacturer = latest.manufacturer
)

select * from final

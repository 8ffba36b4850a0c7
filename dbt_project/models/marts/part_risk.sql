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
        -- keys
        cast(latest.snapshot_date as date) as snapshot_date,
        cast(latest.mpn as {{ dbt.type_string() }}) as mpn,
        cast(latest.manufacturer as {{ dbt.type_string() }}) as manufacturer,
        cast(latest.mpn_raw as {{ dbt.type_string() }}) as mpn_raw,
        cast(latest.manufacturer_raw as {{ dbt.type_string() }}) as manufacturer_raw,
        cast(latest.is_bom_part as boolean) as is_bom_part,
        cast(latest.is_alternate as boolean) as is_alternate,
        -- score
        cast(latest.risk_score as double) as risk_score,
        cast(latest.risk_band as {{ dbt.type_string() }}) as risk_band,
        cast(latest.risk_band_rank as integer) as risk_band_rank,
        cast(latest.weighted_score as double) as weighted_score,
        cast(latest.data_completeness as double) as data_completeness,
        cast(latest.risk_override as {{ dbt.type_string() }}) as risk_override,
        cast(latest.structural_band_rank as integer) as structural_band_rank,
        cast(latest.structural_floor_score as double) as structural_floor_score,
        cast(latest.risk_drivers as {{ dbt.type_string() }}) as risk_drivers,
        {%- for factor in risk_factors() %}
        cast(latest.{{ factor }} as double) as {{ factor }},
        {%- endfor %}
        -- what the planner reads beside it
        cast(latest.lifecycle_status as {{ dbt.type_string() }}) as lifecycle_status,
        cast(latest.last_buy_date as date) as last_buy_date,
        cast(latest.distributors_listing as integer) as distributors_listing,
        cast(latest.distributors_in_stock as integer) as distributors_in_stock,
        cast(latest.market_stock as bigint) as market_stock,
        cast(latest.broker_stock as bigint) as broker_stock,
        cast(latest.days_to_depletion as double) as days_to_depletion,
        cast(latest.stock_change_7d_pct as double) as stock_change_7d_pct,
        cast(latest.price_spike_ratio as double) as price_spike_ratio,
        cast(latest.lead_time_days as double) as lead_time_days,
        cast(latest.lead_time_stretch_ratio as double) as lead_time_stretch_ratio,
        cast(latest.lead_time_volatility_30d as double) as lead_time_volatility_30d,
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

{{ config(tags=['history'], **snapshot_incremental_config()) }}

{#- The part's structural weaknesses on each snapshot date, no shock needed, and the band they reach
    on their own: the one definition that both the risk score (part_risk_history, as a floor) and the
    buffer plan's planning band (int_buffer_options_history) use. Thresholds: seed
    risk_structural_rules; doc scoring_model. Every value is the feature row of that date, the
    assembly sites and today's plan (the company's daily use, as features.part_trends_daily has it). -#}

with

trends as (
    select
        snapshot_date, mpn, manufacturer, lead_time_days, distributors_in_stock, market_stock,
        daily_demand_units, lifecycle_status, last_buy_date
    from {{ source('features', 'part_trends_daily') }}
    where {{ snapshot_window() }}
),

geography as (
    select mpn, manufacturer, assembly_countries_count from {{ ref('int_part_geography') }}
),

policy as (
    select horizon_days, shipping_days from {{ ref('stg_plan__policy') }}
),

rules as (
    {{ risk_settings_row('risk_structural_rules', 'rule', 'threshold', {
        'long_lead_time': 'long_lead_time_days', 'few_distributors': 'few_distributors',
        'thin_market_cover': 'thin_market_cover_days', 'order_review': 'order_review_days'}) }}
),

flags as (
    select
        trends.snapshot_date,
        trends.mpn,
        trends.manufacturer,
        trends.lead_time_days,
        trends.distributors_in_stock,
        trends.lifecycle_status,
        trends.last_buy_date,
        case when trends.daily_demand_units > 0
            then coalesce(trends.market_stock, 0) / trends.daily_demand_units
        end as market_cover_days,
        coalesce(trends.lead_time_days >= rules.long_lead_time_days, false) as is_long_lead_time,
        coalesce(trends.distributors_in_stock, 0) <= rules.few_distributors as has_few_distributors,
        coalesce(geography.assembly_countries_count = 1, false) as is_single_country,
        coalesce(trends.daily_demand_units > 0
                 and coalesce(trends.market_stock, 0) < rules.thin_market_cover_days * trends.daily_demand_units, false)
            as has_thin_market_cover,
        -- one order (a review period and the shipping of use) empties the market, and the factory
        -- cannot refill it before it runs dry
        coalesce(trends.daily_demand_units > 0
                 and coalesce(trends.market_stock, 0)
                     < (rules.order_review_days + policy.shipping_days) * trends.daily_demand_units
                 and coalesce(trends.market_stock, 0) < trends.lead_time_days * trends.daily_demand_units, false)
            as has_market_below_one_order,
        coalesce(trends.lifecycle_status in ('EOL', 'Obsolete'), false)
        or coalesce(trends.last_buy_date <= {{ dbt.dateadd('day', 'policy.horizon_days', 'trends.snapshot_date') }}, false)
            as is_end_of_life,
        coalesce(trends.lifecycle_status = 'NRND', false) as is_not_recommended
    from trends
    cross join rules
    cross join policy
    left join geography on geography.mpn = trends.mpn and geography.manufacturer = trends.manufacturer
),

final as (
    select
        flags.*,
        -- a thin market with one more weakness is Medium, with long lead time and few distributors
        -- High; NRND and a market below one order are Medium; an EOL notice or a last buy within the
        -- horizon is High at once
        case
            when is_end_of_life then 3
            when has_thin_market_cover and is_long_lead_time and has_few_distributors then 3
            when has_thin_market_cover and (is_long_lead_time or has_few_distributors or is_single_country) then 2
            when is_not_recommended then 2
            when has_market_below_one_order then 2
            else 1
        end as structural_band_rank,
        case
            when is_end_of_life and last_buy_date is not null
                then 'end of life: lifecycle ' || coalesce(lifecycle_status, 'Unknown') || ', last buy '
                    || cast(last_buy_date as {{ dbt.type_string() }})
            when is_end_of_life then 'end of life: lifecycle ' || lifecycle_status
            when has_thin_market_cover and (is_long_lead_time or has_few_distributors or is_single_country)
                then 'thin market: stock covers '
                    || cast(cast(floor(market_cover_days) as integer) as {{ dbt.type_string() }})
                    || ' days of own use'
                    || case when is_long_lead_time
                        then ', lead time ' || cast(cast(round(lead_time_days / 7.0) as integer) as {{ dbt.type_string() }})
                            || ' weeks' else '' end
                    || case when has_few_distributors
                        then ', ' || cast(coalesce(distributors_in_stock, 0) as {{ dbt.type_string() }})
                            || ' authorized distributor(s) in stock' else '' end
                    || case when is_single_country then ', single country of assembly' else '' end
            when is_not_recommended then 'lifecycle NRND: not recommended for new designs'
            when has_market_below_one_order
                then 'market below one order: stock covers '
                    || cast(cast(floor(market_cover_days) as integer) as {{ dbt.type_string() }})
                    || ' days of own use against a lead time of '
                    || cast(cast(round(lead_time_days) as integer) as {{ dbt.type_string() }}) || ' days'
        end as structural_reason
    from flags
)

select * from final

{{ config(**snapshot_incremental_config()) }}

{#- One row per snapshot date x BOM part: the option of int_buffer_options_history with its expected
    stoppage cost (the part's shares of its products' costs, int_product_stoppage_history), what the
    purchase avoids and what it costs to hold over the horizon. The budget allocation is in
    marts.buffer_plan_history. Doc buffer_model. -#}

with

priced as (
    select * from {{ ref('int_buffer_options_history') }}
    where {{ snapshot_window() }}
),

policy as (
    select holding_rate, horizon_days, buffer_budget_usd from {{ ref('stg_plan__policy') }}
),

part_costs as (
    select snapshot_date, mpn, manufacturer, sum(part_stoppage_cost) as expected_stoppage_cost
    from {{ ref('int_product_stoppage_history') }}
    where {{ snapshot_window() }}
    group by snapshot_date, mpn, manufacturer
),

costed as (
    select
        priced.*,
        coalesce(part_costs.expected_stoppage_cost, 0.0) as expected_stoppage_cost,
        priced.buy_units * coalesce(priced.unit_price_usd, 0.0) as capital_usd,
        -- the days of the horizon the position leaves uncovered; the purchase covers buy / d of them
        case when priced.daily_demand_units > 0
            then priced.horizon_days * priced.uncovered_share end as uncovered_days
    from priced
    left join part_costs
        on part_costs.snapshot_date = priced.snapshot_date
        and part_costs.mpn = priced.mpn and part_costs.manufacturer = priced.manufacturer
),

final as (
    select
        costed.*,
        case when uncovered_days > 0 and buy_units > 0
            then expected_stoppage_cost * least(1.0, buy_units / daily_demand_units / uncovered_days)
            else 0.0
        end as expected_stoppage_cost_avoided,
        capital_usd * policy.holding_rate * policy.horizon_days / 365.0 as holding_cost_horizon,
        policy.holding_rate,
        policy.buffer_budget_usd
    from costed
    cross join policy
)

select * from final

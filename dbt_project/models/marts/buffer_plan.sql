{#- One row per part used on a BOM: the strategy, the buffer, its cost, the stoppage it avoids and
    whether the capital budget (var risk_buffer_budget_usd) funds it. The budget goes greedily to
    the buffers that avoid the most expected stoppage cost per dollar of buffer capital: a running
    sum of capital in that order, funded while it stays within the budget. -#}

with

candidates as (
    select * from {{ ref('int_buffer_candidates') }}
),

ranked as (
    select
        candidates.*,
        case
            when strategy <> 'JIT' and buffer_capital > 0 then expected_stoppage_cost_avoided / buffer_capital
        end as cost_avoided_per_buffer_dollar
    from candidates
),

selected as (
    select
        ranked.*,
        case
            when cost_avoided_per_buffer_dollar is not null then
                sum(buffer_capital) over (
                    order by cost_avoided_per_buffer_dollar desc, mpn, manufacturer
                    rows between unbounded preceding and current row
                )
        end as cumulative_buffer_capital
    from ranked
),

-- Whole units and dollars in the sentence; the exact values are in their columns.
formatted as (
    select
        selected.*,
        cast(cast(round(buffer_units) as bigint) as {{ dbt.type_string() }}) as buffer_units_text,
        cast(cast(round(buffer_capital) as bigint) as {{ dbt.type_string() }}) as buffer_capital_text,
        cast(cast(round(expected_stoppage_cost_avoided) as bigint) as {{ dbt.type_string() }}) as cost_avoided_text,
        cast(cast(round(proposed_cost_avoided) as bigint) as {{ dbt.type_string() }}) as proposed_cost_avoided_text,
        cast(cast(round(proposed_holding_cost) as bigint) as {{ dbt.type_string() }}) as proposed_holding_text,
        cast(cast(round(risk_score) as bigint) as {{ dbt.type_string() }}) as risk_score_text,
        -- 'High (52)', or 'Low now (12), High on 2025-10-20' when the planning band comes from memory
        case
            when planning_band_rank > risk_band_rank then
                risk_band || ' now (' || cast(cast(round(risk_score) as bigint) as {{ dbt.type_string() }}) || '), '
                || planning_band || ' on ' || cast(peak_last_seen as {{ dbt.type_string() }})
            else risk_band || ' (' || cast(cast(round(risk_score) as bigint) as {{ dbt.type_string() }}) || ')'
        end as band_text
    from selected
),

explained as (
    select
        formatted.*,
        case
            when strategy = 'LAST_TIME_BUY' then
                'Lifecycle ' || lifecycle_status
                || coalesce(' (last buy ' || cast(last_buy_date as {{ dbt.type_string() }}) || ')', '')
                || ': buy ' || buffer_units_text || ' units ({{ risk_setting("risk_last_time_buy_weeks") }} weeks of planned demand) for $'
                || buffer_capital_text || ' before the line runs dry.'
            when strategy = 'DUAL_SOURCE' then
                'Risk ' || band_text
                || coalesce(': ' || nullif(risk_drivers, ''), '')
                || '; qualify in-stock alternate ' || best_alternate_mpn || ' (' || best_alternate_manufacturer || ')'
                || ' and hold a ' || buffer_units_text || '-unit bridge buffer ($' || buffer_capital_text || ').'
            when strategy = 'JIC' then
                'Risk ' || band_text
                || coalesce(': ' || nullif(risk_drivers, ''), '')
                || '; a ' || buffer_units_text || '-unit buffer ($' || buffer_capital_text || ') avoids $'
                || cost_avoided_text || ' of expected stoppage cost.'
            when proposed_strategy = 'JIC' then
                'Risk ' || band_text || ' but the buffer would cost $' || proposed_holding_text
                || ' a year to hold against $' || proposed_cost_avoided_text || ' of expected stoppage cost avoided: buy to order.'
            when planning_band_rank <= 1 then
                'Risk Low (' || risk_score_text || '), and no High warning in the last '
                || '{{ risk_setting("risk_strategy_memory_days") }} days: buy to order.'
            else
                'Risk ' || band_text || ' but no planned demand in the next '
                || '{{ risk_setting("planning_horizon_weeks") }} weeks: nothing to buffer.'
        end as rationale
    from formatted
),

final as (
    select
        -- keys
        cast(mpn as {{ dbt.type_string() }}) as mpn,
        cast(manufacturer as {{ dbt.type_string() }}) as manufacturer,
        -- decision
        cast(strategy as {{ dbt.type_string() }}) as strategy,
        cast(rationale as {{ dbt.type_string() }}) as rationale,
        cast(coalesce(cumulative_buffer_capital <= {{ risk_setting('risk_buffer_budget_usd') }}, false) as boolean) as in_budget,
        cast(risk_score as double) as risk_score,
        cast(risk_band as {{ dbt.type_string() }}) as risk_band,
        cast(planning_band as {{ dbt.type_string() }}) as planning_band,
        cast(peak_last_seen as date) as last_high_risk_date,
        cast(lifecycle_status as {{ dbt.type_string() }}) as lifecycle_status,
        cast(last_buy_date as date) as last_buy_date,
        cast(best_alternate_mpn as {{ dbt.type_string() }}) as best_alternate_mpn,
        cast(best_alternate_manufacturer as {{ dbt.type_string() }}) as best_alternate_manufacturer,
        -- safety stock inputs and result
        cast(daily_demand_units as double) as daily_demand_units,
        cast(daily_demand_std as double) as daily_demand_std,
        cast(lead_time_days as double) as lead_time_days,
        cast(lead_time_std_days as double) as lead_time_std_days,
        cast(service_level_z as double) as service_level_z,
        cast(safety_stock_units as double) as safety_stock_units,
        cast(reorder_point_units as double) as reorder_point_units,
        cast(case when daily_demand_units > 0 then buffer_units / (7.0 * daily_demand_units) end as double)
            as target_weeks_of_cover,
        cast(on_hand_units as bigint) as on_hand_units,
        -- the order
        cast(order_distributor as {{ dbt.type_string() }}) as order_distributor,
        cast(order_sku as {{ dbt.type_string() }}) as order_sku,
        cast(order_moq as bigint) as order_moq,
        cast(order_multiple as bigint) as order_multiple,
        cast(unit_price_usd as double) as unit_price_usd,
        cast(buffer_units as double) as buffer_units,
        cast(buffer_capital as double) as buffer_capital,
        cast(annual_holding_cost as double) as annual_holding_cost,
        -- the stoppage it insures against
        cast(stoppage_probability as double) as stoppage_probability,
        cast(stoppage_days as double) as stoppage_days,
        cast(margin_per_day as double) as margin_per_day,
        cast(expected_stoppage_cost as double) as expected_stoppage_cost,
        cast(expected_stoppage_cost_avoided as double) as expected_stoppage_cost_avoided,
        cast(cost_avoided_per_buffer_dollar as double) as cost_avoided_per_buffer_dollar,
        -- the budget
        cast(cumulative_buffer_capital as double) as cumulative_buffer_capital,
        cast({{ risk_setting('risk_buffer_budget_usd') }} as double) as budget_usd
    from explained
)

select * from final

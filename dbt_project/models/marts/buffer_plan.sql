{#- One row per part used on a BOM, on the latest snapshot date of marts.buffer_plan_history: the
    strategy, the inventory position and cover, the stoppage risk and its cost, the purchase the plan
    asks for (the part, or the alternate to qualify) and whether the day's budget funds it, with the
    reason in one sentence. Formulas in doc buffer_model. -#}

with

history as (
    select * from {{ buffer_plan_history_relation() }}
),

latest_date as (
    select max(snapshot_date) as snapshot_date from history
),

latest as (
    select history.*
    from history
    inner join latest_date on latest_date.snapshot_date = history.snapshot_date
),

-- Funded capital in funding order, up to and including the row.
selected as (
    select
        latest.*,
        case
            when funding_rank is not null then
                sum(funded_capital_usd) over (
                    order by funding_rank rows between unbounded preceding and current row
                )
        end as cumulative_buffer_capital
    from latest
),

-- Whole units and dollars in the sentence; the exact values are in their columns.
formatted as (
    select
        selected.*,
        {%- for column, name in [('buy_units', 'buy'), ('capital_usd', 'capital'), ('expected_stoppage_cost_avoided', 'avoided'),
                                 ('holding_cost_horizon', 'holding'), ('risk_score', 'score'), ('target_units', 'target'),
                                 ('net_position_units', 'position'), ('unmet_need_units', 'unmet'), ('funded_units', 'funded')] %}
        cast(cast(round({{ column }}) as bigint) as {{ dbt.type_string() }}) as {{ name }}_text,
        {%- endfor %}
        -- 'High (52)'; 'Low now (12), High on 2025-10-20' when the planning band comes from memory;
        -- 'Low now (12), planned Medium for thin market cover, long lead time' when it comes from structure
        case
            when planning_band_rank > risk_band_rank and structural_band_rank >= planning_band_rank then
                risk_band || ' now (' || cast(cast(round(risk_score) as bigint) as {{ dbt.type_string() }}) || '), planned '
                || planning_band || ' for thin market cover'
                || case when is_long_lead_time then ', long lead time' else '' end
                || case when has_few_distributors then ', few distributors in stock' else '' end
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
            when strategy = 'JIT' and daily_demand_units <= 0 then
                'Risk ' || band_text || ' but no planned demand in the next '
                || cast(cast(horizon_days / 7 as bigint) as {{ dbt.type_string() }}) || ' weeks: nothing to buffer.'
            when strategy = 'JIT' then
                'Risk Low (' || score_text || '), and no High warning in the last '
                || '{{ risk_setting("risk_strategy_memory_days") }} days: buy to order.'
            when buy_units <= 0 and need_units <= 0 then
                'Risk ' || band_text || ': the position of ' || position_text
                || ' units (on hand and open orders) already covers the target of ' || target_text || ': nothing to buy.'
            when buy_units <= 0 then
                'Risk ' || band_text || ': no stock to buy anywhere and no alternate whose stock covers the recovery: '
                || unmet_text || ' units of need stay unmet.'
            else
                case
                    when strategy = 'LAST_TIME_BUY' then
                        'Lifecycle ' || coalesce(lifecycle_status, 'Unknown')
                        || coalesce(' (last buy ' || cast(last_buy_date as {{ dbt.type_string() }}) || ')', '')
                        || ': buy ' || buy_text || ' units ({{ risk_setting("risk_last_time_buy_weeks") }} weeks of demand less the position) for $'
                        || capital_text
                    when strategy = 'DUAL_SOURCE' then
                        'Risk ' || band_text || coalesce(': ' || nullif(risk_drivers, ''), '')
                        || '; qualify in-stock alternate ' || buy_mpn || ' (' || buy_manufacturer || ') and buy '
                        || buy_text || ' units of it ($' || capital_text || ') to bridge the recovery'
                    else
                        'Risk ' || band_text || coalesce(': ' || nullif(risk_drivers, ''), '')
                        || '; buy ' || buy_text || ' units ($' || capital_text || ') to bring the position of '
                        || position_text || ' up to ' || target_text
                end
                || ', avoiding $' || avoided_text || ' of expected stoppage cost for $' || holding_text
                || ' of holding over the horizon'
                || case when unmet_need_units > 0 then '; ' || unmet_text || ' units the market cannot supply' else '' end
                || case
                    when net_benefit <= 0 then '. Not worth it: holding costs more than it avoids.'
                    when is_funded and funded_units < buy_units then '. Partly funded: ' || funded_text || ' units fit the budget.'
                    when is_funded then '. Funded.'
                    else '. Not funded: the budget went to buys with more net benefit per dollar.'
                end
        end as rationale
    from formatted
),

final as (
    select
        -- keys
        cast(mpn as {{ dbt.type_string() }}) as mpn,
        cast(manufacturer as {{ dbt.type_string() }}) as manufacturer,
        cast(snapshot_date as date) as snapshot_date,
        -- decision
        cast(strategy as {{ dbt.type_string() }}) as strategy,
        cast(rationale as {{ dbt.type_string() }}) as rationale,
        cast(is_funded as boolean) as in_budget,
        cast(is_funded as boolean) as is_funded,
        cast(risk_score as double) as risk_score,
        cast(risk_band as {{ dbt.type_string() }}) as risk_band,
        cast(planning_band as {{ dbt.type_string() }}) as planning_band,
        cast(structural_band_rank as integer) as structural_band_rank,
        cast(peak_last_seen as date) as last_high_risk_date,
        cast(lifecycle_status as {{ dbt.type_string() }}) as lifecycle_status,
        cast(last_buy_date as date) as last_buy_date,
        cast(covering_alternate_mpn as {{ dbt.type_string() }}) as best_alternate_mpn,
        cast(covering_alternate_manufacturer as {{ dbt.type_string() }}) as best_alternate_manufacturer,
        -- safety stock inputs and result
        cast(daily_demand_units as double) as daily_demand_units,
        cast(daily_demand_std as double) as daily_demand_std,
        cast(lead_time_used_days as double) as lead_time_days,
        cast(lead_time_std_days as double) as lead_time_std_days,
        cast(replenishment_days as double) as replenishment_days,
        cast(service_level_z as double) as service_level_z,
        cast(safety_stock_units as double) as safety_stock_units,
        cast(daily_demand_units * coalesce(replenishment_days, 0.0) + safety_stock_units as double) as reorder_point_units,
        cast(target_units as double) as target_units,
        cast(case when daily_demand_units > 0 then target_units / (7.0 * daily_demand_units) end as double)
            as target_weeks_of_cover,
        -- the position and its cover
        cast(on_hand_units as bigint) as on_hand_units,
        cast(open_order_units as bigint) as open_order_units,
        cast(net_position_units as bigint) as net_position_units,
        cast(own_cover_days as double) as own_cover_days,
        cast(market_cover_days as double) as market_cover_days,
        cast(market_stock as bigint) as market_stock,
        cast(need_units as double) as need_units,
        cast(unmet_need_units as double) as unmet_need_units,
        -- the order
        cast(buy_mpn as {{ dbt.type_string() }}) as buy_mpn,
        cast(buy_manufacturer as {{ dbt.type_string() }}) as buy_manufacturer,
        cast(buy_units as double) as buy_units,
        cast(case when strategy = 'DUAL_SOURCE' then null else order_distributor end as {{ dbt.type_string() }}) as order_distributor,
        cast(case when strategy = 'DUAL_SOURCE' then null else order_sku end as {{ dbt.type_string() }}) as order_sku,
        cast(order_moq as bigint) as order_moq,
        cast(order_multiple as bigint) as order_multiple,
        cast(unit_price_usd as double) as unit_price_usd,
        cast(buy_units as double) as buffer_units,
        cast(capital_usd as double) as buffer_capital,
        cast(capital_usd as double) as capital_usd,
        cast(capital_usd * holding_rate as double) as annual_holding_cost,
        cast(holding_cost_horizon as double) as holding_cost_horizon,
        -- the stoppage it insures against
        cast(stoppage_probability as double) as stoppage_probability,
        cast(recovery_days as double) as recovery_days,
        cast(recovery_days as double) as stoppage_days,
        cast(margin_per_day as double) as margin_per_day,
        cast(expected_stoppage_cost as double) as expected_stoppage_cost,
        cast(expected_stoppage_cost_avoided as double) as expected_stoppage_cost_avoided,
        cast(net_benefit as double) as net_benefit,
        cast(case when capital_usd > 0 then expected_stoppage_cost_avoided / capital_usd end as double)
            as cost_avoided_per_buffer_dollar,
        cast(net_benefit_per_dollar as double) as net_benefit_per_dollar,
        -- the budget
        cast(funding_rank as integer) as funding_rank,
        cast(funded_units as double) as funded_units,
        cast(funded_capital_usd as double) as funded_capital_usd,
        cast(funded_cost_avoided as double) as funded_cost_avoided,
        cast(cumulative_buffer_capital as double) as cumulative_buffer_capital,
        cast(buffer_budget_usd as double) as budget_usd,
        cast(budget_left_usd as double) as budget_left_usd
    from explained
)

select * from final

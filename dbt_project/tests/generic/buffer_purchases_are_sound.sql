{#- The purchases of a buffer plan make sense, per snapshot date: nothing is bought where the
    position already covers the target; no funded purchase buys a part with no stock anywhere; and
    no candidate (positive net benefit) left unfunded, or funded in part, has a next MOQ /
    order-multiple step that fits in the budget left. -#}
{% test buffer_purchases_are_sound(model) %}
with

plan as (
    select * from {{ model }}
),

problems as (
    select snapshot_date, mpn, manufacturer, 'buys what the position covers' as problem
    from plan
    where buy_units > 0 and net_position_units >= target_units
    union all
    select snapshot_date, mpn, manufacturer, 'funds a part with no stock anywhere'
    from plan
    where is_funded and buy_mpn = mpn and buy_manufacturer = manufacturer and not has_stock_anywhere
    union all
    select snapshot_date, mpn, manufacturer, 'an unfunded step fits in the budget left'
    from plan
    where net_benefit > 0 and buy_units > funded_units and capital_usd > 0
        and unit_price_usd * case
            when funded_units > 0 then greatest(coalesce(order_multiple, 1), 1)
            when strategy = 'DUAL_SOURCE' then 1
            else least(buy_units, greatest(coalesce(order_moq, 1), 1))
        end <= budget_left_usd - 0.005
)

select * from problems
{% endtest %}

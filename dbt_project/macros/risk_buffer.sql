{#- Buffer arithmetic, written once. -#}

{#- Safety stock SS = z * sqrt(L * sd_d^2 + d^2 * sd_L^2), demand d per day (std sd_d), lead time L days (std sd_L). -#}
{% macro risk_safety_stock(z, daily_demand, daily_demand_std, lead_time_days, lead_time_std_days) -%}
    ({{ z }} * sqrt(
        {{ lead_time_days }} * {{ daily_demand_std }} * {{ daily_demand_std }}
        + {{ daily_demand }} * {{ daily_demand }} * {{ lead_time_std_days }} * {{ lead_time_std_days }}
    ))
{%- endmacro %}

{#- A quantity as the offer sells it: at least the MOQ, then up to the next order multiple. Zero stays zero. -#}
{% macro risk_round_up_to_order(quantity, moq, order_multiple) -%}
    case
        when {{ quantity }} is null or {{ quantity }} <= 0 then 0
        else ceil(
            greatest({{ quantity }}, coalesce({{ moq }}, 1)) / greatest(coalesce({{ order_multiple }}, 1), 1)
        ) * greatest(coalesce({{ order_multiple }}, 1), 1)
    end
{%- endmacro %}

{#- Which price break applies to an order of `quantity`: the largest break at or below it, else the
    smallest break (the order must then be raised to that break). 1 = the break to use; filter on it.
    The same rule as the features' prices (orchestration/features/part_trends.py). -#}
{% macro risk_break_preference(quantity, break_quantity, partition_by) -%}
    row_number() over (
        partition by {{ partition_by }}
        order by
            case when {{ break_quantity }} <= {{ quantity }} then 0 else 1 end,
            case when {{ break_quantity }} <= {{ quantity }} then -{{ break_quantity }} else {{ break_quantity }} end
    )
{%- endmacro %}

{#- The priced breaks an offer can be bought at on the run's dates: listed within var risk_offer_carry_days
    days before each date, as the offers themselves. -#}
{% macro risk_carried_price_breaks() -%}
    select snapshot_date, source, distributor, sku, quantity, unit_price_usd
    from {{ ref('stg_feeds__price_breaks') }}
    where unit_price_usd is not null and quantity is not null
        and {{ snapshot_window(lookback_days=risk_setting('risk_offer_carry_days')) }}
{%- endmacro %}

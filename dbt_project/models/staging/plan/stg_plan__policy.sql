{#- The planning policy (plan/policy.yml, validated by orchestration/policy.py): one row. -#}
with

source as (
    select * from {{ source('raw', 'plan_policy') }}
),

final as (
    select
        cast(buffer_budget_usd as double) as buffer_budget_usd,
        cast(holding_rate as double) as holding_rate,
        cast(planning_horizon_weeks as integer) as planning_horizon_weeks,
        cast(7 * planning_horizon_weeks as integer) as horizon_days,
        cast(shipping_days as integer) as shipping_days,
        cast(alternate_qualification_days as integer) as alternate_qualification_days,
        cast(jic_blanket_weeks as double) as jic_blanket_weeks,
        cast(service_level_z_low as double) as service_level_z_low,
        cast(service_level_z_medium as double) as service_level_z_medium,
        cast(service_level_z_high as double) as service_level_z_high,
        cast(service_level_z_critical as double) as service_level_z_critical
    from source
)

select * from final

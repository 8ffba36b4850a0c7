{{ config(materialized="ephemeral") }}
{#- Built-in rates, extended and overridden by the landing tree's reference/fx_rates.csv. -#}
with

builtin as (
    select rate_date, upper(currency) as currency, usd_rate from {{ ref('fx_rates_builtin') }}
),

landing as (
    select cast(rate_date as date) as rate_date, upper(trim(currency)) as currency, cast(usd_rate as double) as usd_rate
    from {{ source('raw', 'fx_rates') }}
),

final as (
    select rate_date, currency, usd_rate, 'landing' as rate_source from landing
    union all
    select builtin.rate_date, builtin.currency, builtin.usd_rate, 'builtin' as rate_source
    from builtin
    left join landing
        on landing.rate_date = builtin.rate_date and landing.currency = builtin.currency
    where landing.currency is null
)

select * from final

{{ config(tags=['daily'], **snapshot_incremental_config()) }}

{#- One row per price break of an offer, in USD at the rate in force on the snapshot date
    (the latest rate on or before it). The rate used is kept. VAT-inclusive (GROSS) prices are
    converted to net. -#}

with

offers as (
    select snapshot_date, source, distributor, sku, currency, prices_include_vat, vat_rate, price_breaks, file_path, record_path
    from {{ ref('stg_feeds__offers_unioned') }}
),

distributor_aliases as (
    select distributor_alias, distributor from {{ ref('distributors') }}
),

breaks as (
    {{ explode_price_breaks('select * from offers') }}
),

named as (
    select
        breaks.*,
        {{ distributor_name('breaks') }} as distributor_name,
        upper(coalesce(breaks.break_currency, breaks.currency)) as price_currency
    from breaks
    left join distributor_aliases
        on {{ distributor_alias_match('breaks') }}
),

fx_rates as (
    select rate_date, currency, usd_rate from {{ ref('stg_reference__fx_rates') }}
),

day_currencies as (
    select distinct snapshot_date, price_currency from named
),

rate_candidates as (
    select
        day_currencies.snapshot_date,
        day_currencies.price_currency,
        fx_rates.usd_rate,
        fx_rates.rate_date,
        row_number() over (
            partition by day_currencies.snapshot_date, day_currencies.price_currency
            order by fx_rates.rate_date desc
        ) as recency
    from day_currencies
    inner join fx_rates
        on fx_rates.currency = day_currencies.price_currency
        and fx_rates.rate_date <= day_currencies.snapshot_date
),

day_rates as (
    select snapshot_date, price_currency, usd_rate, rate_date from rate_candidates where recency = 1
),

ranked as (
    select
        named.*,
        {{ listing_rank('named', ['break_quantity']) }} as listing_rank
    from named
),

final as (
    select
        -- keys
        ranked.snapshot_date,
        ranked.source,
        ranked.distributor_name as distributor,
        ranked.sku,
        cast(ranked.break_quantity as bigint) as quantity,
        -- attributes
        ranked.price_currency as currency,
        ranked.prices_include_vat,
        ranked.vat_rate,
        day_rates.rate_date as fx_rate_date,
        day_rates.usd_rate,
        ranked.break_price_raw as price_raw,
        -- measures
        case
            when ranked.prices_include_vat and ranked.vat_rate is not null
                then ranked.break_unit_price / (1 + ranked.vat_rate)
            else ranked.break_unit_price
        end as unit_price_local,
        case
            when ranked.prices_include_vat and ranked.vat_rate is not null
                then ranked.break_unit_price / (1 + ranked.vat_rate) * day_rates.usd_rate
            else ranked.break_unit_price * day_rates.usd_rate
        end as unit_price_usd
    from ranked
    left join day_rates
        on day_rates.snapshot_date = ranked.snapshot_date
        and day_rates.price_currency = ranked.price_currency
    where ranked.listing_rank = 1
)

select * from final

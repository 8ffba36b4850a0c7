{{ config(tags=['history'], **snapshot_incremental_config()) }}

{#- The scoring model's signals, long: one row per snapshot_date x watched part x signal, with the
    signal's value, its 0-100 score on the linear scale of seeds/risk_signal_scales.csv, the factor
    it feeds, and the reason in words. Every value comes from features.part_trends_daily for that
    date (which only uses data up to the date), or from present-state reference data. A sub-score is
    the largest score of its signals; market_pressure is the largest score of the shock signals. -#}

with

trends as (
    select * from {{ source('features', 'part_trends_daily') }}
    where {{ snapshot_window() }}
),

watchlist as (
    select mpn, manufacturer from {{ ref('int_part_watchlist') }}
),

geography as (
    select mpn, manufacturer, assembly_countries_count, top_assembly_country, top_assembly_country_share,
           geography_index
    from {{ ref('int_part_geography') }}
),

lifecycle as (
    select lifecycle_status, lifecycle_score from {{ ref('risk_lifecycle') }}
),

scales as (
    select signal, factor, is_shock, zero_at, full_at from {{ ref('risk_signal_scales') }}
),

watched as (
    select
        trends.*,
        lifecycle.lifecycle_score,
        geography.assembly_countries_count,
        geography.top_assembly_country,
        geography.top_assembly_country_share,
        geography.geography_index
    from trends
    inner join watchlist
        on watchlist.mpn = trends.mpn and watchlist.manufacturer = trends.manufacturer
    left join lifecycle on lifecycle.lifecycle_status = trends.lifecycle_status
    left join geography
        on geography.mpn = trends.mpn and geography.manufacturer = trends.manufacturer
),

-- One branch per signal: its value and the reason as a buyer would read it.
signal_values as (
    select snapshot_date, mpn, manufacturer, 'authorized_distributors_in_stock' as signal,
        cast(distributors_in_stock as double) as signal_value,
        case
            when distributors_in_stock = 0 then 'no authorized distributor in stock'
            when distributors_in_stock = 1 then 'only 1 authorized distributor in stock'
            else 'only ' || cast(distributors_in_stock as {{ dbt.type_string() }}) || ' authorized distributors in stock'
        end as driver
    from watched
    union all
    select snapshot_date, mpn, manufacturer, 'stock_drop_7d_pct',
        -stock_change_7d_pct,
        'stock down ' || cast(cast(round(-stock_change_7d_pct) as integer) as {{ dbt.type_string() }}) || '% in 7 days'
    from watched
    union all
    select snapshot_date, mpn, manufacturer, 'stock_drop_30d_pct',
        -stock_change_30d_pct,
        'stock down ' || cast(cast(round(-stock_change_30d_pct) as integer) as {{ dbt.type_string() }}) || '% in 30 days'
    from watched
    union all
    select snapshot_date, mpn, manufacturer, 'depletion_vs_lead_time',
        days_to_depletion / nullif(lead_time_days, 0),
        'stock runs out in ~' || cast(cast(round(days_to_depletion) as integer) as {{ dbt.type_string() }})
            || ' days at the 30-day burn rate, lead time '
            || cast(cast(round(lead_time_days) as integer) as {{ dbt.type_string() }}) || ' days'
    from watched
    union all
    select snapshot_date, mpn, manufacturer, 'price_spike_ratio',
        price_spike_ratio,
        'price ' || cast({{ round_double('price_spike_ratio', 1) }} as {{ dbt.type_string() }}) || '× its pre-shock level (median of days 29-180 ago)'
    from watched
    union all
    select snapshot_date, mpn, manufacturer, 'price_change_30d_pct',
        price_change_30d_pct,
        'price up ' || cast(cast(round(price_change_30d_pct) as integer) as {{ dbt.type_string() }}) || '% in 30 days'
    from watched
    union all
    select snapshot_date, mpn, manufacturer, 'lead_time_weeks',
        lead_time_days / 7.0,
        'lead time ' || cast(cast(round(lead_time_days / 7.0) as integer) as {{ dbt.type_string() }}) || ' weeks'
    from watched
    union all
    select snapshot_date, mpn, manufacturer, 'lead_time_stretch_ratio',
        lead_time_stretch_ratio,
        'lead time ' || cast({{ round_double('lead_time_stretch_ratio', 1) }} as {{ dbt.type_string() }})
            || '× its pre-shock level (median of days 29-180 ago): ' || cast(cast(round(lead_time_days) as integer) as {{ dbt.type_string() }}) || ' days'
    from watched
    union all
    select snapshot_date, mpn, manufacturer, 'lifecycle_score',
        cast(lifecycle_score as double),
        'lifecycle ' || lifecycle_status
            || case
                when last_buy_date is not null
                    then ', last buy ' || cast(last_buy_date as {{ dbt.type_string() }})
                else ''
            end
    from watched
    union all
    select snapshot_date, mpn, manufacturer, 'geography_index',
        geography_index,
        case
            when assembly_countries_count = 1
                then 'single country of assembly (' || top_assembly_country || ')'
            else 'assembly ' || cast(cast(round(100 * top_assembly_country_share) as integer) as {{ dbt.type_string() }})
                || '% in ' || top_assembly_country
        end
    from watched
),

final as (
    select
        -- keys
        signal_values.snapshot_date,
        signal_values.mpn,
        signal_values.manufacturer,
        signal_values.signal,
        -- attributes
        scales.factor,
        scales.is_shock,
        signal_values.driver,
        -- measures
        signal_values.signal_value,
        {{ risk_linear_score('signal_values.signal_value', 'scales.zero_at', 'scales.full_at') }} as signal_score
    from signal_values
    inner join scales on scales.signal = signal_values.signal
)

select * from final

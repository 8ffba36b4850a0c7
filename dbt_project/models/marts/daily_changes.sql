{#- What changed since the previous snapshot, for the buyer's morning read. One row per part and
    kind of change on the latest snapshot date:
    - new_high_risk: High or Critical now, below High (or not watched) on the previous snapshot;
    - lifecycle_downgrade: a worse lifecycle status than on the previous snapshot (Unknown is no news);
    - last_time_buy_due: a last-buy date within var risk_last_buy_window_days days from today;
    - lost_last_authorized_source: no authorized distributor in stock now, at least one before. -#}

with

history as (
    select * from {{ ref('part_risk_history') }}
),

part_risk as (
    select mpn, manufacturer, products from {{ ref('part_risk') }}
),

lifecycle as (
    select lifecycle_status, lifecycle_rank from {{ ref('risk_lifecycle') }}
),

high_band as (
    select band_rank as high_band_rank from {{ ref('risk_bands') }} where risk_band = 'High'
),

snapshot_dates as (
    select distinct snapshot_date from history
),

ordered_dates as (
    select snapshot_date, row_number() over (order by snapshot_date desc) as recency from snapshot_dates
),

latest_dates as (
    select
        max(case when recency = 1 then snapshot_date end) as snapshot_date,
        max(case when recency = 2 then snapshot_date end) as previous_snapshot_date
    from ordered_dates
),

compared as (
    select
        today.*,
        latest_dates.previous_snapshot_date,
        before.risk_band as previous_risk_band,
        before.risk_band_rank as previous_risk_band_rank,
        before.lifecycle_status as previous_lifecycle_status,
        before.distributors_in_stock as previous_distributors_in_stock,
        today_lifecycle.lifecycle_rank as lifecycle_rank,
        before_lifecycle.lifecycle_rank as previous_lifecycle_rank
    from history as today
    inner join latest_dates on latest_dates.snapshot_date = today.snapshot_date
    left join history as before
        on before.snapshot_date = latest_dates.previous_snapshot_date
        and before.mpn = today.mpn
        and before.manufacturer = today.manufacturer
    left join lifecycle as today_lifecycle on today_lifecycle.lifecycle_status = today.lifecycle_status
    left join lifecycle as before_lifecycle on before_lifecycle.lifecycle_status = before.lifecycle_status
),

changes as (
    select compared.*, 'new_high_risk' as change_kind,
        'now ' || risk_band || ' (' || cast(cast(round(risk_score) as bigint) as {{ dbt.type_string() }}) || '), was '
            || coalesce(previous_risk_band, 'not scored') || coalesce(': ' || nullif(risk_drivers, ''), '') as detail
    from compared
    cross join high_band
    where risk_band_rank >= high_band.high_band_rank
        and coalesce(previous_risk_band_rank, 0) < high_band.high_band_rank
    union all
    select compared.*, 'lifecycle_downgrade',
        'lifecycle ' || previous_lifecycle_status || ' -> ' || lifecycle_status
    from compared
    where lifecycle_rank > previous_lifecycle_rank and previous_lifecycle_rank > 0
    union all
    select compared.*, 'last_time_buy_due',
        'last buy ' || cast(last_buy_date as {{ dbt.type_string() }}) || ', in '
            || cast({{ dbt.datediff('snapshot_date', 'last_buy_date', 'day') }} as {{ dbt.type_string() }}) || ' days'
    from compared
    where last_buy_date >= snapshot_date
        and last_buy_date <= {{ dbt.dateadd('day', risk_setting('risk_last_buy_window_days'), 'snapshot_date') }}
    union all
    select compared.*, 'lost_last_authorized_source',
        'no authorized distributor in stock; ' || cast(previous_distributors_in_stock as {{ dbt.type_string() }})
            || ' on ' || cast(previous_snapshot_date as {{ dbt.type_string() }})
    from compared
    where distributors_in_stock = 0 and previous_distributors_in_stock > 0
),

final as (
    select
        -- keys
        cast(changes.snapshot_date as date) as snapshot_date,
        cast(changes.change_kind as {{ dbt.type_string() }}) as change_kind,
        cast(changes.mpn as {{ dbt.type_string() }}) as mpn,
        cast(changes.manufacturer as {{ dbt.type_string() }}) as manufacturer,
        cast(changes.mpn_raw as {{ dbt.type_string() }}) as mpn_raw,
        cast(changes.manufacturer_raw as {{ dbt.type_string() }}) as manufacturer_raw,
        -- what changed
        cast(changes.detail as {{ dbt.type_string() }}) as detail,
        cast(changes.previous_snapshot_date as date) as previous_snapshot_date,
        cast(changes.risk_score as double) as risk_score,
        cast(changes.risk_band as {{ dbt.type_string() }}) as risk_band,
        cast(changes.previous_risk_band as {{ dbt.type_string() }}) as previous_risk_band,
        cast(changes.lifecycle_status as {{ dbt.type_string() }}) as lifecycle_status,
        cast(changes.previous_lifecycle_status as {{ dbt.type_string() }}) as previous_lifecycle_status,
        cast(changes.last_buy_date as date) as last_buy_date,
        cast(changes.distributors_in_stock as integer) as distributors_in_stock,
        cast(changes.previous_distributors_in_stock as integer) as previous_distributors_in_stock,
        cast(changes.risk_drivers as {{ dbt.type_string() }}) as risk_drivers,
        cast(changes.is_bom_part as boolean) as is_bom_part,
        cast(part_risk.products as {{ dbt.type_string() }}) as products
    from changes
    left join part_risk on part_risk.mpn = changes.mpn and part_risk.manufacturer = changes.manufacturer
)

select * from final

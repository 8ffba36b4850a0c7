{#- How complete each snapshot date's inputs are, per feed source: what loaded, what failed, what is
    missing. A refresh whose inputs failed in part still publishes; this table (and the refresh
    summary) says how much of the marts' last date stands on. -#}
with

load_log as (
    select * from {{ ref('stg_feeds__load_log') }}
),

-- a source counts from the first date it ever delivered: a later gap is a missing delivery
sources as (
    select source, min(snapshot_date) as first_date
    from load_log
    group by source
),

dates as (
    select distinct snapshot_date from load_log
),

delivered as (
    select
        snapshot_date,
        source,
        count(*) filter (where status = 'loaded') as files_loaded,
        count(*) filter (where status = 'failed') as files_failed,
        sum(rows_loaded) as rows_loaded,
        {{ dbt.listagg("case when status = 'failed' then file_path || ': ' || reason end", "'; '", "order by file_path") }}
            as failures
    from load_log
    group by snapshot_date, source
),

final as (
    select
        -- keys
        dates.snapshot_date,
        sources.source,
        -- attributes
        case
            when delivered.source is null then 'missing'
            when delivered.files_failed > 0 and delivered.files_loaded = 0 then 'failed'
            when delivered.files_failed > 0 then 'partial'
            else 'complete'
        end as input_status,
        delivered.failures,
        dates.snapshot_date = max(dates.snapshot_date) over () as is_latest_date,
        -- measures
        coalesce(delivered.files_loaded, 0) as files_loaded,
        coalesce(delivered.files_failed, 0) as files_failed,
        coalesce(delivered.rows_loaded, 0) as rows_loaded
    from dates
    inner join sources on sources.first_date <= dates.snapshot_date
    left join delivered
        on delivered.snapshot_date = dates.snapshot_date and delivered.source = sources.source
)

select * from final

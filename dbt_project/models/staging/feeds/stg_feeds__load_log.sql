{#- One row per dated landing file and its load outcome (raw.load_log, written by the raw assets). -#}
with

source as (
    select * from {{ source('raw', 'load_log') }}
),

final as (
    select
        -- keys
        source.snapshot_date,
        source.source,
        source.file_path,
        -- attributes
        source.status,
        source.reason,
        -- measures
        cast(source.rows_loaded as bigint) as rows_loaded,
        cast(source.rows_quarantined as bigint) as rows_quarantined
    from source
    where source.snapshot_date is not null
)

select * from final

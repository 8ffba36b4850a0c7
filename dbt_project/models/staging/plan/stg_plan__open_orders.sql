with

source as (
    select * from {{ source('raw', 'open_orders') }}
),

final as (
    select
        source.mpn_key as mpn,
        coalesce(aliases.manufacturer, trim(source.manufacturer)) as manufacturer,
        source.mpn as mpn_raw,
        source.manufacturer as manufacturer_raw,
        cast(source.quantity as bigint) as quantity,
        cast(source.due_date as date) as due_date,
        nullif(trim(source.supplier), '') as supplier,
        nullif(trim(source.po), '') as po,
        source.file_path,
        source.line_number
    from source
    {{ join_manufacturer_aliases('source.manufacturer_key') }}
    where source.mpn_key is not null
)

select * from final

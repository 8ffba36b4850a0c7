with

source as (
    select * from {{ source('raw', 'watchlist') }}
),

aliases as (
    select alias_key, manufacturer from {{ ref('int_manufacturer_aliases') }}
),

final as (
    select
        -- keys
        source.mpn_key as mpn,
        coalesce(aliases.manufacturer, nullif(trim(source.manufacturer), '')) as manufacturer,
        -- attributes
        source.mpn as mpn_raw,
        source.manufacturer as manufacturer_raw,
        -- lineage
        source.file_path,
        source.line_number
    from source
    left join aliases on aliases.alias_key = source.manufacturer_key
)

select * from final

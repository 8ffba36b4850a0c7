with

source as (
    select * from {{ source('raw', 'part_sites') }}
),

aliases as (
    select alias_key, manufacturer from {{ ref('int_manufacturer_aliases') }}
),

final as (
    select
        source.mpn_key as mpn,
        coalesce(aliases.manufacturer, trim(source.manufacturer)) as manufacturer,
        upper(trim(source.site_country)) as site_country,
        lower(trim(source.site_kind)) as site_kind,
        source.mpn as mpn_raw,
        source.file_path,
        source.line_number
    from source
    left join aliases on aliases.alias_key = source.manufacturer_key
)

select * from final

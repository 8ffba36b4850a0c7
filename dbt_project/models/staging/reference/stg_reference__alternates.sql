with

source as (
    select * from {{ source('raw', 'alternates') }}
),

aliases as (
    select alias_key, manufacturer from {{ ref('int_manufacturer_aliases') }}
),

final as (
    select
        source.mpn_key as mpn,
        coalesce(part_alias.manufacturer, trim(source.manufacturer)) as manufacturer,
        source.alt_mpn_key as alt_mpn,
        coalesce(alt_alias.manufacturer, trim(source.alt_manufacturer)) as alt_manufacturer,
        lower(trim(source.fit)) as fit,
        source.mpn as mpn_raw,
        source.alt_mpn as alt_mpn_raw,
        source.file_path,
        source.line_number
    from source
    left join aliases as part_alias on part_alias.alias_key = source.manufacturer_key
    left join aliases as alt_alias on alt_alias.alias_key = source.alt_manufacturer_key
)

select * from final

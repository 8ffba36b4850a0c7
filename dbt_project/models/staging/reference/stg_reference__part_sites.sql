with

source as (
    select * from {{ source('raw', 'part_sites') }}
),

part_keys as (
    select * from {{ source('raw', 'part_keys') }}
),

final as (
    select
        part_keys.mpn,
        part_keys.manufacturer,
        upper(trim(source.site_country)) as site_country,
        lower(trim(source.site_kind)) as site_kind,
        source.mpn as mpn_raw,
        source.file_path,
        source.line_number
    from source
    left join part_keys on {{ part_key_match('part_keys', 'source.mpn_key', 'source.manufacturer_key') }}
)

select * from final

with

source as (
    select * from {{ source('raw', 'alternates') }}
),

part_keys as (
    select * from {{ source('raw', 'part_keys') }}
),

final as (
    select
        part_key.mpn,
        part_key.manufacturer,
        alt_key.mpn as alt_mpn,
        alt_key.manufacturer as alt_manufacturer,
        lower(trim(source.fit)) as fit,
        source.mpn as mpn_raw,
        source.alt_mpn as alt_mpn_raw,
        source.file_path,
        source.line_number
    from source
    left join part_keys as part_key
        on {{ part_key_match('part_key', 'source.mpn_key', 'source.manufacturer_key') }}
    left join part_keys as alt_key
        on {{ part_key_match('alt_key', 'source.alt_mpn_key', 'source.alt_manufacturer_key') }}
)

select * from final

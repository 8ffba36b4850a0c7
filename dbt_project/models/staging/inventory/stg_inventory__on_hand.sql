with

source as (
    select * from {{ source('raw', 'on_hand') }}
),

part_keys as (
    select * from {{ source('raw', 'part_keys') }}
),

final as (
    select
        part_keys.mpn,
        part_keys.manufacturer,
        source.mpn as mpn_raw,
        source.manufacturer as manufacturer_raw,
        source.mpn_key,
        source.manufacturer_key,
        cast(source.quantity as bigint) as quantity,
        source.file_path,
        source.line_number
    from source
    inner join part_keys on {{ part_key_match('part_keys', 'source.mpn_key', 'source.manufacturer_key') }}
)

select * from final

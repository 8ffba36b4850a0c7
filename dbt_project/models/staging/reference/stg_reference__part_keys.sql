{#- The re-key step's decisions (orchestration/warehouse/part_keys.py): each spelling pair of the raw
    layer and the part key it got, with why. -#}
with

source as (
    select * from {{ source('raw', 'part_keys') }}
),

final as (
    select
        -- keys
        source.mpn_key,
        source.manufacturer_key,
        -- attributes
        source.mpn,
        source.manufacturer,
        source.manufacturer_is_known,
        source.manufacturer_resolution,
        source.mpn_rule
    from source
)

select * from final

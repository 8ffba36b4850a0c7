{#- Every (mpn, manufacturer) pair as the inputs wrote it, the part key it got, and why. A raw MPN
    (cleaned spelling) under more than one key is a suspected split: one part counted as several, or
    two makers' parts with one number; either way a buyer should look. -#}
with

offers as (
    select * from {{ ref('stg_feeds__offers') }}
),

bom_lines as (
    select * from {{ ref('stg_boms__bom_lines') }}
),

on_hand as (
    select * from {{ ref('stg_inventory__on_hand') }}
),

part_keys as (
    select * from {{ ref('stg_reference__part_keys') }}
),

spellings as (
    select distinct 'feed ' || source as seen_in, mpn_raw, manufacturer_raw, mpn_key, manufacturer_key
    from offers
    union all
    select distinct 'bom ' || product, mpn_raw, manufacturer_raw, mpn_key, manufacturer_key
    from bom_lines
    where mpn_key is not null
    union all
    select distinct 'inventory', mpn_raw, manufacturer_raw, mpn_key, manufacturer_key
    from on_hand
),

pairs as (
    select
        mpn_raw,
        manufacturer_raw,
        mpn_key,
        manufacturer_key,
        {{ dbt.listagg("distinct seen_in", "', '", "order by seen_in") }} as seen_in
    from spellings
    group by mpn_raw, manufacturer_raw, mpn_key, manufacturer_key
),

keyed as (
    select
        pairs.*,
        part_keys.mpn,
        part_keys.manufacturer,
        part_keys.manufacturer_is_known,
        part_keys.manufacturer_resolution,
        part_keys.mpn_rule
    from pairs
    inner join part_keys
        on {{ part_key_match('part_keys', 'pairs.mpn_key', 'pairs.manufacturer_key') }}
),

keys_per_raw_mpn as (
    select mpn_key, count(distinct mpn || ' | ' || coalesce(manufacturer, '')) as keys_for_raw_mpn
    from keyed
    group by mpn_key
),

final as (
    select
        -- keys
        keyed.mpn_raw,
        keyed.manufacturer_raw,
        -- the decision
        keyed.mpn,
        keyed.manufacturer,
        keyed.manufacturer_is_known,
        keyed.manufacturer_resolution,
        keyed.mpn_rule,
        keys_per_raw_mpn.keys_for_raw_mpn,
        keys_per_raw_mpn.keys_for_raw_mpn > 1 as is_suspected_split,
        -- lineage
        keyed.mpn_key,
        keyed.manufacturer_key,
        keyed.seen_in
    from keyed
    inner join keys_per_raw_mpn on keys_per_raw_mpn.mpn_key = keyed.mpn_key
)

select * from final

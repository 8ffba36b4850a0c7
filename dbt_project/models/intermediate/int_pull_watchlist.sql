{#- The parts the nightly pull fetches: every part on a built (non-DNP) BOM line, the second source a
    BOM line names, every alternate of a BOM part (reference/alternates.csv), and reference/watchlist.csv.
    The pulls run before the night's feeds load, so this reads the raw spellings, not the part keys that
    the feeds feed into; orchestration/pull/runner.py keys each spelling with the warehouse's own rule. -#}
{{ config(materialized='table') }}

with

bom_lines as (
    select * from {{ source('raw', 'bom_lines') }}
    where not is_dnp
),

alternates as (
    select * from {{ source('raw', 'alternates') }}
),

listed as (
    select * from {{ source('raw', 'watchlist') }}
),

bom_parts as (
    select mpn_key, manufacturer_key, mpn_raw, manufacturer_raw, 'bom' as reason
    from bom_lines
    where mpn_key is not null and manufacturer_key is not null and not mpn_is_distributor_sku
),

bom_second_sources as (
    select
        alt_mpn_key as mpn_key,
        coalesce(alt_manufacturer_key, manufacturer_key) as manufacturer_key,
        alt_mpn_raw as mpn_raw,
        coalesce(alt_manufacturer_raw, manufacturer_raw) as manufacturer_raw,
        'bom_second_source' as reason
    from bom_lines
    where alt_mpn_key is not null and coalesce(alt_manufacturer_key, manufacturer_key) is not null
),

-- a BOM part's maker under any known spelling, so an alternate written with another spelling still belongs
bom_makers as (
    select distinct bom_parts.mpn_key, coalesce(aliases.manufacturer, bom_parts.manufacturer_key) as maker
    from bom_parts
    {{ join_manufacturer_aliases('bom_parts.manufacturer_key') }}
),

alternate_parts as (
    select
        alternates.alt_mpn_key as mpn_key,
        alternates.alt_manufacturer_key as manufacturer_key,
        alternates.alt_mpn as mpn_raw,
        alternates.alt_manufacturer as manufacturer_raw,
        'alternate' as reason
    from alternates
    {{ join_manufacturer_aliases('alternates.manufacturer_key') }}
    inner join bom_makers
        on bom_makers.mpn_key = alternates.mpn_key
        and bom_makers.maker = coalesce(aliases.manufacturer, alternates.manufacturer_key)
    where alternates.alt_mpn_key is not null and alternates.alt_manufacturer_key is not null
),

listed_parts as (
    select mpn_key, manufacturer_key, mpn as mpn_raw, manufacturer as manufacturer_raw, 'watchlist_csv' as reason
    from listed
    where mpn_key is not null and manufacturer_key is not null
),

candidates as (
    select * from bom_parts
    union all
    select * from bom_second_sources
    union all
    select * from alternate_parts
    union all
    select * from listed_parts
),

final as (
    select
        -- keys
        mpn_key,
        manufacturer_key,
        -- attributes
        min(mpn_raw) as mpn_raw,
        min(manufacturer_raw) as manufacturer_raw,
        max(case when reason = 'bom' then 1 else 0 end) = 1 as is_bom_part,
        max(case when reason = 'bom_second_source' then 1 else 0 end) = 1 as is_bom_second_source,
        max(case when reason = 'alternate' then 1 else 0 end) = 1 as is_alternate,
        max(case when reason = 'watchlist_csv' then 1 else 0 end) = 1 as is_listed
    from candidates
    group by mpn_key, manufacturer_key
)

select * from final

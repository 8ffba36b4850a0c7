{#- The parts the nightly pull fetches: every part on a built (non-DNP) BOM line, the second source a
    BOM line names, every alternate of a BOM part (reference/alternates.csv), and reference/watchlist.csv.
    It reads the BOMs as written, not the feed matches, so a new user's first pull has a watchlist. -#}
{{ config(materialized='table') }}

with

bom_lines as (
    select * from {{ ref('stg_boms__bom_lines') }}
    where not is_dnp
),

aliases as (
    select alias_key, manufacturer from {{ ref('int_manufacturer_aliases') }}
),

alternates as (
    select * from {{ ref('stg_reference__alternates') }}
),

listed as (
    select * from {{ ref('stg_reference__watchlist') }}
),

bom_parts as (
    select mpn, manufacturer, mpn_raw, manufacturer_raw, 'bom' as reason
    from bom_lines
    where mpn is not null and manufacturer is not null and not mpn_is_distributor_sku
),

bom_second_sources as (
    select
        bom_lines.alt_mpn as mpn,
        coalesce(aliases.manufacturer, nullif(trim(bom_lines.alt_manufacturer_raw), '')) as manufacturer,
        bom_lines.alt_mpn_raw as mpn_raw,
        bom_lines.alt_manufacturer_raw as manufacturer_raw,
        'bom_second_source' as reason
    from bom_lines
    left join aliases on aliases.alias_key = bom_lines.alt_manufacturer_key
    where bom_lines.alt_mpn is not null
),

alternate_parts as (
    select
        alternates.alt_mpn as mpn,
        alternates.alt_manufacturer as manufacturer,
        alternates.alt_mpn_raw as mpn_raw,
        alternates.alt_manufacturer as manufacturer_raw,
        'alternate' as reason
    from alternates
    inner join bom_parts
        on bom_parts.mpn = alternates.mpn and bom_parts.manufacturer = alternates.manufacturer
    where alternates.alt_mpn is not null and alternates.alt_manufacturer is not null
),

listed_parts as (
    select mpn, manufacturer, mpn_raw, manufacturer_raw, 'watchlist_csv' as reason
    from listed
    where mpn is not null and manufacturer is not null
),

candidates as (
    select * from bom_parts
    union all
    select * from bom_second_sources where manufacturer is not null
    union all
    select * from alternate_parts
    union all
    select * from listed_parts
),

final as (
    select
        -- keys
        mpn,
        manufacturer,
        -- attributes
        min(mpn_raw) as mpn_raw,
        min(manufacturer_raw) as manufacturer_raw,
        max(case when reason = 'bom' then 1 else 0 end) = 1 as is_bom_part,
        max(case when reason = 'bom_second_source' then 1 else 0 end) = 1 as is_bom_second_source,
        max(case when reason = 'alternate' then 1 else 0 end) = 1 as is_alternate,
        max(case when reason = 'watchlist_csv' then 1 else 0 end) = 1 as is_listed
    from candidates
    group by mpn, manufacturer
)

select * from final

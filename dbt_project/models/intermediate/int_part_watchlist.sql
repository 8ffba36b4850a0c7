{#- The parts the risk marts watch: every matched part on a built (non-DNP) BOM line, and every
    alternate of one. One row per part key, with the raw spelling first seen beside it. -#}

with

bom_lines as (
    select mpn, manufacturer, mpn_raw, manufacturer_raw, product
    from {{ ref('int_bom_lines__matched') }}
    where mpn is not null and manufacturer is not null and not is_dnp
),

alternates as (
    select mpn, manufacturer, alt_mpn, alt_manufacturer, alt_mpn_raw
    from {{ ref('stg_reference__alternates') }}
    where alt_mpn is not null and alt_manufacturer is not null
),

bom_parts as (
    select
        mpn,
        manufacturer,
        min(mpn_raw) as mpn_raw,
        min(manufacturer_raw) as manufacturer_raw,
        count(distinct product) as products
    from bom_lines
    group by mpn, manufacturer
),

alternate_parts as (
    select
        alternates.alt_mpn as mpn,
        alternates.alt_manufacturer as manufacturer,
        min(alternates.alt_mpn_raw) as mpn_raw,
        min(alternates.alt_manufacturer) as manufacturer_raw
    from alternates
    inner join bom_parts
        on bom_parts.mpn = alternates.mpn and bom_parts.manufacturer = alternates.manufacturer
    group by alternates.alt_mpn, alternates.alt_manufacturer
),

final as (
    select
        -- keys
        coalesce(bom_parts.mpn, alternate_parts.mpn) as mpn,
        coalesce(bom_parts.manufacturer, alternate_parts.manufacturer) as manufacturer,
        -- attributes
        coalesce(bom_parts.mpn_raw, alternate_parts.mpn_raw) as mpn_raw,
        coalesce(bom_parts.manufacturer_raw, alternate_parts.manufacturer_raw) as manufacturer_raw,
        bom_parts.mpn is not null as is_bom_part,
        alternate_parts.mpn is not null as is_alternate,
        coalesce(bom_parts.products, 0) as bom_products
    from bom_parts
    full outer join alternate_parts
        on alternate_parts.mpn = bom_parts.mpn and alternate_parts.manufacturer = bom_parts.manufacturer
)

select * from final

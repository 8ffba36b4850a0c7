{#- Distributor SKU -> part, from the feeds: resolves a DigiKey/Mouser SKU written into a BOM. -#}
with

offers as (
    select * from {{ ref('stg_feeds__offers') }}
),

final as (
    select distinct
        upper(trim(sku)) as sku_key,
        distributor,
        mpn,
        manufacturer
    from offers
    where sku is not null and mpn is not null
)

select * from final

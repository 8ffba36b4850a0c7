{#- Every part the feeds have listed, with every spelling they used: the catalogue BOM lines match
    against. A part seen on any snapshot date counts. -#}
with

offers as (
    select * from {{ ref('stg_feeds__offers') }}
),

final as (
    select distinct
        mpn,
        manufacturer,
        mpn_raw,
        manufacturer_raw,
        manufacturer_key
    from offers
    where mpn is not null
)

select * from final

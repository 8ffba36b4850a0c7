{#- Where each watched part is assembled and tested: one row per part x country with its share of
    the part's assembly/test capacity. A part's own rows in reference/part_sites.csv replace its
    manufacturer's sites (equal shares, as the override file carries no capacity); otherwise the
    manufacturer's assembly_test sites count with their capacity_share, normalized to 1. -#}

with

watchlist as (
    select mpn, manufacturer from {{ ref('int_part_watchlist') }}
),

manufacturer_sites as (
    select manufacturer, site_country, capacity_share
    from {{ ref('stg_reference__manufacturer_sites') }}
    where site_kind = 'assembly_test'
),

part_sites as (
    select distinct mpn, manufacturer, site_country
    from {{ ref('stg_reference__part_sites') }}
    where site_kind = 'assembly_test'
),

overridden_parts as (
    select mpn, manufacturer, count(*) as override_sites
    from part_sites
    group by mpn, manufacturer
),

override_shares as (
    select
        part_sites.mpn,
        part_sites.manufacturer,
        part_sites.site_country,
        1.0 / overridden_parts.override_sites as raw_share,
        'part_sites' as site_origin
    from part_sites
    inner join overridden_parts
        on overridden_parts.mpn = part_sites.mpn and overridden_parts.manufacturer = part_sites.manufacturer
),

manufacturer_shares as (
    select
        watchlist.mpn,
        watchlist.manufacturer,
        manufacturer_sites.site_country,
        coalesce(manufacturer_sites.capacity_share, 0.0) as raw_share,
        'manufacturer_sites' as site_origin
    from watchlist
    inner join manufacturer_sites
        on manufacturer_sites.manufacturer = watchlist.manufacturer
    left join overridden_parts
        on overridden_parts.mpn = watchlist.mpn and overridden_parts.manufacturer = watchlist.manufacturer
    where overridden_parts.mpn is null
),

watched_overrides as (
    select override_shares.*
    from override_shares
    inner join watchlist
        on watchlist.mpn = override_shares.mpn and watchlist.manufacturer = override_shares.manufacturer
),

unioned as (
    select * from watched_overrides
    union all
    select * from manufacturer_shares
),

by_country as (
    select mpn, manufacturer, site_country, site_origin, sum(raw_share) as raw_share
    from unioned
    group by mpn, manufacturer, site_country, site_origin
),

final as (
    select
        mpn,
        manufacturer,
        site_country,
        site_origin,
        case
            when sum(raw_share) over (partition by mpn, manufacturer) > 0
                then raw_share / sum(raw_share) over (partition by mpn, manufacturer)
            else 1.0 / count(*) over (partition by mpn, manufacturer)
        end as country_share
    from by_country
)

select * from final

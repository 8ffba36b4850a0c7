{#- Who and where the BOM spend depends on: one row per scope x dimension x entity with its share of
    the spend and its share of the parts (each part counts once, a country by capacity share), so a
    cheap critical part weighs as much as an expensive one in the line-count view.
    scope is a product or 'ALL'; spend is the part's units over the horizon x the planned unit price
    (int_part_planned_offer). Dimensions:
    - manufacturer: the part's manufacturer;
    - distributor: the distributor of the planned offer, the cheapest authorized offer in stock at the
      planned quantity (parts without one are left out of this dimension);
    - country: the part's assembly/test countries, the spend split by their capacity share
      (int_part_assembly_sites). -#}

with

exposure as (
    select product, mpn, manufacturer, part_units_horizon from {{ ref('int_bom_exposure') }}
),

planned_offer as (
    select mpn, manufacturer, distributor, planned_unit_price_usd from {{ ref('int_part_planned_offer') }}
),

sites as (
    select mpn, manufacturer, site_country, country_share from {{ ref('int_part_assembly_sites') }}
),

product_spend as (
    select
        exposure.product as scope,
        exposure.mpn,
        exposure.manufacturer,
        exposure.part_units_horizon * coalesce(planned_offer.planned_unit_price_usd, 0.0) as spend_usd
    from exposure
    left join planned_offer
        on planned_offer.mpn = exposure.mpn and planned_offer.manufacturer = exposure.manufacturer
),

scoped_spend as (
    select scope, mpn, manufacturer, spend_usd from product_spend
    union all
    select 'ALL' as scope, mpn, manufacturer, sum(spend_usd) as spend_usd
    from product_spend
    group by mpn, manufacturer
),

entity_spend as (
    select scope, 'manufacturer' as dimension, manufacturer as entity, spend_usd, 1.0 as parts
    from scoped_spend
    union all
    select scoped_spend.scope, 'distributor', planned_offer.distributor, scoped_spend.spend_usd, 1.0
    from scoped_spend
    inner join planned_offer
        on planned_offer.mpn = scoped_spend.mpn and planned_offer.manufacturer = scoped_spend.manufacturer
    where planned_offer.distributor is not null
    union all
    select scoped_spend.scope, 'country', sites.site_country, scoped_spend.spend_usd * sites.country_share,
        sites.country_share
    from scoped_spend
    inner join sites on sites.mpn = scoped_spend.mpn and sites.manufacturer = scoped_spend.manufacturer
),

aggregated as (
    select scope, dimension, entity, sum(spend_usd) as spend_usd, sum(parts) as parts
    from entity_spend
    group by scope, dimension, entity
),

final as (
    select
        scope,
        dimension,
        entity,
        spend_usd,
        spend_usd / nullif(sum(spend_usd) over (partition by scope, dimension), 0) as share,
        parts,
        parts / nullif(sum(parts) over (partition by scope, dimension), 0) as line_share
    from aggregated
)

select * from final

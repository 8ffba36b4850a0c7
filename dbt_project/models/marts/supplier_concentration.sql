{#- One row per scope (a product, or ALL) x dimension (manufacturer, distributor, country): the HHI
    of the BOM spend shares and, beside it, of the part-count shares (int_concentration_shares), the top entity, and the band under the
    named threshold set var risk_hhi_thresholds (US 2023 Merger Guidelines by default: above
    1,000 moderately, above 1,800 highly concentrated). Beside it, per scope, the lines that are
    single-sourced, single-distributor and single-country. -#}

{%- set hhi = risk_setting('risk_hhi_thresholds') %}

with

shares as (
    select scope, dimension, entity, spend_usd, share, line_share from {{ ref('int_concentration_shares') }}
),

bom_lines as (
    select product, mpn, manufacturer
    from {{ ref('int_bom_lines__matched') }}
    where not is_dnp
),

alternates as (
    select distinct mpn, manufacturer, alt_mpn, alt_manufacturer
    from {{ ref('stg_reference__alternates') }}
    where alt_mpn is not null
),

part_risk as (
    select mpn, manufacturer, distributors_in_stock from {{ ref('part_risk') }}
),

sites as (
    select mpn, manufacturer, site_country from {{ ref('int_part_assembly_sites') }}
),

ranked as (
    select
        shares.*,
        row_number() over (partition by scope, dimension order by share desc, entity) as entity_rank
    from shares
    where spend_usd > 0
),

indexed as (
    select
        scope,
        dimension,
        sum(10000.0 * share * share) as hhi,
        max(case when entity_rank = 1 then entity end) as top_entity,
        max(case when entity_rank = 1 then share end) as top_share,
        count(*) as entities,
        sum(spend_usd) as spend_usd
    from ranked
    group by scope, dimension
),

-- The same concentration by part count: a cheap critical part counts as much as an expensive one.
line_indexed as (
    select scope, dimension, sum(10000.0 * line_share * line_share) as hhi_by_lines
    from shares
    group by scope, dimension
),

-- Every source of a part: itself and its alternates; its countries: their assembly/test sites.
part_sources as (
    select mpn, manufacturer, mpn as source_mpn, manufacturer as source_manufacturer from part_risk
    union
    select mpn, manufacturer, alt_mpn, alt_manufacturer from alternates
),

source_countries as (
    select part_sources.mpn, part_sources.manufacturer, count(distinct sites.site_country) as countries
    from part_sources
    inner join sites
        on sites.mpn = part_sources.source_mpn and sites.manufacturer = part_sources.source_manufacturer
    group by part_sources.mpn, part_sources.manufacturer
),

alternate_counts as (
    select mpn, manufacturer, count(*) as alternates from alternates group by mpn, manufacturer
),

line_flags as (
    select
        bom_lines.product,
        bom_lines.mpn is not null as is_matched,
        bom_lines.mpn is not null and coalesce(alternate_counts.alternates, 0) = 0 as is_single_sourced,
        bom_lines.mpn is not null and coalesce(part_risk.distributors_in_stock, 0) <= 1 as is_single_distributor,
        coalesce(source_countries.countries, 0) = 1 as is_single_country
    from bom_lines
    left join alternate_counts
        on alternate_counts.mpn = bom_lines.mpn and alternate_counts.manufacturer = bom_lines.manufacturer
    left join part_risk
        on part_risk.mpn = bom_lines.mpn and part_risk.manufacturer = bom_lines.manufacturer
    left join source_countries
        on source_countries.mpn = bom_lines.mpn and source_countries.manufacturer = bom_lines.manufacturer
),

scoped_flags as (
    select product as scope, line_flags.* from line_flags
    union all
    select 'ALL' as scope, line_flags.* from line_flags
),

line_counts as (
    select
        scope,
        count(*) as lines,
        sum(case when is_matched then 1 else 0 end) as matched_lines,
        sum(case when is_single_sourced then 1 else 0 end) as single_sourced_lines,
        sum(case when is_single_distributor then 1 else 0 end) as single_distributor_lines,
        sum(case when is_single_country then 1 else 0 end) as single_country_lines
    from scoped_flags
    group by scope
),

final as (
    select
        -- keys
        cast(indexed.scope as {{ dbt.type_string() }}) as scope,
        cast(indexed.dimension as {{ dbt.type_string() }}) as dimension,
        -- concentration
        cast(indexed.hhi as double) as hhi,
        cast(line_indexed.hhi_by_lines as double) as hhi_by_lines,
        cast(indexed.top_entity as {{ dbt.type_string() }}) as top_entity,
        cast(indexed.top_share as double) as top_share,
        cast(indexed.entities as integer) as entities,
        cast(case
            when indexed.hhi > {{ hhi['high'] }} then 'Highly concentrated'
            when indexed.hhi > {{ hhi['moderate'] }} then 'Moderately concentrated'
            else 'Unconcentrated'
        end as {{ dbt.type_string() }}) as concentration_band,
        cast('{{ hhi["name"] }}' as {{ dbt.type_string() }}) as hhi_thresholds_name,
        cast({{ hhi['moderate'] }} as double) as hhi_moderate_threshold,
        cast({{ hhi['high'] }} as double) as hhi_high_threshold,
        cast(indexed.spend_usd as double) as spend_usd,
        -- lines of the scope
        cast(coalesce(line_counts.lines, 0) as integer) as lines,
        cast(coalesce(line_counts.matched_lines, 0) as integer) as matched_lines,
        cast(coalesce(line_counts.single_sourced_lines, 0) as integer) as single_sourced_lines,
        cast(coalesce(line_counts.single_distributor_lines, 0) as integer) as single_distributor_lines,
        cast(coalesce(line_counts.single_country_lines, 0) as integer) as single_country_lines
    from indexed
    left join line_indexed on line_indexed.scope = indexed.scope and line_indexed.dimension = indexed.dimension
    left join line_counts on line_counts.scope = indexed.scope
)

select * from final

{#- One row per watched part: how concentrated and how exposed its assembly/test footprint is.
    geography_index = (capacity-weighted country risk + site HHI / 100) / 2, both on 0-100,
    so a single-country CN part scores (80 + 100) / 2 = 90. A country missing from seeds/risk_country.csv
    counts var risk_unknown_country_risk. -#}

with

sites as (
    select mpn, manufacturer, site_country, country_share from {{ ref('int_part_assembly_sites') }}
),

country_risk as (
    select country, country_risk from {{ ref('risk_country') }}
),

scored as (
    select
        sites.*,
        coalesce(country_risk.country_risk, {{ risk_setting('risk_unknown_country_risk') }}) as country_risk,
        row_number() over (
            partition by sites.mpn, sites.manufacturer order by sites.country_share desc, sites.site_country
        ) as country_rank
    from sites
    left join country_risk on country_risk.country = sites.site_country
),

aggregated as (
    select
        mpn,
        manufacturer,
        count(*) as assembly_countries_count,
        {{ dbt.listagg('site_country', "', '", 'order by country_share desc, site_country') }} as assembly_countries,
        max(case when country_rank = 1 then site_country end) as top_assembly_country,
        max(case when country_rank = 1 then country_share end) as top_assembly_country_share,
        sum(country_share * country_share) * 10000.0 as assembly_site_hhi,
        sum(country_share * country_risk) as weighted_country_risk
    from scored
    group by mpn, manufacturer
),

final as (
    select
        aggregated.*,
        (weighted_country_risk + assembly_site_hhi / 100.0) / 2.0 as geography_index
    from aggregated
)

select * from final

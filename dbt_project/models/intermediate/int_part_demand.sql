{#- Daily demand per part from the BOMs (placed, matched lines; DNP lines excluded) and the demand
    plan's coming weeks (planning_horizon_weeks of plan/policy.yml from the latest snapshot date; the
    whole plan when none is ahead). The Polars features read it, so it stays upstream of them.
    Weekly plan variation gives the daily standard deviation: sigma_daily = sigma_weekly / sqrt(7);
    products are taken as independent, so part variances add (qty^2 x sigma^2). -#}
with

lines as (
    select * from {{ ref('int_bom_lines__matched') }}
    where mpn is not null and not is_dnp
),

demand as (
    select * from {{ ref('stg_plan__demand') }}
),

latest_snapshot as (
    select max(snapshot_date) as snapshot_date from {{ ref('stg_feeds__offers') }}
),

policy as (
    select horizon_days from {{ ref('stg_plan__policy') }}
),

horizon as (
    select demand.*
    from demand
    cross join latest_snapshot
    cross join policy
    where demand.week_start >= latest_snapshot.snapshot_date
      and demand.week_start < {{ dbt.dateadd('day', 'policy.horizon_days', 'latest_snapshot.snapshot_date') }}
),

has_horizon as (
    select count(*) as weeks from horizon
),

plan_weeks as (
    select horizon.product, horizon.week_start, horizon.units from horizon
    union all
    select demand.product, demand.week_start, demand.units
    from demand cross join has_horizon
    where has_horizon.weeks = 0
),

product_demand as (
    select
        product,
        avg(units) / 7.0 as daily_units,
        coalesce(stddev_samp(units), 0) / sqrt(7.0) as daily_units_std,
        count(*) as plan_weeks
    from plan_weeks
    group by product
),

part_products as (
    select lines.mpn, lines.manufacturer, lines.product, sum(lines.qty_per_unit) as qty_per_unit
    from lines
    group by lines.mpn, lines.manufacturer, lines.product
),

final as (
    select
        part_products.mpn,
        part_products.manufacturer,
        -- Rounded: DuckDB's parallel float aggregation can differ in the last bits between two reads of
        -- this view, and those bits would make a re-run of a night differ from the first (no drift allowed).
        {{ round_double('sum(part_products.qty_per_unit * coalesce(product_demand.daily_units, 0))', 6) }} as daily_demand_units,
        {{ round_double('sqrt(sum(power(part_products.qty_per_unit * coalesce(product_demand.daily_units_std, 0), 2)))', 6) }} as daily_demand_std,
        count(distinct part_products.product) as product_count,
        {{ dbt.listagg("part_products.product", "', '", "order by part_products.product") }} as products,
        {{ dbt.listagg("part_products.product || ':' || cast(part_products.qty_per_unit as " ~ dbt.type_string() ~ ")", "', '", "order by part_products.product") }} as units_per_product
    from part_products
    left join product_demand on product_demand.product = part_products.product
    group by part_products.mpn, part_products.manufacturer
)

select * from final

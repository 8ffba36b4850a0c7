{{ config(**snapshot_incremental_config('as_of')) }}

{#- What each product stands to lose through each part, as of every snapshot date: one row per
    as_of x product x part (built, matched BOM lines; a part on several lines of one product sums
    its quantity). The horizon of as_of is the plan weeks starting in
    [as_of, as_of + planning_horizon_weeks weeks) of plan/policy.yml, and the whole plan scaled to
    the horizon when no week lies ahead. The margin per day is what a stopped line loses: planned
    units per day x unit margin (the unit price when the margin is missing). The plan files are
    present-state: every as_of reads today's plan. -#}

with

bom_lines as (
    select product, mpn, manufacturer, qty_per_unit
    from {{ ref('int_bom_lines__matched') }}
    where mpn is not null and manufacturer is not null and not is_dnp
),

products as (
    select product, unit_price, unit_margin from {{ ref('stg_plan__products') }}
),

demand as (
    select product, week_start, units from {{ ref('stg_plan__demand') }}
),

policy as (
    select planning_horizon_weeks, horizon_days from {{ ref('stg_plan__policy') }}
),

snapshot_dates as (
    select distinct snapshot_date as as_of from {{ source('features', 'part_trends_daily') }}
    where {{ snapshot_window() }}
),

horizons as (
    select
        snapshot_dates.as_of,
        policy.planning_horizon_weeks,
        {{ dbt.dateadd('day', 'policy.horizon_days', 'snapshot_dates.as_of') }} as horizon_end
    from snapshot_dates
    cross join policy
),

horizon_weeks as (
    select horizons.as_of, demand.product, demand.week_start, demand.units
    from horizons
    inner join demand
        on demand.week_start >= horizons.as_of and demand.week_start < horizons.horizon_end
),

dates_with_horizon as (
    select distinct as_of from horizon_weeks
),

-- With no plan week ahead, the whole plan stands in, scaled to the horizon.
plan_weeks as (
    select as_of, product, week_start, units from horizon_weeks
    union all
    select horizons.as_of, demand.product, demand.week_start, demand.units
    from horizons
    cross join demand
    left join dates_with_horizon on dates_with_horizon.as_of = horizons.as_of
    where dates_with_horizon.as_of is null
),

planned_units as (
    select
        plan_weeks.as_of,
        plan_weeks.product,
        sum(plan_weeks.units) * max(policy.planning_horizon_weeks)
            / greatest(count(distinct plan_weeks.week_start), max(policy.planning_horizon_weeks))
            as planned_units_horizon,
        avg(plan_weeks.units) / 7.0 as daily_units,
        coalesce(stddev_samp(plan_weeks.units), 0) / sqrt(7.0) as daily_units_std
    from plan_weeks
    cross join policy
    group by plan_weeks.as_of, plan_weeks.product
),

part_usage as (
    select product, mpn, manufacturer, sum(qty_per_unit) as qty_per_unit, count(*) as bom_lines
    from bom_lines
    group by product, mpn, manufacturer
),

final as (
    select
        -- keys
        horizons.as_of,
        part_usage.product,
        part_usage.mpn,
        part_usage.manufacturer,
        -- attributes
        part_usage.bom_lines,
        part_usage.qty_per_unit,
        products.unit_price,
        products.unit_margin,
        -- measures
        coalesce(planned_units.planned_units_horizon, 0.0) as planned_units_horizon,
        coalesce(planned_units.planned_units_horizon, 0.0) * part_usage.qty_per_unit as part_units_horizon,
        coalesce(planned_units.daily_units, 0.0) * part_usage.qty_per_unit as part_daily_units,
        coalesce(planned_units.daily_units_std, 0.0) * part_usage.qty_per_unit as part_daily_units_std,
        coalesce(planned_units.planned_units_horizon, 0.0) / (7.0 * horizons.planning_horizon_weeks)
            * coalesce(products.unit_margin, products.unit_price, 0.0) as margin_per_day,
        coalesce(planned_units.planned_units_horizon, 0.0) * coalesce(products.unit_margin, products.unit_price, 0.0)
            as margin_horizon
    from part_usage
    cross join horizons
    left join products on products.product = part_usage.product
    left join planned_units
        on planned_units.product = part_usage.product and planned_units.as_of = horizons.as_of
)

select * from final

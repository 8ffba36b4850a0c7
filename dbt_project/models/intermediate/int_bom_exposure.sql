{#- What each product stands to lose through each part: one row per product x part (built, matched
    BOM lines; a part on several lines of one product sums its quantity). The horizon is the plan
    weeks starting in [as_of, as_of + var planning_horizon_weeks weeks), as_of being the latest
    snapshot date, and the whole plan when no week lies ahead: the window of int_part_demand.
    The margin per day is what a stopped line loses: planned units per day x unit margin (the unit
    price when the margin is missing). -#}

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

latest_snapshot as (
    select max(snapshot_date) as as_of from {{ source('features', 'part_trends_daily') }}
),

horizon as (
    select
        as_of,
        as_of as horizon_start,
        {{ dbt.dateadd('day', 7 * risk_setting('planning_horizon_weeks'), 'as_of') }} as horizon_end
    from latest_snapshot
),

horizon_weeks as (
    select demand.product, demand.week_start, demand.units
    from demand
    cross join horizon
    where demand.week_start >= horizon.horizon_start and demand.week_start < horizon.horizon_end
),

has_horizon as (
    select count(*) as weeks from horizon_weeks
),

-- With no plan week ahead, the whole plan stands in, scaled to the horizon (as int_part_demand does).
plan_weeks as (
    select product, week_start, units from horizon_weeks
    union all
    select demand.product, demand.week_start, demand.units
    from demand
    cross join has_horizon
    where has_horizon.weeks = 0
),

planned_units as (
    select
        product,
        sum(units) * {{ risk_setting('planning_horizon_weeks') }} / greatest(count(distinct week_start), {{ risk_setting('planning_horizon_weeks') }})
            as planned_units_horizon
    from plan_weeks
    group by product
),

part_usage as (
    select product, mpn, manufacturer, sum(qty_per_unit) as qty_per_unit, count(*) as bom_lines
    from bom_lines
    group by product, mpn, manufacturer
),

final as (
    select
        -- keys
        part_usage.product,
        part_usage.mpn,
        part_usage.manufacturer,
        -- attributes
        horizon.as_of,
        part_usage.bom_lines,
        part_usage.qty_per_unit,
        products.unit_price,
        products.unit_margin,
        -- measures
        coalesce(planned_units.planned_units_horizon, 0.0) as planned_units_horizon,
        coalesce(planned_units.planned_units_horizon, 0.0) * part_usage.qty_per_unit as part_units_horizon,
        coalesce(planned_units.planned_units_horizon, 0.0) / (7.0 * {{ risk_setting('planning_horizon_weeks') }})
            * coalesce(products.unit_margin, products.unit_price, 0.0) as margin_per_day
    from part_usage
    cross join horizon
    left join products on products.product = part_usage.product
    left join planned_units on planned_units.product = part_usage.product
)

select * from final

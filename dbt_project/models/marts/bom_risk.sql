{#- One row per product: its lines by band, how many units its stock can build, its weakest part,
    the margin and revenue at risk over the horizon, expected (probability-weighted, from
    int_product_stoppage_history) and worst case (the planned units the position, the market and
    the best in-stock alternates cannot build), the part that limits builds, and its risk grade now
    ("actual") and if every High or Critical line took its best in-stock alternate ("potential",
    after Z2Data). A BOM is as
    strong as its weakest line, so its grade is the band of its highest line score. Buildable units
    count a part's full stock for each product that uses it. -#}

with

bom_lines as (
    select product, mpn, manufacturer, is_dnp from {{ ref('int_bom_lines__matched') }}
),

products as (
    select product, description, unit_price, unit_margin from {{ ref('stg_plan__products') }}
),

exposure as (
    select product, mpn, manufacturer, qty_per_unit, planned_units_horizon from {{ ref('int_bom_exposure') }}
),

part_risk as (
    select mpn, manufacturer, risk_score, risk_band, risk_band_rank, market_stock from {{ ref('part_risk') }}
),

alternate_options as (
    select mpn, manufacturer, alt_risk_score, alt_market_stock
    from {{ ref('int_part_alternate_options') }}
    where preference = 1 and alt_in_stock
),

on_hand as (
    select mpn, manufacturer, sum(quantity) as on_hand_units
    from {{ ref('stg_inventory__on_hand') }}
    group by mpn, manufacturer
),

-- The position and the stoppage risk of the latest plan date.
plan_parts as (
    select mpn, manufacturer, open_order_units from {{ ref('buffer_plan') }}
),

stoppage as (
    select distinct
        product, product_stoppage_probability, shortfall_days, product_expected_stoppage_cost,
        product_margin_per_day, product_margin_horizon
    from {{ ref('int_product_stoppage_history') }}
    where snapshot_date = (select max(snapshot_date) from {{ ref('buffer_plan') }})
),

bands as (
    select risk_band, band_rank, min_score, max_score from {{ ref('risk_bands') }}
),

policy as (
    select planning_horizon_weeks from {{ ref('stg_plan__policy') }}
),

all_products as (
    select product from products
    union
    select product from bom_lines
),

line_counts as (
    select
        bom_lines.product,
        sum(case when not bom_lines.is_dnp then 1 else 0 end) as lines,
        sum(case when bom_lines.is_dnp then 1 else 0 end) as dnp_lines,
        sum(case when not bom_lines.is_dnp and bom_lines.mpn is not null then 1 else 0 end) as matched_lines,
        {%- for band in ['Low', 'Medium', 'High', 'Critical'] %}
        sum(case when not bom_lines.is_dnp and part_risk.risk_band = '{{ band }}' then 1 else 0 end)
            as lines_{{ band | lower }},
        {%- endfor %}
        sum(case when not bom_lines.is_dnp and bom_lines.mpn is not null and part_risk.risk_band is null
            then 1 else 0 end) as lines_unscored
    from bom_lines
    left join part_risk
        on part_risk.mpn = bom_lines.mpn and part_risk.manufacturer = bom_lines.manufacturer
    group by bom_lines.product
),

part_lines as (
    select
        exposure.product,
        exposure.mpn,
        exposure.manufacturer,
        exposure.planned_units_horizon,
        part_risk.risk_score,
        floor(coalesce(on_hand.on_hand_units, 0) / exposure.qty_per_unit) as buildable_on_hand,
        floor((coalesce(on_hand.on_hand_units, 0) + coalesce(part_risk.market_stock, 0)) / exposure.qty_per_unit)
            as buildable_with_market,
        -- the position, the market and the best in-stock alternate's stock: what the line can build at best
        floor((coalesce(on_hand.on_hand_units, 0) + coalesce(plan_parts.open_order_units, 0)
               + coalesce(part_risk.market_stock, 0) + coalesce(alternate_options.alt_market_stock, 0))
              / exposure.qty_per_unit) as buildable_at_best,
        -- the score the line would have on its best in-stock alternate, when that is an improvement
        case
            when part_risk.risk_band_rank >= 3 and alternate_options.alt_risk_score < part_risk.risk_score
                then alternate_options.alt_risk_score
            else part_risk.risk_score
        end as potential_risk_score
    from exposure
    left join part_risk
        on part_risk.mpn = exposure.mpn and part_risk.manufacturer = exposure.manufacturer
    left join on_hand
        on on_hand.mpn = exposure.mpn and on_hand.manufacturer = exposure.manufacturer
    left join alternate_options
        on alternate_options.mpn = exposure.mpn and alternate_options.manufacturer = exposure.manufacturer
    left join plan_parts
        on plan_parts.mpn = exposure.mpn and plan_parts.manufacturer = exposure.manufacturer
    where exposure.qty_per_unit > 0
),

weakest as (
    select
        part_lines.*,
        row_number() over (
            partition by product order by risk_score desc nulls last, buildable_with_market, mpn, manufacturer
        ) as weakness_rank,
        row_number() over (
            partition by product order by buildable_at_best, risk_score desc nulls last, mpn, manufacturer
        ) as limiting_rank
    from part_lines
),

product_parts as (
    select
        product,
        max(planned_units_horizon) as planned_units_horizon,
        min(buildable_on_hand) as buildable_units_on_hand,
        min(buildable_with_market) as buildable_units_with_market,
        max(risk_score) as risk_score_actual,
        max(potential_risk_score) as risk_score_potential,
        max(case when weakness_rank = 1 then mpn end) as weakest_mpn,
        max(case when weakness_rank = 1 then manufacturer end) as weakest_manufacturer,
        max(case when weakness_rank = 1 then risk_score end) as weakest_risk_score,
        min(buildable_at_best) as buildable_units_at_best,
        max(case when limiting_rank = 1 then mpn end) as limiting_mpn,
        max(case when limiting_rank = 1 then manufacturer end) as limiting_manufacturer
    from weakest
    group by product
),

final as (
    select
        -- keys
        cast(all_products.product as {{ dbt.type_string() }}) as product,
        cast(products.description as {{ dbt.type_string() }}) as description,
        -- lines
        cast(coalesce(line_counts.lines, 0) as integer) as lines,
        cast(coalesce(line_counts.dnp_lines, 0) as integer) as dnp_lines,
        cast(coalesce(line_counts.matched_lines, 0) as integer) as matched_lines,
        {%- for band in ['low', 'medium', 'high', 'critical', 'unscored'] %}
        cast(coalesce(line_counts.lines_{{ band }}, 0) as integer) as lines_{{ band }},
        {%- endfor %}
        -- what can be built
        cast(product_parts.buildable_units_on_hand as bigint) as buildable_units_on_hand,
        cast(product_parts.buildable_units_with_market as bigint) as buildable_units_with_market,
        cast(coalesce(product_parts.planned_units_horizon, 0) as double) as planned_units_horizon,
        cast(products.unit_price as double) as unit_price,
        cast(
            greatest(coalesce(product_parts.planned_units_horizon, 0) - coalesce(product_parts.buildable_units_with_market, 0), 0)
            * coalesce(products.unit_price, 0) as double
        ) as revenue_at_risk,
        -- at risk over the horizon: expected = P(product) x shortfall, at most the worst case (what cannot be
        -- built at best, market stock included: the stoppage model does not count it as buildable)
        cast(least(
            coalesce(stoppage.product_expected_stoppage_cost, 0),
            greatest(coalesce(product_parts.planned_units_horizon, 0) - coalesce(product_parts.buildable_units_at_best, 0), 0)
            * coalesce(products.unit_margin, products.unit_price, 0)
        ) as double) as margin_at_risk_expected,
        cast(
            greatest(coalesce(product_parts.planned_units_horizon, 0) - coalesce(product_parts.buildable_units_at_best, 0), 0)
            * coalesce(products.unit_margin, products.unit_price, 0) as double
        ) as margin_at_risk_worst,
        cast(least(
            coalesce(stoppage.product_stoppage_probability * stoppage.shortfall_days, 0)
            * coalesce(product_parts.planned_units_horizon, 0) / (7.0 * policy.planning_horizon_weeks),
            greatest(coalesce(product_parts.planned_units_horizon, 0) - coalesce(product_parts.buildable_units_at_best, 0), 0)
        ) * coalesce(products.unit_price, 0) as double) as revenue_at_risk_expected,
        cast(
            greatest(coalesce(product_parts.planned_units_horizon, 0) - coalesce(product_parts.buildable_units_at_best, 0), 0)
            * coalesce(products.unit_price, 0) as double
        ) as revenue_at_risk_worst,
        cast(stoppage.product_stoppage_probability as double) as stoppage_probability,
        cast(stoppage.shortfall_days as double) as shortfall_days,
        cast(stoppage.product_margin_horizon as double) as margin_horizon,
        cast(product_parts.buildable_units_at_best as bigint) as buildable_units_at_best,
        cast(product_parts.limiting_mpn as {{ dbt.type_string() }}) as limiting_mpn,
        cast(product_parts.limiting_manufacturer as {{ dbt.type_string() }}) as limiting_manufacturer,
        -- the weakest line
        cast(product_parts.weakest_mpn as {{ dbt.type_string() }}) as weakest_mpn,
        cast(product_parts.weakest_manufacturer as {{ dbt.type_string() }}) as weakest_manufacturer,
        cast(product_parts.weakest_risk_score as double) as weakest_risk_score,
        -- grades
        cast(product_parts.risk_score_actual as double) as risk_score_actual,
        -- no scored line (a BOM naming no matchable part): the grade is Unknown, never empty
        cast(coalesce(actual_band.risk_band, 'Unknown') as {{ dbt.type_string() }}) as risk_grade_actual,
        cast(product_parts.risk_score_potential as double) as risk_score_potential,
        cast(coalesce(potential_band.risk_band, 'Unknown') as {{ dbt.type_string() }}) as risk_grade_potential
    from all_products
    left join products on products.product = all_products.product
    left join line_counts on line_counts.product = all_products.product
    left join product_parts on product_parts.product = all_products.product
    left join stoppage on stoppage.product = all_products.product
    cross join policy
    left join bands as actual_band
        on product_parts.risk_score_actual >= actual_band.min_score
        and product_parts.risk_score_actual < actual_band.max_score
    left join bands as potential_band
        on product_parts.risk_score_potential >= potential_band.min_score
        and product_parts.risk_score_potential < potential_band.max_score
)

select * from final

{{ config(**snapshot_incremental_config()) }}

{#- One row per snapshot date x product x BOM part: the product's expected stoppage cost and each
    part's share of it. P(product) = 1 - prod(1 - p_part) over its parts; the shortfall is the
    probability-weighted mean recovery time of its parts (at most the horizon), so the product's
    expected cost P(product) x margin per day x shortfall never exceeds its margin over the horizon.
    A part's share is p_part x recovery_part over the sum of those products. Doc buffer_model. -#}

with

options as (
    select snapshot_date, mpn, manufacturer, stoppage_probability, recovery_days
    from {{ ref('int_buffer_options_history') }}
    where {{ snapshot_window() }}
),

exposure as (
    select as_of, product, mpn, manufacturer, margin_per_day, margin_horizon
    from {{ ref('int_bom_exposure_history') }}
    where {{ snapshot_window('as_of') }}
),

product_parts as (
    select
        options.snapshot_date,
        exposure.product,
        options.mpn,
        options.manufacturer,
        exposure.margin_per_day as product_margin_per_day,
        exposure.margin_horizon as product_margin_horizon,
        options.stoppage_probability,
        options.recovery_days,
        options.stoppage_probability * options.recovery_days as weighted_recovery
    from options
    inner join exposure
        on exposure.as_of = options.snapshot_date
        and exposure.mpn = options.mpn and exposure.manufacturer = options.manufacturer
),

products as (
    select
        snapshot_date,
        product,
        max(product_margin_per_day) as product_margin_per_day,
        max(product_margin_horizon) as product_margin_horizon,
        1.0 - exp(sum(ln(greatest(1.0 - stoppage_probability, 1e-12)))) as product_stoppage_probability,
        sum(stoppage_probability) as probability_sum,
        sum(weighted_recovery) as weighted_recovery_sum
    from product_parts
    group by snapshot_date, product
),

product_costs as (
    select
        products.*,
        case when weighted_recovery_sum > 0 then weighted_recovery_sum / probability_sum else 0.0 end
            as shortfall_days,
        case when weighted_recovery_sum > 0
            then product_stoppage_probability * product_margin_per_day * weighted_recovery_sum / probability_sum
            else 0.0
        end as product_expected_stoppage_cost
    from products
),

final as (
    select
        -- keys
        product_parts.snapshot_date,
        product_parts.product,
        product_parts.mpn,
        product_parts.manufacturer,
        -- the product
        product_costs.product_margin_per_day,
        product_costs.product_margin_horizon,
        product_costs.product_stoppage_probability,
        product_costs.shortfall_days,
        product_costs.product_expected_stoppage_cost,
        -- the part's share
        product_parts.stoppage_probability,
        product_parts.recovery_days,
        case when product_costs.weighted_recovery_sum > 0
            then product_parts.weighted_recovery / product_costs.weighted_recovery_sum else 0.0
        end as cost_share,
        case when product_costs.weighted_recovery_sum > 0
            then product_costs.product_expected_stoppage_cost * product_parts.weighted_recovery
                / product_costs.weighted_recovery_sum
            else 0.0
        end as part_stoppage_cost
    from product_parts
    inner join product_costs
        on product_costs.snapshot_date = product_parts.snapshot_date and product_costs.product = product_parts.product
)

select * from final

{#- One row per BOM part: its strategy, the buffer it would hold and what that costs against the
    stoppage it avoids. The budget selection happens in marts/buffer_plan.

    The plan works on the planning band: the current band, raised to the worst band of the last
    var('risk_strategy_memory_days') days when that was High or Critical (rows with at least
    var('risk_warmup_days') days of history). A shock that has been priced in stops moving the trends,
    but the part is no safer: it keeps its buffer until it has been calm for that long.

    Strategy, first rule that applies:
    1. LAST_TIME_BUY: lifecycle EOL or Obsolete; buy var risk_last_time_buy_weeks weeks of demand.
    2. JIT: planning band Low (z = 0), or no planned demand in the horizon.
    3. DUAL_SOURCE: planning band High or Critical and an in-stock alternate exists
       (int_part_alternate_options); hold the safety stock as a bridge while the alternate is qualified.
    4. JIC: planning band Medium or above; hold the safety stock. A Medium part whose buffer avoids less
       expected stoppage cost than it costs to hold for a year stays JIT.
    Safety stock = z * sqrt(L * sd_d^2 + d^2 * sd_L^2), z by band (seeds/risk_bands.csv), d and sd_d
    the planned daily demand, L the median authorized lead time and sd_L its 30-day volatility.
    The buffer is rounded up to the MOQ and order multiple of the planned offer
    (int_part_planned_offer) and priced at that offer's break for the rounded quantity. -#}

with

part_risk as (
    select
        mpn, manufacturer, risk_score, risk_band, risk_band_rank, risk_drivers, lifecycle_status, last_buy_date,
        lead_time_days, lead_time_volatility_30d, best_alternate_mpn, best_alternate_manufacturer
    from {{ ref('part_risk') }}
    where is_bom_part
),

history as (
    select snapshot_date, mpn, manufacturer, risk_score, risk_band, risk_band_rank, history_days
    from {{ ref('part_risk_history') }}
),

bands as (
    select risk_band, band_rank, service_level_z from {{ ref('risk_bands') }}
),

high_band as (
    select band_rank as high_band_rank from bands where risk_band = 'High'
),

latest_date as (
    select max(snapshot_date) as snapshot_date from history
),

-- The worst High/Critical band of the memory window, and the last day it was seen.
recent_peaks as (
    select
        history.mpn,
        history.manufacturer,
        max(history.risk_band_rank) as peak_band_rank,
        max(history.risk_score) as peak_risk_score,
        max(history.snapshot_date) as peak_last_seen
    from history
    cross join latest_date
    cross join high_band
    where history.snapshot_date > {{ dbt.dateadd('day', '-' ~ risk_setting('risk_strategy_memory_days'), 'latest_date.snapshot_date') }}
        and history.history_days >= {{ risk_setting('risk_warmup_days') }}
        and history.risk_band_rank >= high_band.high_band_rank
    group by history.mpn, history.manufacturer
),

demand as (
    select mpn, manufacturer, daily_demand_units, daily_demand_std from {{ ref('int_part_demand') }}
),

planned_offer as (
    select * from {{ ref('int_part_planned_offer') }}
),

price_breaks as (
    select snapshot_date, source, distributor, sku, quantity, unit_price_usd
    from {{ ref('stg_feeds__price_breaks') }}
    where unit_price_usd is not null and quantity is not null
),

exposure as (
    select mpn, manufacturer, sum(margin_per_day) as margin_per_day
    from {{ ref('int_bom_exposure') }}
    group by mpn, manufacturer
),

on_hand as (
    select mpn, manufacturer, sum(quantity) as on_hand_units
    from {{ ref('stg_inventory__on_hand') }}
    group by mpn, manufacturer
),

curve_points as (
    select risk_score, stoppage_probability from {{ ref('risk_stoppage_curve') }}
),

-- The stoppage-probability curve as segments [score_from, score_to) for linear interpolation.
curve_segments as (
    select
        risk_score as score_from,
        stoppage_probability as probability_from,
        lead(risk_score) over (order by risk_score) as score_to,
        lead(stoppage_probability) over (order by risk_score) as probability_to
    from curve_points
),

planning as (
    select
        part_risk.*,
        greatest(part_risk.risk_band_rank, coalesce(recent_peaks.peak_band_rank, 0)) as planning_band_rank,
        greatest(part_risk.risk_score, coalesce(recent_peaks.peak_risk_score, 0.0)) as planning_risk_score,
        recent_peaks.peak_band_rank,
        recent_peaks.peak_last_seen
    from part_risk
    left join recent_peaks
        on recent_peaks.mpn = part_risk.mpn and recent_peaks.manufacturer = part_risk.manufacturer
),

sized as (
    select
        planning.*,
        bands.risk_band as planning_band,
        coalesce(demand.daily_demand_units, 0.0) as daily_demand_units,
        coalesce(demand.daily_demand_std, 0.0) as daily_demand_std,
        coalesce(planning.lead_time_days, planned_offer.offer_lead_time_days) as lead_time_used_days,
        coalesce(planning.lead_time_volatility_30d, 0.0) as lead_time_std_days,
        coalesce(bands.service_level_z, 0.0) as service_level_z,
        coalesce(exposure.margin_per_day, 0.0) as margin_per_day,
        coalesce(on_hand.on_hand_units, 0) as on_hand_units,
        planned_offer.offer_snapshot_date,
        planned_offer.offer_source,
        planned_offer.distributor as order_distributor,
        planned_offer.sku as order_sku,
        planned_offer.moq as order_moq,
        planned_offer.order_multiple,
        planned_offer.unit_price_at_planned_quantity,
        planned_offer.planned_unit_price_usd,
        coalesce(
            curve_segments.probability_from
            + (planning.planning_risk_score - curve_segments.score_from)
            / nullif(curve_segments.score_to - curve_segments.score_from, 0)
            * (curve_segments.probability_to - curve_segments.probability_from),
            curve_segments.probability_from
        ) as stoppage_probability
    from planning
    left join demand on demand.mpn = planning.mpn and demand.manufacturer = planning.manufacturer
    left join planned_offer
        on planned_offer.mpn = planning.mpn and planned_offer.manufacturer = planning.manufacturer
    left join exposure on exposure.mpn = planning.mpn and exposure.manufacturer = planning.manufacturer
    left join on_hand on on_hand.mpn = planning.mpn and on_hand.manufacturer = planning.manufacturer
    left join bands on bands.band_rank = planning.planning_band_rank
    left join curve_segments
        on planning.planning_risk_score >= curve_segments.score_from
        and (planning.planning_risk_score < curve_segments.score_to or curve_segments.score_to is null)
),

safety_stock as (
    select
        sized.*,
        {{ risk_safety_stock('service_level_z', 'daily_demand_units', 'daily_demand_std',
                             'coalesce(lead_time_used_days, 0.0)', 'lead_time_std_days') }} as safety_stock_units
    from sized
),

proposed as (
    select
        safety_stock.*,
        case
            when lifecycle_status in ('EOL', 'Obsolete') then 'LAST_TIME_BUY'
            when planning_band_rank <= 1 then 'JIT'
            when daily_demand_units <= 0 then 'JIT'
            when planning_band_rank >= 3 and best_alternate_mpn is not null then 'DUAL_SOURCE'
            else 'JIC'
        end as proposed_strategy
    from safety_stock
),

proposed_quantity as (
    select
        proposed.*,
        case
            when proposed_strategy = 'LAST_TIME_BUY' then daily_demand_units * 7.0 * {{ risk_setting('risk_last_time_buy_weeks') }}
            when proposed_strategy in ('JIC', 'DUAL_SOURCE') then safety_stock_units
            else 0.0
        end as raw_buffer_units
    from proposed
),

rounded as (
    select
        proposed_quantity.*,
        {{ risk_round_up_to_order('raw_buffer_units', 'order_moq', 'order_multiple') }} as proposed_buffer_units
    from proposed_quantity
),

buffer_breaks as (
    select
        rounded.mpn,
        rounded.manufacturer,
        price_breaks.unit_price_usd,
        {{ risk_break_preference('rounded.proposed_buffer_units', 'price_breaks.quantity',
                                 'rounded.mpn, rounded.manufacturer') }} as break_preference
    from rounded
    inner join price_breaks
        on price_breaks.snapshot_date = rounded.offer_snapshot_date
        and price_breaks.source = rounded.offer_source
        and price_breaks.distributor = rounded.order_distributor
        and price_breaks.sku = rounded.order_sku
),

costed as (
    select
        rounded.*,
        coalesce(buffer_breaks.unit_price_usd, rounded.planned_unit_price_usd)
            as unit_price_usd,
        rounded.proposed_buffer_units
            * coalesce(buffer_breaks.unit_price_usd, rounded.planned_unit_price_usd)
            as proposed_capital,
        rounded.stoppage_probability * coalesce(rounded.lead_time_used_days, 0.0) * rounded.margin_per_day
            as expected_stoppage_cost,
        -- The buffer covers the stoppage for buffer / d days, at most the lead time.
        rounded.stoppage_probability * rounded.margin_per_day * case
            when rounded.daily_demand_units > 0
                then least(coalesce(rounded.lead_time_used_days, 0.0), rounded.proposed_buffer_units / rounded.daily_demand_units)
            else 0.0
        end as proposed_cost_avoided
    from rounded
    left join buffer_breaks
        on buffer_breaks.mpn = rounded.mpn and buffer_breaks.manufacturer = rounded.manufacturer
        and buffer_breaks.break_preference = 1
),

decided as (
    select
        costed.*,
        proposed_capital * {{ risk_setting('risk_holding_rate') }} as proposed_holding_cost,
        case
            when proposed_strategy = 'JIC' and planning_band_rank = 2
                and proposed_cost_avoided < proposed_capital * {{ risk_setting('risk_holding_rate') }} then 'JIT'
            else proposed_strategy
        end as strategy
    from costed
),

final as (
    select
        -- keys
        mpn,
        manufacturer,
        -- decision
        strategy,
        proposed_strategy,
        risk_score,
        risk_band,
        risk_band_rank,
        planning_band,
        planning_band_rank,
        planning_risk_score,
        peak_last_seen,
        risk_drivers,
        lifecycle_status,
        last_buy_date,
        best_alternate_mpn,
        best_alternate_manufacturer,
        -- inputs of the safety stock
        daily_demand_units,
        daily_demand_std,
        lead_time_used_days as lead_time_days,
        lead_time_std_days,
        service_level_z,
        safety_stock_units,
        daily_demand_units * coalesce(lead_time_used_days, 0.0) + safety_stock_units as reorder_point_units,
        on_hand_units,
        -- the offer the plan buys from
        order_distributor,
        order_sku,
        order_moq,
        order_multiple,
        unit_price_usd,
        -- the buffer (zero when JIT)
        case when strategy = 'JIT' then 0.0 else proposed_buffer_units end as buffer_units,
        case when strategy = 'JIT' then 0.0 else proposed_capital end as buffer_capital,
        case when strategy = 'JIT' then 0.0 else proposed_holding_cost end as annual_holding_cost,
        proposed_buffer_units,
        proposed_capital,
        proposed_holding_cost,
        proposed_cost_avoided,
        -- the stoppage it insures against
        stoppage_probability,
        coalesce(lead_time_used_days, 0.0) as stoppage_days,
        margin_per_day,
        expected_stoppage_cost,
        case when strategy = 'JIT' then 0.0 else proposed_cost_avoided end as expected_stoppage_cost_avoided
    from decided
)

select * from final

{{ config(**snapshot_incremental_config()) }}

{#- Days of risk history a row looks back on: the memory window and the lead times for sigma_L. -#}
{%- set look_back_days = 180 %}

{#- One row per snapshot date x BOM part: the inventory position, the cover, the stoppage
    probability, the recovery time, the strategy and the purchase the plan asks for, priced. Everything is as of the row's date: risk, offers, prices and alternates of that date
    or before; the plan and inventory files are present-state. The costs are in
    int_product_stoppage_history and int_buffer_candidates_history, the budget in
    marts.buffer_plan_history; the formulas, units and sources are in doc buffer_model
    (models/marts/scoring.md). -#}

with

risk as (
    select
        snapshot_date, mpn, manufacturer, risk_score, risk_band, risk_band_rank, risk_drivers, lifecycle_status,
        last_buy_date, lead_time_days, market_stock, broker_stock, distributors_in_stock, history_days
    from {{ ref('int_part_risk_history') }}
    where is_bom_part and {{ snapshot_window() }}
),

history as (
    select snapshot_date, mpn, manufacturer, risk_score, risk_band_rank, lead_time_days, history_days
    from {{ ref('int_part_risk_history') }}
    where is_bom_part and {{ snapshot_window(lookback_days=look_back_days) }}
),

policy as (
    select * from {{ ref('stg_plan__policy') }}
),

bands as (
    select
        bands.risk_band,
        bands.band_rank,
        case bands.risk_band
            when 'Low' then policy.service_level_z_low
            when 'Medium' then policy.service_level_z_medium
            when 'High' then policy.service_level_z_high
            when 'Critical' then policy.service_level_z_critical
        end as service_level_z
    from {{ ref('risk_bands') }} as bands
    cross join policy
),

high_band as (
    select band_rank as high_band_rank from bands where risk_band = 'High'
),

parameters as (
    {{ risk_settings_row('risk_stoppage_parameters', 'parameter', 'value', [
        'signal_half_life_days', 'market_thinness_weight', 'alternate_relief', 'end_of_life_probability']) }}
),

structural as (
    select
        snapshot_date, mpn, manufacturer, structural_band_rank, is_long_lead_time, has_few_distributors,
        has_thin_market_cover, is_end_of_life
    from {{ ref('int_part_structural_risk_history') }}
    where {{ snapshot_window() }}
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

-- The look-back of each row: the memory window for the planning band and the decayed score
-- (rows past the warm-up), and 180 days of quoted lead times for sigma_L. Only dates up to the row's.
look_back_rows as (
    select
        risk.snapshot_date,
        risk.mpn,
        risk.manufacturer,
        past.snapshot_date as past_date,
        past.risk_score as past_score,
        past.risk_band_rank as past_band_rank,
        past.lead_time_days as past_lead_time_days,
        {{ dbt.datediff('past.snapshot_date', 'risk.snapshot_date', 'day') }} as age_days,
        past.history_days >= {{ risk_setting('risk_warmup_days') }}
        and past.snapshot_date > {{ dbt.dateadd('day', '-' ~ risk_setting('risk_strategy_memory_days'), 'risk.snapshot_date') }}
            as in_memory
    from risk
    inner join history as past
        on past.mpn = risk.mpn and past.manufacturer = risk.manufacturer
        and past.snapshot_date <= risk.snapshot_date
        and past.snapshot_date > {{ dbt.dateadd('day', '-' ~ look_back_days, 'risk.snapshot_date') }}
),

look_back as (
    select
        look_back_rows.snapshot_date,
        look_back_rows.mpn,
        look_back_rows.manufacturer,
        max(case when in_memory and past_band_rank >= high_band.high_band_rank then past_band_rank end)
            as peak_band_rank,
        max(case when in_memory and past_band_rank >= high_band.high_band_rank then past_date end)
            as peak_last_seen,
        max(case when in_memory then past_score * power(0.5, age_days / parameters.signal_half_life_days) end)
            as decayed_score,
        coalesce(stddev_samp(past_lead_time_days), 0.0) as lead_time_std_days
    from look_back_rows
    cross join high_band
    cross join parameters
    group by look_back_rows.snapshot_date, look_back_rows.mpn, look_back_rows.manufacturer
),

demand as (
    select
        as_of,
        mpn,
        manufacturer,
        -- Rounded: parallel float sums differ in the last bits between reads; a re-run must not drift.
        {{ round_double('sum(part_daily_units)', 6) }} as daily_demand_units,
        {{ round_double('sqrt(sum(part_daily_units_std * part_daily_units_std))', 6) }} as daily_demand_std,
        sum(margin_per_day) as margin_per_day
    from {{ ref('int_bom_exposure_history') }}
    where {{ snapshot_window('as_of') }}
    group by as_of, mpn, manufacturer
),

planned_offer as (
    select * from {{ ref('int_part_planned_offer_history') }}
    where {{ snapshot_window('as_of') }}
),

price_breaks as (
    {{ risk_carried_price_breaks() }}
),

on_hand as (
    select mpn, manufacturer, sum(quantity) as on_hand_units
    from {{ ref('stg_inventory__on_hand') }}
    group by mpn, manufacturer
),

open_orders as (
    select mpn, manufacturer, quantity, due_date from {{ ref('stg_plan__open_orders') }}
),

alternates as (
    select as_of, mpn, manufacturer, alt_mpn, alt_manufacturer, alt_market_stock, alt_unit_price_usd, preference
    from {{ ref('int_part_alternate_options_history') }}
    where alt_in_stock and alt_unit_price_usd is not null and {{ snapshot_window('as_of') }}
),

sized as (
    select
        risk.*,
        greatest(risk.risk_band_rank, coalesce(look_back.peak_band_rank, 0)) as memory_band_rank,
        look_back.peak_last_seen,
        greatest(risk.risk_score, coalesce(look_back.decayed_score, 0.0)) as decayed_risk_score,
        look_back.lead_time_std_days,
        coalesce(demand.daily_demand_units, 0.0) as daily_demand_units,
        coalesce(demand.daily_demand_std, 0.0) as daily_demand_std,
        coalesce(demand.margin_per_day, 0.0) as margin_per_day,
        coalesce(risk.lead_time_days, planned_offer.offer_lead_time_days) as lead_time_used_days,
        coalesce(risk.lead_time_days, planned_offer.offer_lead_time_days) + policy.shipping_days as replenishment_days,
        policy.horizon_days,
        policy.shipping_days,
        policy.alternate_qualification_days,
        cast(coalesce(on_hand.on_hand_units, 0) as bigint) as on_hand_units,
        planned_offer.offer_snapshot_date,
        planned_offer.offer_source,
        planned_offer.distributor as order_distributor,
        planned_offer.sku as order_sku,
        planned_offer.moq as order_moq,
        planned_offer.order_multiple,
        planned_offer.offer_stock,
        planned_offer.price_origin,
        planned_offer.planned_unit_price_usd,
        structural.structural_band_rank,
        structural.is_long_lead_time,
        structural.has_few_distributors,
        structural.has_thin_market_cover,
        structural.is_end_of_life,
        coalesce(risk.market_stock, 0) + coalesce(risk.broker_stock, 0) > 0 as has_stock_anywhere
    from risk
    inner join look_back
        on look_back.snapshot_date = risk.snapshot_date
        and look_back.mpn = risk.mpn and look_back.manufacturer = risk.manufacturer
    cross join policy
    left join demand
        on demand.as_of = risk.snapshot_date and demand.mpn = risk.mpn and demand.manufacturer = risk.manufacturer
    left join planned_offer
        on planned_offer.as_of = risk.snapshot_date
        and planned_offer.mpn = risk.mpn and planned_offer.manufacturer = risk.manufacturer
    left join on_hand on on_hand.mpn = risk.mpn and on_hand.manufacturer = risk.manufacturer
    inner join structural
        on structural.snapshot_date = risk.snapshot_date
        and structural.mpn = risk.mpn and structural.manufacturer = risk.manufacturer
),

-- Open orders due from the row's date through the replenishment time count in the position; the
-- first one due is the earliest restock.
incoming as (
    select
        sized.snapshot_date,
        sized.mpn,
        sized.manufacturer,
        cast(sum(open_orders.quantity) as bigint) as open_order_units,
        min({{ dbt.datediff('sized.snapshot_date', 'open_orders.due_date', 'day') }}) as restock_days
    from sized
    inner join open_orders
        on open_orders.mpn = sized.mpn and open_orders.manufacturer = sized.manufacturer
        and open_orders.due_date >= sized.snapshot_date
        and open_orders.due_date <= {{ dbt.dateadd('day', 'coalesce(sized.replenishment_days, sized.horizon_days)', 'sized.snapshot_date') }}
    group by sized.snapshot_date, sized.mpn, sized.manufacturer
),

-- An alternate counts when its authorized stock covers the part's demand over the recovery time
-- (the replenishment time, at most the horizon); the best such one by the options' preference.
covering_alternates as (
    select
        sized.snapshot_date,
        sized.mpn,
        sized.manufacturer,
        alternates.alt_mpn,
        alternates.alt_manufacturer,
        alternates.alt_market_stock,
        alternates.alt_unit_price_usd,
        row_number() over (
            partition by sized.snapshot_date, sized.mpn, sized.manufacturer order by alternates.preference
        ) as alternate_rank
    from sized
    inner join alternates
        on alternates.as_of = sized.snapshot_date
        and alternates.mpn = sized.mpn and alternates.manufacturer = sized.manufacturer
    where sized.daily_demand_units > 0
        and alternates.alt_market_stock >= sized.daily_demand_units
            * least(coalesce(sized.replenishment_days, sized.horizon_days), sized.horizon_days)
),

positioned as (
    select
        sized.*,
        -- structure alone (end of life included) plans at least its band (int_part_structural_risk_history)
        greatest(sized.memory_band_rank, sized.structural_band_rank) as planning_band_rank,
        coalesce(incoming.open_order_units, 0) as open_order_units,
        sized.on_hand_units + coalesce(incoming.open_order_units, 0) as net_position_units,
        incoming.restock_days,
        covering_alternates.alt_mpn as covering_alternate_mpn,
        covering_alternates.alt_manufacturer as covering_alternate_manufacturer,
        covering_alternates.alt_market_stock as covering_alternate_stock,
        covering_alternates.alt_unit_price_usd as covering_alternate_unit_price_usd,
        coalesce(bands.service_level_z, 0.0) as service_level_z,
        bands.risk_band as planning_band,
        case when sized.daily_demand_units > 0
            then (sized.on_hand_units + coalesce(incoming.open_order_units, 0)) / sized.daily_demand_units
        end as own_cover_days,
        case when sized.daily_demand_units > 0
            then coalesce(sized.market_stock, 0) / sized.daily_demand_units
        end as market_cover_days
    from sized
    left join incoming
        on incoming.snapshot_date = sized.snapshot_date
        and incoming.mpn = sized.mpn and incoming.manufacturer = sized.manufacturer
    left join covering_alternates
        on covering_alternates.snapshot_date = sized.snapshot_date
        and covering_alternates.mpn = sized.mpn and covering_alternates.manufacturer = sized.manufacturer
        and covering_alternates.alternate_rank = 1
    left join bands
        on bands.band_rank = greatest(sized.memory_band_rank, sized.structural_band_rank)
),

probability as (
    select
        positioned.*,
        -- the signal: the decayed score through the curve, at least the end-of-life floor
        greatest(
            coalesce(
                curve_segments.probability_from
                + (positioned.decayed_risk_score - curve_segments.score_from)
                / nullif(curve_segments.score_to - curve_segments.score_from, 0)
                * (curve_segments.probability_to - curve_segments.probability_from),
                curve_segments.probability_from
            ),
            case when positioned.is_end_of_life then parameters.end_of_life_probability else 0.0 end
        ) as signal_probability,
        -- the market holds less than the company's demand over the replenishment time
        case
            when positioned.daily_demand_units <= 0 then 0.0
            when coalesce(positioned.market_stock, 0) = 0 then 1.0
            when positioned.replenishment_days is null or positioned.replenishment_days <= 0 then 0.0
            else greatest(0.0, least(1.0, 1.0 - positioned.market_cover_days / positioned.replenishment_days))
        end as market_thinness,
        -- the share of the horizon the position leaves uncovered
        case
            when positioned.daily_demand_units <= 0 then 0.0
            else greatest(0.0, least(1.0, 1.0 - positioned.own_cover_days / positioned.horizon_days))
        end as uncovered_share,
        parameters.market_thinness_weight,
        parameters.alternate_relief
    from positioned
    cross join parameters
    left join curve_segments
        on positioned.decayed_risk_score >= curve_segments.score_from
        and (positioned.decayed_risk_score < curve_segments.score_to or curve_segments.score_to is null)
),

stoppage as (
    select
        probability.*,
        (signal_probability + (1.0 - signal_probability) * market_thinness_weight * market_thinness)
        * case when covering_alternate_mpn is not null then 1.0 - alternate_relief else 1.0 end
        * uncovered_share as stoppage_probability,
        -- recovery: the earliest of restock, alternate qualification and replenishment, within the horizon
        least(
            horizon_days,
            coalesce(replenishment_days, horizon_days),
            coalesce(restock_days, horizon_days),
            case when covering_alternate_mpn is not null
                then alternate_qualification_days + shipping_days else horizon_days end
        ) as recovery_days
    from probability
),

decided as (
    select
        stoppage.*,
        case
            when daily_demand_units <= 0 then 'JIT'
            when is_end_of_life and covering_alternate_mpn is not null then 'DUAL_SOURCE'
            when is_end_of_life then 'LAST_TIME_BUY'
            when not has_stock_anywhere and covering_alternate_mpn is not null then 'DUAL_SOURCE'
            when planning_band_rank <= 1 then 'JIT'
            when planning_band_rank >= 3 and covering_alternate_mpn is not null then 'DUAL_SOURCE'
            else 'JIC'
        end as strategy
    from stoppage
),

safety_stock as (
    select
        decided.*,
        {{ risk_safety_stock('service_level_z', 'daily_demand_units', 'daily_demand_std',
                             'coalesce(replenishment_days, 0.0)', 'lead_time_std_days') }} as safety_stock_units
    from decided
),

-- Target: demand over the replenishment time (at most the horizon) plus the safety stock; a
-- last-time buy covers var risk_last_time_buy_weeks of demand. The need is what the position lacks.
targeted as (
    select
        safety_stock.*,
        case
            when strategy = 'JIT' then 0.0
            when strategy = 'LAST_TIME_BUY' then daily_demand_units * 7.0 * {{ risk_setting('risk_last_time_buy_weeks') }}
            else daily_demand_units * least(coalesce(replenishment_days, 0.0), horizon_days) + safety_stock_units
        end as target_units
    from safety_stock
),

needed as (
    select
        targeted.*,
        greatest(0.0, target_units - net_position_units) as need_units
    from targeted
),

-- What to buy: the alternate (DUAL_SOURCE, up to its stock) or the part itself from the planned
-- offer, rounded to its MOQ and multiple and never more than the market holds; nothing of a part
-- with no authorized offer in stock.
bought as (
    select
        needed.*,
        case when strategy = 'DUAL_SOURCE' then covering_alternate_mpn else mpn end as buy_mpn,
        case when strategy = 'DUAL_SOURCE' then covering_alternate_manufacturer else manufacturer end as buy_manufacturer,
        cast(case
            when need_units <= 0 then 0.0
            when strategy = 'DUAL_SOURCE' then least(ceil(need_units), covering_alternate_stock)
            when order_distributor is null or coalesce(offer_stock, 0) <= 0 then 0.0
            else least(
                {{ risk_round_up_to_order('need_units', 'order_moq', 'order_multiple') }},
                coalesce(market_stock, 0)
            )
        end as {{ type_double() }}) as buy_units,
        case
            when need_units <= 0 then 0.0
            when strategy = 'DUAL_SOURCE' then greatest(0.0, ceil(need_units) - covering_alternate_stock)
            when order_distributor is null or coalesce(offer_stock, 0) <= 0 then need_units
            else greatest(0.0, need_units - coalesce(market_stock, 0))
        end as unmet_need_units
    from needed
),

buy_breaks as (
    select
        bought.snapshot_date,
        bought.mpn,
        bought.manufacturer,
        price_breaks.unit_price_usd,
        {{ risk_break_preference('bought.buy_units', 'price_breaks.quantity',
                                 'bought.snapshot_date, bought.mpn, bought.manufacturer') }} as break_preference
    from bought
    inner join price_breaks
        on price_breaks.snapshot_date = bought.offer_snapshot_date
        and price_breaks.source = bought.offer_source
        and price_breaks.distributor = bought.order_distributor
        and price_breaks.sku = bought.order_sku
    where bought.strategy <> 'DUAL_SOURCE' and bought.buy_units > 0
),

priced as (
    select
        bought.*,
        case
            when bought.strategy = 'DUAL_SOURCE' then bought.covering_alternate_unit_price_usd
            else coalesce(buy_breaks.unit_price_usd, bought.planned_unit_price_usd)
        end as unit_price_usd
    from bought
    left join buy_breaks
        on buy_breaks.snapshot_date = bought.snapshot_date
        and buy_breaks.mpn = bought.mpn and buy_breaks.manufacturer = bought.manufacturer
        and buy_breaks.break_preference = 1
)

select * from priced

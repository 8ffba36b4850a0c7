{{ config(tags=['history'], **snapshot_incremental_config()) }}

{#- One row per snapshot_date x watched part (on a BOM, or an alternate of one): the seven
    sub-scores, their documented weighted sum, the overrides, the band and the reasons in words.
    The scoring model is in models/marts/scoring.md. Incremental by snapshot_date like the staging
    offers: Dagster passes the partition range as vars min_date/max_date and the pre-hook deletes
    that window first, so a rerun replaces it. Every input row is dated on or before its row. -#}

with

trends as (
    select * from {{ source('features', 'part_trends_daily') }}
    where {{ snapshot_window() }}
),

signals as (
    select * from {{ ref('int_part_risk_signals') }}
    where {{ snapshot_window() }}
),

watchlist as (
    select mpn, manufacturer, mpn_raw, manufacturer_raw, is_bom_part, is_alternate
    from {{ ref('int_part_watchlist') }}
),

structural as (
    select snapshot_date, mpn, manufacturer, structural_band_rank, structural_reason
    from {{ ref('int_part_structural_risk_history') }}
    where {{ snapshot_window() }}
),

bands as (
    select risk_band, band_rank, min_score, max_score from {{ ref('risk_bands') }}
),

weights as (
    {{ risk_weights_pivot() }}
),

-- Drivers are the signals scoring at least the High band's floor: a weighted mean at or above it
-- has at least one sub-score there too, so every High or Critical row has a reason.
driver_floor as (
    select min_score as driver_min_score from bands where risk_band = 'High'
),

scales as (
    select signal, factor, is_shock from {{ ref('risk_signal_scales') }}
),

-- market_pressure averages the shock families (the factors that have shock signals: stock, price,
-- lead time), each at its strongest shock signal. It measures corroboration, so a family without
-- data counts 0; with no data in any family it is null (unknown).
shock_families as (
    select count(distinct factor) as families from scales where is_shock
),

family_shocks as (
    select snapshot_date, mpn, manufacturer, factor, max(signal_score) as family_shock
    from signals
    where is_shock
    group by snapshot_date, mpn, manufacturer, factor
),

market_pressure as (
    select
        family_shocks.snapshot_date,
        family_shocks.mpn,
        family_shocks.manufacturer,
        case when count(family_shocks.family_shock) > 0
            then sum(coalesce(family_shocks.family_shock, 0.0)) / max(shock_families.families)
        end as market_pressure
    from family_shocks
    cross join shock_families
    group by family_shocks.snapshot_date, family_shocks.mpn, family_shocks.manufacturer
),

-- Every other sub-score is the largest score of its signals.
factor_scores as (
    select
        snapshot_date,
        mpn,
        manufacturer,
        {%- for factor in risk_factors() if factor != 'market_pressure' %}
        {{ round_double("max(case when factor = '" ~ factor ~ "' then signal_score end)", 2) }} as {{ factor }}{{ "," if not loop.last }}
        {%- endfor %}
    from signals
    group by snapshot_date, mpn, manufacturer
),

sub_scores as (
    select
        factor_scores.*,
        {{ round_double('market_pressure.market_pressure', 2) }} as market_pressure
    from factor_scores
    left join market_pressure
        on market_pressure.snapshot_date = factor_scores.snapshot_date
        and market_pressure.mpn = factor_scores.mpn
        and market_pressure.manufacturer = factor_scores.manufacturer
),

scored as (
    select
        trends.snapshot_date,
        trends.mpn,
        trends.manufacturer,
        {%- for factor in risk_factors() %}
        sub_scores.{{ factor }},
        {%- endfor %}
        {{ round_double(risk_weighted_mean('sub_scores', 'weights'), 2) }} as weighted_score,
        {{ round_double(risk_present_weight('sub_scores', 'weights'), 4) }} as data_completeness,
        case
            when trends.market_stock = 0 and coalesce(trends.broker_stock, 0) = 0 then 'no stock anywhere'
            when trends.lifecycle_status = 'Obsolete' then 'Obsolete'
        end as risk_override
    from trends
    inner join watchlist
        on watchlist.mpn = trends.mpn and watchlist.manufacturer = trends.manufacturer
    left join sub_scores
        on sub_scores.snapshot_date = trends.snapshot_date
        and sub_scores.mpn = trends.mpn
        and sub_scores.manufacturer = trends.manufacturer
    cross join weights
),

-- Supplyframe's overrides: no stock anywhere, or Obsolete, is Critical whatever the rest says.
-- Otherwise structure alone (int_part_structural_risk_history) floors the score at its band's lower
-- bound: a thin, long-lead-time, single-source part is at least Medium with no shock.
final_scores as (
    select
        scored.*,
        structural.structural_band_rank,
        structural.structural_reason,
        structural_floors.min_score as structural_floor_score,
        case
            when scored.risk_override is not null then 100.0
            else greatest(scored.weighted_score, structural_floors.min_score)
        end as risk_score
    from scored
    left join structural
        on structural.snapshot_date = scored.snapshot_date
        and structural.mpn = scored.mpn
        and structural.manufacturer = scored.manufacturer
    left join bands as structural_floors
        on structural_floors.band_rank = structural.structural_band_rank
        and structural.structural_band_rank > 1
),

driver_candidates as (
    select snapshot_date, mpn, manufacturer, driver, signal_score as driver_rank_score
    from signals
    cross join driver_floor
    where signal_score >= driver_floor.driver_min_score
    union all
    select snapshot_date, mpn, manufacturer, 'no stock anywhere (authorized or broker)', 1000.0
    from final_scores
    where risk_override = 'no stock anywhere'
    union all
    -- the structural reason leads when it is what raised the score
    select snapshot_date, mpn, manufacturer, structural_reason, 500.0
    from final_scores
    where structural_reason is not null and risk_override is null
        and structural_floor_score >= coalesce(weighted_score, 0.0)
),

ranked_drivers as (
    select
        driver_candidates.*,
        row_number() over (
            partition by snapshot_date, mpn, manufacturer order by driver_rank_score desc, driver
        ) as driver_rank
    from driver_candidates
),

drivers as (
    select
        snapshot_date,
        mpn,
        manufacturer,
        {{ dbt.listagg('driver', "'; '", 'order by driver_rank') }} as risk_drivers
    from ranked_drivers
    where driver_rank <= {{ risk_setting('risk_driver_limit') }}
    group by snapshot_date, mpn, manufacturer
),

final as (
    select
        -- keys
        cast(final_scores.snapshot_date as date) as snapshot_date,
        cast(final_scores.mpn as {{ dbt.type_string() }}) as mpn,
        cast(final_scores.manufacturer as {{ dbt.type_string() }}) as manufacturer,
        cast(watchlist.mpn_raw as {{ dbt.type_string() }}) as mpn_raw,
        cast(watchlist.manufacturer_raw as {{ dbt.type_string() }}) as manufacturer_raw,
        cast(watchlist.is_bom_part as boolean) as is_bom_part,
        cast(watchlist.is_alternate as boolean) as is_alternate,
        -- score
        cast(final_scores.risk_score as double) as risk_score,
        cast(bands.risk_band as {{ dbt.type_string() }}) as risk_band,
        cast(bands.band_rank as integer) as risk_band_rank,
        cast(final_scores.weighted_score as double) as weighted_score,
        cast(final_scores.data_completeness as double) as data_completeness,
        cast(final_scores.risk_override as {{ dbt.type_string() }}) as risk_override,
        cast(final_scores.structural_band_rank as integer) as structural_band_rank,
        cast(final_scores.structural_floor_score as double) as structural_floor_score,
        cast(coalesce(drivers.risk_drivers, '') as {{ dbt.type_string() }}) as risk_drivers,
        -- sub-scores (0-100)
        {%- for factor in risk_factors() %}
        cast(final_scores.{{ factor }} as double) as {{ factor }},
        {%- endfor %}
        -- the signals behind them, as features.part_trends_daily has them on this date
        cast(trends.lifecycle_status as {{ dbt.type_string() }}) as lifecycle_status,
        cast(trends.last_buy_date as date) as last_buy_date,
        cast(trends.market_stock as bigint) as market_stock,
        cast(trends.broker_stock as bigint) as broker_stock,
        cast(trends.distributors_listing as integer) as distributors_listing,
        cast(trends.distributors_in_stock as integer) as distributors_in_stock,
        cast(trends.stock_change_7d_pct as double) as stock_change_7d_pct,
        cast(trends.stock_change_30d_pct as double) as stock_change_30d_pct,
        cast(trends.days_to_depletion as double) as days_to_depletion,
        cast(trends.price_spike_ratio as double) as price_spike_ratio,
        cast(trends.price_change_30d_pct as double) as price_change_30d_pct,
        cast(trends.lead_time_days as double) as lead_time_days,
        cast(trends.lead_time_stretch_ratio as double) as lead_time_stretch_ratio,
        cast(trends.lead_time_volatility_30d as double) as lead_time_volatility_30d,
        cast(trends.history_days as integer) as history_days
    from final_scores
    inner join trends
        on trends.snapshot_date = final_scores.snapshot_date
        and trends.mpn = final_scores.mpn
        and trends.manufacturer = final_scores.manufacturer
    inner join watchlist
        on watchlist.mpn = final_scores.mpn and watchlist.manufacturer = final_scores.manufacturer
    -- a row without any sub-score (and no override) has no score and no band: unknown, not Low
    left join bands
        on final_scores.risk_score >= bands.min_score and final_scores.risk_score < bands.max_score
    left join drivers
        on drivers.snapshot_date = final_scores.snapshot_date
        and drivers.mpn = final_scores.mpn
        and drivers.manufacturer = final_scores.manufacturer
)

select * from final

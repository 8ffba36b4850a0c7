{{ config(tags=['daily'], **snapshot_incremental_config()) }}

{#- One offer grain for every source: snapshot_date x source x distributor x sku.
    Incremental by snapshot_date: a Dagster partition range reaches dbt as vars min_date/max_date,
    and the pre-hook deletes that window first, so a rerun replaces it and never duplicates. -#}

with

unioned as (
    select * from {{ ref('stg_feeds__offers_unioned') }}
),

part_keys as (
    select * from {{ source('raw', 'part_keys') }}
),

distributor_aliases as (
    select distributor_alias, distributor, own_feed_source from {{ ref('distributors') }}
),

-- A distributor counts once: on a day its own feed delivered, its listings seen through an
-- aggregator (Nexar lists DigiKey as a seller) are duplicates. On a day its own feed is missing,
-- the aggregator's listing stands in.
feed_days as (
    select distinct snapshot_date, source from unioned
),

named as (
    select
        unioned.*,
        {{ distributor_name('unioned') }} as distributor_name,
        distributor_aliases.own_feed_source,
        part_keys.mpn as part_mpn,
        part_keys.manufacturer as manufacturer_name,
        coalesce(part_keys.manufacturer_is_known, false) as manufacturer_is_known
    from unioned
    left join distributor_aliases
        on {{ distributor_alias_match('unioned') }}
    left join part_keys
        on {{ part_key_match('part_keys', 'unioned.mpn_key', 'unioned.manufacturer_key') }}
),

ranked as (
    select
        named.*,
        {{ listing_rank('named') }} as listing_rank
    from named
),

final as (
    select
        -- keys
        ranked.snapshot_date,
        ranked.source,
        ranked.distributor_name as distributor,
        ranked.sku,
        ranked.stock_pool,
        ranked.part_mpn as mpn,
        ranked.manufacturer_name as manufacturer,
        -- attributes
        ranked.mpn_raw,
        ranked.mpn_key,
        ranked.manufacturer_raw,
        ranked.manufacturer_key,
        ranked.manufacturer_is_known,
        ranked.distributor as distributor_raw,
        ranked.distributor_country,
        ranked.category_raw as category,
        ranked.description,
        ranked.packaging,
        {{ lifecycle_status('ranked.lifecycle_raw') }} as lifecycle_status,
        ranked.lifecycle_raw,
        ranked.last_buy_date,
        ranked.currency,
        ranked.is_authorized,
        ranked.is_broker,
        (ranked.own_feed_source is not null
            and ranked.own_feed_source <> ranked.source
            and own_feed.source is not null) as is_duplicate_listing,
        -- measures
        cast(ranked.stock as bigint) as stock,
        cast(ranked.moq as bigint) as moq,
        cast(ranked.order_multiple as bigint) as order_multiple,
        cast(ranked.lead_time_days as integer) as lead_time_days,
        -- lineage
        ranked.stock_raw,
        ranked.lead_time_raw,
        ranked.file_path,
        ranked.record_path,
        ranked.loaded_at
    from ranked
    left join feed_days as own_feed
        on own_feed.snapshot_date = ranked.snapshot_date
        and own_feed.source = ranked.own_feed_source
    where ranked.listing_rank = 1
)

select * from final

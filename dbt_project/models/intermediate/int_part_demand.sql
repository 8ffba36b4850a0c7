{#- Daily demand per part on the latest snapshot date: the products' planned units per day over the
    horizon of plan/policy.yml x quantity per unit, summed over the products (int_bom_exposure, which
    has the window). Weekly plan variation gives the daily standard deviation sigma_weekly / sqrt(7);
    products are taken as independent, so part variances add (qty^2 x sigma^2). -#}
with

exposure as (
    select product, mpn, manufacturer, qty_per_unit, part_daily_units, part_daily_units_std
    from {{ ref('int_bom_exposure') }}
),

final as (
    select
        mpn,
        manufacturer,
        -- Rounded: DuckDB's parallel float aggregation can differ in the last bits between two reads of
        -- this view, and those bits would make a re-run of a night differ from the first (no drift allowed).
        round(sum(part_daily_units), 6) as daily_demand_units,
        round(sqrt(sum(part_daily_units_std * part_daily_units_std)), 6) as daily_demand_std,
        count(distinct product) as product_count,
        {{ dbt.listagg("product", "', '", "order by product") }} as products,
        {{ dbt.listagg("product || ':' || cast(qty_per_unit as " ~ dbt.type_string() ~ ")", "', '", "order by product") }} as units_per_product
    from exposure
    group by mpn, manufacturer
)

select * from final

{#- Every BOM part's alternates as they stand on the latest snapshot date (the report's part page):
    in stock or not, their market stock, risk band and top assembly country, best option first. -#}

with

options as (
    select * from {{ ref('int_part_alternate_options') }}
),

final as (
    select
        -- keys
        mpn,
        manufacturer,
        alt_mpn,
        alt_manufacturer,
        -- attributes
        fit,
        -- row_number() is bigint on DuckDB and int on Spark; the contract says bigint.
        cast(preference as bigint) as preference,
        alt_in_stock,
        alt_risk_band,
        alt_top_assembly_country,
        is_other_country,
        -- measures
        cast(alt_market_stock as bigint) as alt_market_stock,
        cast(alt_risk_score as double) as alt_risk_score
    from options
)

select * from final

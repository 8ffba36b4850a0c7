with

source as (
    select * from {{ source('raw', 'products') }}
),

final as (
    select
        trim(product) as product,
        description,
        cast(unit_price as double) as unit_price,
        cast(unit_margin as double) as unit_margin,
        file_path,
        line_number
    from source
    where product is not null and trim(product) <> ''
)

select * from final

with

source as (
    select * from {{ source('raw', 'demand') }}
),

final as (
    select
        trim(product) as product,
        cast(week_start as date) as week_start,
        cast(units as double) as units,
        file_path,
        line_number
    from source
    where product is not null and trim(product) <> ''
)

select * from final

{#- Manufacturing sites per part: the per-part overrides of reference/part_sites.csv replace the
    manufacturer-wide sites of manufacturer_sites.csv for that part. This model is the
    manufacturer-wide list; int_part_sites applies the overrides. -#}
with

source as (
    select * from {{ source('raw', 'manufacturer_sites') }}
),

final as (
    select
        coalesce(aliases.manufacturer, trim(source.manufacturer)) as manufacturer,
        upper(trim(source.site_country)) as site_country,
        lower(trim(source.site_kind)) as site_kind,
        cast(source.capacity_share as double) as capacity_share,
        source.manufacturer as manufacturer_raw,
        source.file_path,
        source.line_number
    from source
    {{ join_manufacturer_aliases('source.manufacturer_key') }}
)

select * from final

{#- BOM lines as read by orchestration/boms (designators expanded, DNP flagged, part keys computed),
    with the canonical manufacturer name. Matching to the feeds is int_bom_lines__matched. -#}
with

source as (
    select * from {{ source('raw', 'bom_lines') }}
),

part_keys as (
    select * from {{ source('raw', 'part_keys') }}
),

final as (
    select
        -- keys
        source.product,
        cast(source.line_number as integer) as line_number,
        -- attributes
        source.refdes,
        cast(source.designator_count as integer) as designator_count,
        source.mpn_raw,
        source.mpn_key,
        part_key.mpn,
        source.manufacturer_raw,
        source.manufacturer_key,
        coalesce(part_key.manufacturer, aliases.manufacturer, nullif(trim(source.manufacturer_raw), '')) as manufacturer,
        coalesce(part_key.manufacturer_is_known, aliases.manufacturer is not null) as manufacturer_is_known,
        source.value,
        source.description,
        source.footprint,
        source.is_dnp,
        source.dnp_raw,
        source.mpn_source,
        source.mpn_is_distributor_sku,
        source.sku_distributor,
        source.digikey_sku,
        source.mouser_sku,
        source.rs_sku,
        source.newark_sku,
        source.farnell_sku,
        source.lcsc_sku,
        source.alt_mpn_raw,
        source.alt_manufacturer_raw,
        alt_key.mpn as alt_mpn,
        source.alt_manufacturer_key,
        source.repaired_column_shift,
        source.qty_mismatch,
        source.problems,
        -- measures
        cast(source.qty_per_unit as double) as qty_per_unit,
        cast(source.qty_stated as double) as qty_stated,
        -- lineage
        cast(source.source_row as integer) as source_row,
        source.file_path
    from source
    left join part_keys as part_key
        on {{ part_key_match('part_key', 'source.mpn_key', 'source.manufacturer_key') }}
    -- a line without an MPN has no part key, but the maker it names is still resolved
    {{ join_manufacturer_aliases('source.manufacturer_key') }}
    left join part_keys as alt_key
        on {{ part_key_match('alt_key', 'source.alt_mpn_key',
                             'coalesce(source.alt_manufacturer_key, source.manufacturer_key)') }}
)

select * from final

{#- One row per BOM file: what was read, how each line matched, and the problems found. -#}
with

files as (
    select * from {{ source('raw', 'bom_files') }}
),

lines as (
    select * from {{ ref('int_bom_lines__matched') }}
),

line_counts as (
    select
        product,
        count(*) as lines,
        sum(designator_count) as designators,
        sum(case when is_dnp then 1 else 0 end) as dnp_lines,
        sum(case when not is_dnp then qty_per_unit else 0 end) as placed_quantity,
        sum(case when mpn_normalized is not null then 1 else 0 end) as lines_with_mpn,
        sum(case when match_method = 'exact' then 1 else 0 end) as matched_exact,
        sum(case when match_method = 'normalized' then 1 else 0 end) as matched_normalized,
        sum(case when match_method = 'manufacturer_alias' then 1 else 0 end) as matched_manufacturer_alias,
        sum(case when match_method = 'distributor_sku' then 1 else 0 end) as matched_distributor_sku,
        sum(case when match_method = 'mpn_only' then 1 else 0 end) as matched_mpn_only,
        sum(case when match_method = 'ambiguous' then 1 else 0 end) as ambiguous_lines,
        sum(case when match_method in ('unmatched', 'no_mpn') then 1 else 0 end) as unmatched_lines,
        sum(case when qty_mismatch then 1 else 0 end) as qty_mismatches,
        sum(case when repaired_column_shift then 1 else 0 end) as repaired_column_shifts
    from lines
    group by product
),

final as (
    select
        files.product,
        files.file_path,
        files.status,
        coalesce(line_counts.lines, 0) as lines,
        coalesce(line_counts.designators, 0) as designators,
        coalesce(line_counts.dnp_lines, 0) as dnp_lines,
        coalesce(line_counts.placed_quantity, 0) as placed_quantity,
        coalesce(line_counts.lines_with_mpn, 0) as lines_with_mpn,
        coalesce(line_counts.matched_exact, 0) as matched_exact,
        coalesce(line_counts.matched_normalized, 0) as matched_normalized,
        coalesce(line_counts.matched_manufacturer_alias, 0) as matched_manufacturer_alias,
        coalesce(line_counts.matched_distributor_sku, 0) as matched_distributor_sku,
        coalesce(line_counts.matched_mpn_only, 0) as matched_mpn_only,
        coalesce(line_counts.ambiguous_lines, 0) as ambiguous_lines,
        coalesce(line_counts.unmatched_lines, 0) as unmatched_lines,
        coalesce(line_counts.qty_mismatches, 0) as qty_mismatches,
        coalesce(line_counts.repaired_column_shifts, 0) as repaired_column_shifts,
        files.reason as problems,
        files.report_json as detection_report
    from files
    left join line_counts on line_counts.product = files.product
)

select * from final

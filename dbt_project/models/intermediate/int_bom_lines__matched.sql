{#- Each BOM line matched to a part the feeds list, in a fixed order of preference:
      1 exact               MPN as written = a feed's MPN as written, same manufacturer key   (confidence 1.00)
      2 normalized          normalized MPN equal, same manufacturer key                     (0.95)
      3 manufacturer_alias  normalized MPN equal, same canonical manufacturer via aliases   (0.90)
      4 distributor_sku     a DigiKey/Mouser SKU on the line (its own column, or written in
                            the MPN column) resolves through the feeds' SKUs                (0.90)
      5 mpn_only            normalized MPN equal, the line names no manufacturer (0.75) or
                            a different one (0.60)
    The best level with a candidate wins. Two different parts at that level is `ambiguous`: flagged,
    never guessed. A line with no candidate is `unmatched` (or `no_mpn`) with its reason. -#}
with

lines as (
    select * from {{ ref('stg_boms__bom_lines') }}
),

parts as (
    select * from {{ ref('int_feed_parts') }}
),

skus as (
    select * from {{ ref('int_feed_skus') }}
),

line_skus as (
    select product, line_number, upper(trim(digikey_sku)) as sku_key from lines where digikey_sku is not null
    union all
    select product, line_number, upper(trim(mouser_sku)) as sku_key from lines where mouser_sku is not null
    union all
    select product, line_number, upper(trim(mpn_raw)) as sku_key from lines where mpn_is_distributor_sku
),

candidates as (
    select lines.product, lines.line_number, parts.mpn, parts.manufacturer,
        'exact' as match_method, 1.00 as match_confidence, 1 as match_priority
    from lines
    inner join parts
        on upper(trim(lines.mpn_raw)) = upper(trim(parts.mpn_raw))
        and lines.manufacturer_key = parts.manufacturer_key

    union all

    select lines.product, lines.line_number, parts.mpn, parts.manufacturer,
        'normalized', 0.95, 2
    from lines
    inner join parts
        on lines.mpn = parts.mpn and lines.manufacturer_key = parts.manufacturer_key

    union all

    select lines.product, lines.line_number, parts.mpn, parts.manufacturer,
        'manufacturer_alias', 0.90, 3
    from lines
    inner join parts
        on lines.mpn = parts.mpn and lines.manufacturer = parts.manufacturer

    union all

    select line_skus.product, line_skus.line_number, skus.mpn, skus.manufacturer,
        'distributor_sku', 0.90, 4
    from line_skus
    inner join skus on skus.sku_key = line_skus.sku_key

    union all

    select lines.product, lines.line_number, parts.mpn, parts.manufacturer,
        'mpn_only', case when lines.manufacturer is null then 0.75 else 0.60 end, 5
    from lines
    inner join parts on lines.mpn = parts.mpn
    where not lines.mpn_is_distributor_sku
),

distinct_candidates as (
    select distinct product, line_number, mpn, manufacturer, match_method, match_confidence, match_priority
    from candidates
),

best_priority as (
    select product, line_number, min(match_priority) as match_priority
    from distinct_candidates
    group by product, line_number
),

best_candidates as (
    select distinct_candidates.*
    from distinct_candidates
    inner join best_priority
        on best_priority.product = distinct_candidates.product
        and best_priority.line_number = distinct_candidates.line_number
        and best_priority.match_priority = distinct_candidates.match_priority
),

resolved as (
    select
        product,
        line_number,
        count(*) as candidate_parts,
        min(mpn) as mpn,
        min(manufacturer) as manufacturer,
        min(match_method) as match_method,
        min(match_confidence) as match_confidence,
        {{ dbt.listagg("manufacturer || ' ' || mpn", "'; '", "order by manufacturer, mpn") }} as candidates_text
    from best_candidates
    group by product, line_number
),

final as (
    select
        -- keys
        lines.product,
        lines.line_number,
        case when resolved.candidate_parts = 1 then resolved.mpn end as mpn,
        case when resolved.candidate_parts = 1 then resolved.manufacturer end as manufacturer,
        -- match
        case
            when resolved.candidate_parts = 1 then resolved.match_method
            when resolved.candidate_parts > 1 then 'ambiguous'
            when lines.mpn is null and not lines.mpn_is_distributor_sku
                and lines.digikey_sku is null and lines.mouser_sku is null then 'no_mpn'
            else 'unmatched'
        end as match_method,
        case when resolved.candidate_parts = 1 then resolved.match_confidence else 0.0 end as match_confidence,
        resolved.candidate_parts > 1 as is_ambiguous,
        case
            when resolved.candidate_parts = 1 then null
            when resolved.candidate_parts > 1 then 'MPN listed by the feeds under several parts: ' || resolved.candidates_text
            when lines.mpn is null and not lines.mpn_is_distributor_sku
                and lines.digikey_sku is null and lines.mouser_sku is null then 'no MPN on the line'
            when lines.mpn_is_distributor_sku then 'distributor SKU not seen in any feed'
            else 'MPN not seen in any feed'
        end as unmatched_reason,
        -- the line as written
        lines.refdes,
        lines.designator_count,
        lines.qty_per_unit,
        lines.qty_stated,
        lines.qty_mismatch,
        lines.is_dnp,
        lines.dnp_raw,
        lines.mpn_raw,
        lines.mpn as mpn_normalized,
        lines.manufacturer_raw,
        lines.manufacturer as manufacturer_written,
        lines.value,
        lines.description,
        lines.footprint,
        lines.mpn_source,
        lines.mpn_is_distributor_sku,
        lines.digikey_sku,
        lines.mouser_sku,
        lines.alt_mpn_raw,
        lines.alt_manufacturer_raw,
        lines.alt_mpn,
        lines.repaired_column_shift,
        lines.problems,
        lines.source_row,
        lines.file_path
    from lines
    left join resolved
        on resolved.product = lines.product and resolved.line_number = lines.line_number
)

select * from final

{#- Every BOM line, DNP lines included and flagged: the line as written, the part it matched and
    how, and that part's risk band and buffer strategy. -#}

with

bom_lines as (
    select * from {{ ref('int_bom_lines__matched') }}
),

part_risk as (
    select mpn, manufacturer, risk_score, risk_band, risk_drivers from {{ ref('part_risk') }}
),

buffer_plan as (
    select mpn, manufacturer, strategy, in_budget from {{ ref('buffer_plan') }}
),

final as (
    select
        -- keys
        cast(bom_lines.product as {{ dbt.type_string() }}) as product,
        cast(bom_lines.line_number as integer) as line_number,
        -- the line as written
        cast(bom_lines.refdes as {{ dbt.type_string() }}) as refdes,
        cast(bom_lines.designator_count as integer) as designator_count,
        cast(bom_lines.qty_per_unit as double) as qty_per_unit,
        cast(bom_lines.is_dnp as boolean) as is_dnp,
        cast(bom_lines.mpn_raw as {{ dbt.type_string() }}) as mpn_raw,
        cast(bom_lines.manufacturer_raw as {{ dbt.type_string() }}) as manufacturer_raw,
        cast(bom_lines.value as {{ dbt.type_string() }}) as value,
        cast(bom_lines.description as {{ dbt.type_string() }}) as description,
        -- the matched part and how
        cast(bom_lines.mpn as {{ dbt.type_string() }}) as mpn,
        cast(bom_lines.manufacturer as {{ dbt.type_string() }}) as manufacturer,
        cast(bom_lines.match_method as {{ dbt.type_string() }}) as match_method,
        cast(bom_lines.match_confidence as double) as match_confidence,
        cast(bom_lines.unmatched_reason as {{ dbt.type_string() }}) as unmatched_reason,
        -- its risk and the plan for it
        cast(part_risk.risk_score as double) as risk_score,
        cast(part_risk.risk_band as {{ dbt.type_string() }}) as risk_band,
        cast(part_risk.risk_drivers as {{ dbt.type_string() }}) as risk_drivers,
        cast(buffer_plan.strategy as {{ dbt.type_string() }}) as strategy,
        cast(buffer_plan.in_budget as boolean) as in_budget
    from bom_lines
    left join part_risk
        on part_risk.mpn = bom_lines.mpn and part_risk.manufacturer = bom_lines.manufacturer
    left join buffer_plan
        on buffer_plan.mpn = bom_lines.mpn and buffer_plan.manufacturer = bom_lines.manufacturer
)

select * from final

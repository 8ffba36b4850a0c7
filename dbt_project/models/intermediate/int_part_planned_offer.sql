{#- The offer the plan would buy each BOM part from on the latest snapshot date
    (int_part_planned_offer_history, which has the rules). -#}
{{ latest_rows(ref('int_part_planned_offer_history')) }}

{#- Each BOM part's alternates on the latest snapshot date (int_part_alternate_options_history,
    which has the preference order). -#}
{{ latest_rows(ref('int_part_alternate_options_history')) }}

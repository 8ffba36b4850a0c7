{#- What each product stands to lose through each part on the latest snapshot date
    (int_bom_exposure_history, which has the definitions). -#}
{{ latest_rows(ref('int_bom_exposure_history')) }}

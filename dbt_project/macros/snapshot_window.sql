{#- Limits an incremental model to the snapshot dates of the Dagster partition range
    (vars min_date / max_date). Without the vars every date is processed. -#}
{% macro snapshot_window(column='snapshot_date') -%}
    {%- if var('min_date', none) is not none and var('max_date', none) is not none -%}
        {{ column }} between cast('{{ var("min_date") }}' as date) and cast('{{ var("max_date") }}' as date)
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The config of a model incremental by snapshot_date: the rows of the run's window are deleted first
    and inserted again, so a rerun replaces the window and never duplicates (also a date that lost its rows).
    Dispatched by adapter: another engine may overwrite partitions instead. -#}
{% macro snapshot_incremental_config() -%}
    {{ return(adapter.dispatch('snapshot_incremental_config')()) }}
{%- endmacro %}

{% macro default__snapshot_incremental_config() -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'on_schema_change': 'append_new_columns',
        'pre_hook': "{% if is_incremental() %}delete from {{ this }} where {{ snapshot_window() }}{% endif %}",
    }) }}
{%- endmacro %}

{#- The rows of a dated relation on its latest date: the present view of a history model. -#}
{% macro latest_rows(relation, date_column='as_of') -%}
    select history.*
    from {{ relation }} as history
    where history.{{ date_column }} = (select max({{ date_column }}) from {{ relation }})
{%- endmacro %}

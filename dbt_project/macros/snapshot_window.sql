{#- Limits an incremental model to the snapshot dates of the Dagster partition range
    (vars min_date / max_date). Without the vars every date is processed. -#}
{% macro snapshot_window(column='snapshot_date') -%}
    {%- if var('min_date', none) is not none and var('max_date', none) is not none -%}
        {{ column }} between cast('{{ var("min_date") }}' as date) and cast('{{ var("max_date") }}' as date)
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- Incremental strategy per adapter: DuckDB deletes the window and inserts it again;
    Spark overwrites the snapshot_date partitions. Either way a rerun never duplicates. -#}
{% macro snapshot_incremental_config() -%}
    {%- if target.type == 'spark' -%}
        {{ return({'incremental_strategy': 'insert_overwrite', 'partition_by': ['snapshot_date']}) }}
    {%- else -%}
        {{ return({'incremental_strategy': 'delete+insert', 'unique_key': 'snapshot_date'}) }}
    {%- endif -%}
{%- endmacro %}

{#- The rows of a dated relation on its latest date: the present view of a history model. -#}
{% macro latest_rows(relation, date_column='as_of') -%}
    select history.*
    from {{ relation }} as history
    where history.{{ date_column }} = (select max({{ date_column }}) from {{ relation }})
{%- endmacro %}

{#- marts.buffer_plan_history: a dbt Python model where dbt runs Python models in-process (DuckDB). dbt-spark
    runs Python models only on Databricks clusters, so on Spark the same allocation
    (orchestration.planning.budget) runs as a step between two dbt runs (orchestration/spark/allocation.py)
    and writes the same table, which dbt reads as the source allocation.buffer_plan_history. -#}
{% macro buffer_plan_history_relation() -%}
    {{ return(adapter.dispatch('buffer_plan_history_relation')()) }}
{%- endmacro %}

{% macro default__buffer_plan_history_relation() -%}
    {{ return(ref('buffer_plan_history')) }}
{%- endmacro %}

{% macro spark__buffer_plan_history_relation() -%}
    {#- The allocation reads these candidates: the same place in the graph as the Python model on DuckDB
        (downstream of the features), so a selection by graph puts the readers in the same block. -#}
    {%- do ref('int_buffer_candidates_history') -%}
    {{ return(source('allocation', 'buffer_plan_history')) }}
{%- endmacro %}

{#- A 64-bit float on every engine. dbt.type_float() is `float`, which is 32-bit on DuckDB and Spark; Spark also
    types arithmetic of decimal literals and integers as DECIMAL where DuckDB gives DOUBLE, so a column the
    Python allocation reads is cast to this on both engines. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double
{%- endmacro %}

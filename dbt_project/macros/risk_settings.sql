{#- The risk marts' scalar settings: dbt vars declared (with their defaults) in dbt_project.yml and
    overridable with --vars. Tabular settings (weights, bands, the stoppage curve, country risk, signal
    scales) are seeds/risk_*.csv. See models/marts/scoring.md. -#}
{% macro risk_setting(name) -%}
    {%- if not name.startswith('risk_') or var(name, none) is none -%}
        {{ exceptions.raise_compiler_error("unknown risk setting " ~ name ~ ": declare it under vars in dbt_project.yml") }}
    {%- endif -%}
    {{ return(var(name)) }}
{%- endmacro %}

{#- The risk marts' scalar settings: dbt vars declared (with their defaults) in dbt_project.yml and
    overridable with --vars. Tabular settings (weights, bands, the stoppage curve, country risk, signal
    scales) are seeds/risk_*.csv. See models/marts/scoring.md. -#}
{% macro risk_setting(name) -%}
    {%- if not name.startswith('risk_') or var(name, none) is none -%}
        {{ exceptions.raise_compiler_error("unknown risk setting " ~ name ~ ": declare it under vars in dbt_project.yml") }}
    {%- endif -%}
    {{ return(var(name)) }}
{%- endmacro %}

{#- One row from a settings seed that keeps a setting per row (name_column, value_column): a column per
    setting. `settings` maps each name to its column (a list keeps the names). -#}
{% macro risk_settings_row(seed, name_column, value_column, settings) -%}
    select
    {%- for name in settings %}
        max(case when {{ name_column }} = '{{ name }}' then {{ value_column }} end)
            as {{ settings[name] if settings is mapping else name }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ ref(seed) }}
{%- endmacro %}

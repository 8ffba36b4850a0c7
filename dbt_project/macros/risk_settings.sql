{#- The risk marts' scalar settings: a dbt var of the same name (dbt_project.yml or --vars) wins;
    otherwise the default below. Tabular settings (weights, bands, the stoppage
    curve, country risk, signal scales) are seeds/risk_*.csv. See models/marts/scoring.md. -#}
{% macro risk_setting(name) -%}
    {%- set defaults = {
        'risk_last_time_buy_weeks': 52,
        'risk_hhi_thresholds': {'name': 'US 2023 Merger Guidelines', 'moderate': 1000, 'high': 1800},
        'risk_last_buy_window_days': 90,
        'risk_driver_limit': 3,
        'risk_offer_carry_days': 3,
        'risk_unknown_country_risk': 40,
        'risk_strategy_memory_days': 90,
        'risk_warmup_days': 30,
    } -%}
    {%- if name not in defaults -%}
        {{ exceptions.raise_compiler_error("unknown risk setting " ~ name) }}
    {%- endif -%}
    {{ return(var(name, defaults[name])) }}
{%- endmacro %}

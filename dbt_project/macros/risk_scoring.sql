{#- The scoring model's building blocks. What each factor means, its scale and weight, is in
    models/marts/scoring.md and seeds/risk_weights.csv; the anchors of each signal are in
    seeds/risk_signal_scales.csv. -#}

{#- The seven sub-scores, in the order they are documented and weighted. -#}
{% macro risk_factors() -%}
    {{ return(['sourcing', 'availability_trend', 'price_trend', 'lead_time', 'lifecycle', 'geography', 'market_pressure']) }}
{%- endmacro %}

{#- A signal on a linear 0-100 scale: 0 at zero_at, 100 at full_at, clamped. full_at may lie below
    zero_at (fewer distributors = riskier). Null stays null: missing data is ignored, as in Supplyframe. -#}
{% macro risk_linear_score(value, zero_at, full_at) -%}
    case
        when {{ value }} is null then null
        else greatest(0.0, least(100.0, 100.0 * ({{ value }} - {{ zero_at }}) / ({{ full_at }} - {{ zero_at }})))
    end
{%- endmacro %}

{#- One row, one column per factor: <factor>_weight, from seeds/risk_weights.csv. -#}
{% macro risk_weights_pivot() -%}
    select
        {%- for factor in risk_factors() %}
        max(case when factor = '{{ factor }}' then weight end) as {{ factor }}_weight{{ "," if not loop.last }}
        {%- endfor %}
    from {{ ref('risk_weights') }}
{%- endmacro %}

{#- The documented weighted sum: sum over the factors of weight x sub-score (a missing sub-score counts 0). -#}
{% macro risk_weighted_sum(scores_alias, weights_alias) -%}
    (
        {%- for factor in risk_factors() %}
        {{ weights_alias }}.{{ factor }}_weight * coalesce({{ scores_alias }}.{{ factor }}, 0.0){{ " +" if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

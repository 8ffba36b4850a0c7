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

{#- One row, one column per factor: <factor>_weight, from seeds/risk_weights.csv (or the relation given). -#}
{% macro risk_weights_pivot(weights_relation=none) -%}
    select
        {%- for factor in risk_factors() %}
        max(case when factor = '{{ factor }}' then weight end) as {{ factor }}_weight{{ "," if not loop.last }}
        {%- endfor %}
    from {{ weights_relation if weights_relation is not none else ref('risk_weights') }}
{%- endmacro %}

{#- The share of the weight whose sub-score has data (0-1): missing data is unknown, not zero. -#}
{% macro risk_present_weight(scores_alias, weights_alias) -%}
    (0.0
        {%- for factor in risk_factors() %}
        + case when {{ scores_alias }}.{{ factor }} is not null then {{ weights_alias }}.{{ factor }}_weight else 0.0 end
        {%- endfor %}
    )
{%- endmacro %}

{#- The documented weighted score: the weighted mean over the sub-scores present, sum of weight x
    sub-score over them / sum of their weights. Null when no sub-score has data. -#}
{% macro risk_weighted_mean(scores_alias, weights_alias) -%}
    (
        (0.0
        {%- for factor in risk_factors() %}
        + coalesce({{ weights_alias }}.{{ factor }}_weight * {{ scores_alias }}.{{ factor }}, 0.0)
        {%- endfor %}
        ) / nullif({{ risk_present_weight(scores_alias, weights_alias) }}, 0.0)
    )
{%- endmacro %}

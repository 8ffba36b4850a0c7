{#- weighted_score is the documented weighted mean of the sub-scores present (seeds/risk_weights.csv);
    risk_score is 100 when an override applies, else weighted_score raised to the structural floor. Rows that differ by more than 0.01 fail. -#}
{% test risk_score_matches_weights(model) %}
with

scored as (
    select * from {{ model }}
),

weights as (
    {{ risk_weights_pivot() }}
),

checked as (
    select
        scored.*,
        {{ risk_weighted_mean('scored', 'weights') }} as expected_weighted_score
    from scored
    cross join weights
)

select *
from checked
where abs(weighted_score - expected_weighted_score) > 0.01
    or (risk_override is null
        and abs(risk_score - greatest(weighted_score, coalesce(structural_floor_score, 0.0))) > 0.01)
    or (risk_override is not null and risk_score <> 100)
{% endtest %}

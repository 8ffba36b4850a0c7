{#- The model's HHI per group equals the sum of squared percentage shares recomputed from the
    shares model (a model name; within 0.01), and lies in [0, 10000]. -#}
{% test hhi_matches_shares(model, column_name, shares_model, group_by, share_column='share') %}
with

recomputed as (
    select {{ group_by | join(', ') }}, sum(10000.0 * {{ share_column }} * {{ share_column }}) as expected_hhi
    from {{ ref(shares_model) }}
    where {{ share_column }} > 0
    group by {{ group_by | join(', ') }}
),

model_rows as (
    select {{ group_by | join(', ') }}, {{ column_name }} as hhi from {{ model }}
)

select model_rows.*, recomputed.expected_hhi
from model_rows
left join recomputed
    on {% for column in group_by %}recomputed.{{ column }} = model_rows.{{ column }}{{ " and " if not loop.last }}{% endfor %}
where recomputed.expected_hhi is null
    or abs(model_rows.hhi - recomputed.expected_hhi) > 0.01
    or model_rows.hhi < 0
    or model_rows.hhi > 10000
{% endtest %}

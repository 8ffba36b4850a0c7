{#- Per key, the model's rows (or the sum of count_column) equal the rows of compare_model that
    pass compare_where: nothing lost or duplicated between the layers. With only_shared_keys, a key
    missing on either side is not compared. -#}
{% test counts_per_key_match(model, key, compare_model, count_column=none, compare_where="1 = 1", only_shared_keys=false) %}
with

counted as (
    select {{ key }} as key, {% if count_column %}sum({{ count_column }}){% else %}count(*){% endif %} as model_count
    from {{ model }}
    group by 1
),

expected as (
    select {{ key }} as key, count(*) as expected_count
    from {{ ref(compare_model) }}
    where {{ compare_where }}
    group by 1
)

select coalesce(counted.key, expected.key) as key, counted.model_count, expected.expected_count
from counted
full join expected on expected.key = counted.key
where coalesce(counted.model_count, 0) <> coalesce(expected.expected_count, 0)
{% if only_shared_keys %}  and counted.key is not null and expected.key is not null{% endif %}
{% endtest %}

{#- Every row of compare_model (a model name), by the given key columns, appears in the model:
    nothing dropped. -#}
{% test contains_all_rows_of(model, compare_model, columns) %}
with

expected as (
    select distinct {{ columns | join(', ') }} from {{ ref(compare_model) }}
),

present as (
    select distinct {{ columns | join(', ') }} from {{ model }}
),

missing as (
    select expected.*
    from expected
    left join present
        on {% for column in columns %}present.{{ column }} = expected.{{ column }}{{ " and " if not loop.last }}{% endfor %}
    where present.{{ columns[0] }} is null
)

select * from missing
{% endtest %}

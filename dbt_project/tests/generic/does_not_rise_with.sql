{#- Within each partition, the column does not rise as order_by rises (a unit price along its
    quantity breaks). -#}
{% test does_not_rise_with(model, column_name, order_by, partition_by) %}
with

ordered as (
    select *, lag({{ column_name }}) over (
        partition by {{ partition_by | join(', ') }} order by {{ order_by }}
    ) as previous_value
    from {{ model }}
)

select * from ordered where {{ column_name }} > previous_value
{% endtest %}

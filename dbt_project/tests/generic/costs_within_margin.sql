{#- Per group (e.g. snapshot date x product), the parts' expected stoppage costs add up to no more
    than the group's margin over the horizon (a product can lose no more margin than it makes). -#}
{% test costs_within_margin(model, column_name, margin_column, group_by) %}
with

totals as (
    select
        {{ group_by | join(', ') }},
        sum({{ column_name }}) as total_cost,
        max({{ margin_column }}) as margin
    from {{ model }}
    group by {{ group_by | join(', ') }}
)

select * from totals where total_cost > margin + 0.005
{% endtest %}

{#- The capital of the rows flagged in budget sums to no more than the budget the model states,
    and every flagged row has a capital figure (a null would drop out of the sum). -#}
{% test capital_within_budget(model, column_name, flag_column, budget_column) %}
with

totals as (
    select
        sum(case when {{ flag_column }} then {{ column_name }} else 0 end) as capital_in_budget,
        max({{ budget_column }}) as budget,
        count(case when {{ flag_column }} and {{ column_name }} is null then 1 end) as flagged_without_capital
    from {{ model }}
)

select * from totals where capital_in_budget > budget + 0.005 or flagged_without_capital > 0
{% endtest %}

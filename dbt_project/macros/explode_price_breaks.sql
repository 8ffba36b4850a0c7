{#- Turns the price_breaks LIST<STRUCT> column into one row per break. Dispatched by adapter,
    because engines spell the unnest differently. -#}
{% macro explode_price_breaks(relation_sql) -%}
    {{ return(adapter.dispatch('explode_price_breaks')(relation_sql)) }}
{%- endmacro %}

{% macro default__explode_price_breaks(relation_sql) -%}
    select offers.*, price_break.quantity as break_quantity, price_break.unit_price as break_unit_price,
           price_break.currency as break_currency, price_break.price_raw as break_price_raw
    from ({{ relation_sql }}) as offers
    cross join unnest(offers.price_breaks) as exploded(price_break)
{%- endmacro %}


{% macro spark__explode_price_breaks(relation_sql) -%}
    select offers.*, price_break.quantity as break_quantity, price_break.unit_price as break_unit_price,
           price_break.currency as break_currency, price_break.price_raw as break_price_raw
    from ({{ relation_sql }}) as offers
    lateral view explode(offers.price_breaks) exploded as price_break
{%- endmacro %}

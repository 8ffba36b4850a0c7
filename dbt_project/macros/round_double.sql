{#- round(x, digits) of a double, the same on every engine: the exact binary value rounded half away
    from zero, as DuckDB's round() does. Spark's round() rounds the shortest decimal text instead: 24.465
    is stored as 24.46499…, so DuckDB gives 24.46 and Spark 24.47. -#}
{% macro round_double(expression, digits) -%}
    {{ return(adapter.dispatch('round_double')(expression, digits)) }}
{%- endmacro %}

{% macro default__round_double(expression, digits) -%}
    round({{ expression }}, {{ digits }})
{%- endmacro %}

{#- p = |v| × 10^digits, rounded; its rounding error is exact (Dekker's product with Veltkamp's split of |v|:
    hi has 26 bits, so hi × 10^digits is exact), so a p that lands on .5 rounds down when the true product
    lies below it. The nested transform() binds each value once. -#}
{% macro spark__round_double(expression, digits) -%}
    {%- set scale = (10 ** digits) ~ '.0d' -%}
    transform(array(cast({{ expression }} as double)), v -> transform(array(abs(v)), a ->
        transform(array(134217729.0d * a), c -> transform(array(c - (c - a)), hi ->
        transform(array(a * {{ scale }}), p ->
            sign(v) * (case
                when p - floor(p) > 0.5 then floor(p) + 1
                when p - floor(p) < 0.5 then floor(p)
                when (hi * {{ scale }} - p) + (a - hi) * {{ scale }} < 0 then floor(p)
                else floor(p) + 1
            end) / {{ scale }}
        )[0])[0])[0])[0])[0]
{%- endmacro %}

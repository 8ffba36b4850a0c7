{{ config(materialized="ephemeral") }}
{#- Alias key -> canonical manufacturer. raw.manufacturer_aliases already holds the built-in table
    (orchestration/partkey.py) plus reference/manufacturer_aliases.csv, keyed by the same
    manufacturer_key() the feeds and BOMs were keyed with; a landing alias wins over a built-in one. -#}
with

aliases as (
    select alias_key, manufacturer, alias_origin,
        row_number() over (
            partition by alias_key
            order by case when alias_origin = 'landing' then 0 else 1 end, manufacturer
        ) as preference
    from {{ source('raw', 'manufacturer_aliases') }}
    where alias_key is not null
)

select alias_key, manufacturer, alias_origin from aliases where preference = 1

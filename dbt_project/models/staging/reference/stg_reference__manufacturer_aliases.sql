{{ config(materialized="ephemeral") }}
{#- Alias key -> canonical manufacturer. raw.manufacturer_aliases holds one row per key, already
    resolved (orchestration.partkey.resolve_aliases: the built-in table plus
    reference/manufacturer_aliases.csv, which wins, with chains followed). -#}
with

aliases as (
    select alias_key, manufacturer, alias_origin from {{ source('raw', 'manufacturer_aliases') }}
    where alias_key is not null
)

select * from aliases

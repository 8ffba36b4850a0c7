{#- The join condition to raw.part_keys: the spelling keys written at raw load (mpn_key and
    manufacturer_key, the latter null when no maker was written) find the part's key. Portable SQL
    (no IS NOT DISTINCT FROM), so a Spark target reads it too. -#}
{% macro part_key_match(part_keys, mpn_key, manufacturer_key) -%}
    {{ part_keys }}.mpn_key = {{ mpn_key }}
    and ({{ part_keys }}.manufacturer_key = {{ manufacturer_key }}
        or ({{ part_keys }}.manufacturer_key is null and {{ manufacturer_key }} is null))
{%- endmacro %}

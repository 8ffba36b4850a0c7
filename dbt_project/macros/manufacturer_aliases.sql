{#- The canonical manufacturer of a spelling key (raw *.manufacturer_key): a left join to the resolved
    alias table, as `aliases`. A key with no alias leaves aliases.manufacturer null; the caller picks
    the fallback (the spelling as written, or the key). -#}
{% macro join_manufacturer_aliases(key_column, alias='aliases') -%}
    left join {{ ref('stg_reference__manufacturer_aliases') }} as {{ alias }} on {{ alias }}.alias_key = {{ key_column }}
{%- endmacro %}

{#- A listing's name and grain, shared by the offers and their price breaks. distributor_name: the
    distributors seed's name for a distributor as a feed wrote it (case and spaces ignored), else the
    trimmed spelling. listing_rank: 1 for the first copy of a listing (by file, then record) when a
    snapshot delivers it twice; `extra_keys` widen the grain (a price break's quantity). -#}
{% macro distributor_name(relation, aliases='distributor_aliases') -%}
    coalesce({{ aliases }}.distributor, trim({{ relation }}.distributor))
{%- endmacro %}

{% macro distributor_alias_match(relation, aliases='distributor_aliases') -%}
    lower(trim({{ relation }}.distributor)) = lower({{ aliases }}.distributor_alias)
{%- endmacro %}

{% macro listing_rank(relation, extra_keys=[]) -%}
    row_number() over (
        partition by {{ relation }}.snapshot_date, {{ relation }}.source, {{ relation }}.distributor_name, {{ relation }}.sku
            {%- for key in extra_keys %}, {{ relation }}.{{ key }}{% endfor %}
        order by {{ relation }}.file_path, {{ relation }}.record_path
    )
{%- endmacro %}

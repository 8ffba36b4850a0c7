{#- One lifecycle enum for every provider; the raw value is kept beside it.
    Production/New/Active -> Active; NRND/"Not For New Designs" -> NRND;
    EOL/LTB/"Last Time Buy"/"End of Life" -> EOL; Obsolete/Discontinued -> Obsolete; else Unknown. -#}
{% macro lifecycle_status(column) -%}
    case
        when {{ column }} is null then 'Unknown'
        when lower(trim({{ column }})) in ('production', 'new', 'active', 'new product', 'in production') then 'Active'
        when lower(trim({{ column }})) in ('nrnd', 'not for new designs', 'not recommended for new designs', 'not recommended for new design') then 'NRND'
        when lower(trim({{ column }})) in ('eol', 'ltb', 'last time buy', 'end of life', 'last time buy notice') then 'EOL'
        when lower(trim({{ column }})) in ('obsolete', 'discontinued', 'discontinued at digi-key', 'obsolete/discontinued') then 'Obsolete'
        else 'Unknown'
    end
{%- endmacro %}

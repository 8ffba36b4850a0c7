{{ config(materialized="ephemeral") }}

{#- Every feed source has the same raw contract (orchestration/feeds/records.py), so the union is
    a list of table names, not per-source SQL. -#}
{%- set feed_tables = ['offers_digikey', 'offers_mouser', 'offers_nexar', 'offers_tme', 'offers_lcsc', 'offers_broker'] -%}

{% for table_name in feed_tables %}
select
    source, distributor, distributor_country, is_authorized, is_broker, sku, stock_pool,
    mpn_raw, mpn_key, manufacturer_raw, manufacturer_key, category_raw, description,
    stock, stock_raw, moq, order_multiple, packaging, lead_time_days, lead_time_raw,
    lifecycle_raw, last_buy_date, currency, prices_include_vat, vat_rate, price_breaks,
    file_path, record_path, snapshot_date, loaded_at
from {{ source('raw', table_name) }}
where {{ snapshot_window() }}
{% if not loop.last %}union all{% endif %}
{% endfor %}

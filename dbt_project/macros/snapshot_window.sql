{#- Limits an incremental model to the snapshot dates of the Dagster partition range
    (vars min_date / max_date), reaching lookback_days before min_date for what a row reads of the
    days before it. Without the vars every date is processed, and so is the first build of an
    incremental model (no table yet, or a view left by an older release), which would otherwise hold
    the run's dates only. -#}
{% macro snapshot_window(column='snapshot_date', lookback_days=0) -%}
    {%- set first_build = model.config.materialized == 'incremental' and not is_incremental() -%}
    {%- if var('min_date', none) is not none and var('max_date', none) is not none and not first_build -%}
        {%- set first = modules.datetime.datetime.strptime(var('min_date') | string, '%Y-%m-%d')
                        - modules.datetime.timedelta(days=lookback_days | int) -%}
        {{ column }} between cast('{{ first.strftime("%Y-%m-%d") }}' as date) and cast('{{ var("max_date") }}' as date)
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- The config of a model incremental by its date column (snapshot_date, or as_of): a rerun replaces
    the run's window and never duplicates. DuckDB deletes the window's rows first and inserts them again
    (also a date that lost its rows); Spark overwrites the date partitions the run writes (Parquet files). -#}
{% macro snapshot_incremental_config(date_column='snapshot_date') -%}
    {{ return(adapter.dispatch('snapshot_incremental_config')(date_column)) }}
{%- endmacro %}

{% macro default__snapshot_incremental_config(date_column) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'on_schema_change': 'append_new_columns',
        'pre_hook': "{% if is_incremental() %}delete from {{ this }} where {{ snapshot_window('" ~ date_column ~ "') }}{% endif %}",
    }) }}
{%- endmacro %}

{% macro spark__snapshot_incremental_config(date_column) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'insert_overwrite',
        'partition_by': [date_column],
        'file_format': 'parquet',
        'on_schema_change': 'append_new_columns',
    }) }}
{%- endmacro %}

{#- The rows of a dated relation on its latest date: the present view of a history model. -#}
{% macro latest_rows(relation, date_column='as_of') -%}
    select history.*
    from {{ relation }} as history
    where history.{{ date_column }} = (select max({{ date_column }}) from {{ relation }})
{%- endmacro %}

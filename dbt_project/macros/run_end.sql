{#- An incremental Python model leaves its __dbt_tmp staging table behind on DuckDB; a night must leave
    the warehouse with the same tables every time, so the run drops them when it ends. -#}
{% macro drop_orphaned_tmp_relations() -%}
    {{ return(adapter.dispatch('drop_orphaned_tmp_relations')()) }}
{%- endmacro %}

{% macro default__drop_orphaned_tmp_relations() -%}
    select 1
{%- endmacro %}

{% macro duckdb__drop_orphaned_tmp_relations() -%}
    {%- if execute -%}
        {%- set leftovers = run_query("select schema_name, table_name from duckdb_tables() "
                                      "where database_name = current_database() and contains(table_name, '__dbt_tmp')") -%}
        {%- for row in leftovers.rows -%}
            {%- do run_query('drop table if exists "' ~ row[0] ~ '"."' ~ row[1] ~ '"') -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}

{#- dbt-duckdb writes persist_docs comments for SQL models only; a Python model's descriptions are
    written when the run ends, so BI tools and the serving copy see them like every other mart's. -#}
{% macro persist_python_model_docs() -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values()
              if node.resource_type == 'model' and node.language == 'python'
                 and node.config.get('persist_docs', {}).get('relation') -%}
            {%- set relation = adapter.get_relation(node.database, node.schema, node.alias or node.name) -%}
            {%- if relation is not none -%}
                {%- do persist_docs(relation, node, for_relation=true, for_columns=true) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}

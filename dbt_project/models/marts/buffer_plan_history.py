"""One row per snapshot date x BOM part: the buffer plan as it stood that day, with the budget
allocation of that day (orchestration.planning.budget: net benefit per dollar, skip what does not
fit, partial purchases in MOQ and order-multiple steps). Incremental by snapshot_date: the run's
window (vars min_date/max_date, passed through the model's config) is replaced. Doc buffer_model."""


def model(dbt, session):
    dbt.config(materialized="incremental", incremental_strategy="delete+insert", unique_key="snapshot_date",
               on_schema_change="append_new_columns",
               tags=["history"])
    from orchestration.planning.budget import allocate_budget

    candidates = dbt.ref("int_buffer_candidates_history")
    min_date, max_date = dbt.config.get("min_date"), dbt.config.get("max_date")
    if dbt.is_incremental and min_date not in (None, "", "None") and max_date not in (None, "", "None"):
        candidates = candidates.filter(f"snapshot_date between date '{min_date}' and date '{max_date}'")
    return allocate_budget(candidates.pl()).to_arrow()

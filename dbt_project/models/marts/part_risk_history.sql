{{ config(tags=['history'], **snapshot_incremental_config()) }}

{#- One row per snapshot_date x watched part: the risk score, its sub-scores, band and reasons, as
    int_part_risk_history computes them (the scoring model is in models/marts/scoring.md). Incremental
    by snapshot_date: the run's window (vars min_date/max_date) is replaced. -#}

select * from {{ ref('int_part_risk_history') }}
where {{ snapshot_window() }}

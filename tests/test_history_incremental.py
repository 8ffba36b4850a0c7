"""The risk history is incremental: a night computes only its own dates and agrees with the full refresh.

The session warehouse is a full refresh (every date in one dbt run). Re-running the risk-history block for
its last two dates, as two nights would, must give the same rows in every history table: a model that reads
less of the past than it needs (the offer carry days, the 180-day look-back of the buffer plan) would change
them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from bench.compare_marts import compare

REPO_ROOT = Path(__file__).resolve().parent.parent


def run_history_block(warehouse: Path, tmp_path: Path, first, last) -> None:
    from orchestration.defs.dbt import HISTORY_SELECT

    env = {**os.environ, "PARTRISK_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "build", "--profiles-dir", ".", "--target-path",
         str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"), "--select", *HISTORY_SELECT.split(),
         "--vars", f'{{"min_date": "{first}", "max_date": "{last}"}}'],
        cwd=REPO_ROOT / "dbt_project", env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:]


def history_tables(warehouse: Path) -> dict[str, str]:
    """Every table of the risk-history block with its date column."""
    from orchestration.defs.dbt import HISTORY_SELECT

    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = conn.execute(
            "select c.table_schema || '.' || c.table_name, c.column_name from information_schema.columns as c "
            "inner join information_schema.tables as t using (table_schema, table_name) "
            "where t.table_type = 'BASE TABLE' and c.column_name in ('snapshot_date', 'as_of') "
            "and c.table_name in (select unnest(?))", [HISTORY_SELECT.split()]).fetchall()
    return dict(rows)


@pytest.mark.slow
def test_two_nights_of_the_risk_history_equal_the_full_refresh(built_warehouse, tmp_path):
    from orchestration.defs.dbt import HISTORY_SELECT

    warehouse = tmp_path / "partrisk.duckdb"
    shutil.copy(built_warehouse.warehouse, warehouse)
    tables = history_tables(warehouse)
    # Every model of the history block is a table incremental by its date, not a view over all dates.
    assert len(tables) == len(HISTORY_SELECT.split()) and {"intermediate.int_part_risk_history", "intermediate.int_buffer_options_history",
            "intermediate.int_part_planned_offer_history", "intermediate.int_part_alternate_options_history",
            "intermediate.int_product_stoppage_history", "intermediate.int_buffer_candidates_history",
            "marts.part_risk_history", "marts.buffer_plan_history"} <= set(tables)
    with duckdb.connect(str(warehouse)) as conn:
        last = conn.execute("select max(snapshot_date) from marts.part_risk_history").fetchall()[0][0]
        first = last - timedelta(days=1)
        before = {t: conn.execute(f"select count(*) from {t} where {c} >= ?", [first]).fetchall()[0][0]
                  for t, c in tables.items()}
        # The nights start from tables that lack those dates, as they would before the nights ran.
        for table, column in tables.items():
            conn.execute(f"delete from {table} where {column} >= ?", [first])
    assert all(before.values()), before
    for day in (first, last):
        run_history_block(warehouse, tmp_path, day, day)
    for schema in ("intermediate", "marts"):
        lines = compare(str(built_warehouse.warehouse), str(warehouse), schema)
        assert not [line for line in lines if line.startswith("!")], lines

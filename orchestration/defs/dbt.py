"""dbt models as Dagster assets, and dbt tests as asset checks.

Five blocks, split by when they run, so that no block is both upstream and downstream of the
Polars features or of the live pulls:
- the pull watchlist (int_pull_watchlist and the alias table it reads), before the pulls;
- daily staging (tag:daily): incremental by snapshot_date, partitioned like the feeds, with the seeds it reads;
- present-state staging: BOMs, plan, inventory, reference, seeds (everything not downstream of features);
- risk history (tag:history and the models between the features and it): partitioned;
- marts: everything else downstream of the features.

A dbt test runs in the block of its attached model; one that also reads a model of an earlier block (a
seed, a staging model) reads it through ref() like any model, so the blocks are cut by model names where
a graph selection would also pull such a test into an earlier block.
"""


import json
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration import settings
from orchestration.dbt_manifest import stale_reason
from orchestration.defs.partitions import daily_partitions, dbt_window_vars, single_run_backfill
from orchestration.defs.resources import DUCKDB_POOL, dbt_project
from orchestration.errors import UserError
from orchestration.spark.steps import run_step

_manifest_problem = stale_reason(dbt_project.manifest_path)
if _manifest_problem:
    raise UserError(_manifest_problem)


class PartriskTranslator(DagsterDbtTranslator):
    """Asset keys are <schema>/<name>, so raw/features sources and models line up with Python assets."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props["resource_type"] == "source":
            key = dg.AssetKey([props["source_name"], props["name"]])
        else:
            key = dg.AssetKey([props.get("config", {}).get("schema") or props["schema"], props["name"]])
        return spec.replace_attributes(key=key, group_name=key.path[0])


translator = PartriskTranslator()
# The dbt Python model that the allocation step replaces on the Spark engine (orchestration/spark/allocation.py).
PLAN_HISTORY_KEY = dg.AssetKey(["marts", "buffer_plan_history"])


def dbt_build_args(window_vars: dict[str, str] | None = None) -> list[str]:
    """The dbt CLI arguments for one block: build (models, seeds and tests), with the window vars."""
    args = ["build"]
    if window_vars:
        args += ["--vars", json.dumps(window_vars, sort_keys=True)]
    return args


def _dbt_block(name: str, select: str, exclude: str | None = None, *, daily: bool = False) -> dg.AssetsDefinition:
    """One block: `dbt build` of the selection; a daily block is partitioned and gets its window as --vars."""

    @dbt_assets(
        manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator,
        select=select, exclude=exclude, name=name, pool=DUCKDB_POOL, partitions_def=daily_partitions if daily else None,
        backfill_policy=single_run_backfill if daily else None,
    )
    def block(context: dg.AssetExecutionContext, dbt: DbtCliResource):
        yield from dbt.cli(dbt_build_args(dbt_window_vars(context) if daily else None), context=context).stream()

    return block


dbt_daily_staging = _dbt_block("dbt_daily_staging", "tag:daily", daily=True)
# The pull's watchlist and the staging models it reads: upstream of the pulls, so its own block.
WATCHLIST_SELECT = "+int_pull_watchlist"
dbt_pull_watchlist = _dbt_block("dbt_pull_watchlist", WATCHLIST_SELECT)
dbt_present_staging = _dbt_block("dbt_present_staging", "fqn:*", f"tag:daily source:features+ {WATCHLIST_SELECT}")


def models_between_features_and_history(manifest: Mapping[str, Any]) -> list[str]:
    """The risk history and every model between the features and it (downstream of the features source
    AND upstream of a history-tagged model), so no block is both before and after another.

    Named one by one, not as the graph selection `source:features+,+tag:history`: dbt's (eager) test
    selection puts a test into such a set when any parent is in it, so a mart's test that also reads a
    staging model would land in the history block and run before its mart exists.
    """
    def reach(starts: list[str], edges: Mapping[str, list[str]]) -> set[str]:
        seen, queue = set(starts), list(starts)
        while queue:
            for node in edges.get(queue.pop(), []):
                if node not in seen:
                    seen.add(node)
                    queue.append(node)
        return seen

    features = [k for k, v in manifest["sources"].items() if v["source_name"] == "features"]
    history = [k for k, v in manifest["nodes"].items() if v["resource_type"] == "model" and "history" in v["tags"]]
    between = reach(features, manifest["child_map"]) & reach(history, manifest["parent_map"])
    return sorted(manifest["nodes"][k]["name"] for k in between if k.startswith("model."))


HISTORY_SELECT = " ".join(models_between_features_and_history(json.loads(dbt_project.manifest_path.read_text())))


@dbt_assets(
    manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator,
    select=HISTORY_SELECT, partitions_def=daily_partitions, backfill_policy=single_run_backfill,
    name="dbt_risk_history", pool=DUCKDB_POOL,
)
def dbt_risk_history(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(dbt_build_args(dbt_window_vars(context)), context=context).stream()
    if settings.engine() == "spark" and PLAN_HISTORY_KEY in context.selected_asset_keys:
        # dbt-spark runs no Python model here: the allocation step writes the table instead.
        window = dbt_window_vars(context)
        written = run_step("allocate", window["min_date"], window["max_date"])
        yield dg.MaterializeResult(asset_key=PLAN_HISTORY_KEY, metadata={"rows": written["rows"], "engine": "spark"})


dbt_marts = _dbt_block("dbt_marts", "source:features+", HISTORY_SELECT)
dbt_blocks = [dbt_pull_watchlist, dbt_daily_staging, dbt_present_staging, dbt_risk_history, dbt_marts]

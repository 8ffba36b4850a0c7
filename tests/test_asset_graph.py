"""The Dagster asset graph against a committed snapshot: every key, group, dependency and check.

A change to the graph shows up here as a readable diff. After a deliberate change, regenerate with
`PARTRISK_UPDATE_SNAPSHOT=1 .venv/bin/python -m pytest -q tests/test_asset_graph.py` and commit the JSON.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.json"


def graph_snapshot() -> dict:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    checks: dict[str, list[str]] = {}
    for check in graph.asset_check_keys:
        checks.setdefault(check.asset_key.to_user_string(), []).append(check.name)
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        name = key.to_user_string()
        assets[name] = {
            "group": node.group_name,
            "computed_by": node.assets_def.node_def.name if node.is_executable else None,
            "executable": node.is_executable,
            "partitioned": node.partitions_def is not None,
            "deps": sorted(parent.to_user_string() for parent in node.parent_keys),
            "checks": sorted(checks.get(name, [])),
        }
    return assets


def test_asset_graph_matches_the_snapshot():
    current = graph_snapshot()
    if os.environ.get("PARTRISK_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    added = sorted(current.keys() - expected.keys())
    removed = sorted(expected.keys() - current.keys())
    changed = sorted(k for k in current.keys() & expected.keys() if current[k] != expected[k])
    assert not (added or removed or changed), (
        f"asset graph differs from {SNAPSHOT.name}: added {added}, removed {removed}, changed {changed}; "
        "if intended, regenerate: PARTRISK_UPDATE_SNAPSHOT=1 .venv/bin/python -m pytest -q tests/test_asset_graph.py")

"""What the raw feed gates of one night cost: every feed table's GX suite and volume suite, code before/after.

    .venv/bin/python -m bench.gx_feed_gates --warehouse /work/wt/demo_current.duckdb --night 2025-12-31 \\
        --code .,/tmp/partrisk_before --repeat 3

Each run copies --warehouse (the gates move failing rows to quarantine, so every run starts from the same
file), then, in a fresh interpreter started in each --code checkout, imports GX, opens a fresh GX project
and runs the gates of the night the way the `gx_raw_feeds` check step does: one GX validation per table and
suite (code without `gates.gate_raw_feeds`) or one per suite for all the tables (code with it). The
checkouts alternate; the figures are the median of the repeats. It also checks that both codes give every
table the same rows checked, rows quarantined and failed expectations.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Runs in the --code checkout: the night's feed gates, timed, then what each table's check would report.
GATES = """
import json, sys, time
from datetime import date
from pathlib import Path
started = time.perf_counter()
import duckdb
from orchestration.feeds.registry import FEED_TABLES
from orchestration.quality import gates, suites
from orchestration.quality.runner import get_context
get_context()
imported = time.perf_counter() - started
tables, dates = [f"raw.{t}" for t in FEED_TABLES], [date.fromisoformat(sys.argv[2])]
conn = duckdb.connect(sys.argv[1])
started = time.perf_counter()
if hasattr(gates, "gate_raw_feeds"):
    suite_results = gates.gate_raw_feeds(conn, tables, dates)
    volume_results = gates.gate_raw_volumes(conn, tables, dates)
else:
    suite_results = {t: gates.gate_raw_feed(conn, t, dates) for t in tables}
    volume_results = {t: gates.gate_raw_volume(conn, t, dates) for t in tables}
gated = time.perf_counter() - started
outcome = {}
for kind, results in (("suite", suite_results), ("volume", volume_results)):
    for table, r in results.items():
        failed = r.outcome.failed_expectations if r.outcome else []
        outcome[f"{kind} {table}"] = [r.rows_checked, r.rows_quarantined, r.passed, r.has_warnings,
                                      sorted((f.expectation, f.column or "", f.unexpected_count or 0) for f in failed)]
print(json.dumps({"import_s": round(imported, 2), "gates_s": round(gated, 2), "outcome": outcome}))
"""


def run_once(code: Path, warehouse: Path, night: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="gx_feed_gates_") as scratch:
        copy = Path(scratch) / "partrisk.duckdb"
        shutil.copyfile(warehouse, copy)
        env = {**os.environ, "PYTHONPATH": str(code), "PARTRISK_QUALITY_DIR": str(Path(scratch) / "quality"),
               "GX_ANALYTICS_ENABLED": "false"}
        done = subprocess.run([sys.executable, "-c", GATES, str(copy), night], cwd=code, env=env,
                              capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{code}: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else 'failed'}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="a built warehouse (copied, never written)")
    parser.add_argument("--night", required=True, help="the snapshot date whose feed rows are gated")
    parser.add_argument("--code", default=".", help="checkouts to measure, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    codes = [Path(c).resolve() for c in args.code.split(",")]
    runs: dict[Path, list[dict]] = {code: [] for code in codes}
    for _ in range(args.repeat):
        for code in codes:
            runs[code].append(run_once(code, args.warehouse, args.night))
    for code, results in runs.items():
        gated = [r["gates_s"] for r in results]
        print(f"{code}: feed gates {statistics.median(gated):.2f} s median (runs {' / '.join(f'{g:.2f}' for g in gated)}), "
              f"GX import and project {statistics.median(r['import_s'] for r in results):.2f} s")
    outcomes = [json.dumps(results[0]["outcome"], sort_keys=True) for results in runs.values()]
    print("every table's rows, quarantine and failures the same in every checkout:", len(set(outcomes)) == 1)


if __name__ == "__main__":
    main()

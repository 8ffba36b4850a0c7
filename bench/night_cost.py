"""What one night costs, step by step: warehouses of different history lengths, and code before/after.

    .venv/bin/python -m bench.night_cost --landing data/sample --warehouse data/warehouse/partrisk.duckdb \\
        --history 30,all --code .,/tmp/partrisk_before --repeat 2

For each history length a warehouse holds that many days of the landing tree ending at the night (`all`: a
copy of --warehouse; N: a full refresh of a landing tree cut to the last N days, built once under
bench/out/night_cost/). Each night is `run_refresh(landing, copy of the warehouse, the last date)`, the
night as `partrisk refresh --date` runs it, in a fresh interpreter started in each --code checkout (its
own orchestration package and dbt manifest), so code before and after a change are measured in one run,
alternating. From the run's step stats it records the total, the number of steps, the seconds in Great
Expectations check steps, in dbt steps and in the publish. The fixed cost of a night is what does not
grow with the data: every step's start and end, the check steps, the dbt invocations' start-up and the
publish.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out" / "night_cost"

# Runs in the --code checkout: one night through Dagster, then the run's step stats as JSON.
NIGHT = """
import json, sys, time
from datetime import date
from pathlib import Path
import dagster as dg
from orchestration.refresh import run_refresh

landing, warehouse = Path(sys.argv[1]), Path(sys.argv[2])
night = date.fromisoformat(sys.argv[3]) if sys.argv[3] != "all" else None
started = time.perf_counter()
outcome = run_refresh(landing, warehouse, night, progress=lambda m: None)
wall = time.perf_counter() - started
if outcome.run_id is None:
    sys.exit(outcome.render())
with dg.DagsterInstance.get() as instance:
    stats = instance.get_run_step_stats(outcome.run_id)
steps = {s.step_key: round(s.end_time - s.start_time, 3) for s in stats if s.end_time and s.start_time}
import duckdb
marts = {}
with duckdb.connect(str(warehouse), read_only=True) as conn:
    tables = [r[0] for r in conn.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]
    for table in tables:
        columns = [r[0] for r in conn.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? "
            "order by column_name", [table]).fetchall()]
        marts[table] = str(conn.execute(f"select count(*), sum(hash(columns(*))) from (select {', '.join(columns)} "
                                        f"from marts.{table})").fetchall()[0])
print(json.dumps({"wall": round(wall, 2), "published": outcome.publish_status, "steps": steps,
                  "failed_checks": outcome.failed_checks, "marts": marts}))
"""


def cut_landing(landing: Path, days: int, night: str, target: Path) -> Path:
    """A landing tree of hard links: everything but the feeds, and the feed folders of the last `days`."""
    from datetime import date, timedelta

    first = (date.fromisoformat(night) - timedelta(days=days - 1)).isoformat()
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    landing = landing.resolve()
    for entry in landing.iterdir():
        if entry.name != "feeds" and entry.is_dir():
            shutil.copytree(entry, target / entry.name, copy_function=os.link)
    for folder in (landing / "feeds").glob("*/*"):
        if folder.is_dir() and first <= folder.name <= night:
            shutil.copytree(folder, target / "feeds" / folder.parent.name / folder.name, copy_function=os.link)
    return target


def environ(home: Path) -> dict:
    env = dict(os.environ)
    env.update({"DAGSTER_HOME": str(home / "dagster_home"), "PARTRISK_SERVING": str(home / "serving" / "partrisk.duckdb"),
                "PARTRISK_QUALITY_DIR": str(home / "quality"), "DAGSTER_DISABLE_TELEMETRY": "true",
                "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "GX_ANALYTICS_ENABLED": "false"})
    (home / "dagster_home").mkdir(parents=True, exist_ok=True)
    return env


def run_night(code: Path, landing: Path, warehouse: Path, night: str, home: Path) -> dict:
    env = environ(home)
    env["PYTHONPATH"] = str(code.resolve())
    env["PARTRISK_PARTITIONS_START"] = "2024-01-01"
    done = subprocess.run([sys.executable, "-c", NIGHT, str(landing.resolve()), str(warehouse), night],
                          cwd=code, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"night failed in {code}:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def summarize(result: dict) -> dict:
    steps = result["steps"]
    gx = sum(v for k, v in steps.items() if k.startswith("gx_") or "_gx_" in k)
    dbt = sum(v for k, v in steps.items() if k.startswith("dbt_"))
    return {"wall_s": result["wall"], "steps": len(steps), "step_s": round(sum(steps.values()), 2),
            "gx_check_steps": sum(1 for k in steps if k.startswith("gx_") or "_gx_" in k), "gx_s": round(gx, 2),
            "dbt_steps": sum(1 for k in steps if k.startswith("dbt_")), "dbt_s": round(dbt, 2),
            "publish_s": steps.get("serving__partrisk"), "published": result["published"], "marts": result["marts"]}


def build_history(code: Path, landing: Path, days: int, night: str) -> Path:
    """A warehouse with the last `days` of the landing tree (built once, reused by later runs)."""
    root = OUT / f"history_{days}"
    warehouse = root / "partrisk.duckdb"
    if warehouse.exists():
        return warehouse
    cut = cut_landing(landing, days, night, root / "landing")
    built = run_night(code, cut, warehouse, "all", root)
    if built["published"] != "published":
        raise SystemExit(f"the {days}-day warehouse was not published: {built}")
    return warehouse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--landing", type=Path, default=REPO / "data" / "sample")
    parser.add_argument("--warehouse", type=Path, default=REPO / "data" / "warehouse" / "partrisk.duckdb",
                        help="a built warehouse of the whole landing tree (copied, never written)")
    parser.add_argument("--night", default=None, help="the night (default: the landing tree's last date)")
    parser.add_argument("--history", default="30,all", help="history lengths in days, or 'all'")
    parser.add_argument("--code", default=".", help="checkouts to measure, comma-separated (the first builds)")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    from orchestration import landing as landing_tree

    night = args.night or landing_tree.snapshot_dates(args.landing)[-1].isoformat()
    codes = [Path(c) for c in args.code.split(",")]
    results = []
    for history in args.history.split(","):
        if history == "all":
            source, landing = args.warehouse, args.landing
        else:
            source = build_history(codes[0], args.landing, int(history), night)
            landing = OUT / f"history_{history}" / "landing"
        for attempt in range(args.repeat):
            for code in codes:
                home = OUT / "runs" / f"{history}_{code.resolve().name}_{attempt}"
                shutil.rmtree(home, ignore_errors=True)
                home.mkdir(parents=True)
                warehouse = home / "partrisk.duckdb"
                shutil.copyfile(source, warehouse)
                clock = time.strftime("%H:%M:%S")
                row = {"history": history, "code": str(code), "attempt": attempt + 1, "at": clock,
                       **summarize(run_night(code, landing, warehouse, night, home))}
                results.append(row)
                print(json.dumps({k: v for k, v in row.items() if k != "marts"}), flush=True)
                shutil.rmtree(home, ignore_errors=True)
    for history in args.history.split(","):
        hashes = {json.dumps(r["marts"], sort_keys=True) for r in results if r["history"] == history}
        print(f"history {history}: every mart hashes the same in every run: {len(hashes) == 1}")
    histories = args.history.split(",")
    for code in codes:
        for measure in ("wall_s", "dbt_s"):
            median = {h: statistics.median(r[measure] for r in results if r["history"] == h and r["code"] == str(code))
                      for h in histories}
            for history in histories[1:]:
                print(f"{code}: {measure} at history {history} / at history {histories[0]}: "
                      f"{median[history] / median[histories[0]]:.2f}x")
    print(json.dumps({"night": night, "results": [{k: v for k, v in r.items() if k != "marts"} for r in results]},
                     indent=1))


if __name__ == "__main__":
    main()

"""The DuckDB path of this checkout against the commit before the Spark work, timed in one run (`make bench`).

    python -m bench.duckdb_vs_base [--base REV] [--repeats 3] [--warehouse W] [--no-dbt]

The base is exported with `git archive` into a scratch folder (default: the parent of the first commit that
touched orchestration/spark). Each repeat runs both checkouts, alternating which goes first, each step in a
fresh process whose PYTHONPATH is that checkout (same virtualenv, same input):
- features: `compute_part_trends` over tier S (bench.generate), collected; the time excludes imports;
- dbt (when a raw warehouse is given): `dbt build` without tests on a fresh copy of that warehouse.
Prints one JSON line per run and a Markdown table with the median ratio this checkout / base per step.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

from bench.generate import TIERS, generate

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SPARK_CODE = "orchestration/spark"

# Runs inside the checkout under test: only the features API both checkouts share.
FEATURES_SNIPPET = """
import json, sys, time
from datetime import date
import polars as pl
import orchestration
from orchestration.features import compute_part_trends
info = json.loads(sys.argv[1])
offers = pl.scan_parquet(info["offers_path"])
if "last_buy_date" not in offers.collect_schema():
    offers = offers.with_columns(pl.lit(None, pl.Date).alias("last_buy_date"))
breaks = pl.scan_parquet(info["price_breaks_path"])
started = time.perf_counter()
rows = compute_part_trends(offers, breaks, start=date.fromisoformat(info["first"]),
                           end=date.fromisoformat(info["end"])).collect().height
print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows, "code": orchestration.__file__}))
"""


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def default_base() -> str:
    """The parent of the first commit that touched the Spark code."""
    first = git("rev-list", "--reverse", "HEAD", "--", SPARK_CODE).splitlines()[0]
    return git("rev-parse", f"{first}^")


def export_tree(rev: str, folder: Path) -> Path:
    """The files of commit `rev` under `folder` (no .git; a read-only snapshot to import from)."""
    archive = subprocess.run(["git", "archive", "--format=tar", rev], cwd=ROOT, check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def _env(tree: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **extra}
    return env


def time_features(tree: Path, info: dict) -> dict:
    done = subprocess.run([sys.executable, "-c", FEATURES_SNIPPET, json.dumps(info, default=str)], cwd=tree, env=_env(tree),
                          check=True, capture_output=True, text=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if not Path(result.pop("code")).resolve().is_relative_to(tree.resolve()):
        raise RuntimeError(f"the features step in {tree} imported another checkout's code")
    return result


def time_dbt(tree: Path, warehouse: Path, scratch: Path) -> dict:
    copy = scratch / "warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    project = tree / "dbt_project"
    dbt = Path(sys.executable).parent / "dbt"
    started = time.perf_counter()
    subprocess.run([str(dbt), "build", "--exclude-resource-type", "test", "--target", "duckdb", "--quiet",
                    "--project-dir", str(project), "--profiles-dir", str(project),
                    "--target-path", str(scratch / "target"), "--log-path", str(scratch / "logs")],
                   cwd=project, env=_env(tree, PARTRISK_WAREHOUSE=str(copy)), check=True)
    seconds = time.perf_counter() - started
    copy.unlink()
    return {"seconds": seconds}


def markdown(results: list[dict], base: str, head: str) -> str:
    lines = ["| step | this checkout s (median) | base s (median) | ratio this / base | runs each |",
             "|---|---|---|---|---|"]
    for step in dict.fromkeys(r["step"] for r in results):
        mine = [r["seconds"] for r in results if r["step"] == step and r["checkout"] == "this"]
        theirs = [r["seconds"] for r in results if r["step"] == step and r["checkout"] == "base"]
        lines.append(f"| {step} | {statistics.median(mine):.1f} | {statistics.median(theirs):.1f} "
                     f"| {statistics.median(mine) / statistics.median(theirs):.2f} | {len(mine)} |")
    return f"this checkout {head} vs base {base}\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=None, help="the commit to compare with (default: before the Spark work)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tier", default="S", choices=sorted(TIERS))
    parser.add_argument("--warehouse", type=Path, default=None,
                        help="a refreshed DuckDB warehouse whose copies dbt builds (omit: no dbt step)")
    args = parser.parse_args(argv)
    base = git("rev-parse", args.base) if args.base else default_base()
    head = git("rev-parse", "--short", "HEAD") + (" + uncommitted changes" if git("status", "--porcelain") else "")
    tier = TIERS[args.tier]
    data = OUT / f"tier_{tier.name}"
    info = generate(data, tier.parts, tier.days)
    # The manifest's paths may be relative to this checkout; the base runs in another folder.
    info.update({key: str((ROOT / info[key]).resolve()) for key in ("offers_path", "price_breaks_path")})
    results = []
    with tempfile.TemporaryDirectory(prefix="partrisk-base-") as scratch_dir:
        scratch = Path(scratch_dir)
        trees = {"this": ROOT, "base": export_tree(base, scratch / "base")}
        for repeat in range(args.repeats):
            order = ["this", "base"] if repeat % 2 == 0 else ["base", "this"]
            steps = [("features tier " + tier.name, lambda tree: time_features(tree, info))]
            if args.warehouse is not None:
                steps.append(("dbt build (no tests)", lambda tree: time_dbt(tree, args.warehouse, scratch)))
            for step, run in steps:
                for checkout in order:
                    result = {"step": step, "checkout": checkout, "repeat": repeat, **run(trees[checkout])}
                    results.append(result)
                    print(json.dumps(result), flush=True)
    OUT.mkdir(exist_ok=True)
    (OUT / "duckdb_vs_base.json").write_text(json.dumps({"base": base, "head": head, "runs": results}, indent=2))
    print(markdown(results, base[:7], head))


if __name__ == "__main__":
    main()

"""Benchmark of the trend features (`make bench`; not a test).

    python -m bench.run_features --tiers S,M [--skip-pandas] [--night-parts 4000] [--repeats 3]

Per tier: a full backfill with Polars and with the pandas baseline on the same parquet input, each in a
fresh subprocess (wall time, CPU time, rows/s, peak RSS polled with psutil and the process's own VmHWM),
and on tier S the largest difference per column between the two. Then one incremental night (DuckDB read
of the input window → compute → write) at 120 and at 365 days of history: time, ratio, rows read.
Results go to bench/out/results.json and are printed as Markdown for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil

from bench.generate import TIERS, generate

OUT = Path(__file__).resolve().parent / "out"
ROOT = Path(__file__).resolve().parent.parent


def measured(args: list[str], rss_limit_mb: float | None = None) -> dict:
    """Run `python -m bench.worker *args` in a fresh process; poll its RSS until it exits.

    Above `rss_limit_mb` the worker is stopped (the box is shared) and the result says so.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.worker", *args], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    watched = psutil.Process(proc.pid)
    peak, started = 0, time.perf_counter()
    while proc.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        if rss_limit_mb is not None and peak > rss_limit_mb * 2**20:
            proc.terminate()
            proc.wait()
            return {
                "aborted": f"stopped at {peak / 2**20:,.0f} MB RSS (limit {rss_limit_mb:,.0f} MB) "
                f"after {time.perf_counter() - started:.0f}s",
                "peak_rss_mb_psutil": peak / 2**20,
            }
        time.sleep(0.05)
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"bench.worker {' '.join(args)} failed with exit code {proc.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result["peak_rss_mb_psutil"] = peak / 2**20
    return result


def backfill(tier_name: str, skip_pandas: bool, pandas_rss_limit_mb: float) -> dict:
    tier = TIERS[tier_name]
    data = OUT / f"tier_{tier_name}"
    t0 = time.perf_counter()
    info = generate(data, tier.parts, tier.days)
    print(
        f"[{tier_name}] data ready in {time.perf_counter() - t0:.0f}s: {info['offers']:,} offers", flush=True
    )
    result = {"tier": tier_name, "parts": tier.parts, "days": tier.days, "input": info}
    polars_out = data / "features_polars.parquet"
    result["polars"] = measured(["polars-backfill", str(data), "--out", str(polars_out)])
    print(f"[{tier_name}] polars {result['polars']}", flush=True)
    if not skip_pandas:
        pandas_out = data / "features_pandas.parquet"
        result["pandas"] = measured(
            ["pandas-backfill", str(data), "--out", str(pandas_out)], rss_limit_mb=pandas_rss_limit_mb
        )
        print(f"[{tier_name}] pandas {result['pandas']}", flush=True)
        if tier_name == "S" and "aborted" not in result["pandas"]:
            from bench.compare import compare_outputs

            result["polars_vs_pandas_diff"] = compare_outputs(polars_out, pandas_out)
    return result


def night_databases(parts: int) -> dict[int, Path]:
    """DuckDB warehouses with 365 and 120 days of the same history (same last night)."""
    import duckdb

    data = OUT / "night_365"
    info = generate(data, parts, 365)
    end = info["end"]
    paths = {}
    for history in (120, 365):
        path = OUT / f"night_{history}.duckdb"
        paths[history] = path
        if path.exists():
            continue
        conn = duckdb.connect(str(path))
        conn.execute("create schema staging")
        columns = conn.sql(f"describe select * from read_parquet('{info['offers_path']}')").fetchall()
        extra = "" if any(c[0] == "last_buy_date" for c in columns) else ", null::date as last_buy_date"
        first = f"date '{end}' - interval {history - 1} day"
        # Ordered by date so DuckDB's zone maps skip the row groups outside a night's window.
        conn.execute(
            f"create table staging.stg_feeds__offers as select *{extra} from read_parquet('{info['offers_path']}') "
            f"where snapshot_date >= {first} order by snapshot_date"
        )
        conn.execute(
            "create table staging.stg_feeds__price_breaks as select * from "
            f"read_parquet('{info['price_breaks_path']}') where snapshot_date >= {first} order by snapshot_date"
        )
        conn.close()
    return paths


def nights(parts: int, repeats: int) -> dict:
    paths = night_databases(parts)
    result = {"parts": parts}
    for history, path in paths.items():
        runs = [measured(["night", str(path)]) for _ in range(repeats)]
        result[f"{history}d"] = {
            "runs": runs,
            "median_wall_s": statistics.median(r["wall_s"] for r in runs),
            "median_cpu_s": statistics.median(r["cpu_s"] for r in runs),
            "rows_read": runs[0]["rows_read"],
            "peak_rss_mb": max(r["peak_rss_mb_psutil"] for r in runs),
        }
        print(
            f"[night {history}d] {result[f'{history}d']['median_wall_s']:.2f}s, rows read {runs[0]['rows_read']:,}"
        )
    result["ratio_365_vs_120"] = result["365d"]["median_wall_s"] / result["120d"]["median_wall_s"]
    result["rows_read_equal"] = result["365d"]["rows_read"] == result["120d"]["rows_read"]
    return result


def markdown(results: dict) -> str:
    lines = [
        "| tier | offers | price breaks | output rows | Polars wall s (cpu s) | offers/s | Polars peak RSS MB "
        "| pandas wall s (cpu s) | pandas peak RSS MB | pandas/Polars |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["tiers"]:
        pl_, pd_ = r["polars"], r.get("pandas")
        offers = r["input"]["offers"]
        if pd_ is None:
            pandas_cells = "— | — | —"
        elif "aborted" in pd_:
            pandas_cells = f"{pd_['aborted']} | > {pd_['peak_rss_mb_psutil']:.0f} | —"
        else:
            pandas_cells = (
                f"{pd_['wall_s']:.1f} ({pd_['cpu_s']:.1f}) | {pd_['peak_rss_mb_psutil']:.0f} | "
                f"{pd_['wall_s'] / pl_['wall_s']:.1f}×"
            )
        lines.append(
            f"| {r['tier']} | {offers:,} | {r['input']['price_breaks']:,} | {pl_['rows_out']:,} | "
            f"{pl_['wall_s']:.1f} ({pl_['cpu_s']:.1f}) | {offers / pl_['wall_s']:,.0f} | "
            f"{pl_['peak_rss_mb_psutil']:.0f} | {pandas_cells} |"
        )
    n = results.get("nights")
    if n:
        lines += [
            "",
            f"One night ({n['parts']:,} parts): read window → compute → write, median of runs",
            "",
            "| history | wall s | cpu s | rows read | peak RSS MB |",
            "|---|---|---|---|---|",
        ]
        for h in ("120d", "365d"):
            lines.append(
                f"| {h} | {n[h]['median_wall_s']:.2f} | {n[h]['median_cpu_s']:.2f} | {n[h]['rows_read']:,} | "
                f"{n[h]['peak_rss_mb']:.0f} |"
            )
        lines.append(
            f"\nratio 365d / 120d = {n['ratio_365_vs_120']:.2f}; rows read equal: {n['rows_read_equal']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tiers", default="S,M4,M", help="comma-separated: " + ", ".join(TIERS))
    parser.add_argument("--skip-pandas", action="store_true", help="Polars only (the pandas run dominates)")
    parser.add_argument("--pandas-tiers", default="S,M4,M", help="tiers that also run the pandas baseline")
    parser.add_argument(
        "--pandas-rss-limit-gb", type=float, default=16.0, help="stop the pandas run above this RSS"
    )
    parser.add_argument("--night-parts", type=int, default=4000, help="parts in the 365-day night history")
    parser.add_argument("--repeats", type=int, default=3, help="runs per night measurement")
    parser.add_argument("--no-nights", action="store_true")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "command": " ".join(["python -m bench.run_features", *(argv or sys.argv[1:])]),
        "tiers": [],
    }
    pandas_tiers = set(args.pandas_tiers.split(","))
    for tier in args.tiers.split(","):
        skip = args.skip_pandas or tier not in pandas_tiers
        results["tiers"].append(backfill(tier, skip, args.pandas_rss_limit_gb * 1024))
    if not args.no_nights:
        results["nights"] = nights(args.night_parts, args.repeats)
    results["machine"] = {
        "cpus": psutil.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
    }
    (OUT / "results.json").write_text(json.dumps(results, indent=2, default=str))
    print(markdown(results))


if __name__ == "__main__":
    main()

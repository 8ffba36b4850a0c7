"""One measured run, in its own process so peak memory does not mix between runs.

    python -m bench.worker polars-backfill DATA_DIR
    python -m bench.worker pandas-backfill DATA_DIR
    python -m bench.worker night DUCKDB_FILE

Prints one JSON line: wall and CPU seconds, rows in/out, and the process's own peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from datetime import date
from pathlib import Path


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _manifest(data_dir: Path) -> tuple[dict, date, date]:
    info = json.loads((data_dir / "manifest.json").read_text())
    return info, date.fromisoformat(str(info["first"])), date.fromisoformat(str(info["end"]))


def polars_backfill(data_dir: Path, out: Path | None) -> dict:
    from bench.generate import scan_tier
    from orchestration.features import compute_part_trends

    info, start, end = _manifest(data_dir)
    wall, cpu = time.perf_counter(), _cpu_seconds()
    offers, price_breaks = scan_tier(info)
    df = compute_part_trends(offers, price_breaks, start=start, end=end).collect()
    result = {"wall_s": time.perf_counter() - wall, "cpu_s": _cpu_seconds() - cpu, "rows_out": df.height}
    if out is not None:
        df.write_parquet(out)
    return result


def pandas_backfill(data_dir: Path, out: Path | None) -> dict:
    import pandas as pd

    from bench.pandas_baseline import pandas_part_trends

    info, start, end = _manifest(data_dir)
    wall, cpu = time.perf_counter(), _cpu_seconds()
    offer_columns = ["snapshot_date", "source", "distributor", "sku", "stock_pool", "mpn", "manufacturer", "stock", "lead_time_days", "lifecycle_status", "is_authorized", "is_broker", "is_duplicate_listing"]  # fmt: skip
    offers = pd.read_parquet(info["offers_path"], columns=offer_columns)
    price_breaks = pd.read_parquet(info["price_breaks_path"], columns=["snapshot_date", "source", "distributor", "sku", "quantity", "unit_price_usd"])  # fmt: skip
    for frame in (offers, price_breaks):
        frame["snapshot_date"] = pd.to_datetime(frame["snapshot_date"])
    offers["last_buy_date"] = pd.NaT  # absent from the simulator's staged grain
    df = pandas_part_trends(offers, price_breaks, start, end)
    result = {"wall_s": time.perf_counter() - wall, "cpu_s": _cpu_seconds() - cpu, "rows_out": len(df)}
    if out is not None:
        df.to_parquet(out)
    return result


def night(db_file: Path) -> dict:
    import duckdb

    from orchestration.features import compute_part_trends
    from orchestration.features.io import read_inputs, write_features

    conn = duckdb.connect(str(db_file))
    day = conn.sql("select max(snapshot_date) from staging.stg_feeds__offers").fetchall()[0][0]
    history_days = conn.sql("select count(distinct snapshot_date) from staging.stg_feeds__offers").fetchall()[
        0
    ][0]
    wall, cpu = time.perf_counter(), _cpu_seconds()
    inputs = read_inputs(conn, day, day)
    read_s = time.perf_counter() - wall
    df = compute_part_trends(
        inputs.offers, inputs.price_breaks, start=day, end=day, demand=inputs.demand
    ).collect()
    compute_s = time.perf_counter() - wall - read_s
    written = write_features(conn, df, day, day)
    conn.close()
    return {
        "wall_s": time.perf_counter() - wall,
        "cpu_s": _cpu_seconds() - cpu,
        "read_s": read_s,
        "compute_s": compute_s,
        "rows_read": inputs.rows_read,
        "rows_out": written,
        "history_days": history_days,
        "night": str(day),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["polars-backfill", "pandas-backfill", "night"])
    parser.add_argument("path", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.mode == "polars-backfill":
        result = polars_backfill(args.path, args.out)
    elif args.mode == "pandas-backfill":
        result = pandas_backfill(args.path, args.out)
    else:
        result = night(args.path)
    result["peak_rss_mb_vmhwm"] = _peak_rss_mb()
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()

"""Scale benchmark: Spark local[2] vs DuckDB/Polars on the staged-market tiers (`make bench` when pyspark is installed).

    python -m bench.spark_scale --tiers S,M [--engines spark,duckdb] [--driver-memory 4g]
    python -m bench.spark_scale --tiers L --days 3   # a slice of tier L: all its parts, its last 3 days only
    python -m bench.spark_scale --tiers L --days 7 --engines spark --features-only   # the features step alone
    python -m bench.spark_scale modes                # "partitioned" vs "grouped" on one session, same input

Per tier and engine, one fresh process runs three steps on the tier's Parquet input (bench.generate):
- raw: write offers and price breaks as Parquet partitioned by snapshot_date (the raw layer on Spark);
- staging read: scan that raw layer and aggregate the offer grain per day (what a staging model reads);
- features: the whole backfill of `part_trends_daily` (Spark: `spark_part_trends`, Polars partitioned by
  part; DuckDB path: `compute_part_trends` in one Polars pass), written as Parquet.
Peak RSS is polled with psutil over the process tree (Python driver + JVM + Python workers), whole and per step,
and the work folder's peak size on disk (Spark's shuffle and spill files, the output). Results go to
bench/out/spark_scale.json and print as Markdown rows for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psutil

from bench.generate import TIERS, generate
from orchestration.spark.features import OFFERS_PER_PARTITION

OUT = Path(__file__).resolve().parent / "out"
ROOT = Path(__file__).resolve().parent.parent
# The measured process writes the name of the step it is in here (inside its work folder).
STEP_FILE = "current_step"
DISK_POLL_S = 5.0
STAGING_SQL = (
    "select snapshot_date, count(*) as offers, sum(stock) as stock, count(distinct mpn) as parts "
    "from offers group by snapshot_date"
)


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def folder_bytes(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.stat(os.path.join(root, name)).st_size
            except OSError:  # a shuffle file deleted while we walk
                pass
    return total


def measured(args: list[str], work: Path) -> dict:
    """Run `python -m bench.spark_scale run *args` in a fresh process; poll the tree's RSS until it exits.

    The process names its current step in `work`/STEP_FILE, so the peak is also kept per step. The work
    folder's size (Spark's shuffle and spill files, the output) is polled every DISK_POLL_S seconds.
    """
    proc = subprocess.Popen([sys.executable, "-m", "bench.spark_scale", "run", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    watched, peak, started = psutil.Process(proc.pid), 0, time.perf_counter()
    step_peaks: dict[str, int] = {}
    peak_disk, disk_polled = 0, 0.0
    while proc.poll() is None:
        try:
            rss = tree_rss(watched)
        except psutil.NoSuchProcess:
            break
        peak = max(peak, rss)
        step = _current_step(work)
        step_peaks[step] = max(step_peaks.get(step, 0), rss)
        if time.perf_counter() - disk_polled >= DISK_POLL_S:
            peak_disk, disk_polled = max(peak_disk, folder_bytes(work)), time.perf_counter()
        time.sleep(0.2)
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"bench.spark_scale run {' '.join(args)} failed with exit code {proc.returncode}")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(process_wall_s=time.perf_counter() - started, peak_tree_rss_mb=peak / 2**20,
                  peak_work_disk_mb=round(peak_disk / 2**20),
                  peak_tree_rss_mb_by_step={step: round(rss / 2**20) for step, rss in step_peaks.items()})
    return result


def _current_step(work: Path) -> str:
    try:
        return (work / STEP_FILE).read_text() or "startup"
    except OSError:
        return "startup"


# --- inside the measured process ---------------------------------------------------------------------------


def _timed(step, name: str | None = None, work: Path | None = None) -> tuple[float, object]:
    if name is not None and work is not None:
        (work / STEP_FILE).write_text(name)
    started = time.perf_counter()
    value = step()
    return time.perf_counter() - started, value


def _window(info: dict) -> tuple[date, date]:
    return date.fromisoformat(str(info["first"])), date.fromisoformat(str(info["end"]))


def run_spark(data: Path, work: Path, driver_memory: str, mode: str, offers_per_partition: int,
              features_only: bool = False) -> dict:
    from pyspark.sql import functions as F

    from orchestration.spark.features import partition_count, spark_part_trends, write_part_trends
    from orchestration.spark.session import local_spark_session

    info = json.loads((data / "manifest.json").read_text())
    first, end = _window(info)
    startup_s, spark = _timed(lambda: local_spark_session(work / "spark", app_name="partrisk-bench",
                                                           driver_memory=driver_memory, hive_metastore=False),
                              "startup", work)
    offers = spark.read.parquet(info["offers_path"])
    breaks = spark.read.parquet(info["price_breaks_path"])
    raw = work / "raw"
    result: dict = {"startup_s": startup_s}
    if features_only:
        offer_rows = int(info["offers"])
    else:
        def write_raw() -> int:
            offers.write.mode("overwrite").partitionBy("snapshot_date").parquet(str(raw / "offers"))
            breaks.write.mode("overwrite").partitionBy("snapshot_date").parquet(str(raw / "price_breaks"))
            return spark.read.parquet(str(raw / "offers")).count()

        result["raw_s"], offer_rows = _timed(write_raw, "raw", work)

        def read_staging() -> int:
            spark.read.parquet(str(raw / "offers")).createOrReplaceTempView("offers")
            return len(spark.sql(STAGING_SQL).collect())

        result["staging_s"], _ = _timed(read_staging, "staging", work)
        offers, breaks = spark.read.parquet(str(raw / "offers")), spark.read.parquet(str(raw / "price_breaks"))
    if "last_buy_date" not in offers.columns:  # the simulator's staged grain omits it
        offers = offers.withColumn("last_buy_date", F.lit(None).cast("date"))
    # What spark_part_trends picks itself from the window's offer count (every offer here is in the window).
    partitions = partition_count(offer_rows, offers_per_partition,
                                 minimum=int(spark.conf.get("spark.sql.shuffle.partitions")))

    def features() -> int:
        trends = spark_part_trends(offers, breaks, start=first, end=end, mode=mode,
                                   offers_per_partition=offers_per_partition)
        write_part_trends(trends, work / "features")
        return spark.read.parquet(str(work / "features")).count()

    result["features_s"], rows_out = _timed(features, "features", work)
    spark.stop()
    return {**result, "offers": offer_rows, "rows_out": rows_out, "partitions": partitions, "mode": mode,
            "offers_per_partition": offers_per_partition, "features_only": features_only,
            "first": str(first), "end": str(end)}


def run_duckdb(data: Path, work: Path) -> dict:
    import duckdb
    import polars as pl

    from orchestration.features import compute_part_trends

    info = json.loads((data / "manifest.json").read_text())
    first, end = _window(info)
    conn = duckdb.connect()
    raw = work / "raw"
    raw.mkdir()

    def write_raw() -> int:
        for name, path in (("offers", info["offers_path"]), ("price_breaks", info["price_breaks_path"])):
            conn.execute(f"copy (select * from read_parquet('{path}')) to '{raw / name}' "
                         "(format parquet, partition_by (snapshot_date), overwrite_or_ignore)")
        return conn.sql(f"select count(*) from read_parquet('{raw}/offers/**/*.parquet')").fetchall()[0][0]

    raw_s, offer_rows = _timed(write_raw, "raw", work)

    def read_staging() -> int:
        conn.execute(f"create or replace view offers as select * from read_parquet('{raw}/offers/**/*.parquet', "
                     "hive_partitioning = true)")
        return len(conn.sql(STAGING_SQL).fetchall())

    staging_s, _ = _timed(read_staging, "staging", work)
    conn.close()

    def features() -> int:
        offers = pl.scan_parquet(raw / "offers", hive_partitioning=True)
        if "last_buy_date" not in offers.collect_schema():
            offers = offers.with_columns(pl.lit(None, pl.Date).alias("last_buy_date"))
        breaks = pl.scan_parquet(raw / "price_breaks", hive_partitioning=True)
        df = compute_part_trends(offers, breaks, start=first, end=end).collect()
        df.write_parquet(work / "features.parquet")
        return df.height

    features_s, rows_out = _timed(features, "features", work)
    return {"raw_s": raw_s, "staging_s": staging_s, "features_s": features_s, "offers": offer_rows,
            "rows_out": rows_out, "first": str(first), "end": str(end)}


def compare_modes(repeats: int = 2) -> dict:
    """Time `spark_part_trends` in both modes on one session and one cached input, interleaved."""
    import polars as pl

    from orchestration.spark.features import spark_part_trends
    from orchestration.spark.session import local_spark_session
    from tests.feature_frames import day, random_history

    spark = local_spark_session(OUT / "spark_modes", app_name="partrisk-bench", hive_metastore=False)
    offers, price_breaks = (
        spark.createDataFrame(frame.collect().to_arrow(compat_level=pl.CompatLevel.oldest())).cache()
        for frame in random_history(9, parts=300, days=150)
    )
    result: dict = {"offers": offers.count(), "price_breaks": price_breaks.count(), "parts": 300}
    for _ in range(repeats):
        for mode in ("partitioned", "grouped"):
            seconds, rows = _timed(lambda mode=mode: spark_part_trends(
                offers, price_breaks, start=day(0), end=day(149), mode=mode, partitions=4).count())
            result.setdefault(f"{mode}_s", []).append(round(seconds, 1))
            result["rows_out"] = rows
    spark.stop()
    return result


# --- driver -----------------------------------------------------------------------------------------------


def _rate(offers: int, seconds: float | None) -> str:
    return "not run" if seconds is None else f"{offers / seconds:,.0f}"


def markdown_rows(results: list[dict]) -> str:
    lines = ["| tier | engine | offers | raw offers/s | staging offers/s | features offers/s | features s "
             "| whole run s | peak RSS MB (process tree) | peak disk MB (work folder) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        n = r["offers"]
        lines.append(
            f"| {r['tier']} | {r['engine']} | {n:,} | {_rate(n, r.get('raw_s'))} | {_rate(n, r.get('staging_s'))} "
            f"| {n / r['features_s']:,.0f} | {r['features_s']:.0f} | {r['process_wall_s']:.0f} "
            f"| {r['peak_tree_rss_mb']:,.0f} | {r.get('peak_work_disk_mb', 'not measured')} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "run":
        parser = argparse.ArgumentParser()
        parser.add_argument("engine", choices=["spark", "duckdb"])
        parser.add_argument("data", type=Path)
        parser.add_argument("work", type=Path)
        parser.add_argument("--driver-memory", default="4g")
        parser.add_argument("--mode", default="partitioned", choices=["partitioned", "grouped"])
        parser.add_argument("--offers-per-partition", type=int, default=OFFERS_PER_PARTITION)
        parser.add_argument("--features-only", action="store_true")
        args = parser.parse_args(argv[1:])
        shutil.rmtree(args.work, ignore_errors=True)
        args.work.mkdir(parents=True)
        if args.engine == "spark":
            result = run_spark(args.data, args.work, args.driver_memory, args.mode, args.offers_per_partition,
                               args.features_only)
        else:
            result = run_duckdb(args.data, args.work)
        shutil.rmtree(args.work, ignore_errors=True)
        sys.stdout.write(json.dumps(result) + "\n")
        return
    if argv and argv[0] == "modes":
        sys.stdout.write(json.dumps(compare_modes()) + "\n")
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiers", default="S,M")
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--driver-memory", default="4g", help="Spark driver (JVM heap) cap, e.g. 4g")
    parser.add_argument("--days", type=int, help="a slice: the tier's parts over its last DAYS days only")
    parser.add_argument("--mode", default="partitioned", choices=["partitioned", "grouped"])
    parser.add_argument("--offers-per-partition", type=int, default=OFFERS_PER_PARTITION,
                        help="Spark features: offers a partition holds (sets a task's memory)")
    parser.add_argument("--features-only", action="store_true",
                        help="Spark: only the features step, reading the tier's Parquet input directly")
    args = parser.parse_args(argv)
    results_path = OUT / "spark_scale.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else []
    for tier_name in args.tiers.split(","):
        tier = TIERS[tier_name]
        data = OUT / (f"tier_{tier_name}_{args.days}d" if args.days else f"tier_{tier_name}")
        generate(data, tier.parts, args.days or tier.days)
        for engine in args.engines.split(","):
            work = OUT / f"scale_{engine}_{tier_name}" / (f"{args.days}d" if args.days else "all")
            run_args = [engine, str(data), str(work), "--mode", args.mode, "--driver-memory", args.driver_memory,
                        "--offers-per-partition", str(args.offers_per_partition),
                        *(["--features-only"] if args.features_only else [])]
            result = {"tier": tier_name + (f" ({args.days} days)" if args.days else ""), "engine": engine,
                      "driver_memory": args.driver_memory if engine == "spark" else None,
                      "load_average": psutil.getloadavg()[0], **measured(run_args, work)}
            if engine == "spark" and args.mode == "grouped":
                result["engine"] = "spark (grouped)"
            results.append(result)
            print(json.dumps(result), flush=True)
    OUT.mkdir(exist_ok=True)
    results_path.write_text(json.dumps(results, indent=2))
    print(markdown_rows(results))


if __name__ == "__main__":
    main()

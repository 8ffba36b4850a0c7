"""Feed ingest benchmark: the project's DigiKey parser against bare DuckDB `read_json`, in one run.

Both read the same DigiKey v4 KeywordSearch files of the demo landing tree (`data/sample`, every date
folder unless `--days` limits it) and produce one row per offer (product variation):
- bare: DuckDB `read_json` with the two `unnest`s (Products, then ProductVariations), counted;
- project: each folder's files hashed, then `registry.parse_snapshots("digikey", folders)` in chunks of
  `registry.FOLDERS_PER_READ` date folders, as raw_load calls them: the `table`s
  raw_load writes; also printed, one `parse_snapshot` per folder.
The ratio (project offers/s over bare offers/s) is what the ingest target is stated in. `--read-floor`
also times DuckDB reading, in one query, the columns the parser reads (`digikey.V4_COLUMNS`, kept nested,
no unnest, no rule): no parser that takes its values from DuckDB can beat that time.

    .venv/bin/python -m bench.run_ingest [--landing data/sample] [--days N] [--repeats 3] [--per-folder]
        [--read-floor]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import duckdb
import pyarrow.compute as pc

from orchestration.feeds import digikey, registry
from orchestration.warehouse import raw_load


def bare_read_json(folders: list[Path]) -> int:
    files = [str(p) for folder in folders for p in registry.snapshot_files(folder)]
    con = duckdb.connect()
    try:
        row = con.execute(
            """
            select count(*) from (
                select unnest(product.ProductVariations) as variation
                from (select unnest(Products) as product from read_json(?, format = 'auto'))
            )
            """,
            [files],
        ).fetchall()
    finally:
        con.close()
    return int(row[0][0])


def read_parser_columns(folders: list[Path]) -> int:
    files = [str(p) for folder in folders for p in registry.snapshot_files(folder)]
    con = duckdb.connect()
    try:
        products = con.sql("select filename, Products from read_json(?, columns = ?, filename = true, "
                           "format = 'unstructured', maximum_object_size = ?)",
                           params=[files, digikey.V4_COLUMNS, registry.DEFAULT_MAX_JSON_BYTES + 1]
                           ).to_arrow_table().column("Products")
    finally:
        con.close()
    return sum(pc.sum(pc.list_value_length(pc.list_flatten(chunk).field("ProductVariations"))).as_py() or 0
               for chunk in products.chunks)


def project_parser(folders: list[Path], landing: Path) -> int:
    """What raw_load does: each folder's files hashed (`raw_load.folder_hashes`), then the folders in chunks
    of `registry.FOLDERS_PER_READ`, each chunk one `parse_snapshots` call."""
    offers = 0
    step = registry.FOLDERS_PER_READ
    for start in range(0, len(folders), step):
        for folder in folders[start : start + step]:
            raw_load.folder_hashes(folder, landing)
        parsed = registry.parse_snapshots("digikey", folders[start : start + step], landing)
        offers += sum(p.table.num_rows for p in parsed)
    return offers


def project_parser_per_folder(folders: list[Path], landing: Path) -> int:
    return sum(registry.parse_snapshot("digikey", f, landing_root=landing).table.num_rows for f in folders)


def timed(fn, *args) -> tuple[float, int]:
    start = time.perf_counter()
    rows = fn(*args)
    return time.perf_counter() - start, rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--landing", type=Path, default=Path("data/sample"))
    ap.add_argument("--days", type=int, default=0, help="only the first N date folders (0: all)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--per-folder", action="store_true", help="also time one parse_snapshot per folder")
    ap.add_argument("--read-floor", action="store_true",
                    help="also time DuckDB reading the parser's columns alone (no unnest, no rule)")
    args = ap.parse_args()
    source_dir = args.landing / "feeds" / "digikey"
    folders = sorted(p for p in source_dir.iterdir() if p.is_dir())
    if args.days:
        folders = folders[: args.days]
    if not folders:
        raise SystemExit(f"no DigiKey date folders under {source_dir}: run `partrisk simulate` or point --landing")
    bare_times, project_times, single_times, floor_times = [], [], [], []
    for _ in range(args.repeats):
        seconds, bare_rows = timed(bare_read_json, folders)
        bare_times.append(seconds)
        seconds, project_rows = timed(project_parser, folders, args.landing)
        project_times.append(seconds)
        if args.per_folder:
            seconds, single_rows = timed(project_parser_per_folder, folders, args.landing)
            single_times.append(seconds)
        else:
            single_rows = project_rows
        if args.read_floor:
            seconds, floor_rows = timed(read_parser_columns, folders)
            floor_times.append(seconds)
        else:
            floor_rows = project_rows
    if not bare_rows == project_rows == single_rows == floor_rows:
        raise SystemExit(f"the readers disagree on the offer count: bare {bare_rows}, project {project_rows}, "
                         f"per folder {single_rows}, parser columns {floor_rows}")
    bare_s, project_s = statistics.median(bare_times), statistics.median(project_times)

    print(f"DigiKey files: {len(folders)} date folders, {bare_rows:,} offers, median of {args.repeats}")
    print(f"bare read_json + 2 unnests: {bare_s:.2f} s ({bare_rows / bare_s:,.0f} offers/s)")
    print(f"project parser (parse_snapshots in chunks of {registry.FOLDERS_PER_READ} + to_arrow): {project_s:.2f} s "
          f"({project_rows / project_s:,.0f} offers/s)")
    print(f"ratio project / bare throughput: {bare_s / project_s:.1%}")
    if single_times:
        single_s = statistics.median(single_times)
        print(f"one folder at a time (parse_snapshot): {single_s:.2f} s, ratio {bare_s / single_s:.1%}")
    if floor_times:
        floor_s = statistics.median(floor_times)
        print(f"DuckDB reading the parser's columns alone (no unnest, no rule): {floor_s:.2f} s, "
              f"ratio {bare_s / floor_s:.1%}")


if __name__ == "__main__":
    main()

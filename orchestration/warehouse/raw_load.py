"""Loading landing files into the DuckDB raw layer.

Every write replaces whole partitions inside one transaction, so materializing a partition again
gives the same rows, never duplicates. Nothing is dropped silently: a file that cannot be parsed is
a `failed` row in raw.load_log with its reason, a row that breaks a row rule is in quarantine.rows,
and both reach the asset's metadata and the `partrisk refresh` summary.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from orchestration import landing as landing_tree
from orchestration.partkey import basic_mpn, manufacturer_key
from orchestration.warehouse.connection import replace_rows, table_exists, transaction

LOAD_LOG_DDL = """
create table if not exists raw.load_log (
    source varchar, snapshot_date date, file_path varchar, file_sha256 varchar,
    status varchar, rows_loaded bigint, rows_quarantined bigint, reason varchar, loaded_at timestamp,
    parser_fingerprint varchar
)
"""
QUARANTINE_DDL = """
create table if not exists quarantine.rows (
    source varchar, snapshot_date date, file_path varchar, location varchar,
    rule varchar, raw_value varchar, loaded_at timestamp
)
"""


@dataclass
class FileOutcome:
    source: str
    snapshot_date: date | None
    file_path: str
    file_sha256: str | None
    status: str  # loaded | failed | duplicate
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reason: str | None = None


@dataclass
class LoadResult:
    table: str
    rows_by_date: dict[str, int] = field(default_factory=dict)
    files: list[FileOutcome] = field(default_factory=list)
    quarantined: list[dict] = field(default_factory=list)
    unchanged: list[tuple[str, date]] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(self.rows_by_date.values())

    @property
    def failed_files(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "failed"]

    def metadata(self) -> dict:
        statuses = Counter(f.status for f in self.files)
        return {
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": len(self.quarantined),
            "files_loaded": statuses.get("loaded", 0),
            "files_failed": statuses.get("failed", 0),
            "files_duplicate": statuses.get("duplicate", 0),
            "snapshot_dates": len(self.rows_by_date),
            "partitions_unchanged": len(self.unchanged),
            "failures": [f"{f.file_path}: {f.reason}" for f in self.failed_files][:50],
        }


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def ensure_log_tables(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(LOAD_LOG_DDL)
    conn.execute("alter table raw.load_log add column if not exists parser_fingerprint varchar")
    conn.execute(QUARANTINE_DDL)


def parser_fingerprint() -> str:
    """A hash of the code that turns landing files into raw rows: a new parser reloads every partition."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted([*(root / "feeds").glob("*.py"), root / "partkey.py", Path(__file__)]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _keyed(values: list, key_of) -> pa.Array:
    cache: dict = {}
    return pa.array([cache[v] if v in cache else cache.setdefault(v, key_of(v)) for v in values], pa.string())


def add_part_keys(
    table: pa.Table, mpn_column: str = "mpn_raw", manufacturer_column: str | None = "manufacturer_raw",
    prefix: str = "",
) -> pa.Table:
    """Adds <prefix>mpn_key (``basic_mpn``) and <prefix>manufacturer_key, computed once per distinct value.

    Both depend on the spelling only. The part's key, which depends on the alias table, is looked up
    in raw.part_keys (orchestration/warehouse/part_keys.py), so an alias change re-parses nothing."""
    table = table.append_column(f"{prefix}mpn_key", _keyed(table.column(mpn_column).to_pylist(), basic_mpn))
    if manufacturer_column is None:
        return table
    makers = table.column(manufacturer_column).to_pylist()
    return table.append_column(f"{prefix}manufacturer_key", _keyed(makers, manufacturer_key))


def _write_logs(
    conn: duckdb.DuckDBPyConnection, sources: list[str], where_dates_sql: str, params: list,
    files: list[FileOutcome], quarantined: list[dict], loaded_at: datetime,
) -> None:
    placeholders = ", ".join("?" for _ in sources)
    conn.execute(
        f"delete from raw.load_log where source in ({placeholders}) and ({where_dates_sql})",
        [*sources, *params],
    )
    conn.execute(
        f"delete from quarantine.rows where source in ({placeholders}) and ({where_dates_sql})",
        [*sources, *params],
    )
    if files:
        fingerprint = parser_fingerprint()
        conn.executemany(
            "insert into raw.load_log by position values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [f.source, f.snapshot_date, f.file_path, f.file_sha256, f.status, f.rows_loaded,
                 f.rows_quarantined, f.reason, loaded_at, fingerprint]
                for f in files
            ],
        )
    if quarantined:
        conn.executemany(
            "insert into quarantine.rows values (?, ?, ?, ?, ?, ?, ?)",
            [
                [q["source"], q["snapshot_date"], q["file_path"], q["location"], q["rule"],
                 None if q["raw_value"] is None else str(q["raw_value"])[:2000], loaded_at]
                for q in quarantined
            ],
        )


def _empty_offers() -> pa.Table:
    from orchestration.feeds.records import OFFER_SCHEMA

    return OFFER_SCHEMA.empty_table()


@dataclass
class ParsedFolder:
    """One feeds/<source>/<date>/ folder parsed (picklable, so folders can parse in worker processes).

    Broker CSVs (any size) arrive as Parquet files spilled batch by batch (`spilled`), with their row
    counts per landing file (`spilled_rows`); API responses arrive as an Arrow table (`offers`).
    """

    offers: pa.Table
    quarantined: list
    failed_files: list
    file_hashes: list[tuple[str, str]]
    spilled: list[str] = field(default_factory=list)
    spilled_rows: dict[str, int] = field(default_factory=dict)


class BatchSpill:
    """Writes each landing file's parsed batches to its own Parquet file, part keys added per batch.

    A 200 MB broker export never sits in memory whole: each batch is keyed and written as it is parsed,
    and DuckDB inserts the Parquet files by streaming them. A file that fails midway is discarded.
    """

    def __init__(self, directory: Path):
        self.directory = directory
        self.paths: list[str] = []
        self.rows: dict[str, int] = {}
        self._writer = None
        self._path: Path | None = None
        self._file: str | None = None

    def open_file(self, file_path: str) -> None:
        self._file, self._writer = file_path, None
        self._path = self.directory / f"part-{len(self.rows):05d}.parquet"
        self.rows[file_path] = 0

    def write(self, batch: pa.Table) -> None:
        import pyarrow.parquet as pq

        keyed = add_part_keys(batch)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self._path, keyed.schema)
        self._writer.write_table(keyed)
        self.rows[self._file] += batch.num_rows

    def close_file(self, ok: bool) -> int:
        if self._writer is not None:
            self._writer.close()
        rows = self.rows.pop(self._file) if not ok else self.rows[self._file]
        if ok and self._writer is not None:
            self.paths.append(str(self._path))
        elif self._path is not None:
            self._path.unlink(missing_ok=True)
        self._writer = None
        return rows


def folder_hashes(folder: Path, landing: Path) -> list[tuple[str, str]]:
    """(landing-relative path, sha256) per feed file; a link out of the landing tree is never read."""
    def sha(path: Path) -> str:
        if landing_tree.outside_landing(path, landing) is not None:
            return "symlink:" + hashlib.sha256(str(path.resolve()).encode()).hexdigest()
        return landing_tree.file_sha256(path)

    return [(str(path.relative_to(landing)), sha(path)) for path in landing_tree.feed_files(folder)]


def parse_folder(source: str, snapshot: date, folder: Path, landing: Path,
                 hashes: list[tuple[str, str]] | None = None, spill_dir: Path | None = None) -> ParsedFolder:
    from orchestration.feeds.registry import parse_snapshot

    hashes = hashes if hashes is not None else folder_hashes(folder, landing)
    if spill_dir is not None and landing_tree.is_broker_source(landing, source):
        spill = BatchSpill(Path(tempfile.mkdtemp(prefix=f"{source}-{snapshot}-", dir=spill_dir)))
        parsed = parse_snapshot(source, folder, snapshot, landing, spill=spill)
        return ParsedFolder(_empty_offers(), list(parsed.quarantined), list(parsed.failed_files), hashes,
                            spilled=spill.paths, spilled_rows=dict(spill.rows))
    parsed = parse_snapshot(source, folder, snapshot, landing)
    return ParsedFolder(parsed.table, list(parsed.quarantined), list(parsed.failed_files), hashes)


def _parse_task(task: tuple) -> ParsedFolder:
    """One folder; whatever escapes its parser fails that folder's files only, never the load."""
    from orchestration.feeds.records import FailedFile
    from orchestration.feeds.registry import unexpected_reason

    source, _snapshot, folder, landing, hashes, _spill_dir = task
    try:
        return parse_folder(*task)
    except Exception as error:  # noqa: BLE001 - the other folders, sources and dates still load
        hashes = hashes if hashes is not None else folder_hashes(folder, landing)
        reason = unexpected_reason(error)
        return ParsedFolder(_empty_offers(), [], [FailedFile(source, path, reason) for path, _ in hashes], hashes)


def conflicting_listings(offers: pa.Table) -> list:
    """Listings of one seller's SKU in two files of one folder that disagree on stock: the first by file
    name (then record path) is the one staging reads; each later one is flagged with both values."""
    from orchestration.feeds.records import QuarantinedRow

    if offers.num_rows < 2:
        return []
    import polars as pl

    frame = pl.from_arrow(offers.select(["source", "distributor", "sku", "stock", "stock_raw", "file_path",
                                         "record_path"])).sort("file_path", "record_path")
    clashes = (frame.with_columns(**{f"first_{c}": pl.col(c).first().over("distributor", "sku")
                                     for c in ("stock", "stock_raw", "file_path")})
               .filter((pl.col("file_path") != pl.col("first_file_path"))
                       & pl.col("stock").ne_missing(pl.col("first_stock"))))
    return [QuarantinedRow(row["source"], row["file_path"], row["record_path"], "conflicting_duplicate",
                           f"stock {row['stock_raw']} here, {row['first_stock_raw']} in {row['first_file_path']} "
                           "(the first file by name is read)")
            for row in clashes.iter_rows(named=True)]


def parse_workers() -> int:
    """Folders parse in parallel worker processes (PARTRISK_PARSE_WORKERS, default: the CPU count)."""
    return max(1, int(os.environ.get("PARTRISK_PARSE_WORKERS", os.cpu_count() or 1)))


def _parse_chunk(jobs: list[tuple]) -> list[ParsedFolder]:
    """Date folders of one source read together (`registry.parse_snapshots`); each alone if that fails."""
    from orchestration.feeds.registry import parse_snapshots

    if len(jobs) < 2:
        return [_parse_task(job) for job in jobs]
    source, landing = jobs[0][0], jobs[0][3]
    hashes = [job[4] if job[4] is not None else folder_hashes(job[2], landing) for job in jobs]
    try:
        parsed = parse_snapshots(source, [job[2] for job in jobs], landing)
    except Exception:  # noqa: BLE001 - each folder then fails (or loads) on its own
        return [_parse_task(job) for job in jobs]
    return [ParsedFolder(p.table, list(p.quarantined), list(p.failed_files), h)
            for p, h in zip(parsed, hashes, strict=True)]


def _chunks(jobs: list[tuple]) -> list[list[tuple]]:
    """Consecutive JSON folders of one source, up to `FOLDERS_PER_READ` each; a broker folder alone."""
    from orchestration.feeds.registry import FOLDERS_PER_READ

    chunks: list[list[tuple]] = []
    for job in jobs:
        last = chunks[-1] if chunks else None
        if (last and last[0][0] == job[0] and len(last) < FOLDERS_PER_READ
                and not landing_tree.is_broker_source(job[3], job[0])):
            last.append(job)
        else:
            chunks.append([job])
    return chunks


def _parse_all(tasks: list[tuple[str, date, Path, list]], landing: Path, spill_dir: Path) -> Iterator[ParsedFolder]:
    """Parse folders in order, in chunks of one source; a backfill spreads the chunks over worker processes
    (parsing is CPU-bound)."""
    jobs = [(source, snapshot, folder, landing, hashes, spill_dir) for source, snapshot, folder, hashes in tasks]
    chunks = _chunks(jobs)
    workers = min(parse_workers(), len(chunks))
    if workers <= 1 or len(jobs) < 8:
        for chunk in chunks:
            yield from _parse_chunk(chunk)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for parsed in pool.map(_parse_chunk, chunks):
            yield from parsed


def load_feed_partitions(
    conn: duckdb.DuckDBPyConnection, landing: Path, table: str, sources: list[str], dates: list[date],
    *, log=None,
) -> LoadResult:
    """Parse feeds/<source>/<date>/ for every source and date, and replace those partitions of `table`.

    A file that fails to parse becomes a `failed` load_log row; the other files still load. Two files of
    one folder with identical bytes load once (the second is logged as `duplicate`).
    """
    loaded_at = now_utc()
    result = LoadResult(table=table)
    tables: list[pa.Table] = []
    tasks: list[tuple[str, date, Path, list]] = []
    window = [min(dates), max(dates)]
    previous = _previous_loads(conn, table, sources, window)
    for source in sources:
        folders, bad_folders = landing_tree.snapshot_folders(landing, source)
        for bad in bad_folders:
            result.files.append(FileOutcome(source, None, str(bad.path.relative_to(landing)), None, "failed",
                                            reason=bad.reason))
        for snapshot in dates:
            if snapshot not in folders:
                continue
            hashes = folder_hashes(folders[snapshot], landing)
            if previous.get((source, snapshot)) == set(hashes):
                result.unchanged.append((source, snapshot))
            else:
                tasks.append((source, snapshot, folders[snapshot], hashes))
    spill_dir = Path(tempfile.mkdtemp(prefix="partrisk-spill-"))
    spilled: list[tuple[str, list[str]]] = []  # (parquet file, landing files to skip as duplicates)
    for (source, snapshot, _folder, _hashes), parsed in zip(tasks, _parse_all(tasks, landing, spill_dir), strict=True):
        offers = parsed.offers
        failed = {f.file_path: f.reason for f in parsed.failed_files}
        quarantined_by_file = Counter(q.file_path for q in parsed.quarantined)
        seen_hashes: dict[str, str] = {}
        duplicate_paths: list[str] = []
        rows_by_file = Counter(offers.column("file_path").to_pylist()) if offers.num_rows else Counter()
        rows_by_file.update(parsed.spilled_rows)
        for relative, sha in parsed.file_hashes:
            if relative in failed:
                outcome = FileOutcome(source, snapshot, relative, sha, "failed", reason=failed[relative])
            elif sha in seen_hashes:
                duplicate_paths.append(relative)
                outcome = FileOutcome(source, snapshot, relative, sha, "duplicate",
                                      reason=f"same bytes as {seen_hashes[sha]}: loaded once")
            else:
                seen_hashes[sha] = relative
                outcome = FileOutcome(source, snapshot, relative, sha, "loaded",
                                      rows_loaded=rows_by_file.get(relative, 0),
                                      rows_quarantined=quarantined_by_file.get(relative, 0))
            result.files.append(outcome)
        if duplicate_paths and offers.num_rows:
            keep = pc.invert(pc.is_in(offers.column("file_path"), value_set=pa.array(duplicate_paths)))
            offers = offers.filter(keep)
        conflicts = conflicting_listings(offers)
        for conflict in conflicts:
            next(f for f in result.files[-len(parsed.file_hashes):] if f.file_path == conflict.file_path
                 ).rows_quarantined += 1
        parsed.quarantined.extend(conflicts)
        spilled += [(path, duplicate_paths) for path in parsed.spilled]
        result.quarantined.extend(
            {"source": q.source, "snapshot_date": snapshot, "file_path": q.file_path, "location": q.location,
             "rule": q.rule, "raw_value": q.raw_value}
            for q in parsed.quarantined if q.file_path not in duplicate_paths
        )
        spilled_kept = sum(n for path, n in parsed.spilled_rows.items() if path not in duplicate_paths)
        result.rows_by_date[snapshot.isoformat()] = (
            result.rows_by_date.get(snapshot.isoformat(), 0) + offers.num_rows + spilled_kept)
        if offers.num_rows:
            tables.append(offers)
        if log is not None:
            log(f"{source} {snapshot}: {offers.num_rows} offers, {len(failed)} failed files")
    data = add_part_keys(pa.concat_tables(tables) if tables else _empty_offers())
    data = data.append_column("loaded_at", pa.array([loaded_at] * data.num_rows, pa.timestamp("us")))
    # Replace every (source, date) of the window except the unchanged ones, which keep their rows.
    kept = pa.table({"source": [s for s, _ in result.unchanged],
                     "snapshot_date": pa.array([d for _, d in result.unchanged], pa.date32())})
    window_sql = ("snapshot_date between ? and ? and (source, snapshot_date) not in "
                  "(select source, snapshot_date from unchanged_partitions)")
    source_list = ", ".join("?" for _ in sources) or "null"
    conn.register("unchanged_partitions", kept)
    try:
        with transaction(conn):
            ensure_log_tables(conn)
            replace_rows(conn, table, data, f"source in ({source_list}) and {window_sql}", [*sources, *window])
            if spilled:
                # Big broker exports: DuckDB streams the Parquet and spills past this limit, so the load's
                # memory stays bounded whatever the file size (PARTRISK_LOAD_MEMORY_LIMIT, default 512MB).
                conn.execute(f"set memory_limit = '{os.environ.get('PARTRISK_LOAD_MEMORY_LIMIT', '512MB')}'")
            for path, skip in spilled:
                conn.execute(
                    f"""insert into {table} by name
                        select *, cast(? as timestamp) as loaded_at from read_parquet(?)
                        where file_path not in (select unnest(?::varchar[]))""",
                    [loaded_at, path, skip])
            if sources:
                _write_logs(conn, sources, f"({window_sql}) or snapshot_date is null", window, result.files,
                            result.quarantined, loaded_at)
    finally:
        conn.unregister("unchanged_partitions")
        if spilled:
            conn.execute("reset memory_limit")
        shutil.rmtree(spill_dir, ignore_errors=True)
    return result


def _previous_loads(
    conn: duckdb.DuckDBPyConnection, table: str, sources: list[str], window: list[date]
) -> dict[tuple[str, date], set[tuple[str, str]]]:
    """(source, date) -> the files and hashes it was loaded from, for partitions that loaded cleanly
    with the current parser and still have their rows (PARTRISK_FORCE_RELOAD=1 reloads everything)."""
    schema, name = table.split(".")
    if (os.environ.get("PARTRISK_FORCE_RELOAD") or not sources or not table_exists(conn, schema, name)
            or not table_exists(conn, "raw", "load_log")):
        return {}
    ensure_log_tables(conn)
    marks = ", ".join("?" for _ in sources)
    rows = conn.execute(
        f"""select log.source, log.snapshot_date, log.file_path, log.file_sha256
            from raw.load_log as log
            where log.source in ({marks}) and log.snapshot_date between ? and ?
              and log.snapshot_date in (select distinct snapshot_date from {table} where source = log.source)
              and (log.source, log.snapshot_date) not in (
                  select source, snapshot_date from raw.load_log
                  where source in ({marks}) and snapshot_date between ? and ?
                    and (status not in ('loaded', 'duplicate') or parser_fingerprint is distinct from ?))""",
        [*sources, *window, *sources, *window, parser_fingerprint()],
    ).fetchall()
    previous: dict[tuple[str, date], set[tuple[str, str]]] = {}
    for source, snapshot, path, sha in rows:
        previous.setdefault((source, snapshot), set()).add((path, sha))
    return previous

"""Source registry and `parse_snapshot`: one `feeds/<source>/<YYYY-MM-DD>/` folder -> SnapshotParse.

Landing layout: `<landing_root>/feeds/<source>/<YYYY-MM-DD>/*.json[.gz]` for the registry sources and
`<landing_root>/feeds/<broker>/mapping.yml` + `<landing_root>/feeds/<broker>/<YYYY-MM-DD>/*.csv[.gz]`
for broker/ERP exports. Adding a source = one parser module and one line in `MODULES`, or one mapping.

File-level failures (the file becomes a FailedFile; the other files still load):
- larger than the JSON limit (default 100 MB, env PARTRISK_MAX_JSON_BYTES, or the `max_json_bytes`
  argument), checked on disk and, for gzip, on the decompressed size;
- empty or whitespace-only file; gzip that does not decompress;
- not valid UTF-8 (reason names the line and byte, and charset-normalizer's guess); UTF-8/16/32 BOMs are
  accepted;
- invalid or truncated JSON (reason includes the json error line/column);
- top level not an object, unknown shape, API error payload (raised by the parser as FeedFileError);
- anything else a reader or parser raises (JSON nested too deeply, a CSV field over the csv module's
  limit, a bug): the file fails with the exception named, never the source or the date.
"""

from __future__ import annotations

import gzip
import json
import os
from datetime import date
from pathlib import Path

import polars as pl
import pyarrow as pa

from orchestration.csvfile import guess_encoding
from orchestration.landing import outside_landing
from orchestration.settings import env_bytes

from . import broker_csv, common, digikey, lcsc, mouser, nexar, tme
from .records import FailedFile, FeedFileError, QuarantinedRow, SnapshotParse

# Each source module walks its files into raw records for the one rule set (common.py, rules.py).
MODULES = {"digikey": digikey, "mouser": mouser, "nexar": nexar, "tme": tme, "lcsc": lcsc}
SOURCES: tuple[str, ...] = tuple(MODULES)
# The raw table of each source; broker CSVs of every mapping share one. dbt's union of the feeds and its
# source list name the same tables (tests/test_feeds_registry.py holds them to this list).
FEED_TABLES: tuple[str, ...] = (*(f"offers_{name}" for name in SOURCES), "offers_broker")

MAPPING_FILE = "mapping.yml"
# Date folders of one source read together by `parse_snapshots` (raw_load's unit of work).
FOLDERS_PER_READ = 32
DEFAULT_MAX_JSON_BYTES = 100 * 1024 * 1024
MAX_JSON_BYTES_ENV = "PARTRISK_MAX_JSON_BYTES"


def _mapping_path(folder: Path) -> Path | None:
    folder = Path(folder)
    for candidate in (folder / MAPPING_FILE, folder.parent / MAPPING_FILE):
        if candidate.is_file():
            return candidate
    return None


def snapshot_files(folder: Path | str, *, broker: bool = False) -> list[Path]:
    """The files of one date folder that a parser reads, sorted by name (hidden files ignored)."""
    folder = Path(folder)
    suffixes = (".csv", ".csv.gz") if broker else (".json", ".json.gz")
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name.lower().endswith(suffixes)
    )


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n} bytes"


def read_json_bytes(path: Path, *, file_path: str, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise FeedFileError(
            file_path, f"file too large: {_mb(size)} over the {_mb(max_bytes)} limit ({MAX_JSON_BYTES_ENV})"
        )
    if path.name.endswith(".gz"):
        try:
            with gzip.open(path, "rb") as fh:
                data = fh.read(max_bytes + 1)
        except (OSError, EOFError) as e:
            raise FeedFileError(file_path, f"cannot decompress gzip file: {e}") from e
        if len(data) > max_bytes:
            raise FeedFileError(
                file_path,
                f"file too large: decompresses to more than {_mb(max_bytes)} ({MAX_JSON_BYTES_ENV})",
            )
        return data
    return path.read_bytes()


class _DuplicateKeys(dict):
    """A JSON object that wrote a key twice; `duplicates` keeps every (key, values in order)."""

    duplicates: list[tuple[str, list]]


def _object_hook(found: list):
    def pairs_to_dict(pairs: list[tuple[str, object]]) -> dict:
        obj = dict(pairs)
        if len(obj) == len(pairs):
            return obj
        flagged = _DuplicateKeys(obj)
        values: dict[str, list] = {}
        for key, value in pairs:
            values.setdefault(key, []).append(value)
        flagged.duplicates = [(key, vals) for key, vals in values.items() if len(vals) > 1]
        found.append(flagged)
        return flagged

    return pairs_to_dict


def duplicate_keys(payload: object, path: str = "$") -> list[tuple[str, str]]:
    """(JSON path, "key: first, then last") for every object that wrote a key twice. The last value is
    the one read (as every JSON reader does); both are kept in quarantine.rows."""
    out: list[tuple[str, str]] = []
    stack = [(payload, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, _DuplicateKeys):
            out += [(where, f"{key}: " + ", then ".join(json.dumps(v)[:200] for v in vals) + " (the last is read)")
                    for key, vals in node.duplicates]
        if isinstance(node, dict):
            stack += [(v, f"{where}.{k}") for k, v in node.items() if isinstance(v, dict | list)]
        elif isinstance(node, list):
            stack += [(v, f"{where}[{i}]") for i, v in enumerate(node) if isinstance(v, dict | list)]
    return sorted(out)


def decode_json(data: bytes, *, file_path: str, duplicates: list | None = None) -> object:
    """Bytes -> JSON value, with FeedFileError reasons for empty / non-UTF-8 / invalid / truncated files."""
    if not data.strip():
        raise FeedFileError(file_path, "empty file" if not data else "empty file (whitespace only)")
    encoding = "utf-8"
    if data.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        encoding = "utf-32"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    try:
        doc = data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        best = guess_encoding(data[: 1 << 16])
        guess = f"; charset-normalizer guesses {best}" if best else ""
        raise FeedFileError(
            file_path,
            f"not valid UTF-8 at line {line} (byte 0x{data[e.start]:02x} at offset {e.start}){guess}",
        ) from None
    try:
        return json.loads(doc, object_pairs_hook=_object_hook(duplicates if duplicates is not None else []))
    except json.JSONDecodeError as e:
        truncated = e.pos >= len(doc.rstrip())
        kind = "truncated JSON (unexpected end of data)" if truncated else "invalid JSON"
        raise FeedFileError(file_path, f"{kind}: {e.msg} at line {e.lineno} column {e.colno}") from None


def unexpected_reason(error: BaseException) -> str:
    """A failure no reader rule names, in words: the exception's kind and message, never a traceback."""
    if isinstance(error, RecursionError):
        return "JSON nested too deeply to read (Python's recursion limit)"
    message = str(error).strip().splitlines()[0][:300] if str(error).strip() else ""
    if type(error).__name__ == "Error" and "field larger than field limit" in message:
        return f"a CSV field is larger than the csv module's limit ({message})"
    return f"could not be read: {type(error).__name__}" + (f": {message}" if message else "")


def failure_reason(error: BaseException) -> str:
    """Why a file failed: a FeedFileError's own reason, else `unexpected_reason`."""
    return error.reason if isinstance(error, FeedFileError) else unexpected_reason(error)


def _relative(path: Path, landing_root: Path) -> str:
    try:
        return Path(os.path.relpath(path, landing_root)).as_posix()
    except ValueError:
        return path.as_posix()


def _default_landing_root(folder: Path) -> Path:
    # <landing_root>/feeds/<source>/<date>
    if folder.parent.parent.name == "feeds":
        return folder.parent.parent.parent
    return folder.parent.parent


def parse_snapshot(
    source: str,
    folder: Path | str,
    snapshot_date: date | None = None,
    landing_root: Path | str | None = None,
    *,
    max_json_bytes: int | None = None,
    spill=None,
) -> SnapshotParse:
    """Parse every file of one `feeds/<source>/<YYYY-MM-DD>/` folder.

    `snapshot_date` defaults to the folder name; `landing_root` (for the relative `file_path`s) defaults
    to the folder above `feeds/`. The offers are one OFFER_SCHEMA table for every source. A broker CSV can instead
    stream its batches to `spill` (an object with open_file(file_path), write(table), close_file(ok):
    see orchestration.warehouse.raw_load.BatchSpill), so a file of any size loads in bounded memory.
    Files are not hashed here: raw_load hashes them once, for its load log and to skip unchanged folders.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"snapshot folder {folder} does not exist")
    if snapshot_date is None:
        snapshot_date = date.fromisoformat(folder.name)
    root = Path(landing_root) if landing_root is not None else _default_landing_root(folder)
    mapping_path = _mapping_path(folder)
    if mapping_path is not None:
        return _parse_broker(source, folder, snapshot_date, root, mapping_path, spill)
    if source not in SOURCES:
        raise ValueError(
            f"unknown feed source {source!r}: not in registry.SOURCES ({', '.join(SOURCES)}) and no {MAPPING_FILE}"
        )
    limit = max_json_bytes if max_json_bytes is not None else env_bytes(MAX_JSON_BYTES_ENV, DEFAULT_MAX_JSON_BYTES)
    result = SnapshotParse(source=source, snapshot_date=snapshot_date)
    _parse_with_rules(source, _accept_files(source, snapshot_files(folder), root, result), snapshot_date, limit, result)
    return result


def _accept_files(source: str, paths: list[Path], root: Path, result: SnapshotParse) -> list[tuple[Path, str]]:
    """The files a parser may read, with their landing-relative paths; a link out of the landing tree fails
    alone."""
    accepted: list[tuple[Path, str]] = []
    for path in paths:
        rel = _relative(path, root)
        refused = outside_landing(path, root)
        if refused is not None:
            result.failed_files.append(FailedFile(source, rel, refused))
            continue
        accepted.append((path, rel))
    return accepted


def parse_snapshots(
    source: str, folders: list[Path], landing_root: Path | str | None = None, *,
    max_json_bytes: int | None = None,
) -> list[SnapshotParse]:
    """`parse_snapshot` of several date folders of one source, with the same results. Where the source's
    shape allows it, DuckDB reads every file of every folder in one query and the rules run once: a query
    and a rule pass cost about the same for one folder as for fifty."""
    folders = [Path(f) for f in folders]
    module = MODULES.get(source)
    read_folder = getattr(module, "read_folder", None)
    if read_folder is None or len(folders) < 2 or any(_mapping_path(f) is not None for f in folders):
        return [parse_snapshot(source, f, None, landing_root, max_json_bytes=max_json_bytes) for f in folders]
    limit = max_json_bytes if max_json_bytes is not None else env_bytes(MAX_JSON_BYTES_ENV, DEFAULT_MAX_JSON_BYTES)
    results, accepted, dates, folder_of = [], [], [], {}
    for i, folder in enumerate(folders):
        root = Path(landing_root) if landing_root is not None else _default_landing_root(folder)
        result = SnapshotParse(source=source, snapshot_date=date.fromisoformat(folder.name))
        folder_files = _accept_files(source, snapshot_files(folder), root, result)
        results.append(result)
        folder_of.update((rel, i) for _, rel in folder_files)
        accepted += folder_files
        dates += [result.snapshot_date] * len(folder_files)
    fast = read_folder([p for p, _ in accepted], [rel for _, rel in accepted], limit, dates)
    if fast is None:
        return [parse_snapshot(source, f, None, landing_root, max_json_bytes=max_json_bytes) for f in folders]
    table, q = common.apply_rules(module, *fast, source=source, snapshot_date=None)
    # the offers come in file order, so each folder's rows are one slice of the table
    runs = pl.from_arrow(table.select(["snapshot_date"]))["snapshot_date"].rle() if table.num_rows else None
    slices, start = {}, 0
    for day, length in (runs.struct.unnest().select("value", "len").iter_rows() if runs is not None else ()):
        slices[day] = table.slice(start, length)
        start += length
    quarantined = q.rows()
    for i, result in enumerate(results):
        if result.snapshot_date in slices:
            result.table = slices[result.snapshot_date]
        result.quarantined = [row for row in quarantined if folder_of.get(row.file_path) == i]
    return results


def _decode_files(source: str, accepted: list[tuple[Path, str]], limit: int, result: SnapshotParse
                  ) -> list[tuple[str, object]]:
    """Each file decoded (duplicate keys quarantined); a file that cannot be read fails alone."""
    payloads: list[tuple[str, object]] = []
    for path, rel in accepted:
        flagged: list = []
        try:
            payload = decode_json(read_json_bytes(path, file_path=rel, max_bytes=limit), file_path=rel,
                                  duplicates=flagged)
            if not isinstance(payload, dict):
                raise FeedFileError(
                    rel, f"unknown shape: top level is a JSON {type(payload).__name__}, expected an object"
                )
        except Exception as e:  # noqa: BLE001 - whatever a file does, it fails alone
            result.failed_files.append(FailedFile(source, rel, failure_reason(e)))
            continue
        if flagged:
            result.quarantined += [QuarantinedRow(source, rel, where, "duplicate_json_key", values)
                                   for where, values in duplicate_keys(payload)]
        payloads.append((rel, payload))
    return payloads


def _parse_with_rules(source: str, accepted: list[tuple[Path, str]], snapshot_date: date, limit: int,
                      result: SnapshotParse) -> None:
    """The folder's raw records, read by DuckDB where the source's shape allows it (else decoded and walked
    file by file), through the one rule set."""
    module = MODULES[source]
    read_folder = getattr(module, "read_folder", None)
    fast = read_folder([p for p, _ in accepted], [rel for _, rel in accepted], limit) if read_folder else None
    try:
        if fast is not None:
            table, q = common.apply_rules(module, *fast, source=source, snapshot_date=snapshot_date)
        else:
            payloads = _decode_files(source, accepted, limit, result)
            table, q, failed = common.parse_with_rules(module, payloads, source=source, snapshot_date=snapshot_date)
            result.failed_files += [FailedFile(source, rel, failure_reason(e)) for rel, e in failed]
    except Exception as e:  # noqa: BLE001 - the folder's files fail together, the other dates load
        failed_now = {f.file_path for f in result.failed_files}
        result.failed_files += [FailedFile(source, rel, unexpected_reason(e)) for _, rel in accepted
                                if rel not in failed_now]
        return
    result.table = table
    result.quarantined.extend(q.rows())


def _parse_broker(source: str, folder: Path, snapshot_date: date, root: Path, mapping_path: Path, spill
                  ) -> SnapshotParse:
    result = SnapshotParse(source=source, snapshot_date=snapshot_date)
    files = snapshot_files(folder, broker=True)
    try:
        mapping = broker_csv.load_mapping(mapping_path)
    except broker_csv.MappingError as e:
        targets = [_relative(p, root) for p in files] or [_relative(mapping_path, root)]
        result.failed_files.extend(FailedFile(source, rel, f"{MAPPING_FILE}: {e}") for rel in targets)
        return result
    tables = []
    for path, rel in _accept_files(source, files, root, result):
        if spill is not None:
            spill.open_file(rel)
        try:
            table, quarantined = broker_csv.parse_file_to_arrow(
                path, mapping, source=source, file_path=rel, snapshot_date=snapshot_date,
                sink=spill.write if spill is not None else None,
            )
        except Exception as e:  # noqa: BLE001 - whatever a file does, it fails alone
            if spill is not None:
                spill.close_file(ok=False)  # a failed file leaves no partial rows behind
            result.failed_files.append(FailedFile(source, rel, failure_reason(e)))
            continue
        if spill is not None:
            spill.close_file(ok=True)
        else:
            tables.append(table)
        result.quarantined.extend(quarantined)
    if tables:
        result.table = pa.concat_tables(tables)
    return result

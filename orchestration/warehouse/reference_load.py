"""Loading the present-state landing files: plan, inventory and reference tables.

One loader and a table of specs: each file is read with all columns as text (staging casts), with its
physical line number, and the part keys where the file names a part. A missing required column is a
clear error naming the file and the columns found; a missing optional file loads as an empty table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from orchestration.csvfile import CsvFileError, read_rows
from orchestration.partkey import AliasCycleError, resolve_aliases
from orchestration.policy import POLICY_FILE, PlanPolicy, load_policy, policy_table
from orchestration.warehouse.connection import replace_rows, table_exists, transaction
from orchestration.warehouse.raw_load import add_part_keys, ensure_log_tables, now_utc


class LandingFileError(ValueError):
    """A present-state landing file cannot be used; the message names the file and the reason."""


@dataclass(frozen=True)
class ReferenceSpec:
    table: str
    path: str  # relative to the landing root
    columns: tuple[str, ...]
    optional: bool = False
    part_keys: tuple[tuple[str, str, str], ...] = ()  # (mpn column, manufacturer column, key prefix)
    manufacturer_keys: tuple[str, ...] = ()
    description: str = ""
    optional_columns: tuple[str, ...] = ()  # loaded as null when the file does not have them


REFERENCE_SPECS: tuple[ReferenceSpec, ...] = (
    ReferenceSpec("products", "plan/products.csv", ("product", "description", "unit_price", "unit_margin"),
                  description="Products with their unit price and unit margin."),
    ReferenceSpec("demand", "plan/demand.csv", ("product", "week_start", "units"),
                  description="The weekly demand plan per product."),
    ReferenceSpec("open_orders", "plan/open_orders.csv", ("mpn", "manufacturer", "quantity", "due_date"),
                  optional=True, optional_columns=("supplier", "po"), part_keys=(("mpn", "manufacturer", ""),),
                  description="Purchase orders placed and not yet received: quantity and due date per part."),
    ReferenceSpec("on_hand", "inventory/on_hand.csv", ("mpn", "manufacturer", "quantity"),
                  part_keys=(("mpn", "manufacturer", ""),), description="On-hand stock per part."),
    ReferenceSpec("manufacturer_sites", "reference/manufacturer_sites.csv",
                  ("manufacturer", "site_country", "site_kind", "capacity_share"),
                  manufacturer_keys=("manufacturer",),
                  description="Where each manufacturer fabricates (wafer_fab) and packages (assembly_test)."),
    ReferenceSpec("part_sites", "reference/part_sites.csv", ("mpn", "manufacturer", "site_country", "site_kind"),
                  optional=True, part_keys=(("mpn", "manufacturer", ""),),
                  description="Per-part site overrides of manufacturer_sites."),
    ReferenceSpec("alternates", "reference/alternates.csv", ("mpn", "manufacturer", "alt_mpn", "alt_manufacturer", "fit"),
                  part_keys=(("mpn", "manufacturer", ""), ("alt_mpn", "alt_manufacturer", "alt_")),
                  description="Qualified or candidate alternates (fit: fff | functional)."),
    ReferenceSpec("fx_rates", "reference/fx_rates.csv", ("rate_date", "currency", "usd_rate"), optional=True,
                  description="Currency rates (USD per unit) extending the built-in seed."),
    ReferenceSpec("watchlist", "reference/watchlist.csv", ("mpn", "manufacturer"), optional=True,
                  part_keys=(("mpn", "manufacturer", ""),),
                  description="Extra parts to pull every night besides the BOM parts and their alternates."),
)

ALIAS_SPEC = ReferenceSpec("manufacturer_aliases", "reference/manufacturer_aliases.csv", ("alias", "manufacturer"),
                           optional=True, description="Manufacturer aliases extending the built-in table.")


def read_landing_csv(
    path: Path, columns: tuple[str, ...], landing: Path, optional_columns: tuple[str, ...] = ()
) -> pl.DataFrame:
    """All columns as text, names trimmed and lower-cased, with file_path and line_number (the physical
    line). Read by orchestration.csvfile; a record with more non-empty fields than the header fails the
    file with its line, since its extra values would otherwise be lost."""
    relative = str(path.relative_to(landing))
    try:
        parsed = read_rows(path)
    except CsvFileError as error:
        raise LandingFileError(f"{relative}: {error}") from error
    records = [row for row in parsed.rows if row.cells]
    if not records:
        raise LandingFileError(f"{relative}: the file is empty")
    header, body = records[0].cells, records[1:]
    width = len(header)
    for row in body:
        if any(cell.strip() for cell in row.cells[width:]):
            raise LandingFileError(
                f"{relative}: line {row.source_row} has {len(row.cells)} fields, the header has {width}; "
                "an unquoted delimiter inside a value?")
    names = _column_names(header)
    frame = pl.DataFrame(
        {name: [(row.cells[i] or None) if i < len(row.cells) else None for row in body]
         for i, name in enumerate(names)},
        schema={name: pl.String for name in names},
    ).with_columns(pl.Series("line_number", [row.source_row for row in body], dtype=pl.Int64))
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LandingFileError(
            f"{relative}: missing required column(s) {', '.join(missing)}; found {', '.join(names) or 'none'}"
        )
    return frame.select(
        *[pl.col(c).str.strip_chars() for c in columns],
        *[pl.col(c).str.strip_chars() if c in frame.columns else pl.lit(None, pl.String).alias(c)
          for c in optional_columns],
        pl.lit(relative).alias("file_path"),
        "line_number",
    )


def _column_names(header: list[str]) -> list[str]:
    """Trimmed, lower-cased header names; a repeated name gets a suffix so that no column is dropped."""
    names: list[str] = []
    for cell in header:
        name = cell.strip().lower()
        names.append(name if name not in names else f"{name}_duplicated_{names.count(name)}")
    return names


def load_reference(conn: duckdb.DuckDBPyConnection, landing: Path, spec: ReferenceSpec) -> int:
    """Replace raw.<table> with the landing file's rows; returns the row count."""
    path = landing / spec.path
    columns = spec.columns + spec.optional_columns
    if path.is_file():
        frame = read_landing_csv(path, spec.columns, landing, spec.optional_columns)
    elif spec.optional:
        frame = pl.DataFrame({c: [] for c in columns}, schema={c: pl.String for c in columns}).with_columns(
            pl.lit(None, pl.String).alias("file_path"), pl.lit(None, pl.Int64).alias("line_number"))
    else:
        raise LandingFileError(f"{spec.path}: required landing file is missing under {landing}")
    table = frame.to_arrow()
    for mpn_column, maker_column, prefix in spec.part_keys:
        table = add_part_keys(table, mpn_column, maker_column, prefix)
    for maker_column in spec.manufacturer_keys:
        from orchestration.partkey import manufacturer_key

        keys = [manufacturer_key(v) for v in table.column(maker_column).to_pylist()]
        table = table.append_column("manufacturer_key", pa.array(keys, pa.string()))
    return replace_table(conn, f"raw.{spec.table}", table, now_utc())


def load_plan_policy(conn: duckdb.DuckDBPyConnection, landing: Path) -> PlanPolicy:
    """Replace raw.plan_policy with plan/policy.yml (validated; defaults where absent) as one row."""
    policy = load_policy(landing)
    write_plan_policy(conn, policy, POLICY_FILE if (landing / POLICY_FILE).is_file() else None)
    return policy


def write_plan_policy(conn: duckdb.DuckDBPyConnection, policy: PlanPolicy, file_path: str | None) -> None:
    table = pa.table(policy_table(policy)).append_column("file_path", pa.array([file_path], pa.string()))
    replace_table(conn, "raw.plan_policy", table, now_utc())


def load_manufacturer_aliases(conn: duckdb.DuckDBPyConnection, landing: Path) -> int:
    """raw.manufacturer_aliases: one row per spelling key with its canonical maker, chains resolved
    (``partkey.resolve_aliases``: the built-in table plus reference/manufacturer_aliases.csv, which wins).

    A cycle in the user's file is a LandingFileError naming its rows; the table then holds the built-in
    aliases only, so the keys stay consistent and the failure is reported with the file."""
    path = landing / ALIAS_SPEC.path
    extra: list[tuple[str, str, str]] = []
    if path.is_file():
        frame = read_landing_csv(path, ALIAS_SPEC.columns, landing)
        extra = [(a, m, f"{ALIAS_SPEC.path} line {n}")
                 for a, m, n in frame.select("alias", "manufacturer", "line_number").iter_rows() if a and m]
    try:
        rows, error = resolve_aliases(extra), None
    except AliasCycleError as cycle:
        rows, error = resolve_aliases(), LandingFileError(f"{ALIAS_SPEC.path}: {cycle}")
    table = pa.table({
        "alias": [r.alias for r in rows],
        "alias_key": [r.alias_key for r in rows],
        "manufacturer": [r.manufacturer for r in rows],
        "alias_origin": [r.origin for r in rows],
        "resolution": [r.resolution for r in rows],
    })
    count = replace_table(conn, "raw.manufacturer_aliases", table, now_utc())
    if error is not None:
        raise error
    return count


def replace_table(conn: duckdb.DuckDBPyConnection, table: str, data: pa.Table, loaded_at: datetime) -> int:
    data = data.append_column("loaded_at", pa.array([loaded_at] * data.num_rows, pa.timestamp("us")))
    with transaction(conn):
        conn.execute(f"drop table if exists {table}")
        replace_rows(conn, table, data, "true", [])
    return data.num_rows


BOM_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm")


def bom_files(landing: Path) -> list[Path]:
    folder = landing / "boms"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in BOM_SUFFIXES)


def load_boms(conn: duckdb.DuckDBPyConnection, landing: Path) -> tuple[list[dict], list[dict]]:
    """Read every BOM in boms/, replace raw.bom_lines and raw.bom_files.

    A BOM that cannot be read is a report row with status `failed` and its reason; the other BOMs
    load. Returns (reports, failures).
    """
    from orchestration.boms import BomFormatError, bom_lines_to_arrow, load_override, read_bom

    line_tables: list[pa.Table] = []
    reports: list[dict] = []
    failures: list[dict] = []
    for path in bom_files(landing):
        relative = str(path.relative_to(landing))
        try:
            parsed = read_bom(path, override=load_override(path))
        except (BomFormatError, LandingFileError, ValueError, OSError) as error:
            failures.append({"file_path": relative, "reason": str(error)})
            reports.append({"product": path.stem, "file_path": relative, "status": "failed", "reason": str(error),
                            "report_json": None})
            continue
        lines = bom_part_keys(bom_lines_to_arrow(parsed.lines))
        lines = lines.append_column("file_path", pa.array([relative] * lines.num_rows, pa.string()))
        line_tables.append(lines)
        reports.append({"product": parsed.product, "file_path": relative, "status": "loaded",
                        "reason": "; ".join(parsed.problems) or None,
                        # relative to the landing root, so the warehouse does not depend on where it lives
                        "report_json": json.dumps({**parsed.report, "file": relative}, default=str, sort_keys=True)})
    if line_tables:
        lines_table = pa.concat_tables(line_tables)
    else:
        lines_table = bom_part_keys(bom_lines_to_arrow([])).append_column("file_path", pa.array([], pa.string()))
    loaded_at = now_utc()
    replace_table(conn, "raw.bom_lines", lines_table, loaded_at)
    report_table = pa.Table.from_pylist(reports, schema=pa.schema([
        ("product", pa.string()), ("file_path", pa.string()), ("status", pa.string()), ("reason", pa.string()),
        ("report_json", pa.string())]))
    replace_table(conn, "raw.bom_files", report_table, loaded_at)
    ensure_log_tables(conn)
    conn.execute("delete from raw.load_log where source = 'boms' and snapshot_date is null")
    for report in reports:
        log_present_state_load(conn, "boms", report["file_path"], 0 if report["status"] == "failed" else None,
                               report["reason"] if report["status"] == "failed" else None)
    return reports, failures


def bom_part_keys(lines: pa.Table) -> pa.Table:
    """The spelling keys raw.part_keys is looked up with (the reader already added manufacturer_key)."""
    lines = add_part_keys(lines, "mpn_raw", None)
    return add_part_keys(lines, "alt_mpn_raw", None, "alt_")


def ensure_empty_reference(conn: duckdb.DuckDBPyConnection, spec: ReferenceSpec) -> None:
    """After a failed read, keep the previous table; create an empty one if there never was one."""
    if table_exists(conn, "raw", spec.table):
        return
    columns = ", ".join(f"{c} varchar" for c in spec.columns + spec.optional_columns)
    keys = "".join(f", {prefix}mpn_key varchar, {prefix}manufacturer_key varchar" for _, _, prefix in spec.part_keys)
    keys += ", manufacturer_key varchar" if spec.manufacturer_keys else ""
    conn.execute(f"create table raw.{spec.table} ({columns}, file_path varchar, line_number bigint{keys}, loaded_at timestamp)")


def log_present_state_load(
    conn: duckdb.DuckDBPyConnection, source: str, file_path: str, rows: int | None, error: str | None
) -> None:
    """One raw.load_log row per present-state file (snapshot_date is null: these files are undated)."""
    ensure_log_tables(conn)
    conn.execute("delete from raw.load_log where source = ? and snapshot_date is null and file_path = ?",
                 [source, file_path])
    if rows is None and error is None:
        return
    conn.execute(
        "insert into raw.load_log values (?, null, ?, null, ?, ?, 0, ?, ?, null)",
        [source, file_path, "failed" if error else "loaded", rows or 0, error, now_utc()],
    )


def bom_reports_markdown(reports: list[dict]) -> str:
    """The per-BOM ingestion report as a Markdown table (the Dagster asset's metadata)."""
    lines = ["| BOM | status | format | encoding | lines | designators | DNP | with MPN | problems |",
             "|---|---|---|---|---|---|---|---|---|"]
    for report in reports:
        detail = json.loads(report["report_json"]) if report.get("report_json") else {}
        problems = (report.get("reason") or "").replace("|", "/")[:200]
        lines.append(
            f"| {report['product']} | {report['status']} | {detail.get('format', '')} | {detail.get('encoding', '')} "
            f"| {detail.get('lines', '')} | {detail.get('designators', '')} | {detail.get('dnp_lines', '')} "
            f"| {detail.get('lines_with_mpn', '')} | {problems} |")
    return "\n".join(lines)

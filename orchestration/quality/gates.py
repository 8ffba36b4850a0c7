"""The quality gates: fetch the run's batch from the warehouse, validate it with its GX suite, act on it.

One function per guarded table, free of Dagster (orchestration/defs/quality.py wraps them in asset
checks; the tests call them directly). GX guards what arrives from outside: the raw tables and the
Polars features; dbt tests guard the models (docs/quality_and_bi.md). A batch is only what the run
produced: the partition range's rows of a dated table, or the present-state table the run reloaded.
Its cost stays flat as history grows.

Raw gates also *act*: a raw row that fails a row-level expectation is moved to quarantine.rows
(orchestration/warehouse/quarantine.py) with its rule and raw value, so the layers above never see it
and nothing is lost. The check then reports how many rows were kept and how many were quarantined.
"""

from __future__ import annotations

import csv
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb

from orchestration import settings
from orchestration.quality.runner import ROW_ID, ValidationOutcome, validate_batch
from orchestration.warehouse.connection import table_exists
from orchestration.warehouse.quarantine import QuarantineRow, clear_present_state, move_to_quarantine


@dataclass
class GateResult:
    suite: str
    outcome: ValidationOutcome | None
    rows_checked: int = 0
    rows_quarantined: int = 0
    quarantined_by_rule: dict[str, int] = field(default_factory=dict)
    skipped: str | None = None  # why nothing was validated (table not built yet, no rows in the window)
    extra: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.outcome is None or self.outcome.passed

    @property
    def has_warnings(self) -> bool:
        return bool(self.outcome and self.outcome.warnings) or self.rows_quarantined > 0

    def metadata(self) -> dict:
        meta = {"suite": self.suite, "rows_checked": self.rows_checked,
                "rows_kept": self.rows_checked - self.rows_quarantined, "rows_quarantined": self.rows_quarantined,
                "quarantined_by_rule": dict(self.quarantined_by_rule), **self.extra}
        if self.skipped:
            meta["skipped"] = self.skipped
        if self.outcome is not None:
            meta["statistics"] = self.outcome.statistics
            meta["failed_expectations"] = self.outcome.summary()
            meta["gx_result"] = self.outcome.result_json
        return meta


def _window(dates: list[date]) -> list[date]:
    return [min(dates), max(dates)]


def known_currencies(conn: duckdb.DuckDBPyConnection) -> list[str]:
    """Currencies with a USD rate: the dbt seed fx_rates_builtin plus raw.fx_rates."""
    seed = settings.DBT_PROJECT_DIR / "seeds" / "fx_rates_builtin.csv"
    known = {"USD"}
    if seed.is_file():
        with seed.open(newline="") as handle:
            known |= {row["currency"].strip().upper() for row in csv.DictReader(handle) if row.get("currency")}
    if table_exists(conn, "raw", "fx_rates"):
        known |= {r[0].strip().upper() for r in conn.execute(
            "select distinct currency from raw.fx_rates where currency is not null").fetchall()}
    return sorted(known)


# ----------------------------------------------------------------------------------------------- raw


def _quarantine_failures(outcome: ValidationOutcome, frame, make_row) -> list[QuarantineRow]:
    by_id = frame.set_index(ROW_ID, drop=False)
    moved: dict[tuple[int, str], QuarantineRow] = {}  # one quarantine row per raw row and rule
    for failure in outcome.failed_expectations:
        if not failure.row_level or not failure.rule or not failure.row_ids:
            continue
        for rowid in failure.row_ids:
            if (int(rowid), failure.rule) not in moved:
                moved[(int(rowid), failure.rule)] = make_row(int(rowid), by_id.loc[rowid], failure)
    return list(moved.values())


def _raw_value(record, failure) -> str | None:
    column = next((c for c in (failure.raw_column, failure.column) if c and c in record.index), None)
    if column is None:
        return None
    value = record[column]
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _finish_raw(result: GateResult, table: str, conn, frame, outcome, make_row) -> GateResult:
    """Move the failing rows, then report the gate as passed for what remains (a WARN when rows moved)."""
    moved = _quarantine_failures(outcome, frame, make_row)
    result.rows_quarantined = move_to_quarantine(conn, table, moved)
    result.quarantined_by_rule = dict(Counter(row.rule for row in moved))
    # A row-level failure is resolved by the move; only table-level errors (contract, types) remain errors.
    remaining = [f for f in outcome.failed_expectations if not (f.row_level and f.row_ids)]
    outcome.passed = not any(f.severity == "error" for f in remaining)
    return result


def _feed_frame(conn: duckdb.DuckDBPyConnection, table: str, types: dict[str, str], currencies: list[str],
                dates: list[date]):
    """The run's rows of one raw.offers_<source> table, with the derived columns the feed suite reads."""
    from orchestration.quality import suites

    plain = [c for c in types if c not in ("price_breaks", "snapshot_date")]
    sql = f"""
        select rowid as {ROW_ID}, {', '.join(plain)},
               cast(snapshot_date as varchar) as snapshot_date,
               regexp_extract(file_path, '(^|/)(\\d{{4}}-\\d{{2}}-\\d{{2}})/', 2) as folder_date,
               cast(list_min(list_transform(price_breaks, lambda b: b.unit_price)) as double) as min_unit_price,
               array_to_string(list_transform(price_breaks, lambda b: b.price_raw), ' | ') as prices_raw,
               list_filter(list_transform(price_breaks, lambda b: b.currency),
                           lambda c: not list_contains(?::varchar[], c))[1] as break_currency
        from {table} where snapshot_date between ? and ?"""
    frame = conn.execute(sql, [currencies, *_window(dates)]).df()
    # The type contract is the warehouse column's type: pandas turns an integer column with a null (a
    # negative stock nulled by its row rule, a mapping without MOQ) into floats.
    for column in suites.TYPED_FEED_COLUMNS:
        frame[f"{column}_column_type"] = types.get(column)
    if "folder_date" in frame:
        frame.loc[frame["folder_date"] == "", "folder_date"] = None
    return frame


def gate_raw_feeds(conn: duckdb.DuckDBPyConnection, tables: list[str], dates: list[date]) -> dict[str, GateResult]:
    """Every raw.offers_<source> table of the run (contract, types and row rules; failing rows quarantined),
    validated as one batch: one GX run, a result per table.

    Tables whose columns have the same types share a batch (the loader gives every feed the same
    schema); a table that breaks the contract differs, so it is validated alone and fails alone.
    """
    from orchestration.quality import suites  # GX loads on first use, not with the definitions

    currencies = known_currencies(conn)
    day_names = [d.isoformat() for d in dates]
    results: dict[str, GateResult] = {}
    batches: dict[tuple, dict[str, object]] = {}  # column types -> {table: its frame}
    for table in tables:
        name = table.split(".")[-1]
        results[table] = GateResult(f"raw.{name}", None)
        if not table_exists(conn, "raw", name):
            results[table].skipped = f"{table} does not exist yet"
            continue
        types = dict(conn.execute(
            "select column_name, data_type from information_schema.columns where table_schema = 'raw' "
            "and table_name = ? order by ordinal_position", [name]).fetchall())
        batches.setdefault(tuple(types.items()), {})[table] = _feed_frame(conn, table, types, currencies, dates)
    for frames in batches.values():
        batch_name = next(iter(frames)).split(".")[-1] if len(frames) == 1 else "offers"
        suite = suites.raw_feed_suite(batch_name.removeprefix("offers_"), currencies, day_names)
        batch, owners = _one_batch(frames)
        for table, outcome in _split_outcome(validate_batch("raw", batch_name, batch, suite), batch, owners).items():
            frame, result = frames[table], results[table]
            result.rows_checked, result.outcome = len(frame), outcome

            def make_row(rowid, record, failure):
                # The partition a row belongs to is its file's date folder (a reload of that partition replaces it).
                folder = record.get("folder_date")
                snapshot = date.fromisoformat(folder if isinstance(folder, str) and folder else record["snapshot_date"])
                return QuarantineRow(rowid, record["source"], snapshot, record["file_path"], record.get("record_path"),
                                     failure.rule, _raw_value(record, failure))

            _finish_raw(result, table, conn, frame, outcome, make_row)
    return results


def _one_batch(frames: dict[str, object]):
    """The frames stacked into one, renumbered by ROW_ID; owners[i] = (table, its own ROW_ID) of row i."""
    import pandas as pd

    owners = [(table, rowid) for table, frame in frames.items() for rowid in frame[ROW_ID].tolist()]
    batch = pd.concat(list(frames.values()), ignore_index=True) if len(frames) > 1 else next(iter(frames.values())).copy()
    batch[ROW_ID] = range(len(batch))
    return batch, owners


def _split_outcome(outcome: ValidationOutcome, batch, owners: list[tuple[str, object]]) -> dict[str, ValidationOutcome]:
    """One batch's outcome as each table's own: its failing rows (by its own ROW_ID), counts and statistics.

    A failure that names no rows (a table-level expectation) belongs to every table of the batch.
    """
    import copy

    tables = list(dict.fromkeys(table for table, _ in owners))
    rows = {table: sum(1 for owner, _ in owners if owner == table) for table in tables}
    evaluated = int(outcome.statistics.get("evaluated_expectations", 0))
    split: dict[str, ValidationOutcome] = {}
    for table in tables:
        failed = []
        for failure in outcome.failed_expectations:
            if failure.index_ids:
                mine = [i for i in failure.index_ids if owners[int(i)][0] == table]
                if not mine:
                    continue
                failure = copy.copy(failure)
                own_ids = [owners[int(i)][1] for i in mine]
                failure.index_ids = own_ids
                failure.row_ids = own_ids if failure.row_ids else []
                failure.unexpected_count = len(mine)
                failure.unexpected_percent = 100.0 * len(mine) / rows[table] if rows[table] else None
                if failure.column in batch.columns:
                    failure.partial_unexpected = batch[failure.column].iloc[mine[:20]].tolist()
            failed.append(failure)
        statistics = {**outcome.statistics, "successful_expectations": evaluated - len(failed),
                      "unsuccessful_expectations": len(failed),
                      "success_percent": 100.0 * (evaluated - len(failed)) / evaluated if evaluated else None}
        result_json = outcome.result_json if len(tables) == 1 else {
            "validated_as_one_batch": tables, "statistics": statistics, "results": [f.as_dict() for f in failed]}
        split[table] = ValidationOutcome(passed=not any(f.severity == "error" for f in failed), statistics=statistics,
                                         failed_expectations=failed, result_json=result_json, rows=rows[table])
    return split


def feed_sources_of(conn: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    name = table.split(".")[-1]
    if name != "offers_broker":
        return [name.removeprefix("offers_")]
    from orchestration.feeds.registry import SOURCES

    if not table_exists(conn, "raw", "load_log"):
        return []
    rows = conn.execute("select distinct source from raw.load_log where snapshot_date is not null").fetchall()
    return sorted(r[0] for r in rows if r[0] not in SOURCES)


def volume_frame(conn: duckdb.DuckDBPyConnection, table: str, dates: list[date]):
    """Per source and run date: rows in the raw table, the trailing 7-day median and their ratio."""
    import pandas as pd

    name = table.split(".")[-1]
    first, last = _window(dates)
    sources = feed_sources_of(conn, table)
    counts: dict[tuple[str, date], int] = {}
    if table_exists(conn, "raw", name):
        for source, day, rows in conn.execute(
            f"select source, snapshot_date, count(*) from {table} where snapshot_date between ? and ? group by all",
            [first - timedelta(days=7), last],
        ).fetchall():
            counts[(source, day)] = rows
    logged: set[tuple[str, date]] = set()
    if sources and table_exists(conn, "raw", "load_log"):
        marks = ", ".join("?" for _ in sources)
        logged = {(s, d) for s, d in conn.execute(
            f"select distinct source, snapshot_date from raw.load_log where source in ({marks}) "
            "and snapshot_date between ? and ?", [*sources, first, last]).fetchall()}
    logged |= {(s, d) for (s, d) in counts if first <= d <= last}
    records = []
    for source, day in sorted(logged):
        history = [counts[(source, day - timedelta(days=n))] for n in range(1, 8)
                   if (source, day - timedelta(days=n)) in counts]
        median = statistics.median(history) if history else None
        rows = counts.get((source, day), 0)
        records.append({"source": source, "snapshot_date": day.isoformat(), "rows": rows,
                        "trailing_median": median, "trailing_days": len(history),
                        "ratio_to_median": (rows / median) if median else None})
    return pd.DataFrame.from_records(records, columns=["source", "snapshot_date", "rows", "trailing_median",
                                                       "trailing_days", "ratio_to_median"])


def gate_raw_volumes(conn: duckdb.DuckDBPyConnection, tables: list[str], dates: list[date],
                     threshold: float | None = None) -> dict[str, GateResult]:
    """Row count per source and day of every feed table against its trailing 7-day median: a shrink over the
    threshold is a WARN. One batch (one GX run), a result per table."""
    from orchestration.quality import suites  # GX loads on first use, not with the definitions

    threshold = suites.shrink_threshold() if threshold is None else threshold
    results: dict[str, GateResult] = {}
    frames = {}
    for table in tables:
        frame = volume_frame(conn, table, dates)
        results[table] = GateResult("raw.volume", None, rows_checked=len(frame))
        if frame.empty:
            results[table].skipped = "no snapshot of this table in the run"
            continue
        frame.insert(0, ROW_ID, range(len(frame)))
        frames[table] = frame
        shrunk = frame[frame["ratio_to_median"].notna() & (frame["ratio_to_median"] < 1 - threshold)]
        results[table].extra = {"threshold": threshold, "days_shrunk": [
            f"{r.source} {r.snapshot_date}: {r.rows} rows vs median {r.trailing_median:g}" for r in shrunk.itertuples()]}
    if frames:
        batch, owners = _one_batch(frames)
        outcome = validate_batch("raw", "volume", batch, suites.raw_volume_suite(threshold))
        for table, own in _split_outcome(outcome, batch, owners).items():
            results[table].outcome = own
    return results


PRESENT_STATE = {
    # table -> (load_log source, suite name, extra select columns)
    "bom_lines": ("boms", "bom_lines", ""),
    "products": ("products", "products", ", try_cast(unit_price as double) as unit_price_num, "
                                          "try_cast(unit_margin as double) as unit_margin_num"),
    "demand": ("demand", "demand", ", cast(try_cast(week_start as date) as varchar) as week_start_date, "
                                    "try_cast(units as double) as units_num"),
    "on_hand": ("on_hand", "on_hand", ", try_cast(quantity as double) as quantity_num"),
    "open_orders": ("open_orders", "open_orders", ", try_cast(quantity as double) as quantity_num, "
                                                  "cast(try_cast(due_date as date) as varchar) as due_date_date"),
    "manufacturer_sites": ("manufacturer_sites", "manufacturer_sites",
                           ", try_cast(capacity_share as double) as capacity_share_num"),
    "part_sites": ("part_sites", "part_sites", ""),
    "alternates": ("alternates", "alternates", ""),
    "fx_rates": ("fx_rates", "fx_rates", ", upper(trim(currency)) as currency_upper, "
                                          "cast(try_cast(rate_date as date) as varchar) as rate_date_date, "
                                          "try_cast(usd_rate as double) as usd_rate_num"),
}


def gate_present_state(conn: duckdb.DuckDBPyConnection, table: str) -> GateResult:
    """A BOM / plan / inventory / reference table (replaced whole on each load): failing rows quarantined."""
    from orchestration.quality import suites  # GX loads on first use, not with the definitions

    source, suite_name, extra = PRESENT_STATE[table]
    result = GateResult(f"raw.{suite_name}", None)
    if not table_exists(conn, "raw", table):
        result.skipped = f"raw.{table} does not exist yet"
        return result
    columns = [r[0] for r in conn.execute(
        "select column_name from information_schema.columns where table_schema = 'raw' and table_name = ?",
        [table]).fetchall()]
    select_cols = ", ".join(c for c in columns if c != "loaded_at")
    line = "line_number" if "line_number" in columns and table != "bom_lines" else None
    location = f"'line ' || {line}" if line else ("'line ' || source_row" if "source_row" in columns else "null")
    frame = conn.execute(f"select rowid as {ROW_ID}, {select_cols}, {location} as _location{extra} from raw.{table}").df()
    files = sorted({f for f in frame["file_path"].dropna().unique()}) if "file_path" in frame else []
    for file_path in files or [None]:
        clear_present_state(conn, f"raw.{table}", source, file_path)
    result.rows_checked = len(frame)
    if frame.empty:
        result.skipped = f"raw.{table} is empty"
        return result
    if table == "fx_rates":
        from orchestration.feeds.text import ISO_CURRENCIES

        suite = suites.raw_fx_rates_suite(ISO_CURRENCIES)
    else:
        suite = suites.build_suite("raw", suite_name)
    outcome = validate_batch("raw", suite_name, frame, suite)
    result.outcome = outcome

    def make_row(rowid, record, failure):
        return QuarantineRow(rowid, source, None, record.get("file_path"), record.get("_location"), failure.rule,
                             _raw_value(record, failure))

    return _finish_raw(result, f"raw.{table}", conn, frame, outcome, make_row)


# ------------------------------------------------------------------------------------------ features


def gate_features(conn: duckdb.DuckDBPyConnection, dates: list[date]) -> GateResult:
    from orchestration.quality import suites  # GX loads on first use, not with the definitions

    result = GateResult("features.part_trends_daily", None)
    if not table_exists(conn, "features", "part_trends_daily"):
        result.skipped = "features.part_trends_daily does not exist yet"
        return result
    cols = conn.execute("""select column_name, data_type from information_schema.columns
                           where table_schema = 'features' and table_name = 'part_trends_daily'""").fetchall()
    floats = [c for c, t in cols if t in ("DOUBLE", "FLOAT", "REAL")]
    nonfinite = ", ".join(f"case when not isfinite({c}) then '{c}' end" for c in floats) or "null"
    frame = conn.execute(f"""
        select * replace (cast(snapshot_date as varchar) as snapshot_date),
               nullif(concat_ws(',', {nonfinite}), '') as nonfinite_columns
        from features.part_trends_daily where snapshot_date between ? and ?""", _window(dates)).df()
    result.rows_checked = len(frame)
    result.outcome = validate_batch("features", "part_trends_daily", frame, suites.features_suite(frame.columns))
    return result


def gate_features_coverage(conn: duckdb.DuckDBPyConnection, dates: list[date]) -> GateResult:
    from orchestration.quality import suites  # GX loads on first use, not with the definitions

    result = GateResult("features.coverage", None)
    if not (table_exists(conn, "features", "part_trends_daily") and table_exists(conn, "staging", "stg_feeds__offers")):
        result.skipped = "features or staging not built yet"
        return result
    frame = conn.execute("""
        with listed as (
            select distinct snapshot_date, mpn, manufacturer from staging.stg_feeds__offers
            where snapshot_date between $1 and $2 and mpn is not null
        ),
        feature_rows as (
            select snapshot_date, mpn, manufacturer from features.part_trends_daily where snapshot_date between $1 and $2
        ),
        matched as (
            select listed.snapshot_date, count(*) as n from listed
            join feature_rows on feature_rows.snapshot_date = listed.snapshot_date and feature_rows.mpn = listed.mpn
                 and feature_rows.manufacturer is not distinct from listed.manufacturer
            group by all
        ),
        per_day as (select snapshot_date, count(*) as parts_listed from listed group by all),
        totals as (select snapshot_date, count(*) as feature_rows from feature_rows group by all)
        select cast(coalesce(per_day.snapshot_date, totals.snapshot_date) as varchar) as snapshot_date,
               coalesce(per_day.parts_listed, 0) as parts_listed,
               coalesce(matched.n, 0) as feature_rows_for_listed_parts,
               coalesce(totals.feature_rows, 0) as feature_rows
        from per_day
        full join totals on totals.snapshot_date = per_day.snapshot_date
        left join matched on matched.snapshot_date = per_day.snapshot_date
        order by 1""", _window(dates)).df()
    result.rows_checked = len(frame)
    if frame.empty:
        result.skipped = "no listed parts in the run's dates"
        return result
    result.outcome = validate_batch("features", "coverage", frame, suites.features_coverage_suite())
    return result

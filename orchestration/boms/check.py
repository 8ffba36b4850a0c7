"""`partrisk bom check`: one BOM against the latest market a warehouse holds, without writing to it.

The BOM is read with the same reader as a refresh. It is matched by the warehouse's own dbt views
(`staging.stg_boms__bom_lines` and `intermediate.int_bom_lines__matched`), re-created in an in-memory
database over this BOM's lines, so the check and a refresh match a line the same way. The warehouse
is attached read-only; every other relation those views read is a view onto it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.boms.reader import load_override, read_bom
from orchestration.boms.records import BomFormatError, bom_lines_to_arrow
from orchestration.errors import UserError, WarehouseUnreadable
from orchestration.warehouse.reference_load import bom_part_keys

WAREHOUSE_ALIAS = "warehouse"
# The views re-created over the checked BOM; everything else they read comes from the warehouse.
PART_KEYS = ("raw", "part_keys")  # rebuilt with the checked BOM's spellings keyed
BOM_RELATIONS = (("raw", "bom_lines"), ("staging", "stg_boms__bom_lines"), ("intermediate", "int_bom_lines__matched"))
MATCHED_VIEW = "intermediate.int_bom_lines__matched"

STRATEGY_ACTIONS = {
    "JIT": "buy as needed (Just-in-Time, no buffer)",
    "JIC": "hold a buffer (Just-in-Case); size in marts.buffer_plan",
    "DUAL_SOURCE": "qualify a second source",
    "LAST_TIME_BUY": "last-time buy: the part is ending",
}
BAND_ACTIONS = {
    "Critical": "find a second source or buffer it now",
    "High": "find a second source or buffer it",
    "Medium": "watch it",
    "Low": "buy as needed (Just-in-Time)",
}
UNMATCHED_ACTIONS = {
    "no_mpn": "add an MPN to the line",
    "ambiguous": "add the manufacturer: several makers list this MPN",
    "unmatched": "check the MPN and manufacturer spelling",
}


@dataclass
class CheckedLine:
    line_number: int
    refdes: str | None
    qty_per_unit: float
    is_dnp: bool
    mpn_raw: str | None
    manufacturer_raw: str | None
    match_method: str
    mpn: str | None
    manufacturer: str | None
    unmatched_reason: str | None
    risk_band: str | None
    risk_drivers: str | None
    strategy: str | None
    best_alternate: str | None
    last_buy_date: object
    distributors_in_stock: int | None

    @property
    def matched(self) -> bool:
        return self.mpn is not None

    def action(self) -> str:
        if not self.matched:
            return UNMATCHED_ACTIONS.get(self.match_method, UNMATCHED_ACTIONS["unmatched"])
        if self.strategy:
            action = STRATEGY_ACTIONS[self.strategy]
            if self.strategy == "DUAL_SOURCE" and self.best_alternate:
                action += f": {self.best_alternate}"
            if self.strategy == "LAST_TIME_BUY" and self.last_buy_date:
                action += f", last buy {self.last_buy_date}"
            return action
        if self.risk_band:
            return BAND_ACTIONS[self.risk_band]
        return "not scored yet: put the BOM in <landing>/boms/ and run `partrisk refresh` to score it"

    def band(self) -> str:
        if not self.matched:
            return "-"
        return self.risk_band or "not scored"

    def render(self) -> str:
        """One line: the line as written, how it matched, its band, what to do."""
        written = " ".join(v for v in (self.mpn_raw, f"({self.manufacturer_raw})" if self.manufacturer_raw else None)
                           if v) or f"[{self.refdes or 'no designator'}]"
        head = f"  {self.line_number:>3} {self.qty_per_unit:g}x{' DNP' if self.is_dnp else ''} {written}"
        if not self.matched:
            return f"{head}: not matched ({self.unmatched_reason}) | do: {self.action()}"
        drivers = f" ({self.risk_drivers})" if self.risk_band in ("High", "Critical") and self.risk_drivers else ""
        return (f"{head} -> {self.manufacturer} {self.mpn} [{self.match_method}] | {self.band()}{drivers} "
                f"| do: {self.action()}")


@dataclass
class BomCheck:
    file: Path
    product: str
    warehouse: Path
    market_date: object
    lines: list[CheckedLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return dict(Counter(line.band() if line.matched else "unmatched" for line in self.lines))

    def render(self) -> str:
        matched = sum(line.matched for line in self.lines)
        head = [f"BOM {self.file} (product {self.product}): {len(self.lines)} lines, {matched} matched to a part",
                f"market: {self.warehouse}, latest snapshot {self.market_date} (read-only, nothing written)",
                "line qty part as written -> part matched [how] | risk band | what to do"]
        head += [f"  note: {problem}" for problem in self.problems]
        body = [line.render() for line in self.lines]
        tally = ", ".join(f"{key}={count}" for key, count in sorted(self.counts().items()))
        return "\n".join([*head, *body, f"lines by band: {tally}"])


def check_bom(path: Path, warehouse: Path) -> BomCheck:
    """Read one BOM and match every line against the warehouse's latest market (read-only)."""
    path = Path(path)
    try:
        parsed = read_bom(path, override=load_override(path))
    except BomFormatError as error:
        raise UserError(str(error)) from None
    if not Path(warehouse).is_file():
        raise WarehouseUnreadable(f"no warehouse at {warehouse}: run `partrisk refresh` first (or `make demo`), "
                                  "or pass --warehouse")
    lines = bom_part_keys(bom_lines_to_arrow(parsed.lines))
    with _matching_connection(Path(warehouse), lines) as conn:
        market_date = conn.execute("select max(snapshot_date) from marts.part_risk").fetchall()[0][0]
        rows = conn.execute(_CHECK_SQL).fetchall()
    checked = [CheckedLine(*row) for row in rows]
    return BomCheck(path, parsed.product, Path(warehouse), market_date, checked, list(parsed.problems))


@contextmanager
def _matching_connection(warehouse: Path, lines) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB: the warehouse attached read-only, `lines` as raw.bom_lines, the matching views over them."""
    conn = duckdb.connect()
    try:
        quoted = "'" + str(warehouse).replace("'", "''") + "'"
        try:
            conn.execute(f"attach {quoted} as {WAREHOUSE_ALIAS} (read_only)")
        except duckdb.Error as error:
            raise WarehouseUnreadable(f"cannot open {warehouse} read-only ({str(error).splitlines()[0]})") from None
        _mirror(conn, warehouse, lines)
        yield conn
    finally:
        conn.close()


def _mirror(conn: duckdb.DuckDBPyConnection, warehouse: Path, lines) -> None:
    relations = conn.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ? "
        "union all select schema_name, view_name from duckdb_views() where database_name = ? "
        "and not internal", [WAREHOUSE_ALIAS, WAREHOUSE_ALIAS]).fetchall()
    present = set(relations)
    missing = [f"{s}.{t}" for s, t in (*BOM_RELATIONS[1:], ("marts", "part_risk"), ("marts", "buffer_plan"))
               if (s, t) not in present]
    if missing:
        raise UserError(f"{warehouse} holds no published market yet ({', '.join(missing)} missing): "
                        "run `partrisk refresh` on a landing tree with feeds first")
    for schema in sorted({s for s, _ in relations}):
        conn.execute(f'create schema if not exists "{schema}"')
    for schema, name in relations:
        if (schema, name) not in (*BOM_RELATIONS, PART_KEYS):
            conn.execute(f'create view "{schema}"."{name}" as select * from {WAREHOUSE_ALIAS}."{schema}"."{name}"')
    conn.register("checked_bom_lines", lines)
    conn.execute("create table raw.bom_lines as select *, cast(null as varchar) as file_path from checked_bom_lines")
    _key_new_spellings(conn)
    for schema, name in BOM_RELATIONS[1:]:
        sql = conn.execute("select sql from duckdb_views() where database_name = ? and schema_name = ? "
                           "and view_name = ?", [WAREHOUSE_ALIAS, schema, name]).fetchall()[0][0]
        conn.execute(sql)


def _key_new_spellings(conn: duckdb.DuckDBPyConnection) -> None:
    """raw.part_keys as the warehouse has it, plus this BOM's spellings it has not seen, keyed by the same rule."""
    from orchestration.warehouse.part_keys import PART_KEYS_SCHEMA, part_key_rows, resolved_aliases

    conn.execute(f"create table raw.part_keys as select * from {WAREHOUSE_ALIAS}.raw.part_keys")
    spellings = conn.execute("""
        with spelled as (
            select mpn_key, manufacturer_key, manufacturer_raw from raw.bom_lines
            union all
            select alt_mpn_key, coalesce(alt_manufacturer_key, manufacturer_key),
                   coalesce(alt_manufacturer_raw, manufacturer_raw)
            from raw.bom_lines
        )
        select mpn_key, manufacturer_key, min(manufacturer_raw) from spelled
        where mpn_key is not null and not exists (
            select 1 from raw.part_keys as known
            where known.mpn_key = spelled.mpn_key and known.manufacturer_key is not distinct from spelled.manufacturer_key)
        group by mpn_key, manufacturer_key""").fetchall()
    if spellings:
        conn.register("new_part_keys", pa.Table.from_pylist(part_key_rows(spellings, resolved_aliases(conn)),
                                                             schema=PART_KEYS_SCHEMA))
        conn.execute("insert into raw.part_keys by name select * from new_part_keys")


_CHECK_SQL = f"""
with
matched as (
    select * from {MATCHED_VIEW}
),
latest_risk as (
    select * from marts.part_risk
),
plan as (
    select * from marts.buffer_plan
),
latest_features as (
    select mpn, manufacturer, distributors_in_stock
    from features.part_trends_daily
    where snapshot_date = (select max(snapshot_date) from features.part_trends_daily)
)
select
    matched.line_number,
    matched.refdes,
    matched.qty_per_unit,
    matched.is_dnp,
    matched.mpn_raw,
    matched.manufacturer_raw,
    matched.match_method,
    matched.mpn,
    matched.manufacturer,
    matched.unmatched_reason,
    latest_risk.risk_band,
    latest_risk.risk_drivers,
    plan.strategy,
    case when plan.best_alternate_mpn is not null
        then plan.best_alternate_mpn || ' (' || plan.best_alternate_manufacturer || ')' end,
    coalesce(plan.last_buy_date, latest_risk.last_buy_date),
    coalesce(latest_risk.distributors_in_stock, latest_features.distributors_in_stock)
from matched
left join latest_risk on latest_risk.mpn = matched.mpn and latest_risk.manufacturer = matched.manufacturer
left join plan on plan.mpn = matched.mpn and plan.manufacturer = matched.manufacturer
left join latest_features on latest_features.mpn = matched.mpn and latest_features.manufacturer = matched.manufacturer
order by matched.line_number
"""

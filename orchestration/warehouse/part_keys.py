"""The re-key step: raw.part_keys maps every spelling the raw layer holds to the part's key, and why.

Raw load stores spelling keys only (``partkey.basic_mpn`` and ``partkey.manufacturer_key``), which do
not depend on the alias table. This step joins them to the resolved aliases (raw.manufacturer_aliases)
and applies the canonical maker's packaging-suffix rules, so an alias change re-keys every partition on
the next refresh without parsing a landing file again. Staging looks the keys up here.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from orchestration.feeds.registry import FEED_TABLES
from orchestration.partkey import key_part, resolve_aliases
from orchestration.warehouse.connection import table_exists
from orchestration.warehouse.raw_load import now_utc
from orchestration.warehouse.reference_load import REFERENCE_SPECS, replace_table


@dataclass(frozen=True)
class KeyedColumns:
    """Where a raw table keeps one part's spelling keys (SQL expressions over that table)."""

    table: str
    mpn_key: str = "mpn_key"
    manufacturer_key: str = "manufacturer_key"
    manufacturer_raw: str = "manufacturer_raw"


KEYED_TABLES: tuple[KeyedColumns, ...] = (
    *(KeyedColumns(table) for table in FEED_TABLES),
    KeyedColumns("bom_lines"),
    # a BOM alternate without its own maker is the primary maker's (as the BOM reader reads it)
    KeyedColumns("bom_lines", "alt_mpn_key", "coalesce(alt_manufacturer_key, manufacturer_key)",
                 "coalesce(alt_manufacturer_raw, manufacturer_raw)"),
    *(KeyedColumns(spec.table, f"{prefix}mpn_key", f"{prefix}manufacturer_key", maker_column)
      for spec in REFERENCE_SPECS for _mpn_column, maker_column, prefix in spec.part_keys),
)

PART_KEYS_SCHEMA = pa.schema([
    ("mpn_key", pa.string()), ("manufacturer_key", pa.string()), ("mpn", pa.string()),
    ("manufacturer", pa.string()), ("manufacturer_is_known", pa.bool_()), ("manufacturer_resolution", pa.string()),
    ("mpn_rule", pa.string()),
])


def _spellings(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None, str | None]]:
    """Distinct (mpn_key, manufacturer_key, first raw maker spelling) over every keyed raw table."""
    selects = [
        f"select {c.mpn_key} as mpn_key, {c.manufacturer_key} as manufacturer_key, "
        f"nullif(trim({c.manufacturer_raw}), '') as manufacturer_raw from raw.{c.table}"
        for c in KEYED_TABLES if table_exists(conn, "raw", c.table)
    ]
    if not selects:
        return []
    return conn.execute(
        f"""with spelled as ({' union all '.join(selects)})
            select mpn_key, manufacturer_key, min(manufacturer_raw) over (partition by manufacturer_key)
            from (select distinct * from spelled where mpn_key is not null)
            qualify row_number() over (partition by mpn_key, manufacturer_key order by manufacturer_raw) = 1"""
    ).fetchall()


def resolved_aliases(conn: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """alias_key -> (canonical maker, how it resolved): the warehouse's table, else the built-in one."""
    if table_exists(conn, "raw", "manufacturer_aliases"):
        rows = conn.execute("select alias_key, manufacturer, resolution from raw.manufacturer_aliases").fetchall()
    else:
        rows = [(a.alias_key, a.manufacturer, a.resolution) for a in resolve_aliases()]
    return {key: (manufacturer, resolution) for key, manufacturer, resolution in rows}


def part_key_rows(spellings, aliases: dict[str, tuple[str, str]]) -> list[dict]:
    """One row per spelling pair: the canonical maker (an unknown maker keeps its first spelling, so
    every spelling with one manufacturer_key shares one name) and the MPN after that maker's rules."""
    rows = []
    for mpn_key, maker_key, maker_raw in spellings:
        if maker_key in aliases:
            manufacturer, resolution = aliases[maker_key]
            known = True
        elif maker_key is None:
            manufacturer, known, resolution = None, False, "no manufacturer written"
        else:
            manufacturer, known = maker_raw, False
            resolution = f"unknown manufacturer: kept as written ({maker_raw})"
        mpn, mpn_rule = key_part(mpn_key, manufacturer, known)
        rows.append({"mpn_key": mpn_key, "manufacturer_key": maker_key, "mpn": mpn, "manufacturer": manufacturer,
                     "manufacturer_is_known": known, "manufacturer_resolution": resolution, "mpn_rule": mpn_rule})
    return rows


def rekey(conn: duckdb.DuckDBPyConnection) -> int:
    """Replace raw.part_keys from the raw tables and the resolved aliases; returns its row count."""
    rows = part_key_rows(_spellings(conn), resolved_aliases(conn))
    return replace_table(conn, "raw.part_keys", pa.Table.from_pylist(rows, schema=PART_KEYS_SCHEMA), now_utc())

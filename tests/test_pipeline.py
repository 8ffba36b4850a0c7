"""End to end: a small simulated market through the Dagster refresh job into a temporary warehouse.

The warehouse is built once per session (tests/conftest.py `built_warehouse`); these tests read it.
"""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest

from orchestration import landing as landing_tree
from tests.conftest import REFRESH_ENV, BuiltWarehouse, refreshed_warehouse

pytestmark = pytest.mark.slow

FEED_TABLES = ["offers_digikey", "offers_mouser", "offers_nexar", "offers_tme", "offers_broker"]


def test_refresh_succeeds_and_loads_every_source(built_warehouse):
    outcome = built_warehouse.outcome
    assert outcome.success, outcome.render()
    assert outcome.failed_inputs == [], outcome.failed_inputs
    sources = landing_tree.feed_sources(built_warehouse.landing)
    assert {"digikey", "mouser", "nexar"} <= set(sources)
    for table in FEED_TABLES:
        source = table.removeprefix("offers_")
        if source == "broker":
            expected = [s for s in sources if landing_tree.is_broker_source(built_warehouse.landing, s)]
        else:
            expected = [source] if source in sources else []
        (rows,) = built_warehouse.query(f"select count(*) from raw.{table}")[0]
        assert (rows > 0) == bool(expected), (table, rows, expected)


def test_every_snapshot_folder_is_a_loaded_partition(built_warehouse):
    landing = built_warehouse.landing
    for source in ("digikey", "mouser", "nexar"):
        folders, bad = landing_tree.snapshot_folders(landing, source)
        assert not bad
        loaded = {row[0] for row in built_warehouse.query(
            f"select distinct snapshot_date from raw.offers_{source}")}
        assert loaded == set(folders), source


def test_raw_rows_carry_lineage(built_warehouse):
    rows = built_warehouse.query(
        """select count(*) from raw.offers_mouser
           where source is null or file_path is null or snapshot_date is null or loaded_at is null
              or record_path is null""")
    assert rows[0][0] == 0
    (path, snapshot) = built_warehouse.query(
        "select file_path, snapshot_date from raw.offers_mouser order by file_path limit 1")[0]
    assert path.startswith(f"feeds/mouser/{snapshot.isoformat()}/")


def test_staging_offer_grain_is_unique_and_typed(built_warehouse):
    duplicates = built_warehouse.query(
        """select count(*) from (select snapshot_date, source, distributor, sku from staging.stg_feeds__offers
           group by all having count(*) > 1)""")
    assert duplicates[0][0] == 0
    statuses = {r[0] for r in built_warehouse.query("select distinct lifecycle_status from staging.stg_feeds__offers")}
    assert statuses <= {"Active", "NRND", "EOL", "Obsolete", "Unknown"}
    assert "Active" in statuses


def test_staging_keeps_every_raw_offer_once(built_warehouse):
    raw = built_warehouse.query(
        "select count(*) from (select distinct snapshot_date, source, distributor, sku from ("
        + " union all ".join(f"select snapshot_date, source, distributor, sku from raw.{t}" for t in FEED_TABLES)
        + "))")[0][0]
    staged = built_warehouse.query("select count(*) from staging.stg_feeds__offers")[0][0]
    # Aliased distributor names can only merge rows, never create them.
    assert 0 < staged <= raw


def test_duplicate_listing_counted_once(built_warehouse):
    """Nexar lists DigiKey as a seller: on days DigiKey's own feed delivered, those rows are duplicates."""
    rows = built_warehouse.query(
        """select count(*) filter (where is_duplicate_listing), count(*) filter (where not is_duplicate_listing)
           from staging.stg_feeds__offers where source = 'nexar' and distributor = 'DigiKey'""")
    duplicates, kept = rows[0]
    assert duplicates > 0
    own_feed_days = {r[0] for r in built_warehouse.query("select distinct snapshot_date from raw.offers_digikey")}
    kept_days = {r[0] for r in built_warehouse.query(
        """select distinct snapshot_date from staging.stg_feeds__offers
           where source = 'nexar' and distributor = 'DigiKey' and not is_duplicate_listing""")}
    assert not (kept_days & own_feed_days)


def test_prices_converted_to_usd_with_the_rate_kept(built_warehouse):
    rows = built_warehouse.query(
        """select currency, count(*), count(unit_price_usd), min(usd_rate), max(usd_rate)
           from staging.stg_feeds__price_breaks group by currency""")
    by_currency = {r[0]: r[1:] for r in rows}
    assert "USD" in by_currency
    for currency, (count, converted, low, high) in by_currency.items():
        assert converted == count, f"{currency}: {count - converted} breaks without a rate"
        assert low > 0 and high > 0
    if "EUR" in by_currency:
        assert 1.0 < by_currency["EUR"][2] < 1.3


def test_part_key_unifies_manufacturer_spellings(built_warehouse):
    rows = built_warehouse.query(
        """select manufacturer, count(distinct manufacturer_raw) from staging.stg_feeds__offers
           group by manufacturer having count(distinct manufacturer_raw) > 1""")
    assert rows, "the simulator names manufacturers differently per distributor; staging must unify them"
    unknown = built_warehouse.query(
        "select count(*) from staging.stg_feeds__offers where not manufacturer_is_known")[0][0]
    total = built_warehouse.query("select count(*) from staging.stg_feeds__offers")[0][0]
    assert unknown / total < 0.01


def test_bom_lines_matched_to_feed_parts(built_warehouse):
    rows = built_warehouse.query(
        """select match_method, count(*) from intermediate.int_bom_lines__matched group by 1""")
    methods = dict(rows)
    matched = sum(n for m, n in methods.items() if m not in ("unmatched", "no_mpn", "ambiguous"))
    assert matched / sum(methods.values()) > 0.9, methods
    report = built_warehouse.query("select product, status, lines from marts.bom_ingest_report")
    assert report and all(status == "loaded" and lines > 0 for _, status, lines in report)


def test_features_cover_every_snapshot_date(built_warehouse):
    feature_dates = {r[0] for r in built_warehouse.query("select distinct snapshot_date from features.part_trends_daily")}
    offer_dates = set(landing_tree.snapshot_dates(built_warehouse.landing))
    assert offer_dates <= feature_dates


def test_rematerializing_a_partition_is_idempotent(built_warehouse, tmp_path):
    """One night run again (`partrisk refresh --date D`) on a copy: no duplicates, no drift, in any layer."""
    landing = built_warehouse.landing
    snapshot = landing_tree.snapshot_dates(landing)[20]
    tables = ["raw.offers_digikey", "raw.offers_mouser", "raw.offers_nexar", "raw.load_log",
              "staging.stg_feeds__offers", "staging.stg_feeds__price_breaks", "features.part_trends_daily"]

    def fingerprint(warehouse: BuiltWarehouse):
        out = {}
        for table in tables:
            columns = [r[0] for r in warehouse.query(
                "select column_name from information_schema.columns where table_schema = ? and table_name = ?"
                " and column_name not in ('loaded_at') order by column_name", table.split("."))]
            out[table] = warehouse.query(
                f"select count(*), sum(hash({', '.join(columns)})) from {table}")[0]
        return out

    shutil.copy(built_warehouse.warehouse, tmp_path / "partrisk.duckdb")
    again = refreshed_warehouse(tmp_path, landing, (*REFRESH_ENV, "PARTRISK_LANDING", "PARTRISK_WAREHOUSE"), snapshot)
    assert again.outcome.success, again.outcome.render()
    assert fingerprint(again) == fingerprint(built_warehouse)


def test_truth_json_names_the_events(built_warehouse):
    truth = json.loads((built_warehouse.landing / "truth.json").read_text())
    kinds = {event["kind"] for event in truth["events"]}
    assert {"export_restriction", "shortage", "lead_time_stretch"} <= kinds
    restriction = next(e for e in truth["events"] if e["kind"] == "export_restriction")
    assert date.fromisoformat(restriction["start"]).year == 2025 and restriction["parts"]

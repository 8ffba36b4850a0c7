"""The feed parsers read every file the market simulator writes, in every source, with zero failed files."""

from __future__ import annotations

import gzip
import json
from datetime import date
from pathlib import Path

import pytest

from orchestration import landing as landing_tree
from orchestration.feeds import registry
from orchestration.feeds.records import OFFER_SCHEMA
from tests.feed_offers import offers_of

simulate_module = pytest.importorskip(
    "orchestration.simulate", reason="orchestration.simulate is not available"
)
if not hasattr(simulate_module, "simulate"):  # pragma: no cover - depends on the simulator's progress
    pytest.skip("orchestration.simulate has no simulate() yet", allow_module_level=True)


@pytest.fixture(scope="module", params=[False, True], ids=["plain", "gzip"])
def sim_tree(request, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sim") / "landing"
    simulate_module.simulate(
        out, parts=40, distributors=8, days=2, start=date(2025, 10, 13), seed=7, compress=request.param
    )
    return out


def test_every_simulated_source_parses_without_failures(sim_tree):
    sources = landing_tree.feed_sources(sim_tree)
    assert {"digikey", "mouser", "nexar", "tme"} <= set(sources)
    assert any(landing_tree.is_broker_source(sim_tree, s) for s in sources)
    for source in sources:
        days = sorted(landing_tree.snapshot_folders(sim_tree, source)[0])
        assert days == [date(2025, 10, 13), date(2025, 10, 14)], source
        for day in days:
            result = registry.parse_snapshot(
                source, sim_tree / "feeds" / source / day.isoformat(), day, sim_tree
            )
            assert result.failed_files == [], (source, day, result.failed_files)
            assert result.table.num_rows > 0, (source, day)
            table = result.table
            assert table.schema == OFFER_SCHEMA
            assert set(table["snapshot_date"].to_pylist()) == {day}
            assert all(
                p.startswith(f"feeds/{source}/{day.isoformat()}/") for p in table["file_path"].to_pylist()
            )
            assert None not in table["mpn_raw"].to_pylist()


def test_simulated_mouser_values_match_the_json(sim_tree):
    """Cross-check against the raw JSON: stock equals AvailabilityInStock and break quantities carry over."""
    folder = sim_tree / "feeds" / "mouser" / "2025-10-13"
    result = registry.parse_snapshot("mouser", folder, date(2025, 10, 13), sim_tree)
    by_sku = {o.sku: o for o in offers_of(result)}
    checked = 0
    for path in registry.snapshot_files(folder):
        if path.name.endswith(".gz"):
            payload = json.loads(gzip.decompress(path.read_bytes()))
        else:
            payload = json.loads(path.read_text(encoding="utf-8"))
        for part in payload["SearchResults"]["Parts"]:
            offer = by_sku[part["MouserPartNumber"]]
            if part.get("AvailabilityInStock"):
                assert offer.stock == int(part["AvailabilityInStock"])
            assert [b.quantity for b in offer.price_breaks] == sorted(
                int(b["Quantity"]) for b in part["PriceBreaks"]
            )
            assert all(b.unit_price > 0 for b in offer.price_breaks)
            assert {b.currency for b in offer.price_breaks} <= {b["Currency"] for b in part["PriceBreaks"]}
            checked += 1
    assert checked == len(offers_of(result)) > 0

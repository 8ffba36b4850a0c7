"""The benchmark's staged-offer generator (bench/staged_market.py): the staging grain, straight from the market model."""

from __future__ import annotations

from datetime import date

from bench.staged_market import simulate_staged_offers


def test_staged_offer_grain_small():
    offers, prices = simulate_staged_offers(40, 5, 3, date(2025, 10, 11), 5)
    assert offers.height > 0 and prices.height > 0
    assert set(offers["source"].unique()) >= {"digikey", "mouser", "nexar", "tme"}
    dup = offers.filter(offers["is_duplicate_listing"])
    assert set(dup["distributor"].unique()) <= {"DigiKey", "Mouser"} and set(dup["source"].unique()) == {"nexar"}
    assert offers.columns[:4] == ["snapshot_date", "source", "distributor", "sku"]
    assert (prices["unit_price_usd"] > 0).all()

"""Small hand-made staging frames for the trend-feature tests."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

OFFER_SCHEMA = {
    "snapshot_date": pl.Date,
    "source": pl.String,
    "distributor": pl.String,
    "sku": pl.String,
    "stock_pool": pl.String,
    "mpn": pl.String,
    "manufacturer": pl.String,
    "category": pl.String,
    "stock": pl.Int64,
    "moq": pl.Int64,
    "order_multiple": pl.Int64,
    "packaging": pl.String,
    "lead_time_days": pl.Int32,
    "lifecycle_status": pl.String,
    "last_buy_date": pl.Date,
    "currency": pl.String,
    "is_authorized": pl.Boolean,
    "is_broker": pl.Boolean,
    "is_duplicate_listing": pl.Boolean,
}
PRICE_BREAK_SCHEMA = {
    "snapshot_date": pl.Date,
    "source": pl.String,
    "distributor": pl.String,
    "sku": pl.String,
    "quantity": pl.Int64,
    "unit_price_usd": pl.Float64,
}

D0 = date(2025, 1, 1)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def offer(
    n: int,
    *,
    mpn: str = "P1",
    manufacturer: str = "Acme",
    distributor: str = "Mouser",
    sku: str | None = None,
    stock_pool: str | None = None,
    stock: int | None = 1000,
    lead_time_days: int | None = 42,
    lifecycle_status: str = "Active",
    last_buy_date: date | None = None,
    is_authorized: bool = True,
    is_broker: bool = False,
    is_duplicate_listing: bool = False,
    source: str | None = None,
) -> dict:
    sku = sku or f"{distributor}-{mpn}"
    return {
        "snapshot_date": day(n),
        "source": source or distributor.lower(),
        "distributor": distributor,
        "sku": sku,
        "stock_pool": stock_pool or sku,
        "mpn": mpn,
        "manufacturer": manufacturer,
        "category": "MOSFET",
        "stock": stock,
        "moq": 1,
        "order_multiple": 1,
        "packaging": "Cut Tape",
        "lead_time_days": lead_time_days,
        "lifecycle_status": lifecycle_status,
        "last_buy_date": last_buy_date,
        "currency": "USD",
        "is_authorized": is_authorized,
        "is_broker": is_broker,
        "is_duplicate_listing": is_duplicate_listing,
    }


def breaks(n: int, prices: dict[int, float], **offer_kwargs) -> list[dict]:
    """Price-break rows for the SKU that `offer(n, **offer_kwargs)` describes."""
    o = offer(n, **offer_kwargs)
    return [
        {
            "snapshot_date": o["snapshot_date"],
            "source": o["source"],
            "distributor": o["distributor"],
            "sku": o["sku"],
            "quantity": q,
            "unit_price_usd": p,
        }
        for q, p in prices.items()
    ]


def frames(offers: list[dict], price_breaks: list[dict] | None = None) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    return (
        pl.DataFrame(offers, schema=OFFER_SCHEMA).lazy(),
        pl.DataFrame(price_breaks or [], schema=PRICE_BREAK_SCHEMA).lazy(),
    )


def random_history(seed: int, *, parts: int = 4, days: int = 150) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """A messy history: feed gaps, delistings, shared pools, duplicates, brokers, spikes, status changes."""
    import random

    rng = random.Random(seed)
    statuses = ["Active", "Active", "Active", "NRND", "EOL", "Obsolete", "Unknown"]
    sellers = ["DigiKey", "Mouser", "Arrow", "Farnell"]
    offers: list[dict] = []
    price_rows: list[dict] = []
    for p in range(parts):
        mpn = f"P{p}"
        first = rng.randrange(0, days // 2)
        last = rng.randrange(first + 5, days + 40)
        for s in sellers[: rng.randrange(1, len(sellers) + 1)]:
            stock = rng.randrange(0, 5000)
            status = "Active"
            lead = rng.choice([28, 42, 56])
            base_price = rng.choice([0.03, 0.5, 2.0])
            for n in range(first, min(last, days)):
                if rng.random() < 0.12:  # a missing day (sometimes several in a row)
                    continue
                stock = max(0, stock + rng.randrange(-400, 300))
                if rng.random() < 0.02:
                    status = rng.choice(statuses)
                if rng.random() < 0.03:
                    lead = rng.choice([28, 42, 56, 120])
                price = base_price * (10 if rng.random() < 0.05 else 1)
                skus = [f"{s}-{mpn}-CT", f"{s}-{mpn}-TR"] if s == "DigiKey" else [f"{s}-{mpn}"]
                for sku in skus:
                    row = offer(
                        n,
                        mpn=mpn,
                        distributor=s,
                        sku=sku,
                        stock_pool=f"{s}-{mpn}",
                        stock=None if rng.random() < 0.03 else stock,
                        lead_time_days=lead,
                        lifecycle_status=status,
                    )
                    offers.append(row)
                    smallest = 1 if sku.endswith("CT") or s != "DigiKey" else 2000
                    price_rows += breaks(
                        n,
                        {smallest: price, max(smallest, 100): price * 0.8, max(smallest, 1000): price * 0.6},
                        mpn=mpn,
                        distributor=s,
                        sku=sku,
                    )
                if rng.random() < 0.3:  # the same seller seen again through an aggregator
                    offers.append(
                        offer(
                            n,
                            mpn=mpn,
                            distributor=s,
                            source="nexar",
                            stock=stock * 3,
                            is_duplicate_listing=True,
                        )
                    )
                if rng.random() < 0.2:
                    offers.append(
                        offer(
                            n,
                            mpn=mpn,
                            distributor="BrokerX",
                            source="nexar",
                            stock=stock // 2,
                            is_authorized=False,
                            is_broker=True,
                        )
                    )
    return frames(offers, price_rows)

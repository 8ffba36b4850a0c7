"""Market simulator: a deterministic landing tree (and a staged-offer benchmark grain) from one seed.

- ``simulate(out, parts=, distributors=, days=, start=, seed=)`` writes feeds/boms/plan/inventory/reference
  and truth.json (see docs in ``simulator.py``);
- ``write_staged_offers_parquet(...)`` / ``simulate_staged_offers(...)`` produce the staged offer and
  price-break grain directly, day by day, for the benchmark tiers.
"""

from orchestration.simulate.simulator import SimulationSummary, simulate

__all__ = ["SimulationSummary", "simulate", "simulate_staged_offers", "write_staged_offers_parquet"]


def __getattr__(name: str):  # the staged path imports polars/pyarrow only when asked for
    if name in ("simulate_staged_offers", "write_staged_offers_parquet"):
        from orchestration.simulate import staged

        return getattr(staged, name)
    raise AttributeError(name)

"""Market simulator: a deterministic landing tree from one seed.

``simulate(out, parts=, distributors=, days=, start=, seed=)`` writes feeds/boms/plan/inventory/reference
and truth.json (see docs in ``simulator.py``). The benchmark's staged-offer generator is bench/staged_market.py.
"""

from orchestration.simulate.simulator import SimulationSummary, simulate

__all__ = ["SimulationSummary", "simulate"]

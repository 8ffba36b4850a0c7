"""Calibration of the buffer plan's stoppage probability against what the Just-in-Time replay saw.

A prediction is (snapshot date t, part, P): marts.buffer_plan_history's stoppage_probability, the chance
of a stoppage within the planning horizon H. Its outcome is 1 when the JIT replay was short of the part on
some day in (t, t + H]. Only dates whose whole horizon lies inside the replay are scored.

The fit re-computes P from the components the plan stores with each row, with the seeds as unknowns:
    s = max(curve(decayed_risk_score), end_of_life_probability if end of life)
    P = (s + (1 - s) x market_thinness_weight x market_thinness) x (1 - alternate_relief if an alternate covers)
        x uncovered_share
and chooses the curve's probabilities (non-decreasing in the score) and the three parameters that
minimise the Brier score, mean((P - outcome)^2), with scipy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy.optimize import minimize

PARAMETERS = ("market_thinness_weight", "alternate_relief", "end_of_life_probability")
COMPONENTS = ["snapshot_date", "mpn", "manufacturer", "stoppage_probability", "decayed_risk_score",
              "is_end_of_life", "market_thinness", "uncovered_share", "has_covering_alternate", "horizon_days"]


@dataclass
class Seeds:
    curve_scores: tuple[float, ...]
    curve_probabilities: tuple[float, ...]
    parameters: dict[str, float]


@dataclass
class Calibration:
    scored: pl.DataFrame  # COMPONENTS + outcome
    reliability: pl.DataFrame  # decile, predictions, mean_predicted, observed_frequency
    brier: float
    formula_error: float  # max |P recomputed from the components with the seeds in use - P stored|
    fitted: Seeds | None = None
    fitted_brier: float | None = None
    fitted_reliability: pl.DataFrame | None = None


def outcomes(plan: pl.LazyFrame, jit_daily: pl.LazyFrame, last_day) -> pl.LazyFrame:
    """Each plan row whose horizon ends by `last_day`, with outcome = JIT short of the part within it."""
    short_days = (jit_daily.filter(pl.col("short_units") > 0).select("snapshot_date", "mpn", "manufacturer")
                  .unique().rename({"snapshot_date": "short_date"}))
    scored = plan.filter(pl.col("snapshot_date") + pl.duration(days=pl.col("horizon_days")) <= last_day)
    hits = (
        scored.select("snapshot_date", "mpn", "manufacturer", "horizon_days")
        .join(short_days, on=["mpn", "manufacturer"], how="inner")
        .filter((pl.col("short_date") > pl.col("snapshot_date"))
                & (pl.col("short_date") <= pl.col("snapshot_date") + pl.duration(days=pl.col("horizon_days"))))
        .select("snapshot_date", "mpn", "manufacturer").unique().with_columns(pl.lit(1).alias("outcome"))
    )
    return (scored.join(hits, on=["snapshot_date", "mpn", "manufacturer"], how="left")
            .with_columns(pl.col("outcome").fill_null(0).cast(pl.Int64)))


def reliability_table(predicted: pl.Series, outcome: pl.Series) -> pl.DataFrame:
    """Predicted vs observed frequency by probability decile: [0, 0.1), [0.1, 0.2), ... [0.9, 1.0]."""
    frame = pl.DataFrame({"p": predicted, "o": outcome}).with_columns(
        (pl.col("p") * 10).floor().clip(0, 9).cast(pl.Int64).alias("decile"))
    return (frame.group_by("decile").agg(pl.len().alias("predictions"), pl.col("p").mean().alias("mean_predicted"),
                                         pl.col("o").mean().alias("observed_frequency"))
            .sort("decile")
            .with_columns((pl.col("decile") / 10).alias("p_from"), ((pl.col("decile") + 1) / 10).alias("p_to")))


def brier_score(predicted: np.ndarray, outcome: np.ndarray) -> float:
    return float(np.mean((predicted - outcome) ** 2)) if len(predicted) else float("nan")


def predict(frame: pl.DataFrame, seeds: Seeds) -> np.ndarray:
    """P from a row's components under `seeds` (the formula of int_buffer_options_history)."""
    score = frame["decayed_risk_score"].fill_null(0.0).to_numpy()
    curve = np.interp(score, seeds.curve_scores, seeds.curve_probabilities)
    eol = frame["is_end_of_life"].fill_null(False).to_numpy()
    signal = np.maximum(curve, np.where(eol, seeds.parameters["end_of_life_probability"], 0.0))
    thin = frame["market_thinness"].fill_null(0.0).to_numpy()
    relief = np.where(frame["has_covering_alternate"].fill_null(False).to_numpy(),
                      1.0 - seeds.parameters["alternate_relief"], 1.0)
    uncovered = frame["uncovered_share"].fill_null(0.0).to_numpy()
    return (signal + (1.0 - signal) * seeds.parameters["market_thinness_weight"] * thin) * relief * uncovered


def fit_seeds(frame: pl.DataFrame, start: Seeds) -> Seeds:
    """The seeds that minimise the Brier score on `frame` (curve kept non-decreasing, all in [0, 1])."""
    outcome = frame["outcome"].to_numpy().astype(float)
    knots = len(start.curve_scores)

    def unpack(x: np.ndarray) -> Seeds:
        # the curve as a first value plus non-negative steps, so it never decreases
        curve = np.minimum(np.cumsum(x[:knots]), 1.0)
        return Seeds(start.curve_scores, tuple(float(v) for v in curve),
                     dict(zip(PARAMETERS, (float(v) for v in x[knots:]), strict=True)))

    steps = np.diff(np.concatenate([[0.0], start.curve_probabilities]))
    x0 = np.concatenate([np.maximum(steps, 0.0), [start.parameters[p] for p in PARAMETERS]])
    bounds = [(0.0, 1.0)] * (knots + len(PARAMETERS))
    result = minimize(lambda x: brier_score(predict(frame, unpack(x)), outcome), x0, method="L-BFGS-B", bounds=bounds)
    return unpack(result.x)


def calibrate(plan: pl.LazyFrame, jit_daily: pl.LazyFrame, last_day, seeds: Seeds, *, fit: bool) -> Calibration:
    scored = outcomes(plan, jit_daily, last_day).collect()
    predicted = scored["stoppage_probability"].fill_null(0.0)
    error = float(np.max(np.abs(predict(scored, seeds) - predicted.to_numpy()))) if scored.height else 0.0
    calibration = Calibration(scored, reliability_table(predicted, scored["outcome"]),
                              brier_score(predicted.to_numpy(), scored["outcome"].to_numpy()), error)
    if fit and scored.height:
        fitted = fit_seeds(scored, seeds)
        refit = pl.Series(predict(scored, fitted))
        calibration.fitted = fitted
        calibration.fitted_brier = brier_score(refit.to_numpy(), scored["outcome"].to_numpy())
        calibration.fitted_reliability = reliability_table(refit, scored["outcome"])
    return calibration



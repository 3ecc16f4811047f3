"""Scores of probabilistic forecasts of campaign outcomes, with bootstrap intervals.

Pure functions over plain values. A forecast is a dict outcome -> probability over
model.vocabulary.Outcome; an observed outcome is one of them.

- accuracy: the share of cases whose most likely outcome was the observed one;
- Brier: per case the sum over the four outcomes of (probability - indicator)^2
  (0 is perfect, 2 the worst), averaged over cases;
- log-loss: per case -ln(probability of the observed outcome), averaged over cases.

The model's distributions come from a finite number of runs and may give an outcome
probability 0, which would make its log-loss infinite. Wherever a log-loss of the model
is computed, its distribution is first smoothed by `smoothed` (add-half per outcome:
(count + 0.5) / (runs + 2) over the four outcomes); the baselines use the same add-half
rule on their training counts (experiments/history/baselines.py). Accuracy and Brier use the
model's unsmoothed distribution.

Intervals: a percentile bootstrap over cases (resample the cases with replacement,
`N_RESAMPLES` times, from numpy's Generator seeded with the given seed; the 2.5th and
97.5th percentiles of the resampled means). A difference between two forecasters on the
same cases is bootstrapped paired: the same resample of cases for both.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from civres.model.vocabulary import Outcome

N_RESAMPLES = 2000
LEVEL = 0.95
SMOOTHING = 0.5


def most_likely(forecast: Mapping[str, float]) -> Outcome:
    """The most likely outcome; a tie goes to the outcome first in Outcome."""
    return max(Outcome, key=lambda k: (forecast[k], -tuple(Outcome).index(k)))


def hit(forecast: Mapping[str, float], observed: str) -> float:
    """1.0 if the forecast's most likely outcome is the observed one, else 0.0."""
    return float(most_likely(forecast) == observed)


def brier(forecast: Mapping[str, float], observed: str) -> float:
    """Sum over outcomes of (forecast probability - observed indicator) squared."""
    return float(sum((forecast[k] - (k == observed)) ** 2 for k in Outcome))


def log_loss(forecast: Mapping[str, float], observed: str) -> float:
    """-ln of the probability given to the observed outcome (natural log).

    Raises:
        ValueError: if that probability is not above 0 (smooth the forecast first).
    """
    p = forecast[observed]
    if not p > 0:
        raise ValueError(f"log-loss of probability {p} for {observed!r}: smooth it first")
    return -math.log(p)


def smoothed(distribution: Mapping[str, float], runs: int) -> dict[str, float]:
    """A distribution over `runs` runs, add-half smoothed: (count + 0.5) / (runs + 2)."""
    total = runs + SMOOTHING * len(Outcome)
    return {k: (distribution[k] * runs + SMOOTHING) / total for k in Outcome}


def per_case(forecasts: Sequence[Mapping[str, float]], observed: Sequence[str],
             log_forecasts: Sequence[Mapping[str, float]] | None = None
             ) -> dict[str, np.ndarray]:
    """Each case's hit, Brier and log-loss, as arrays in case order.

    `log_forecasts` (default: `forecasts`) are the forecasts the log-loss is taken of,
    e.g. the model's smoothed distributions.
    """
    logs = forecasts if log_forecasts is None else log_forecasts
    return {
        "accuracy": np.array([hit(f, o) for f, o in zip(forecasts, observed, strict=True)]),
        "brier": np.array([brier(f, o) for f, o in zip(forecasts, observed, strict=True)]),
        "log_loss": np.array([log_loss(f, o) for f, o in zip(logs, observed, strict=True)]),
    }


def bootstrap_interval(values: Sequence[float] | np.ndarray, seed: int,
                       n_resamples: int = N_RESAMPLES, level: float = LEVEL
                       ) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of `values`, resampling cases.

    Deterministic for a seed. With one value the interval is that value; with none it
    is (nan, nan).
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    index = rng.integers(0, values.size, size=(n_resamples, values.size))
    means = values[index].mean(axis=1)
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(means, [tail, 100 - tail])
    return (float(lo), float(hi))


def paired_difference(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray,
                      seed: int, n_resamples: int = N_RESAMPLES, level: float = LEVEL
                      ) -> dict[str, float | list[float]]:
    """Mean of a - b over the same cases, with its paired bootstrap interval."""
    diff = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    lo, hi = bootstrap_interval(diff, seed, n_resamples, level)
    return {"value": float(diff.mean()) if diff.size else math.nan, "interval": [lo, hi]}


def summarise(scores: Mapping[str, np.ndarray], seed: int,
              n_resamples: int = N_RESAMPLES) -> dict[str, object]:
    """Per score: the mean over cases and its bootstrap interval; and n."""
    out: dict[str, object] = {"n": int(len(next(iter(scores.values()))))}
    for name, values in scores.items():
        lo, hi = bootstrap_interval(values, seed, n_resamples)
        out[name] = {"value": float(np.mean(values)) if len(values) else math.nan,
                     "interval": [lo, hi]}
    return out

"""Beyond the outcome: each case's peak participation, defections and duration, scored.

The outcome class is one pattern of a campaign; the catalogue also records, for most
cases, how large it grew (peak participation, % of the population), whether the security
forces defected, and its start and end years. `civres compare` scores the model on each
of these beside two baselines that see the same coded conditions:

- **median**: the training cases' median (for defections, their add-half rate,
  (k + 0.5) / (n + 1)); the same forecast for every case;
- **regression**: a ridge regression (scikit-learn, alpha = 1) of log10 peak and of
  duration on the coded conditions (baselines.features), and a logistic regression
  (C = 1) of defection; with a single class among its training cases, the rate.

Both are held out like the outcome baselines (fitted on the catalogue less the case's
own id), on the catalogue's cases where the pattern is known.

Scores, per case (lower is better): peak, the absolute error of log10 of the model's
median peak (peaks span four orders of magnitude; each side floored at PEAK_FLOOR);
defections, the Brier score of the model's share of runs with any defection; duration,
the absolute error in years of the model's median duration against end_year -
start_year (the catalogue's years: the true duration lies within a year of it either
way). Coverage: the share of cases whose observed peak lies in the model's 90% run
interval, and whose observed duration range (end - start - 1 to end - start + 1 years)
meets it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import scores
from .baselines import features
from .cases import Case

#: Peaks below this (% of the population) count as this when taking logs.
PEAK_FLOOR = 0.001
#: Weeks in a year, to report the model's durations (in weeks) in years.
WEEKS_PER_YEAR = 52
#: The model's run interval for coverage: the 5th to 95th percentile of its runs.
RUN_INTERVAL = (5, 95)
RIDGE_ALPHA, LOGISTIC_C = 1.0, 1.0
#: The patterns, in the order tables show them, and what each is scored by.
PATTERNS = {"peak": "absolute error of log10 peak participation (% of the population)",
            "defections": "Brier score of the chance of any security defection",
            "duration": "absolute error of the duration, in years"}
FORECASTERS = ("model", "median", "regression")


def simulated(runs: pd.DataFrame) -> dict[str, Any]:
    """A case's simulated patterns from its runs that did not fail (None with no run)."""
    if runs.empty:
        return {"peak": None, "peak_interval": None, "defections": None, "duration": None,
                "duration_interval": None}
    peak = runs["peak_participation_pct"].astype(float).to_numpy()
    years = runs["duration"].astype(float).to_numpy() / WEEKS_PER_YEAR
    return {
        "peak": float(np.median(peak)),
        "peak_interval": [float(v) for v in np.percentile(peak, RUN_INTERVAL)],
        "defections": float((runs["security_defected_share"].astype(float) > 0).mean()),
        "duration": float(np.median(years)),
        "duration_interval": [float(v) for v in np.percentile(years, RUN_INTERVAL)],
    }


def observed(case: Case) -> dict[str, Any]:
    """A case's observed patterns (None where the catalogue does not know them)."""
    return {"peak": case.observed.peak_participation_pct,
            "defections": case.observed.security_defections,
            "duration": float(case.end_year - case.start_year)}


def _log_peak(value: float) -> float:
    return math.log10(max(value, PEAK_FLOOR))


def error(pattern: str, forecast: float, truth: float | bool) -> float:
    """One case's score of one pattern (lower is better)."""
    if pattern == "peak":
        return abs(_log_peak(forecast) - _log_peak(float(truth)))
    if pattern == "defections":
        return (forecast - float(truth)) ** 2
    return abs(forecast - float(truth))


def covered(pattern: str, interval: list[float] | None, truth: float) -> bool | None:
    """Whether the model's run interval holds the observed peak, or meets the duration's."""
    if interval is None:
        return None
    low, high = interval
    if pattern == "peak":
        return low <= truth <= high
    return low <= truth + 1 and high >= max(0.0, truth - 1)


# ---------------------------------------------------------------------------- baselines


def _median(pattern: str, train: Sequence[Case], test: Sequence[Case]) -> list[float]:
    values = [observed(c)[pattern] for c in train]
    if pattern == "defections":
        rate = (sum(values) + 0.5) / (len(values) + 1)
        return [rate] * len(test)
    if pattern == "peak":
        return [10 ** float(np.median([_log_peak(v) for v in values]))] * len(test)
    return [float(np.median(values))] * len(test)


def _regression(pattern: str, train: Sequence[Case], test: Sequence[Case]) -> list[float]:
    from sklearn.linear_model import LogisticRegression, Ridge

    values = [observed(c)[pattern] for c in train]
    if pattern == "defections":
        if len(set(values)) < 2:
            return _median(pattern, train, test)
        fit = LogisticRegression(C=LOGISTIC_C, solver="lbfgs", max_iter=5000)
        fit.fit(features(train), np.asarray(values, bool))
        column = list(fit.classes_).index(True)
        return [float(p) for p in fit.predict_proba(features(test))[:, column]]
    target = [_log_peak(v) for v in values] if pattern == "peak" else values
    predicted = Ridge(alpha=RIDGE_ALPHA).fit(features(train), target).predict(features(test))
    if pattern == "peak":
        return [float(10 ** p) for p in predicted]
    return [max(0.0, float(p)) for p in predicted]


BASELINES: dict[str, Callable[[str, Sequence[Case], Sequence[Case]], list[float]]] = {
    "median": _median, "regression": _regression}


def held_out_forecast(pattern: str, case: Case, catalogue: Sequence[Case]
                      ) -> dict[str, float]:
    """Each baseline's forecast of one case, fitted on the catalogue's other known cases."""
    train = [c for c in catalogue if c.id != case.id and observed(c)[pattern] is not None]
    return {name: baseline(pattern, train, [case])[0] for name, baseline in BASELINES.items()}


# ---------------------------------------------------------------------------- scores


def pattern_scores(cases: Sequence[Case], simulations: Sequence[dict[str, Any]],
                   catalogue: Sequence[Case], seed: int) -> dict[str, Any]:
    """Every pattern's scores, over the cases where it is known.

    Each forecaster's mean error with its bootstrap interval, the paired differences
    model - baseline, the model's coverage, and which forecaster has the lowest error.

    Args:
        cases: the scored cases.
        simulations: each case's `simulated(...)` patterns, in the same order.
        catalogue: the cases the baselines are fitted on (less each case's own id).
        seed: seeds the bootstrap.
    """
    out: dict[str, Any] = {"scores": PATTERNS, "interval": (
        f"{scores.LEVEL:.0%} percentile bootstrap over cases, {scores.N_RESAMPLES} "
        f"resamples, seed {seed}"), "baselines": "fitted on the catalogue's cases where "
        "the pattern is known, less the case itself (see experiments/history/patterns.py)"}
    for pattern in PATTERNS:
        known = [(case, sim) for case, sim in zip(cases, simulations, strict=True)
                 if observed(case)[pattern] is not None and sim[pattern] is not None]
        if not known:
            out[pattern] = {"n": 0}
            continue
        errors: dict[str, list[float]] = {name: [] for name in FORECASTERS}
        hits = []
        for case, sim in known:
            truth = observed(case)[pattern]
            forecasts = {"model": sim[pattern],
                         **held_out_forecast(pattern, case, catalogue)}
            for name in FORECASTERS:
                errors[name].append(error(pattern, forecasts[name], truth))
            if pattern != "defections":
                hits.append(covered(pattern, sim[f"{pattern}_interval"], truth))
        block: dict[str, Any] = {"n": len(known)}
        for name in FORECASTERS:
            lo, hi = scores.bootstrap_interval(errors[name], seed)
            block[name] = {"value": float(np.mean(errors[name])), "interval": [lo, hi]}
        block["difference"] = {f"model_minus_{name}": scores.paired_difference(
            errors["model"], errors[name], seed) for name in ("median", "regression")}
        block["lowest"] = min(FORECASTERS, key=lambda k: block[k]["value"])
        if hits:
            block["coverage"] = float(np.mean(hits))
        out[pattern] = block
    return out


def format_patterns(block: dict[str, Any]) -> list[str]:
    """The patterns block as lines: one per pattern, each forecaster's mean error."""
    lines = [f"beyond the outcome (mean error per case, {block['interval']}; lower is "
             "better):",
             f"{'pattern':<11} {'n':>3}  " + "  ".join(f"{k:<22}" for k in FORECASTERS)
             + "  model's 90% runs hold it"]
    for pattern in PATTERNS:
        b = block[pattern]
        if not b["n"]:
            lines.append(f"{pattern:<11} {0:>3}  (no case with this pattern known)")
            continue
        cells = [f"{b[k]['value']:.3f} [{b[k]['interval'][0]:.3f}, {b[k]['interval'][1]:.3f}]"
                 for k in FORECASTERS]
        coverage = f"{b['coverage']:.0%}" if "coverage" in b else "-"
        lines.append(f"{pattern:<11} {b['n']:>3}  " + "  ".join(f"{c:<22}" for c in cells)
                     + f"  {coverage}")
    for pattern in PATTERNS:
        if block[pattern]["n"]:
            lines.append(f"{pattern}: lowest error {block[pattern]['lowest']}; " + "; ".join(
                f"{name.replace('_', ' ')} {d['value']:+.3f} [{d['interval'][0]:+.3f}, "
                f"{d['interval'][1]:+.3f}]"
                for name, d in block[pattern]["difference"].items()))
    return lines

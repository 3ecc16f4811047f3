"""Baseline forecasters for `civres compare`: the base rates and a logistic regression.

The model's forecasts are only worth something beside what a simple statistical model
does with the same information. Both baselines see only what is coded about a campaign
at its start (experiments/history/cases.py): the eight level-coded conditions and armed_groups,
the regime type, the tactics, the goal, and the start year. Nothing observed afterwards
(outcome, peak participation, defections) is a feature.

Forecasters:
- base rates: the share of each outcome among the training cases, add-half smoothed,
  (count + 0.5) / (n + 2) over the four outcomes, so no outcome is given probability 0;
- logistic: a multinomial logistic regression (scikit-learn, L2 penalty, C = 1.0, the
  lbfgs solver: deterministic, no random state) on one-hot codes of every categorical
  condition and the start year scaled as (year - 1990) / 30. An outcome that no training
  case had gets the add-half probability of an outcome seen 0 times, 0.5 / (n + 2), and
  the fitted probabilities are scaled to share the rest; with a single outcome among the
  training cases the logistic falls back to the base rates.

Every forecast is a distribution over model.vocabulary.Outcome, as a dict in that order.

Held out: `leave_one_out(cases)` fits once per case on all the others; `fitted_on(train,
test)` fits on `train` only; `held_out(cases, catalogue)` is what `civres compare` uses:
each case is forecast by a fit on the catalogue less any catalogue case with the same id.
For the catalogue itself this is leave-one-out; for another case file it is a fit on the
whole catalogue (except a case the file shares with the catalogue, by id, which is never
in its own training set).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from civres.model.vocabulary import Outcome

from .cases import CONDITION_FIELDS, GOALS, LEVELS, REGIME_TYPES, TACTICS, Case

#: Inverse L2 strength of the logistic regression (scikit-learn's default, fixed here so
#: that a change of default cannot change the baseline).
LOGISTIC_C = 1.0
#: Added to every outcome's count (the same add-half rule as the model's log-loss).
SMOOTHING = 0.5
#: The start year enters the logistic as (start_year - YEAR_CENTRE) / YEAR_SCALE.
YEAR_CENTRE, YEAR_SCALE = 1990, 30

Forecast = dict[str, float]
Forecaster = Callable[[Sequence[Case], Sequence[Case]], list[Forecast]]


def feature_names() -> list[str]:
    """The names of the features' columns, in order."""
    names = [f"{field}={level}" for field in CONDITION_FIELDS for level in LEVELS]
    names += [f"regime_type={r}" for r in REGIME_TYPES]
    names += [f"tactics={t}" for t in TACTICS]
    names += [f"goal={g}" for g in GOALS]
    return [*names, "start_year"]


def features(cases: Sequence[Case]) -> np.ndarray:
    """One row per case: one-hot codes of the coded conditions, then the scaled year."""
    rows = []
    for case in cases:
        row = [float(getattr(case.conditions, field) == level)
               for field in CONDITION_FIELDS for level in LEVELS]
        row += [float(case.regime_type == r) for r in REGIME_TYPES]
        row += [float(case.tactics == t) for t in TACTICS]
        row += [float(case.goal == g) for g in GOALS]
        row.append((case.start_year - YEAR_CENTRE) / YEAR_SCALE)
        rows.append(row)
    return np.asarray(rows, dtype=float).reshape(len(rows), len(feature_names()))


def _smoothed_rates(train: Sequence[Case]) -> Forecast:
    """Add-half base rates: (count + 0.5) / (n + 2) for each of the four outcomes."""
    observed = [c.observed.outcome for c in train]
    total = len(observed) + SMOOTHING * len(Outcome)
    return {k: (observed.count(k) + SMOOTHING) / total for k in Outcome}


def base_rates(train: Sequence[Case], test: Sequence[Case]) -> list[Forecast]:
    """The training cases' add-half base rates, the same forecast for every test case."""
    rates = _smoothed_rates(train)
    return [dict(rates) for _ in test]


def logistic(train: Sequence[Case], test: Sequence[Case]) -> list[Forecast]:
    """A multinomial logistic regression fitted on `train`, forecasting `test`."""
    from sklearn.linear_model import LogisticRegression

    if not test:
        return []
    labels = [c.observed.outcome for c in train]
    present = sorted(set(labels), key=tuple(Outcome).index)
    if len(present) < 2:  # scikit-learn needs two classes; nothing to learn from one
        return base_rates(train, test)
    fit = LogisticRegression(C=LOGISTIC_C, solver="lbfgs", max_iter=5000)
    fit.fit(features(train), labels)
    probabilities = fit.predict_proba(features(test))
    absent = [k for k in Outcome if k not in present]
    floor = SMOOTHING / (len(train) + SMOOTHING * len(Outcome))
    scale = 1.0 - floor * len(absent)
    forecasts = []
    for row in probabilities:
        given = {str(k): float(p) * scale for k, p in zip(fit.classes_, row, strict=True)}
        forecasts.append({k: given.get(k, floor) for k in Outcome})
    return forecasts


FORECASTERS: dict[str, Forecaster] = {"logistic": logistic, "rates": base_rates}


def fitted_on(train: Sequence[Case], test: Sequence[Case]) -> dict[str, list[Forecast]]:
    """Each baseline fitted on `train`, forecasting every case of `test`, by name."""
    return {name: forecaster(train, test) for name, forecaster in FORECASTERS.items()}


def leave_one_out(cases: Sequence[Case]) -> dict[str, list[Forecast]]:
    """Each case forecast by the baselines fitted on all the other cases."""
    out: dict[str, list[Forecast]] = {name: [] for name in FORECASTERS}
    for i, case in enumerate(cases):
        one = fitted_on([*cases[:i], *cases[i + 1:]], [case])
        for name in FORECASTERS:
            out[name].append(one[name][0])
    return out


def held_out(cases: Sequence[Case], training: Sequence[Case]) -> dict[str, list[Forecast]]:
    """Each case forecast by the baselines fitted on `training` less its own id.

    With `training` the catalogue: leave-one-out for the catalogue's cases, a fit on the
    whole catalogue for a case it does not hold. Cases sharing a training set share a fit.
    """
    out: dict[str, list[Forecast]] = {name: [None] * len(cases) for name in FORECASTERS}
    ids = {c.id for c in training}
    outside = [i for i, c in enumerate(cases) if c.id not in ids]
    groups = [(outside, list(training))] if outside else []
    groups += [([i], [t for t in training if t.id != c.id])
               for i, c in enumerate(cases) if c.id in ids]
    for indices, train in groups:
        fits = fitted_on(train, [cases[i] for i in indices])
        for name in FORECASTERS:
            for i, forecast in zip(indices, fits[name], strict=True):
                out[name][i] = forecast
    return out

"""An emulator of the model: a fast statistical stand-in for one campaign's simulation.

A calibration that runs the model for every candidate set of coefficients spends most of
its time on points that a cheaper look would have ruled out. The emulator is that look:
trained on single-campaign simulations from a space-filling design over the coded
conditions and the calibrated coefficients, it predicts for one campaign the
probability of each outcome, the time to its outcome and its peak participation.

The design (`design`): each coefficient from a Latin hypercube over its prior (every
one of n equal strata of every prior hit once; scipy.stats.qmc), each campaign's coded
conditions, regime type, tactics, goal and start year drawn as `civres facts` draws
them (`facts.random_case`: every level equally likely). The runs are the model's own,
on the batched engine (`facts.run_case_campaigns`), with the calibration's run settings.

Inputs (`inputs`): the coded conditions as the compare baselines code them
(`baselines.features`: one-hot levels, the scaled start year) and each coefficient
scaled to [0, 1] over its prior. Outputs: the outcome (4 classes), the time to it in
years (`duration`, from the first week anyone took part; a stalled campaign's is cut by
the horizon, so it is a lower bound) and log10 of the peak participation in % of the
population (floored at patterns.PEAK_FLOOR, as compare scores peaks: a campaign nobody
joined peaks at 0).

Why gradient-boosted trees (scikit-learn's HistGradientBoosting): the model's response
to conditions and coefficients is a set of thresholds and interactions (a collapse
line, a defection threshold, the 3.5% bin) that trees represent directly; they need no
scaling or kernel choice, fit thousands of runs in seconds on two cores, and give
probabilities that the held-out check below shows to be calibrated or not. A Gaussian
process, the classic emulator, costs O(n^3) in the runs and suits smooth responses of
a few inputs, not ~40 inputs and four classes. The emulator's own error is measured,
not assumed: on simulations it was not trained on (`emulator_report`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from civres.experiments.history.baselines import feature_names, features
from civres.experiments.history.cases import Case
from civres.experiments.history.facts import (
    SAMPLED_YEARS,
    WEEKS,
    as_numbers,
    random_case,
    run_case_campaigns,
)
from civres.experiments.history.patterns import PEAK_FLOOR
from civres.model.vocabulary import Outcome

#: The outcome classes, in the order of every probability the emulator gives.
OUTCOMES: tuple[str, ...] = tuple(Outcome)
#: Trees' settings (fixed, so a change of scikit-learn's defaults cannot change them),
#: chosen by 5-fold cross-validation of the outcome's log-loss on the committed design's
#: training runs: 7 leaves x 150 rounds 0.597; 7 x 80 0.614; 7 x 300 0.605; 4 x 200
#: 0.604; 15 x 300 0.661 (the held-out runs were not used to choose).
TREES = {"max_iter": 150, "learning_rate": 0.05, "max_leaf_nodes": 7,
         "min_samples_leaf": 40, "l2_regularization": 1.0}
#: Entropy words of the design's generators, apart from the runs' own seeds.
CONDITIONS_STREAM, COEFFICIENTS_STREAM = 11, 12


@dataclass(frozen=True)
class Design:
    """Campaigns and, for each, the coefficients it runs with."""

    cases: list[Case]
    coefficients: list[dict[str, float]]


def design(n: int, seed: int, priors: dict[str, tuple[float, float]],
           region: pd.DataFrame | None = None) -> Design:
    """N campaigns: conditions as `civres facts` draws them, coefficients by Latin hypercube.

    With a `region` (points of coefficient space a history-matching wave left, one row
    each), the coefficients are drawn from its points instead, uniformly with
    replacement: a later wave's design fills the space the last one left.
    """
    from scipy.stats import qmc

    rng = np.random.default_rng([seed, CONDITIONS_STREAM])
    cases = [random_case(rng, i, SAMPLED_YEARS, prefix="emulator") for i in range(n)]
    names = list(priors)
    drawing = np.random.default_rng([seed, COEFFICIENTS_STREAM])
    if region is not None:
        values = region[names].to_numpy(float)[drawing.integers(0, len(region), size=n)]
    else:
        unit = qmc.LatinHypercube(d=len(names), rng=drawing).random(n)
        lows = np.array([priors[k][0] for k in names])
        highs = np.array([priors[k][1] for k in names])
        values = lows + unit * (highs - lows)
    coefficients = [{k: float(v) for k, v in zip(names, row, strict=True)} for row in values]
    return Design(cases, coefficients)


def simulate_design(chosen: Design, seed: int, workers: int | None,
                    run_settings: dict[str, Any]) -> pd.DataFrame:
    """Run every campaign of the design once; a row each.

    Each row holds the run's outputs, the campaign's coded conditions and its
    coefficients (`coef_<name>`); failed runs are kept, with their `error`.
    """
    runs = run_case_campaigns(chosen.cases, seed, workers, paired=False,
                              coefficients=chosen.coefficients, **run_settings)
    coded = pd.DataFrame(features(chosen.cases), columns=feature_names())
    drawn = pd.DataFrame(chosen.coefficients).add_prefix("coef_")
    out = pd.DataFrame({
        "case": [c.id for c in chosen.cases],
        "outcome": runs["outcome"].astype("string"),
        "years": as_numbers(runs["duration"]) / WEEKS,
        "log10_peak_pct": np.log10(np.maximum(as_numbers(runs["peak_participation_pct"]),
                                              PEAK_FLOOR)),
        "seed": runs["seed"], "error": runs["error"]})
    # what the published figures count (history matching's indicators): as civres facts
    for column in ("formed", "turned_violent", "defections", "won"):
        out[column] = runs[column].astype("boolean")
    out["peak_participation_pct"] = as_numbers(runs["peak_participation_pct"])
    out["war_years"] = as_numbers(runs["war_weeks"]) / WEEKS
    out["goal"] = [c.goal for c in chosen.cases]
    return pd.concat([out, coded, drawn], axis=1)


def inputs(table: pd.DataFrame, priors: dict[str, tuple[float, float]]) -> np.ndarray:
    """The emulator's inputs: the coded conditions, each coefficient scaled over its prior."""
    scaled = [(table[f"coef_{k}"].to_numpy(float) - lo) / (hi - lo)
              for k, (lo, hi) in priors.items()]
    return np.column_stack([table[feature_names()].to_numpy(float), *scaled])


class Emulator:
    """Per campaign: outcome probabilities, years to the outcome, log10 peak participation."""

    def __init__(self, priors: dict[str, tuple[float, float]], seed: int = 0) -> None:
        from sklearn.ensemble import HistGradientBoostingClassifier as Classifier
        from sklearn.ensemble import HistGradientBoostingRegressor as Regressor

        self.priors = dict(priors)
        self.outcome = Classifier(**TREES, random_state=seed, early_stopping=False)
        # the conditional median: years are heavy-tailed (most campaigns end within a
        # year, stalled ones run to the horizon), and scored by their absolute error
        self.years = Regressor(**TREES, loss="absolute_error", random_state=seed,
                               early_stopping=False)
        self.peak = Regressor(**TREES, random_state=seed, early_stopping=False)

    def fit(self, table: pd.DataFrame) -> Emulator:
        """Fit on a design's runs (failed runs left out)."""
        ok = table[table["error"].isna()]
        x = inputs(ok, self.priors)
        self.outcome.fit(x, ok["outcome"].astype(str).to_numpy())
        self.years.fit(x, ok["years"].to_numpy(float))
        self.peak.fit(x, ok["log10_peak_pct"].to_numpy(float))
        return self

    def probabilities(self, table: pd.DataFrame) -> np.ndarray:
        """P(each outcome) per row, columns in OUTCOMES order (0 for a class never seen)."""
        got = self.outcome.predict_proba(inputs(table, self.priors))
        out = np.zeros((len(table), len(OUTCOMES)))
        for j, label in enumerate(self.outcome.classes_):
            out[:, OUTCOMES.index(label)] = got[:, j]
        return out

    def predict(self, table: pd.DataFrame) -> pd.DataFrame:
        """A row per campaign: p_<outcome>, years, log10_peak_pct."""
        x = inputs(table, self.priors)
        frame = pd.DataFrame(self.probabilities(table), columns=[f"p_{k}" for k in OUTCOMES],
                             index=table.index)
        frame["years"] = self.years.predict(x)
        frame["log10_peak_pct"] = self.peak.predict(x)
        return frame

"""History matching with the emulator: which coefficients cannot reproduce the published figures.

Each published figure the calibration targets is a share among a group of NAVCO's
maximalist campaigns that formed: nonviolent campaigns that won, wars that toppled the
regime, winners among campaigns with a given peak, with or without security defections,
and so on (`FIGURES`). A median duration becomes a share too: half of the nonviolent
campaigns lasted longer than the published median of about 3 years, so the share of
nonviolent campaigns lasting longer than 3 years has a target of one half.

For each figure the emulator fits two classifiers on the design's training runs: the
chance that a campaign belongs to the figure's group (the denominator) and that it
belongs to the group and counts (the numerator), given its coded conditions and the
coefficients. At a point of coefficient space, the model's figure over a population of
campaigns drawn as the calibration draws them (`statistics.sampled_campaigns`:
maximalist, three quarters 1950-2006, one quarter 2010-2019) is then
E = sum of numerator chances / sum of denominator chances.

Implausibility (Craig et al. 1997; Vernon et al. 2010): I = |target - E| / sqrt(V_obs +
V_em + V_md) for each figure, where V_obs is the binomial variance of the published share
at the number of campaigns behind it (t(1 - t) / n; `FIGURES` says where each n comes
from, and which are our reading rather than a published count), V_em the emulator's error
for that figure (its squared bias on out-of-fold runs, 5-fold cross-validation, plus
the bias's bootstrap variance) and V_md a model discrepancy of MODEL_DISCREPANCY (a
judgment: the model is a stylised account of campaigns, not NAVCO's coders). A point
whose largest implausibility is above CUTOFF (Pukelsheim's three-sigma rule) is ruled
out. The wave reports how much
of the prior box is left, each coefficient's range within it, and for each figure the
smallest implausibility anywhere in the box: a figure that no point brings below the
cutoff is out of the model's reach (a structural miss), whatever its coefficients.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civres.errors import UsageError
from civres.experiments.history.baselines import YEAR_CENTRE, YEAR_SCALE, features
from civres.experiments.history.facts import PARTICIPATION_BINS

from .emulator import TREES, inputs
from .statistics import EARLY_YEARS, LATE_YEARS, sampled_campaigns

#: Above this implausibility a point is ruled out (three standard deviations).
CUTOFF = 3.0
#: Entropy word of the generator that assigns runs to cross-validation folds.
FOLD_STREAM = 14
#: Standard deviation of the model discrepancy, on the share scale.
MODEL_DISCREPANCY = 0.05

Rows = pd.DataFrame
Mask = Callable[[Rows], pd.Series]


def _flag(column: str) -> Mask:
    return lambda r: r[column].fillna(False).astype(bool)


_formed, _violent, _defected, _won = (_flag(c) for c in ("formed", "turned_violent",
                                                          "defections", "won"))


def _nonviolent(r: Rows) -> pd.Series:
    return _formed(r) & ~_violent(r)


def _peak_in(lo: float, hi: float) -> Mask:
    return lambda r: _formed(r) & (r["peak_participation_pct"] >= lo) & (
        r["peak_participation_pct"] < hi)


@dataclass(frozen=True)
class Figure:
    """A published share: its group, what counts in it, the target and its evidence."""

    target: float
    group: Mask
    counts: Mask
    n: int
    n_source: str
    late: bool = False  # measured on the 2010-2019 campaigns (else 1950-2006)


CS2011 = "Chenoweth & Stephan 2011"
_EDGES = (*PARTICIPATION_BINS, np.inf)
_BIN_N = "our reading: C&S 2011 give the shares by peak, not the counts; about 20 each"

FIGURES: dict[str, Figure] = {
    "nonviolent_success": Figure(0.53, _nonviolent, _won, 100,
                                 f"{CS2011}: 323 campaigns, about a third nonviolent"),
    "violent_success": Figure(0.26, lambda r: _formed(r) & _violent(r), _won, 220,
                              f"{CS2011}: 323 campaigns, about two thirds violent"),
    **{name: Figure(target, _peak_in(lo, hi), _won, 20, _BIN_N)
       for name, target, lo, hi in zip(
           ("success_below_0.01pct", "success_0.01_to_0.1pct", "success_0.1_to_1pct",
            "success_1_to_3.5pct", "success_above_3.5pct"),
           (0.31, 0.41, 0.55, 0.63, 0.94), _EDGES, _EDGES[1:], strict=False)},
    "success_with_defection": Figure(0.77, lambda r: _formed(r) & _defected(r), _won, 40,
                                     f"our reading of {CS2011}: about 40 campaigns"),
    "success_without_defection": Figure(0.46, lambda r: _formed(r) & ~_defected(r), _won,
                                        280, f"our reading of {CS2011}: the rest of 323"),
    "nonviolent_longer_than_3_years": Figure(
        0.5, lambda r: _nonviolent(r) & (r["years"] > 0), lambda r: r["years"] > 3.0, 100,
        f"{CS2011}: median about 3 years, so half last longer"),
    "violent_longer_than_9_years": Figure(
        0.5, lambda r: _formed(r) & _violent(r), lambda r: r["war_years"] > 9.0, 220,
        f"{CS2011}: median about 9 years, so half last longer"),
    "nonviolent_success_2010s": Figure(0.34, _nonviolent, _won, 60,
                                       "our reading of Chenoweth 2020: about 60 campaigns",
                                       late=True),
}


def read_region(folder: str | Path, priors: dict[str, tuple[float, float]]
                ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The points a wave left (its kept.csv) and the wave's number and share of the box.

    Raises:
        UsageError: the folder is not a matching result of these priors, or left nothing.
    """
    folder = Path(folder)
    try:
        points = pd.read_csv(folder / "kept.csv")
        wave = json.loads((folder / "matching.json").read_text(encoding="utf-8"))
        share = wave["share_of_box_left" if "share_of_box_left" in wave
                     else "share_of_space_left"]
        info = {"wave": int(wave.get("wave", 1)), "share_of_box_left": float(share),
                "out_of_reach": list(wave.get("out_of_reach", []))}
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise UsageError(f"--region {folder}: not a civres match result ({type(err).__name__}"
                         "); give the folder a wave wrote") from None
    names = list(priors)
    if sorted(c for c in points.columns if c != "weight") != sorted(names):
        raise UsageError(f"--region {folder}: its points have coefficients "
                         f"{', '.join(c for c in points.columns if c != 'weight')}, not this "
                         f"config's {', '.join(names)}")
    if points.empty:
        raise UsageError(f"--region {folder}: the wave left no point of the box")
    return points[names], info


def observation_sd(figure: Figure) -> float:
    """The published share's binomial standard deviation at its count."""
    return float(np.sqrt(figure.target * (1 - figure.target) / figure.n))


class Indicators:
    """Per figure, classifiers of a campaign's chance to be in its group, and to count."""

    def __init__(self, priors: dict[str, tuple[float, float]], seed: int = 0) -> None:
        self.priors = dict(priors)
        self.seed = seed
        self.models: dict[tuple[str, str], Any] = {}

    def fit(self, runs: pd.DataFrame) -> Indicators:
        """Fit on a design's maximalist runs (failed runs left out)."""
        from sklearn.ensemble import HistGradientBoostingClassifier

        ok = runs[runs["error"].isna() & (runs["goal"] == "maximalist")]
        x = inputs(ok, self.priors)
        for name, figure in FIGURES.items():
            group = figure.group(ok).to_numpy()
            counts = figure.counts(ok).fillna(False).to_numpy(bool)
            # P(counts) = P(group) x P(counts | group): a share never above 1
            for part, rows, label in (("group", slice(None), group),
                                      ("counts", group, counts[group])):
                model = HistGradientBoostingClassifier(**TREES, random_state=self.seed,
                                                       early_stopping=False)
                self.models[(name, part)] = _fitted(model, x[rows], label)
        return self

    def chances(self, name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """P(in the figure's group) and P(in it and counts), per row of inputs."""
        group = _p_true(self.models[(name, "group")], x)
        return group, group * _p_true(self.models[(name, "counts")], x)


def _fitted(model: Any, x: np.ndarray, label: np.ndarray) -> Any:
    """A fitted classifier, or the constant share when every run is alike (or none)."""
    if label.all() or not label.any():
        return float(label.size > 0 and label.all())
    return model.fit(x, label)


def _p_true(model: Any, x: np.ndarray) -> np.ndarray:
    if isinstance(model, float):
        return np.full(len(x), model)
    column = list(model.classes_).index(True)
    return model.predict_proba(x)[:, column]


def population(n: int, seed: int) -> dict[bool, np.ndarray]:
    """Coded conditions of campaigns drawn as the calibration draws them: early, late."""
    cases = sampled_campaigns(n, seed)
    coded = features(cases)
    late = np.array([c.start_year >= LATE_YEARS[0] for c in cases])
    early = np.array([c.start_year <= EARLY_YEARS[1] for c in cases])
    return {False: coded[early], True: coded[late]}


def emulated_figures(indicators: Indicators, coded: dict[bool, np.ndarray],
                     points: pd.DataFrame, chunk: int = 100) -> pd.DataFrame:
    """Each figure at each point of coefficient space, over the population's campaigns.

    Points go through the emulator `chunk` at a time (each point is a row per campaign).
    """
    parts = [_figures_at(indicators, coded, points.iloc[i:i + chunk])
             for i in range(0, len(points), chunk)]
    return pd.concat(parts)[list(FIGURES)]


def _figures_at(indicators: Indicators, coded: dict[bool, np.ndarray],
                points: pd.DataFrame) -> pd.DataFrame:
    scaled = np.column_stack([(points[k].to_numpy(float) - lo) / (hi - lo)
                              for k, (lo, hi) in indicators.priors.items()])
    out = pd.DataFrame(index=points.index)
    for late, campaigns in coded.items():
        m = len(campaigns)
        x = np.column_stack([np.tile(campaigns, (len(points), 1)),
                             np.repeat(scaled, m, axis=0)])
        for name, figure in FIGURES.items():
            if figure.late != late:
                continue
            group, counts = indicators.chances(name, x)
            total = group.reshape(len(points), m).sum(axis=1)
            out[name] = np.where(total > 1e-9, counts.reshape(len(points), m).sum(axis=1)
                                 / np.maximum(total, 1e-12), np.nan)
    return out


def cross_validated_error(runs: pd.DataFrame, priors: dict[str, tuple[float, float]],
                          seed: int, folds: int = 5, resamples: int = 500
                          ) -> dict[str, dict[str, float]]:
    """Per figure: the emulator's bias and its bootstrap SD from out-of-fold chances.

    Every run is predicted by classifiers fitted on the other folds, so the error rests
    on all the runs, not a held-out quarter: the thin figures (violent campaigns, the
    small participation bins) have few runs, and their error measured on a quarter of
    them moved from seed to seed.
    """
    ok = _maximalist(runs)
    fold = np.random.default_rng([seed, FOLD_STREAM]).permutation(len(ok)) % folds
    chances = {name: (np.zeros(len(ok)), np.zeros(len(ok))) for name in FIGURES}
    for k in range(folds):
        fitted = Indicators(priors, seed).fit(ok[fold != k])
        x = inputs(ok[fold == k], priors)
        for name in FIGURES:
            group, counts = fitted.chances(name, x)
            chances[name][0][fold == k] = group
            chances[name][1][fold == k] = counts
    return _errors(ok, chances, seed, resamples)


def _maximalist(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["error"].isna() & (runs["goal"] == "maximalist")].reset_index(drop=True)


def _errors(ok: pd.DataFrame, chances: dict[str, tuple[np.ndarray, np.ndarray]], seed: int,
            resamples: int) -> dict[str, dict[str, float]]:
    """Emulated minus simulated share per figure over the runs, and its bootstrap SD."""
    out = {}
    for name, figure in FIGURES.items():
        # the published period's figures on its runs, the 2010s one on the 2010s runs
        chosen = _in_years(ok, LATE_YEARS if figure.late else EARLY_YEARS).to_numpy()
        rows = ok[chosen]
        in_group = figure.group(rows).to_numpy(float)
        counted = in_group * figure.counts(rows).fillna(False).to_numpy(float)
        if not in_group.any():  # nothing to check it on: as uncertain as a share can be
            out[name] = {"bias": 0.0, "sd": 0.5, "runs_in_group": 0}
            continue
        group, counts = (c[chosen] for c in chances[name])
        draws = np.random.default_rng(seed).integers(0, len(rows), size=(resamples, len(rows)))
        everyone = np.arange(len(rows))[None, :]
        bias = float(_gaps(counts, group, counted, in_group, everyone)[0])
        spread = float(np.std(_gaps(counts, group, counted, in_group, draws)))
        out[name] = {"bias": bias, "sd": spread, "runs_in_group": int(in_group.sum())}
    return out


def _in_years(runs: pd.DataFrame, years: tuple[int, int]) -> pd.Series:
    """Runs whose campaign starts within `years` (from the scaled start year they hold)."""
    year = runs["start_year"] * YEAR_SCALE + YEAR_CENTRE
    return (year >= years[0] - 0.5) & (year <= years[1] + 0.5)


def _gaps(counts: np.ndarray, group: np.ndarray, counted: np.ndarray, in_group: np.ndarray,
          index: np.ndarray) -> np.ndarray:
    """Emulated minus simulated share over each row of run indices."""
    def share(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        return numerator[index].sum(axis=1) / np.maximum(denominator[index].sum(axis=1), 1e-12)

    return share(counts, group) - share(counted, in_group)


def implausibility(figures: pd.DataFrame, error: dict[str, dict[str, float]]) -> pd.DataFrame:
    """|target - E| / sqrt(V_obs + V_em + V_md) per figure and point (NaN: empty group)."""
    out = pd.DataFrame(index=figures.index)
    for name, figure in FIGURES.items():
        em = error[name]["bias"] ** 2 + error[name]["sd"] ** 2
        sd = np.sqrt(observation_sd(figure) ** 2 + em + MODEL_DISCREPANCY ** 2)
        out[name] = np.abs(figure.target - figures[name]) / sd
    return out


def latin_points(n: int, seed: int, priors: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """N points of the prior box by Latin hypercube (a wave's candidates)."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(priors), rng=np.random.default_rng(seed)).random(n)
    lows = np.array([lo for lo, _ in priors.values()])
    highs = np.array([hi for _, hi in priors.values()])
    return pd.DataFrame(lows + unit * (highs - lows), columns=list(priors))


def reachable(implausible: pd.DataFrame) -> list[str]:
    """The figures that some point of the box brings to or below the cutoff."""
    return [name for name in FIGURES if (implausible[name] <= CUTOFF).any()]


def judged_figures(implausible: pd.DataFrame, out_of_reach: list[str] | None = None
                   ) -> list[str]:
    """The figures that judge the points.

    A figure out of reach everywhere in the box would rule out the whole box and say
    nothing about the coefficients: wave 1 names it as the model's structural miss
    instead. A later wave keeps judging by every figure wave 1 found reachable
    (`out_of_reach`: wave 1's list), so a region that gives up a figure is ruled out,
    not excused.
    """
    if out_of_reach is None:
        return reachable(implausible)
    return [name for name in FIGURES if name not in out_of_reach]


def kept_points(implausible: pd.DataFrame, out_of_reach: list[str] | None = None
                ) -> pd.Series:
    """Points no judged figure rules out.

    A point where a judged figure's group is empty (no campaign of the model in it:
    NaN) is ruled out: the published figure comes from campaigns in that group.
    """
    judged = judged_figures(implausible, out_of_reach)
    if not judged:
        return pd.Series(True, index=implausible.index)
    return implausible[judged].fillna(np.inf).max(axis=1) <= CUTOFF


def _span(values: pd.Series) -> list[float] | None:
    """[min, max] of the values measured (None where none is: JSON has no NaN)."""
    values = values.dropna()
    return [float(values.min()), float(values.max())] if len(values) else None


def summarise_wave(points: pd.DataFrame, figures: pd.DataFrame, implausible: pd.DataFrame,
                   priors: dict[str, tuple[float, float]],
                   out_of_reach: list[str] | None = None) -> dict[str, Any]:
    """What is left of the box, each coefficient's range there, each figure's reach.

    `out_of_reach`: for a later wave, the figures wave 1 found out of reach anywhere.
    """
    kept = kept_points(implausible, out_of_reach)
    every = implausible.fillna(np.inf).max(axis=1) <= CUTOFF
    left = points[kept]
    judged = judged_figures(implausible, out_of_reach)
    reached = reachable(implausible)
    summary: dict[str, Any] = {
        "points": len(points), "kept": int(kept.sum()),
        "share_of_space_left": float(kept.mean()),
        "share_left_by_every_figure": float(every.mean()),
        "coefficients_left": {k: ([float(left[k].min()), float(left[k].max())]
                                  if len(left) else None) for k in priors},
        "figures": {},
        "out_of_reach": [name for name in FIGURES if name not in judged],
        "not_reached_by_any_point_judged": [name for name in judged if name not in reached],
    }
    for name, figure in FIGURES.items():
        values, scores = figures[name], implausible[name]
        best = scores.idxmin() if scores.notna().any() else None
        summary["figures"][name] = {
            "target": figure.target, "n": figure.n, "n_source": figure.n_source,
            "emulated_range": _span(values),
            "emulated_range_kept": _span(values[kept]),
            "smallest_implausibility": None if best is None else float(scores[best]),
            "value_there": None if best is None else float(values[best]),
            "share_plausible": float((scores <= CUTOFF).mean()),
            "reachable": name in reached,
            "group_empty_everywhere": bool(values.isna().all()),
        }
    return summary



"""What a calibration simulates and measures: sampled campaigns and their statistics.

One simulation of the calibration is a set of maximalist campaigns (the published facts
are about NAVCO's maximalist campaigns) with conditions drawn from every level, run with
one set of coefficients; its statistics are the aggregate facts the field reports
(`STATISTICS`), computed by `civres.experiments.history.facts` as `civres facts`
computes them. Three
quarters of the campaigns start in 1950-2006 (the period of the published comparisons)
and one quarter in 2010-2019 (the decade of the published decline); the facts about the
whole period use the early campaigns only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from civres.experiments.history.cases import Case
from civres.experiments.history.facts import (
    WEEKS,
    as_numbers,
    facts,
    flag,
    median_or_none,
    random_case,
    run_case_campaigns,
)
from civres.experiments.history.records import Facts

#: Start years of the campaigns: the published period and the decade of the decline.
EARLY_YEARS, LATE_YEARS = (1950, 2006), (2010, 2019)
#: Share of a simulation's campaigns that start in the late decade.
LATE_SHARE = 0.25


@dataclass(frozen=True)
class Statistic:
    """One measured figure of a simulation, with what the field publishes for it."""

    meaning: str
    published: float
    source: str
    #: Differences are divided by this in the distance (years: a decade counts as 1).
    scale: float
    measure: Callable[[Facts, pd.DataFrame], float | None]


CS2011 = "Chenoweth & Stephan 2011, Why Civil Resistance Works (1900-2006)"
C2020 = "Chenoweth 2020, The Future of Nonviolent Resistance, J. Democracy 31(3)"


def _bin(edge: str) -> Callable[[Facts, pd.DataFrame], float | None]:
    return lambda f, _: f.success_by_participation[edge]


def _late_nonviolent_success(_: Facts, runs: pd.DataFrame) -> float | None:
    """Success of the nonviolent maximalist campaigns that formed in the late decade."""
    late = runs[(runs["start_year"] >= LATE_YEARS[0]) & runs["error"].isna()
                & ~runs["turned_violent"].astype(bool) & flag(runs, "formed", absent=True)]
    return float(late["won"].astype(bool).mean()) if len(late) else None


STATISTICS: dict[str, Statistic] = {
    "nonviolent_success": Statistic(
        "success of maximalist campaigns that stayed nonviolent", 0.53, CS2011, 1.0,
        lambda f, _: f.nonviolent_success),
    "violent_success": Statistic(
        "success of maximalist campaigns that turned violent", 0.26, CS2011, 1.0,
        lambda f, _: f.violent_success),
    "success_below_0.01pct": Statistic(
        "success, peak participation below 0.01% of the population", 0.31, CS2011, 1.0,
        _bin("0.0")),
    "success_0.01_to_0.1pct": Statistic(
        "success, peak participation 0.01-0.1%", 0.41, CS2011, 1.0, _bin("0.01")),
    "success_0.1_to_1pct": Statistic(
        "success, peak participation 0.1-1%", 0.55, CS2011, 1.0, _bin("0.1")),
    "success_1_to_3.5pct": Statistic(
        "success, peak participation 1-3.5%", 0.63, CS2011, 1.0, _bin("1.0")),
    "success_above_3.5pct": Statistic(
        "success, peak participation 3.5% and above", 0.94, CS2011, 1.0, _bin("3.5")),
    "success_with_defection": Statistic(
        "success with security-force defections", 0.77, CS2011, 1.0,
        lambda f, _: f.success_with_defection),
    "success_without_defection": Statistic(
        "success without security-force defections", 0.46, CS2011, 1.0,
        lambda f, _: f.success_without_defection),
    "years_nonviolent": Statistic(
        "median duration of nonviolent campaigns, years", 3.0, CS2011, 10.0,
        lambda f, _: f.median_years_nonviolent),
    "years_violent": Statistic(
        "median duration of violent campaigns' wars, years", 9.0, CS2011, 10.0,
        lambda f, _: f.median_years_violent),
    "nonviolent_success_2010s": Statistic(
        "success of nonviolent maximalist campaigns started 2010-2019", 0.34, C2020, 1.0,
        _late_nonviolent_success),
    "median_peak_pct": Statistic(
        "median peak participation, % of the population (not published: for tests and "
        "users' own data)", float("nan"), "-", 1.0,
        lambda _, runs: median_or_none(as_numbers(runs["peak_participation_pct"]))),
}


def sampled_campaigns(n: int, seed: int) -> list[Case]:
    """N maximalist campaigns with conditions drawn from every level; a quarter late."""
    rng = np.random.default_rng(seed)
    n_late = int(round(n * LATE_SHARE))
    return [random_case(rng, i, LATE_YEARS if i < n_late else EARLY_YEARS,
                        goal="maximalist", prefix="calibration") for i in range(n)]


def simulate(coefficients: dict[str, float], campaigns: int, seed: int,
             run_settings: dict[str, Any], workers: int | None = 1,
             design_seed: int | None = None) -> dict[str, float | None]:
    """Run `campaigns` sampled campaigns with these coefficients; return every statistic.

    The campaigns' conditions are drawn with `design_seed` (default: `seed`); the runs
    and the coding-uncertainty draws with `seed`. The calibration holds the design fixed
    across particles (common random numbers: particles then differ by their coefficients
    and their runs' chance, not by which campaigns they were given); the predictive
    check draws fresh campaigns. The published facts (all but the 2010s one) are
    measured over the early campaigns; a statistic whose group is empty is None.
    """
    cases = sampled_campaigns(campaigns, seed if design_seed is None else design_seed)
    runs = run_case_campaigns(cases, seed, workers, paired=False,
                         coefficients=[dict(coefficients)] * len(cases), **run_settings)
    early = runs[runs["start_year"] <= EARLY_YEARS[1]]
    summary = facts(early)
    return {name: _finite(stat.measure(summary, runs)) for name, stat in STATISTICS.items()}


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def distance(simulated: dict[str, float | None], targets: dict[str, tuple[float, float]]
             ) -> float:
    """Weighted root-mean-square of the scaled differences from the targets.

    Args:
        simulated: a simulation's statistics (None where its group was empty).
        targets: name -> (target value, weight).

    A statistic that could not be measured (no campaign in its group) counts as a
    difference of one whole scale: an empty group is not evidence of a match.
    """
    total = weights = 0.0
    for name, (value, weight) in targets.items():
        got = simulated.get(name)
        gap = 1.0 if got is None else (got - value) / STATISTICS[name].scale
        total += weight * gap * gap
        weights += weight
    return float(np.sqrt(total / weights))


__all__ = ["STATISTICS", "WEEKS", "Statistic", "sampled_campaigns", "distance", "simulate"]

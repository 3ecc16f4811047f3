"""Pictures of a case's runs beside its history, independent of the browser.

Each function takes an Ensemble (experiments/explore/ensemble.py) and what was observed,
and returns a PNG: the outcome shares with their intervals, fans of participation and
regime support with the observed peak and end marked, and the time to outcome against
the observed duration.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from civres.experiments.explore.ensemble import BANDS, Ensemble
from civres.experiments.history.patterns import WEEKS_PER_YEAR
from civres.model import Outcome

#: Colours of the outcomes in the share chart, and of what was observed.
OUTCOME_COLOURS = {Outcome.SUCCESS: "#2e7d32", Outcome.STALLED: "#f9a825",
                   Outcome.SUPPRESSED: "#616161", Outcome.VIOLENT: "#c62828"}
OBSERVED = "#d81b60"


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def shares_png(ensemble: Ensemble, observed_outcome: str | None) -> bytes:
    """Each outcome's share of the runs with its 95% interval; the observed one marked."""
    shares = ensemble.outcome_shares()
    figure = Figure(figsize=(5.2, 2.4), dpi=80)
    axes = figure.add_subplot()
    names = [o.value for o in Outcome]
    p = np.array([shares[n]["p"] for n in names])
    # clipped: Wilson's limit at a share of 0 or 1 differs from it by rounding only
    low = np.clip(p - np.array([shares[n]["low"] for n in names]), 0.0, None)
    high = np.clip(np.array([shares[n]["high"] for n in names]) - p, 0.0, None)
    axes.barh(names, p, xerr=[low, high], capsize=3,
              color=[OUTCOME_COLOURS[Outcome(n)] for n in names])
    if observed_outcome is not None:
        axes.get_yticklabels()[names.index(observed_outcome)].set_color(OBSERVED)
        axes.get_yticklabels()[names.index(observed_outcome)].set_fontweight("bold")
    axes.set_xlim(0, 1)
    axes.invert_yaxis()
    axes.set_xlabel(f"share of {len(ensemble.runs)} runs (bars: 95% interval)")
    axes.set_title("Outcome" + (f" (observed: {observed_outcome})" if observed_outcome else ""),
                   fontsize=11)
    figure.subplots_adjust(left=0.2, right=0.97, top=0.86, bottom=0.24)
    return _png(figure)


def fan_png(ensemble: Ensemble, observed_peak_pct: float | None,
            observed_years: float | None) -> bytes:
    """Participation (% of population) and regime support by week: median and bands."""
    figure = Figure(figsize=(5.2, 4.6), dpi=80)
    top, bottom = figure.subplots(2, 1, sharex=True)
    for axes, column, label in ((top, "participation_pct", "participation, % of population"),
                                (bottom, "regime_support", "regime support")):
        fan = ensemble.fan(column)
        for (low, high), alpha in zip(BANDS, (0.2, 0.4), strict=True):
            axes.fill_between(fan.week, fan[f"p{low}"], fan[f"p{high}"], color="#1565c0",
                              alpha=alpha, linewidth=0, label=f"{high - low}% of runs")
        axes.plot(fan.week, fan["median"], color="#0d47a1", label="median")
        axes.set_ylabel(label, fontsize=9)
        axes.grid(alpha=0.3)
        if observed_years is not None:
            axes.axvline(observed_years * WEEKS_PER_YEAR, color=OBSERVED, linestyle="--",
                         label="observed end")
    if observed_peak_pct is not None:
        top.axhline(observed_peak_pct, color=OBSERVED, linestyle=":", label="observed peak")
    top.legend(fontsize=7, loc="upper right")
    bottom.set_xlabel("week")
    top.set_title("Runs over time", fontsize=11)
    figure.subplots_adjust(left=0.14, right=0.97, top=0.93, bottom=0.1, hspace=0.12)
    return _png(figure)


def duration_png(ensemble: Ensemble, observed_years: float | None) -> bytes:
    """Years from start to outcome over the runs; the observed duration marked."""
    years = ensemble.years_to_outcome()
    figure = Figure(figsize=(5.2, 2.4), dpi=80)
    axes = figure.add_subplot()
    axes.hist(years, bins=min(20, max(5, len(years) // 5)), color="#1565c0", alpha=0.7)
    if observed_years is not None:
        axes.axvline(observed_years, color=OBSERVED, linestyle="--",
                     label=f"observed: {observed_years:g} years")
        axes.legend(fontsize=8)
    axes.set_xlabel("years to outcome")
    axes.set_ylabel("runs")
    axes.set_title(f"Time to outcome (median {np.median(years):.1f} years)"
                   if len(years) else "Time to outcome", fontsize=11)
    figure.subplots_adjust(left=0.14, right=0.97, top=0.86, bottom=0.22)
    return _png(figure)

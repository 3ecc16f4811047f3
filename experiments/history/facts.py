"""The model's aggregate facts beside the published ones (`civres facts`).

Samples campaign conditions broadly (every condition level, regime type, tactic and
era equally likely; a share REFORM_SHARE of campaigns with a reform goal), maps them to
parameters with the same function as the case catalogue, runs each once and tabulates
what the field reports. The published figures come from maximalist campaigns (NAVCO
1.x: regime change, secession, the end of an occupation), so they are set beside the
model's maximalist campaigns:
- nonviolent vs violent campaigns' success (Chenoweth & Stephan 2011: ~53% vs ~26%);
- success by peak participation (the "3.5% rule");
- success with vs without security-force defections;
- success under low vs high authoritarian learning (the 2010s decline, Chenoweth 2020);
- durations (nonviolent campaigns about 3 years, violent ones about 9).
Success by goal and the outcome shares are over all sampled campaigns.

A campaign succeeded ("won") when its outcome is success, or, for a primarily violent
campaign, when the regime fell by the horizon (violent runs are continued past their
"violent" decision to see whether the war topples the regime).

A run that raises (or whose rerun to the horizon raises) is left out of every fact;
`n_errors` says how many were (present only when some were).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civres.experiments.sweeps.runner import run_many
from civres.model.outcome import Thresholds
from civres.model.vocabulary import Outcome

from .cases import (
    CONDITION_FIELDS,
    GOALS,
    LEVELS,
    REGIME_TYPES,
    TACTICS,
    Case,
    Conditions,
    Observed,
)
from .mapping import case_params, coding_rng
from .posterior import Posterior
from .records import Facts

PUBLISHED = {
    "nonviolent_success": 0.53,
    "violent_success": 0.26,
    "nonviolent_years": 3.0,
    "violent_years": 9.0,
}
#: Share of sampled campaigns with a reform goal (the rest are maximalist).
REFORM_SHARE = 0.3
#: First and last start year of sampled campaigns.
SAMPLED_YEARS = (1950, 2020)
#: Steps per year (a step is a week).
WEEKS = 52.0
#: Lower edges (in % of the population) of the participation bins.
PARTICIPATION_BINS = (0.0, 0.01, 0.1, 1.0, 3.5)
LOW_LEARNING, HIGH_LEARNING = 0.15, 0.45
#: Learning levels of the paired comparison: every maximalist campaign run again at each,
#: with its own seed, so that only the regime's learning differs (the era of 1990 and of
#: the 2010s in the mapping's learning_for_year).
PAIRED_LEARNING = (0.15, 0.5)
#: Violent share of participants that makes a campaign violent (the classifier's).
VIOLENT_MAJORITY = Thresholds().violent_majority


def sample_cases(n: int, seed: int) -> list[Case]:
    """N synthetic campaigns with conditions drawn uniformly from every level."""
    rng = np.random.default_rng(seed)
    return [random_case(rng, i, SAMPLED_YEARS) for i in range(n)]


def random_case(rng: np.random.Generator, i: int, years: tuple[int, int],
                goal: str | None = None, prefix: str = "sample") -> Case:
    """One synthetic campaign: every condition level, regime type and tactic equally likely.

    Args:
        rng: the generator (drawn in a fixed order: conditions, year, regime, tactics,
            goal), so that a seed gives the same campaigns.
        i: its number, in its id and name.
        years: first and last start year, drawn uniformly.
        goal: its goal; None draws one (reform with probability REFORM_SHARE).
        prefix: of its id and name.
    """
    conditions = Conditions(**{f: str(rng.choice(LEVELS)) for f in CONDITION_FIELDS})
    year = int(rng.integers(years[0], years[1] + 1))
    regime_type = str(rng.choice(REGIME_TYPES))
    tactics = str(rng.choice(TACTICS))
    if goal is None:
        goal = "reform" if rng.random() < REFORM_SHARE else "maximalist"
    return Case(id=f"{prefix}-{i}", name=f"{prefix} {i}", country="-", start_year=year,
                end_year=year, regime_type=regime_type, conditions=conditions,
                tactics=tactics, observed=Observed("stalled", ("synthetic",)), goal=goal)


def run_facts(samples: int, seed: int, workers: int | None, posterior: Posterior | None = None,
              **run_overrides: Any) -> pd.DataFrame:
    """Run one model per sampled campaign; a row per run, failed runs included (`error`).

    With a posterior, each campaign's coefficients are drawn from it (seeded by `seed`).
    """
    cases = sample_cases(samples, seed)
    drawn = posterior.draw(len(cases), seed) if posterior is not None else None
    return run_case_campaigns(cases, seed, workers, coefficients=drawn, **run_overrides)


def run_case_campaigns(cases: list[Case], seed: int, workers: int | None, paired: bool = True,
                  coefficients: list[dict[str, float]] | None = None,
                  **run_overrides: Any) -> pd.DataFrame:
    """Run one model per campaign and add what the facts need; a row per campaign.

    Args:
        cases: the campaigns (sampled or catalogued).
        seed: master seed of the runs and of the coding-uncertainty draws.
        workers: local workers (1: in this process).
        paired: also rerun each maximalist campaign at each of PAIRED_LEARNING.
        coefficients: per campaign, model coefficients to use (e.g. drawn from the
            calibration's posterior); they override the defaults, not the conditions.
        run_overrides: run settings for every campaign (grid size, horizon).
    """
    jitter = coding_rng(seed)
    coefficients = coefficients or [{}] * len(cases)
    params = [case_params(case, jitter, **drawn, **run_overrides).to_dict()
              for case, drawn in zip(cases, coefficients, strict=True)]
    runs = run_many(params, seed, workers, stage="campaigns")
    ok = runs["error"].isna()
    runs["success"] = runs["outcome"] == Outcome.SUCCESS
    # Primarily violent, as NAVCO codes it: violent participants were the majority at some
    # step with a sizeable violent flank (a flank alone does not make a campaign violent).
    runs["turned_violent"] = ok & (as_numbers(runs["peak_violent_fraction"]) >= VIOLENT_MAJORITY)
    runs["defections"] = ok & (as_numbers(runs["security_defected_share"]) > 0)
    runs["fell_by_horizon"], runs["war_weeks"] = _fell_by_horizon(runs, params, workers)
    runs["won"] = np.where(runs["turned_violent"], runs["fell_by_horizon"], runs["success"])
    runs["goal"] = [case.goal for case in cases]
    runs["start_year"] = [case.start_year for case in cases]
    if paired:
        _learning_counterfactual(runs, params, workers)
    return runs


def _learning_counterfactual(runs: pd.DataFrame, params: list[dict[str, Any]],
                             workers: int | None) -> None:
    """Each maximalist campaign's success at each of PAIRED_LEARNING, all else the same.

    Grouping sampled campaigns by their era's learning compares campaigns that differ in
    every other condition too (and few fall in the high group); rerunning each campaign
    with only the learning changed measures what learning does. Adds the columns
    `success_at_learning_<level>` (NaN for reform campaigns and failed reruns).
    """
    chosen = runs.index[(runs["goal"] == "maximalist") & runs["error"].isna()].tolist()
    for level in PAIRED_LEARNING:
        column = f"success_at_learning_{level}"
        runs[column] = np.nan
        if not chosen:
            continue
        again = [{**params[i], "learning": level} for i in chosen]
        rerun = run_many(again, 0, workers, seeds=runs.loc[chosen, "seed"].tolist(),
                         stage=f"the same campaigns at learning {level}")
        won = (rerun["outcome"] == Outcome.SUCCESS).astype(float).where(rerun["error"].isna())
        runs.loc[chosen, column] = won.to_numpy()


def as_numbers(column: pd.Series) -> pd.Series:
    """A summary column as floats (NaN for failed runs, whatever the column's dtype)."""
    return pd.to_numeric(column, errors="coerce")


def _fell_by_horizon(runs: pd.DataFrame, params: list[dict[str, Any]],
                     workers: int | None) -> tuple[pd.Series, pd.Series]:
    """Whether each regime fell by the horizon, and how long each violent campaign's war was.

    A run stops when the campaign becomes an armed conflict, before a violent campaign
    could topple the regime; rerunning those runs (same parameters, same seed, so the
    same history up to the decision) with run_to_horizon shows whether it would have.
    The war lasts from the campaign's start to the regime's fall, or to the horizon. A
    rerun that raises marks its run failed (`error`), so the facts leave it out.
    """
    fell = runs["regime_fell"].eq(True)  # a failed run has None: it did not fall
    weeks = pd.Series(np.nan, index=runs.index)
    again = runs.index[runs["turned_violent"]].tolist()
    if again:
        longer = [{**params[i], "run_to_horizon": True} for i in again]
        rerun = run_many(longer, 0, workers, seeds=runs.loc[again, "seed"].tolist(),
                         stage="violent campaigns run on to the horizon")
        fell.loc[again] = rerun["regime_fell"].eq(True).to_numpy()
        start = (as_numbers(runs.loc[again, "decided_step"])
                 - as_numbers(runs.loc[again, "duration"]))
        end = as_numbers(rerun["fell_step"]).fillna(as_numbers(rerun["steps"]))
        weeks.loc[again] = end.to_numpy() - start.to_numpy()
        failed = rerun["error"].notna().to_numpy()
        if failed.any():
            where = [i for i, bad in zip(again, failed, strict=True) if bad]
            runs.loc[where, "error"] = ("run_to_horizon: " + rerun["error"][failed]).to_numpy()
    return fell, weeks


def flag(runs: pd.DataFrame, column: str, absent: bool) -> pd.Series:
    """A run table's boolean summary column, such as `formed` or `violent_flank`.

    A table written before the column existed gives `absent` for every run.
    """
    if column not in runs:
        return pd.Series(absent, index=runs.index)
    return runs[column].astype(bool)


def facts(runs: pd.DataFrame, include_unformed: bool = False) -> Facts:
    """The aggregate facts, each with the number of runs behind it.

    The published comparisons (nonviolent vs violent, participation bins, defections,
    learning, durations) are over maximalist campaigns, as in NAVCO 1.x; outcome shares
    and success by goal over all. A campaign is violent when violent participants were
    the majority at some step (peak_violent_fraction). Runs that failed are left out;
    `n_errors` (only when nonzero) says how many. Runs whose campaign never formed
    (nobody took part beyond the quiet share) are left out of every figure and counted
    (`n_never_formed`), as NAVCO codes only campaigns that formed, unless
    `include_unformed`.
    """
    failed = runs["error"].notna()
    every = runs[~failed]
    never = ~flag(every, "formed", absent=True)
    if not include_unformed:
        every = every[~never]
    runs = every[every["goal"] == "maximalist"]
    won, violent = runs["won"].astype(bool), runs["turned_violent"].astype(bool)
    edges = list(PARTICIPATION_BINS) + [np.inf]
    by_bin, n_bin = {}, {}
    for lo, hi in zip(edges, edges[1:], strict=False):
        inside = (runs["peak_participation_pct"] >= lo) & (runs["peak_participation_pct"] < hi)
        by_bin[str(lo)] = _rate(won[inside])
        n_bin[str(lo)] = int(inside.sum())
    low = runs["learning"] <= LOW_LEARNING
    high = runs["learning"] >= HIGH_LEARNING
    defections = runs["defections"].astype(bool)
    years = as_numbers(runs["duration"]) / WEEKS
    war_years = as_numbers(runs["war_weeks"]) / WEEKS
    return Facts(
        nonviolent_success=_rate(won[~violent]), n_nonviolent=int((~violent).sum()),
        violent_success=_rate(won[violent]), n_violent=int(violent.sum()),
        success_by_participation=by_bin, n_by_participation=n_bin,
        success_with_defection=_rate(won[defections]),
        n_with_defection=int(defections.sum()),
        success_without_defection=_rate(won[~defections]),
        n_without_defection=int((~defections).sum()),
        success_low_learning=_rate(won[low]), n_low_learning=int(low.sum()),
        success_high_learning=_rate(won[high]), n_high_learning=int(high.sum()),
        success_by_learning_paired={
            str(level): _rate_of_known(runs.get(f"success_at_learning_{level}"))
            for level in PAIRED_LEARNING},
        median_years_nonviolent=median_or_none(years[~violent & (runs["duration"] > 0)]),
        median_years_violent=median_or_none(war_years[violent]),
        median_years_by_outcome={
            o: median_or_none(years[(runs["outcome"] == o) & (runs["duration"] > 0)])
            for o in Outcome},
        n_maximalist=len(runs),
        outcome_shares={o: _rate(every["outcome"] == o) for o in Outcome},
        success_by_goal={g: _rate(every["won"].astype(bool)[every["goal"] == g])
                         for g in GOALS},
        n_by_goal={g: int((every["goal"] == g).sum()) for g in GOALS},
        n_runs=len(every),
        n_errors=int(failed.sum()),
        published=PUBLISHED,
        n_never_formed=int(never.sum()),
        include_unformed=include_unformed,
        nonviolent_wins_with_flank=_rate(
            flag(runs, "violent_flank", absent=False)[won & ~violent]),
    )


def _rate_of_known(values: pd.Series | None) -> float | None:
    """Mean of a 0/1 column with NaN left out; None when absent or empty."""
    if values is None:
        return None
    values = pd.to_numeric(values, errors="coerce").dropna()
    return float(values.mean()) if len(values) else None


def median_or_none(values: pd.Series) -> float | None:
    """Median of a series (NaN left out), None when empty."""
    values = values.dropna()
    return float(values.median()) if len(values) else None


def _rate(values: pd.Series) -> float | None:
    """Mean of a boolean series, None when empty."""
    return float(values.mean()) if len(values) else None


def format_facts(result: Facts, note: Mapping[str, Any] | None = None) -> str:
    """The facts beside the published figures, as text.

    `note` says which coefficients the runs used (commands.posterior_note); it heads the
    text when given.
    """
    pct = lambda v: "  n/a" if v is None else f"{v:5.0%}"  # noqa: E731
    yrs = lambda v: "n/a" if v is None else f"{v:.1f}"  # noqa: E731
    note = note or {}
    shares = result.outcome_shares
    lines = [
        *([f"coefficients: {note['coefficients']}"
           + (f" ({note['posterior']})" if note.get("posterior") else "")]
          if note.get("coefficients") else []),
        f"runs: {result.n_runs}"
        + (f" ({result.n_errors} more failed and are left out)" if result.n_errors else "")
        + (f"; {result.n_never_formed} campaigns never formed and are "
           + ("counted in every figure" if result.include_unformed else "left out")
           if result.n_never_formed else ""),
        "outcomes: " + ", ".join(f"{o} {pct(v).strip()}" for o, v in shares.items()),
        "success by goal: " + ", ".join(
            f"{g} {pct(v).strip()} (n={result.n_by_goal[g]})"
            for g, v in result.success_by_goal.items()),
        f"maximalist campaigns (as in the published data): {result.n_maximalist}",
        f"success of campaigns that stayed nonviolent {pct(result.nonviolent_success)}"
        f" (n={result.n_nonviolent}; published ~53%)",
        "  of their successes, won beside a violent flank "
        f"{pct(result.nonviolent_wins_with_flank).strip()}",
        f"success of campaigns that turned violent     {pct(result.violent_success)}"
        f" (n={result.n_violent}; published ~26%)",
        f"success with security defections           {pct(result.success_with_defection)}"
        f" (n={result.n_with_defection})",
        f"success without security defections        {pct(result.success_without_defection)}"
        f" (n={result.n_without_defection})",
        f"success, low authoritarian learning        {pct(result.success_low_learning)}"
        f" (n={result.n_low_learning})",
        f"success, high authoritarian learning       {pct(result.success_high_learning)}"
        f" (n={result.n_high_learning})",
        "the same maximalist campaigns rerun at each learning level (only learning differs): "
        + ", ".join(f"learning {level}: {pct(rate).strip()}"
                    for level, rate in result.success_by_learning_paired.items()),
        f"median duration, nonviolent campaigns      {yrs(result.median_years_nonviolent)}"
        " years (published: about 3)",
        f"median duration, violent campaigns' wars   {yrs(result.median_years_violent)}"
        " years (published: about 9)",
        "median duration by outcome (years): " + ", ".join(
            f"{o} {yrs(v)}" for o, v in result.median_years_by_outcome.items()),
        "success by peak participation (% of population, lower edge of bin):",
    ]
    for edge, rate in result.success_by_participation.items():
        lines.append(f"  >= {float(edge):<5} {pct(rate)} (n={result.n_by_participation[edge]})")
    return "\n".join(lines)


def facts_figure(result: Facts, path: Path) -> Path:
    """Bars: the model's aggregate facts, with the published figures marked."""
    from civres.experiments.analysis.figures import new_figure, save_figure

    fig, (left, right) = new_figure(1, 2, figsize=(10, 4))
    labels = ["nonviolent", "violent", "defections", "no defections", "low learning",
              "high learning"]
    keys = ["nonviolent_success", "violent_success", "success_with_defection",
            "success_without_defection", "success_low_learning", "success_high_learning"]
    values = [getattr(result, k) or 0.0 for k in keys]
    left.bar(labels, values, color=["tab:green", "tab:red", "tab:purple", "tab:gray",
                                    "tab:blue", "tab:orange"])
    left.scatter([0, 1], [PUBLISHED["nonviolent_success"], PUBLISHED["violent_success"]],
                 color="black", marker="_", s=600, zorder=3,
                 label="Chenoweth & Stephan 2011")
    left.set_ylim(0, 1)
    left.set_ylabel("share of campaigns that succeeded")
    left.tick_params(axis="x", rotation=30)
    left.legend(fontsize=8)
    bins = result.success_by_participation
    right.bar([f">={float(e):g}%" for e in bins], [v or 0.0 for v in bins.values()],
              color="tab:green")
    right.set_xlabel("peak participation, % of population")
    right.set_ylim(0, 1)
    right.set_title("success by peak participation (3.5% rule)", fontsize=10)
    fig.suptitle(f"Model aggregate facts over {result.n_runs} sampled campaigns")
    return save_figure(fig, path)

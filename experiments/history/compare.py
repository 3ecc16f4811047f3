"""Compare the model with history: the case catalogue and the aggregate facts.

`civres compare` runs every catalogued case through the one general mapping
(experiments/history/mapping.py) and scores the simulated outcome distributions against what
happened. `civres facts` samples campaign conditions broadly and sets the model's
aggregate results beside the published figures. Both run through the runner's
`run_many`, with per-run seeds from numpy's SeedSequence.

A run that raises is left out of its case's distribution and counted: the case's row
and the summary then say how many runs failed (`n_errors`); a case whose runs all failed
is shown but not scored.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civres.errors import RunAborted
from civres.experiments.sweeps.runner import run_many
from civres.model.vocabulary import Outcome

from . import baselines, patterns, scores
from .cases import Case, load_cases
from .mapping import case_params, coding_rng
from .posterior import Posterior
from .records import CaseComparison, Comparison

# ----------------------------------------------------------------------------- compare


def compare_cases(cases: list[Case], reps: int, seed: int, workers: int | None,
                  coding_uncertainty: bool = True, *,
                  used_in_calibration: set[str] | frozenset[str] = frozenset(),
                  split_year: int | None = None, catalogue: list[Case] | None = None,
                  posterior: Posterior | None = None,
                  **run_overrides: Any) -> Comparison:
    """Simulate every case `reps` times; score the distributions against history.

    With coding_uncertainty, each run draws the level-coded parameters from the
    intervals their levels stand for (civres.experiments.history.mapping.level_interval), from a
    generator seeded by `seed`, so the forecast carries the coarseness of the coding.

    Beside the model, two baselines forecast each case from its coded conditions
    (experiments/history/baselines.py), fitted on `catalogue` (default: the shipped catalogue)
    less the case itself (by id): leave-one-out for the catalogue's cases, a fit on the
    whole catalogue for a case of another file. `used_in_calibration` names the cases
    the model's calibration used; they are scored apart from the others. With
    `split_year`, the baselines are also fitted on the catalogue's campaigns starting
    up to that year only and scored on the later ones (`scores`, "after <year>").
    The bootstrap intervals are seeded by `seed`. With a `posterior`, each run's
    coefficients are drawn from it (experiments/history/posterior.py), seeded by `seed`.
    """
    jitter = coding_rng(seed) if coding_uncertainty else None
    drawn = (posterior.draw(len(cases) * reps, seed) if posterior is not None
             else [{}] * (len(cases) * reps))
    params = [case_params(case, jitter, **coefficients, **run_overrides).to_dict()
              for case, coefficients in zip(
                  [case for case in cases for _ in range(reps)], drawn, strict=True)]
    runs = run_many(params, seed, workers)
    runs["case"] = [case.id for case in cases for _ in range(reps)]
    per_case = [runs[runs.case == case.id] for case in cases]
    simulations = [patterns.simulated(mine[mine["error"].isna()]) for mine in per_case]
    rows = [_case_row(case, mine, sim)
            for case, mine, sim in zip(cases, per_case, simulations, strict=True)]
    catalogue = load_cases() if catalogue is None else catalogue
    used = frozenset(used_in_calibration)
    _add_baselines(rows, cases, catalogue, used, split_year)
    scored = [r for r in rows if r.scored]
    failed = runs["error"].notna()
    if not scored:
        raise RunAborted(f"all {len(runs)} runs failed, first: {runs.error[failed].iloc[0]}")
    summary = {**score(scored), "coding_uncertainty": coding_uncertainty,
               **_development(used, cases),
               "scores": group_scores(scored, seed, split_year),
               "patterns": patterns.pattern_scores(
                   [c for c, r in zip(cases, rows, strict=True) if r.scored],
                   [m for m, r in zip(simulations, rows, strict=True) if r.scored],
                   catalogue, seed)}
    if failed.any():
        summary["n_errors"] = int(failed.sum())
        summary["first_error"] = runs.error[failed].iloc[0]
        summary["n_cases_unscored"] = len(rows) - len(scored)
    return Comparison(rows, summary, reps, seed)


def _add_baselines(rows: list[CaseComparison], cases: list[Case], catalogue: list[Case],
                   used: frozenset[str], split_year: int | None) -> None:
    """Add to each row its calibration flag and the baselines' forecasts (in place)."""
    fits = baselines.held_out(cases, catalogue)
    early = ([c for c in catalogue if c.start_year <= split_year]
             if split_year is not None else [])
    split_fits = baselines.held_out(cases, early) if split_year is not None else None
    for i, (row, case) in enumerate(zip(rows, cases, strict=True)):
        row.used_in_calibration = case.id in used
        row.start_year = case.start_year
        row.baseline_logistic = fits["logistic"][i]
        row.baseline_rates = fits["rates"][i]
        if split_fits is not None:
            row.split_baseline_logistic = split_fits["logistic"][i]
            row.split_baseline_rates = split_fits["rates"][i]


def _development(used: frozenset[str], cases: list[Case]) -> dict[str, Any]:
    """What the catalogue has been used for, said plainly."""
    return {
        "development_set": "the catalogue has been used to develop the model, so it is "
                           "a development set: the rules, the mapping's levels and the "
                           "choices made after earlier comparisons were made with these "
                           "cases in view, and its scores are not out-of-sample tests of "
                           "the model",
        "used_in_calibration": sorted(used),
        "n_used_in_calibration": sum(c.id in used for c in cases),
    }


def _case_row(case: Case, runs: pd.DataFrame, simulated: dict[str, Any]) -> CaseComparison:
    """One case's observed facts beside its simulated outcome distribution and patterns.

    The distribution is over the runs that did not fail; `n_errors` counts the others.
    With no run left, predicted and the simulated figures are None and the case is not
    scored.
    """
    failed = runs["error"].notna()
    ok = runs[~failed]
    counts = Counter(ok["outcome"])
    distribution = {k: counts.get(k, 0) / len(ok) if len(ok) else 0.0 for k in Outcome}
    return CaseComparison(
        id=case.id,
        name=case.name,
        observed=case.observed.outcome,
        predicted=scores.most_likely(distribution) if len(ok) else None,
        distribution=distribution,
        n_runs=len(ok),
        observed_peak_pct=case.observed.peak_participation_pct,
        simulated_peak_pct=simulated["peak"],
        observed_defections=case.observed.security_defections,
        simulated_defections=simulated["defections"],
        n_errors=int(failed.sum()),
        simulated_peak_interval=simulated["peak_interval"],
        observed_duration_years=patterns.observed(case)["duration"],
        simulated_duration_years=simulated["duration"],
        simulated_duration_interval=simulated["duration_interval"],
    )


def score(rows: list[CaseComparison]) -> dict[str, Any]:
    """Accuracy, multi-class Brier score, base-rate Brier score, confusion matrix.

    Args:
        rows: the scored cases' rows (each with a predicted outcome).

    """
    observed = [r.observed for r in rows]
    base = {k: observed.count(k) / len(rows) for k in Outcome}
    brier = np.mean([scores.brier(r.distribution, r.observed) for r in rows])
    baseline = np.mean([scores.brier(base, r.observed) for r in rows])
    confusion = {o: {p: sum(r.observed == o and r.predicted == p for r in rows)
                     for p in Outcome} for o in Outcome}
    return {
        "n_cases": len(rows),
        "accuracy": float(np.mean([r.hit for r in rows])),
        "accuracy_base_rate": max(base.values()),
        "brier": float(brier),
        "brier_baseline": float(baseline),
        "base_rates": base,
        "confusion": confusion,
    }


#: The temporal split of `civres compare --split`: campaigns starting up to this year
#: (the baselines' training cases) against those starting after it.
SPLIT_YEAR = 2006

#: The forecasters scored side by side, in the order tables show them.
FORECASTERS = ("model", "base_rates", "logistic")


def group_scores(rows: list[CaseComparison], seed: int, split_year: int | None = None
                 ) -> dict[str, Any]:
    """Accuracy, Brier and log-loss of each forecaster in each group of cases.

    Groups: all cases, those used in calibration and those not; with `split_year`, the
    campaigns starting up to that year and after it, where the baselines are the ones
    fitted on the catalogue's early campaigns only (`split_baseline_*` in the rows). Each
    score has its seeded bootstrap 95% interval over the group's cases; the Brier
    differences model - baseline have paired intervals. A group with no case has n 0.

    Args:
        rows: scored case rows, with the baselines' forecasts added by compare_cases.
        seed: seeds every bootstrap.
        split_year: the last start year of the early campaigns, if any.

    """
    groups: list[tuple[str, list[CaseComparison], str]] = [
        ("all", rows, "baseline"),
        ("used in calibration", [r for r in rows if r.used_in_calibration], "baseline"),
        ("not used in calibration", [r for r in rows if not r.used_in_calibration],
         "baseline"),
    ]
    if split_year is not None:
        groups += [
            (f"up to {split_year}", [r for r in rows if r.start_year <= split_year],
             "split_baseline"),
            (f"after {split_year}", [r for r in rows if r.start_year > split_year],
             "split_baseline"),
        ]
    out = {name: _group(members, prefix, seed) for name, members, prefix in groups}
    return {
        "groups": out,
        "interval": f"{scores.LEVEL:.0%} interval (percentile bootstrap over cases, "
                    f"{scores.N_RESAMPLES} resamples, seed {seed})",
        "log_loss": "natural log; the model's distribution add-half smoothed over its "
                    "runs, (count + 0.5) / (runs + 2), in every group (accuracy and Brier "
                    "use it unsmoothed); the baselines give no outcome 0 (add-half base "
                    "rates; an outcome absent from the logistic's training cases gets "
                    "0.5 / (n + 2))",
        "baselines": "fitted on the catalogue less the case itself (leave-one-out for "
                     "catalogue cases)"
                     + (f"; in the groups up to {split_year} and after {split_year}, "
                        f"fitted on the catalogue's campaigns starting up to {split_year} "
                        "only (less the case itself). The model was developed on the "
                        "whole catalogue, late campaigns included: the split holds them "
                        "out of the baselines only" if split_year is not None else ""),
    }


def _group(rows: list[CaseComparison], prefix: str, seed: int) -> dict[str, Any]:
    """One group's scores: each forecaster's, the paired Brier differences, the best."""
    if not rows:
        return {"n": 0}
    observed = [r.observed for r in rows]
    per_case = {
        "model": scores.per_case([r.distribution for r in rows], observed,
                                 [scores.smoothed(r.distribution, r.n_runs) for r in rows]),
        "base_rates": scores.per_case([getattr(r, f"{prefix}_rates") for r in rows],
                                      observed),
        "logistic": scores.per_case([getattr(r, f"{prefix}_logistic") for r in rows],
                                    observed),
    }
    group: dict[str, Any] = {"n": len(rows)}
    for name in FORECASTERS:
        group[name] = scores.summarise(per_case[name], seed)
    group["brier_difference"] = {
        f"model_minus_{name}": scores.paired_difference(
            per_case["model"]["brier"], per_case[name]["brier"], seed)
        for name in ("logistic", "base_rates")
    }
    group["lowest_brier"] = min(FORECASTERS, key=lambda k: group[k]["brier"]["value"])
    return group


def format_comparison(result: Comparison) -> str:
    """The comparison as a readable table with its summary."""
    lines = [f"{'case':<28} {'observed':<10} {'predicted':<10} hit  "
             + " ".join(f"{k[:5]:>5}" for k in Outcome)
             + "  peak% sim/obs    defect sim/obs  years sim/obs"]
    for r in result.cases:
        dist = " ".join(f"{r.distribution[k]:5.2f}" for k in Outcome)
        obs_peak = "-" if r.observed_peak_pct is None else f"{r.observed_peak_pct:.2f}"
        obs_def = {None: "-", True: "yes", False: "no"}[r.observed_defections]
        failed = f"  ({r.n_errors} runs failed)" if r.n_errors else ""
        lines.append(f"{r.id:<28} {r.observed:<10} {r.predicted or '-':<10} "
                     f"{'yes' if r.hit else 'no ':<4} {dist}  "
                     f"{_number(r.simulated_peak_pct, '5.2f')}/{obs_peak:<8} "
                     f"{_number(r.simulated_defections, '4.2f')}/{obs_def:<8} "
                     f"{_number(r.simulated_duration_years, '4.1f')}/"
                     f"{_number(r.observed_duration_years, '1.0f')}{failed}")
    s = result.summary
    lines += [
        "",
        f"accuracy of the most likely outcome: {s['accuracy']:.2f} over {s['n_cases']} cases "
        f"(always predicting the commonest outcome: {s['accuracy_base_rate']:.2f})",
        f"Brier score: {s['brier']:.3f} (predicting these cases' own base rates, in sample: "
        f"{s['brier_baseline']:.3f}; lower is better; held-out baselines below)",
        "coding uncertainty: " + ("levels drawn within their intervals"
                                  if s.get("coding_uncertainty") else "central values"),
        f"development: {s['development_set']}",
        "used in calibration: " + (", ".join(s["used_in_calibration"])
                                   or "none (the calibration used no catalogue case)"),
        *([f"coefficients: {s['coefficients']}"
           + (f" ({s['posterior']})" if s.get("posterior") else "")]
          if s.get("coefficients") else []),
        *([f"runs that failed: {s['n_errors']}, left out ({s['n_cases_unscored']} cases "
           f"without a run, not scored); first: {s['first_error']}"] if s.get("n_errors")
          else []),
        "confusion (rows observed, columns predicted):",
        f"{'':<12}" + "".join(f"{k:>12}" for k in Outcome),
    ]
    for o in Outcome:
        lines.append(f"{o:<12}" + "".join(f"{s['confusion'][o][p]:>12}" for p in Outcome))
    if "scores" in s:
        lines += ["", *format_scores(s["scores"])]
    if "patterns" in s:
        lines += ["", *patterns.format_patterns(s["patterns"])]
    return "\n".join(lines)


_NAMES = {"model": "model", "base_rates": "base rates", "logistic": "logistic"}


def format_scores(block: dict[str, Any]) -> list[str]:
    """The scores block as lines: one per group and forecaster, then who wins each group."""
    lines = [f"scores, each with its {block['interval']}; lower Brier and log-loss "
             "are better:",
             f"{'group':<24} {'n':>3}  {'forecaster':<11} {'accuracy':<18} "
             f"{'Brier':<21} log-loss"]
    verdicts = []
    for name, group in block["groups"].items():
        if not group["n"]:
            lines.append(f"{name:<24} {0:>3}  (no case)")
            continue
        for forecaster in FORECASTERS:
            f = group[forecaster]
            lines.append(f"{name:<24} {group['n']:>3}  {_NAMES[forecaster]:<11} "
                         f"{_scored(f['accuracy'], '.2f'):<18} "
                         f"{_scored(f['brier'], '.3f'):<21} "
                         f"{_scored(f['log_loss'], '.3f')}")
        diffs = "; ".join(_difference(group["brier_difference"][f"model_minus_{k}"], k)
                          for k in ("logistic", "base_rates"))
        verdicts.append(f"{name}: lowest Brier {_NAMES[group['lowest_brier']]}; {diffs}")
    return [*lines, "", "Brier, model minus each baseline, with its paired interval:",
            *verdicts, f"baselines: {block['baselines']}", f"log-loss: {block['log_loss']}"]


def _difference(diff: dict[str, Any], baseline: str) -> str:
    """A paired Brier difference model - baseline, and what its interval says."""
    lo, hi = diff["interval"]
    said = ("model clearly worse" if lo > 0 else "model clearly better" if hi < 0
            else "no clear difference: the interval holds 0")
    return f"model - {_NAMES[baseline]} {_scored(diff, '+.3f')} ({said})"


def _scored(score: dict[str, Any], spec: str) -> str:
    """A score with its interval: 0.724 [0.612, 0.831]."""
    value, lo, hi = (0.0 if abs(x) < 1e-12 else x  # no "-0.000" for a rounding error
                     for x in (score["value"], *score["interval"]))
    return f"{format(value, spec)} [{format(lo, spec)}, {format(hi, spec)}]"


def _number(value: float | None, spec: str) -> str:
    """A number formatted to `spec`, or "-" as wide when there is none."""
    width = int(spec.split(".")[0])
    return "-".rjust(width) if value is None else format(value, spec)


def comparison_figure(result: Comparison, path: Path) -> Path:
    """Per case: the simulated outcome distribution as a bar, the observed outcome marked."""
    from civres.experiments.analysis.figures import new_figure, save_figure

    rows = result.cases
    fig, ax = new_figure(figsize=(8, 0.28 * len(rows) + 1.5))
    for i, r in enumerate(rows):
        left = 0.0
        for k in Outcome:
            ax.barh(i, r.distribution[k], left=left, color=k.colour,
                    label=k if i == 0 else None)
            left += r.distribution[k]
        ax.plot(1.03, i, "s", color=r.observed.colour, clip_on=False)
    ax.set_yticks(range(len(rows)), [r.id for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("simulated outcome distribution (square at right: observed outcome)")
    s = result.summary
    ax.set_title(f"Catalogue: accuracy {s['accuracy']:.2f}, Brier {s['brier']:.3f} "
                 f"(base rates {s['brier_baseline']:.3f})", fontsize=10)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.04), ncol=4, fontsize=8)
    return save_figure(fig, path)

"""Compare the model with history: the case catalogue and the aggregate facts.

`civres compare` runs every catalogued case through the one general mapping
(experiments/mapping.py) and scores the simulated outcome distributions against what
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

from model.vocabulary import OUTCOME_COLOURS, OUTCOMES

from .cases import Case
from .errors import RunAborted
from .mapping import case_params, coding_rng
from .runner import run_many

# ----------------------------------------------------------------------------- compare


def compare_cases(cases: list[Case], reps: int, seed: int, workers: int | None,
                  coding_uncertainty: bool = True, **run_overrides: Any) -> dict[str, Any]:
    """Simulate every case `reps` times; score the distributions against history.

    With coding_uncertainty, each run draws the level-coded parameters from the
    intervals their levels stand for (experiments.mapping.level_interval), from a
    generator seeded by `seed`, so the forecast carries the coarseness of the coding.
    """
    jitter = coding_rng(seed) if coding_uncertainty else None
    params = [case_params(case, jitter, **run_overrides).to_dict()
              for case in cases for _ in range(reps)]
    runs = run_many(params, seed, workers)
    runs["case"] = [case.id for case in cases for _ in range(reps)]
    rows = [_case_row(case, runs[runs.case == case.id]) for case in cases]
    scored = [r for r in rows if r["predicted"] is not None]
    failed = runs["error"].notna()
    if not scored:
        raise RunAborted(f"all {len(runs)} runs failed, first: {runs.error[failed].iloc[0]}")
    summary = {**score(scored), "coding_uncertainty": coding_uncertainty}
    if failed.any():
        summary["n_errors"] = int(failed.sum())
        summary["first_error"] = runs.error[failed].iloc[0]
        summary["n_cases_unscored"] = len(rows) - len(scored)
    return {"cases": rows, "summary": summary, "reps": reps, "seed": seed}


def _case_row(case: Case, runs: pd.DataFrame) -> dict[str, Any]:
    """One case's observed facts beside its simulated outcome distribution.

    The distribution is over the runs that did not fail; `n_errors` counts the others
    (present only when some failed). With no run left, predicted and the simulated
    figures are None and the case is not scored.
    """
    failed = runs["error"].notna()
    ok = runs[~failed]
    counts = Counter(ok["outcome"])
    distribution = {k: counts.get(k, 0) / len(ok) if len(ok) else 0.0 for k in OUTCOMES}
    predicted = (max(OUTCOMES, key=lambda k: (distribution[k], -OUTCOMES.index(k)))
                 if len(ok) else None)
    row = {
        "id": case.id,
        "name": case.name,
        "observed": case.observed.outcome,
        "predicted": predicted,
        "hit": predicted == case.observed.outcome,
        "distribution": distribution,
        "observed_peak_pct": case.observed.peak_participation_pct,
        "simulated_peak_pct": _stat(ok["peak_participation_pct"].astype(float).median()),
        "observed_defections": case.observed.security_defections,
        "simulated_defections": _stat((ok["security_defected_share"].astype(float) > 0).mean()),
    }
    if failed.any():
        row["n_errors"] = int(failed.sum())
    return row


def _stat(value: float) -> float | None:
    """A statistic of the runs as a float; None where no run was left (NaN)."""
    return None if pd.isna(value) else float(value)


def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy, multi-class Brier score, base-rate Brier score, confusion matrix.

    Args:
        rows: the scored cases' rows (each with a predicted outcome).

    """
    observed = [r["observed"] for r in rows]
    base = {k: observed.count(k) / len(rows) for k in OUTCOMES}
    brier = np.mean([_brier(r["distribution"], r["observed"]) for r in rows])
    baseline = np.mean([_brier(base, r["observed"]) for r in rows])
    confusion = {o: {p: sum(r["observed"] == o and r["predicted"] == p for r in rows)
                     for p in OUTCOMES} for o in OUTCOMES}
    return {
        "n_cases": len(rows),
        "accuracy": float(np.mean([r["hit"] for r in rows])),
        "accuracy_base_rate": max(base.values()),
        "brier": float(brier),
        "brier_baseline": float(baseline),
        "base_rates": base,
        "confusion": confusion,
        "calibrated_on_catalogue": False,
        "cross_validation": "not needed: no parameter was fitted to the catalogue "
                            "(the mapping's levels come from mechanisms; see docs/ODD.md)",
    }


def _brier(distribution: dict[str, float], observed: str) -> float:
    """Sum over outcomes of (forecast probability - observed indicator) squared."""
    return float(sum((distribution[k] - (k == observed)) ** 2 for k in OUTCOMES))


def format_comparison(result: dict[str, Any]) -> str:
    """The comparison as a readable table with its summary."""
    lines = [f"{'case':<28} {'observed':<10} {'predicted':<10} hit  "
             + " ".join(f"{k[:5]:>5}" for k in OUTCOMES)
             + "  peak% sim/obs    defect sim/obs"]
    for r in result["cases"]:
        dist = " ".join(f"{r['distribution'][k]:5.2f}" for k in OUTCOMES)
        obs_peak = "-" if r["observed_peak_pct"] is None else f"{r['observed_peak_pct']:.2f}"
        obs_def = {None: "-", True: "yes", False: "no"}[r["observed_defections"]]
        failed = f"  ({r['n_errors']} runs failed)" if r.get("n_errors") else ""
        lines.append(f"{r['id']:<28} {r['observed']:<10} {r['predicted'] or '-':<10} "
                     f"{'yes' if r['hit'] else 'no ':<4} {dist}  "
                     f"{_number(r['simulated_peak_pct'], '5.2f')}/{obs_peak:<8} "
                     f"{_number(r['simulated_defections'], '4.2f')}/{obs_def}{failed}")
    s = result["summary"]
    lines += [
        "",
        f"accuracy of the most likely outcome: {s['accuracy']:.2f} over {s['n_cases']} cases "
        f"(always predicting the commonest outcome: {s['accuracy_base_rate']:.2f})",
        f"Brier score: {s['brier']:.3f} (predicting the base rates: {s['brier_baseline']:.3f};"
        " lower is better)",
        "coding uncertainty: " + ("levels drawn within their intervals"
                                  if s.get("coding_uncertainty") else "central values"),
        f"cross-validation: {s['cross_validation']}",
        *([f"runs that failed: {s['n_errors']}, left out ({s['n_cases_unscored']} cases "
           f"without a run, not scored); first: {s['first_error']}"] if s.get("n_errors")
          else []),
        "confusion (rows observed, columns predicted):",
        f"{'':<12}" + "".join(f"{k:>12}" for k in OUTCOMES),
    ]
    for o in OUTCOMES:
        lines.append(f"{o:<12}" + "".join(f"{s['confusion'][o][p]:>12}" for p in OUTCOMES))
    return "\n".join(lines)


def _number(value: float | None, spec: str) -> str:
    """A number formatted to `spec`, or "-" as wide when there is none."""
    width = int(spec.split(".")[0])
    return "-".rjust(width) if value is None else format(value, spec)


def comparison_figure(result: dict[str, Any], path: Path) -> Path:
    """Per case: the simulated outcome distribution as a bar, the observed outcome marked."""
    import matplotlib.pyplot as plt

    from .figures import save_figure

    rows = result["cases"]
    colours = OUTCOME_COLOURS
    fig, ax = plt.subplots(figsize=(8, 0.28 * len(rows) + 1.5))
    for i, r in enumerate(rows):
        left = 0.0
        for k in OUTCOMES:
            ax.barh(i, r["distribution"][k], left=left, color=colours[k],
                    label=k if i == 0 else None)
            left += r["distribution"][k]
        ax.plot(1.03, i, "s", color=colours[r["observed"]], clip_on=False)
    ax.set_yticks(range(len(rows)), [r["id"] for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("simulated outcome distribution (square at right: observed outcome)")
    s = result["summary"]
    ax.set_title(f"Catalogue: accuracy {s['accuracy']:.2f}, Brier {s['brier']:.3f} "
                 f"(base rates {s['brier_baseline']:.3f})", fontsize=10)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.04), ncol=4, fontsize=8)
    return save_figure(fig, path)

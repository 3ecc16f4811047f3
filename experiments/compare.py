"""Compare the model with history: the case catalogue and the aggregate facts.

`civres compare` runs every catalogued case through the one general mapping
(experiments/mapping.py) and scores the simulated outcome distributions against what
happened. `civres facts` samples campaign conditions broadly and sets the model's
aggregate results beside the published figures. Both run through the sweep runner's
executors, with per-run seeds from numpy's SeedSequence.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.outcome import OUTCOMES

from .cases import Case
from .mapping import case_params
from .sweep import RunTask, open_executor, run_task, spawn_seeds

#: Lower edges (in % of the population) of the participation bins of `facts`.
PARTICIPATION_BINS = (0.0, 0.01, 0.1, 1.0, 3.5)
#: Second entropy word of the generator that draws coded parameters within their levels,
#: kept apart from the SeedSequence that seeds the runs.
JITTER_STREAM = 1


def run_many(param_dicts: list[dict[str, Any]], master_seed: int, workers: int | None,
             executor: str = "process", seeds: list[int] | None = None) -> pd.DataFrame:
    """Run one model per parameter dict; a row each.

    Seeds are spawned from `master_seed` unless given (to rerun runs exactly).
    """
    seeds = spawn_seeds(master_seed, len(param_dicts)) if seeds is None else seeds
    tasks = [RunTask(i, i, 0, params, seed, False)
             for i, (params, seed) in enumerate(zip(param_dicts, seeds, strict=True))]
    with open_executor(executor, workers) as (pool, _, _):
        rows = [row for row, _ in pool.map(run_task, tasks)]
    frame = pd.DataFrame(rows).sort_values("run_id").reset_index(drop=True)
    failed = frame["error"].notna()
    if failed.any():
        raise RuntimeError(f"{int(failed.sum())} runs failed, first: {frame.error[failed].iloc[0]}")
    return frame


# ----------------------------------------------------------------------------- compare


def compare_cases(cases: list[Case], reps: int, seed: int, workers: int | None,
                  coding_uncertainty: bool = True, **run_overrides: Any) -> dict[str, Any]:
    """Simulate every case `reps` times; score the distributions against history.

    With coding_uncertainty, each run draws the level-coded parameters from the
    intervals their levels stand for (experiments.mapping.level_interval), from a
    generator seeded by `seed`, so the forecast carries the coarseness of the coding.
    """
    jitter = np.random.default_rng([seed, JITTER_STREAM]) if coding_uncertainty else None
    params = [case_params(case, jitter, **run_overrides).to_dict()
              for case in cases for _ in range(reps)]
    runs = run_many(params, seed, workers)
    runs["case"] = [case.id for case in cases for _ in range(reps)]
    rows = [_case_row(case, runs[runs.case == case.id]) for case in cases]
    summary = {**score(rows), "coding_uncertainty": coding_uncertainty}
    return {"cases": rows, "summary": summary, "reps": reps, "seed": seed}


def _case_row(case: Case, runs: pd.DataFrame) -> dict[str, Any]:
    """One case's observed facts beside its simulated outcome distribution."""
    counts = Counter(runs["outcome"])
    distribution = {k: counts.get(k, 0) / len(runs) for k in OUTCOMES}
    predicted = max(OUTCOMES, key=lambda k: (distribution[k], -OUTCOMES.index(k)))
    return {
        "id": case.id,
        "name": case.name,
        "observed": case.observed.outcome,
        "predicted": predicted,
        "hit": predicted == case.observed.outcome,
        "distribution": distribution,
        "observed_peak_pct": case.observed.peak_participation_pct,
        "simulated_peak_pct": float(runs["peak_participation_pct"].median()),
        "observed_defections": case.observed.security_defections,
        "simulated_defections": float((runs["security_defected_share"] > 0).mean()),
    }


def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Accuracy, multi-class Brier score, base-rate Brier score, confusion matrix."""
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
        lines.append(f"{r['id']:<28} {r['observed']:<10} {r['predicted']:<10} "
                     f"{'yes' if r['hit'] else 'no ':<4} {dist}  "
                     f"{r['simulated_peak_pct']:5.2f}/{obs_peak:<8} "
                     f"{r['simulated_defections']:4.2f}/{obs_def}")
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
        "confusion (rows observed, columns predicted):",
        f"{'':<12}" + "".join(f"{k:>12}" for k in OUTCOMES),
    ]
    for o in OUTCOMES:
        lines.append(f"{o:<12}" + "".join(f"{s['confusion'][o][p]:>12}" for p in OUTCOMES))
    return "\n".join(lines)


def comparison_figure(result: dict[str, Any], path: Path) -> Path:
    """Per case: the simulated outcome distribution as a bar, the observed outcome marked."""
    import matplotlib.pyplot as plt

    from .figures import save_figure

    rows = result["cases"]
    colours = {"success": "tab:green", "stalled": "tab:gray", "suppressed": "tab:blue",
               "violent": "tab:red"}
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

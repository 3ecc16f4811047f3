"""The model's aggregate facts beside the published ones (`civres facts`).

Samples campaign conditions broadly (every condition level, regime type, tactic and
era equally likely), maps them to parameters with the same function as the case
catalogue, runs each once and tabulates what the field reports:
- nonviolent vs violent campaigns' success (Chenoweth & Stephan 2011: ~53% vs ~26%);
- success by peak participation (the "3.5% rule");
- success with vs without security-force defections;
- success under low vs high authoritarian learning (the 2010s decline, Chenoweth 2020).

A run that raises (or whose rerun to the horizon raises) is left out of every fact;
`n_errors` says how many were (present only when some were).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.outcome import Thresholds

from .cases import CONDITION_FIELDS, LEVELS, REGIME_TYPES, TACTICS, Case, Conditions, Observed
from .mapping import case_params, coding_rng
from .runner import run_many

PUBLISHED = {
    "nonviolent_success": 0.53,
    "violent_success": 0.26,
}
#: Lower edges (in % of the population) of the participation bins.
PARTICIPATION_BINS = (0.0, 0.01, 0.1, 1.0, 3.5)
LOW_LEARNING, HIGH_LEARNING = 0.15, 0.45
#: Violent share of participants that makes a campaign violent (the classifier's).
VIOLENT_MAJORITY = Thresholds().violent_majority


def sample_cases(n: int, seed: int) -> list[Case]:
    """N synthetic campaigns with conditions drawn uniformly from every level."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n):
        conditions = Conditions(**{f: str(rng.choice(LEVELS)) for f in CONDITION_FIELDS})
        year = int(rng.integers(1950, 2021))
        cases.append(Case(
            id=f"sample-{i}", name=f"sample {i}", country="-", start_year=year, end_year=year,
            regime_type=str(rng.choice(REGIME_TYPES)), conditions=conditions,
            tactics=str(rng.choice(TACTICS)), observed=Observed("stalled", ("synthetic",)),
        ))
    return cases


def run_facts(samples: int, seed: int, workers: int | None, **run_overrides: Any) -> pd.DataFrame:
    """Run one model per sampled campaign; a row per run, failed runs included (`error`)."""
    cases = sample_cases(samples, seed)
    jitter = coding_rng(seed)
    params = [case_params(case, jitter, **run_overrides).to_dict() for case in cases]
    runs = run_many(params, seed, workers)
    ok = runs["error"].isna()
    runs["success"] = runs["outcome"] == "success"
    # Primarily violent, as NAVCO codes it: violent participants were the majority at some
    # step with a sizeable violent flank (a flank alone does not make a campaign violent).
    runs["turned_violent"] = ok & (_numbers(runs["peak_violent_fraction"]) >= VIOLENT_MAJORITY)
    runs["defections"] = ok & (_numbers(runs["security_defected_share"]) > 0)
    runs["fell_by_horizon"] = _fell_by_horizon(runs, params, workers)
    return runs


def _numbers(column: pd.Series) -> pd.Series:
    """A summary column as floats (NaN for failed runs, whatever the column's dtype)."""
    return pd.to_numeric(column, errors="coerce")


def _fell_by_horizon(runs: pd.DataFrame, params: list[dict[str, Any]],
                     workers: int | None) -> pd.Series:
    """Whether each regime fell by the horizon, violent campaigns run on past their decision.

    A run stops when the campaign becomes an armed conflict, before a violent campaign
    could topple the regime; rerunning those runs (same parameters, same seed, so the
    same history up to the decision) with run_to_horizon shows whether it would have. A
    rerun that raises marks its run failed (`error`), so the facts leave it out.
    """
    fell = runs["regime_fell"].eq(True)  # a failed run has None: it did not fall
    again = runs.index[runs["turned_violent"]].tolist()
    if again:
        longer = [{**params[i], "run_to_horizon": True} for i in again]
        rerun = run_many(longer, 0, workers, seeds=runs.loc[again, "seed"].tolist())
        fell.loc[again] = rerun["regime_fell"].eq(True).to_numpy()
        failed = rerun["error"].notna().to_numpy()
        if failed.any():
            where = [i for i, bad in zip(again, failed, strict=True) if bad]
            runs.loc[where, "error"] = ("run_to_horizon: " + rerun["error"][failed]).to_numpy()
    return fell


def facts(runs: pd.DataFrame) -> dict[str, Any]:
    """The aggregate facts, each with the number of runs behind it.

    For the nonviolent / violent comparison a campaign counts as successful when the
    regime fell by the horizon (violent campaigns run on past their decision, see
    _fell_by_horizon), and as violent when violent participants were the majority at some
    step (peak_violent_fraction). Elsewhere success is the classified outcome. Runs that
    failed are left out; `n_errors` (only when nonzero) says how many.
    """
    failed = runs["error"].notna()
    runs = runs[~failed]
    fell = runs["fell_by_horizon"]
    violent = runs["turned_violent"]
    edges = list(PARTICIPATION_BINS) + [np.inf]
    by_bin, n_bin = {}, {}
    for lo, hi in zip(edges, edges[1:], strict=False):
        inside = (runs["peak_participation_pct"] >= lo) & (runs["peak_participation_pct"] < hi)
        by_bin[str(lo)] = _rate(runs["success"][inside])
        n_bin[str(lo)] = int(inside.sum())
    low = runs["learning"] <= LOW_LEARNING
    high = runs["learning"] >= HIGH_LEARNING
    return {
        "nonviolent_success": _rate(fell[~violent]), "n_nonviolent": int((~violent).sum()),
        "violent_success": _rate(fell[violent]), "n_violent": int(violent.sum()),
        "success_by_participation": by_bin, "n_by_participation": n_bin,
        "success_with_defection": _rate(runs["success"][runs["defections"]]),
        "n_with_defection": int(runs["defections"].sum()),
        "success_without_defection": _rate(runs["success"][~runs["defections"]]),
        "n_without_defection": int((~runs["defections"]).sum()),
        "success_low_learning": _rate(runs["success"][low]), "n_low_learning": int(low.sum()),
        "success_high_learning": _rate(runs["success"][high]),
        "n_high_learning": int(high.sum()),
        "n_runs": len(runs),
        **({"n_errors": int(failed.sum())} if failed.any() else {}),
        "published": PUBLISHED,
    }


def _rate(values: pd.Series) -> float | None:
    """Mean of a boolean series, None when empty."""
    return float(values.mean()) if len(values) else None


def format_facts(result: dict[str, Any]) -> str:
    """The facts beside the published figures, as text."""
    pct = lambda v: "  n/a" if v is None else f"{v:5.0%}"  # noqa: E731
    lines = [
        f"runs: {result['n_runs']}"
        + (f" ({result['n_errors']} more failed and are left out)"
           if result.get("n_errors") else ""),
        f"success of campaigns that stayed nonviolent {pct(result['nonviolent_success'])}"
        f" (n={result['n_nonviolent']}; published ~53%)",
        f"success of campaigns that turned violent     {pct(result['violent_success'])}"
        f" (n={result['n_violent']}; published ~26%)",
        f"success with security defections           {pct(result['success_with_defection'])}"
        f" (n={result['n_with_defection']})",
        f"success without security defections        {pct(result['success_without_defection'])}"
        f" (n={result['n_without_defection']})",
        f"success, low authoritarian learning        {pct(result['success_low_learning'])}"
        f" (n={result['n_low_learning']})",
        f"success, high authoritarian learning       {pct(result['success_high_learning'])}"
        f" (n={result['n_high_learning']})",
        "success by peak participation (% of population, lower edge of bin):",
    ]
    for edge, rate in result["success_by_participation"].items():
        lines.append(f"  >= {float(edge):<5} {pct(rate)} (n={result['n_by_participation'][edge]})")
    return "\n".join(lines)


def facts_figure(result: dict[str, Any], path: Path) -> Path:
    """Bars: the model's aggregate facts, with the published figures marked."""
    import matplotlib.pyplot as plt

    from .figures import save_figure

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    labels = ["nonviolent", "violent", "defections", "no defections", "low learning",
              "high learning"]
    keys = ["nonviolent_success", "violent_success", "success_with_defection",
            "success_without_defection", "success_low_learning", "success_high_learning"]
    values = [result[k] or 0.0 for k in keys]
    left.bar(labels, values, color=["tab:green", "tab:red", "tab:purple", "tab:gray",
                                    "tab:blue", "tab:orange"])
    left.scatter([0, 1], [PUBLISHED["nonviolent_success"], PUBLISHED["violent_success"]],
                 color="black", marker="_", s=600, zorder=3,
                 label="Chenoweth & Stephan 2011")
    left.set_ylim(0, 1)
    left.set_ylabel("share of campaigns that succeeded")
    left.tick_params(axis="x", rotation=30)
    left.legend(fontsize=8)
    bins = result["success_by_participation"]
    right.bar([f">={float(e):g}%" for e in bins], [v or 0.0 for v in bins.values()],
              color="tab:green")
    right.set_xlabel("peak participation, % of population")
    right.set_ylim(0, 1)
    right.set_title("success by peak participation (3.5% rule)", fontsize=10)
    fig.suptitle(f"Model aggregate facts over {result['n_runs']} sampled campaigns")
    return save_figure(fig, path)

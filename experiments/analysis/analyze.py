"""Analysis of a sweep's results: outcome probabilities, figures, sensitivity indices.

Outcome probabilities come with confidence intervals; Sobol or Morris sensitivity indices
are computed for those designs only.

`civres analyze RESULT_DIR` writes into RESULT_DIR/analysis (or --out):

    outcome_probabilities.csv   per design point: n, and for each outcome its probability
                                with a 95% Wilson interval; the most likely outcome
    outcome_map.png             over two varied parameters: colour = most likely outcome,
                                shade = its probability
    success_vs_participation.png  success probability against peak participation (log x,
                                the 3.5% line marked)
    defections.png              success with vs without security-force defections
    sensitivity.csv/.png        Sobol (S1, ST) or Morris (mu*, sigma) indices, for those
                                designs only (and complete sweeps only)
    status.json                 runs and design points done of those planned, runs that
                                raised, damaged files left out

Before anything is drawn the run table is checked: its files must be one experiment's
and undamaged (experiments/sweeps/seals.py: seals and checksums; damaged files are left out and
named), and the table must match its declared schema (experiments/sweeps/checks.py): every
column of `civres.experiments.sweeps.tasks.run_schema()` with its type, outcomes from
`model.vocabulary.Outcome`, every parameter inside its declared range and every summary
column inside `checks.RANGES`. A sweep with fewer runs than planned is analysed, but said
to be incomplete: a warning, and every figure's title says "INCOMPLETE: k of n points"
(points with all their runs). Sensitivity indices: experiments/analysis/sensitivity.py.
The analysis folder is written whole (civres.experiments.sweeps.folders.folder_written_whole).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from civres.errors import AnalysisError
from civres.experiments.sweeps.checks import check_run_table, completeness, sweep_config
from civres.experiments.sweeps.designs import Design, SweepConfig
from civres.experiments.sweeps.folders import folder_written_whole
from civres.experiments.sweeps.store import read_results, to_pandas
from civres.model.vocabulary import Outcome

from .figures import new_figure, save_figure
from .sensitivity import sensitivity

Z95 = 1.959963984540054
# Chenoweth & Stephan: no campaign that drew 3.5% of the population at its peak failed.
# Compared with peak_participation_pct, the model's participation as % of the population
# (see the represented_share parameter).
RULE_3_5 = 3.5

#: Files `analyze` writes; the analysis folder is replaced whole, holding only these.
ANALYSIS_FILES = ("outcome_probabilities.csv", "outcome_map.png",
                  "success_vs_participation.png", "defections.png", "sensitivity.csv",
                  "sensitivity.png", "status.json")


def wilson_interval(successes: Any, n: Any, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial proportion (vectorised).

    Unlike the normal approximation it stays inside [0, 1] and is sensible for 0 or n
    successes, which are common here (a design point that always succeeds).

    Args:
        successes: number of successes.
        n: number of trials; where 0 the interval is [0, 1].
        z: normal quantile (1.96 for 95%).

    Returns:
        Lower and upper bounds, as arrays.

    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    # Exact bounds at the edges (the formula lands a rounding error away from 0 and 1).
    lo = np.where((n > 0) & (k > 0), np.clip(centre - half, 0.0, 1.0), 0.0)
    hi = np.where((n > 0) & (k < n), np.clip(centre + half, 0.0, 1.0), 1.0)
    return lo, hi


def outcome_probabilities(runs: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Outcome probabilities with 95% Wilson intervals per group of runs.

    Runs that raised are counted in n_errors and left out of n.

    Args:
        runs: a run table (see civres.experiments.sweeps.store.load_runs).
        by: columns defining the groups (e.g. point_id and the varied parameters).

    Returns:
        One row per group: the group columns, n, n_errors, p_/lo_/hi_ per outcome,
        most_likely, p_most_likely, and p_never_formed (the share of the group's runs
        whose campaign never formed, counted in suppressed or stalled; NaN for a run
        table without the `formed` column).

    """
    ok = runs["error"].isna()
    grouped = runs.assign(_ok=ok).groupby(by, sort=True, dropna=False)
    table = grouped["_ok"].agg(n="sum", n_errors=lambda s: int((~s).sum())).reset_index()
    counts = (runs[ok].groupby(by, dropna=False)["outcome"].value_counts().unstack(fill_value=0)
              .reindex(columns=list(Outcome), fill_value=0))
    table = table.merge(counts.reset_index(), on=by, how="left").fillna(
        {o: 0 for o in Outcome})
    n = table["n"].to_numpy(dtype=float)
    for outcome in Outcome:
        k = table.pop(outcome).to_numpy(dtype=float)
        lo, hi = wilson_interval(k, n)
        with np.errstate(invalid="ignore", divide="ignore"):
            table[f"p_{outcome}"] = k / n
        table[f"lo_{outcome}"], table[f"hi_{outcome}"] = lo, hi
    probs = table[[f"p_{o}" for o in Outcome]].to_numpy(dtype=float)
    has = ~np.isnan(probs).all(axis=1)
    best = np.where(has, np.nanargmax(np.where(has[:, None], probs, 0), axis=1), 0)
    table["most_likely"] = np.where(has, np.array(list(Outcome))[best], None)
    table["p_most_likely"] = np.where(has, probs[np.arange(len(probs)), best], np.nan)
    # The classifier names a campaign nobody joined suppressed or stalled; say how many
    # of each group's runs that was (run tables from before the column: not known).
    if "formed" in runs:
        never = (runs[ok].assign(_never=~runs.loc[ok, "formed"].astype(bool))
                 .groupby(by, dropna=False)["_never"].mean().rename("p_never_formed"))
        table = table.merge(never.reset_index(), on=by, how="left")
    else:
        table["p_never_formed"] = np.nan
    return table


def analyze(result_dir: str | Path, out: str | Path | None = None, x: str | None = None,
            y: str | None = None, notes: list[str] | None = None) -> list[Path]:
    """Check a sweep's run table, then write its CSV tables and PNG figures.

    Args:
        result_dir: a sweep's result folder (runs and manifest.json).
        out: folder for the outputs (default RESULT_DIR/analysis), replaced whole.
        x: varied parameter on the outcome map's x axis (default: the first varied).
        y: varied parameter on its y axis (default: the second varied, if any).
        notes: if given, warnings are appended to it (incomplete sweep, damaged files
            left out, runs that raised, a sweep still writing).

    Returns:
        The paths written.

    Raises:
        AnalysisError: the folder holds no sweep or no readable runs, its table breaks
            the declared schema, or x / y are not varied parameters.
        ResultsError: the folder holds files of more than one experiment.

    """
    notes = [] if notes is None else notes
    result_dir = Path(result_dir)
    if not result_dir.is_dir():
        raise AnalysisError(f"{result_dir} is not a sweep result folder (no such folder)")
    results = read_results(result_dir)
    config = sweep_config(result_dir, results, notes)
    if results.damaged:
        notes.append(f"left out damaged files ({results.damage_report()}); `civres sweep "
                     "... --resume` sets them aside and runs their runs again")
    if results.runs is None:
        damaged = f" (damaged: {results.damage_report()})" if results.damaged else ""
        raise AnalysisError(f"{result_dir} holds no finished runs{damaged}")
    check_run_table(results, config, notes)
    runs = to_pandas(results.runs)
    status = completeness(runs, config)
    if not status.complete:
        notes.append(f"{result_dir} is an incomplete sweep: {status.runs_done} of "
                     f"{status.runs_planned} runs, {status.points_done} of "
                     f"{status.points_planned} design points; the figures say so")
    if results.writing:
        notes.append(f"a sweep is still writing to {result_dir}: this is the analysis of "
                     "the runs so far")
    n_errors = int(runs["error"].notna().sum())
    if n_errors:
        first = runs["error"].dropna().iloc[0]
        notes.append(f"{n_errors} of {len(runs)} runs raised and are left out (first: "
                     f"{first})" + ("; every run raised, so the figures are empty"
                                    if n_errors == len(runs) else ""))
    varied = list(config.vary)
    x, y = _map_axes(varied, x, y)
    out = result_dir / "analysis" if out is None else out  # "" is refused, not defaulted
    mark = status.mark()
    with folder_written_whole(out, ANALYSIS_FILES) as stage:
        written = []
        table = outcome_probabilities(runs, ["point_id", *varied])
        written.append(stage / "outcome_probabilities.csv")
        table.to_csv(written[-1], index=False)
        if x is not None:
            written.append(outcome_map(runs, config, x, y, stage / "outcome_map.png", mark))
        written.append(success_vs_participation(runs, stage / "success_vs_participation.png",
                                                mark=mark))
        written.append(defections_figure(runs, stage / "defections.png", mark))
        if config.design in (Design.SOBOL, Design.MORRIS):
            if status.complete:
                written.extend(sensitivity(runs, config, stage))
            else:
                notes.append("no sensitivity indices: they need every design point")
        written.append(stage / "status.json")
        written[-1].write_text(json.dumps({
            "complete": status.complete, "runs_done": status.runs_done,
            "runs_planned": status.runs_planned, "points_done": status.points_done,
            "points_planned": status.points_planned, "runs_raised": n_errors,
            "damaged_files": [str(p.relative_to(result_dir)) for p, _ in results.damaged],
            "experiment": None if results.identity is None else results.identity["experiment"],
        }, indent=2) + "\n")
    return [Path(out) / p.name for p in written]


def _map_axes(varied: list[str], x: str | None, y: str | None) -> tuple[str | None, str | None]:
    """Choose the outcome map's axes among the varied parameters."""
    for flag, name in (("--x", x), ("--y", y)):
        if name is not None and name not in varied:
            allowed = ", ".join(varied) or "none (nothing was varied)"
            raise AnalysisError(f"{flag} {name}: not a varied parameter; allowed: {allowed}")
    if x is None:
        x = next(iter(varied), None)
    if y is None:
        y = next((v for v in varied if v != x), None)
    if x is not None and x == y:
        raise AnalysisError(f"--x and --y are both {x}; choose two different parameters")
    return x, y


def _shade(outcome: str | None, p: float) -> tuple[float, float, float]:
    """Blend the outcome's colour with white: full colour at p = 1, pale near 0."""
    if outcome is None or np.isnan(p):
        return (1.0, 1.0, 1.0)
    colour = np.array(to_rgb(Outcome(outcome).colour if outcome in tuple(Outcome) else "black"))
    return tuple(1.0 - p * (1.0 - colour))


def outcome_map(runs: pd.DataFrame, config: SweepConfig, x: str, y: str | None,
                path: Path, mark: str = "") -> Path:
    """Map the most likely outcome (colour) and its probability (shade) over x and y.

    A grid pools runs over any other varied parameter into one cell per (x, y); a
    sampled design shows one marker per design point.
    """
    cols = [x] if y is None else [x, y]
    fig, ax = new_figure(figsize=(6.5, 5))
    if config.design is Design.GRID:
        cells = outcome_probabilities(runs, cols)
        xs = sorted(cells[x].unique())
        ys = sorted(cells[y].unique()) if y else [0]
        image = np.ones((len(ys), len(xs), 3))
        for _, cell in cells.iterrows():
            i, j = (ys.index(cell[y]) if y else 0), xs.index(cell[x])
            image[i, j] = _shade(cell["most_likely"], cell["p_most_likely"])
            ax.text(j, i, f"{cell['p_most_likely']:.2f}", ha="center", va="center", fontsize=8)
        ax.imshow(image, origin="lower", aspect="auto")
        ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs])
        ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys] if y else [""])
    else:
        points = outcome_probabilities(runs, ["point_id", *cols])
        colours = [_shade(o, p) for o, p in zip(points["most_likely"], points["p_most_likely"],
                                                strict=True)]
        ax.scatter(points[x], points[y] if y else np.zeros(len(points)), c=colours, s=60,
                   edgecolors="0.3", linewidths=0.5)
    ax.set_xlabel(x)
    ax.set_ylabel(y or "")
    ax.legend(handles=[Patch(color=o.colour, label=o) for o in Outcome],
              title="most likely outcome\n(paler = less likely)", fontsize=8,
              title_fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    _title(ax, f"Most likely outcome over {x}" + (f" x {y}" if y else ""), mark)
    return _save(fig, path)


def success_vs_participation(runs: pd.DataFrame, path: Path, bins: int = 12,
                             mark: str = "") -> Path:
    """Plot success probability against peak participation (log x) with the 3.5% line."""
    ok = runs[runs["error"].isna()]
    share = ok["peak_participation_pct"].to_numpy(dtype=float)
    success = (ok["outcome"] == Outcome.SUCCESS).to_numpy()
    fig, ax = new_figure(figsize=(6.5, 4.5))
    positive = share > 0
    if positive.any():
        lo_edge = max(share[positive].min(), 1e-4)
        edges = np.geomspace(lo_edge * 0.999, max(share.max(), lo_edge * 1.01) * 1.001, bins + 1)
        which = np.digitize(share, edges) - 1
        centres, rate, lo, hi = [], [], [], []
        for b in range(bins):
            members = success[which == b]
            if members.size:
                centres.append(np.sqrt(edges[b] * edges[b + 1]))
                rate.append(members.mean())
                interval = wilson_interval(members.sum(), members.size)
                lo.append(float(interval[0]))
                hi.append(float(interval[1]))
        rate_arr = np.array(rate)
        # clip: rounding can put a bound a hair on the wrong side of the rate
        yerr = np.clip([rate_arr - lo, np.array(hi) - rate_arr], 0.0, None)
        ax.errorbar(centres, rate_arr, yerr=yerr, fmt="o-", capsize=3,
                    label="runs binned by peak participation (95% CI)")
    ax.axvline(RULE_3_5, color="tab:red", ls="--", label="3.5% of the population")
    ax.set_xscale("log")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("peak participation (% of the population, log scale)")
    ax.set_ylabel("P(success)")
    ax.legend(fontsize=8, loc="upper left")
    _title(ax, f"Success against peak participation ({len(ok)} runs)", mark)
    return _save(fig, path)


def defections_figure(runs: pd.DataFrame, path: Path, mark: str = "") -> Path:
    """Compare success probability with vs without security-force defections."""
    ok = runs[runs["error"].isna()]
    defected = ok["security_defected_share"].to_numpy(dtype=float) > 0
    success = (ok["outcome"] == Outcome.SUCCESS).to_numpy()
    labels, rates, errs, ns = [], [], [[], []], []
    for label, mask in (("no defections", ~defected), ("some defections", defected)):
        n, k = int(mask.sum()), int(success[mask].sum())
        lo, hi = wilson_interval(k, n)
        rate = k / n if n else 0.0
        labels.append(label)
        rates.append(rate)
        errs[0].append(max(rate - float(lo), 0.0))
        errs[1].append(max(float(hi) - rate, 0.0))
        ns.append(n)
    fig, ax = new_figure(figsize=(5, 4.5))
    bars = ax.bar(labels, rates, yerr=errs, capsize=5, color=["0.6", Outcome.SUCCESS.colour])
    for bar, n in zip(bars, ns, strict=True):
        ax.text(bar.get_x() + bar.get_width() / 2, 0.02, f"n = {n}", ha="center", fontsize=9)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("P(success) with 95% CI")
    _title(ax, "Success with vs without security defections", mark)
    return _save(fig, path)


def _title(ax: Axes, title: str, mark: str) -> None:
    """A figure's title, with the incomplete-sweep mark on a line of its own."""
    ax.set_title(title + (f"\n{mark}" if mark else ""),
                 color="tab:red" if mark else "black")


def _save(fig: Figure, path: Path) -> Path:
    return save_figure(fig, path, dpi=120)

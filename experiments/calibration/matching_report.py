"""A history-matching wave's result as text and as a figure."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .matching import CUTOFF, FIGURES, observation_sd


def format_wave(summary: dict[str, Any]) -> str:
    """What is left of coefficient space, and how close each figure can get."""
    judged = "the prior box" if summary.get("wave", 1) == 1 else "the last wave's region"
    lines = [f"history matching, wave {summary.get('wave', 1)}: {summary['kept']} of "
             f"{summary['points']} points of {judged} are not ruled out by the figures the "
             f"model can reach ({summary['share_of_space_left']:.1%}; implausibility cutoff "
             f"{CUTOFF:g}; by every figure: {summary['share_left_by_every_figure']:.1%}); "
             f"{summary.get('share_of_box_left', summary['share_of_space_left']):.2%} of the "
             "prior box is left"]
    for name, span in summary["coefficients_left"].items():
        shown = "none" if span is None else f"[{span[0]:.4g}, {span[1]:.4g}]"
        lines.append(f"  {name:<20} left: {shown}")
    lines.append("figure (target; emulated range over the points judged; smallest implausibility, "
                 "the value there; share of those points where it is plausible):")
    missed = summary.get("not_reached_by_any_point_judged", [])
    if missed:
        lines.append("  reachable in the box, but by no point judged here (so every point is "
                     "ruled out): " + ", ".join(missed))
    for name, f in summary["figures"].items():
        if f["group_empty_everywhere"]:
            lines.append(f"  {name:<32} {f['target']:.2f}  no campaign of the model falls "
                         "in this group anywhere: OUT OF REACH")
            continue
        lo, hi = f["emulated_range"]
        verdict = "reachable" if f["reachable"] else "OUT OF REACH"
        lines.append(f"  {name:<32} {f['target']:.2f}  [{lo:.2f}, {hi:.2f}]  "
                     f"I = {f['smallest_implausibility']:.1f} at {f['value_there']:.2f}  "
                     f"{f['share_plausible']:.0%}  {verdict}")
    return "\n".join(lines)


def wave_figure(summary: dict[str, Any], figures: pd.DataFrame, kept: pd.Series,
                path: Path) -> Path:
    """Per figure: the emulated values over the box and where points are kept; the target."""
    from civres.experiments.analysis.figures import new_figure, save_figure

    names = list(FIGURES)
    fig, ax = new_figure(figsize=(8, 0.45 * len(names) + 1.4))
    for i, name in enumerate(names):
        values = figures[name].dropna()
        if len(values):
            ax.plot([values.min(), values.max()], [i, i], color="lightgrey", lw=6,
                    solid_capstyle="butt")
        inside = figures.loc[kept, name].dropna()
        if len(inside):
            ax.plot([inside.min(), inside.max()], [i, i], color="tab:blue", lw=6,
                    solid_capstyle="butt")
        target, sd = FIGURES[name].target, observation_sd(FIGURES[name])
        ax.errorbar(target, i, xerr=2 * sd, fmt="k|", ms=14, mew=2, capsize=3)
        if not summary["figures"][name]["reachable"]:
            ax.text(1.01, i, "out of reach", va="center", fontsize=7, color="tab:red")
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share; grey: the emulated figure over the points judged; blue: over the points "
                  "kept; |: the published figure, +-2 binomial SD", fontsize=7)
    ax.set_title(f"History matching, wave {summary.get('wave', 1)}: "
                 f"{summary.get('share_of_box_left', summary['share_of_space_left']):.2%} of the "
                 "prior box left", fontsize=10)
    return save_figure(fig, path)

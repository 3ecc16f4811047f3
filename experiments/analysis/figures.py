"""Figures: a pyplot-free way to make and save them, and the figure of one campaign.

Figures are built on matplotlib's object API (`Figure`, drawn by the Agg canvas when
saved), never through pyplot: no backend is chosen at import, no global figure state is
kept, and a library user's own matplotlib set-up is left alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from civres.model.vocabulary import PillarName


def new_figure(*args: Any, figsize: tuple[float, float], **kwargs: Any) -> tuple[Figure, Any]:
    """A new figure and its axes: `plt.subplots` without pyplot (same arguments)."""
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(*args, **kwargs)


def save_figure(fig: Figure, path: Path, dpi: int = 110) -> Path:
    """Lay out and write a figure (creating the folder); return its path."""
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    return path


def campaign_figure(trajectory: pd.DataFrame, summary: dict, path: Path) -> Path:
    """Plot participation, pillar loyalties and the regime's standing over time."""
    fig, axes = new_figure(3, 1, figsize=(8, 9), sharex=True)
    t = trajectory["step"]
    ax = axes[0]
    ax.plot(t, trajectory["participation"], label="participating (share of citizens)")
    ax.plot(t, trajectory["violent_share"], label="violent", color="tab:red")
    ax.plot(t, trajectory["jailed"], label="jailed", color="tab:gray", ls="--")
    ax.set_ylabel("share of citizens")
    ax.legend(loc="upper right", fontsize=8)
    ax = axes[1]
    for pillar in PillarName:
        ax.plot(t, trajectory[f"pillar_{pillar}"], label=pillar.value, color=pillar.colour)
    ax.plot(t, trajectory["regime_support"], color="black", lw=2, label="regime support")
    ax.set_ylabel("loyalty")
    ax.set_ylim(0, 1)
    ax.legend(loc="lower left", fontsize=8, ncol=2)
    ax = axes[2]
    ax.plot(t, trajectory["legitimacy"], label="legitimacy")
    ax.plot(t, trajectory["repression_level"], label="repression level")
    ax.plot(t, trajectory["security_defected_share"], label="security forces defected")
    ax.set_ylim(0, 1)
    ax.set_xlabel("week")
    ax.legend(loc="upper right", fontsize=8)
    fig.suptitle(f"Outcome: {summary['outcome']} (decided at week {summary['decided_step']})")
    return save_figure(fig, path, dpi=100)

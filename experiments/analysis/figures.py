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

from .panels import CAMPAIGN_PANELS, line_style


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
    """The campaign's panels (analysis.panels, as the app shows them) over time, saved."""
    fig, axes = new_figure(len(CAMPAIGN_PANELS), 1, figsize=(8, 9), sharex=True)
    for ax, panel in zip(axes, CAMPAIGN_PANELS, strict=True):
        for column, label in panel.series:
            ax.plot(trajectory["step"], trajectory[column], label=label,
                    **line_style(column))
        ax.set_title(panel.title, fontsize=10)
        ax.set_ylabel(panel.ylabel)
        if panel.ylim is not None:
            ax.set_ylim(*panel.ylim)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    axes[-1].set_xlabel("week")
    fig.suptitle(f"Outcome: {summary['outcome']} (decided at week {summary['decided_step']})")
    return save_figure(fig, path, dpi=100)

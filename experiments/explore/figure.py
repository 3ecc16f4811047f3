"""The explorer's tornado chart: each lever's change in each outcome's chance."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from civres.model.vocabulary import Outcome  # noqa: E402

from .explore import Exploration  # noqa: E402

#: Bar shades by move: down light, up dark, a flipped switch in between; a lever moved
#: one way only (a targeted pillar: up) has its one bar on its row.
MOVE_ALPHA = {"down": 0.45, "up": 1.0, "flip": 0.75}
MOVE_OFFSET = {"down": -0.2, "up": 0.2, "flip": 0.0}


def tornado_figure(result: Exploration, path: str | Path) -> Path:
    """Draw one panel per outcome, a row per lever (largest effect on success on top).

    Each bar is the change in the outcome's chance (percentage points) when the lever
    moves down (light), up (dark) or is flipped; the whisker is its 95% interval.
    """
    levers = _order(result)
    fig, axes = plt.subplots(1, len(Outcome), figsize=(3.2 * len(Outcome), 0.55 * len(levers)
                                                       + 1.6), sharey=True, sharex=True)
    for ax, outcome in zip(axes, Outcome, strict=True):
        for row, lever in enumerate(levers):
            shown = [x for x in result.effects if x.lever == lever and x.outcome == outcome]
            for e in shown:
                y = row + (MOVE_OFFSET[e.move] if len(shown) > 1 else 0.0)
                ax.barh(y, 100 * e.change, height=0.38, color=outcome.colour,
                        alpha=MOVE_ALPHA[e.move])
                ax.plot([100 * e.low, 100 * e.high], [y, y], color="black", linewidth=0.8)
        ax.axvline(0, color="grey", linewidth=0.8)
        base = result.baseline[outcome.value]["p"]
        ax.set_title(f"{outcome.value} (base {base:.0%})", fontsize=10)
        ax.set_xlabel("change in chance (points)")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(range(len(levers)), [_label(result, lever) for lever in levers])
    axes[0].invert_yaxis()
    fig.suptitle(f"What moves the odds: {result.setting} ({result.reps} paired runs; "
                 "bars: lever down light, up dark, switch flipped mid; whiskers 95%)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return Path(path)


def _order(result: Exploration) -> list[str]:
    """Levers by their largest effect on success, largest first."""
    size: dict[str, float] = {}
    for e in result.effects:
        if e.outcome == Outcome.SUCCESS:
            size[e.lever] = max(size.get(e.lever, 0.0), abs(e.change))
    return sorted(size, key=lambda lever: -size[lever])


def _label(result: Exploration, lever: str) -> str:
    """'movement: discipline' from the first of the lever's effects."""
    e = next(x for x in result.effects if x.lever == lever)
    return f"{e.actor}: {e.lever}"

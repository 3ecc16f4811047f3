"""The panels of a campaign's figure: which trajectory columns each shows, and how.

One spec for both pictures of a campaign: the figure `civres run` saves
(analysis.figures.campaign_figure) and the app's live charts (viz/drawing.py). A series
added here shows in both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from civres.model.vocabulary import PillarName


@dataclass(frozen=True)
class Panel:
    """One panel: a title, its series (trajectory column, label), the y axis.

    `ylim` None: the top limit grows with the data (shares that stay small).
    """

    title: str
    series: tuple[tuple[str, str], ...]
    ylabel: str
    ylim: tuple[float, float] | None = (0.0, 1.0)


PARTICIPATION = Panel("Participation", (("participation", "participating (all)"),
                                        ("violent_share", "violent (armed)"),
                                        ("jailed", "jailed"),
                                        ("fatigue", "fatigue (mean)")),
                      "share of citizens", None)
PILLARS = Panel("Pillars of support: loyalty",
                tuple((f"pillar_{pillar}", pillar.replace("_", " ")) for pillar in PillarName)
                + (("regime_support", "regime support"),), "loyalty")
REGIME = Panel("Regime", (("legitimacy", "legitimacy"),
                          ("public_view", "citizens' view of it"),
                          ("repression_level", "repression level"),
                          ("security_defected_share", "security defected"),
                          ("war_share", "rebels' share of a war")), "level")
#: The campaign's panels, top to bottom.
CAMPAIGN_PANELS = (PARTICIPATION, PILLARS, REGIME)

#: Series drawn as a thick dashed black line (the summary of the others).
EMPHASIS = frozenset({"regime_support"})
#: Series with a colour of their own (the pillars keep theirs in every figure).
SERIES_COLOURS = {f"pillar_{pillar}": pillar.colour for pillar in PillarName}


def line_style(column: str) -> dict[str, Any]:
    """Matplotlib line style of a series: emphasised, its pillar's colour, or the default."""
    if column in EMPHASIS:
        return {"color": "black", "ls": "--", "lw": 2.0}
    return {"lw": 1.6, **({"color": SERIES_COLOURS[column]} if column in SERIES_COLOURS else {})}

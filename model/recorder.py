"""The trajectory recorder: one row of named measures per step, kept apart from the rules.

The model writes a row after each step; the classifier, the summary, the figures and
the app read the columns. Nothing in the model's rules reads the recorder back (what a
rule needs from the past is model state, e.g. `RegimeState.support_history`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .state import CitizenArrays, RegimeState, SecurityArrays
from .vocabulary import PILLAR_NAMES, CitizenState

#: The trajectory's columns, in order. Shares are of living citizens except `dead`
#: (of all citizens); `arrests` and `killings` are cumulative.
TRAJECTORY_COLUMNS = (
    "step", "participation", "participation_pct", "protesting", "violent_share", "jailed", "dead",
    "arrests", "killings", "legitimacy", "repression_level", "regime_support",
    "security_defected_share", "security_loyalty", "resources", "propaganda",
    "frustration", "fatigue", "public_view", "demand_granted", "war_share",
    "intervened", "battle_deaths",
) + tuple(f"pillar_{name}" for name in PILLAR_NAMES)
#: Columns that hold counts or flags (integers in the trajectory's DataFrame).
COUNT_COLUMNS = ("step", "arrests", "killings", "battle_deaths", "demand_granted", "intervened")


def observe(step: int, citizens: CitizenArrays, security: SecurityArrays, regime: RegimeState,
            arrests: int, killings: int, battle_deaths: int,
            represented_share: float) -> dict[str, float]:
    """The row of TRAJECTORY_COLUMNS that describes the model's state after `step`.

    `regime.support_history[-1]` must hold the support at the end of this step.
    `fatigue` and `public_view` are means over living citizens.
    """
    state = citizens.state
    participation, violent_share = citizens.shares()
    living = state != CitizenState.DEAD
    alive = max(int(living.sum()), 1)
    n_citizens = len(state)
    row = {
        "step": step,
        "participation": participation,
        "participation_pct": participation * represented_share * 100.0,
        "protesting": int((state == CitizenState.PROTESTING).sum()) / alive,
        "violent_share": violent_share,
        "jailed": int((state == CitizenState.JAILED).sum()) / alive,
        "dead": int((state == CitizenState.DEAD).sum()) / n_citizens if n_citizens else 0.0,
        "arrests": arrests,
        "killings": killings,
        "legitimacy": regime.legitimacy,
        "repression_level": regime.repression_level,
        "regime_support": regime.support_history[-1],
        "security_defected_share": security.defected_share(),
        "security_loyalty": security.mean_loyalty(),
        "resources": regime.resources,
        "propaganda": regime.propaganda,
        "frustration": regime.frustration,
        "fatigue": float(citizens.fatigue[living].mean()) if living.any() else 0.0,
        "public_view": float(citizens.view[living].mean()) if living.any() else regime.legitimacy,
        "demand_granted": int(regime.granted),
        "war_share": regime.war_share,
        "intervened": int(regime.intervened),
        "battle_deaths": battle_deaths,
    }
    row.update({f"pillar_{n}": regime.pillar_loyalty[i] for i, n in enumerate(PILLAR_NAMES)})
    return row


class Recorder:
    """Rows of TRAJECTORY_COLUMNS, one per step, preallocated up to a horizon.

    Args:
        horizon: steps expected; the record grows (doubling) if a run goes on past it.
    """

    def __init__(self, horizon: int) -> None:
        """Allocate room for the rows of steps 0..horizon."""
        self._rows = np.full((horizon + 1, len(TRAJECTORY_COLUMNS)), np.nan)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def record(self, step: int, row: Mapping[str, float]) -> None:
        """Write the row of `step` (steps are recorded in order from 0)."""
        if step != self._count:
            raise ValueError(f"step {step} recorded out of order (expected {self._count})")
        if step >= len(self._rows):  # stepped on past the horizon: grow the record
            self._rows = np.vstack([self._rows, np.full_like(self._rows, np.nan)])
        self._rows[step] = [row[name] for name in TRAJECTORY_COLUMNS]
        self._count += 1

    def columns(self) -> dict[str, np.ndarray]:
        """The trajectory so far, as columns (views; do not modify)."""
        rows = self._rows[: self._count]
        return {name: rows[:, i] for i, name in enumerate(TRAJECTORY_COLUMNS)}

    def frame(self) -> pd.DataFrame:
        """The trajectory so far as a DataFrame, counts as integers."""
        frame = pd.DataFrame(self.columns())
        for name in COUNT_COLUMNS:
            frame[name] = frame[name].astype(int)
        return frame

"""The trajectory recorder: one row of named measures per step, kept apart from the rules.

The model writes a row after each step; the classifier, the summary, the figures and
the app read the columns. Nothing in the model's rules reads the recorder back (what a
rule needs from the past is model state, e.g. `RegimeState.support_history`).
"""

from __future__ import annotations

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
            arrests: np.ndarray, killings: np.ndarray, battle_deaths: np.ndarray,
            represented_share: np.ndarray) -> np.ndarray:
    """The rows (B, len(TRAJECTORY_COLUMNS)) that describe each replicate after `step`.

    `regime.support_history[:, -1]` must hold the support at the end of this step.
    `fatigue` and `public_view` are means over living citizens.
    """
    state = citizens.state
    batch = state.shape[0]
    participation, violent_share = citizens.shares()
    living = state != CitizenState.DEAD
    n_living = living.sum(axis=-1)
    alive = np.maximum(n_living, 1)
    n_citizens = state.shape[-1]
    has_living = n_living > 0
    row = {
        "step": np.full(batch, step),
        "participation": participation,
        "participation_pct": participation * represented_share * 100.0,
        "protesting": (state == CitizenState.PROTESTING).sum(axis=-1) / alive,
        "violent_share": violent_share,
        "jailed": (state == CitizenState.JAILED).sum(axis=-1) / alive,
        "dead": (~living).sum(axis=-1) / n_citizens if n_citizens else np.zeros(batch),
        "arrests": arrests,
        "killings": killings,
        "legitimacy": regime.legitimacy,
        "repression_level": regime.repression_level,
        "regime_support": regime.support_history[:, -1],
        "security_defected_share": security.defected_share(),
        "security_loyalty": security.mean_loyalty(),
        "resources": regime.resources,
        "propaganda": regime.propaganda,
        "frustration": regime.frustration,
        "fatigue": np.where(has_living, (citizens.fatigue * living).sum(axis=-1) / alive, 0.0),
        "public_view": np.where(has_living, (citizens.view * living).sum(axis=-1) / alive,
                                regime.legitimacy),
        "demand_granted": regime.granted,
        "war_share": regime.war_share,
        "intervened": regime.intervened,
        "battle_deaths": battle_deaths,
    }
    row.update({f"pillar_{n}": regime.pillar_loyalty[:, i] for i, n in enumerate(PILLAR_NAMES)})
    return np.stack([np.asarray(row[name], dtype=float) for name in TRAJECTORY_COLUMNS], axis=1)


class BatchRecorder:
    """Each replicate's rows of TRAJECTORY_COLUMNS, one per step, up to a horizon.

    All replicates of a batch step together, so they share a row count. Args:
        size: replicates B.
        horizon: steps expected; the record grows (doubling) if a run goes on past it.
    """

    def __init__(self, size: int, horizon: int) -> None:
        """Allocate room for the rows of steps 0..horizon of every replicate."""
        self._rows = np.full((size, horizon + 1, len(TRAJECTORY_COLUMNS)), np.nan)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def record(self, step: int, rows: np.ndarray) -> None:
        """Write the rows (B, columns) of `step` (steps are recorded in order from 0)."""
        if step != self._count:
            raise ValueError(f"step {step} recorded out of order (expected {self._count})")
        if step >= self._rows.shape[1]:  # stepped on past the horizon: grow the record
            self._rows = np.concatenate([self._rows, np.full_like(self._rows, np.nan)], axis=1)
        self._rows[:, step] = rows
        self._count += 1

    def last(self, name: str) -> np.ndarray:
        """The latest value of column `name` for every replicate (B,)."""
        return self._rows[:, self._count - 1, _INDEX[name]]

    def columns(self, replicate: int) -> dict[str, np.ndarray]:
        """Replicate's trajectory so far, as columns (views; do not modify)."""
        rows = self._rows[replicate, : self._count]
        return {name: rows[:, i] for i, name in enumerate(TRAJECTORY_COLUMNS)}

    def take(self, replicates: np.ndarray) -> None:
        """Keep only the rows of `replicates` (the batch dropped the others)."""
        self._rows = self._rows[replicates]

    def frame(self, replicate: int) -> pd.DataFrame:
        """Replicate's trajectory so far as a DataFrame, counts as integers."""
        frame = pd.DataFrame(self.columns(replicate))
        for name in COUNT_COLUMNS:
            frame[name] = frame[name].astype(int)
        return frame


_INDEX = {name: i for i, name in enumerate(TRAJECTORY_COLUMNS)}


class Recorder:
    """One replicate's trajectory in a BatchRecorder: what a single model reads."""

    def __init__(self, batch: BatchRecorder, replicate: int = 0) -> None:
        """View replicate `replicate` of `batch`."""
        self._batch = batch
        self._replicate = replicate

    def __len__(self) -> int:
        return len(self._batch)

    def columns(self) -> dict[str, np.ndarray]:
        """The trajectory so far, as columns (views; do not modify)."""
        return self._batch.columns(self._replicate)

    def frame(self) -> pd.DataFrame:
        """The trajectory so far as a DataFrame, counts as integers."""
        return self._batch.frame(self._replicate)

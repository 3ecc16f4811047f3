"""The model's state as arrays, one row per agent (citizens, security) or scalars.

Kept apart from the Mesa agents so that each step can update every agent at once.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from .vocabulary import CitizenState

_PROTESTING, _VIOLENT, _DEAD = (int(state) for state in (
    CitizenState.PROTESTING, CitizenState.VIOLENT, CitizenState.DEAD))


@dataclass
class CitizenArrays:
    """Per-citizen state. `pos` is a flat cell index, -1 once dead.

    `threshold` is the citizen's own participation threshold, `fatigue` the cost of
    participation accumulated, `view` their own view of the regime's legitimacy.
    """

    pos: np.ndarray
    hardship: np.ndarray
    risk_aversion: np.ndarray
    discipline: np.ndarray
    constituency: np.ndarray
    dispersed: np.ndarray
    state: np.ndarray
    jail: np.ndarray
    anger: np.ndarray
    outrage: np.ndarray
    threshold: np.ndarray
    fatigue: np.ndarray
    view: np.ndarray

    def shares(self) -> tuple[float, float]:
        """Active (protesting or violent) and violent shares of living citizens."""
        alive = max(int((self.state != _DEAD).sum()), 1)
        violent = int((self.state == _VIOLENT).sum())
        return (int((self.state == _PROTESTING).sum()) + violent) / alive, violent / alive


@dataclass
class SecurityArrays:
    """Per-officer state. `pos` is a flat cell index.

    `baseline` is the loyalty an officer returns to when nothing presses on it (their
    loyalty at the start).
    """

    pos: np.ndarray
    loyalty: np.ndarray
    defected: np.ndarray
    baseline: np.ndarray

    def defected_share(self) -> float:
        """Share of officers that have defected (0 with no officers)."""
        return float(self.defected.mean()) if self.defected.size else 0.0

    def mean_loyalty(self) -> float:
        """Mean loyalty of all officers (NaN with no officers)."""
        return float(self.loyalty.mean()) if self.loyalty.size else float("nan")

    def police_loyalty(self, default: float) -> float:
        """The police pillar: officers' mean loyalty, defectors counting zero."""
        if self.loyalty.size == 0:
            return default
        return float(np.where(self.defected, 0.0, self.loyalty).mean())


@dataclass
class RegimeState:
    """The regime's scalars and the loyalty of each pillar (see vocabulary.PILLARS).

    `support_history` holds the regime's support at the end of each of the last
    rules.PROGRESS_WINDOW steps (oldest first): the movement judges its `progress` by
    it. `granted`: a reform demand has been granted; `war_share`: the rebels' share of
    the fighting this week (0 without a war); `intervened`: outside powers back the
    rebels.
    """

    legitimacy: float
    legitimacy_baseline: float
    repression_level: float
    resources: float
    propaganda: float
    frustration: float
    pillar_loyalty: np.ndarray
    support_history: deque
    progress: float = 0.0
    granted: bool = False
    war_share: float = 0.0
    intervened: bool = False

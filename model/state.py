"""The model's state as arrays, one row per agent (citizens, security) or scalars.

Kept apart from the Mesa agents so that each step can update every agent at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class CitizenArrays:
    """Per-citizen state. `pos` is a flat cell index, -1 once dead."""

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


@dataclass
class SecurityArrays:
    """Per-officer state. `pos` is a flat cell index."""

    pos: np.ndarray
    loyalty: np.ndarray
    defected: np.ndarray


@dataclass
class RegimeState:
    """The regime's scalars and the loyalty of each pillar (see agents.PILLARS)."""

    legitimacy: float
    legitimacy_baseline: float
    repression_level: float
    resources: float
    propaganda: float
    frustration: float
    pillar_loyalty: np.ndarray

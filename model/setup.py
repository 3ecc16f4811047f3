"""The campaign at step 0: agents on distinct cells with their traits, and the regime.

Each function draws from the model's generator in a fixed order, so a run is
determined by its parameters and seed.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from . import rules
from .params import Params
from .state import CitizenArrays, RegimeState, SecurityArrays
from .vocabulary import CIVIL_SERVICE, MILITARY, PILLARS, POLICE, PUBLIC, CitizenState

#: Spread of individual discipline and officer loyalty around their means.
DISCIPLINE_SD, LOYALTY_SD = 0.15, 0.1
#: Citizens can be tied to the civilian pillars (civil service, business, clergy,
#: media); the police and military answer to their own chain of command.
FIRST_CIVILIAN = CIVIL_SERVICE


def place_population(
    params: Params, rng: np.random.Generator
) -> tuple[CitizenArrays, SecurityArrays, np.ndarray]:
    """Scatter citizens and officers on distinct random cells and draw their traits.

    Returns:
        The citizens, the officers, and the flat occupancy of the grid's cells.
    """
    p = params
    n_cells = p.width * p.height
    n_cit = round(p.citizen_density * n_cells)
    n_sec = min(round(p.security_density * n_cells), n_cells - n_cit)
    cells = rng.permutation(n_cells)
    tied = rng.random(n_cit) < p.breadth
    citizens = CitizenArrays(
        pos=cells[:n_cit].copy(),
        hardship=rng.random(n_cit),
        risk_aversion=rng.random(n_cit),
        discipline=np.clip(rng.normal(p.discipline, DISCIPLINE_SD, n_cit), 0.0, 1.0),
        constituency=np.where(tied, rng.integers(FIRST_CIVILIAN, len(PILLARS), n_cit), PUBLIC),
        dispersed=rng.random(n_cit) < p.dispersed_share,
        state=np.full(n_cit, CitizenState.QUIET, dtype=np.int8),
        jail=np.zeros(n_cit, dtype=np.int64),
        anger=np.zeros(n_cit),
        outrage=np.zeros(n_cit),
        threshold=rules.thresholds(rng, p.active_threshold, p.threshold_spread, n_cit),
        fatigue=np.zeros(n_cit),
        view=np.clip(p.legitimacy + p.legitimacy_spread * rng.standard_normal(n_cit), 0.0, 1.0),
    )
    loyalty = np.clip(rng.normal(p.security_loyalty, LOYALTY_SD, n_sec), 0.0, 1.0)
    security = SecurityArrays(
        pos=cells[n_cit:n_cit + n_sec].copy(),
        loyalty=loyalty,
        defected=(loyalty < p.defect_below) & p.defection_on,
        baseline=loyalty.copy(),
    )
    occupied = np.zeros(n_cells, dtype=bool)
    occupied[cells[:n_cit + n_sec]] = True
    return citizens, security, occupied


def initial_regime(params: Params, police_loyalty: float) -> RegimeState:
    """The regime at the start: pillars at their initial loyalty, policing calm."""
    p = params
    loyalty = np.full(len(PILLARS), p.pillar_loyalty)
    loyalty[POLICE] = police_loyalty
    loyalty[MILITARY] = p.security_loyalty
    repression = p.repression * (rules.CALM_POLICING if p.adaptive_regime else 1.0)
    return RegimeState(
        legitimacy=p.legitimacy,
        legitimacy_baseline=p.legitimacy,
        repression_level=repression,
        resources=p.patronage,
        propaganda=0.0,
        frustration=0.0,
        pillar_loyalty=loyalty,
        support_history=deque(maxlen=rules.PROGRESS_WINDOW),
    )

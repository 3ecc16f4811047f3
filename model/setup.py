"""The campaigns at step 0: agents on distinct cells with their traits, and the regime.

Every draw comes from the counter-based streams (model.streams) at step 0, keyed by
each replicate's seed, so a campaign starts the same alone or in any batch.
"""

from __future__ import annotations

import numpy as np

from . import rules, streams
from .batch_params import BatchParams, col
from .state import CitizenArrays, RegimeState, SecurityArrays
from .streams import Site
from .vocabulary import CIVIL_SERVICE, MILITARY, POLICE, PUBLIC, CitizenState, PillarName

#: Spread of individual discipline and officer loyalty around their means.
DISCIPLINE_SD, LOYALTY_SD = 0.15, 0.1
#: Citizens can be tied to the civilian pillars (civil service, business, clergy,
#: media); the police and military answer to their own chain of command.
FIRST_CIVILIAN = CIVIL_SERVICE


def place_population(
    params: BatchParams, keys: np.ndarray
) -> tuple[CitizenArrays, SecurityArrays, np.ndarray]:
    """Scatter citizens and officers on distinct random cells and draw their traits.

    Args:
        params: the batch's parameters.
        keys: the replicates' stream keys, shape (B, 1).

    Returns:
        The citizens (B, N), the officers (B, M), and each replicate's flat occupancy of
        the grid's cells (B, cells).
    """
    p = params
    n_cells = p.width * p.height
    n_cit, n_sec = p.n_citizens, p.n_security
    cit, sec = np.arange(n_cit), np.arange(n_sec)

    def uniform(site: Site, index: np.ndarray) -> np.ndarray:
        return streams.uniform(keys, 0, site, index)

    def normal(site: Site, index: np.ndarray) -> np.ndarray:
        return streams.normal(keys, 0, site, index)

    # A random permutation of the cells: sort them by a random key (ties: never, 53 bits).
    cells = np.argsort(uniform(Site.CELLS, np.arange(n_cells)), axis=-1, kind="stable")
    tied = uniform(Site.TIED, cit) < col(p.breadth)
    pillar = streams.integers(keys, 0, Site.PILLAR, cit, FIRST_CIVILIAN, len(PillarName) - 1)
    constituency = np.broadcast_to(np.where(tied, pillar, PUBLIC), (p.size, n_cit))
    shape = (p.size, n_cit)
    citizens = CitizenArrays(
        pos=cells[:, :n_cit].copy(),
        hardship=uniform(Site.HARDSHIP, cit),
        risk_aversion=uniform(Site.RISK_AVERSION, cit),
        discipline=np.clip(col(p.discipline) + DISCIPLINE_SD * normal(Site.DISCIPLINE, cit),
                           0.0, 1.0),
        constituency=constituency.copy(),
        dispersed=uniform(Site.DISPERSED, cit) < col(p.dispersed_share),
        state=np.full(shape, CitizenState.QUIET, dtype=np.int8),
        jail=np.zeros(shape, dtype=np.int64),
        anger=np.zeros(shape),
        outrage=np.zeros(shape),
        threshold=rules.organised_thresholds(
            rules.thresholds(normal(Site.THRESHOLD, cit), col(p.active_threshold),
                             col(p.threshold_spread)), constituency, p.pillar_targets),
        fatigue=np.zeros(shape),
        view=np.clip(col(p.legitimacy) + col(p.legitimacy_spread) * normal(Site.VIEW, cit),
                     0.0, 1.0),
    )
    loyalty = np.clip(col(p.security_loyalty) + LOYALTY_SD * normal(Site.LOYALTY, sec), 0.0, 1.0)
    loyalty = np.broadcast_to(loyalty, (p.size, n_sec)).copy()
    security = SecurityArrays(
        pos=cells[:, n_cit:n_cit + n_sec].copy(),
        loyalty=loyalty,
        defected=(loyalty < col(p.defect_below)) & p.defection_on,
        baseline=loyalty.copy(),
    )
    occupied = np.zeros((p.size, n_cells), dtype=bool)
    np.put_along_axis(occupied, cells[:, :n_cit + n_sec], True, axis=-1)
    return citizens, security, occupied


def initial_regime(params: BatchParams, police_loyalty: np.ndarray) -> RegimeState:
    """The regimes at the start: pillars at their initial loyalty, policing calm."""
    p = params
    loyalty = np.repeat(p.pillar_loyalty[:, None], len(PillarName), axis=1).astype(float)
    loyalty[:, POLICE] = police_loyalty
    loyalty[:, MILITARY] = p.security_loyalty
    repression = p.repression * (rules.CALM_POLICING if p.adaptive_regime else 1.0)
    return RegimeState(
        legitimacy=p.legitimacy.astype(float),
        legitimacy_baseline=p.legitimacy.astype(float),
        repression_level=np.asarray(repression, dtype=float),
        resources=p.patronage.astype(float),
        propaganda=np.zeros(p.size),
        frustration=np.zeros(p.size),
        pillar_loyalty=loyalty,
        support_history=np.zeros((p.size, rules.PROGRESS_WINDOW)),
    )

"""The model's state as arrays with a leading replicate axis: a batch of B campaigns.

Per-agent state has shape (B, N) (citizens) or (B, M) (officers); the regime's scalars
have shape (B,) and its pillars (B, 6). Every campaign in a batch has the same grid and
the same numbers of citizens and officers, so no row needs padding. Kept apart from the
Mesa agents so that each step updates every agent of every replicate at once; the Mesa
model (model/model.py) is a batch of one and shows its row through array views and
its Mesa agents (model/agents.py).
"""

from __future__ import annotations

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
    Reductions run over the last (agent) axis, so the same methods serve a batch
    (B, N) and one replicate's row (N,).
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

    def shares(self) -> tuple[np.ndarray, np.ndarray]:
        """Active (protesting or violent) and violent shares of living citizens."""
        alive = np.maximum((self.state != _DEAD).sum(axis=-1), 1)
        violent = (self.state == _VIOLENT).sum(axis=-1)
        return ((self.state == _PROTESTING).sum(axis=-1) + violent) / alive, violent / alive

    def row(self, i: int) -> CitizenArrays:
        """Replicate i's citizens: views (writes go through to the batch)."""
        return CitizenArrays(**{k: v[i] for k, v in vars(self).items()})

    def take(self, rows: np.ndarray) -> CitizenArrays:
        """The citizens of the replicates `rows` (copies)."""
        return CitizenArrays(**{k: v[rows] for k, v in vars(self).items()})


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

    def defected_share(self) -> np.ndarray:
        """Share of officers that have defected (0 with no officers)."""
        return self.defected.sum(axis=-1) / max(self.defected.shape[-1], 1)

    def mean_loyalty(self) -> np.ndarray:
        """Mean loyalty of all officers (NaN with no officers)."""
        if self.loyalty.shape[-1] == 0:
            return np.full(self.loyalty.shape[:-1], np.nan)
        return self.loyalty.mean(axis=-1)

    def police_loyalty(self, default: np.ndarray | float) -> np.ndarray:
        """The police pillar: officers' mean loyalty, defectors counting zero."""
        if self.loyalty.shape[-1] == 0:
            return np.broadcast_to(np.asarray(default, dtype=float),
                                   self.loyalty.shape[:-1]).copy()
        return np.where(self.defected, 0.0, self.loyalty).mean(axis=-1)

    def row(self, i: int) -> SecurityArrays:
        """Replicate i's officers: views (writes go through to the batch)."""
        return SecurityArrays(**{k: v[i] for k, v in vars(self).items()})

    def take(self, rows: np.ndarray) -> SecurityArrays:
        """The officers of the replicates `rows` (copies)."""
        return SecurityArrays(**{k: v[rows] for k, v in vars(self).items()})


@dataclass
class RegimeState:
    """The regime's scalars, one per replicate, and the loyalty of each pillar (B, 6).

    `support_history` (B, PROGRESS_WINDOW) holds the regime's support at the end of each
    of the last `history_count` steps in its last columns (oldest first): the movement
    judges its `progress` by it. `granted`: a reform demand has been granted;
    `war_share`: the rebels' share of the fighting this week (0 without a war);
    `intervened`: outside powers back the rebels.
    """

    legitimacy: np.ndarray
    legitimacy_baseline: np.ndarray
    repression_level: np.ndarray
    resources: np.ndarray
    propaganda: np.ndarray
    frustration: np.ndarray
    pillar_loyalty: np.ndarray
    support_history: np.ndarray
    history_count: int = 0
    progress: np.ndarray | None = None
    granted: np.ndarray | None = None
    war_share: np.ndarray | None = None
    intervened: np.ndarray | None = None

    def __post_init__(self) -> None:
        """Start progress, war share and the flags at zero for every replicate."""
        size = len(self.legitimacy)
        for name, dtype in (("progress", float), ("granted", bool), ("war_share", float),
                            ("intervened", bool)):
            if getattr(self, name) is None:
                setattr(self, name, np.zeros(size, dtype=dtype))

    def remember_support(self, support: np.ndarray) -> None:
        """Append this step's support to each replicate's window (dropping the oldest)."""
        history = self.support_history
        history[:, :-1] = history[:, 1:].copy()
        history[:, -1] = support
        self.history_count = min(self.history_count + 1, history.shape[1])

    def oldest_support(self) -> np.ndarray:
        """The support at the start of the window (the first remembered)."""
        return self.support_history[:, self.support_history.shape[1] - self.history_count]

    def take(self, rows: np.ndarray) -> RegimeState:
        """The regime of the replicates `rows` (copies)."""
        values = {k: (v[rows] if isinstance(v, np.ndarray) else v) for k, v in vars(self).items()}
        return RegimeState(**values)


@dataclass
class StepMemory:
    """What one phase leaves for a later phase or step, per replicate (declared once).

    `pillar_baseline` (B, 6): the pillars' loyalty at the start, which they drift back to;
    `initial_support` (B,): the regime's support at the start (the grant of a demand
    weighs the support lost since); `events` (B, 2, W, H): this step's repression per
    cell (nonviolent targets, all targets), which citizens see next step;
    `arrests`, `killings`, `battle_deaths` (B,): running totals; `backfire_hit`,
    `violent_hit` (B,): this step's repression of nonviolent and violent citizens per
    citizen; `patronage` (B, 6): this step's patronage per pillar; `crowd_seen` (B, N):
    the nonviolent crowd each free citizen saw (publicity of their arrest).
    """

    pillar_baseline: np.ndarray
    initial_support: np.ndarray
    events: np.ndarray
    arrests: np.ndarray
    killings: np.ndarray
    battle_deaths: np.ndarray
    backfire_hit: np.ndarray
    violent_hit: np.ndarray
    patronage: np.ndarray
    crowd_seen: np.ndarray

    @classmethod
    def start(cls, pillar_loyalty: np.ndarray, shape: tuple[int, int],
              n_citizens: int) -> StepMemory:
        """Empty memory for a batch whose pillars start at `pillar_loyalty` (B, 6)."""
        size = len(pillar_loyalty)
        counts = [np.zeros(size, dtype=np.int64) for _ in range(3)]
        return cls(pillar_loyalty.copy(), np.zeros(size), np.zeros((size, 2, *shape)),
                   *counts, np.zeros(size), np.zeros(size), np.zeros_like(pillar_loyalty),
                   np.zeros((size, n_citizens)))

    def take(self, rows: np.ndarray) -> StepMemory:
        """The memory of the replicates `rows` (copies)."""
        return StepMemory(**{k: v[rows] for k, v in vars(self).items()})


class ReplicateView:
    """One replicate's entries of a batch's arrays, read and written by attribute.

    `view.name` is `arrays.name[row]`: a Python number for a per-replicate scalar,
    otherwise a view whose writes go through to the batch; `view.name = value` writes.
    """

    def __init__(self, arrays: object, row: int = 0) -> None:
        object.__setattr__(self, "_arrays", arrays)
        object.__setattr__(self, "_row", row)

    def __getattr__(self, name: str) -> object:
        value = getattr(self._arrays, name)[self._row]
        return value.item() if np.ndim(value) == 0 else value

    def __setattr__(self, name: str, value: object) -> None:
        getattr(self._arrays, name)[self._row] = value

"""The batch engine: B campaigns on same-shaped grids, stepped at once.

`Batch` holds every replicate's state in arrays with a leading replicate axis
(model.state) and steps them as a schedule of named phases, one mixin per actor in
`model.phases`. Random numbers come from counter-based streams keyed by each
replicate's seed (model.streams), so a replicate's run does not depend on the batch it
is in. The Mesa model (model.model) is a batch of one; `model.batch_run` runs many.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import streams
from .batch_params import BatchParams
from .phases import CitizenPhases, ConflictPhases, RegimePhases, SecurityPhases
from .recorder import BatchRecorder, observe
from .setup import initial_regime, place_population
from .state import StepMemory


class Draws:
    """The random numbers of one step, for the agents that need them.

    Args:
        engine: the batch; its `keys` (B, 1) and current `steps` key every draw.

    Each method takes `rows` (replicate of each entry; None: every replicate) and
    `index` (agent of each entry, or 0 for a per-replicate draw). Tests stand in for
    it to feed a phase chosen numbers.
    """

    def __init__(self, engine: Batch) -> None:
        """Draw for `engine`."""
        self._engine = engine

    def _keys(self, rows: np.ndarray | None) -> np.ndarray:
        keys = self._engine.keys
        return keys if rows is None else keys[rows, 0]

    def uniform(self, site: int, rows: np.ndarray | None, index: np.ndarray) -> np.ndarray:
        """Uniform floats in [0, 1)."""
        return streams.uniform(self._keys(rows), self._engine.steps, site, index)

    def normal(self, site: int, rows: np.ndarray | None, index: np.ndarray) -> np.ndarray:
        """Standard normal draws (uses sites `site` and `site + 1`)."""
        return streams.normal(self._keys(rows), self._engine.steps, site, index)

    def integers(self, site: int, rows: np.ndarray | None, index: np.ndarray,
                 low: Any, high: Any) -> np.ndarray:
        """Integers uniform on low..high inclusive."""
        return streams.integers(self._keys(rows), self._engine.steps, site, index, low, high)


class Batch(CitizenPhases, SecurityPhases, RegimePhases, ConflictPhases):
    """B campaigns with the same batch_key, each with its own parameters and seed.

    Args:
        members: each replicate's Params (same grid, agent counts, visions, switches).
        seeds: each replicate's seed (int, list of ints, SeedSequence or Generator).
    """

    def __init__(self, members: Sequence[Any], seeds: Sequence[Any]) -> None:
        """Place the agents, set up the regimes, and record step 0."""
        if len(members) != len(seeds):
            raise ValueError(f"a batch needs one seed per campaign ({len(members)} campaigns, "
                             f"{len(seeds)} seeds)")
        self.params = p = BatchParams(members)
        self.keys = np.array([streams.seed_key(s) for s in seeds], dtype=np.uint64)[:, None]
        self.steps = 0
        self.draws = Draws(self)
        self.shape = (p.width, p.height)
        self.n_citizens = p.n_citizens
        self.citizens, self.security, self.occupied = place_population(p, self.keys)
        self.regime_state = initial_regime(p, self.security.police_loyalty(p.security_loyalty))
        self.memory = StepMemory.start(self.regime_state.pillar_loyalty, self.shape,
                                       self.n_citizens)
        self.recorder = BatchRecorder(p.size, int(p.max_steps.max()))
        self.take_stock()
        self.memory.initial_support = self._support()
        self._record()

    @property
    def size(self) -> int:
        """Replicates in the batch."""
        return self.params.size

    def step(self) -> None:
        """Advance every campaign by one step, as a schedule of named phases."""
        self.steps += 1
        self.citizens_decide()
        self.security_repress()
        self.security_shift_loyalty()
        self.pillars_shift_loyalty()
        self.regime_adapts()
        self.armed_conflict()
        self.serve_jail_terms()
        if self.params.movement:
            self.move()
        self.take_stock()
        self._record()

    def _record(self) -> None:
        """Write this step's row of every replicate's trajectory."""
        self.recorder.record(self.steps, observe(
            self.steps, self.citizens, self.security, self.regime_state, self.memory.arrests,
            self.memory.killings, self.memory.battle_deaths, self.params.represented_share))

    def take(self, rows: np.ndarray) -> None:
        """Keep only the replicates `rows` (the others are done): every array shrinks."""
        rows = np.asarray(rows)
        self.params = self.params.take(rows)
        self.keys = self.keys[rows]
        self.citizens = self.citizens.take(rows)
        self.security = self.security.take(rows)
        self.occupied = self.occupied[rows]
        self.regime_state = self.regime_state.take(rows)
        self.memory = self.memory.take(rows)
        self.recorder.take(rows)

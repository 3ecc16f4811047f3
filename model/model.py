"""CivilResistanceModel: a campaign of citizens against a regime and its pillars.

The campaign is a batch of one of the batch engine (`model.engine`): each step reads as
a schedule of named phases, one mixin per actor in `model.phases`. All agents of a kind
perceive and decide at once: counts within vision are box sums over grid maps
and the decision rules are the pure functions of `model.rules`. The Mesa agents are
live views of the arrays (see `model.agents`).
"""

from __future__ import annotations

import numbers
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.discrete_space import OrthogonalMooreGrid

from .agents import Citizen, Pillar, Regime, SecurityForce
from .engine import Batch
from .judge import Judge
from .mesa_adapter import mesa_cell, scenario_with_seed
from .outcome import Decision, Thresholds, reported
from .params import Params
from .recorder import Recorder
from .state import ReplicateView
from .summary import RunSummary, summarise
from .vocabulary import PillarName


def checked_seed(rng: Any) -> Any:
    """The seed as Mesa can take it; a seed numpy cannot take is a one-line error.

    A numpy integer becomes a Python int (Mesa hands integer seeds to `random.Random`,
    which refuses numpy's).

    Raises:
        ValueError: for a negative or non-integer seed.
    """
    if rng is None or isinstance(rng, (np.random.Generator, np.random.BitGenerator,
                                       np.random.SeedSequence)):
        return rng
    words = rng if isinstance(rng, (list, tuple)) else [rng]
    for word in words:
        if isinstance(word, (bool, np.bool_)) or not isinstance(word, numbers.Integral) \
                or word < 0:
            raise ValueError(f"seed must be a whole number >= 0 (got {rng!r})")
    return int(rng) if isinstance(rng, np.integer) else rng


def _delegate(name: str) -> Any:
    """A model method that runs the engine's phase `name` (for tests and the app)."""
    def phase(self: CivilResistanceModel) -> None:
        getattr(self.engine, name)()
    phase.__name__ = name
    phase.__doc__ = f"Run the engine's phase {name} on this campaign."
    return phase


class RegimeView:
    """Replicate 0's regime, read and written through to the engine's arrays."""

    _FIELDS = ("legitimacy", "legitimacy_baseline", "repression_level", "resources",
               "propaganda", "frustration", "progress", "granted", "war_share", "intervened")

    def __init__(self, engine: Batch) -> None:
        object.__setattr__(self, "_engine", engine)

    def __getattr__(self, name: str) -> Any:
        regime = self._engine.regime_state
        if name in self._FIELDS:
            return getattr(regime, name)[0].item()
        if name == "pillar_loyalty":
            return regime.pillar_loyalty[0]
        if name == "support_history":
            return SupportHistory(regime)
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._FIELDS:
            raise AttributeError(f"cannot set {name} of the regime view")
        getattr(self._engine.regime_state, name)[0] = value


class SupportHistory:
    """Replicate 0's window of regime support, as a short list (oldest first)."""

    def __init__(self, regime: Any) -> None:
        self._regime = regime

    def __len__(self) -> int:
        return self._regime.history_count

    def __getitem__(self, i: int) -> float:
        values = self._regime.support_history[0, len(self._regime.support_history[0]) - len(self):]
        return float(values[i])

    def clear(self) -> None:
        """Forget the window (the next support remembered starts it again)."""
        self._regime.history_count = 0

    def append(self, value: float) -> None:
        """Remember one more support value."""
        self._regime.remember_support(np.asarray([value]))

    def extend(self, values: Any) -> None:
        """Remember several support values, oldest first."""
        for value in values:
            self.append(value)


class CivilResistanceModel(mesa.Model):
    """Agent-based model of a civil-resistance campaign.

    A batch of one (model.engine.Batch): the campaign's state lives in the engine's
    arrays and the model shows replicate 0 through views, Mesa agents and a Mesa grid.
    A campaign run here and the same parameters and seed in any batch
    (model.batch_run) give the same run.

    Args:
        params: the run's parameters (defaults if None).
        rng: seed or numpy Generator; the run is determined by params and this seed.
        thresholds: thresholds of the outcome classifier.
        scenario: a Mesa Scenario (the app's Reset passes one); it gets the run's seed.
    """

    def __init__(
        self,
        params: Params | None = None,
        rng: Any = None,
        thresholds: Thresholds | None = None,
        scenario: Any = None,
    ) -> None:
        """Create the engine's one campaign, its Mesa agents and grid; step 0 is recorded."""
        rng = checked_seed(rng)
        super().__init__(rng=rng, scenario=scenario_with_seed(scenario, rng))
        # Mesa replaced `step` by its clock's step (which advances model.steps and
        # model.time, then calls ours). A finished campaign refuses to step: the guard
        # wraps Mesa's, so neither the campaign nor Mesa's clock moves past the end
        # (a SolaraViz Step runs its interval without looking at `running`).
        self._clock_step = self.step
        self.step = self._step_while_running
        self.params = params if params is not None else Params()
        self.thresholds = thresholds if thresholds is not None else Thresholds()
        # Without a seed, Mesa's fresh generator keys the run (unreproducible, as asked).
        self.engine = Batch([self.params], [rng if rng is not None else self.rng])
        self.judge = Judge(self.engine, self.thresholds)
        self.shape = self.engine.shape
        self.citizens = self.engine.citizens.row(0)
        self.security = self.engine.security.row(0)
        self.occupied = self.engine.occupied[0]
        self.n_citizens = self.engine.n_citizens
        self.regime_state = RegimeView(self.engine)
        self.recorder = Recorder(self.engine.recorder, 0)
        # The Mesa grid is built, and the agents placed in it, when first read: a run
        # that never looks at it (sweeps, the CLI) skips 1,600 cells' worth of set-up.
        self._grid: OrthogonalMooreGrid | None = None
        self._synced: tuple[int, np.ndarray] | None = None
        self._citizen_agents = [Citizen(self, i) for i in range(self.n_citizens)]
        self._security_agents = [SecurityForce(self, i) for i in range(len(self.security.pos))]
        self.regime = Regime(self)
        self.pillars = [Pillar(self, i) for i in range(len(PillarName))]

    @property
    def memory(self) -> ReplicateView:
        """This campaign's step memory (model.state.StepMemory), read and written by name."""
        return ReplicateView(self.engine.memory)

    @property
    def decision(self) -> Decision:
        """The outcome as decided so far (None while undecided)."""
        return self.judge.decisions[0]

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Advance the campaign by one step (the engine's schedule of named phases).

        Once the outcome is decided or the horizon reached (`running` False), calling
        step() does nothing: the campaign stays as it ended.
        """
        if not self.running:  # also when Mesa's run_for/run_until call it directly
            return
        self.engine.step()
        self.judge.update(self.engine)
        self.running = bool(self.judge.running[0])

    def _step_while_running(self) -> None:
        """One step of Mesa's clock and of the campaign; nothing once the run has ended."""
        if self.running:
            self._clock_step()

    def run(self) -> dict[str, Any]:
        """Step until the outcome is decided or the horizon is reached; return summary()."""
        while self.running:
            self.step()
        return self.summary()

    citizens_decide = _delegate("citizens_decide")
    security_repress = _delegate("security_repress")
    security_shift_loyalty = _delegate("security_shift_loyalty")
    pillars_shift_loyalty = _delegate("pillars_shift_loyalty")
    regime_adapts = _delegate("regime_adapts")
    armed_conflict = _delegate("armed_conflict")
    serve_jail_terms = _delegate("serve_jail_terms")
    move = _delegate("move")
    take_stock = _delegate("take_stock")

    # ------------------------------------------------------------------ records
    def outcome_decision(self) -> Decision:
        """The outcome so far, as the app and the summary report it.

        Once the run has stopped undecided, the campaign is judged as at the horizon
        (suppressed or stalled).
        """
        return reported(self.decision, not self.running, self.recorder.columns(),
                        self.thresholds)

    def trajectory(self) -> pd.DataFrame:
        """The recorded trajectory: one row per step (step 0 is the initial state)."""
        return self.recorder.frame()

    def run_summary(self) -> RunSummary:
        """End-of-run (or so-far) summary of the campaign, as the declared RunSummary."""
        return summarise(self.recorder.columns(), self.outcome_decision(), self.regime_state,
                         float(self.security.defected_share()), self.thresholds)

    def summary(self) -> dict[str, Any]:
        """End-of-run (or so-far) summary as a plain dict (see model.summary.RunSummary)."""
        return self.run_summary().to_dict()

    # ------------------------------------------------------------------ Mesa space
    @property
    def grid(self) -> OrthogonalMooreGrid:
        """The Mesa grid, with every agent in its current cell."""
        self.sync_space()
        return self._grid

    def sync_space(self) -> None:
        """Move Mesa agents to the cells the arrays say they are in (lazily, once a step)."""
        if self._synced is not None and self._synced[0] == self.steps:
            return
        if self._grid is None:
            self._grid = OrthogonalMooreGrid(self.shape, torus=True, capacity=1,
                                             random=self.random)
        agents = self._citizen_agents + self._security_agents
        positions = np.concatenate([self.citizens.pos, self.security.pos])
        old = self._synced[1] if self._synced is not None else np.full(len(agents), -2)
        moved = np.flatnonzero(positions != old)
        for i in moved:
            if mesa_cell(agents[i]) is not None:
                agents[i].cell = None
        height = self.shape[1]
        for i in moved:
            if positions[i] >= 0:
                agents[i].cell = self._grid[divmod(int(positions[i]), height)]
        self._synced = (self.steps, positions)

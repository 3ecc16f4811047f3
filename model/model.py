"""CivilResistanceModel: a campaign of citizens against a regime and its pillars.

Each step reads as a schedule of named phases (see `step`), written as one mixin per
actor in `model.phases`. All agents of a kind perceive and decide at once: counts
within vision come from box filters over grid maps and the decision rules are the pure
functions of `model.rules`. The Mesa agents are live views of the arrays (see
`model.agents`).
"""

from __future__ import annotations

import numbers
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.discrete_space import OrthogonalMooreGrid

from .agents import Citizen, Pillar, Regime, SecurityForce
from .mesa_adapter import mesa_cell, scenario_with_seed
from .outcome import Decision, Thresholds, classify
from .params import Params
from .phases import CitizenPhases, ConflictPhases, RegimePhases, SecurityPhases
from .recorder import Recorder, observe
from .setup import initial_regime, place_population
from .summary import RunSummary, summarise
from .vocabulary import PILLARS


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


class CivilResistanceModel(CitizenPhases, SecurityPhases, RegimePhases, ConflictPhases,
                           mesa.Model):
    """Agent-based model of a civil-resistance campaign.

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
        """Create the grid, the agents and the regime, and record step 0."""
        rng = checked_seed(rng)
        super().__init__(rng=rng, scenario=scenario_with_seed(scenario, rng))
        self.params = params if params is not None else Params()
        self.thresholds = thresholds if thresholds is not None else Thresholds()
        p = self.params
        self.shape = (p.width, p.height)
        self._grid = OrthogonalMooreGrid(self.shape, torus=True, capacity=1, random=self.random)
        self._synced: tuple[int, np.ndarray] | None = None
        self._place_population()
        self.regime_state = initial_regime(
            self.params, self.security.police_loyalty(self.params.security_loyalty))
        self._pillar_baseline = self.regime_state.pillar_loyalty.copy()
        self.regime = Regime(self)
        self.pillars = [Pillar(self, i) for i in range(len(PILLARS))]
        self._events = np.zeros((2, *self.shape))  # nonviolent, all repression last step
        self._arrests = self._killings = self._battle_deaths = 0
        self._backfire_hit = self._violent_hit = 0.0
        self._patronage = np.zeros(len(PILLARS))
        self._crowd_seen = np.zeros(self.n_citizens)
        self.recorder = Recorder(p.max_steps)
        self.decision = Decision(None, None)
        self._take_stock()
        self._initial_support = self._support()
        self._record()

    # ------------------------------------------------------------------ set-up
    def _place_population(self) -> None:
        """Scatter citizens and officers on the grid; make their Mesa agents."""
        self.citizens, self.security, self.occupied = place_population(self.params, self.rng)
        self.n_citizens = len(self.citizens.pos)
        self._citizen_agents = [Citizen(self, i) for i in range(self.n_citizens)]
        self._security_agents = [SecurityForce(self, i) for i in range(len(self.security.pos))]
        self.sync_space()

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Advance the campaign by one step, as a schedule of named phases."""
        self._citizens_decide()
        self._security_repress()
        self._security_shift_loyalty()
        self._pillars_shift_loyalty()
        self._regime_adapts()
        self._armed_conflict()
        self._serve_jail_terms()
        if self.params.movement:
            self._move()
        self._take_stock()
        self._record()
        self._decide_outcome()

    def run(self) -> dict[str, Any]:
        """Step until the outcome is decided or the horizon is reached; return summary()."""
        while self.running:
            self.step()
        return self.summary()

    # ------------------------------------------------------------------ records
    def _record(self) -> None:
        """Write this step's row of the trajectory."""
        self.recorder.record(self.steps, observe(
            self.steps, self.citizens, self.security, self.regime_state, self._arrests,
            self._killings, self._battle_deaths, self.params.represented_share))

    def _decide_outcome(self) -> None:
        """Classify the trajectory; stop once decided (unless run_to_horizon) or at the horizon.

        A verdict, once given, is kept: the classifier names the first decisive event, and
        the horizon's verdict (suppressed or stalled) is final too, so stepping on past the
        decision or the horizon records what happens next without rewriting the outcome.
        """
        final = self.steps >= self.params.max_steps
        if self.decision.outcome is None:
            self.decision = classify(self.recorder.columns(), final=final,
                                     thresholds=self.thresholds)
        decided = self.decision.outcome is not None and not self.params.run_to_horizon
        if decided or final:
            self.running = False

    def outcome_decision(self) -> Decision:
        """The outcome so far, as the app and the summary report it.

        Once the run has stopped undecided, the campaign is judged as at the horizon
        (suppressed or stalled).
        """
        if self.decision.outcome is None and not self.running:
            return classify(self.recorder.columns(), final=True, thresholds=self.thresholds)
        return self.decision

    def trajectory(self) -> pd.DataFrame:
        """The recorded trajectory: one row per step (step 0 is the initial state)."""
        return self.recorder.frame()

    def run_summary(self) -> RunSummary:
        """End-of-run (or so-far) summary of the campaign, as the declared RunSummary."""
        return summarise(self.recorder.columns(), self.outcome_decision(), self.regime_state,
                         self.security.defected_share(), self.thresholds)

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

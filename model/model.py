"""CivilResistanceModel: a campaign of citizens against a regime and its pillars.

Each step reads as a schedule of named phases (see `step`). All agents of a kind
perceive and decide at once: counts within vision come from box filters over grid
maps and the decision rules are the pure functions of `model.rules`. The Mesa
agents are live views of the arrays (see `model.agents`).
"""

from __future__ import annotations

import numbers
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.discrete_space import OrthogonalMooreGrid

from . import rules
from .agents import Citizen, Pillar, Regime, SecurityForce
from .mesa_adapter import mesa_cell, scenario_with_seed
from .outcome import Decision, Thresholds, classify
from .params import Params
from .recorder import Recorder, observe
from .setup import initial_regime, place_population
from .space import box_sum, move, scatter
from .summary import RunSummary, summarise
from .vocabulary import (
    BUSINESS,
    MEDIA,
    MILITARY,
    PILLARS,
    POLICE,
    PUBLIC,
    CitizenState,
)

# Plain ints for the array code (numpy compares and stores them without conversion).
QUIET, PROTESTING, VIOLENT, JAILED, DEAD = (int(state) for state in CitizenState)

#: A killing weighs this many arrests in the outrage and anger it causes.
KILLING_WEIGHT = 5.0
#: Nonviolent protesters in vision at which an arrest there draws half the public
#: outrage of one made in a large crowd: repressing a lone activist passes unseen,
#: repressing a peaceful crowd backfires (Martin 2007).
CROWD_SCALE = 20.0
#: Per-step pull of pillar loyalty back to its baseline: institutional inertia.
PILLAR_INERTIA = 0.02
#: Day-to-day noise in officers' loyalty.
LOYALTY_NOISE = 0.005

PILLAR_WEIGHTS = np.array([w for _, w, _ in PILLARS])
ECONOMIC_EXPOSURE = np.array([e for _, _, e in PILLARS])


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


class CivilResistanceModel(mesa.Model):
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
        self._arrests = self._killings = 0
        self._backfire_hit = self._violent_hit = 0.0
        self._patronage = np.zeros(len(PILLARS))
        self._crowd_seen = np.zeros(self.n_citizens)
        self.recorder = Recorder(p.max_steps)
        self.decision = Decision(None, None)
        self._take_stock()
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

    # ------------------------------------------------------------------ phases
    def _citizen_map(self, mask: np.ndarray) -> np.ndarray:
        """Grid map (1 where present) of the citizens selected by `mask`."""
        return scatter(1.0, self.citizens.pos[mask], self.shape)

    def _security_map(self, mask: np.ndarray) -> np.ndarray:
        """Grid map (1 where present) of the officers selected by `mask`."""
        return scatter(1.0, self.security.pos[mask], self.shape)

    def _citizens_decide(self) -> None:
        """Free citizens perceive their vision and choose quiet, protest or violence."""
        p, c, reg = self.params, self.citizens, self.regime_state
        free = (c.state == QUIET) | (c.state == PROTESTING) | (c.state == VIOLENT)
        loyal = ~self.security.defected
        maps = np.stack([
            self._citizen_map(c.state == PROTESTING),
            self._citizen_map(c.state == VIOLENT),
            self._security_map(loyal),
            self._security_map(~loyal),
            self._citizen_map(free),
            self._events[0],
            self._events[1],
        ])
        seen = box_sum(maps, p.citizen_vision).reshape(len(maps), -1)[:, c.pos[free]]
        nonviolent, violent, officers, defected, present, nv_events, all_events = seen
        was_active = (c.state[free] == PROTESTING) | (c.state[free] == VIOLENT)
        actives = nonviolent + violent - was_active + 1.0
        # Defected officers in vision shield the crowd from the loyal ones.
        deterrent = np.maximum(officers - defected, 0.0)
        risk = rules.arrest_probability(deterrent, actives, p.arrest_constant,
                                        rules.arrest_rate(reg.repression_level))
        risk = np.where(c.dispersed[free], risk * (1.0 - p.dispersed_safety), risk)

        memory = p.anger_memory
        c.outrage[free] = memory * c.outrage[free] + nv_events / np.maximum(present, 1.0)
        c.anger[free] = memory * c.anger[free] + all_events / np.maximum(present, 1.0)
        outrage = p.outrage * c.outrage[free] * (1.0 - reg.propaganda) if p.backfire_on else 0.0
        pull = 0.0
        if p.threshold_on:
            flank = violent / np.maximum(present, 1.0) if p.radical_flank_on else 0.0
            pull = rules.social_pull(p.social_pull, nonviolent / np.maximum(present, 1.0), flank)
        griev = rules.grievance(c.hardship[free], reg.legitimacy, outrage)
        act = rules.wants_to_act(griev, c.risk_aversion[free], risk, pull, p.active_threshold)
        violent_now = act & p.radicalisation_on & rules.turns_violent(
            c.anger[free], reg.frustration, c.discipline[free])
        c.state[free] = np.where(violent_now, VIOLENT, np.where(act, PROTESTING, QUIET))
        self._crowd_seen[:] = 0.0
        self._crowd_seen[free] = nonviolent

    def _security_repress(self) -> None:
        """Loyal officers arrest (or, under lethal orders, kill) actives they can see."""
        p, c, s, reg = self.params, self.citizens, self.security, self.regime_state
        self._events[:] = 0.0
        self._backfire_hit = self._violent_hit = 0.0
        active = np.flatnonzero((c.state == PROTESTING) | (c.state == VIOLENT))
        loyal = np.flatnonzero(~s.defected)
        rate = rules.arrest_rate(reg.repression_level)
        if active.size == 0 or loyal.size == 0 or rate == 0.0:
            return
        violent = c.state[active] == VIOLENT
        visibility = np.where(violent | ~c.dispersed[active], 1.0, 1.0 - p.dispersed_safety)
        visible_seen = box_sum(scatter(visibility, c.pos[active], self.shape),
                               p.security_vision).ravel()[s.pos[loyal]]
        capacity = rate * (1.0 + p.learning)
        hazard = rules.arrest_hazard_per_officer(1.0, capacity, visible_seen)
        hazard_sum = box_sum(scatter(hazard, s.pos[loyal], self.shape),
                             p.security_vision).ravel()[c.pos[active]]
        caught = rules.arrested(hazard_sum, visibility, self.rng.random(active.size))
        killed = caught & (self.rng.random(active.size) < rules.lethal_share(reg.repression_level))
        caught &= killed | self._jail_places(caught & ~killed)
        self._apply_repression(active[caught], violent[caught], killed[caught])

    def _jail_places(self, arrests: np.ndarray) -> np.ndarray:
        """Which of the wanted arrests fit in the jails (a random subset when full)."""
        room = int(self.params.jail_capacity * self.n_citizens)
        room -= int((self.citizens.state == JAILED).sum())
        wanted = np.flatnonzero(arrests)
        fits = np.zeros_like(arrests)
        fits[self.rng.permutation(wanted)[: max(room, 0)]] = True
        return fits

    def _apply_repression(self, who: np.ndarray, violent: np.ndarray, killed: np.ndarray) -> None:
        """Jail or kill `who`; remember the events for outrage, anger and backfire."""
        c, p = self.citizens, self.params
        weight = np.where(killed, KILLING_WEIGHT, 1.0)
        flat = self._events.reshape(2, -1)
        np.add.at(flat[0], c.pos[who[~violent]], weight[~violent])
        np.add.at(flat[1], c.pos[who], weight)
        crowd = self._crowd_seen[who[~violent]]
        publicity = rules.publicity(crowd, CROWD_SCALE)
        self._backfire_hit = float((weight[~violent] * publicity).sum()) / self.n_citizens
        self._violent_hit = float(weight[violent].sum()) / self.n_citizens
        c.state[who] = np.where(killed, DEAD, JAILED)
        c.jail[who] = self.rng.integers(0, p.max_jail_term + 1, who.size)
        dead = who[killed]
        self.occupied[c.pos[dead]] = False
        c.pos[dead] = -1
        self._arrests += int((~killed).sum())
        self._killings += int(killed.sum())

    def _security_shift_loyalty(self) -> None:
        """Officers' loyalty moves with moral cost, peers, threat and patronage."""
        p, c, s, reg = self.params, self.citizens, self.security, self.regime_state
        loyal = np.flatnonzero(~s.defected)
        if not p.defection_on or loyal.size == 0:
            return
        maps = np.stack([
            self._citizen_map(c.state == PROTESTING),
            self._citizen_map(c.state == VIOLENT),
            self._security_map(~s.defected),
            self._security_map(s.defected),
        ])
        seen = box_sum(maps, p.security_vision).reshape(4, -1)[:, s.pos[loyal]]
        nonviolent, violent, officers, defected = seen
        change = rules.loyalty_change(
            nonviolent, violent, officers - 1.0, defected, reg.repression_level,
            p.moral_cost, p.peer_influence,
            p.threat_cohesion if p.radical_flank_on else 0.0,
            p.learning, reg.legitimacy,
        )
        change += self._patronage[POLICE] + self.rng.normal(0.0, LOYALTY_NOISE, loyal.size)
        s.loyalty[loyal] = np.clip(s.loyalty[loyal] + change, 0.0, 1.0)
        s.defected[loyal] = s.loyalty[loyal] < p.defect_below

    def _pillars_shift_loyalty(self) -> None:
        """Pillars erode with their constituency's participation, strikes and backfire."""
        p, c, reg = self.params, self.citizens, self.regime_state
        reg.pillar_loyalty[POLICE] = self.security.police_loyalty(self.params.security_loyalty)
        if not p.pillar_erosion_on:
            return
        alive = c.state != DEAD
        active = (c.state == PROTESTING) | (c.state == VIOLENT)
        groups = len(PILLARS)
        code = np.where(c.constituency == PUBLIC, 0, c.constituency)
        members = np.bincount(code[alive & (c.constituency != PUBLIC)], minlength=groups)
        joined = np.bincount(code[active & (c.constituency != PUBLIC)], minlength=groups)
        constituency_share = joined / np.maximum(members, 1)
        n_alive = max(int(alive.sum()), 1)
        dispersed_share = float((active & c.dispersed).sum()) / n_alive
        violent_share = float((c.state == VIOLENT).sum()) / n_alive
        change = rules.pillar_change(
            constituency_share, dispersed_share, ECONOMIC_EXPOSURE,
            self._backfire_signal(), violent_share, self._patronage,
            p.erosion, p.backfire_on, p.radical_flank_on,
        )
        if p.defection_on:
            # Soldiers watch the police: defections spread to the army.
            change[MILITARY] -= p.peer_influence * self._defected_share()
        change += PILLAR_INERTIA * (self._pillar_baseline - reg.pillar_loyalty)
        change[POLICE] = 0.0  # the police pillar is read from the officers themselves
        reg.pillar_loyalty[:] = np.clip(reg.pillar_loyalty + change, 0.0, 1.0)

    def _regime_adapts(self) -> None:
        """The regime updates legitimacy, repression, concessions, patronage, propaganda."""
        p, reg = self.params, self.regime_state
        participation, violent_share = self._participation()
        support = rules.regime_support(reg.pillar_loyalty, PILLAR_WEIGHTS)
        if not p.fixed_legitimacy:
            change = rules.legitimacy_change(
                reg.legitimacy, reg.legitimacy_baseline, self._backfire_signal(),
                self._violent_hit, violent_share, p.backfire, p.backfire_on, p.radical_flank_on)
            if p.adaptive_regime:
                reg.legitimacy_baseline = rules.conceded_baseline(
                    reg.legitimacy_baseline, p.legitimacy, support, p.learning)
            reg.legitimacy = float(np.clip(reg.legitimacy + change, 0.0, 1.0))
        if p.adaptive_regime:
            target = rules.repression_target(p.repression, participation, violent_share,
                                             self._defected_share())
            reg.repression_level = rules.next_repression_level(reg.repression_level, target,
                                                               p.learning)
            reg.propaganda = rules.propaganda_reach(p.media_freedom, reg.pillar_loyalty[MEDIA],
                                                    p.learning)
        self._spend_patronage()
        if p.radicalisation_on:
            history = reg.support_history
            reg.frustration = rules.next_frustration(
                reg.frustration, participation, support, history[0],
                judged=len(history) == rules.PROGRESS_WINDOW)

    def _spend_patronage(self) -> None:
        """Buy back the least loyal pillars while resources last; earn from business."""
        p, reg, c = self.params, self.regime_state, self.citizens
        self._patronage = np.zeros(len(PILLARS))
        if not p.adaptive_regime:
            return
        self._patronage, spent = rules.patronage(reg.resources, reg.pillar_loyalty, p.learning)
        reg.resources -= spent
        active = (c.state == PROTESTING) | (c.state == VIOLENT)
        # max(.., 1): a grid without citizens (density 0) has no strikes, not a crash.
        strikes = float((active & c.dispersed).sum()) / max(self.n_citizens, 1)
        earned = rules.income(reg.pillar_loyalty[BUSINESS], strikes)
        reg.resources = max(reg.resources + earned, 0.0)

    def _serve_jail_terms(self) -> None:
        """Jailed citizens serve a step; those whose term is over go home quiet."""
        c = self.citizens
        jailed = c.state == JAILED
        done = jailed & (c.jail <= 0)
        c.state[done] = QUIET
        c.jail[jailed & ~done] -= 1

    def _move(self) -> None:
        """Free citizens and all officers move to a random free cell in vision."""
        p, c, s = self.params, self.citizens, self.security
        free = np.flatnonzero((c.state == QUIET) | (c.state == PROTESTING) | (c.state == VIOLENT))
        positions = np.concatenate([c.pos[free], s.pos])
        radii = np.concatenate([np.full(free.size, p.citizen_vision),
                                np.full(s.pos.size, p.security_vision)])
        moved = move(self.rng, positions, radii, self.occupied, self.shape)
        c.pos[free] = moved[:free.size]
        s.pos[:] = moved[free.size:]

    # ------------------------------------------------------------------ measures
    def _participation(self) -> tuple[float, float]:
        """Active and violent shares of living citizens."""
        return self.citizens.shares()

    def _defected_share(self) -> float:
        """Share of security forces that have defected."""
        return self.security.defected_share()

    def _backfire_signal(self) -> float:
        """Legitimacy and pillar loyalty lost this step to repression of the nonviolent."""
        p, reg = self.params, self.regime_state
        if not p.backfire_on:
            return 0.0
        return rules.backfire_signal(p.backfire, self._backfire_hit, reg.propaganda, p.learning)

    def _take_stock(self) -> None:
        """The regime's support at the end of the step, remembered for judging progress."""
        reg = self.regime_state
        reg.support_history.append(rules.regime_support(reg.pillar_loyalty, PILLAR_WEIGHTS))

    # ------------------------------------------------------------------ records
    def _record(self) -> None:
        """Write this step's row of the trajectory."""
        self.recorder.record(self.steps, observe(
            self.steps, self.citizens, self.security, self.regime_state, self._arrests,
            self._killings, self.params.represented_share))

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
                         self.security.defected_share(), self._arrests, self._killings,
                         self.thresholds)

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

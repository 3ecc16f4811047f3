"""CivilResistanceModel: a campaign of citizens against a regime and its pillars.

Each step reads as a schedule of named phases (see `step`). All agents of a kind
perceive and decide at once: counts within vision come from box filters over grid
maps and the decision rules are the pure functions of `model.rules`. The Mesa
agents are live views of the arrays (see `model.agents`).
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.discrete_space import OrthogonalMooreGrid

from . import rules
from .agents import (
    BUSINESS,
    CIVIL_SERVICE,
    DEAD,
    JAILED,
    MEDIA,
    MILITARY,
    PILLAR_NAMES,
    PILLARS,
    POLICE,
    PROTESTING,
    PUBLIC,
    QUIET,
    VIOLENT,
    Citizen,
    Pillar,
    Regime,
    SecurityForce,
)
from .outcome import Decision, Thresholds, classify, peak_violent_fraction
from .params import Params
from .space import box_sum, move, scatter
from .state import CitizenArrays, RegimeState, SecurityArrays

#: A killing weighs this many arrests in the outrage and anger it causes.
KILLING_WEIGHT = 5.0
#: Nonviolent protesters in vision at which an arrest there draws half the public
#: outrage of one made in a large crowd: repressing a lone activist passes unseen,
#: repressing a peaceful crowd backfires (Martin 2007).
CROWD_SCALE = 20.0
#: Regime support below which it starts conceding (and raising legitimacy).
CONCEDE_BELOW = 0.65
#: Baseline legitimacy a regime buys back per step per unit of support lost below
#: CONCEDE_BELOW, by concessions (more with authoritarian learning).
CONCESSION_RATE = 0.02
#: Most legitimacy concessions can buy back: reforms short of giving up power.
MAX_CONCESSION = 0.1
#: Patronage spent per step (loyalty units) while resources last.
PATRONAGE_RATE = 0.01
#: Resources earned per step from a loyal business pillar.
INCOME = 0.002
#: Steps over which the movement judges its progress (perceived failure).
PROGRESS_WINDOW = 20
#: Per-step pull of legitimacy and of pillar loyalty back to their baselines: the
#: regime's ordinary means of legitimation and institutional inertia.
LEGITIMACY_INERTIA, PILLAR_INERTIA = 0.05, 0.02
#: Spread of individual discipline and officer loyalty around their means.
DISCIPLINE_SD, LOYALTY_SD = 0.15, 0.1
#: Day-to-day noise in officers' loyalty.
LOYALTY_NOISE = 0.005

#: Citizens can be tied to the civilian pillars (civil service, business, clergy,
#: media); the police and military answer to their own chain of command.
FIRST_CIVILIAN = CIVIL_SERVICE
PILLAR_WEIGHTS = np.array([w for _, w, _ in PILLARS])
ECONOMIC_EXPOSURE = np.array([e for _, _, e in PILLARS])

TRAJECTORY_COLUMNS = (
    "step", "participation", "participation_pct", "protesting", "violent_share", "jailed", "dead",
    "arrests", "killings", "legitimacy", "repression_level", "regime_support",
    "security_defected_share", "security_loyalty", "resources", "propaganda",
    "frustration",
) + tuple(f"pillar_{name}" for name in PILLAR_NAMES)


class CivilResistanceModel(mesa.Model):
    """Agent-based model of a civil-resistance campaign.

    Args:
        params: the run's parameters (defaults if None).
        rng: seed or numpy Generator; the run is determined by params and this seed.
        thresholds: thresholds of the outcome classifier.
    """

    def __init__(
        self,
        params: Params | None = None,
        rng: Any = None,
        thresholds: Thresholds | None = None,
    ) -> None:
        """Create the grid, the agents and the regime, and record step 0."""
        super().__init__(rng=rng)
        self.params = params if params is not None else Params()
        self.thresholds = thresholds if thresholds is not None else Thresholds()
        p = self.params
        self.shape = (p.width, p.height)
        self._grid = OrthogonalMooreGrid(self.shape, torus=True, capacity=1, random=self.random)
        self._synced: tuple[int, np.ndarray] | None = None
        self._place_population()
        self.regime_state = self._initial_regime()
        self.regime = Regime(self)
        self.pillars = [Pillar(self, i) for i in range(len(PILLARS))]
        self._events = np.zeros((2, *self.shape))  # nonviolent, all repression last step
        self._arrests = self._killings = 0
        self._backfire_hit = self._violent_hit = 0.0
        self._patronage = np.zeros(len(PILLARS))
        self._crowd_seen = np.zeros(self.n_citizens)
        self._rows = np.full((p.max_steps + 1, len(TRAJECTORY_COLUMNS)), np.nan)
        self._col = {name: i for i, name in enumerate(TRAJECTORY_COLUMNS)}
        self.decision = Decision(None, None)
        self._record()

    # ------------------------------------------------------------------ set-up
    def _place_population(self) -> None:
        """Scatter citizens and officers on distinct random cells; draw their traits."""
        p, rng = self.params, self.rng
        n_cells = p.width * p.height
        n_cit = round(p.citizen_density * n_cells)
        n_sec = min(round(p.security_density * n_cells), n_cells - n_cit)
        cells = rng.permutation(n_cells)
        tied = rng.random(n_cit) < p.breadth
        self.citizens = CitizenArrays(
            pos=cells[:n_cit].copy(),
            hardship=rng.random(n_cit),
            risk_aversion=rng.random(n_cit),
            discipline=np.clip(rng.normal(p.discipline, DISCIPLINE_SD, n_cit), 0.0, 1.0),
            constituency=np.where(tied, rng.integers(FIRST_CIVILIAN, len(PILLARS), n_cit), PUBLIC),
            dispersed=rng.random(n_cit) < p.dispersed_share,
            state=np.full(n_cit, QUIET, dtype=np.int8),
            jail=np.zeros(n_cit, dtype=np.int64),
            anger=np.zeros(n_cit),
            outrage=np.zeros(n_cit),
        )
        loyalty = np.clip(rng.normal(p.security_loyalty, LOYALTY_SD, n_sec), 0.0, 1.0)
        self.security = SecurityArrays(
            pos=cells[n_cit:n_cit + n_sec].copy(),
            loyalty=loyalty,
            defected=(loyalty < p.defect_below) & p.defection_on,
        )
        self.occupied = np.zeros(n_cells, dtype=bool)
        self.occupied[cells[:n_cit + n_sec]] = True
        self.n_citizens = n_cit
        self._citizen_agents = [Citizen(self, i) for i in range(n_cit)]
        self._security_agents = [SecurityForce(self, i) for i in range(n_sec)]
        self.sync_space()

    def _initial_regime(self) -> RegimeState:
        """The regime at the start: pillars at their initial loyalty."""
        p = self.params
        loyalty = np.full(len(PILLARS), p.pillar_loyalty)
        loyalty[POLICE] = self._police_loyalty()
        loyalty[MILITARY] = p.security_loyalty
        self._pillar_baseline = loyalty.copy()
        repression = p.repression * (rules.CALM_POLICING if p.adaptive_regime else 1.0)
        return RegimeState(
            legitimacy=p.legitimacy,
            legitimacy_baseline=p.legitimacy,
            repression_level=repression,
            resources=p.patronage,
            propaganda=0.0,
            frustration=0.0,
            pillar_loyalty=loyalty,
        )

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
        publicity = crowd / (crowd + CROWD_SCALE)
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
        reg.pillar_loyalty[POLICE] = self._police_loyalty()
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
            change = LEGITIMACY_INERTIA * (reg.legitimacy_baseline - reg.legitimacy)
            if p.backfire_on:
                # Repressing the nonviolent costs legitimacy; repressing the violent buys it.
                change += -self._backfire_signal() + 0.2 * p.backfire * self._violent_hit
            if p.radical_flank_on:
                change += 0.05 * violent_share
            if p.adaptive_regime and support < CONCEDE_BELOW:
                # Concessions are lasting reforms: they raise the baseline itself.
                reg.legitimacy_baseline = min(p.legitimacy + MAX_CONCESSION,
                                              reg.legitimacy_baseline + CONCESSION_RATE
                                              * (0.5 + p.learning) * (CONCEDE_BELOW - support))
            reg.legitimacy = float(np.clip(reg.legitimacy + change, 0.0, 1.0))
        if p.adaptive_regime:
            target = rules.repression_target(p.repression, participation, violent_share,
                                             self._defected_share())
            reg.repression_level += (0.1 + 0.4 * p.learning) * (target - reg.repression_level)
            media = reg.pillar_loyalty[MEDIA]
            reg.propaganda = (1.0 - p.media_freedom) * media * (0.3 + 0.6 * p.learning)
        self._spend_patronage()
        if p.radicalisation_on:
            self._update_frustration(participation, support)

    def _spend_patronage(self) -> None:
        """Buy back the least loyal pillars while resources last; earn from business."""
        p, reg, c = self.params, self.regime_state, self.citizens
        self._patronage = np.zeros(len(PILLARS))
        if not p.adaptive_regime:
            return
        spend = min(reg.resources, PATRONAGE_RATE)
        need = 1.0 - reg.pillar_loyalty
        if spend > 0 and need.sum() > 0:
            self._patronage = spend * (0.5 + 0.5 * p.learning) * need / need.sum()
            reg.resources -= spend
        active = (c.state == PROTESTING) | (c.state == VIOLENT)
        strikes = float((active & c.dispersed).sum()) / self.n_citizens
        business = reg.pillar_loyalty[BUSINESS]
        income = INCOME * business * (1.0 - 10.0 * strikes)
        reg.resources = max(reg.resources + income, 0.0)

    def _update_frustration(self, participation: float, support: float) -> None:
        """A mobilised movement that sees the regime hold on grows frustrated."""
        reg = self.regime_state
        row = self._row_count() - 1
        before = self._rows[max(row - PROGRESS_WINDOW, 0), self._col["regime_support"]]
        stuck = participation > 0.02 and row >= PROGRESS_WINDOW and before - support < 0.01
        reg.frustration = reg.frustration + 0.005 if stuck else reg.frustration * 0.95

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
        c = self.citizens
        alive = max(int((c.state != DEAD).sum()), 1)
        violent = int((c.state == VIOLENT).sum())
        return (int((c.state == PROTESTING).sum()) + violent) / alive, violent / alive

    def _defected_share(self) -> float:
        """Share of security forces that have defected."""
        s = self.security.defected
        return float(s.mean()) if s.size else 0.0

    def _mean_officer_loyalty(self) -> float:
        """Mean loyalty of all officers (NaN when there are none)."""
        loyalty = self.security.loyalty
        return float(loyalty.mean()) if loyalty.size else float("nan")

    def _police_loyalty(self) -> float:
        """Police pillar: mean loyalty of officers, defectors counting zero."""
        s = self.security
        if s.loyalty.size == 0:
            return self.params.security_loyalty
        return float(np.where(s.defected, 0.0, s.loyalty).mean())

    def _backfire_signal(self) -> float:
        """Legitimacy and pillar loyalty lost this step to repression of the nonviolent."""
        p, reg = self.params, self.regime_state
        if not p.backfire_on:
            return 0.0
        return p.backfire * self._backfire_hit * (1.0 - reg.propaganda) * (1.0 - 0.5 * p.learning)

    # ------------------------------------------------------------------ records
    def _row_count(self) -> int:
        return self.steps + 1

    def _record(self) -> None:
        """Write this step's row of the trajectory."""
        c, reg = self.citizens, self.regime_state
        participation, violent_share = self._participation()
        alive = max(int((c.state != DEAD).sum()), 1)
        row = {
            "step": self.steps,
            "participation": participation,
            "participation_pct": participation * self.params.represented_share * 100.0,
            "protesting": int((c.state == PROTESTING).sum()) / alive,
            "violent_share": violent_share,
            "jailed": int((c.state == JAILED).sum()) / alive,
            "dead": int((c.state == DEAD).sum()) / self.n_citizens if self.n_citizens else 0.0,
            "arrests": self._arrests,
            "killings": self._killings,
            "legitimacy": reg.legitimacy,
            "repression_level": reg.repression_level,
            "regime_support": rules.regime_support(reg.pillar_loyalty, PILLAR_WEIGHTS),
            "security_defected_share": self._defected_share(),
            "security_loyalty": self._mean_officer_loyalty(),
            "resources": reg.resources,
            "propaganda": reg.propaganda,
            "frustration": reg.frustration,
        }
        row.update({f"pillar_{n}": reg.pillar_loyalty[i] for i, n in enumerate(PILLAR_NAMES)})
        if self.steps >= len(self._rows):  # stepped on past the horizon: grow the record
            self._rows = np.vstack([self._rows, np.full_like(self._rows, np.nan)])
        self._rows[self.steps] = [row[name] for name in TRAJECTORY_COLUMNS]

    def _columns(self) -> dict[str, np.ndarray]:
        """The trajectory so far, as columns."""
        rows = self._rows[: self._row_count()]
        return {name: rows[:, i] for i, name in enumerate(TRAJECTORY_COLUMNS)}

    def _decide_outcome(self) -> None:
        """Classify the trajectory; stop once decided (unless run_to_horizon) or at the horizon.

        The classifier names the first decisive event, so a decision never changes as the
        trajectory grows; running on only shows what happens next.
        """
        final = self.steps >= self.params.max_steps
        self.decision = classify(self._columns(), final=final, thresholds=self.thresholds)
        decided = self.decision.outcome is not None and not self.params.run_to_horizon
        if decided or final:
            self.running = False

    def trajectory(self) -> pd.DataFrame:
        """The recorded trajectory: one row per step (step 0 is the initial state)."""
        frame = pd.DataFrame(self._columns())
        for name in ("step", "arrests", "killings"):
            frame[name] = frame[name].astype(int)
        return frame

    def summary(self) -> dict[str, Any]:
        """End-of-run (or so-far) summary of the campaign."""
        cols = self._columns()
        decision = self.decision
        if decision.outcome is None and not self.running:
            decision = classify(cols, final=True, thresholds=self.thresholds)
        reg = self.regime_state
        return {
            "outcome": decision.outcome,
            "decided_step": decision.step,
            "steps": int(self.steps),
            "peak_participation": float(cols["participation"].max()),
            "peak_participation_pct": float(cols["participation_pct"].max()),
            "peak_violent_share": float(cols["violent_share"].max()),
            "peak_violent_fraction": peak_violent_fraction(cols, self.thresholds),
            "security_defected_share": self._defected_share(),
            "pillar_loyalty": {n: float(reg.pillar_loyalty[i]) for i, n in enumerate(PILLAR_NAMES)},
            "regime_support": float(cols["regime_support"][-1]),
            "legitimacy": float(reg.legitimacy),
            "arrests": int(self._arrests),
            "killings": int(self._killings),
            "regime_fell": bool(cols["regime_support"].min() <= self.thresholds.collapse),
        }

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
            if agents[i]._mesa_cell is not None:
                agents[i].cell = None
        height = self.shape[1]
        for i in moved:
            if positions[i] >= 0:
                agents[i].cell = self._grid[divmod(int(positions[i]), height)]
        self._synced = (self.steps, positions)

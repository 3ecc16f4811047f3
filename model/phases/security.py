"""Security forces' phases: repression and shifts in loyalty.

Repression: arrests, killings and pre-emptive arrests. Loyalty: moral cost, defection
cascades, threat cohesion, and desertion from a losing war. Random draws are made only
for the agents they concern (`self.draws`, keyed by replicate, step and agent).
"""

from __future__ import annotations

import numpy as np

from .. import rules
from ..batch_params import col
from ..space import agent_maps, box_count, box_sum, gather, scatter
from ..streams import Site
from ..vocabulary import POLICE
from .codes import DEAD, JAILED, PROTESTING, VIOLENT

#: A killing weighs this many arrests in the outrage and anger it causes.
KILLING_WEIGHT = 5.0
#: Nonviolent protesters in vision at which an arrest there draws half the public
#: outrage of one made in a large crowd: repressing a lone activist passes unseen,
#: repressing a peaceful crowd backfires (Martin 2007).
CROWD_SCALE = 20.0
#: Day-to-day noise in officers' loyalty.
LOYALTY_NOISE = 0.005


class SecurityPhases:
    """What the security forces do each step (mixed into the batch engine)."""

    def _per_replicate(self, rows: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """Sum of `weights` (or a count) over the entries of each replicate in `rows`."""
        return np.bincount(rows, weights=weights, minlength=self.params.size)

    def security_repress(self) -> None:
        """Loyal officers arrest (or, under lethal orders, kill) actives they can see.

        A learnt regime's secret police also arrest early risers anywhere. A replicate
        with nobody active, no loyal officer or an arrest rate of zero arrests nobody.
        """
        p, c, s, reg = self.params, self.citizens, self.security, self.regime_state
        self.memory.events[...] = 0.0
        self.memory.backfire_hit[...] = 0.0
        self.memory.violent_hit[...] = 0.0
        participation, _ = c.shares()
        loyal = ~s.defected
        rate = rules.arrest_rate(reg.repression_level)
        active = (c.state == PROTESTING) | (c.state == VIOLENT)
        active &= col(loyal.any(axis=-1) & (rate > 0.0))
        if not active.any():
            return
        violent = c.state == VIOLENT
        in_plain_sight = violent | ~c.dispersed
        visibility = np.where(in_plain_sight, 1.0, 1.0 - col(p.dispersed_safety))
        # Counted apart, so both box sums are exact: a dispersed active counts 1 - safety.
        plain, dispersed = gather(box_count(agent_maps(
            [(c.pos, active & in_plain_sight), (c.pos, active & ~in_plain_sight)], self.shape),
            p.security_vision), s.pos).astype(np.float64)
        visible_seen = plain + col(1.0 - p.dispersed_safety) * dispersed
        capacity = col(rate * (1.0 + p.learning))
        hazard = rules.arrest_hazard_per_officer(1.0, capacity, visible_seen)
        hazards = box_sum(scatter(hazard, s.pos, loyal, self.shape), p.security_vision)
        hazard_sum = gather(hazards[:, None], c.pos)[0]
        b, i = np.nonzero(active)
        caught = rules.arrested(hazard_sum[b, i], visibility[b, i],
                                self.draws.uniform(Site.ARREST, b, i))
        # Pre-emptive, targeted arrests (authoritarian learning): no officer in vision needed.
        if p.adaptive_regime:
            secret = rules.surveillance_hazard(p.learning, participation)
            caught |= self.draws.uniform(Site.SECRET_POLICE, b, i) < 1.0 - np.exp(-secret[b])
        lethal = rules.lethal_share(reg.repression_level)
        killed = caught & (self.draws.uniform(Site.KILLED, b, i) < lethal[b])
        caught &= killed | self._jail_places(b, i, caught & ~killed)
        self._apply_repression(b[caught], i[caught], violent[b, i][caught], killed[caught])

    def _jail_places(self, b: np.ndarray, i: np.ndarray, wanted: np.ndarray) -> np.ndarray:
        """Which of the wanted arrests (entries b, i) fit in the jails.

        When a replicate's jails are too small, a random subset: the arrests with the
        lowest draws fill the places left.
        """
        p, c = self.params, self.citizens
        room = (p.jail_capacity * self.n_citizens).astype(np.int64)
        room -= (c.state == JAILED).sum(axis=-1)
        room = np.maximum(room, 0)
        want = np.flatnonzero(wanted)
        crowded = self._per_replicate(b[want]) > room
        if not crowded.any():
            return wanted
        priority = self.draws.uniform(Site.JAIL_PLACE, b[want], i[want])
        order = np.lexsort((priority, b[want]))
        rows = b[want][order]
        first = np.searchsorted(rows, rows)  # index of each replicate's first entry
        rank = np.arange(len(rows)) - first
        fits = np.zeros_like(wanted)
        fits[want[order]] = rank < room[rows]
        return fits

    def _apply_repression(self, b: np.ndarray, i: np.ndarray, violent: np.ndarray,
                          killed: np.ndarray) -> None:
        """Jail or kill citizens (b, i); remember the events for outrage, anger, backfire."""
        c, p = self.citizens, self.params
        weight = np.where(killed, KILLING_WEIGHT, 1.0)
        flat = self.memory.events.reshape(p.size, 2, -1)
        pos = c.pos[b, i]
        nv = ~violent
        flat[b[nv], 0, pos[nv]] = weight[nv]  # one citizen per cell: no sums needed
        flat[b, 1, pos] = weight
        publicity = rules.publicity(self.memory.crowd_seen[b[nv], i[nv]], CROWD_SCALE)
        per_citizen = 1.0 / max(self.n_citizens, 1)
        memory = self.memory
        memory.backfire_hit[...] = self._per_replicate(b[nv], weight[nv] * publicity) * per_citizen
        memory.violent_hit[...] = self._per_replicate(b[violent], weight[violent]) * per_citizen
        c.state[b, i] = np.where(killed, DEAD, JAILED)
        c.jail[b, i] = self.draws.integers(Site.JAIL_TERM, b, i, 0, p.max_jail_term[b])
        self._remove_dead(b[killed], i[killed])
        self.memory.arrests += self._per_replicate(b[~killed]).astype(np.int64)
        self.memory.killings += self._per_replicate(b[killed]).astype(np.int64)

    def _remove_dead(self, b: np.ndarray, i: np.ndarray) -> None:
        """Take the dead (entries b, i) off their grids."""
        c = self.citizens
        c.state[b, i] = DEAD
        self.occupied[b, c.pos[b, i]] = False
        c.pos[b, i] = -1

    def security_shift_loyalty(self) -> None:
        """Officers' loyalty moves with moral cost, peers, threat, war and patronage."""
        p, c, s, reg = self.params, self.citizens, self.security, self.regime_state
        loyal = ~s.defected
        if not p.defection_on or not loyal.any():
            return
        maps = agent_maps([(c.pos, c.state == PROTESTING), (c.pos, c.state == VIOLENT),
                           (s.pos, loyal), (s.pos, ~loyal)], self.shape)
        nonviolent, violent, officers, defected = gather(
            box_count(maps, p.security_vision), s.pos).astype(np.float64)
        pull = rules.coup_proofed(p.peer_influence, p.learning) if p.adaptive_regime \
            else p.peer_influence
        # Defected officers' rows are computed and discarded: keep their peer count >= 0.
        peers_seen = np.where(loyal, officers - 1.0, 0.0)
        change = rules.loyalty_change(
            nonviolent, violent, peers_seen, defected, col(reg.repression_level),
            col(p.moral_cost), col(pull), col(p.threat_cohesion if p.radical_flank_on
                                                 else np.zeros(p.size)),
            col(p.learning), col(reg.legitimacy),
        )
        participation, _ = c.shares()
        learning = p.learning if p.adaptive_regime else 0.0
        change += col(self.memory.patronage[:, POLICE] - rules.DESERTION * reg.war_share
                      - rules.social_ties(participation, learning))
        change += rules.loyalty_reversion(s.loyalty, s.baseline)
        change += LOYALTY_NOISE * self.draws.normal(Site.LOYALTY_NOISE, None,
                                                    np.arange(s.pos.shape[1]))
        s.loyalty[...] = np.where(loyal, np.clip(s.loyalty + change, 0.0, 1.0), s.loyalty)
        s.defected[...] = np.where(loyal, s.loyalty < col(p.defect_below), s.defected)

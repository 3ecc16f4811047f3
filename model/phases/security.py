"""Security forces' phases: repression and shifts in loyalty.

Repression: arrests, killings and pre-emptive arrests. Loyalty: moral cost, defection
cascades, threat cohesion, and desertion from a losing war.
"""

from __future__ import annotations

import numpy as np

from .. import rules
from ..space import box_sum, scatter
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
    """What the security forces do each step (mixed into CivilResistanceModel)."""

    def _security_map(self, mask: np.ndarray) -> np.ndarray:
        """Grid map (1 where present) of the officers selected by `mask`."""
        return scatter(1.0, self.security.pos[mask], self.shape)

    def _security_repress(self) -> None:
        """Loyal officers arrest (or, under lethal orders, kill) actives they can see.

        A learnt regime's secret police also arrest early risers anywhere.
        """
        p, c, s, reg = self.params, self.citizens, self.security, self.regime_state
        self._events[:] = 0.0
        self._backfire_hit = self._violent_hit = 0.0
        participation, _ = c.shares()
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
        # Pre-emptive, targeted arrests (authoritarian learning): no officer in vision needed.
        secret = rules.surveillance_hazard(p.learning, participation) if p.adaptive_regime else 0.0
        caught |= self.rng.random(active.size) < 1.0 - np.exp(-secret)
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
        per_citizen = 1.0 / max(self.n_citizens, 1)
        self._backfire_hit = float((weight[~violent] * publicity).sum()) * per_citizen
        self._violent_hit = float(weight[violent].sum()) * per_citizen
        c.state[who] = np.where(killed, DEAD, JAILED)
        c.jail[who] = self.rng.integers(0, p.max_jail_term + 1, who.size)
        self._remove_dead(who[killed])
        self._arrests += int((~killed).sum())
        self._killings += int(killed.sum())

    def _remove_dead(self, dead: np.ndarray) -> None:
        """Take the dead off the grid."""
        c = self.citizens
        c.state[dead] = DEAD
        self.occupied[c.pos[dead]] = False
        c.pos[dead] = -1

    def _security_shift_loyalty(self) -> None:
        """Officers' loyalty moves with moral cost, peers, threat, war and patronage."""
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
        peers = rules.coup_proofed(p.peer_influence, p.learning) if p.adaptive_regime \
            else p.peer_influence
        change = rules.loyalty_change(
            nonviolent, violent, officers - 1.0, defected, reg.repression_level,
            p.moral_cost, peers, p.threat_cohesion if p.radical_flank_on else 0.0,
            p.learning, reg.legitimacy,
        )
        participation, _ = c.shares()
        change += (self._patronage[POLICE] - rules.DESERTION * reg.war_share
                   - rules.social_ties(participation, p.learning if p.adaptive_regime else 0.0)
                   + rules.loyalty_reversion(s.loyalty[loyal], s.baseline[loyal])
                   + self.rng.normal(0.0, LOYALTY_NOISE, loyal.size))
        s.loyalty[loyal] = np.clip(s.loyalty[loyal] + change, 0.0, 1.0)
        s.defected[loyal] = s.loyalty[loyal] < p.defect_below

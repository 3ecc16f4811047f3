"""Citizens' phases: perceive, decide (quiet, protest, violence), serve jail, move."""

from __future__ import annotations

import numpy as np

from .. import rules
from ..space import box_sum, move, scatter
from .codes import JAILED, PROTESTING, QUIET, VIOLENT


class CitizenPhases:
    """What citizens do each step (mixed into CivilResistanceModel)."""

    def _citizen_map(self, mask: np.ndarray) -> np.ndarray:
        """Grid map (1 where present) of the citizens selected by `mask`."""
        return scatter(1.0, self.citizens.pos[mask], self.shape)

    def _citizens_decide(self) -> None:
        """Free citizens perceive their vision and choose quiet, protest or violence."""
        p, c, reg = self.params, self.citizens, self.regime_state
        free = (c.state == QUIET) | (c.state == PROTESTING) | (c.state == VIOLENT)
        loyal = ~self.security.defected
        participation, _ = c.shares()
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
                                        rules.arrest_rate(reg.repression_level), p.round_risk)
        risk = np.where(c.dispersed[free], risk * (1.0 - p.dispersed_safety), risk)

        per_present = 1.0 / np.maximum(present, 1.0)
        memory = p.anger_memory
        c.outrage[free] = memory * c.outrage[free] + nv_events * per_present
        c.anger[free] = memory * c.anger[free] + all_events * per_present
        if p.views_on:
            c.view[free] = rules.next_views(c.view[free], reg.legitimacy, nv_events * per_present,
                                            reg.propaganda)
            legitimacy = c.view[free]
        else:
            legitimacy = reg.legitimacy
        outrage = p.outrage * c.outrage[free] * (1.0 - reg.propaganda) if p.backfire_on else 0.0
        pull = rules.opposition_signal(p.opposition_signal, p.media_freedom, participation)
        if p.threshold_on:
            flank = violent * per_present if p.radical_flank_on else 0.0
            pull = pull + rules.social_pull(p.social_pull, nonviolent * per_present, flank)
        griev = rules.grievance(c.hardship[free], legitimacy, outrage)
        fear = rules.fear_of_force(rules.lethal_share(reg.repression_level), rules.MAX_LETHAL) \
            if p.adaptive_regime else 1.0
        act = rules.wants_to_act(griev, c.risk_aversion[free], risk, pull, c.threshold[free],
                                 c.fatigue[free], fear)
        # Would-be fighters weigh no arrest risk: the aggrieved who would act were it not
        # for the risk may take up arms instead (arms permitting), and fighters fight on.
        defiant = rules.wants_to_act(griev, c.risk_aversion[free], 0.0, pull, c.threshold[free],
                                     c.fatigue[free])
        violent_now = self._armed(free, defiant | (c.state[free] == VIOLENT))
        c.state[free] = np.where(violent_now, VIOLENT, np.where(act, PROTESTING, QUIET))
        act = act | violent_now
        c.fatigue[free] = rules.next_fatigue(c.fatigue[free], act, p.fatigue, reg.progress)
        self._crowd_seen[:] = 0.0
        self._crowd_seen[free] = nonviolent

    def _armed(self, free: np.ndarray, act: np.ndarray) -> np.ndarray:
        """Which of the free citizens who act (or already fight) turn or stay violent.

        Fighters do not weigh the risk of arrest as protesters do: once armed, a citizen
        fights on while anger and frustration exceed their discipline (and arms last),
        which is how an armed flank outlasts a crowd that repression disperses.
        """
        p, c, reg = self.params, self.citizens, self.regime_state
        if not p.radicalisation_on:
            return np.zeros_like(act)
        anger, discipline = c.anger[free], c.discipline[free]
        would = act & rules.turns_violent(anger, reg.frustration, discipline)
        if not p.arms_needed_on:
            return would
        places = rules.armed_places(p.armed_capacity, self.n_citizens,
                                    int(self.security.defected.sum()))
        return rules.armed_subset(would, anger + reg.frustration - discipline, places)

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

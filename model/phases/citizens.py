"""Citizens' phases: perceive, decide (quiet, protest, violence), serve jail, move.

Every phase updates all citizens of all replicates at once: arrays are (B, N), the
regime's values (B,) enter as columns (`col`). Arrays are written in place, so the
Mesa model's views of its row stay live.
"""

from __future__ import annotations

import numpy as np

from .. import rules
from ..batch_params import col
from ..space import agent_maps, box_count, gather, move
from .codes import JAILED, PROTESTING, QUIET, VIOLENT


class CitizenPhases:
    """What citizens do each step (mixed into the batch engine)."""

    def _free(self) -> np.ndarray:
        """Citizens neither jailed nor dead (B, N)."""
        state = self.citizens.state
        return (state == QUIET) | (state == PROTESTING) | (state == VIOLENT)

    def citizens_decide(self) -> None:
        """Free citizens perceive their vision and choose quiet, protest or violence."""
        p, c, reg = self.params, self.citizens, self.regime_state
        free = self._free()
        loyal = ~self.security.defected
        participation, _ = c.shares()
        maps = agent_maps([(c.pos, c.state == PROTESTING), (c.pos, c.state == VIOLENT),
                           (self.security.pos, loyal), (self.security.pos, ~loyal),
                           (c.pos, free)], self.shape, extra=self.memory.events)
        seen = gather(box_count(maps, p.citizen_vision), c.pos).astype(np.float64)
        nonviolent, violent, officers, defected, present, nv_events, all_events = seen
        was_active = (c.state == PROTESTING) | (c.state == VIOLENT)
        actives = nonviolent + violent - was_active + 1.0
        # Defected officers in vision shield the crowd from the loyal ones.
        deterrent = np.maximum(officers - defected, 0.0)
        risk = rules.arrest_probability(deterrent, actives, col(p.arrest_constant),
                                        col(rules.arrest_rate(reg.repression_level)),
                                        p.round_risk)
        risk = np.where(c.dispersed, risk * (1.0 - col(p.dispersed_safety)), risk)

        per_present = 1.0 / np.maximum(present, 1.0)
        memory = col(p.anger_memory)
        c.outrage[...] = np.where(free, memory * c.outrage + nv_events * per_present, c.outrage)
        c.anger[...] = np.where(free, memory * c.anger + all_events * per_present, c.anger)
        if p.views_on:
            views = rules.next_views(c.view, col(reg.legitimacy), nv_events * per_present,
                                     col(reg.propaganda))
            c.view[...] = np.where(free, views, c.view)
            legitimacy = c.view
        else:
            legitimacy = col(reg.legitimacy)
        outrage = col(p.outrage) * c.outrage * (1.0 - col(reg.propaganda)) \
            if p.backfire_on else 0.0
        pull = col(rules.opposition_signal(p.opposition_signal, p.media_freedom, participation))
        if p.threshold_on:
            flank = violent * per_present if p.radical_flank_on else 0.0
            pull = pull + rules.social_pull(col(p.social_pull), nonviolent * per_present, flank)
        griev = rules.grievance(c.hardship, legitimacy, outrage)
        fear = col(rules.fear_of_force(rules.lethal_share(reg.repression_level),
                                       rules.MAX_LETHAL)) if p.adaptive_regime else 1.0
        act = free & rules.wants_to_act(griev, c.risk_aversion, risk, pull, c.threshold,
                                        c.fatigue, fear)
        # Would-be fighters weigh no arrest risk: the aggrieved who would act were it not
        # for the risk may take up arms instead (arms permitting), and fighters fight on.
        defiant = rules.wants_to_act(griev, c.risk_aversion, 0.0, pull, c.threshold, c.fatigue)
        violent_now = self._armed(free & (defiant | (c.state == VIOLENT)))
        c.state[...] = np.where(free, np.where(violent_now, VIOLENT,
                                               np.where(act, PROTESTING, QUIET)), c.state)
        act = act | violent_now
        fatigue = rules.next_fatigue(c.fatigue, act, col(p.fatigue), col(reg.progress))
        c.fatigue[...] = np.where(free, fatigue, c.fatigue)
        self.memory.crowd_seen[...] = np.where(free, nonviolent, 0.0)

    def _armed(self, candidates: np.ndarray) -> np.ndarray:
        """Which of the free citizens who act (or already fight) turn or stay violent.

        Fighters do not weigh the risk of arrest as protesters do: once armed, a citizen
        fights on while anger and frustration exceed their discipline (and arms last),
        which is how an armed flank outlasts a crowd that repression disperses.
        """
        p, c, reg = self.params, self.citizens, self.regime_state
        if not p.radicalisation_on:
            return np.zeros_like(candidates)
        frustration = col(reg.frustration)
        would = candidates & rules.turns_violent(c.anger, frustration, c.discipline)
        if not p.arms_needed_on:
            return would
        places = rules.armed_places(p.armed_capacity, self.n_citizens,
                                    self.security.defected.sum(axis=-1))
        return rules.armed_subset(would, c.anger + frustration - c.discipline, places)

    def serve_jail_terms(self) -> None:
        """Jailed citizens serve a step; those whose term is over go home quiet."""
        c = self.citizens
        jailed = c.state == JAILED
        done = jailed & (c.jail <= 0)
        c.state[done] = QUIET
        c.jail[jailed & ~done] -= 1

    def move(self) -> None:
        """Free citizens and all officers move to a random free cell in vision."""
        p, c, s = self.params, self.citizens, self.security
        n = self.n_citizens
        positions = np.concatenate([c.pos, s.pos], axis=1)
        movers = np.concatenate([self._free(), np.ones(s.pos.shape, dtype=bool)], axis=1)
        radii = np.concatenate([np.full(n, p.citizen_vision),
                                np.full(s.pos.shape[1], p.security_vision)])
        moved = move(self.keys, self.steps, positions, movers, radii, self.occupied, self.shape)
        c.pos[...] = moved[:, :n]
        s.pos[...] = moved[:, n:]

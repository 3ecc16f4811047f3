"""Armed conflict: a primarily violent campaign fights the loyal forces (model.rules.conflict)."""

from __future__ import annotations

import numpy as np

from .. import rules
from ..streams import Site
from .codes import PROTESTING, VIOLENT


class ConflictPhases:
    """The war between an armed movement and the regime (mixed into the batch engine)."""

    def armed_conflict(self) -> None:
        """Fight a week of war where the campaign is primarily violent; else no war."""
        p, c, s, reg = self.params, self.citizens, self.security, self.regime_state
        fighters = c.state == VIOLENT
        n_fighters = fighters.sum(axis=-1)
        reg.war_share[...] = 0.0
        if not p.armed_conflict_on:
            return
        at_war = (n_fighters > 0) & (n_fighters >= (c.state == PROTESTING).sum(axis=-1))
        if not at_war.any():
            return
        loyal = rules.loyal_strength((~s.defected).sum(axis=-1).astype(float))
        rebels = rules.rebel_strength(n_fighters.astype(float),
                                      s.defected.sum(axis=-1).astype(float), reg.intervened, loyal)
        reg.war_share[...] = np.where(at_war, rules.contest_share(rebels, loyal), 0.0)
        b, i = np.nonzero(fighters & at_war[:, None])
        death = rules.BATTLE_DEATH * (1.0 - reg.war_share[b])
        fallen = self.draws.uniform(Site.BATTLE, b, i) < death
        self._remove_dead(b[fallen], i[fallen])
        self.memory.battle_deaths += np.bincount(b[fallen], minlength=p.size)
        # Killings by repression (not battle deaths) move outside powers to act.
        rows = np.flatnonzero(at_war & ~reg.intervened & (p.intervention > 0))
        if rows.size:
            killed_share = self.memory.killings[rows] / max(self.n_citizens, 1)
            chance = rules.intervention_chance(p.intervention[rows], killed_share)
            drawn = self.draws.uniform(Site.INTERVENTION, rows, np.zeros_like(rows))
            reg.intervened[rows] = drawn < chance

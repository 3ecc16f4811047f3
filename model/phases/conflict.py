"""Armed conflict: a primarily violent campaign fights the loyal forces (model.rules.conflict)."""

from __future__ import annotations

import numpy as np

from .. import rules
from .codes import PROTESTING, VIOLENT


class ConflictPhases:
    """The war between an armed movement and the regime (mixed into CivilResistanceModel)."""

    def _armed_conflict(self) -> None:
        """Fight a week of war if the campaign is primarily violent; else no war this week."""
        p, c, s, reg = self.params, self.citizens, self.security, self.regime_state
        fighters = np.flatnonzero(c.state == VIOLENT)
        nonviolent = int((c.state == PROTESTING).sum())
        reg.war_share = 0.0
        if not p.armed_conflict_on or fighters.size == 0 or fighters.size < nonviolent:
            return
        loyal = rules.loyal_strength(float((~s.defected).sum()))
        rebels = rules.rebel_strength(float(fighters.size), float(s.defected.sum()),
                                      reg.intervened, loyal)
        reg.war_share = float(rules.contest_share(rebels, loyal))
        fallen = self.rng.random(fighters.size) < rules.BATTLE_DEATH * (1.0 - reg.war_share)
        self._remove_dead(fighters[fallen])
        self._battle_deaths += int(fallen.sum())
        if not reg.intervened and p.intervention > 0:
            # Killings by repression (not battle deaths) move outside powers to act.
            killed_share = self._killings / max(self.n_citizens, 1)
            chance = rules.intervention_chance(p.intervention, killed_share)
            reg.intervened = bool(self.rng.random() < chance)

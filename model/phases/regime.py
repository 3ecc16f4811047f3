"""The regime's phases: pillars, legitimacy, concessions, repression policy, patronage.

The movement's view of its progress (which tires or frustrates it) is judged here too,
from the regime's support over the progress window.
"""

from __future__ import annotations

import numpy as np

from .. import rules
from ..vocabulary import BUSINESS, MEDIA, MILITARY, PILLARS, POLICE, PUBLIC
from .codes import DEAD, PROTESTING, VIOLENT

#: Per-step pull of pillar loyalty back to its baseline: institutional inertia.
PILLAR_INERTIA = 0.02
PILLAR_WEIGHTS = np.array([w for _, w, _ in PILLARS])
ECONOMIC_EXPOSURE = np.array([e for _, _, e in PILLARS])


class RegimePhases:
    """What the regime and its pillars do each step (mixed into CivilResistanceModel)."""

    def _support(self) -> float:
        """The regime's support now: its pillars' loyalty, weighted."""
        return rules.regime_support(self.regime_state.pillar_loyalty, PILLAR_WEIGHTS)

    def _pillars_shift_loyalty(self) -> None:
        """Pillars erode with their constituency's participation, strikes and backfire."""
        p, c, reg = self.params, self.citizens, self.regime_state
        reg.pillar_loyalty[POLICE] = self.security.police_loyalty(p.security_loyalty)
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
            change[MILITARY] -= p.peer_influence * self.security.defected_share()
        # Soldiers desert a regime that is losing a war, and have ties to the movement.
        change[MILITARY] -= rules.DESERTION * reg.war_share + rules.social_ties(
            float(active.sum()) / n_alive, p.learning if p.adaptive_regime else 0.0)
        change += PILLAR_INERTIA * (self._pillar_baseline - reg.pillar_loyalty)
        change[POLICE] = 0.0  # the police pillar is read from the officers themselves
        reg.pillar_loyalty[:] = np.clip(reg.pillar_loyalty + change, 0.0, 1.0)

    def _regime_adapts(self) -> None:
        """The regime updates legitimacy, repression, concessions, patronage, propaganda.

        The movement then judges its progress (and grows frustrated without it).
        """
        p, reg = self.params, self.regime_state
        participation, violent_share = self.citizens.shares()
        support = self._support()
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
                                             self.security.defected_share())
            reg.repression_level = rules.next_repression_level(reg.repression_level, target,
                                                               p.learning)
            reg.propaganda = rules.propaganda_reach(p.media_freedom, reg.pillar_loyalty[MEDIA],
                                                    p.learning)
            self._consider_demand(participation, support)
        self._spend_patronage()
        history = reg.support_history
        judged = len(history) == rules.PROGRESS_WINDOW
        # A granted demand is full progress at once; otherwise progress is judged over
        # the window (nothing to judge before the window has passed).
        reg.progress = rules.progress(history[0], support, reg.granted) \
            if judged or reg.granted else 0.0
        if p.radicalisation_on:
            reg.frustration = rules.next_frustration(
                reg.frustration, participation, support, history[0], judged=judged)

    def _consider_demand(self, participation: float, support: float) -> None:
        """Under pressure the regime may grant the campaign's demand.

        A reform readily; a maximalist demand (a negotiated transition) at
        MAXIMALIST_GRANT of that rate.
        """
        p, reg = self.params, self.regime_state
        if reg.granted:
            return
        pressure = rules.pressure(participation, self._strike_share(),
                                  max(self._initial_support - support, 0))
        chance = rules.grant_probability(p.responsiveness, pressure)
        if not p.reform_goal:
            chance *= rules.MAXIMALIST_GRANT
        reg.granted = bool(self.rng.random() < chance)

    def _spend_patronage(self) -> None:
        """Buy back the least loyal pillars while resources last; earn from business."""
        p, reg = self.params, self.regime_state
        self._patronage = np.zeros(len(PILLARS))
        if not p.adaptive_regime:
            return
        self._patronage, spent = rules.patronage(reg.resources, reg.pillar_loyalty, p.learning)
        reg.resources -= spent
        earned = rules.income(reg.pillar_loyalty[BUSINESS], self._strike_share())
        reg.resources = max(reg.resources + earned, 0.0)

    def _strike_share(self) -> float:
        """Citizens on strike or boycott (active with dispersed tactics), as a share of all.

        max(.., 1): a grid without citizens (density 0) has no strikes, not a crash.
        """
        c = self.citizens
        active = (c.state == PROTESTING) | (c.state == VIOLENT)
        return float((active & c.dispersed).sum()) / max(self.n_citizens, 1)

    def _backfire_signal(self) -> float:
        """Legitimacy and pillar loyalty lost this step to repression of the nonviolent."""
        p, reg = self.params, self.regime_state
        if not p.backfire_on:
            return 0.0
        return rules.backfire_signal(p.backfire, self._backfire_hit, reg.propaganda, p.learning)

    def _take_stock(self) -> None:
        """The regime's support at the end of the step, remembered for judging progress."""
        self.regime_state.support_history.append(self._support())

"""The regime's phases: pillars, legitimacy, accommodation, repression, grants, patronage.

The movement's view of its progress (which tires or frustrates it) is judged here too,
from the regime's support over the progress window. Every value is per replicate (B,)
or per replicate and pillar (B, 6), written in place.
"""

from __future__ import annotations

import numpy as np

from .. import rules
from ..batch_params import col
from ..streams import Site
from ..vocabulary import BUSINESS, MEDIA, MILITARY, POLICE, PUBLIC, PillarName
from .codes import DEAD, PROTESTING, VIOLENT

#: Per-step pull of pillar loyalty back to its baseline: institutional inertia.
PILLAR_INERTIA = 0.02
ECONOMIC_EXPOSURE = np.array([pillar.exposure for pillar in PillarName])


class RegimePhases:
    """What the regime and its pillars do each step (mixed into the batch engine)."""

    def _support(self) -> np.ndarray:
        """The regime's support now: its pillars' loyalty, weighted (B,)."""
        return rules.regime_support(self.regime_state.pillar_loyalty,
                                    self.params.pillar_weights)

    def _constituency_share(self, active: np.ndarray, alive: np.ndarray) -> np.ndarray:
        """Share of each pillar's living constituency that is active (B, 6)."""
        c, groups = self.citizens, len(PillarName)
        tied = alive & (c.constituency != PUBLIC)
        code = np.arange(self.params.size)[:, None] * groups + np.where(tied, c.constituency, 0)
        size = self.params.size * groups
        members = np.bincount(code[tied], minlength=size).reshape(-1, groups)
        joined = np.bincount(code[tied & active], minlength=size).reshape(-1, groups)
        return joined / np.maximum(members, 1)

    def pillars_shift_loyalty(self) -> None:
        """Pillars erode with their constituency's participation, strikes and backfire."""
        p, c, reg = self.params, self.citizens, self.regime_state
        reg.pillar_loyalty[:, POLICE] = self.security.police_loyalty(p.security_loyalty)
        if not p.pillar_erosion_on:
            return
        alive = c.state != DEAD
        active = (c.state == PROTESTING) | (c.state == VIOLENT)
        n_alive = np.maximum(alive.sum(axis=-1), 1)
        dispersed_share = (active & c.dispersed).sum(axis=-1) / n_alive
        violent_share = (c.state == VIOLENT).sum(axis=-1) / n_alive
        change = rules.pillar_change(
            self._constituency_share(active, alive), col(dispersed_share), ECONOMIC_EXPOSURE,
            col(self._backfire_signal()), col(violent_share), self.memory.patronage,
            col(p.erosion), p.backfire_on, p.radical_flank_on,
        )
        if p.defection_on:
            # Soldiers watch the police: defections spread to the army.
            change[:, MILITARY] -= p.peer_influence * self.security.defected_share()
        # Soldiers desert a regime that is losing a war, and have ties to the movement.
        learning = p.learning if p.adaptive_regime else 0.0
        change[:, MILITARY] -= rules.DESERTION * reg.war_share + rules.social_ties(
            active.sum(axis=-1) / n_alive, learning)
        change += PILLAR_INERTIA * (self.memory.pillar_baseline - reg.pillar_loyalty)
        change[:, POLICE] = 0.0  # the police pillar is read from the officers themselves
        reg.pillar_loyalty[...] = np.clip(reg.pillar_loyalty + change, 0.0, 1.0)

    def regime_adapts(self) -> None:
        """The regime updates legitimacy, repression, accommodation, grants, patronage, propaganda.

        The movement then judges its progress (and grows frustrated without it).
        """
        p, reg = self.params, self.regime_state
        participation, violent_share = self.citizens.shares()
        support = self._support()
        if not p.fixed_legitimacy:
            change = rules.legitimacy_change(
                reg.legitimacy, reg.legitimacy_baseline, self._backfire_signal(),
                self.memory.violent_hit, violent_share, p.backfire, p.backfire_on,
                p.radical_flank_on)
            if p.adaptive_regime:
                reg.legitimacy_baseline[...] = rules.accommodated_baseline(
                    reg.legitimacy_baseline, p.legitimacy, support, p.learning)
            reg.legitimacy[...] = np.clip(reg.legitimacy + change, 0.0, 1.0)
        if p.adaptive_regime:
            target = rules.repression_target(p.repression, participation, violent_share,
                                             self.security.defected_share())
            reg.repression_level[...] = rules.next_repression_level(reg.repression_level,
                                                                    target, p.learning)
            reg.propaganda[...] = rules.propaganda_reach(
                p.media_freedom, reg.pillar_loyalty[:, MEDIA], p.learning)
            self._consider_demand(participation, support)
        self._spend_patronage()
        judged = reg.history_count == rules.PROGRESS_WINDOW
        before = reg.oldest_support()
        # A granted demand is full progress at once; otherwise progress is judged over
        # the window (nothing to judge before the window has passed).
        reg.progress[...] = np.where(judged | reg.granted,
                                     rules.progress(before, support, reg.granted), 0.0)
        if p.radicalisation_on:
            reg.frustration[...] = rules.next_frustration(
                reg.frustration, participation, support, before, judged=judged)

    def _consider_demand(self, participation: np.ndarray, support: np.ndarray) -> None:
        """Under pressure the regime may grant the campaign's demand.

        A reform readily; a maximalist demand (a negotiated transition) at
        MAXIMALIST_GRANT of that rate. A grant is never taken back.
        """
        p, reg = self.params, self.regime_state
        pressure = rules.pressure(participation, self._strike_share(),
                                  np.maximum(self.memory.initial_support - support, 0))
        chance = rules.grant_probability(p.responsiveness, pressure)
        if not p.reform_goal:
            chance = chance * rules.MAXIMALIST_GRANT
        rows = np.flatnonzero(~reg.granted)
        if rows.size:
            drawn = self.draws.uniform(Site.GRANT, rows, np.zeros_like(rows))
            reg.granted[rows] = drawn < chance[rows]

    def _spend_patronage(self) -> None:
        """Buy back the least loyal pillars while resources last; earn from business."""
        p, reg = self.params, self.regime_state
        self.memory.patronage[...] = 0.0
        if not p.adaptive_regime:
            return
        patronage, spent = rules.patronage(reg.resources, reg.pillar_loyalty, p.learning)
        self.memory.patronage[...] = patronage
        reg.resources[...] = reg.resources - spent
        earned = rules.income(reg.pillar_loyalty[:, BUSINESS], self._strike_share())
        reg.resources[...] = np.maximum(reg.resources + earned, 0.0)

    def _strike_share(self) -> np.ndarray:
        """Citizens on strike or boycott (active with dispersed tactics), as a share of all.

        max(.., 1): a grid without citizens (density 0) has no strikes, not a crash.
        """
        c = self.citizens
        active = (c.state == PROTESTING) | (c.state == VIOLENT)
        return (active & c.dispersed).sum(axis=-1) / max(self.n_citizens, 1)

    def _backfire_signal(self) -> np.ndarray:
        """Legitimacy and pillar loyalty lost this step to repression of the nonviolent."""
        p, reg = self.params, self.regime_state
        if not p.backfire_on:
            return np.zeros(p.size)
        return rules.backfire_signal(p.backfire, self.memory.backfire_hit, reg.propaganda,
                                     p.learning)

    def take_stock(self) -> None:
        """The regime's support at the end of the step, remembered for judging progress."""
        self.regime_state.remember_support(self._support())

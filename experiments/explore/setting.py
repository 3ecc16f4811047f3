"""What the explorer explores: a catalogue case or a preset, as one set of runs.

Each run's parameters are built the way `civres compare` builds a case's (or `civres
run` a preset's), in three layers, later ones winning: the case's mapped conditions
(drawn within their levels' intervals, with coding uncertainty) or the preset; the
calibrated coefficients drawn from a posterior, if one is used; the user's overrides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from civres.experiments.history.cases import Case
from civres.experiments.history.mapping import case_params, coding_rng
from civres.experiments.history.posterior import Posterior
from civres.model.presets import preset


@dataclass(frozen=True)
class Setting:
    """A case or a preset, with what is laid over it."""

    case: Case | None = None
    preset: str = "default"
    overrides: dict[str, Any] | None = None
    coding_uncertainty: bool = True
    regime_pillars: bool = True

    @property
    def label(self) -> str:
        """The setting in words: 'case serbia-2000' or 'preset default'."""
        what = f"case {self.case.id}" if self.case is not None else f"preset {self.preset}"
        shown = ", ".join(f"{k}={v}" for k, v in (self.overrides or {}).items())
        return what + (f" with {shown}" if shown else "")

    def runs(self, reps: int, seed: int, posterior: Posterior | None) -> list[dict[str, Any]]:
        """Every run's parameters (as Params.to_dict() gives them), `reps` of them.

        The coding jitter and the posterior draws are seeded by `seed`, on the streams
        `civres compare` uses (compare draws for all its cases in turn, so only its
        first case's runs are these).
        """
        drawn = posterior.draw(reps, seed) if posterior is not None else [{}] * reps
        overrides = self.overrides or {}
        if self.case is None:
            return [preset(self.preset, **{**coefficients, **overrides}).to_dict()
                    for coefficients in drawn]
        jitter = coding_rng(seed) if self.coding_uncertainty else None
        return [case_params(self.case, jitter, self.regime_pillars,
                            **{**coefficients, **overrides}).to_dict()
                for coefficients in drawn]

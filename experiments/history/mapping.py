"""From a historical case's conditions to model parameters: one general mapping.

Every case goes through the same function; there are no per-case overrides, so the
comparison with history tests the model rather than a fit. Levels map to values chosen
from the model's mechanisms and aggregate facts (docs/ODD.md, "From cases to
parameters"), never from a case's outcome.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from civres.model import Params
from civres.model.params import PILLAR_WEIGHT_FIELDS

from .cases import Case, load_cases

#: low / medium / high -> parameter value, for each condition that maps one-to-one.
LEVEL_VALUES: dict[str, tuple[str, dict[str, float]]] = {
    # Legitimacy 0.9 leaves no grievance above the threshold (G <= 0.1); 0.6 lets most
    # of the aggrieved act once risk is low (the success preset).
    "legitimacy": ("legitimacy", {"low": 0.62, "medium": 0.74, "high": 0.84}),
    "security_cohesion": ("security_loyalty", {"low": 0.65, "medium": 0.8, "high": 0.92}),
    "repression_capacity": ("repression", {"low": 0.3, "medium": 0.6, "high": 0.95}),
    "discipline": ("discipline", {"low": 0.4, "medium": 0.65, "high": 0.9}),
    "breadth": ("breadth", {"low": 0.1, "medium": 0.3, "high": 0.6}),
    "media_freedom": ("media_freedom", {"low": 0.1, "medium": 0.5, "high": 0.9}),
}
#: Grievance shifts legitimacy: in Epstein's model grievance is H (1 - L), so hardship
#: acts through the same term.
GRIEVANCE_SHIFT = {"low": 0.04, "medium": 0.0, "high": -0.04}
#: Jail room grows with repression capacity.
JAIL_CAPACITY = {"low": 0.02, "medium": 0.05, "high": 0.1}
#: Outside pressure cuts the regime's resources for patronage.
PATRONAGE = {"low": 0.8, "medium": 0.5, "high": 0.2}
TACTICS_SHARE = {"concentrated": 0.1, "mixed": 0.3, "dispersed": 0.6}
#: Second entropy word of the generator that draws coded parameters within their levels,
#: kept apart from the SeedSequence that seeds the runs.
JITTER_STREAM = 1

#: Loyalty of civilian pillars by regime type: ruling parties and monarchies bind elites
#: tightly; personalist and hybrid regimes less; occupiers rule a hostile society.
PILLAR_LOYALTY = {"single_party": 0.85, "monarchy": 0.8, "military": 0.8, "personalist": 0.72,
                  "hybrid": 0.7, "democracy": 0.65, "occupation": 0.55}
#: Institutional responsiveness by regime type: democracies answer demands through their
#: institutions; hybrid regimes sometimes; closed autocracies and occupiers rarely
#: (Chenoweth & Stephan 2011 on regime type; Dahl's responsiveness).
RESPONSIVENESS = {"democracy": 0.8, "hybrid": 0.4, "monarchy": 0.15, "single_party": 0.1,
                  "personalist": 0.1, "military": 0.1, "occupation": 0.05}
#: What each regime type rests on: the weights of police, military, civil service,
#: business, clergy and media in its support (sum 1; Params.weight_<pillar>). Personalist
#: rulers rest on the security forces and a narrow clique of business cronies; military
#: regimes on the officer corps; single-party regimes on the party, which runs the civil
#: service and the press (Geddes, Wright & Frantz 2018, ch. 4-5; Svolik 2012, ch. 5);
#: monarchies on the security forces and the royal family's clerical and tribal allies
#: (Herb 1999); competitive-authoritarian (hybrid) regimes on state capacity, business and
#: the media that win their elections (Levitsky & Way 2010, ch. 2); democracies on
#: consent given through the civil service, the economy and the press, with the military
#: out of politics; occupiers on their own forces (Sharp 1973, pillars; Helvey 2004).
#: Security pillars carry 0.65 / 0.70 / 0.40 / 0.50 / 0.35 / 0.20 / 0.80 of the weight,
#: against 0.60 in Params' defaults.
REGIME_PILLAR_WEIGHTS: dict[str, tuple[float, float, float, float, float, float]] = {
    "personalist": (0.30, 0.35, 0.10, 0.15, 0.05, 0.05),
    "military": (0.20, 0.50, 0.10, 0.10, 0.05, 0.05),
    "single_party": (0.20, 0.20, 0.30, 0.10, 0.05, 0.15),
    "monarchy": (0.25, 0.25, 0.15, 0.10, 0.20, 0.05),
    "hybrid": (0.20, 0.15, 0.25, 0.20, 0.05, 0.15),
    "democracy": (0.15, 0.05, 0.30, 0.25, 0.05, 0.20),
    "occupation": (0.35, 0.45, 0.10, 0.05, 0.00, 0.05),
}
#: The Params fields of the pillar weights, in PillarName's order.
WEIGHT_FIELDS = PILLAR_WEIGHT_FIELDS
#: Readiness of outside powers to back armed rebels, by international pressure.
INTERVENTION = {"low": 0.02, "medium": 0.15, "high": 0.4}
#: Arms at hand for the movement, by armed_groups.
ARMED_CAPACITY = {"low": 0.03, "medium": 0.12, "high": 0.35}


def learning_for_year(year: int) -> float:
    """Authoritarian learning by era: low until 1990, rising to 0.6 by 2020.

    Chenoweth (2020) dates the decline of nonviolent success rates to the 2010s and
    attributes part of it to regimes learning from earlier campaigns.
    """
    return float(min(0.6, max(0.1, 0.1 + 0.5 * (year - 1990) / 30)))


def level_interval(table: dict[str, float], level: str) -> tuple[float, float]:
    """The interval a coded level stands for: halfway to the neighbouring levels.

    "low" / "medium" / "high" are coarse codings of a continuous condition, so a case
    coded "medium" may lie anywhere between the midpoints to "low" and to "high"; the
    outer levels extend as far beyond their value as halfway to their one neighbour.
    """
    values = [table[name] for name in ("low", "medium", "high")]
    i = ("low", "medium", "high").index(level)
    below = (values[i] - values[i - 1]) / 2 if i > 0 else (values[1] - values[0]) / 2
    above = (values[i + 1] - values[i]) / 2 if i < 2 else (values[2] - values[1]) / 2
    return values[i] - below, values[i] + above


def coding_rng(seed: int) -> np.random.Generator:
    """The generator that draws level-coded parameters within their intervals.

    compare and facts seed it with their master seed on a stream of its own
    (JITTER_STREAM), apart from the SeedSequence that seeds the runs.
    """
    return np.random.default_rng([seed, JITTER_STREAM])


def case_overrides(case: Case, rng: np.random.Generator | None = None,
                   regime_pillars: bool = True) -> dict[str, Any]:
    """The parameter values that a case's conditions and era imply.

    Args:
        case: the case.
        rng: if given, each level-coded parameter is drawn uniformly from the interval
            its level stands for (coding uncertainty, `level_interval`); if None, the
            level's central value is used.
        regime_pillars: weigh the pillars by what the case's regime type rests on
            (REGIME_PILLAR_WEIGHTS); off: every regime rests on Params' default weights.
    """
    cond = case.conditions
    values: dict[str, Any] = {}
    for condition, (param, table) in LEVEL_VALUES.items():
        level = getattr(cond, condition)
        if rng is None:
            values[param] = table[level]
        else:
            lo, hi = level_interval(table, level)
            values[param] = float(np.clip(rng.uniform(lo, hi), 0.0, 1.0))
    values["legitimacy"] = min(1.0, max(0.0, values["legitimacy"]
                                        + GRIEVANCE_SHIFT[cond.grievance]))
    values["jail_capacity"] = JAIL_CAPACITY[cond.repression_capacity]
    values["patronage"] = PATRONAGE[cond.international_pressure]
    values["dispersed_share"] = TACTICS_SHARE[case.tactics]
    values["pillar_loyalty"] = PILLAR_LOYALTY[case.regime_type]
    values["learning"] = learning_for_year(case.start_year)
    values["responsiveness"] = RESPONSIVENESS[case.regime_type]
    values["intervention"] = INTERVENTION[cond.international_pressure]
    values["armed_capacity"] = ARMED_CAPACITY[cond.armed_groups]
    values["reform_goal"] = case.goal == "reform"
    if regime_pillars:
        values.update(zip(WEIGHT_FIELDS, REGIME_PILLAR_WEIGHTS[case.regime_type],
                          strict=True))
    return values


def case_params(case: Case, rng: np.random.Generator | None = None,
                regime_pillars: bool = True, **overrides: Any) -> Params:
    """Params for a case: the general mapping, plus run settings such as grid size."""
    return Params(**{**case_overrides(case, rng, regime_pillars), **overrides})


def mapped_fields() -> frozenset[str]:
    """The Params fields that a case's conditions set (the same for every case)."""
    return frozenset(case_overrides(load_cases()[0]))


def calibratable() -> tuple[str, ...]:
    """Float Params fields a calibration may set: those the case mapping leaves alone.

    A calibration (and a posterior drawn from one) must not override what a case's
    coding says: legitimacy, repression and the rest come from the case.
    """
    mapped = mapped_fields()
    return tuple(f.name for f in dataclasses.fields(Params)
                 if f.type in ("float", float) and f.name not in mapped)


def case_presets() -> dict[str, dict[str, Any]]:
    """Every catalogue case as a preset for the app: "case: <id>" -> overrides."""
    return {f"case: {case.id}": case_overrides(case) for case in load_cases()}

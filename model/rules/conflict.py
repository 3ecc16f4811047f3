"""Armed conflict between an armed movement and the loyal forces.

When a campaign is primarily violent it fights the loyal forces: each week a contest
success function (Hirshleifer 1989; Lanchester-type attrition) splits the fighting
between the sides by strength; rebels die in battle, and a losing regime's soldiers
and police desert. The regime can fall by military defeat: its security pillars give
way. Outside powers may intervene against a regime that kills civilians.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "BATTLE_DEATH", "DECISIVENESS", "DEFECTOR_STRENGTH", "DESERTION", "INTERVENTION_RATE",
    "INTERVENTION_STRENGTH", "LOYAL_STRENGTH", "contest_share", "intervention_chance",
    "loyal_strength", "rebel_strength",
]

# Applied by the phases (model/phases/), not by a rule below.
#: Loyalty a losing regime's soldiers and police lose per week per unit of the rebels'
#: share of the fighting: desertion from a losing side. Small: wars last years. It is the
#: war's (armed conflict's) path into security-force defection: SecurityPhases subtracts
#: it from officers' loyalty (who defect below `defect_below`), RegimePhases from the
#: military pillar's.
DESERTION = 0.03
#: Weekly chance for each armed rebel of dying in battle, per unit of the loyal side's
#: share of the fighting.
BATTLE_DEATH = 0.01


#: Fighting strength of a loyal officer in armed citizens.
LOYAL_STRENGTH = 3.0


def loyal_strength(loyal_officers):
    """The loyal forces' strength in the field."""
    return LOYAL_STRENGTH * loyal_officers


#: Fighting strength of a defected officer (trained, armed) in armed citizens.
DEFECTOR_STRENGTH = 3.0
#: Strength outside intervention adds to the rebels, as a share of the loyal forces'.
INTERVENTION_STRENGTH = 1.0


def rebel_strength(armed, defected, intervened, loyal_strength_):
    """The armed movement's strength: fighters, defectors' units and outside backing.

    Intervention (Libya 2011) adds INTERVENTION_STRENGTH times the loyal strength.
    `intervened` may be one flag per replicate (B,).
    """
    # np.where, not `if`: outside powers may have stepped in for some replicates only.
    backing = np.where(intervened, INTERVENTION_STRENGTH * loyal_strength_, 0.0)
    return armed + DEFECTOR_STRENGTH * defected + backing


#: Decisiveness of the contest (Hirshleifer's m): 1 is a fair lottery on strengths.
DECISIVENESS = 1.0


def contest_share(rebels, loyal):
    """The rebels' share of the fighting this week (a contest success function)."""
    r, g = rebels ** DECISIVENESS, loyal ** DECISIVENESS
    total = r + g
    return np.where(total > 0, r / np.where(total > 0, total, 1.0), 0.0)


#: Weekly chance of outside intervention per unit of `intervention`, per share of
#: citizens killed so far.
INTERVENTION_RATE = 2.0


def intervention_chance(intervention, killed_share):
    """Weekly chance that outside powers step in against a regime that kills civilians."""
    return 1.0 - np.exp(-INTERVENTION_RATE * intervention * killed_share)

"""Security forces' rules: arrests, killings, and shifts in loyalty."""

from __future__ import annotations

import numpy as np

__all__ = [
    "COUP_PROOFING", "CROWD_HALF", "LEGITIMACY_FLOOR", "LETHAL_LEVEL", "LOYALTY_DRIFT",
    "LOYALTY_REVERSION", "MAX_LETHAL", "MORAL_BLUNTING", "PREEMPT_BELOW", "SURVEILLANCE", "TIES",
    "arrest_hazard_per_officer", "arrest_rate", "arrested", "coup_proofed", "lethal_share",
    "loyalty_change", "loyalty_reversion", "social_ties", "surveillance_hazard",
]

def arrest_hazard_per_officer(repression_level, capacity, visible_in_vision):
    """Arrests an officer makes per visible active in its vision, per step.

    Epstein's officer arrests one random active in vision. Spread as a hazard
    `r * capacity / V` over the V visible actives it sees, the expected number of
    arrests per officer is r * capacity and every visible active is equally likely.
    """
    return np.where(
        visible_in_vision > 0,
        repression_level * capacity / np.maximum(visible_in_vision, 1e-12),
        0.0,
    )


def arrested(hazard_sum, visibility, uniform):
    """Whether each active is arrested, given the summed hazard of officers seeing it."""
    return uniform < 1.0 - np.exp(-visibility * hazard_sum)


def arrest_rate(repression_level):
    """Arrests per loyal officer per step: rising to one (Epstein's cop) at level 0.5."""
    return np.minimum(1.0, 2.0 * repression_level)


#: Repression level above which the regime orders lethal force.
LETHAL_LEVEL = 0.75
#: Share of arrests that end in a killing under the harshest orders.
MAX_LETHAL = 0.2


def lethal_share(repression_level):
    """Share of arrests that are killings: none below LETHAL_LEVEL, MAX_LETHAL at 1."""
    return MAX_LETHAL * np.clip((repression_level - LETHAL_LEVEL) / (1.0 - LETHAL_LEVEL), 0.0, 1.0)


#: Ratio of nonviolent protesters to officers at which the moral cost is half its peak.
CROWD_HALF = 2.0
#: Share of the moral cost that a fully learnt regime's loyal elite units and selective
#: deployment spare its officers.
MORAL_BLUNTING = 0.5
#: Loyalty officers lose per step per unit of legitimacy below LEGITIMACY_FLOOR.
LOYALTY_DRIFT, LEGITIMACY_FLOOR = 0.01, 0.5


def loyalty_change(
    nonviolent_in_vision,
    violent_in_vision,
    officers_in_vision,
    defected_in_vision,
    repression_level,
    moral_cost,
    peer_influence,
    threat_cohesion,
    learning,
    legitimacy,
):
    """One step's change in an officer's loyalty.

    - moral cost of being ordered to repress a nonviolent crowd of one's own people,
      growing with its size relative to fellow officers, doubled under lethal orders,
      and blunted by authoritarian learning (loyal elite units, selective deployment);
    - the pull of defected peers in vision (defection cascades);
    - threat cohesion: violence by the movement rallies officers (radical flank);
    - a slow drift down while the regime's legitimacy is below LEGITIMACY_FLOOR.
    """
    crowd = nonviolent_in_vision / (officers_in_vision + 1.0)
    moral = (
        moral_cost
        * repression_level
        * (crowd / (crowd + CROWD_HALF))
        * (1.0 + lethal_share(repression_level) / MAX_LETHAL)
        * (1.0 - MORAL_BLUNTING * learning)
    )
    peers = peer_influence * defected_in_vision / (officers_in_vision + defected_in_vision + 1.0)
    actives = nonviolent_in_vision + violent_in_vision
    cohesion = threat_cohesion * violent_in_vision / (actives + 1.0)
    drift = LOYALTY_DRIFT * np.maximum(0.0, LEGITIMACY_FLOOR - legitimacy)
    return cohesion - moral - peers - drift


#: Loyalty officers (and soldiers) lose per week per share of citizens taking part.
TIES = 0.01
#: Share of the pull of defected peers, and of officers' ties to the movement, that a
#: fully coup-proofed force resists (ethnic stacking, parallel units, rotation: slower
#: defection cascades, forces recruited apart from the population).
COUP_PROOFING = 0.8


def social_ties(participation, learning=0.0):
    """Loyalty an officer loses in a week to ties with the movement.

    When a large share of the population takes part, officers' families, neighbours
    and friends are in it (Chenoweth & Stephan 2011, ch. 2: participation drives
    loyalty shifts). Coup-proofing (a learnt regime's forces recruited apart from the
    population, ethnic stacking) cuts the ties by COUP_PROOFING x learning.
    """
    return TIES * participation * (1.0 - COUP_PROOFING * learning)


#: Weekly arrest hazard the secret police put on each active citizen when a campaign is
#: just starting, at full authoritarian learning (pre-emptive, targeted arrests of the
#: earliest risers; it needs no officer in vision).
SURVEILLANCE = 0.5
#: Participation (active share of citizens) at which pre-emptive arrests stop: beyond
#: it the campaign is too large for targeted policing.
PREEMPT_BELOW = 0.05


def surveillance_hazard(learning, participation):
    """Weekly hazard of a pre-emptive arrest for each active citizen.

    A learnt regime nips campaigns in the bud: it arrests the earliest risers before
    they draw crowds (Chenoweth 2020), and the hazard fades as the campaign grows.
    """
    return learning * SURVEILLANCE * np.maximum(0.0, 1.0 - participation / PREEMPT_BELOW)


#: Per-week pull of an officer's loyalty back to their baseline.
LOYALTY_REVERSION = 0.02


def loyalty_reversion(loyalty, baseline):
    """Pull of an officer's loyalty back to their own baseline.

    Esprit de corps, pay and routine restore it once nothing presses on it, so
    week-to-week noise does not wander, over years, into defection.
    """
    return LOYALTY_REVERSION * (baseline - loyalty)


def coup_proofed(peer_influence, learning):
    """Pull of defected peers, reduced by coup-proofing (scales with learning)."""
    return peer_influence * (1.0 - COUP_PROOFING * learning)

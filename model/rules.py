"""Decision rules as pure, vectorised functions.

Each function takes arrays (one entry per agent, or one per cell) and scalars and
returns new arrays; none reads or writes model state, so each is unit-tested on
hand-picked inputs. Every function broadcasts, so a later version can step many
replicates at once by adding a leading axis.
"""

from __future__ import annotations

import numpy as np

#: Repression level above which the regime orders lethal force.
LETHAL_LEVEL = 0.75
#: Share of arrests that end in a killing under the harshest orders.
MAX_LETHAL = 0.2
#: Ratio of nonviolent protesters to officers at which the moral cost is half its peak.
CROWD_HALF = 2.0
#: Share of its willingness to repress that a regime uses when all is quiet.
CALM_POLICING = 0.5


def grievance(hardship, legitimacy, outrage=0.0):
    """Epstein's grievance G = H (1 - L), plus outrage at repression witnessed (backfire)."""
    return hardship * (1.0 - legitimacy) + outrage


def arrest_probability(security_in_vision, actives_in_vision, k, repression_level):
    """Perceived risk of arrest if active: P = 1 - exp(-k r round(S / A)).

    Epstein (2002) writes floor(S/A); Mesa's bundled example rounds, noting the paper's
    dynamics cannot be reproduced without it. We round, so the Epstein preset matches
    that example; `repression_level` (1 in that preset) scales the deterrent.
    """
    ratio = np.round(security_in_vision / np.maximum(actives_in_vision, 1.0))
    return 1.0 - np.exp(-k * repression_level * ratio)


def wants_to_act(grievance_, risk_aversion, arrest_prob, pull, threshold):
    """Activation rule: act when G (1 + pull) - R P exceeds the threshold T.

    The pull multiplies grievance rather than adding to it: crowds embolden the
    aggrieved, they do not move the content (Granovetter 1978).
    """
    return grievance_ * (1.0 + pull) - risk_aversion * arrest_prob > threshold


def social_pull(weight, nonviolent_share, violent_share):
    """Bandwagon multiplier: nonviolent crowds in vision draw people in; violent ones deter.

    The deterrence of violence is the radical-flank cost in participation
    (Chenoweth & Stephan 2011, ch. 2); pass violent_share=0 to switch it off.
    """
    return weight * (nonviolent_share - violent_share)


def turns_violent(anger, frustration, discipline):
    """An active citizen turns violent when anger plus frustration overcome discipline."""
    return anger + frustration > discipline


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


def lethal_share(repression_level):
    """Share of arrests that are killings: none below LETHAL_LEVEL, MAX_LETHAL at 1."""
    return MAX_LETHAL * np.clip((repression_level - LETHAL_LEVEL) / (1.0 - LETHAL_LEVEL), 0.0, 1.0)


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
    - a slow drift down while the regime's legitimacy is below one half.
    """
    crowd = nonviolent_in_vision / (officers_in_vision + 1.0)
    moral = (
        moral_cost
        * repression_level
        * (crowd / (crowd + CROWD_HALF))
        * (1.0 + lethal_share(repression_level) / MAX_LETHAL)
        * (1.0 - 0.5 * learning)
    )
    peers = peer_influence * defected_in_vision / (officers_in_vision + defected_in_vision + 1.0)
    actives = nonviolent_in_vision + violent_in_vision
    cohesion = threat_cohesion * violent_in_vision / (actives + 1.0)
    drift = 0.01 * np.maximum(0.0, 0.5 - legitimacy)
    return cohesion - moral - peers - drift


def pillar_change(
    constituency_active_share,
    dispersed_active_share,
    economic_exposure,
    backfire_signal,
    violent_share,
    patronage,
    erosion,
    backfire_on,
    flank_on,
):
    """One step's change in each pillar's loyalty (Sharp's pillars of support).

    Participation by a pillar's own constituency and dispersed economic tactics
    (strikes, boycotts: weighted by the pillar's economic exposure) erode it; backfire
    erodes all pillars; movement violence rallies them; patronage restores them.
    """
    change = -erosion * (constituency_active_share + economic_exposure * dispersed_active_share)
    if backfire_on:
        change = change - backfire_signal
    if flank_on:
        change = change + 0.2 * violent_share
    return change + patronage


def regime_support(pillar_loyalty, weights):
    """Weighted support of the regime's pillars, in [0, 1]."""
    return float(np.dot(pillar_loyalty, weights) / np.sum(weights))


def repression_target(willingness, participation, violent_share, defected_share):
    """Repression level the regime wants: escalate with mobilisation and violence.

    Half its willingness when all is quiet (ordinary policing); full willingness once
    a tenth of citizens are active or a twentieth are violent. Defections reduce what
    the regime can order.
    """
    threat = np.clip(CALM_POLICING + 5.0 * participation + 10.0 * violent_share, 0.0, 1.0)
    return willingness * threat * (1.0 - defected_share)

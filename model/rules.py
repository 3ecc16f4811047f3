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
#: Threat a regime reads per active share of citizens (a tenth active: full threat) and
#: per violent share (a twentieth violent: full threat), on top of CALM_POLICING.
THREAT_PER_ACTIVE, THREAT_PER_VIOLENT = 5.0, 10.0
#: Share of the moral cost that a fully learnt regime's loyal elite units and selective
#: deployment spare its officers.
MORAL_BLUNTING = 0.5
#: Loyalty officers lose per step per unit of legitimacy below LEGITIMACY_FLOOR.
LOYALTY_DRIFT, LEGITIMACY_FLOOR = 0.01, 0.5
#: Pillar loyalty gained per step per violent share of living citizens (radical flank).
PILLAR_RALLY = 0.2


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
        change = change + PILLAR_RALLY * violent_share
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
    threat = np.clip(CALM_POLICING + THREAT_PER_ACTIVE * participation
                     + THREAT_PER_VIOLENT * violent_share, 0.0, 1.0)
    return willingness * threat * (1.0 - defected_share)


# ---------------------------------------------------------------------------- the regime
#: Regime support below which it starts conceding (and raising legitimacy).
CONCEDE_BELOW = 0.65
#: Baseline legitimacy a regime buys back per step per unit of support lost below
#: CONCEDE_BELOW, by concessions; scaled by CONCESSION_WILL + learning.
CONCESSION_RATE = 0.02
#: Willingness to concede of a regime that has learnt nothing.
CONCESSION_WILL = 0.5
#: Most legitimacy concessions can buy back: reforms short of giving up power.
MAX_CONCESSION = 0.1
#: Per-step pull of legitimacy back to its baseline: the regime's ordinary legitimation.
LEGITIMACY_INERTIA = 0.05
#: Legitimacy gained per share of citizens repressed while violent, per unit of
#: `backfire`: repressing the violent looks like restoring order.
ORDER_GAIN = 0.2
#: Legitimacy gained per step per violent share of citizens (radical flank).
FLANK_LEGITIMACY = 0.05
#: Share of backfire that a fully learnt regime's low-publicity repression avoids.
BACKFIRE_BLUNTING = 0.5
#: How fast the repression level moves to its target per step: REPRESSION_SPEED plus
#: REPRESSION_SPEED_LEARNING per unit of learning (learnt regimes react faster).
REPRESSION_SPEED, REPRESSION_SPEED_LEARNING = 0.1, 0.4
#: Reach of propaganda: PROPAGANDA_BASE plus PROPAGANDA_LEARNING per unit of learning,
#: times the unfree share of the media and the media pillar's loyalty.
PROPAGANDA_BASE, PROPAGANDA_LEARNING = 0.3, 0.6
#: Patronage spent per step (loyalty units) while resources last.
PATRONAGE_RATE = 0.01
#: Share of patronage that reaches the pillars: PATRONAGE_EFFICIENCY plus as much
#: again times learning (targeted co-optation).
PATRONAGE_EFFICIENCY = 0.5
#: Resources earned per step from a loyal business pillar.
INCOME = 0.002
#: Income lost per share of citizens on strike or boycott: a tenth of citizens on
#: strike stops the economy.
STRIKE_LOSS = 10.0
#: Steps over which the movement judges its progress (perceived failure).
PROGRESS_WINDOW = 20
#: Participation above which the movement counts as mobilised, and the fall in regime
#: support over PROGRESS_WINDOW below which it sees no progress.
MOBILISED, PROGRESS = 0.02, 0.01
#: Frustration gained per step without progress, and kept per step otherwise.
FRUSTRATION_GAIN, FRUSTRATION_KEPT = 0.005, 0.95


def backfire_signal(backfire, publicised_repression, propaganda, learning):
    """Legitimacy and pillar loyalty lost in a step to repression of the nonviolent.

    Args:
        backfire: the `backfire` parameter (loss per share of citizens repressed).
        publicised_repression: share of citizens repressed while nonviolent this step,
            each weighted by how public it was (`publicity`) and killings by
            KILLING_WEIGHT (model.model).
        propaganda: share of the backlash the regime's propaganda absorbs.
        learning: authoritarian learning; repression designed for low publicity.
    """
    return (backfire * publicised_repression * (1.0 - propaganda)
            * (1.0 - BACKFIRE_BLUNTING * learning))


def publicity(crowd_seen, crowd_scale):
    """How public an arrest is: 0 for a lone activist, towards 1 in a large crowd."""
    return crowd_seen / (crowd_seen + crowd_scale)


def legitimacy_change(legitimacy, baseline, backfire_loss, violent_repressed, violent_share,
                      backfire, backfire_on, flank_on):
    """One step's change in the regime's legitimacy.

    - inertia: a pull back towards the baseline (LEGITIMACY_INERTIA);
    - backfire: repressing the nonviolent costs `backfire_loss`; repressing the violent
      (share `violent_repressed` of citizens) buys ORDER_GAIN * backfire per share;
    - radical flank: violence rallies the public to the regime (FLANK_LEGITIMACY).
    """
    change = LEGITIMACY_INERTIA * (baseline - legitimacy)
    if backfire_on:
        change += -backfire_loss + ORDER_GAIN * backfire * violent_repressed
    if flank_on:
        change += FLANK_LEGITIMACY * violent_share
    return change


def conceded_baseline(baseline, initial_legitimacy, support, learning):
    """The legitimacy baseline after a step's concessions.

    A regime whose support is below CONCEDE_BELOW concedes: lasting reforms raise the
    baseline itself, by more the further support fell and the more the regime has
    learnt, but never beyond MAX_CONCESSION above where it started.
    """
    if support >= CONCEDE_BELOW:
        return baseline
    bought = CONCESSION_RATE * (CONCESSION_WILL + learning) * (CONCEDE_BELOW - support)
    return min(initial_legitimacy + MAX_CONCESSION, baseline + bought)


def next_repression_level(level, target, learning):
    """The repression level moves part of the way to its target each step."""
    return level + (REPRESSION_SPEED + REPRESSION_SPEED_LEARNING * learning) * (target - level)


def propaganda_reach(media_freedom, media_loyalty, learning):
    """Share of backfire propaganda absorbs: needs unfree media and a loyal media pillar."""
    skill = PROPAGANDA_BASE + PROPAGANDA_LEARNING * learning
    return (1.0 - media_freedom) * media_loyalty * skill


def patronage(resources, pillar_loyalty, learning):
    """Patronage to each pillar this step, and the resources it costs.

    The regime spends up to PATRONAGE_RATE a step while resources last, shared among
    the pillars in proportion to their disloyalty (the least loyal get most).
    """
    spend = min(resources, PATRONAGE_RATE)
    need = 1.0 - pillar_loyalty
    if spend > 0 and need.sum() > 0:
        efficiency = PATRONAGE_EFFICIENCY + PATRONAGE_EFFICIENCY * learning
        return spend * efficiency * need / need.sum(), spend
    return np.zeros_like(pillar_loyalty), 0.0


def income(business_loyalty, strike_share):
    """Resources the regime earns in a step: a loyal business pillar pays, strikes cost."""
    return INCOME * business_loyalty * (1.0 - STRIKE_LOSS * strike_share)


def next_frustration(frustration, participation, support_now, support_before, judged):
    """A mobilised movement that sees the regime hold on grows frustrated.

    Args:
        frustration: the movement's frustration now.
        participation: active share of living citizens.
        support_now: regime support now.
        support_before: regime support PROGRESS_WINDOW steps ago.
        judged: whether the campaign is at least PROGRESS_WINDOW steps old.
    """
    stuck = participation > MOBILISED and judged and support_before - support_now < PROGRESS
    return frustration + FRUSTRATION_GAIN if stuck else frustration * FRUSTRATION_KEPT

"""The regime's rules: pillars, repression, legitimacy, accommodation, grants, patronage."""

from __future__ import annotations

import numpy as np

from ._batch import per_pillar, scalar_or_array

__all__ = [
    "ACCOMMODATE_BELOW", "ACCOMMODATION_RATE", "ACCOMMODATION_WILL", "BACKFIRE_BLUNTING",
    "BACKFIRE_CEILING", "CALM_POLICING", "FLANK_LEGITIMACY", "FRUSTRATION_GAIN",
    "FRUSTRATION_KEPT", "GRANT_RATE", "INCOME", "LEGITIMACY_INERTIA", "MAXIMALIST_GRANT",
    "MAX_ACCOMMODATION", "MOBILISED", "NOTICED", "ORDER_GAIN", "PATRONAGE_EFFICIENCY",
    "PATRONAGE_RATE", "PILLAR_RALLY", "PROGRESS", "PROGRESS_WINDOW", "PROPAGANDA_BASE",
    "PROPAGANDA_LEARNING", "REPRESSION_SPEED", "REPRESSION_SPEED_LEARNING", "STRIKE_LOSS",
    "STRIKE_PRESSURE", "TARGETING", "THREAT_PER_ACTIVE", "THREAT_PER_VIOLENT",
    "accommodated_baseline", "backfire_signal", "grant_probability", "income", "legitimacy_change",
    "next_frustration", "next_repression_level", "patronage", "patronage_shares", "pillar_change",
    "pressure", "propaganda_reach", "publicity", "regime_support", "repression_target",
]

#: Pillar loyalty gained per step per violent share of living citizens (radical flank).
PILLAR_RALLY = 0.2


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

    For a batch, the per-pillar arguments are (B, 6) and the per-replicate ones
    (dispersed share, backfire signal, violent share, erosion) are passed as (B, 1), so
    that they broadcast over the pillars; `backfire_on` and `flank_on` are plain bools.
    """
    change = -erosion * (constituency_active_share + economic_exposure * dispersed_active_share)
    if backfire_on:
        change = change - backfire_signal
    if flank_on:
        change = change + PILLAR_RALLY * violent_share
    return change + patronage


def regime_support(pillar_loyalty, weights):
    """Weighted support of the regime's pillars, in [0, 1]: what it rests on, and how firmly.

    A float for one campaign's loyalty (6,) and weights (6,); one value per replicate (B,)
    for loyalty (B, 6), with weights (6,) shared or (B, 6), each replicate's own (its
    regime type's). The weights are relative: each row is normalised by its sum.
    """
    pillar_loyalty = np.asarray(pillar_loyalty)
    weights = np.asarray(weights, dtype=float)
    if pillar_loyalty.ndim == 1:
        return float(np.dot(pillar_loyalty, weights) / np.sum(weights))
    # np.dot of a matrix calls BLAS gemv, which may sum the six terms in another order
    # than the vector dot above; a plain left-to-right sum over the pillars matches it.
    return np.sum(pillar_loyalty * weights, axis=-1) / np.sum(weights, axis=-1)


#: Share of its willingness to repress that a regime uses when all is quiet.
CALM_POLICING = 0.5
#: Threat a regime reads per active share of citizens (a tenth active: full threat) and
#: per violent share (a twentieth violent: full threat), on top of CALM_POLICING.
THREAT_PER_ACTIVE, THREAT_PER_VIOLENT = 5.0, 10.0


def repression_target(willingness, participation, violent_share, defected_share):
    """Repression level the regime wants: escalate with mobilisation and violence.

    Half its willingness when all is quiet (ordinary policing); full willingness once
    a tenth of citizens are active or a twentieth are violent. Defections reduce what
    the regime can order.
    """
    threat = np.clip(CALM_POLICING + THREAT_PER_ACTIVE * participation
                     + THREAT_PER_VIOLENT * violent_share, 0.0, 1.0)
    return willingness * threat * (1.0 - defected_share)


#: Most publicised repression (share of citizens) a week of backfire can count: the
#: saturation of outrage.
BACKFIRE_CEILING = 0.005
#: Share of backfire that a fully learnt regime's low-publicity repression avoids.
BACKFIRE_BLUNTING = 0.5


def backfire_signal(backfire, publicised_repression, propaganda, learning):
    """Legitimacy and pillar loyalty lost in a step to repression of the nonviolent.

    Args:
        backfire: the `backfire` parameter (loss per share of citizens repressed).
        publicised_repression: share of citizens repressed while nonviolent this step,
            each weighted by how public it was (`publicity`) and killings by
            KILLING_WEIGHT (model.model).
        propaganda: share of the backlash the regime's propaganda absorbs.
        learning: authoritarian learning; repression designed for low publicity.

    Outrage saturates: a week's loss is at most `backfire` x BACKFIRE_CEILING, however
    many are repressed (the hundredth killing shocks less than the first; Slovic 2007),
    so mass killing can crush a campaign rather than topple the regime within weeks.
    Small amounts of repression backfire in proportion (the two agree below the
    ceiling).
    """
    outrage = BACKFIRE_CEILING * (1.0 - np.exp(-publicised_repression / BACKFIRE_CEILING))
    return backfire * outrage * (1.0 - propaganda) * (1.0 - BACKFIRE_BLUNTING * learning)


def publicity(crowd_seen, crowd_scale):
    """How public an arrest is: 0 for a lone activist, towards 1 in a large crowd."""
    return crowd_seen / (crowd_seen + crowd_scale)


#: Per-step pull of legitimacy back to its baseline: the regime's ordinary legitimation.
LEGITIMACY_INERTIA = 0.05
#: Legitimacy gained per share of citizens repressed while violent, per unit of
#: `backfire`: repressing the violent looks like restoring order.
ORDER_GAIN = 0.2
#: Legitimacy gained per step per violent share of citizens (radical flank).
FLANK_LEGITIMACY = 0.05


def legitimacy_change(legitimacy, baseline, backfire_loss, violent_repressed, violent_share,
                      backfire, backfire_on, flank_on):
    """One step's change in the regime's legitimacy.

    - inertia: a pull back towards the baseline (LEGITIMACY_INERTIA);
    - backfire: repressing the nonviolent costs `backfire_loss`; repressing the violent
      (share `violent_repressed` of citizens) buys ORDER_GAIN * backfire per share;
    - radical flank: violence rallies the public to the regime (FLANK_LEGITIMACY).

    Every argument but the two switches (plain bools) may be one value per replicate.
    """
    change = LEGITIMACY_INERTIA * (baseline - legitimacy)
    # New arrays rather than `+=`: a later term may have a larger (batch) shape.
    if backfire_on:
        change = change + (-backfire_loss + ORDER_GAIN * backfire * violent_repressed)
    if flank_on:
        change = change + FLANK_LEGITIMACY * violent_share
    return change


# Accommodation: lasting reforms short of the demand that buy legitimacy back (the
# legitimacy baseline). Not the grant of the demand itself (grant_probability).

#: Regime support below which it starts accommodating (and raising legitimacy).
ACCOMMODATE_BELOW = 0.65
#: Baseline legitimacy a regime buys back per step per unit of support lost below
#: ACCOMMODATE_BELOW, by accommodation; scaled by ACCOMMODATION_WILL + learning.
ACCOMMODATION_RATE = 0.02
#: Willingness to accommodate of a regime that has learnt nothing.
ACCOMMODATION_WILL = 0.5
#: Most legitimacy accommodation can buy back: reforms short of giving up power.
MAX_ACCOMMODATION = 0.1


def accommodated_baseline(baseline, initial_legitimacy, support, learning):
    """The legitimacy baseline after a step's accommodation.

    A regime whose support is below ACCOMMODATE_BELOW accommodates: lasting reforms
    short of the demand raise the baseline itself, by more the further support fell and
    the more the regime has learnt, but never beyond MAX_ACCOMMODATION above where it
    started. Each argument may be one value per replicate (B,); a scalar campaign gets a
    Python float.
    """
    bought = ACCOMMODATION_RATE * (ACCOMMODATION_WILL + learning) * (ACCOMMODATE_BELOW - support)
    raised = np.minimum(initial_legitimacy + MAX_ACCOMMODATION, baseline + bought)
    # np.where, not `if`: some replicates accommodate, others do not.
    return scalar_or_array(np.where(support >= ACCOMMODATE_BELOW, baseline, raised))


#: How fast the repression level moves to its target per step: REPRESSION_SPEED plus
#: REPRESSION_SPEED_LEARNING per unit of learning (learnt regimes react faster).
REPRESSION_SPEED, REPRESSION_SPEED_LEARNING = 0.1, 0.4


def next_repression_level(level, target, learning):
    """The repression level moves part of the way to its target each step."""
    return level + (REPRESSION_SPEED + REPRESSION_SPEED_LEARNING * learning) * (target - level)


#: Reach of propaganda: PROPAGANDA_BASE plus PROPAGANDA_LEARNING per unit of learning,
#: times the unfree share of the media and the media pillar's loyalty.
PROPAGANDA_BASE, PROPAGANDA_LEARNING = 0.3, 0.6


def propaganda_reach(media_freedom, media_loyalty, learning):
    """Share of backfire propaganda absorbs: needs unfree media and a loyal media pillar."""
    skill = PROPAGANDA_BASE + PROPAGANDA_LEARNING * learning
    return (1.0 - media_freedom) * media_loyalty * skill


#: Patronage spent per step (loyalty units) while resources last.
PATRONAGE_RATE = 0.01
#: Share of patronage that reaches the pillars: PATRONAGE_EFFICIENCY plus as much
#: again times learning (targeted co-optation).
PATRONAGE_EFFICIENCY = 0.5


def patronage(resources, pillar_loyalty, learning):
    """Patronage to each pillar this step, and the resources it costs.

    The regime spends up to PATRONAGE_RATE a step while resources last, shared among
    the pillars by `patronage_shares` (the least loyal get most).

    For a batch, `resources` and `learning` are (B,) and `pillar_loyalty` (B, 6); it
    returns the patronage (B, 6) and what each replicate spent (B,). For one campaign,
    the patronage (6,) and a float.
    """
    spend = np.minimum(resources, PATRONAGE_RATE)
    # Nothing is spent where nothing is left or every pillar is fully loyal.
    pays = (spend > 0) & ((1.0 - pillar_loyalty).sum(axis=-1) > 0)
    efficiency = PATRONAGE_EFFICIENCY + PATRONAGE_EFFICIENCY * learning
    shares = patronage_shares(pillar_loyalty, per_pillar(learning))
    given = np.where(per_pillar(pays), per_pillar(spend * efficiency) * shares, 0.0)
    return given, scalar_or_array(np.where(pays, spend, 0.0))


#: Resources earned per step from a loyal business pillar.
INCOME = 0.002
#: Income lost per share of citizens on strike or boycott: a tenth of citizens on
#: strike stops the economy.
STRIKE_LOSS = 10.0


def income(business_loyalty, strike_share):
    """Resources the regime earns in a step: a loyal business pillar pays, strikes cost."""
    return INCOME * business_loyalty * (1.0 - STRIKE_LOSS * strike_share)


#: Steps over which the movement judges its progress (perceived failure).
PROGRESS_WINDOW = 20
#: Participation above which the movement counts as mobilised, and the fall in regime
#: support over PROGRESS_WINDOW below which it sees no progress.
MOBILISED, PROGRESS = 0.02, 0.01
#: Frustration gained per step without progress, and kept per step otherwise.
FRUSTRATION_GAIN, FRUSTRATION_KEPT = 0.01, 0.95


def next_frustration(frustration, participation, support_now, support_before, judged):
    """A mobilised movement that sees the regime hold on grows frustrated.

    Args:
        frustration: the movement's frustration now.
        participation: active share of living citizens.
        support_now: regime support now.
        support_before: regime support PROGRESS_WINDOW steps ago.
        judged: whether the campaign is at least PROGRESS_WINDOW steps old.

    Each argument may be one value per replicate (B,); a scalar campaign gets a float.
    """
    # `&` and np.where, not `and` and `if`: replicates may be stuck or not.
    stuck = (participation > MOBILISED) & judged & (support_before - support_now < PROGRESS)
    return scalar_or_array(
        np.where(stuck, frustration + FRUSTRATION_GAIN, frustration * FRUSTRATION_KEPT))


#: Weight of strikes and boycotts (dispersed active share) in the pressure on the
#: regime, against that of participation as a whole.
STRIKE_PRESSURE = 2.0


def pressure(participation, dispersed_share, support_lost):
    """The pressure a campaign puts on the regime: crowds, strikes, and lost support."""
    return participation + STRIKE_PRESSURE * dispersed_share + support_lost


#: Weekly hazard of granting a reform demand per unit of pressure, at responsiveness 1.
GRANT_RATE = 0.2
#: Pressure a regime ignores: a campaign of half a per cent of citizens.
NOTICED = 0.005
#: How much less readily a regime grants a maximalist demand (its own exit, a transition,
#: independence) than a policy: negotiated transitions happen (Poland's Round Table,
#: Chile's plebiscite), but rarely.
MAXIMALIST_GRANT = 0.25


def grant_probability(responsiveness, pressure_):
    """Weekly chance that the regime grants a reform demand.

    Pressure below NOTICED moves nothing; above it, institutions that respond
    (democracies) give in sooner, closed autocracies rarely concede even to large
    campaigns (Chenoweth & Stephan 2011).
    """
    return 1.0 - np.exp(-GRANT_RATE * responsiveness * np.maximum(pressure_ - NOTICED, 0.0))


#: How much more the most disloyal pillar gets of patronage per unit of learning
#: (targeting: the exponent on need).
TARGETING = 3.0


def patronage_shares(pillar_loyalty, learning):
    """How the regime splits its patronage over the pillars.

    By need (1 - loyalty); with learning, aimed ever more at the pillar most likely to
    defect (need raised to the power 1 + TARGETING x learning). For a batch, the
    loyalty is (B, 6) and `learning` (B, 1); a replicate whose pillars are all fully
    loyal gets no shares (zeros).
    """
    need = (1.0 - pillar_loyalty) ** (1.0 + TARGETING * learning)
    total = need.sum(axis=-1, keepdims=True)
    # A fully loyal replicate needs nothing (all zeros): divided by 1, not 0 / 0.
    return need / np.where(total > 0, total, 1.0)

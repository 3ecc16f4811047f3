"""Citizens' rules: grievance, perceived risk, the decision to act, radicalisation."""

from __future__ import annotations

import math

import numpy as np

from ._batch import scalar_or_array

__all__ = [
    "ARMS_MAX", "ARMS_PER_DEFECTOR", "FATIGUE_KEPT", "FULL_PROGRESS", "LETHAL_FEAR", "VIEW_INERTIA",
    "VIEW_SHOCK", "armed_places", "armed_subset", "arrest_probability", "fear_of_force",
    "grievance", "next_fatigue", "next_views", "opposition_signal", "progress", "social_pull",
    "ORGANISING", "organised_thresholds", "thresholds", "turns_violent", "wants_to_act",
]

def grievance(hardship, legitimacy, outrage=0.0):
    """Epstein's grievance G = H (1 - L), plus outrage at repression witnessed (backfire)."""
    return hardship * (1.0 - legitimacy) + outrage


def arrest_probability(security_in_vision, actives_in_vision, k, repression_level,
                       rounded=True):
    """Perceived risk of arrest if active: P = 1 - exp(-k r S / A), S / A rounded or not.

    Epstein (2002) writes floor(S/A); Mesa's bundled example rounds, noting the paper's
    dynamics cannot be reproduced without it, so the Epstein preset rounds
    (`round_risk`). Rounded, risk drops to zero once actives outnumber twice the
    officers in vision and nearly everyone aggrieved joins at once; continuous, each
    newcomer lowers the risk a little. `repression_level` (1 in Epstein's preset)
    scales the deterrent.
    """
    ratio = security_in_vision / np.maximum(actives_in_vision, 1.0)
    if rounded:
        ratio = np.round(ratio)
    return 1.0 - np.exp(-k * repression_level * ratio)


def wants_to_act(grievance_, risk_aversion, arrest_prob, pull, threshold, fatigue=0.0,
                 fear=1.0):
    """Activation rule: act when G (1 + pull) (1 - F) - R P fear exceeds the threshold T.

    The pull multiplies grievance rather than adding to it: crowds embolden the
    aggrieved, they do not move the content (Granovetter 1978). F in [0, 1) is the
    citizen's fatigue: it discounts what participation is worth to them, however large
    the crowd. T is the citizen's own threshold; `fear` weighs the risk (more under
    lethal orders, see `fear_of_force`).
    """
    return (grievance_ * (1.0 + pull) * (1.0 - fatigue) - risk_aversion * arrest_prob * fear
            > threshold)


#: Extra weight of the risk of arrest under the harshest (lethal) orders: fear of death.
LETHAL_FEAR = 2.0


def fear_of_force(lethal_share_, max_lethal):
    """How much more the risk of arrest weighs when arrests may end in death."""
    return 1.0 + LETHAL_FEAR * lethal_share_ / max_lethal


def thresholds(deviates, median, spread):
    """Each citizen's own participation threshold: lognormal around `median`.

    Granovetter (1978): some act alone, most only once others do. `deviates` are the
    citizens' standard normal draws; with spread 0 everyone has Epstein's common
    threshold (the draws are made anyway, so that runs with and without spread share
    the rest of their random numbers).
    """
    if isinstance(deviates, np.random.Generator):  # the signature before the batch engine
        raise TypeError("thresholds(deviates, median, spread) takes the citizens' standard "
                        "normal draws, not a generator: pass rng.standard_normal(n)")
    return median * np.exp(spread * deviates)


#: How far organising lowers a targeted constituency's thresholds: the members of a
#: constituency that has all of the movement's organising act at half their own
#: thresholds. A calibration choice (docs/ODD.md, "Calibration choices").
ORGANISING = 0.5


def organised_thresholds(threshold, constituency, targets):
    """Thresholds after the movement's organising in the pillars it targets.

    A campaign that aims its non-cooperation at a pillar (strikes in its sector, appeals
    to its members) organises among that pillar's constituency: a member acts at
    (1 - ORGANISING x the pillar's targeting share) of her own threshold. Citizens tied
    to no pillar (PUBLIC, -1) are not organised this way.

    Args:
        threshold: the citizens' own thresholds (B, N).
        constituency: each citizen's pillar index, or PUBLIC (B, N).
        targets: each replicate's targeting share per pillar (B, 6).
    """
    tied = constituency >= 0
    share = np.take_along_axis(np.asarray(targets, float), np.where(tied, constituency, 0),
                               axis=-1)
    return threshold * (1.0 - ORGANISING * np.where(tied, share, 0.0))


def opposition_signal(weight, media_freedom, participation):
    """How much the opposition's known size emboldens: Kuran's preference falsification.

    People hide their opposition until they learn that many share it; independent
    media let them learn the campaign's size (the active share of citizens), a
    censored press hides it.
    """
    return weight * media_freedom * participation


#: Fall in regime support over the progress window that counts as full progress: the
#: campaign visibly winning, or a demand granted.
FULL_PROGRESS = 0.05


def progress(support_before, support_now, granted=False):
    """The campaign's progress as its participants see it, in [0, 1].

    Full progress when regime support fell FULL_PROGRESS or more over the progress
    window, or when the campaign's demand has been granted. Each argument may be one
    value per replicate (B,); a scalar campaign gets a Python float.
    """
    judged = np.clip((support_before - support_now) / FULL_PROGRESS, 0.0, 1.0)
    # np.where, not `if`: `granted` may differ from one replicate to the next.
    return scalar_or_array(np.where(granted, 1.0, judged))


#: Share of its fatigue a quiet citizen keeps each week (recovery).
FATIGUE_KEPT = 0.99


def next_fatigue(fatigue, active, rate, progress_):
    """Participation wears people down unless the campaign visibly gets somewhere.

    Each week active takes `rate` x (1 - progress) of what is left (fatigue stays below
    1); quiet citizens recover, keeping FATIGUE_KEPT of their fatigue a week.
    """
    tiring = fatigue + rate * (1.0 - progress_) * (1.0 - fatigue)
    return np.where(active, tiring, fatigue * FATIGUE_KEPT)


#: Per-week pull of a citizen's view of legitimacy towards the regime's standing (what
#: the regime does and says), and the view lost per unit of nonviolent repression
#: witnessed per citizen present (lasting, unlike outrage).
VIEW_INERTIA, VIEW_SHOCK = 0.05, 0.05


def next_views(views, legitimacy, repression_seen, propaganda):
    """Citizens' own views of the regime's legitimacy after a week.

    Views drift towards the regime's standing (VIEW_INERTIA): its performance, its
    concessions, its own messaging. Nonviolent repression witnessed (per citizen
    present, killings weighted) lowers a view for good (VIEW_SHOCK), less so where
    propaganda explains it away.
    """
    drift = VIEW_INERTIA * (legitimacy - views)
    return np.clip(views + drift - VIEW_SHOCK * repression_seen * (1.0 - propaganda), 0.0, 1.0)


#: Most of the citizens that arms can equip, at armed_capacity 1 (a society at war).
ARMS_MAX = 0.5
#: Citizens a defected officer's weapons can arm.
ARMS_PER_DEFECTOR = 3.0


def armed_places(armed_capacity, n_citizens, defected_officers):
    """How many citizens the movement can arm: its own arms plus defectors' weapons."""
    return armed_capacity * ARMS_MAX * n_citizens + ARMS_PER_DEFECTOR * defected_officers


def armed_subset(candidates, readiness, places):
    """Which would-be fighters get arms: the `places` most ready among the candidates.

    Args:
        candidates: boolean mask of citizens who would turn violent, (N,) or (B, N).
        readiness: how far each one's anger exceeds their discipline (ties: lower index),
            the shape of `candidates`.
        places: how many can be armed (whole arms only): a scalar, or (B,) for a batch.
    """
    candidates = np.asarray(candidates, dtype=bool)
    n = candidates.shape[-1]
    # One row per replicate (a single campaign is a batch of one; math.prod(()) is 1).
    wanted = candidates.reshape(math.prod(candidates.shape[:-1]), n)
    ready = np.broadcast_to(readiness, candidates.shape).reshape(wanted.shape)
    # int(max(places, 0)) per row; capped at n, which already arms every candidate.
    k = np.minimum(np.maximum(places, 0.0), n).astype(np.intp)
    k = np.broadcast_to(k, candidates.shape[:-1]).ravel()
    # Rows with room for every candidate arm them all, without sorting; the others
    # (crowded) start with none.
    room = wanted.sum(axis=1) <= k
    chosen = wanted & room[:, np.newaxis]
    crowded = np.flatnonzero(~room)
    if crowded.size:
        rows, cols = np.nonzero(wanted[crowded])   # each row's candidates, by index
        count = np.bincount(rows)   # every crowded row has more than k >= 0 of them
        slot = np.arange(rows.size) - (np.cumsum(count) - count)[rows]
        # Each row's candidates packed to the left, padded with NaN on the right: a
        # stable sort puts NaN last, and keeps a candidate's own NaN ahead of the
        # padding, so each row sorts exactly as its candidates alone would.
        key = np.full((crowded.size, count.max()), np.nan)
        key[rows, slot] = -ready[crowded[rows], cols]
        index = np.zeros(key.shape, dtype=np.intp)
        index[rows, slot] = cols
        order = np.argsort(key, kind="stable")   # along each row (the last axis)
        # The first k of each row (k < its candidates, so never the padding).
        first = np.arange(key.shape[1]) < k[crowded][:, np.newaxis]
        picked = np.take_along_axis(index, order)[first]
        chosen[np.repeat(crowded, first.sum(axis=1)), picked] = True
    return chosen.reshape(candidates.shape)


def social_pull(weight, nonviolent_share, violent_share):
    """Bandwagon multiplier: nonviolent crowds in vision draw people in; violent ones deter.

    The deterrence of violence is the radical-flank cost in participation
    (Chenoweth & Stephan 2011, ch. 2); pass violent_share=0 to switch it off.
    """
    return weight * (nonviolent_share - violent_share)


def turns_violent(anger, frustration, discipline):
    """An active citizen turns violent when anger plus frustration overcome discipline."""
    return anger + frustration > discipline

"""Decision rules as pure, vectorised functions, one module per actor.

Each function takes arrays (one entry per agent, or one per cell) and scalars and
returns new arrays; none reads or writes model state, so each is unit-tested on
hand-picked inputs. `from civres.model import rules` gives every rule and constant by name
(rules.grievance, rules.LETHAL_LEVEL, ...).

Every function broadcasts, so a batch of B replicates can be stepped at once by adding a
leading replicate axis, and each replicate gets exactly what the rule gives it alone:

- a per-replicate scalar (legitimacy, support, learning, a share of citizens) becomes an
  array of shape (B,);
- a per-agent array becomes (B, N);
- a per-pillar array (pillar loyalty, patronage, economic exposure) becomes (B, 6). The
  pillar axis is always the last: rules reduce over it with `axis=-1` (keepdims where
  the result meets (B, 6) again);
- a per-replicate scalar that a rule combines element by element with per-agent or
  per-pillar arrays is passed by the caller as (B, 1) (`x[:, None]`), so that it
  broadcasts along that last axis: e.g. `pillar_change`'s dispersed and violent shares,
  `patronage_shares`' learning, `next_fatigue`'s rate and progress. Rules that reduce
  over the last axis or return per-replicate values take (B,) and add the axis
  themselves: `regime_support`, `patronage` (resources, learning), `armed_subset`
  (places);
- model switches (`backfire_on`, `flank_on`, `rounded`) stay plain bools, the same for
  the whole batch; campaign events (`granted`, `judged`, `intervened`) may be bool
  arrays (B,).

With today's scalar and one-campaign inputs the rules return what they always did:
Python floats where they returned floats (`progress`, `regime_support`,
`accommodated_baseline`, `next_frustration`, what `patronage` spends).
"""

from .citizens import (
    ARMS_MAX,
    ARMS_PER_DEFECTOR,
    FATIGUE_KEPT,
    FULL_PROGRESS,
    LETHAL_FEAR,
    ORGANISING,
    VIEW_INERTIA,
    VIEW_SHOCK,
    armed_places,
    armed_subset,
    arrest_probability,
    fear_of_force,
    grievance,
    next_fatigue,
    next_views,
    opposition_signal,
    organised_thresholds,
    progress,
    social_pull,
    thresholds,
    turns_violent,
    wants_to_act,
)
from .conflict import (
    BATTLE_DEATH,
    DECISIVENESS,
    DEFECTOR_STRENGTH,
    DESERTION,
    INTERVENTION_RATE,
    INTERVENTION_STRENGTH,
    LOYAL_STRENGTH,
    contest_share,
    intervention_chance,
    loyal_strength,
    rebel_strength,
)
from .regime import (
    ACCOMMODATE_BELOW,
    ACCOMMODATION_RATE,
    ACCOMMODATION_WILL,
    BACKFIRE_BLUNTING,
    BACKFIRE_CEILING,
    CALM_POLICING,
    FLANK_LEGITIMACY,
    FRUSTRATION_GAIN,
    FRUSTRATION_KEPT,
    GRANT_RATE,
    INCOME,
    LEGITIMACY_INERTIA,
    MAX_ACCOMMODATION,
    MAXIMALIST_GRANT,
    MOBILISED,
    NOTICED,
    ORDER_GAIN,
    PATRONAGE_EFFICIENCY,
    PATRONAGE_RATE,
    PILLAR_RALLY,
    PROGRESS,
    PROGRESS_WINDOW,
    PROPAGANDA_BASE,
    PROPAGANDA_LEARNING,
    REPRESSION_SPEED,
    REPRESSION_SPEED_LEARNING,
    STRIKE_LOSS,
    STRIKE_PRESSURE,
    TARGETING,
    THREAT_PER_ACTIVE,
    THREAT_PER_VIOLENT,
    accommodated_baseline,
    backfire_signal,
    grant_probability,
    income,
    legitimacy_change,
    next_frustration,
    next_repression_level,
    patronage,
    patronage_shares,
    pillar_change,
    pressure,
    propaganda_reach,
    publicity,
    regime_support,
    repression_target,
)
from .security import (
    COUP_PROOFING,
    CROWD_HALF,
    LEGITIMACY_FLOOR,
    LETHAL_LEVEL,
    LOYALTY_DRIFT,
    LOYALTY_REVERSION,
    MAX_LETHAL,
    MORAL_BLUNTING,
    PREEMPT_BELOW,
    SURVEILLANCE,
    TIES,
    arrest_hazard_per_officer,
    arrest_rate,
    arrested,
    coup_proofed,
    lethal_share,
    loyalty_change,
    loyalty_reversion,
    social_ties,
    surveillance_hazard,
)

__all__ = [
    "ACCOMMODATE_BELOW", "ACCOMMODATION_RATE", "ACCOMMODATION_WILL", "ARMS_MAX",
    "ARMS_PER_DEFECTOR", "BACKFIRE_BLUNTING", "BACKFIRE_CEILING", "BATTLE_DEATH", "CALM_POLICING",
    "COUP_PROOFING", "CROWD_HALF", "DECISIVENESS", "DEFECTOR_STRENGTH", "DESERTION",
    "FATIGUE_KEPT", "FLANK_LEGITIMACY", "FRUSTRATION_GAIN", "FRUSTRATION_KEPT", "FULL_PROGRESS",
    "GRANT_RATE", "INCOME", "INTERVENTION_RATE", "INTERVENTION_STRENGTH", "LEGITIMACY_FLOOR",
    "LEGITIMACY_INERTIA", "LETHAL_FEAR", "LETHAL_LEVEL", "LOYALTY_DRIFT", "LOYALTY_REVERSION",
    "LOYAL_STRENGTH", "MAXIMALIST_GRANT", "MAX_ACCOMMODATION", "MAX_LETHAL", "MOBILISED",
    "MORAL_BLUNTING", "NOTICED", "ORDER_GAIN", "ORGANISING", "PATRONAGE_EFFICIENCY",
    "PATRONAGE_RATE",
    "PILLAR_RALLY", "PREEMPT_BELOW", "PROGRESS", "PROGRESS_WINDOW", "PROPAGANDA_BASE",
    "PROPAGANDA_LEARNING", "REPRESSION_SPEED", "REPRESSION_SPEED_LEARNING", "STRIKE_LOSS",
    "STRIKE_PRESSURE", "SURVEILLANCE", "TARGETING", "THREAT_PER_ACTIVE", "THREAT_PER_VIOLENT",
    "TIES", "VIEW_INERTIA", "VIEW_SHOCK", "accommodated_baseline", "armed_places", "armed_subset",
    "arrest_hazard_per_officer", "arrest_probability", "arrest_rate", "arrested",
    "backfire_signal", "contest_share", "coup_proofed", "fear_of_force", "grant_probability",
    "grievance", "income", "intervention_chance", "legitimacy_change", "lethal_share",
    "loyal_strength", "loyalty_change", "loyalty_reversion", "next_fatigue", "next_frustration",
    "next_repression_level", "next_views", "opposition_signal", "organised_thresholds",
    "patronage", "patronage_shares",
    "pillar_change", "pressure", "progress", "propaganda_reach", "publicity", "rebel_strength",
    "regime_support", "repression_target", "social_pull", "social_ties", "surveillance_hazard",
    "thresholds", "turns_violent", "wants_to_act",
]

#: Names renamed when "concession" was split into accommodation (the legitimacy baseline)
#: and the grant of the demand: importing an old one raises one line naming the new one.
RENAMED = {"CONCEDE_BELOW": "ACCOMMODATE_BELOW", "CONCESSION_RATE": "ACCOMMODATION_RATE",
           "CONCESSION_WILL": "ACCOMMODATION_WILL", "MAX_CONCESSION": "MAX_ACCOMMODATION",
           "conceded_baseline": "accommodated_baseline"}


def __getattr__(name: str) -> object:
    """A renamed rule raises one line saying what it is called now."""
    if name in RENAMED:
        raise ImportError(f"{name} was renamed {RENAMED[name]} (accommodation, not the "
                          "grant of the demand): from civres.model.rules import "
                          f"{RENAMED[name]}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""Who each parameter belongs to and what unit it is in, for people reading them.

`Params.describe()` adds both to every row, so the app groups its controls by actor and
shows each value with its unit, and `civres params` can say the same. Every field of
Params is in exactly one group and has a unit (tests/test_params.py checks both), so a
new parameter cannot reach the app unlabelled.
"""

from __future__ import annotations

from types import MappingProxyType

#: Actors and their parameters, in the order the app shows them.
GROUPS: MappingProxyType[str, tuple[str, ...]] = MappingProxyType({
    "movement": (
        "discipline", "dispersed_share", "dispersed_safety", "breadth", "target_civil_service",
        "target_business", "target_clergy", "target_media", "reform_goal", "armed_capacity",
    ),
    "citizens": (
        "legitimacy", "active_threshold", "threshold_spread", "social_pull",
        "opposition_signal", "fatigue", "outrage", "anger_memory", "legitimacy_spread",
        "arrest_constant", "round_risk", "citizen_density", "citizen_vision",
    ),
    "security forces": (
        "security_loyalty", "defect_below", "moral_cost", "peer_influence", "threat_cohesion",
        "security_density", "security_vision", "max_jail_term", "jail_capacity",
    ),
    "regime": (
        "repression", "learning", "responsiveness", "pillar_loyalty", "patronage",
        "media_freedom", "erosion", "backfire", "intervention", "weight_police",
        "weight_military", "weight_civil_service", "weight_business", "weight_clergy",
        "weight_media", "adaptive_regime", "fixed_legitimacy",
    ),
    "mechanisms": (
        "backfire_on", "pillar_erosion_on", "defection_on", "radical_flank_on", "threshold_on",
        "radicalisation_on", "views_on", "arms_needed_on", "armed_conflict_on",
    ),
    "run": (
        "width", "height", "max_steps", "run_to_horizon", "movement", "represented_share",
    ),
})

_LEVEL = "level (0-1)"
_PER_STEP = "per week"
_SWITCH = "on / off"

#: The unit of each parameter, as a reader needs it next to the value.
UNITS: MappingProxyType[str, str] = MappingProxyType({
    "width": "cells", "height": "cells", "citizen_density": "share of cells",
    "security_density": "share of cells", "citizen_vision": "cells (radius)",
    "security_vision": "cells (radius)", "movement": _SWITCH,
    "represented_share": "share of the population", "max_steps": "weeks",
    "max_jail_term": "weeks", "jail_capacity": "share of citizens",
    "legitimacy": _LEVEL, "active_threshold": "grievance (0-1)",
    "arrest_constant": "coefficient k", "round_risk": _SWITCH,
    "threshold_spread": "sd of the log", "opposition_signal": "weight",
    "fatigue": "share " + _PER_STEP, "legitimacy_spread": "sd",
    "social_pull": "weight", "discipline": _LEVEL, "dispersed_share": "share of participants",
    "dispersed_safety": "share of exposure cut", "breadth": "share of citizens",
    "target_civil_service": "share of organising", "target_business": "share of organising",
    "target_clergy": "share of organising", "target_media": "share of organising",
    "outrage": "grievance per unit witnessed", "anger_memory": "retained " + _PER_STEP,
    "reform_goal": "reform / maximalist", "armed_capacity": "share of would-be fighters",
    "security_loyalty": _LEVEL, "defect_below": "loyalty (0-1)",
    "moral_cost": "loyalty " + _PER_STEP, "peer_influence": "loyalty " + _PER_STEP,
    "threat_cohesion": "loyalty " + _PER_STEP, "repression": _LEVEL, "learning": _LEVEL,
    "pillar_loyalty": _LEVEL, "patronage": _LEVEL,
    "weight_police": "relative weight", "weight_military": "relative weight",
    "weight_civil_service": "relative weight", "weight_business": "relative weight",
    "weight_clergy": "relative weight", "weight_media": "relative weight",
    "media_freedom": _LEVEL, "erosion": "loyalty " + _PER_STEP,
    "backfire": "loss per share repressed", "responsiveness": _LEVEL, "intervention": _LEVEL,
    "backfire_on": _SWITCH, "pillar_erosion_on": _SWITCH, "defection_on": _SWITCH,
    "radical_flank_on": _SWITCH, "threshold_on": _SWITCH, "radicalisation_on": _SWITCH,
    "views_on": _SWITCH, "arms_needed_on": _SWITCH, "armed_conflict_on": _SWITCH,
    "adaptive_regime": _SWITCH, "run_to_horizon": _SWITCH, "fixed_legitimacy": _SWITCH,
})

#: Each parameter's group, from GROUPS.
GROUP_OF: MappingProxyType[str, str] = MappingProxyType(
    {name: group for group, names in GROUPS.items() for name in names})

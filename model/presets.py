"""Named parameter settings: Epstein's Model 1 and one typical setting per outcome."""

from __future__ import annotations

from typing import Any

from .params import Params

#: Epstein (2002) Model 1: every new mechanism off, legitimacy fixed, officers that
#: arrest one active in vision per step (repression 0.5 = full arrests, no killing),
#: densities and vision of Mesa's bundled epstein_civil_violence example.
EPSTEIN = {
    "citizen_density": 0.7, "security_density": 0.074, "citizen_vision": 7,
    "security_vision": 7, "legitimacy": 0.8, "active_threshold": 0.1,
    "arrest_constant": 2.3, "max_jail_term": 30, "jail_capacity": 1.0, "repression": 0.5,
    "learning": 0.0,
    "dispersed_share": 0.0, "backfire_on": False, "pillar_erosion_on": False,
    "defection_on": False, "radical_flank_on": False, "threshold_on": False,
    "radicalisation_on": False, "adaptive_regime": False, "fixed_legitimacy": True,
    "max_steps": 300,
    # The re-specified mobilisation off: one common threshold, risk from round(S/A), no
    # opposition signal, no fatigue, one shared legitimacy, violence without arms or war.
    "round_risk": True, "threshold_spread": 0.0, "opposition_signal": 0.0, "fatigue": 0.0,
    "legitimacy_spread": 0.0, "views_on": False, "arms_needed_on": False,
    "armed_conflict_on": False,
}

#: One setting per outcome, each the most common outcome there (tests/test_statistical.py).
SUCCESS = {  # a disciplined mass movement against a regime of low legitimacy
    "legitimacy": 0.6, "security_loyalty": 0.7, "repression": 0.5, "discipline": 0.9,
    "learning": 0.1,
}
STALLED = {  # a tolerant, cohesive regime that never concedes: protest changes little
    "legitimacy": 0.8, "security_loyalty": 0.95, "pillar_loyalty": 0.95, "repression": 0.05,
    "learning": 0.5, "responsiveness": 0.0,
}
SUPPRESSED = {  # a legitimate, repressive and experienced regime
    "legitimacy": 0.86, "security_loyalty": 0.9, "repression": 0.85, "learning": 0.6,
}
VIOLENT = {  # lethal repression of an undisciplined movement by loyal forces
    "legitimacy": 0.6, "security_loyalty": 0.9, "repression": 1.0, "discipline": 0.4,
    "learning": 0.6,
}

PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    "epstein": EPSTEIN,
    "success": SUCCESS,
    "stalled": STALLED,
    "suppressed": SUPPRESSED,
    "violent": VIOLENT,
}


def preset(name: str, **overrides: Any) -> Params:
    """Parameters of a named preset, with optional overrides.

    Raises:
        ValueError: for an unknown preset name.
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; allowed: {', '.join(PRESETS)}")
    return Params(**{**PRESETS[name], **overrides})

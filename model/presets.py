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
    "arrest_constant": 2.3, "max_jail_term": 30, "jail_capacity": 1.0, "repression": 0.5, "learning": 0.0,
    "dispersed_share": 0.0, "backfire_on": False, "pillar_erosion_on": False,
    "defection_on": False, "radical_flank_on": False, "threshold_on": False,
    "radicalisation_on": False, "adaptive_regime": False, "fixed_legitimacy": True,
    "max_steps": 300,
}

PRESETS: dict[str, dict[str, Any]] = {
    "default": {},
    "epstein": EPSTEIN,
}


def preset(name: str, **overrides: Any) -> Params:
    """Parameters of a named preset, with optional overrides.

    Raises:
        ValueError: for an unknown preset name.
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; allowed: {', '.join(PRESETS)}")
    return Params(**{**PRESETS[name], **overrides})

"""Agent-based model of civil resistance campaigns (Mesa).

Public interface: `CivilResistanceModel`, `Params`, the presets and the outcome
classifier.
"""

from .agents import Citizen, Pillar, Regime, SecurityForce
from .model import CivilResistanceModel
from .outcome import OUTCOMES, Thresholds, classify
from .params import Params
from .presets import PRESETS, preset

__all__ = [
    "OUTCOMES", "PRESETS", "Citizen", "CivilResistanceModel", "Params", "Pillar",
    "Regime", "SecurityForce", "Thresholds", "classify", "preset",
]

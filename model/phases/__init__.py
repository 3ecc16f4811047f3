"""The model's step, phase by phase: one mixin per actor, combined by CivilResistanceModel.

Each phase reads and writes the model's state arrays (model.state) and applies the
pure rules of model.rules to all agents of a kind at once.
"""

from .citizens import CitizenPhases
from .conflict import ConflictPhases
from .regime import RegimePhases
from .security import SecurityPhases

__all__ = ["CitizenPhases", "ConflictPhases", "RegimePhases", "SecurityPhases"]

"""The model's step, phase by phase: one mixin per actor, combined by the batch engine.

Each phase reads and writes the batch's state arrays (model.state, a leading replicate
axis) in place and applies the pure rules of model.rules to all agents of a kind, in
every replicate, at once. model.engine.Batch mixes them in.
"""

from .citizens import CitizenPhases
from .conflict import ConflictPhases
from .regime import RegimePhases
from .security import SecurityPhases

__all__ = ["CitizenPhases", "ConflictPhases", "RegimePhases", "SecurityPhases"]

"""Agent-based model of civil resistance campaigns (Mesa).

Public interface: `CivilResistanceModel`, `Params`, `run_campaigns` (many campaigns in
batches), the presets and the outcome classifier.
"""

from .agents import Citizen, Pillar, Regime, SecurityForce
from .batch_run import run_campaigns
from .model import CivilResistanceModel
from .outcome import OUTCOMES, Thresholds, classify
from .params import Params
from .presets import PRESETS, preset
from .summary import RUN_COLUMNS, RunSummary
from .vocabulary import CitizenState

__all__ = [
    "OUTCOMES", "PRESETS", "RUN_COLUMNS", "Citizen", "CitizenState", "CivilResistanceModel",
    "Params", "Pillar", "Regime", "RunSummary", "SecurityForce", "Thresholds", "classify",
    "preset", "run_campaigns",
]

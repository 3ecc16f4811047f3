"""Agent-based model of civil resistance campaigns (Mesa).

Public interface: `CivilResistanceModel`, `Params`, `run_campaigns` (many campaigns in
batches), the presets and the outcome classifier.
"""

from .agents import Citizen, Pillar, Regime, SecurityForce
from .batch_run import run_campaigns
from .model import CivilResistanceModel
from .outcome import Thresholds, classify
from .params import Params
from .presets import PRESETS, preset
from .summary import RUN_COLUMNS, RunSummary
from .vocabulary import REMOVED, CitizenState, Outcome, PillarName

__all__ = [
    "PRESETS", "RUN_COLUMNS", "Citizen", "CitizenState", "CivilResistanceModel", "Outcome",
    "Params", "Pillar", "PillarName", "Regime", "RunSummary", "SecurityForce", "Thresholds",
    "classify", "preset", "run_campaigns",
]


def __getattr__(name: str) -> object:
    """A removed name raises one line saying what to use instead (vocabulary.REMOVED)."""
    if name in REMOVED:
        raise ImportError(REMOVED[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

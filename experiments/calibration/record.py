"""Which catalogue cases the model's calibration used: read by `civres compare`.

`civres compare` scores the cases used in calibration apart from the others, and says
which they were. This is the one place it learns them from: the committed
calibration's summary (results/calibration/calibration.json, key `training_cases`).
"""

from __future__ import annotations

import json
from pathlib import Path

from civres.paths import COMMITTED_CALIBRATION

CALIBRATION_SUMMARY = COMMITTED_CALIBRATION / "calibration.json"


def calibration_cases(summary: Path = CALIBRATION_SUMMARY) -> frozenset[str]:
    """The ids of the catalogue cases the committed calibration was fitted to.

    The calibration's targets are the published aggregate facts over sampled campaigns;
    it records the catalogue cases it used (none so far) under `training_cases`. Without
    a committed calibration, or a summary without that key, none.
    """
    try:
        recorded = json.loads(summary.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    return frozenset(recorded.get("training_cases", []))

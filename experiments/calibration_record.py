"""Which catalogue cases the model's calibration used: read by `civres compare`.

`civres compare` scores the cases used in calibration apart from the others, and says
which they were. This is the one place it learns them from.
"""

from __future__ import annotations


def calibration_cases() -> frozenset[str]:
    """The ids of the catalogue cases the model's calibration was fitted to.

    No calibration has been committed yet, so none: every case is scored as not used.
    The calibration (issue 11, being written) will fill this from its committed record
    of the cases it used.
    """
    return frozenset()

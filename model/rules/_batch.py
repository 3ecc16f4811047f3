"""Shape helpers shared by the rules (private: not exported by `from civres.model import rules`)."""

from __future__ import annotations

import numpy as np


def scalar_or_array(value):
    """A 0-d result as a Python float, anything larger as the array itself.

    Rules that once returned a Python float for scalar inputs still do (the engine keeps
    such values in its state and reports them), while a batch of replicates gets its
    array back.
    """
    value = np.asarray(value)
    return float(value) if value.ndim == 0 else value


def per_pillar(value):
    """A per-replicate value (B,) as (B, 1), so that it broadcasts against (B, 6).

    A scalar is returned as it is.
    """
    return np.asarray(value)[..., np.newaxis] if np.ndim(value) else value

"""The parameters of a batch of campaigns: one value per replicate, or one for all.

Campaigns can share a batch when they agree on its *shape* (`batch_key`): the grid,
the numbers of citizens and officers, the two visions and every switch. Everything
else (coefficients, the horizon, jail terms) may differ from row to row and is held as
an array of shape (B,); phases broadcast it against agents with `col`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from .params import Params

#: Integer parameters that fix a batch's arrays and box sums.
SHAPE_FIELDS = ("width", "height", "citizen_vision", "security_vision")


def agent_counts(p: Params) -> tuple[int, int]:
    """Citizens and officers a campaign places on its grid."""
    n_cells = p.width * p.height
    n_cit = round(p.citizen_density * n_cells)
    return n_cit, min(round(p.security_density * n_cells), n_cells - n_cit)


def _shared_fields() -> tuple[str, ...]:
    """The fields every member of a batch shares: its shape and its switches."""
    switches = tuple(f.name for f in dataclasses.fields(Params) if isinstance(f.default, bool))
    return SHAPE_FIELDS + switches


SHARED_FIELDS = _shared_fields()


def batch_key(p: Params) -> tuple:
    """Campaigns with the same key can be stepped in one batch."""
    return tuple(getattr(p, name) for name in SHARED_FIELDS) + agent_counts(p)


def col(values: Any) -> Any:
    """A per-replicate array (B,) as a column (B, 1), to broadcast over agents."""
    return values[:, None] if isinstance(values, np.ndarray) and values.ndim == 1 else values


class BatchParams:
    """Read-only parameters of a batch: `bp.legitimacy` is an array (B,), `bp.width` an int.

    Args:
        members: the replicates' Params, all with the same batch_key.

    Raises:
        ValueError: if two members differ in a shared field.
    """

    def __init__(self, members: Sequence[Params]) -> None:
        """Check that the members can share a batch; hold each field once."""
        if not members:
            raise ValueError("a batch needs at least one campaign")
        first = members[0]
        key = batch_key(first)
        for p in members[1:]:
            if batch_key(p) != key:
                diff = [n for n in SHARED_FIELDS if getattr(p, n) != getattr(first, n)]
                raise ValueError("campaigns in one batch must share their grid, agent counts, "
                                 f"visions and switches (differ: {', '.join(diff) or 'counts'})")
        self.members = tuple(members)
        self.size = len(members)
        self.n_citizens, self.n_security = agent_counts(first)
        values: dict[str, Any] = {}
        for name in Params.field_names():
            if name in SHARED_FIELDS:
                values[name] = getattr(first, name)
            else:
                values[name] = np.array([getattr(p, name) for p in members])
        # What each regime rests on (B, 6): its pillars' weights, in PillarName's order.
        values["pillar_weights"] = np.array([p.pillar_weights() for p in members])
        # Where the movement organises (B, 6): its targeting share per pillar.
        values["pillar_targets"] = np.array([p.pillar_targets() for p in members])
        self._values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def take(self, rows: np.ndarray) -> BatchParams:
        """The parameters of the replicates `rows`."""
        return BatchParams([self.members[i] for i in rows])

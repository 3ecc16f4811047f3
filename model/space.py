"""Grid arithmetic on flat cell indices, for a batch of grids.

Neighbourhood sums, maps of agents, and movement. Cells are numbered `x * height + y`,
so a map of one grid is an array of shape (width, height) and a Mesa coordinate (x, y)
maps to one flat index. A batch holds one
grid per replicate: maps have shape (B, ..., width, height) and positions (B, N). What
agents perceive within their vision is computed for all cells at once with separable
box filters on a torus (the Moore neighbourhood of radius r is a (2r+1)^2 box).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d

from . import streams
from .streams import Site

#: Proposals per step an agent gets to find a free cell when moving.
MOVE_TRIES = 4
_BITS21 = np.uint64((1 << 21) - 1)


def box_sum(maps: np.ndarray, radius: int) -> np.ndarray:
    """Sum of each map over the Moore neighbourhood of every cell (torus).

    Args:
        maps: array of shape (..., width, height); leading axes are separate maps.
        radius: vision radius r; the box is (2r+1) x (2r+1), centre included.

    Returns:
        Array of the same shape with the box sums.
    """
    size = 2 * radius + 1
    out = uniform_filter1d(maps, size, axis=-1, mode="wrap")
    out = uniform_filter1d(out, size, axis=-2, mode="wrap")
    return out * (size * size)


def scatter(values, positions: np.ndarray, where: np.ndarray,
            shape: tuple[int, int]) -> np.ndarray:
    """Maps (B, width, height) holding `values` at the flat `positions` where `where`.

    One agent per cell, so assignment is enough. Agents left out (and the dead, at -1)
    are sent to a spare cell past the grid's end, which is dropped.
    """
    batch = positions.shape[0]
    n_cells = shape[0] * shape[1]
    grid = np.zeros((batch, n_cells + 1))
    target = np.where(where, positions, n_cells)
    np.put_along_axis(grid, target, np.broadcast_to(values, target.shape), axis=-1)
    return grid[:, :n_cells].reshape(batch, *shape)


def gather(maps: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Values of maps (B, K, width, height) at each agent's cell: shape (K, B, N).

    The dead (position -1) read a real cell; callers mask them out.
    """
    batch, k = maps.shape[:2]
    flat = maps.reshape(batch, k, -1)
    index = np.broadcast_to(np.maximum(positions, 0)[:, None, :], (batch, k, positions.shape[1]))
    return np.moveaxis(np.take_along_axis(flat, index, axis=-1), 1, 0)


def move(
    keys: np.ndarray,
    step: int,
    positions: np.ndarray,
    movers: np.ndarray,
    radii: np.ndarray,
    occupied: np.ndarray,
    shape: tuple[int, int],
) -> np.ndarray:
    """Move each mover to a random free cell within its vision, if it finds one.

    Each mover proposes a random cell in its (2r+1)^2 box; proposals onto free cells
    win, one per cell, the lowest random priority first; losers try again, up to
    MOVE_TRIES times. This is Epstein's "move to a random empty site within vision",
    done for all agents of all replicates at once.

    Args:
        keys: the replicates' stream keys (B, 1); draws are keyed by (step, try, agent).
        step: the model's step.
        positions: flat cell index of every agent (B, A); agent a draws with index a.
        movers: which agents move (B, A).
        radii: vision radius of each agent (A,).
        occupied: flat boolean occupancy (B, cells), updated in place.
        shape: (width, height).

    Returns:
        The agents' new flat positions (B, A); those that do not move keep theirs.
    """
    width, height = shape
    n_cells = width * height
    positions = positions.copy()
    batch = positions.shape[0]
    pending = movers.copy()
    for attempt in range(MOVE_TRIES):
        if not pending.any():
            break
        b, a = np.nonzero(pending)
        # One 64-bit draw per proposal: 21 bits for each step and 22 for the priority.
        draw = streams.bits(keys[b, 0], step, Site.MOVE + attempt, a)
        span = 2 * radii[a] + 1
        dx = (draw & _BITS21).astype(np.int64) * span >> 21
        dy = ((draw >> np.uint64(21)) & _BITS21).astype(np.int64) * span >> 21
        x, y = np.divmod(positions[b, a], height)
        target = ((x + dx - radii[a]) % width) * height + (y + dy - radii[a]) % height
        free = ~occupied[b, target]
        b, a, target, draw = b[free], a[free], target[free], draw[free]
        # The lowest priority among the proposals for a cell wins it; the agent's index
        # in the low bits breaks ties, so exactly one proposal wins each cell.
        priority = ((draw >> np.uint64(42)).astype(np.int64) << 22) | a
        cell = b * n_cells + target
        best = np.full(batch * n_cells, np.iinfo(np.int64).max)
        np.minimum.at(best, cell, priority)
        won = priority == best[cell]
        b, a, target = b[won], a[won], target[won]
        occupied[b, positions[b, a]] = False
        occupied[b, target] = True
        positions[b, a] = target
        pending[b, a] = False
    return positions

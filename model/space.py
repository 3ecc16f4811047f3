"""Grid arithmetic on flat cell indices: neighbourhood sums and movement.

Cells are numbered `x * height + y`, so a map of the grid is an array of shape
(width, height) and a Mesa coordinate (x, y) maps to one flat index. What agents
perceive within their vision is computed for all cells at once with separable box
filters on a torus (the Moore neighbourhood of radius r is a (2r+1)^2 box).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d

#: Proposals per step an agent gets to find a free cell when moving.
MOVE_TRIES = 4


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


def scatter(values: np.ndarray, positions: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A (width, height) map holding `values` at flat `positions` (one agent per cell)."""
    grid = np.zeros(shape[0] * shape[1], dtype=float)
    grid[positions] = values
    return grid.reshape(shape)


def move(
    rng: np.random.Generator,
    positions: np.ndarray,
    radii: np.ndarray,
    occupied: np.ndarray,
    shape: tuple[int, int],
) -> np.ndarray:
    """Move each agent to a random free cell within its vision, if it finds one.

    Each agent proposes a random cell in its (2r+1)^2 box; proposals onto free cells
    win, one per cell, in random order; losers try again, up to MOVE_TRIES times. This
    is Epstein's "move to a random empty site within vision", done for all at once.

    Args:
        rng: the model's generator.
        positions: flat cell index of each mover.
        radii: vision radius of each mover.
        occupied: flat boolean occupancy of all cells, updated in place.
        shape: (width, height).

    Returns:
        The movers' new flat positions.
    """
    width, height = shape
    positions = positions.copy()
    pending = np.arange(len(positions))
    for _ in range(MOVE_TRIES):
        if pending.size == 0:
            break
        r = radii[pending]
        dx = rng.integers(-r, r + 1)
        dy = rng.integers(-r, r + 1)
        x, y = np.divmod(positions[pending], height)
        target = ((x + dx) % width) * height + (y + dy) % height
        free = ~occupied[target]
        order = rng.permutation(np.flatnonzero(free))
        _, first = np.unique(target[order], return_index=True)
        winners = order[first]
        movers = pending[winners]
        occupied[positions[movers]] = False
        occupied[target[winners]] = True
        positions[movers] = target[winners]
        moved = np.zeros(len(pending), dtype=bool)
        moved[winners] = True
        pending = pending[~moved]
    return positions

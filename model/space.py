"""Grid arithmetic on flat cell indices, for a batch of grids.

Neighbourhood sums, maps of agents, and movement. Cells are numbered `x * height + y`,
so a map of one grid is an array of shape (width, height) and a Mesa coordinate (x, y)
maps to one flat index. A batch holds one grid per replicate: maps have shape
(B, ..., width, height) and positions (B, N). What agents perceive within their vision
is computed for all cells at once: the Moore neighbourhood of radius r on a torus is a
(2r+1)^2 box, and a box sum is a product with a banded circulant matrix on each side.

Indexing is done with flat integer indices (`np.flatnonzero`, `take`) rather than
boolean masks or `take_along_axis`: on a batch the former are several times faster.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.ndimage import uniform_filter1d

from . import streams
from .streams import Site

#: Proposals per step an agent gets to find a free cell when moving.
MOVE_TRIES = 4
_BITS21 = np.uint64((1 << 21) - 1)
_NOBODY = np.iinfo(np.int64).max


@functools.lru_cache(maxsize=32)
def _band(n: int, radius: int) -> np.ndarray:
    """(n, n) float32 matrix with 1 where two cells of a ring of n are within `radius`."""
    gap = (np.arange(n)[:, None] - np.arange(n)[None, :]) % n
    band = ((gap <= radius) | (gap >= n - radius)).astype(np.float32)
    band.flags.writeable = False
    return band


def box_count(maps: np.ndarray, radius: int) -> np.ndarray:
    """Exact box sums of integer-valued maps (counts, integer weights) on a torus.

    Two products with banded circulant matrices in float32. While every box sum is an
    integer below 2^24 (for 0/1 maps, boxes under 2^24 cells; the repression events,
    weights 1 and 5, far less), every product and partial sum is exact: the result does
    not depend on the order the BLAS sums in, so it is the same on every machine and
    array library, and it is several times faster than running-sum filters.

    Args:
        maps: integer-valued array (..., width, height); leading axes are separate maps.
        radius: vision radius r; the box is (2r+1) x (2r+1), centre included.

    Returns:
        float32 array of the same shape with the box sums.
    """
    *lead, width, height = maps.shape
    flat = maps.astype(np.float32, copy=False).reshape(-1, width, height)
    # Empty maps (nobody violent, no events this step) have empty box sums: skip them.
    live = np.flatnonzero(flat.reshape(len(flat), -1).any(axis=1))
    if live.size == len(flat):
        return _box_products(flat, radius).reshape(maps.shape)
    out = np.zeros(flat.shape, dtype=np.float32)
    if live.size:
        out[live] = _box_products(flat[live], radius)
    return out.reshape(maps.shape)


def _box_products(maps: np.ndarray, radius: int) -> np.ndarray:
    """Box sums of float32 maps (N, width, height): one product per axis."""
    count, width, height = maps.shape
    rows = maps.reshape(-1, height) @ _band(height, radius)
    return np.matmul(_band(width, radius), rows.reshape(count, width, height))


def box_sum(maps: np.ndarray, radius: int) -> np.ndarray:
    """Sum of real-valued maps over the Moore neighbourhood of every cell (torus).

    For maps of real values (not counts): two passes of a running-sum filter, whose
    rounding is fixed by scipy's C loop rather than by a BLAS's summation order.

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


def _marked_cells(positions: np.ndarray, where: np.ndarray, n_cells: int,
                  maps_per_row: int = 1, layer: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The selected living agents (flat entries of (B, N)) and their cells in flat maps.

    Maps are laid out (B, maps_per_row, n_cells); an agent of row b marks map `layer` of
    its row. The dead (at -1) are never selected.
    """
    marked = np.flatnonzero(where & (positions >= 0))
    row = marked // positions.shape[1]
    return marked, (row * maps_per_row + layer) * n_cells + positions.reshape(-1)[marked]


def scatter(values, positions: np.ndarray, where: np.ndarray,
            shape: tuple[int, int]) -> np.ndarray:
    """Maps (B, width, height) holding `values` at the flat `positions` where `where`.

    One agent per cell, so assignment is enough; agents left out and the dead leave 0.
    """
    batch = positions.shape[0]
    n_cells = shape[0] * shape[1]
    grid = np.zeros(batch * n_cells)
    marked, cells = _marked_cells(positions, where, n_cells)
    grid[cells] = np.broadcast_to(values, positions.shape).reshape(-1)[marked]
    return grid.reshape(batch, *shape)


def agent_maps(layers, shape: tuple[int, int], extra: np.ndarray | None = None) -> np.ndarray:
    """Count maps (B, K, width, height), float32: 1 where an agent of layer k stands.

    Args:
        layers: K pairs (positions (B, N), where (B, N)): the agents each map marks.
        shape: (width, height).
        extra: optional integer-valued maps (B, E, width, height) appended after them.
    """
    batch = layers[0][0].shape[0]
    n_cells = shape[0] * shape[1]
    k = len(layers) + (0 if extra is None else extra.shape[1])
    maps = np.zeros((batch, k, n_cells), dtype=np.float32)
    flat = maps.reshape(-1)
    for layer, (positions, where) in enumerate(layers):
        flat[_marked_cells(positions, where, n_cells, k, layer)[1]] = 1.0
    maps = maps.reshape(batch, k, *shape)
    if extra is not None:
        maps[:, len(layers):] = extra
    return maps


def gather(maps: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Values of maps (B, K, width, height) at each agent's cell: shape (K, B, N).

    The dead (position -1) read a real cell; callers mask them out.
    """
    batch, k = maps.shape[:2]
    n_cells = maps.shape[2] * maps.shape[3]
    flat = np.ascontiguousarray(maps).reshape(-1)
    start = (np.arange(batch)[None, :] * k + np.arange(k)[:, None]) * n_cells
    return flat[start[:, :, None] + np.maximum(positions, 0)[None]]


def _wrap(coordinate: np.ndarray, size: int) -> np.ndarray:
    """Coordinates in [-size, 2 * size) brought onto the ring [0, size) (faster than %)."""
    return coordinate + size * ((coordinate < 0).astype(np.int64) - (coordinate >= size))


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
    batch, agents = positions.shape
    positions = positions.copy()
    at = positions.reshape(-1)
    taken = occupied.reshape(-1)  # a view when occupied is contiguous; copied back if not
    key_of_row = keys[:, 0]
    pending = np.flatnonzero(movers)  # entries b * agents + a
    best = np.full(batch * n_cells, _NOBODY)
    for attempt in range(MOVE_TRIES):
        if pending.size == 0:
            break
        b = pending // agents
        a = pending - b * agents
        # One 64-bit draw per proposal: 21 bits for each step and 22 for the priority.
        draw = streams.bits(key_of_row[b], step, Site.MOVE + attempt, a)
        r = radii[a]
        span = 2 * r + 1
        here = at[pending]
        x = here // height
        y = here - x * height
        x += ((draw & _BITS21).astype(np.int64) * span >> 21) - r
        y += (((draw >> np.uint64(21)) & _BITS21).astype(np.int64) * span >> 21) - r
        row = b * n_cells
        cell = row + _wrap(x, width) * height + _wrap(y, height)
        free = np.flatnonzero(~taken[cell])
        cell, draw, a = cell[free], draw[free], a[free]
        # The lowest priority among the proposals for a cell wins it; the agent's index
        # in the low bits breaks ties, so exactly one proposal wins each cell.
        priority = ((draw >> np.uint64(42)).astype(np.int64) << 22) | a
        np.minimum.at(best, cell, priority)
        won = np.flatnonzero(priority == best[cell])
        best[cell] = _NOBODY
        winners = free[won]
        entry, cell, row = pending[winners], cell[won], row[winners]
        taken[row + at[entry]] = False
        taken[cell] = True
        at[entry] = cell - row
        left = np.ones(pending.size, dtype=bool)
        left[winners] = False
        pending = pending[np.flatnonzero(left)]
    if not np.shares_memory(taken, occupied):
        occupied[...] = taken.reshape(occupied.shape)
    return positions

"""The batched grid kernels against brute force: exact box counts, agent maps, movement.

`box_count` replaced running-sum filters with banded matrix products in float32 because
integer sums below 2^24 are exact in any order of summation; these tests hold it to
that: equality with a brute-force count over the torus, not closeness.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civres.model import streams
from civres.model.space import agent_maps, box_count, box_sum, gather, move


def brute_box(grid: np.ndarray, radius: int) -> np.ndarray:
    """Sum over the Moore neighbourhood of every cell of a torus, cell by cell."""
    width, height = grid.shape
    out = np.zeros_like(grid)
    for x in range(width):
        for y in range(height):
            cells = {((x + dx) % width, (y + dy) % height)
                     for dx in range(-radius, radius + 1) for dy in range(-radius, radius + 1)}
            out[x, y] = sum(grid[c] for c in cells)
    return out


@settings(max_examples=40, deadline=None)
@given(width=st.integers(1, 9), height=st.integers(1, 9), data=st.data())
def test_box_count_equals_a_brute_force_count_exactly(width, height, data):
    radius = data.draw(st.integers(0, (min(width, height) - 1) // 2))
    values = data.draw(st.lists(st.integers(0, 5), min_size=width * height,
                                max_size=width * height))
    grid = np.array(values, dtype=float).reshape(width, height)
    got = box_count(grid, radius)
    assert got.dtype == np.float32
    assert np.array_equal(got.astype(float), brute_box(grid, radius))


def test_box_count_is_exact_where_the_running_sum_filter_rounds():
    rng = np.random.default_rng(0)
    maps = (rng.random((8, 3, 40, 40)) < 0.5).astype(float)
    counts = box_count(maps, 7)
    assert np.array_equal(counts, np.round(counts))            # whole numbers
    filtered = box_sum(maps, 7)
    assert not np.array_equal(filtered, np.round(filtered))    # the filter's do not
    assert counts == pytest.approx(filtered, abs=1e-9)
    assert np.array_equal(counts[5, 2], brute_box(maps[5, 2], 7))


def test_box_count_keeps_leading_axes_apart():
    one = np.zeros((2, 3, 5, 4))
    one[1, 2, 0, 0] = 1.0
    got = box_count(one, 1)
    assert got[1, 2].sum() == 9 and got[1, 2, 4, 3] == 1 and got[1, 2, 2, 2] == 0
    assert got[0].sum() == 0 and got[1, :2].sum() == 0


def test_agent_maps_mark_selected_living_agents_per_layer_and_append_extra_maps():
    positions = np.array([[0, 5, -1], [1, 2, 3]])
    where = np.array([[True, True, True], [False, True, True]])
    extra = np.arange(12.0).reshape(2, 1, 2, 3)
    maps = agent_maps([(positions, where), (positions[:, :1], ~where[:, :1])], (2, 3),
                      extra=extra)
    assert maps.shape == (2, 3, 2, 3) and maps.dtype == np.float32
    assert maps[0, 0].reshape(-1).tolist() == [1, 0, 0, 0, 0, 1]   # the dead (-1) unmarked
    assert maps[1, 0].reshape(-1).tolist() == [0, 0, 1, 1, 0, 0]
    assert maps[0, 1].sum() == 0 and maps[1, 1].reshape(-1).tolist() == [0, 1, 0, 0, 0, 0]
    assert np.array_equal(maps[:, 2:], extra)


def test_gather_of_box_counts_is_each_agents_own_neighbourhood():
    rng = np.random.default_rng(3)
    positions = np.stack([rng.permutation(36)[:10] for _ in range(3)])
    maps = agent_maps([(positions, np.ones_like(positions, bool))], (6, 6))
    seen = gather(box_count(maps, 1), positions)[0]
    for b in range(3):
        brute = brute_box(maps[b, 0].astype(float), 1)
        assert seen[b].tolist() == [brute[divmod(p, 6)] for p in positions[b]]


def test_move_fills_no_cell_twice_and_keeps_occupancy_in_step():
    rng = np.random.default_rng(5)
    batch, agents, shape = 4, 60, (10, 10)
    positions = np.stack([rng.permutation(100)[:agents] for _ in range(batch)])
    occupied = np.zeros((batch, 100), bool)
    np.put_along_axis(occupied, positions, True, axis=1)
    keys = np.array([[streams.seed_key(s)] for s in range(batch)], dtype=np.uint64)
    movers = rng.random((batch, agents)) < 0.7
    radii = np.full(agents, 2)
    new = move(keys, 1, positions, movers, radii, occupied, shape)
    for b in range(batch):
        assert len(set(new[b])) == agents                      # one agent per cell
        assert set(np.flatnonzero(occupied[b])) == set(new[b])  # occupancy follows
    assert np.array_equal(new[~movers], positions[~movers])    # only movers move
    moved = new != positions
    assert moved.any()
    # every move lands within vision (torus distance at most the radius on each axis)
    dx = np.abs(new // 10 - positions // 10)
    dy = np.abs(new % 10 - positions % 10)
    assert (np.minimum(dx, 10 - dx) <= 2).all() and (np.minimum(dy, 10 - dy) <= 2).all()


def test_move_writes_back_to_an_occupancy_array_that_is_not_contiguous():
    keys = np.array([[streams.seed_key(1)]], dtype=np.uint64)
    wide = np.zeros((1, 8), bool)
    occupied = wide[:, ::2]            # a strided view: cells 0..3 of a 4 x 1 torus
    occupied[0, 0] = True
    new = move(keys, 1, np.array([[0]]), np.ones((1, 1), bool), np.array([1]), occupied,
               (4, 1))
    assert new[0, 0] in (1, 3)
    assert occupied[0].tolist() == [i == new[0, 0] for i in range(4)]

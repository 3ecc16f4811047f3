"""The model's interface: Mesa structure, summary, trajectory, reproducibility."""

import numpy as np
import pandas as pd
import pytest

from model import Citizen, CivilResistanceModel, Params, Pillar, Regime, SecurityForce
from model.presets import preset
from model.space import MOVE_TRIES, box_sum, move, scatter
from model.vocabulary import CITIZEN_STATES, PILLAR_NAMES

SMALL = dict(width=20, height=20, max_steps=40)


def test_is_a_mesa_model_with_typed_agents_on_a_discrete_grid():
    from mesa import Model
    from mesa.discrete_space import OrthogonalMooreGrid

    m = CivilResistanceModel(Params(**SMALL), rng=1)
    assert isinstance(m, Model)
    assert isinstance(m.grid, OrthogonalMooreGrid)
    kinds = set(m.agents_by_type)
    assert {Citizen, SecurityForce, Regime, Pillar} <= kinds
    assert len(m.agents_by_type[Pillar]) == 6
    assert {p.name for p in m.agents_by_type[Pillar]} == set(PILLAR_NAMES)
    assert len(m.agents_by_type[Regime]) == 1


def test_agents_are_live_views_and_grid_follows_the_arrays():
    m = CivilResistanceModel(preset("success", width=20, height=20), rng=2)
    for _ in range(5):
        m.step()
    citizens = m.agents_by_type[Citizen]
    states = [a.state for a in citizens]
    assert set(states) <= set(CITIZEN_STATES)
    assert sum(s == "protesting" or s == "violent" for s in states) == round(
        m.trajectory().participation.iloc[-1] * (m.citizens.state != 4).sum())
    for agent in list(citizens)[:50] + list(m.agents_by_type[SecurityForce])[:20]:
        cell = agent.cell
        if cell is None:
            assert agent.state == "dead"
            continue
        x, y = cell.coordinate
        positions = m.citizens.pos if isinstance(agent, Citizen) else m.security.pos
        assert positions[agent.index] == x * m.shape[1] + y
        assert agent in cell.agents
    occupied = sum(len(cell.agents) for cell in m.grid.all_cells)
    assert occupied == int(m.occupied.sum())


def test_step_run_summary_and_trajectory():
    m = CivilResistanceModel(Params(**SMALL), rng=3)
    m.step()
    assert m.steps == 1
    summary = m.run()
    for key in ("outcome", "steps", "peak_participation", "peak_violent_share",
                "security_defected_share", "pillar_loyalty", "legitimacy", "arrests",
                "regime_fell"):
        assert key in summary
    assert summary["outcome"] in {"success", "stalled", "suppressed", "violent"}
    assert set(summary["pillar_loyalty"]) == set(PILLAR_NAMES)
    t = m.trajectory()
    assert isinstance(t, pd.DataFrame)
    assert len(t) == m.steps + 1 and list(t.step) == list(range(m.steps + 1))
    assert summary["peak_participation"] == pytest.approx(t.participation.max())


def test_run_stops_at_horizon():
    m = CivilResistanceModel(preset("suppressed", width=20, height=20, max_steps=15), rng=0)
    m.run()
    assert m.steps == 15 and not m.running


def test_same_seed_same_run_other_seed_other_run():
    p = preset("success", width=25, height=25, max_steps=60)
    a = CivilResistanceModel(p, rng=11)
    b = CivilResistanceModel(p, rng=11)
    c = CivilResistanceModel(p, rng=12)
    a.run(), b.run(), c.run()
    pd.testing.assert_frame_equal(a.trajectory(), b.trajectory())
    assert a.summary() == b.summary()
    assert not a.trajectory().equals(c.trajectory())


def test_population_counts_follow_densities():
    m = CivilResistanceModel(Params(width=20, height=20, citizen_density=0.5,
                                    security_density=0.05), rng=0)
    assert m.n_citizens == 200
    assert len(m.security.pos) == 20
    assert len(np.unique(np.concatenate([m.citizens.pos, m.security.pos]))) == 220


def test_stepping_past_the_horizon_keeps_recording():
    m = CivilResistanceModel(Params(width=12, height=12, citizen_vision=3, security_vision=3,
                                    max_steps=3), rng=0)
    m.run()
    for _ in range(5):
        m.step()
    assert len(m.trajectory()) == 9 and m.summary()["steps"] == 8


# ---------------------------------------------------------------- grid arithmetic (space)
def test_box_sum_literal_on_a_torus():
    grid = np.arange(16.0).reshape(4, 4)   # cell (x, y) holds 4x + y
    sums = box_sum(grid, 1)
    # (0, 0) sees rows 3, 0, 1 and columns 3, 0, 1 (wrapping): 40 + 4 + 16
    assert sums[0, 0] == pytest.approx(60.0)
    # (1, 1) sees rows 0-2, columns 0-2: 3 * (0 + 4 + 8) + 3 * (0 + 1 + 2) = 36 + 9
    assert sums[1, 1] == pytest.approx(45.0)
    # radius 0 is the cell itself; a box as large as the grid sees every cell once
    assert box_sum(grid, 0) == pytest.approx(grid)
    five = np.arange(25.0).reshape(5, 5)
    assert box_sum(five, 2) == pytest.approx(np.full((5, 5), five.sum()))


def test_box_sum_of_one_agent_marks_its_neighbourhood_and_stacks_maps():
    one = np.zeros((5, 4))
    one[0, 0] = 1.0
    seen = box_sum(np.stack([one, 2 * one]), 1)
    expected = np.zeros((5, 4))
    for x in (4, 0, 1):
        for y in (3, 0, 1):
            expected[x, y] = 1.0
    assert seen[0] == pytest.approx(expected, abs=1e-12)
    assert seen[1] == pytest.approx(2 * expected, abs=1e-12)  # leading axes kept apart


def test_scatter_places_values_at_flat_positions():
    assert scatter(np.array([1.0, 2.0]), np.array([0, 5]), (2, 3)).tolist() == [
        [1.0, 0.0, 0.0], [0.0, 0.0, 2.0]]
    assert scatter(1.0, np.array([4]), (2, 3)).tolist() == [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]]


def test_move_to_the_only_free_cell_and_nowhere_when_full():
    # a 2 x 1 torus: the agent at 0 can only go to 1 (a proposal of itself is refused)
    occupied = np.array([True, False])
    moved = move(np.random.default_rng(0), np.array([0]), np.array([1]), occupied, (2, 1))
    assert moved.tolist() == [1] and occupied.tolist() == [False, True]
    full = np.ones(9, dtype=bool)
    moved = move(np.random.default_rng(0), np.array([0, 4, 8]), np.array([1, 1, 1]), full,
                 (3, 3))
    assert moved.tolist() == [0, 4, 8] and full.all()


def test_move_radius_zero_stays_put():
    occupied = np.zeros(9, dtype=bool)
    occupied[4] = True
    moved = move(np.random.default_rng(1), np.array([4]), np.array([0]), occupied, (3, 3))
    assert moved.tolist() == [4] and np.flatnonzero(occupied).tolist() == [4]


def test_move_keeps_one_agent_per_cell_within_vision():
    rng = np.random.default_rng(3)
    width, height = 7, 6
    positions = rng.choice(width * height, size=25, replace=False)
    radii = rng.integers(1, 3, size=25)
    occupied = np.zeros(width * height, dtype=bool)
    occupied[positions] = True
    moves = []
    for _ in range(20):
        new = move(rng, positions, radii, occupied, (width, height))
        assert len(np.unique(new)) == len(new)                       # one per cell
        assert sorted(np.flatnonzero(occupied)) == sorted(new)       # occupancy follows
        old_x, old_y = np.divmod(positions, height)
        new_x, new_y = np.divmod(new, height)
        dx = np.minimum((new_x - old_x) % width, (old_x - new_x) % width)
        dy = np.minimum((new_y - old_y) % height, (old_y - new_y) % height)
        assert np.all(np.maximum(dx, dy) <= radii)                   # within vision
        moves.append((new != positions).mean())
        positions = new
    assert np.mean(moves) > 0.5                                      # and they do move
    assert MOVE_TRIES == 4

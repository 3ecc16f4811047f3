"""The model's interface: Mesa structure, summary, trajectory, reproducibility."""

import numpy as np
import pandas as pd
import pytest

from model import CivilResistanceModel, Citizen, Params, Pillar, Regime, SecurityForce
from model.vocabulary import CITIZEN_STATES, PILLAR_NAMES
from model.presets import preset

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

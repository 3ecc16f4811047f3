"""Checks by hand on small runs, where realistic bugs hid (issue 22).

Every trajectory column and every Mesa agent property recomputed from the arrays on a
run with killings; a non-square grid end to end (the Mesa grid, the agents' cells, the
app's image) with a citizen on cell 0 and dead citizens; the vision limit at its
boundary on even and odd grids; slider overrides with many decimals; max_batch.
"""

from __future__ import annotations

import numpy as np
import pytest

from civres.model import (
    Citizen,
    CivilResistanceModel,
    Params,
    PillarName,
    SecurityForce,
    preset,
    run_campaigns,
)
from civres.model.recorder import TRAJECTORY_COLUMNS
from civres.model.vocabulary import CITIZEN_STATES, PILLAR_NAMES, PUBLIC, CitizenState

#: A non-square grid (15 wide, 11 high) small enough to check every cell.
SHAPE = {"width": 15, "height": 11, "citizen_vision": 2, "security_vision": 2}
QUIET, PROTESTING, VIOLENT, JAILED, DEAD = (int(s) for s in CitizenState)


def violent_run(steps: int = 30) -> CivilResistanceModel:
    """The violent preset on the non-square grid, seed 0: it kills half the citizens."""
    return CivilResistanceModel(preset("violent", **SHAPE, max_steps=steps), rng=0)


def expected_row(m: CivilResistanceModel) -> dict[str, float]:
    """Each trajectory column of the model's current state, computed by hand."""
    state = m.citizens.state
    living = state != DEAD
    n_living = living.sum()
    protesting, violent = (state == PROTESTING).sum(), (state == VIOLENT).sum()
    pillars = m.regime_state.pillar_loyalty
    weights = np.array([p.weight for p in PillarName])
    row = {
        "step": m.engine.steps,
        "participation": (protesting + violent) / n_living,
        "participation_pct": (protesting + violent) / n_living
        * m.params.represented_share * 100,
        "protesting": protesting / n_living,
        "violent_share": violent / n_living,
        "jailed": (state == JAILED).sum() / n_living,
        "dead": (~living).sum() / len(state),
        "arrests": m.memory.arrests,
        "killings": m.memory.killings,
        "legitimacy": m.regime_state.legitimacy,
        "repression_level": m.regime_state.repression_level,
        "regime_support": float((pillars * weights).sum() / weights.sum()),
        "security_defected_share": m.security.defected.mean(),
        "security_loyalty": m.security.loyalty.mean(),
        "resources": m.regime_state.resources,
        "propaganda": m.regime_state.propaganda,
        "frustration": m.regime_state.frustration,
        # means over the living only: the dead neither tire nor hold views
        "fatigue": m.citizens.fatigue[living].mean(),
        "public_view": m.citizens.view[living].mean(),
        "demand_granted": float(m.regime_state.granted),
        "war_share": m.regime_state.war_share,
        "intervened": float(m.regime_state.intervened),
        "battle_deaths": m.memory.battle_deaths,
    }
    row.update({f"pillar_{name}": pillars[i] for i, name in enumerate(PILLAR_NAMES)})
    return row


def test_every_trajectory_column_by_hand_on_a_run_with_killings():
    m = violent_run()
    rows = [expected_row(m)]
    dead_before, counted = 0, []
    while m.running:
        m.step()
        rows.append(expected_row(m))
        dead_now = int((m.citizens.state == DEAD).sum())
        counted.append((dead_now - dead_before, rows[-1]["killings"] - rows[-2]["killings"]
                        + rows[-1]["battle_deaths"] - rows[-2]["battle_deaths"]))
        dead_before = dead_now
    t = m.trajectory()
    assert list(t.columns) == list(TRAJECTORY_COLUMNS) and len(t) == len(rows)
    for column in TRAJECTORY_COLUMNS:
        assert t[column].to_numpy() == pytest.approx([r[column] for r in rows],
                                                     rel=1e-12, abs=1e-12), column
    # the run is one to check by hand on: citizens died, and fatigue differs among the
    # living and the dead (a mean over everyone would be another number)
    assert t["killings"].iloc[-1] > 10 and t["dead"].iloc[-1] > 0.2
    living = m.citizens.state != DEAD
    assert m.citizens.fatigue[living].mean() != pytest.approx(m.citizens.fatigue.mean())
    # every death is a killing or a battle death, step by step; arrests never go down
    assert all(died == killed for died, killed in counted)
    assert (np.diff(t["arrests"]) >= 0).all()


def test_every_mesa_agent_property_reads_its_own_array():
    m = violent_run(steps=12)
    m.run()
    c, s, reg = m.citizens, m.security, m.regime_state
    for agent in m.agents_by_type[Citizen]:
        i = agent.index
        assert agent.state == CITIZEN_STATES[c.state[i]]
        assert (agent.hardship, agent.risk_aversion, agent.discipline, agent.anger) == (
            c.hardship[i], c.risk_aversion[i], c.discipline[i], c.anger[i])
        code = c.constituency[i]
        assert agent.constituency == ("public" if code == PUBLIC else PILLAR_NAMES[code])
        assert (agent.dispersed, agent.jail_term) == (bool(c.dispersed[i]), c.jail[i])
    # the arrays differ where a property could be read from the wrong one
    assert not np.allclose(c.hardship, c.risk_aversion)
    assert {a.state for a in m.agents_by_type[Citizen]} >= {"quiet", "dead"}
    for agent in m.agents_by_type[SecurityForce]:
        assert (agent.loyalty, agent.defected) == (s.loyalty[agent.index],
                                                   bool(s.defected[agent.index]))
    for pillar, kind in zip(m.pillars, PillarName, strict=True):
        assert (pillar.name, pillar.weight, pillar.economic_exposure) == (
            kind.value, getattr(m.params, f"weight_{kind}"), kind.exposure)
        assert pillar.loyalty == reg.pillar_loyalty[pillar.index]
    assert m.regime.pillars == dict(zip(PILLAR_NAMES, reg.pillar_loyalty.tolist(),
                                        strict=True))
    assert (m.regime.legitimacy, m.regime.repression_level, m.regime.resources,
            m.regime.propaganda) == (reg.legitimacy, reg.repression_level, reg.resources,
                                     reg.propaganda)


def test_a_non_square_grid_end_to_end_with_a_citizen_on_cell_0_and_the_dead():
    from civres.viz import drawing

    m = violent_run(steps=8)
    m.run()
    width, height = m.shape
    c, s = m.citizens, m.security
    # put a living citizen on cell 0 (x 0, y 0), swapping with whoever is there
    who = np.flatnonzero(c.state != DEAD)[0]
    holder = np.flatnonzero(np.concatenate([c.pos, s.pos]) == 0)
    if holder.size:
        h = int(holder[0])
        positions, j = (c.pos, h) if h < len(c.pos) else (s.pos, h - len(c.pos))
        positions[j] = c.pos[who]
    else:
        m.occupied[c.pos[who]], m.occupied[0] = False, True
    c.pos[who], c.state[who] = 0, PROTESTING
    m.sync_space()  # the arrays were moved by hand within the step: sync the Mesa grid
    dead = np.flatnonzero(c.state == DEAD)
    assert len(dead) > 0 and width != height
    # the Mesa grid: its shape, and every agent in the cell its flat index names
    assert m.grid.dimensions == (width, height)
    agents = [*m.agents_by_type[Citizen], *m.agents_by_type[SecurityForce]]
    assert len(agents) == len(c.pos) + len(s.pos)
    for agent in agents:
        flat = (c.pos if isinstance(agent, Citizen) else s.pos)[agent.index]
        if flat < 0:
            assert agent.cell is None
        else:
            assert agent.cell.coordinate == divmod(int(flat), height)
            assert agent in agent.cell.agents
    assert sum(len(cell.agents) for cell in m.grid.all_cells) == int(m.occupied.sum())
    # the app's image: every cell's colour, worked out from the arrays, x right and y up
    rgb = drawing.grid_rgb(m)
    assert rgb.shape == (height, width, 3)
    label = {QUIET: "quiet citizen", PROTESTING: "protesting (nonviolent)",
             VIOLENT: "violent", JAILED: "jailed"}
    expected = {flat: drawing.COLOURS[label[state]]
                for flat, state in zip(c.pos, c.state, strict=True) if flat >= 0}
    expected.update({flat: drawing.COLOURS["security, defected" if defected
                                           else "security, loyal"]
                     for flat, defected in zip(s.pos, s.defected, strict=True)})
    for x in range(width):
        for y in range(height):
            want = expected.get(x * height + y, drawing.COLOURS["empty"])
            assert tuple(rgb[height - 1 - y, x]) == want, (x, y)
    assert tuple(rgb[height - 1, 0]) == drawing.COLOURS["protesting (nonviolent)"]


@pytest.mark.parametrize("width, height, limit", [
    (10, 10, 4), (11, 11, 5), (10, 13, 4), (13, 10, 4), (12, 15, 5), (9, 20, 4)])
def test_vision_may_reach_the_limit_and_not_one_beyond(width, height, limit):
    # a box of radius r covers 2r + 1 cells: it must fit the shorter side without wrapping
    assert 2 * limit + 1 <= min(width, height) < 2 * (limit + 1) + 1
    for vision in ("citizen_vision", "security_vision"):
        other = "security_vision" if vision == "citizen_vision" else "citizen_vision"
        Params(width=width, height=height, **{vision: limit, other: 1})
        with pytest.raises(ValueError, match=rf"^{vision} must be at most {limit} on a "
                                             rf"{width}x{height} grid \(got {limit + 1}\)"):
            Params(width=width, height=height, **{vision: limit + 1, other: 1})


def test_a_slider_override_keeps_its_decimals():
    from civres.viz.adapter import build_params

    params, overrides = build_params("default", {"legitimacy": 0.4375,
                                                 "threshold_spread": 0.123456})
    assert params.legitimacy == 0.4375 and overrides["legitimacy"] == 0.4375
    assert params.threshold_spread == 0.123456
    # a slider's float noise beyond nine digits is dropped
    noisy, _ = build_params("default", {"legitimacy": 0.30000000004})
    assert noisy.legitimacy == 0.3


@pytest.mark.parametrize("max_batch", [0, -1, 1.5, True, "2"])
def test_max_batch_below_1_or_not_whole_is_one_line(max_batch):
    params = [Params(width=12, height=12, citizen_vision=2, security_vision=2, max_steps=3)]
    with pytest.raises(ValueError, match=r"^max_batch must be a whole number >= 1, or None"):
        run_campaigns(params * 2, [1, 2], max_batch=max_batch)


def test_max_batch_splits_batches_without_changing_a_run():
    params = [Params(width=12, height=12, citizen_vision=2, security_vision=2, max_steps=15,
                     legitimacy=legitimacy) for legitimacy in (0.3, 0.5, 0.7)]
    whole = run_campaigns(params, [4, 5, 6])
    assert run_campaigns(params, [4, 5, 6], max_batch=1) == whole
    assert run_campaigns(params, [4, 5, 6], max_batch=np.int64(2)) == whole

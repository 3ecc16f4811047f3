"""The model's interface: Mesa structure, summary, trajectory, reproducibility."""

import numpy as np
import pandas as pd
import pytest

from model import Citizen, CivilResistanceModel, Params, Pillar, Regime, SecurityForce, rules
from model.outcome import classify
from model.presets import preset
from model.recorder import TRAJECTORY_COLUMNS
from model.space import MOVE_TRIES, box_sum, move, scatter
from model.vocabulary import BUSINESS, CITIZEN_STATES, CIVIL_SERVICE, PILLAR_NAMES, PUBLIC

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
    t = m.trajectory()
    assert list(t.columns) == list(TRAJECTORY_COLUMNS)
    assert len(t) == m.steps + 1 and list(t.step) == list(range(m.steps + 1))
    # the summary reads the trajectory: peaks, the last row, counters, the verdict
    assert summary["steps"] == m.steps
    assert summary["peak_participation"] == t.participation.max()
    assert summary["peak_violent_share"] == t.violent_share.max()
    assert summary["regime_support"] == t.regime_support.iloc[-1]
    assert summary["legitimacy"] == t.legitimacy.iloc[-1]
    assert summary["arrests"] == t.arrests.iloc[-1] and summary["killings"] == t.killings.iloc[-1]
    assert summary["security_defected_share"] == t.security_defected_share.iloc[-1]
    assert summary["regime_fell"] == bool(t.regime_support.min() <= 0.5)
    assert summary["pillar_loyalty"] == {n: t[f"pillar_{n}"].iloc[-1] for n in PILLAR_NAMES}
    decision = classify({k: t[k].to_numpy() for k in t}, final=True)
    assert (summary["outcome"], summary["decided_step"]) == (decision.outcome, decision.step)


def test_counters_follow_the_citizens_states_step_by_step():
    m = CivilResistanceModel(preset("violent", width=20, height=20, max_steps=40), rng=1)
    previous = m.citizens.state.copy()
    while m.running:
        m.step()
        state, row = m.citizens.state, m.recorder.columns()
        alive = (state != 4).sum()
        was_free = previous <= 2
        jailed_now = (state == 3) & (previous != 3)
        # a term of 0 ends in the step it starts: such a citizen is quiet again
        released_at_once = was_free & (state == 0)
        killed_now = (state == 4) & (previous != 4)
        arrests = row["arrests"][-1] - row["arrests"][-2]
        assert jailed_now.sum() <= arrests <= jailed_now.sum() + released_at_once.sum()
        assert row["killings"][-1] - row["killings"][-2] == killed_now.sum()
        active = (state == 1) | (state == 2)
        assert row["participation"][-1] == pytest.approx(active.sum() / alive)
        assert row["violent_share"][-1] == pytest.approx((state == 2).sum() / alive)
        assert row["jailed"][-1] == pytest.approx((state == 3).sum() / alive)
        previous = state.copy()
    assert m.summary()["killings"] > 0 and m.summary()["arrests"] > 0


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


# ---------------------------------------------------------------- one phase, by hand
# A 5 x 5 torus, vision 1, the Epstein rules (no pull, no outrage), legitimacy 0.5 and
# hardship 1: grievance 0.5, threshold 0.1, risk aversion 1, k = 2.3, arrest rate 1.
# Citizens at (2,3), (1,3) and (4,0); officers at (2,2) and (4,2), so the first two
# citizens see the first officer and each other, the third sees nobody.
TINY = dict(width=5, height=5, citizen_vision=1, security_vision=1, citizen_density=0.12,
            security_density=0.08, legitimacy=0.5, movement=False)


def _tiny_model(citizen_states=(0, 0, 0), officers=(12, 22), defected=(False, False),
                dispersed=(False, False, False), **overrides):
    m = CivilResistanceModel(preset("epstein", **{**TINY, **overrides}), rng=0)
    c, s = m.citizens, m.security
    assert m.n_citizens == 3 and len(s.pos) == 2
    c.pos[:] = [13, 8, 20]
    s.pos[:] = officers
    m.occupied[:] = False
    m.occupied[[*c.pos, *s.pos]] = True
    c.hardship[:] = 1.0
    c.risk_aversion[:] = 1.0
    c.dispersed[:] = dispersed
    c.state[:] = citizen_states
    s.defected[:] = defected
    return m


@pytest.mark.parametrize("setting, expected", [
    # alone with an officer: P = 1 - e^-2.3 = 0.90 > 0.5 - 0.1: quiet; unseen: acts
    ({}, ["protesting" if i == 2 else "quiet" for i in range(3)]),
    # a fellow protester in view: 1 officer / 2 actives rounds to 0, no risk: acts; the
    # protester herself counts once (1 / 1): deterred back to quiet
    ({"citizen_states": (0, 1, 0)}, ["protesting", "quiet", "protesting"]),
    # a defected officer beside the loyal one shields the crowd: no deterrent
    ({"officers": (12, 7), "defected": (False, True)}, ["protesting"] * 3),
    # dispersed tactics cut the risk by 0.7: 0.5 - 0.27 > 0.1
    ({"dispersed": (True, False, False)}, ["protesting", "quiet", "protesting"]),
])
def test_citizens_decide_counts_officers_and_actives_in_vision(setting, expected):
    m = _tiny_model(**setting)
    m._citizens_decide()
    assert [CITIZEN_STATES[s] for s in m.citizens.state] == expected


def test_citizens_remember_repression_they_witness():
    # last step: one nonviolent arrest at (2,3) and a killing of a violent citizen's
    # weight 2 at (1,3); the first two citizens see both cells and each other
    m = _tiny_model(anger_memory=0.9)
    m._events[0, 2, 3] = 1.0
    m._events[1, 2, 3] = 1.0
    m._events[1, 1, 3] = 2.0
    m.citizens.outrage[:] = 0.5
    m.citizens.anger[:] = 0.5
    m._citizens_decide()
    # outrage 0.9 * 0.5 + 1 / 2 present; anger 0.9 * 0.5 + 3 / 2; unseen: only decays
    assert m.citizens.outrage == pytest.approx([0.95, 0.95, 0.45])
    assert m.citizens.anger == pytest.approx([1.95, 1.95, 0.45])


def test_propaganda_absorbs_outrage():
    # grievance 0.5 + outrage 1 * memory 0.95 * (1 - propaganda 0.5) = 0.975; the risk
    # 0.8997 leaves 0.075 < 0.1: quiet. Without the propaganda factor: 1.45, acts
    m = _tiny_model(backfire_on=True, outrage=1.0, anger_memory=0.9)
    m._events[0, 2, 3] = m._events[1, 2, 3] = 1.0
    m.citizens.outrage[:] = 0.5
    m.regime_state.propaganda = 0.5
    m._citizens_decide()
    assert CITIZEN_STATES[m.citizens.state[0]] == "quiet"
    m.regime_state.propaganda = 0.0
    m.citizens.state[:] = 0
    m._citizens_decide()   # outrage now 0.9 * 0.95 + 0.5 (events kept): 1.355 > 1
    assert CITIZEN_STATES[m.citizens.state[0]] == "protesting"


class FixedDraws:
    """Stands in for the model's generator in one phase: given uniforms, no shuffling,
    the longest jail term, and noise of exactly one standard deviation."""

    def __init__(self, *uniforms):
        self.uniforms = [np.asarray(u, dtype=float) for u in uniforms]

    def random(self, size):
        draw = self.uniforms.pop(0)
        assert draw.shape == (size,)
        return draw

    def permutation(self, x):
        return np.asarray(x)

    def integers(self, low, high, size):
        return np.full(size, high - 1)

    def normal(self, loc, scale, size):
        return np.full(size, loc + scale)


def _repress(m, caught, killed):
    m.rng = FixedDraws(caught, killed)   # the phase draws arrests, then killings
    m._security_repress()
    return [CITIZEN_STATES[s] for s in m.citizens.state]


@pytest.mark.parametrize("learning, uniform, expected", [
    # one officer sees one active: hazard = rate 1 x (1 + learning) / 1 visible
    (0.0, 0.6, "jailed"),      # P = 1 - e^-1 = 0.632
    (0.0, 0.65, "protesting"),
    (1.0, 0.85, "jailed"),     # learning doubles the capacity: P = 1 - e^-2 = 0.865
    (1.0, 0.87, "protesting"),
])
def test_officers_arrest_with_their_capacity(learning, uniform, expected):
    m = _tiny_model(citizen_states=(1, 0, 0), learning=learning)
    assert _repress(m, [uniform], [0.99])[0] == expected
    assert m.summary()["arrests"] == (expected == "jailed")
    if expected == "jailed":
        assert m.citizens.jail[0] == 30   # terms U{0..30}: the longest is 30


def test_dispersed_actives_are_harder_to_see():
    # the officer sees a dispersed protester (visibility 0.3) and a concentrated one (1):
    # hazard 1 / 1.3 each; P = 1 - e^-(0.3 / 1.3) = 0.206 and 1 - e^-(1 / 1.3) = 0.537
    m = _tiny_model(citizen_states=(1, 1, 0), dispersed=(True, False, False))
    assert _repress(m, [0.21, 0.53], [0.99, 0.99])[:2] == ["protesting", "jailed"]
    m = _tiny_model(citizen_states=(1, 1, 0), dispersed=(True, False, False))
    assert _repress(m, [0.2, 0.54], [0.99, 0.99])[:2] == ["jailed", "protesting"]


def test_a_killing_in_a_crowd_weighs_five_arrests_and_backfires_by_publicity():
    m = _tiny_model(citizen_states=(1, 0, 0), repression=1.0)   # lethal share 0.2
    m._crowd_seen[:] = [20.0, 0.0, 0.0]
    assert _repress(m, [0.0], [0.19])[0] == "dead"
    assert m.citizens.pos[0] == -1 and not m.occupied[13]      # off the grid
    assert (m._arrests, m._killings) == (0, 1)
    assert m._events[0, 2, 3] == m._events[1, 2, 3] == 5.0       # KILLING_WEIGHT
    # backfire: weight 5 x publicity 20 / (20 + 20) per 3 citizens
    assert m._backfire_hit == pytest.approx(5 * 0.5 / 3)
    assert m._violent_hit == 0.0


def test_repressing_the_violent_counts_as_restoring_order():
    m = _tiny_model(citizen_states=(2, 0, 0))
    m._crowd_seen[:] = [20.0, 0.0, 0.0]
    assert _repress(m, [0.0], [0.99])[0] == "jailed"
    assert m._events[0].sum() == 0.0 and m._events[1, 2, 3] == 1.0
    assert m._backfire_hit == 0.0 and m._violent_hit == pytest.approx(1 / 3)


def test_arrests_stop_when_the_jails_are_full():
    # room for int(0.34 * 3) = 1 prisoner, and the third citizen already holds it
    m = _tiny_model(citizen_states=(1, 0, 3), jail_capacity=0.34)
    assert _repress(m, [0.0], [0.99]) == ["protesting", "quiet", "jailed"]
    assert m._arrests == 0


def test_jail_terms_run_out():
    m = _tiny_model(citizen_states=(3, 3, 0))
    m.citizens.jail[:] = [0, 2, 0]
    m._serve_jail_terms()
    assert [CITIZEN_STATES[s] for s in m.citizens.state] == ["quiet", "jailed", "quiet"]
    assert m.citizens.jail.tolist() == [0, 1, 0]


def test_officers_loyalty_moves_with_the_rule_patronage_and_noise():
    # the first officer sees two protesters and no fellow officer: moral cost
    # 0.04 x 0.5 x (2 / (2 + 2)) = 0.01; the second sees nobody. Both get the police
    # pillar's patronage 0.003 and noise of one standard deviation (0.005)
    m = _tiny_model(citizen_states=(1, 1, 0), defection_on=True, moral_cost=0.04)
    m.security.loyalty[:] = 0.5
    m._patronage[:] = [0.003, 0, 0, 0, 0, 0]
    m.rng = FixedDraws()
    m._security_shift_loyalty()
    assert m.security.loyalty == pytest.approx([0.5 - 0.01 + 0.008, 0.5 + 0.008])


def test_pillars_erode_with_their_constituency_strikes_and_defections():
    m = _tiny_model(citizen_states=(1, 1, 0), dispersed=(False, True, False),
                    defected=(False, True), pillar_erosion_on=True, defection_on=True,
                    backfire_on=True, erosion=0.1, peer_influence=0.2)
    c, reg = m.citizens, m.regime_state
    c.constituency[:] = [PUBLIC, CIVIL_SERVICE, BUSINESS]   # a civil servant protests
    m.security.loyalty[:] = [0.6, 0.9]
    m._pillar_baseline[:] = 0.8
    reg.pillar_loyalty[:] = [0.8, 0.7, 0.6, 0.6, 0.8, 0.9]
    m._backfire_hit = 0.0
    m._pillars_shift_loyalty()
    # erosion -0.1 (constituency share + exposure x 1/3 dispersed active), the army
    # -0.2 x 0.5 defected, inertia 0.02 x (0.8 - loyalty); police: the officers' mean
    # loyalty with the defector at 0
    assert reg.pillar_loyalty == pytest.approx([
        0.3,                                        # police
        0.7 - 0.1 + 0.002,                          # military
        0.6 - 0.1 * (1 + 0.5 / 3) + 0.004,          # civil service
        0.6 - 0.1 * (1 / 3) + 0.004,                # business
        0.8,                                        # clergy
        0.9 - 0.1 * (0.2 / 3) - 0.002,              # media
    ])


def test_pillars_hold_without_erosion_but_the_police_pillar_follows_officers():
    m = _tiny_model(citizen_states=(1, 1, 0), defected=(False, True), erosion=0.1)
    m.security.loyalty[:] = [0.6, 0.9]
    before = m.regime_state.pillar_loyalty.copy()
    m._pillars_shift_loyalty()
    assert m.regime_state.pillar_loyalty.tolist() == [0.3, *before[1:]]


def test_the_regime_adapts_legitimacy_repression_propaganda_patronage_frustration():
    m = _tiny_model(citizen_states=(1, 1, 0), dispersed=(True, False, False),
                    defected=(False, True), adaptive_regime=True, fixed_legitimacy=False,
                    radicalisation_on=True, backfire_on=True, legitimacy=0.7,
                    repression=0.8, learning=0.5, media_freedom=0.25)
    reg = m.regime_state
    reg.pillar_loyalty[:] = [0.5, 0.5, 0.5, 0.3, 0.5, 0.5]   # support 0.48
    reg.legitimacy, reg.legitimacy_baseline = 0.6, 0.79
    reg.repression_level, reg.resources, reg.frustration = 0.2, 0.5, 0.1
    reg.support_history.clear()
    reg.support_history.append(0.48)
    m._backfire_hit = m._violent_hit = 0.0
    m._regime_adapts()
    # legitimacy: inertia 0.05 x (0.79 - 0.6); the baseline concedes 0.02 x (0.5 + 0.5)
    # x (0.65 - 0.48) = 0.0034, capped at the initial 0.7 + 0.1
    assert reg.legitimacy == pytest.approx(0.6095)
    assert reg.legitimacy_baseline == pytest.approx(0.7934)
    # two thirds active: full threat, halved by the defected half of the officers
    # (target 0.4); the level moves (0.1 + 0.4 x 0.5) of the way from 0.2
    assert reg.repression_level == pytest.approx(0.26)
    # propaganda: (1 - 0.25) x media pillar 0.5 x (0.3 + 0.6 x 0.5)
    assert reg.propaganda == pytest.approx(0.225)
    # patronage: 0.01 spent at efficiency 0.75, by need; income from business 0.3 with
    # a third of citizens on strike (see rules.income)
    need = 1 - reg.pillar_loyalty
    assert m._patronage == pytest.approx(0.0075 * need / need.sum())
    assert reg.resources == pytest.approx(max(0.5 - 0.01 + rules.income(0.3, 1 / 3), 0.0))
    # frustration: not yet PROGRESS_WINDOW steps to judge by: it decays
    assert reg.frustration == pytest.approx(0.095)


def test_officers_move_too():
    m = _tiny_model(movement=True)
    before = m.security.pos.copy()
    for _ in range(5):
        m._move()
    assert (m.security.pos != before).any()


@pytest.mark.parametrize("history, expected", [
    ([0.48] * 20, 0.105),            # judged over 20 steps, no fall: +0.005
    ([0.5] + [0.48] * 19, 0.095),    # support fell 0.02 since: progress, decays
])
def test_a_stuck_movement_grows_frustrated(history, expected):
    m = _tiny_model(citizen_states=(1, 1, 0), radicalisation_on=True)
    reg = m.regime_state
    reg.pillar_loyalty[:] = [0.5, 0.5, 0.5, 0.3, 0.5, 0.5]   # support 0.48
    reg.frustration = 0.1
    reg.support_history.clear()
    reg.support_history.extend(history)
    m._regime_adapts()
    assert reg.frustration == pytest.approx(expected)


def test_violent_crowds_deter_only_with_the_radical_flank_on():
    # the first citizen sees a violent neighbour among 2 present: pull
    # 1.0 x (0 - 1/2) halves her grievance 0.5 -> 0.25 (the officer is far away)
    for flank, expected in ((True, "quiet"), (False, "protesting")):
        m = _tiny_model(citizen_states=(0, 2, 0), officers=(22, 23), threshold_on=True,
                        social_pull=1.0, radical_flank_on=flank, active_threshold=0.3)
        m._citizens_decide()
        assert CITIZEN_STATES[m.citizens.state[0]] == expected

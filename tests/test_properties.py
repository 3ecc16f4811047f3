"""Property tests (hypothesis): invariants that hold for any valid parameters and seed."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from civres.model import CivilResistanceModel, Params
from civres.model.vocabulary import CitizenState

DEAD, JAILED = CitizenState.DEAD, CitizenState.JAILED

params_strategy = st.fixed_dictionaries({
    "width": st.integers(10, 18),
    "height": st.integers(10, 18),
    "citizen_density": st.floats(0.1, 0.8),
    "security_density": st.floats(0.0, 0.15),
    "citizen_vision": st.integers(1, 4),
    "security_vision": st.integers(1, 4),
    "legitimacy": st.floats(0.0, 1.0),
    "repression": st.floats(0.0, 1.0),
    "security_loyalty": st.floats(0.0, 1.0),
    "discipline": st.floats(0.0, 1.0),
    "dispersed_share": st.floats(0.0, 1.0),
    "learning": st.floats(0.0, 1.0),
    "jail_capacity": st.floats(0.0, 1.0),
    "max_steps": st.integers(1, 25),
})


@settings(max_examples=40, deadline=None)
@given(params_strategy, st.integers(0, 2**32 - 1))
def test_invariants_hold_every_step(overrides, seed):
    p = Params(**overrides)
    m = CivilResistanceModel(p, rng=seed)
    n_agents = m.n_citizens + len(m.security.pos)
    while m.running:
        m.step()
        c = m.citizens
        alive = c.state != DEAD
        # one agent per cell, the dead off the grid
        positions = np.concatenate([c.pos[alive], m.security.pos])
        assert len(np.unique(positions)) == len(positions)
        assert np.all(c.pos[~alive] == -1)
        assert int(m.occupied.sum()) == len(positions) <= n_agents
        # jails never exceed capacity (killings are not jailings)
        assert (c.state == JAILED).sum() <= max(int(p.jail_capacity * m.n_citizens), 0)
        # loyalties and shares stay in [0, 1]
        assert np.all((m.security.loyalty >= 0) & (m.security.loyalty <= 1))
        reg = m.regime_state
        assert np.all((reg.pillar_loyalty >= 0) & (reg.pillar_loyalty <= 1))
        assert 0 <= reg.legitimacy <= 1
        assert 0 <= reg.repression_level <= p.repression + 1e-12
        # defection is absorbing and only below the threshold
        assert np.all(m.security.loyalty[m.security.defected] < p.defect_below) or \
            not p.defection_on
    t = m.trajectory()
    assert t.participation.between(0, 1).all() and t.violent_share.between(0, 1).all()
    assert (t.violent_share <= t.participation + 1e-12).all()
    assert t.arrests.is_monotonic_increasing and t.killings.is_monotonic_increasing
    assert m.summary()["outcome"] in {"success", "stalled", "suppressed", "violent"}

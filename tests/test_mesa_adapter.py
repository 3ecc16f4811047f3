"""Each assumption model/mesa_adapter.py makes about Mesa, checked: a Mesa release that
breaks one fails here, by name, before it breaks a run or the app."""

import inspect

from mesa.discrete_space import CellAgent
from mesa.experimental.scenarios import Scenario

from civres.model import Citizen, CivilResistanceModel, Params, mesa_adapter


def _model():
    return CivilResistanceModel(Params(width=10, height=10, citizen_vision=2,
                                       security_vision=2, max_steps=5), rng=1)


def test_cell_agent_cell_is_a_property_with_getter_and_setter():
    prop = inspect.getattr_static(CellAgent, "cell")
    assert isinstance(prop, property) and prop.fget and prop.fset


def test_our_agents_use_mesa_bookkeeping_of_cells():
    model = _model()
    agent = next(a for a in model.agents_by_type[Citizen] if a.index == 0)
    cell = agent.cell
    assert agent in cell.agents  # Mesa's setter registered the agent in its cell
    model.step()
    x, y = divmod(int(model.citizens.pos[0]), model.shape[1])
    assert agent.cell is model.grid[(x, y)] and agent in agent.cell.agents
    assert mesa_adapter.mesa_cell(agent) is agent.cell


def test_reset_scenario_gets_the_models_seed():
    model = CivilResistanceModel(Params(width=10, height=10, citizen_vision=2,
                                        security_vision=2), rng=11, scenario=Scenario())
    assert model.scenario.rng == 11
    same = CivilResistanceModel(Params(width=10, height=10, citizen_vision=2,
                                       security_vision=2), rng=11)
    assert (model.citizens.hardship == same.citizens.hardship).all()
    assert mesa_adapter.scenario_with_seed(None, 3) is None


def test_a_seeded_scenario_is_left_as_it_is_and_an_unseeded_one_rebuilt_afresh():
    seeded = Scenario(rng=5)
    assert mesa_adapter.scenario_with_seed(seeded, 11) is seeded
    unseeded = Scenario()
    rebuilt = mesa_adapter.scenario_with_seed(unseeded, 11)
    # only the seed is added: Mesa's own slots (the model, the id) are not copied as
    # parameters, and the new scenario gets an id of its own, as every Scenario does
    assert dict(rebuilt) == {"rng": 11}
    assert rebuilt._scenario_id != unseeded._scenario_id


def test_an_unseeded_scenarios_parameters_reach_the_model_with_its_seed():
    model = CivilResistanceModel(Params(width=10, height=10, citizen_vision=2,
                                        security_vision=2), rng=11,
                                 scenario=Scenario(density=0.3))
    assert model.scenario.rng == 11 and model.scenario.density == 0.3

"""Where the project leans on Mesa beyond its documented API, and why: one place.

`tests/test_mesa_adapter.py` checks each assumption made here, so that a Mesa release
that changes one fails a test that names it instead of breaking a run or the app.

1. Agents whose cell is synced lazily. Mesa's `CellAgent.cell` is a property; our
   agents override it (reading it first brings the grid up to date from the arrays,
   see model.agents.GridAgent) and delegate to Mesa's own getter and setter, so
   Mesa's bookkeeping of which agents a cell holds stays Mesa's.
2. Mesa's SolaraViz Reset passes a `scenario` (Mesa 3.5's experimental Scenario)
   holding no seed, where the seed comes from elsewhere (a seed box, `rng=`); the
   scenario is rebuilt with that seed before Mesa sees it (Mesa refuses an rng that
   differs from the scenario's). The app's own page passes none, but a SolaraViz page
   around the model still works.
"""

from __future__ import annotations

from typing import Any

from mesa.discrete_space import CellAgent

#: Mesa's own accessors of an agent's cell (the property CellAgent inherits).
_MESA_CELL = CellAgent.cell


def mesa_cell(agent: CellAgent) -> Any:
    """The agent's cell as Mesa holds it, without bringing the grid up to date."""
    return _MESA_CELL.fget(agent)


def set_mesa_cell(agent: CellAgent, cell: Any) -> None:
    """Move the agent to `cell` (None: off the grid) through Mesa's own setter."""
    _MESA_CELL.fset(agent, cell)


def scenario_with_seed(scenario: Any, rng: Any) -> Any:
    """The scenario to hand to mesa.Model: `scenario`, seeded with `rng` if it has none.

    Returns None (Mesa then makes its default scenario) when no scenario was given.
    """
    if scenario is None or getattr(scenario, "rng", None) is not None:
        return scenario
    values = {k: v for k, v in scenario.to_dict().items()
              if k not in ("rng", "model", "_scenario_id")}
    return type(scenario)(rng=rng, **values)

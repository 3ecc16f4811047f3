"""Mesa agents: the public face of the model's state.

The model keeps its state in numpy arrays so that perception and decisions run for
all agents at once. Each agent object is a live view of its row in those arrays:
reading `citizen.state` or `officer.loyalty` always gives the current value, and
`agent.cell` brings the Mesa grid up to date first. Agents never import the model.
"""

from __future__ import annotations

from mesa import Agent
from mesa.discrete_space import CellAgent

from .mesa_adapter import mesa_cell, set_mesa_cell
from .vocabulary import CITIZEN_STATES, PILLAR_NAMES, PUBLIC, PillarName


class GridAgent(CellAgent):
    """A Mesa cell agent whose position lives in the model's arrays.

    The grid is synchronised lazily: stepping the model moves rows in arrays only, and
    reading `cell` (or the model's `grid`) moves the Mesa agents to match first.
    """

    def __init__(self, model, index: int) -> None:
        """Create the view of row `index`."""
        super().__init__(model)
        self.index = index

    @property
    def cell(self):
        """The agent's current cell (None for the dead)."""
        self.model.sync_space()
        return mesa_cell(self)

    @cell.setter
    def cell(self, cell) -> None:
        set_mesa_cell(self, cell)


class Citizen(GridAgent):
    """A member of the population, who may protest, turn violent, be jailed or killed."""

    @property
    def state(self) -> str:
        """One of CITIZEN_STATES."""
        return CITIZEN_STATES[self.model.citizens.state[self.index]]

    @property
    def hardship(self) -> float:
        """Perceived hardship H ~ U(0, 1) (Epstein)."""
        return float(self.model.citizens.hardship[self.index])

    @property
    def risk_aversion(self) -> float:
        """Risk aversion R ~ U(0, 1) (Epstein)."""
        return float(self.model.citizens.risk_aversion[self.index])

    @property
    def discipline(self) -> float:
        """Nonviolent discipline: the anger needed to turn violent."""
        return float(self.model.citizens.discipline[self.index])

    @property
    def anger(self) -> float:
        """Repression witnessed, decayed over time."""
        return float(self.model.citizens.anger[self.index])

    @property
    def constituency(self) -> str:
        """The pillar this citizen is tied to, or 'public'."""
        code = int(self.model.citizens.constituency[self.index])
        return "public" if code == PUBLIC else PILLAR_NAMES[code]

    @property
    def dispersed(self) -> bool:
        """True if this citizen uses dispersed tactics (strikes, boycotts) when active."""
        return bool(self.model.citizens.dispersed[self.index])

    @property
    def jail_term(self) -> int:
        """Steps left in jail (0 when free)."""
        return int(self.model.citizens.jail[self.index])


class SecurityForce(GridAgent):
    """A police or army member: represses while loyal, may defect."""

    @property
    def loyalty(self) -> float:
        """Loyalty to the regime in [0, 1]."""
        return float(self.model.security.loyalty[self.index])

    @property
    def defected(self) -> bool:
        """True once loyalty fell below the defection threshold."""
        return bool(self.model.security.defected[self.index])


class Pillar(Agent):
    """A pillar of support of the regime (Sharp): its loyalty and weight."""

    def __init__(self, model, index: int) -> None:
        """Create the view of pillar `index` (its place in PillarName)."""
        super().__init__(model)
        self.index = index
        self.kind = list(PillarName)[index]
        self.name, self.economic_exposure = self.kind.value, self.kind.exposure

    @property
    def weight(self) -> float:
        """This pillar's weight in the regime's support (relative; Params.weight_<name>)."""
        return float(self.model.params.pillar_weights()[self.index])

    @property
    def loyalty(self) -> float:
        """Current loyalty of this pillar to the regime, in [0, 1]."""
        return float(self.model.regime_state.pillar_loyalty[self.index])


class Regime(Agent):
    """The regime: legitimacy, repression policy, resources and propaganda."""

    @property
    def legitimacy(self) -> float:
        """Current popular legitimacy L."""
        return float(self.model.regime_state.legitimacy)

    @property
    def repression_level(self) -> float:
        """Current repression policy: 0 lenient, 0.5 mass arrests, > 0.75 lethal."""
        return float(self.model.regime_state.repression_level)

    @property
    def resources(self) -> float:
        """Resources left for patronage."""
        return float(self.model.regime_state.resources)

    @property
    def propaganda(self) -> float:
        """Share of backfire that propaganda blunts this step."""
        return float(self.model.regime_state.propaganda)

    @property
    def pillars(self) -> dict[str, float]:
        """Loyalty of each pillar of support."""
        loyalty = self.model.regime_state.pillar_loyalty
        return {name: float(loyalty[i]) for i, name in enumerate(PILLAR_NAMES)}

"""The project's shared words: outcomes, citizen states, pillars, and their colours.

The model, the figures, the app and the case catalogue all read these names from here,
so a name or a colour is written once.

Three things are called "repression" in the civil-resistance literature; the project
keeps them apart:
- `Params.repression`: the regime's *willingness* to repress, the ceiling of what it
  orders (a model input; the name is kept so users' sweep configs still run);
- `RegimeState.repression_level`: what the regime orders *now* (model state, recorded
  in the trajectory as `repression_level`);
- `repression_capacity`: a case's coded *capacity* to repress (a catalogue condition),
  which sets both the willingness and `Params.jail_capacity` (experiments/history/mapping.py).
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Outcome(StrEnum):
    """A campaign's outcome, in the order tables and figures show them.

    Each member is its name as a string (``Outcome.SUCCESS == "success"``, so run
    tables, JSON and case files hold plain words) and carries its colour (ColorBrewer
    Dark2, for every figure and the app) and a sentence saying what it means. The
    classifier that decides it is model/outcome.py.
    """

    colour: str
    description: str

    def __new__(cls, value: str, colour: str, description: str) -> Outcome:  # noqa: D102
        member = str.__new__(cls, value)
        member._value_ = value
        member.colour = colour
        member.description = description
        return member

    SUCCESS = ("success", "#1b9e77",
               "the campaign won its goal (the regime fell, or granted the demand) while "
               "mainly nonviolent")
    STALLED = ("stalled", "#7570b3",
               "the horizon was reached with the regime standing and the movement neither "
               "winning nor crushed")
    SUPPRESSED = ("suppressed", "#4d4d4d",
                  "the horizon was reached with the movement broken by repression")
    VIOLENT = ("violent", "#d95f02",
               "the campaign turned into sustained violence (or a violent uprising won)")



#: Names that were removed, and what to use instead: importing one raises this message
#: (ImportError), so a user's old script fails on one clear line.
REMOVED = {
    "OUTCOMES": "OUTCOMES was replaced by the enum Outcome: use tuple(Outcome) "
                "(from civres.model import Outcome)",
    "OUTCOME_COLOURS": "OUTCOME_COLOURS was replaced by Outcome.colour "
                       "(from civres.model import Outcome)",
    "PILLARS": "PILLARS was replaced by the enum PillarName: use tuple(PillarName), whose "
               "members carry .weight and .exposure (from civres.model import PillarName)",
    "PILLAR_COLOURS": "PILLAR_COLOURS was replaced by PillarName.colour "
                      "(from civres.model import PillarName)",
}


def __getattr__(name: str) -> object:
    """A removed name raises one line saying what to use instead."""
    if name in REMOVED:
        raise ImportError(REMOVED[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class CitizenState(IntEnum):
    """A citizen's state; the model's arrays hold these codes as int8."""

    QUIET = 0
    PROTESTING = 1
    VIOLENT = 2
    JAILED = 3
    DEAD = 4


#: Names of the citizen states, indexed by code.
CITIZEN_STATES = tuple(state.name.lower() for state in CitizenState)

class PillarName(StrEnum):
    """A pillar of support (Sharp), in the order of the model's pillar arrays.

    Each member is its name as a string (``PillarName.CIVIL_SERVICE == "civil_service"``)
    and carries its default weight in the regime's support (Params.weight_<name>; a
    case's regime type sets its own), its economic exposure to strikes and
    boycotts, and its colour (matplotlib's tab10) in figures and the app. The police pillar
    is the SecurityForce agents themselves. (The Mesa agent that shows a pillar's loyalty
    is `model.agents.Pillar`.)
    """

    weight: float
    exposure: float
    colour: str

    def __new__(cls, value: str, weight: float, exposure: float,  # noqa: D102
                colour: str) -> PillarName:
        member = str.__new__(cls, value)
        member._value_ = value
        member.weight, member.exposure, member.colour = weight, exposure, colour
        return member

    POLICE = ("police", 0.30, 0.0, "tab:blue")
    MILITARY = ("military", 0.30, 0.0, "tab:orange")
    CIVIL_SERVICE = ("civil_service", 0.15, 0.5, "tab:green")
    BUSINESS = ("business", 0.10, 1.0, "tab:red")
    CLERGY = ("clergy", 0.05, 0.0, "tab:purple")
    MEDIA = ("media", 0.10, 0.2, "tab:brown")


#: The pillars' names as plain strings, in array order (trajectory columns `pillar_<name>`).
PILLAR_NAMES = tuple(pillar.value for pillar in PillarName)
#: Indices of the pillars in the model's pillar arrays.
POLICE, MILITARY, CIVIL_SERVICE, BUSINESS, CLERGY, MEDIA = range(len(PillarName))
#: Constituency code of citizens tied to no pillar (the general public).
PUBLIC = -1

#: Colours of the app's grid image (RGB): citizens by state, officers by allegiance.
CITIZEN_COLOURS = {
    CitizenState.QUIET: (144, 202, 249),
    CitizenState.PROTESTING: (67, 160, 71),
    CitizenState.VIOLENT: (229, 57, 53),
    CitizenState.JAILED: (120, 120, 120),
}
SECURITY_COLOURS = {"loyal": (26, 26, 26), "defected": (171, 71, 188)}

"""Model parameters: one frozen, validated, self-describing object.

Every field carries its range, meaning and source in its metadata, so the CLI, the
browser sliders, the sweep validator and the documentation all read one definition.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .param_groups import GROUP_OF, UNITS
from .vocabulary import PILLAR_NAMES, PillarName

ARTICLE = "civil_resistance.txt (source article)"
EPSTEIN = "Epstein (2002) PNAS 99:7243"
CS2011 = "Chenoweth & Stephan (2011) Why Civil Resistance Works"
SHARP = "Sharp (1973) The Politics of Nonviolent Action: pillars of support"
MARTIN = "Martin (2007) Justice Ignited: backfire / political jiu-jitsu"
CHENOWETH2020 = "Chenoweth (2020) J. Democracy 31(3): authoritarian learning"
CALIBRATED = "calibration choice, see docs/ODD.md section 7"
#: The committed ABC-SMC calibration (results/calibration; docs/ODD.md "Calibration").
#: `civres compare` and `civres facts` draw these coefficients from its posterior; the
#: defaults below serve single runs, presets and sweeps, and say where they stand.
ABC_INSIDE = ("ABC-SMC calibration of 2026-12-07 (results/calibration): this default "
              "lies inside the posterior's 90% interval")
ABC_OUTSIDE = ("ABC-SMC calibration of 2026-12-07 (results/calibration): this hand-set "
               "default lies outside the posterior's 90% interval (median {median}); "
               "compare and facts use the posterior, the presets and the golden run "
               "this default")
GRANOVETTER = "Granovetter (1978) Threshold models of collective behavior"
KURAN = "Kuran (1991) Now out of never: preference falsification"
LICHBACH = "Lichbach (1995) The Rebel's Dilemma; Chenoweth & Stephan 2011 ch. 2"
LANCHESTER = "Lanchester (1916); Hirshleifer (1989) contest success functions"
NAVCO = "Chenoweth & Shay (2020) NAVCO 1.3: campaign goals"
#: The Params fields of the pillar weights, in PillarName's order.
PILLAR_WEIGHT_FIELDS = tuple(f"weight_{name}" for name in PILLAR_NAMES)
#: The civilian pillars, whose constituencies citizens can belong to (breadth).
CIVILIAN_PILLARS = (PillarName.CIVIL_SERVICE, PillarName.BUSINESS, PillarName.CLERGY,
                    PillarName.MEDIA)
#: The Params fields of the movement's targeting of the civilian pillars, in that order.
TARGET_FIELDS = tuple(f"target_{pillar.value}" for pillar in CIVILIAN_PILLARS)
HELVEY = ("Helvey (2004) On Strategic Nonviolent Conflict: targeting the pillars; "
          "Chenoweth & Stephan 2011 ch. 4 (the oil workers' strike, Iran 1978)")
REGIME_BASES = ("Geddes, Wright & Frantz (2018) How Dictatorships Work; Svolik (2012) The "
                "Politics of Authoritarian Rule; " + SHARP)


def _p(default: Any, lo: Any, hi: Any, meaning: str, source: str) -> Any:
    """Declare a numeric parameter with its inclusive range and documentation."""
    return field(
        default=default,
        metadata={"range": (lo, hi), "meaning": meaning, "source": source},
    )


def _weight(pillar: PillarName, who: str) -> Any:
    """A pillar's weight in the regime's support: relative, default PillarName's."""
    return _p(pillar.weight, 0.0, 1.0, f"weight of {who} in the regime's support, relative",
              REGIME_BASES)


def _target(pillar: PillarName) -> Any:
    """The share of the movement's organising aimed at one civilian pillar's constituency."""
    return _p(0.0, 0.0, 1.0, f"share of the movement's organising aimed at the "
              f"{pillar.value.replace('_', ' ')} pillar's constituency: its members act at a "
              "lower threshold (targeted non-cooperation; the four shares sum to at most 1)",
              HELVEY)


def _switch(meaning: str, source: str, default: bool = True) -> Any:
    """Declare a boolean mechanism switch."""
    return field(
        default=default,
        metadata={"range": (False, True), "meaning": meaning, "source": source},
    )


@dataclass(frozen=True, init=False)
class Params:
    """All inputs of one model run. Construct with keyword overrides of the defaults.

    Raises:
        ValueError: naming the field and its allowed values, for an unknown field, a
            value of the wrong type, or a value out of range.
    """

    # --- world -------------------------------------------------------------------
    width: int = _p(40, 5, 1000, "grid width in cells (torus)", EPSTEIN)
    height: int = _p(40, 5, 1000, "grid height in cells (torus)", EPSTEIN)
    citizen_density: float = _p(0.7, 0.0, 1.0, "share of cells holding a citizen", EPSTEIN)
    security_density: float = _p(
        0.074, 0.0, 1.0, "share of cells holding a security-force member", EPSTEIN
    )
    citizen_vision: int = _p(
        7, 1, 50, "radius (Moore, cells) citizens see around themselves", EPSTEIN
    )
    security_vision: int = _p(
        7, 1, 50, "radius (Moore, cells) security forces see and act within", EPSTEIN
    )
    movement: bool = _switch("agents relocate to a random free cell within vision", EPSTEIN)
    represented_share: float = _p(
        0.05, 0.0001, 1.0, "share of the country's population the grid's citizens stand for "
        "(the politically reachable population); converts participation to % of population",
        CALIBRATED + "; " + ABC_INSIDE,
    )
    max_steps: int = _p(520, 1, 100_000, "horizon of a run, in steps (one step is a week: "
                        "520 is ten years)", CALIBRATED)
    max_jail_term: int = _p(30, 0, 10_000, "longest jail term in steps (U(0,J))", EPSTEIN)
    jail_capacity: float = _p(
        0.05, 0.0, 1.0, "share of citizens the regime can hold in jail at once",
        "repression capacity; " + CS2011,
    )

    # --- citizens ----------------------------------------------------------------
    legitimacy: float = _p(0.8, 0.0, 1.0, "regime legitimacy at the start (L)", EPSTEIN)
    active_threshold: float = _p(
        0.1, 0.0, 1.0, "net grievance above which a citizen acts (T)", EPSTEIN
    )
    arrest_constant: float = _p(
        2.3, 0.0, 20.0, "k in P = 1 - exp(-k S/A): perceived arrest risk", EPSTEIN
    )
    round_risk: bool = _switch(
        "perceived risk uses round(S/A) as Mesa's Epstein example does (a step function of "
        "the ratio); off: continuous in S/A", EPSTEIN, default=False,
    )
    threshold_spread: float = _p(
        0.8, 0.0, 3.0, "spread (sd of the log) of citizens' own participation thresholds "
        "around active_threshold: some act alone, some only in a crowd", GRANOVETTER,
    )
    opposition_signal: float = _p(
        1.0, 0.0, 5.0, "how much the opposition's size, as far as media freedom lets it be "
        "known, emboldens the aggrieved (revealed preferences)", KURAN,
    )
    fatigue: float = _p(
        0.02, 0.0, 0.5, "share of the will to participate worn away per week active while the "
        "campaign makes no progress (demobilisation)", CALIBRATED + "; " + ABC_INSIDE,
    )
    legitimacy_spread: float = _p(
        0.1, 0.0, 0.5, "spread of citizens' own views of the regime's legitimacy at the start",
        CALIBRATED,
    )
    social_pull: float = _p(
        1.0, 0.0, 5.0, "how much the active share in vision emboldens the aggrieved (bandwagon)",
        "Granovetter (1978) threshold models; " + CS2011,
    )
    discipline: float = _p(
        0.7, 0.0, 1.0, "mean nonviolent discipline of citizens (anger needed to turn violent)",
        CS2011,
    )
    dispersed_share: float = _p(
        0.3, 0.0, 1.0, "share of participants using dispersed tactics (strikes, boycotts)",
        ARTICLE + "; " + CS2011,
    )
    dispersed_safety: float = _p(
        0.7, 0.0, 1.0, "how much dispersed tactics cut exposure to arrest", CS2011
    )
    breadth: float = _p(
        0.3, 0.0, 1.0,
        "share of citizens tied to a civilian pillar (civil service, business, clergy, media)",
        SHARP + "; " + CS2011,
    )
    # Where the movement organises: a share of its effort aimed at one pillar's
    # constituency (model/rules/citizens.py, organised_thresholds; docs/ODD.md).
    target_civil_service: float = _target(PillarName.CIVIL_SERVICE)
    target_business: float = _target(PillarName.BUSINESS)
    target_clergy: float = _target(PillarName.CLERGY)
    target_media: float = _target(PillarName.MEDIA)
    outrage: float = _p(
        0.5, 0.0, 5.0, "grievance added per unit of nonviolent repression witnessed", MARTIN
    )
    anger_memory: float = _p(
        0.9, 0.0, 0.999, "per-step retention of witnessed repression (anger, outrage)",
        CALIBRATED,
    )

    reform_goal: bool = _switch(
        "the campaign demands a policy (reform), not the end of the regime (maximalist: regime "
        "change, independence, end of occupation); success is then the demand granted",
        NAVCO, default=False,
    )
    armed_capacity: float = _p(
        0.1, 0.0, 1.0, "arms at hand for the movement at the start (armed groups, patrons): "
        "share of the would-be fighters who can arm", LICHBACH,
    )

    # --- security forces -----------------------------------------------------------
    security_loyalty: float = _p(
        0.85, 0.0, 1.0, "mean initial loyalty of security forces (and the military)", CS2011
    )
    defect_below: float = _p(
        0.3, 0.0, 1.0, "loyalty below which an officer defects",
        CALIBRATED + "; " + ABC_INSIDE,
    )
    moral_cost: float = _p(
        0.02, 0.0, 1.0, "loyalty lost per step when ordered to repress a large nonviolent crowd",
        CS2011 + "; " + MARTIN + "; " + ABC_INSIDE,
    )
    peer_influence: float = _p(
        0.1, 0.0, 1.0, "loyalty lost per step per share of defected peers in vision",
        CS2011 + "; " + ABC_INSIDE,
    )
    threat_cohesion: float = _p(
        0.01, 0.0, 1.0, "loyalty gained per step per violent share of actives in vision",
        CS2011 + " (radical flank); " + ABC_INSIDE,
    )

    # --- regime and pillars ---------------------------------------------------------
    repression: float = _p(
        0.6, 0.0, 1.0, "regime's willingness to repress: ceiling of its repression level",
        ARTICLE,
    )
    learning: float = _p(
        0.2, 0.0, 1.0, "authoritarian learning: skill at repression, co-optation, propaganda",
        CHENOWETH2020,
    )
    pillar_loyalty: float = _p(
        0.75, 0.0, 1.0, "initial loyalty of civil service, business, clergy and media", SHARP
    )
    patronage: float = _p(
        0.5, 0.0, 1.0, "regime resources for patronage at the start", SHARP
    )
    # What the regime rests on: each pillar's weight in its support, relative (the six
    # are normalised). Defaults: PillarName's weights; a case's regime type sets
    # them (experiments/history/mapping.py, REGIME_PILLAR_WEIGHTS; docs/ODD.md).
    weight_police: float = _weight(PillarName.POLICE, "the police (the officers on the grid)")
    weight_military: float = _weight(PillarName.MILITARY, "the military")
    weight_civil_service: float = _weight(PillarName.CIVIL_SERVICE,
                                          "the civil service (and a ruling party's apparatus)")
    weight_business: float = _weight(PillarName.BUSINESS, "business elites")
    weight_clergy: float = _weight(PillarName.CLERGY, "the clergy (and traditional elites)")
    weight_media: float = _weight(PillarName.MEDIA, "the media")
    media_freedom: float = _p(
        0.5, 0.0, 1.0, "independent media: limits the reach of regime propaganda", ARTICLE
    )
    erosion: float = _p(
        0.01, 0.0, 1.0, "pillar loyalty lost per step per participating share of its constituency",
        SHARP + "; " + CS2011 + "; " + ABC_INSIDE,
    )
    backfire: float = _p(
        1.0, 0.0, 20.0, "legitimacy and pillar loyalty lost per share of citizens repressed "
        "while nonviolent", MARTIN + "; " + ABC_INSIDE,
    )
    responsiveness: float = _p(
        0.2, 0.0, 1.0, "institutional responsiveness: how readily the regime grants a "
        "demand under pressure (democracies high, closed autocracies low)", CS2011,
    )
    intervention: float = _p(
        0.1, 0.0, 1.0, "readiness of outside powers to back armed rebels against a regime "
        "that kills civilians (international pressure)", CS2011 + " (Libya 2011)",
    )

    # --- mechanism switches ---------------------------------------------------------
    backfire_on: bool = _switch("mechanism 1: repression of nonviolent protest backfires", MARTIN)
    pillar_erosion_on: bool = _switch("mechanism 2: pillars erode under participation", SHARP)
    defection_on: bool = _switch(
        "mechanism 3: security loyalty shifts and defection cascades", CS2011
    )
    radical_flank_on: bool = _switch(
        "mechanism 4: movement violence hardens loyalty and rallies pillars", CS2011
    )
    threshold_on: bool = _switch(
        "mechanism 5: the active share in vision pulls others in (tipping)", CS2011
    )
    radicalisation_on: bool = _switch(
        "mechanism 6: extreme repression or perceived failure turns protest violent", ARTICLE
    )
    views_on: bool = _switch(
        "mechanism 7: each citizen holds a view of the regime's legitimacy, moved by "
        "repression witnessed and accommodation (off: everyone sees the regime's)", MARTIN,
    )
    arms_needed_on: bool = _switch(
        "mechanism 8: turning violent needs arms (armed_capacity, defectors' weapons); off: "
        "anger alone suffices", LICHBACH,
    )
    armed_conflict_on: bool = _switch(
        "mechanism 9: a primarily violent campaign fights the loyal forces with attrition "
        "and can defeat them", LANCHESTER,
    )
    adaptive_regime: bool = _switch(
        "regime adapts repression, accommodation, the grant of a demand, patronage and "
        "propaganda", CHENOWETH2020
    )
    run_to_horizon: bool = _switch(
        "keep stepping after the outcome is decided, up to max_steps (the outcome stays the "
        "first decisive event), e.g. to see whether a violent campaign topples the regime",
        "experiment design", default=False,
    )
    fixed_legitimacy: bool = _switch(
        "hold legitimacy constant (as in Epstein's Model 1)", EPSTEIN, default=False
    )

    def __init__(self, **overrides: Any) -> None:
        """Build parameters from the defaults and keyword overrides, then validate."""
        known = {f.name: f for f in dataclasses.fields(self)}
        for name in overrides:
            if name not in known:
                raise _unknown(name, known)
        for name, f in known.items():
            value = overrides.get(name, f.default)
            object.__setattr__(self, name, _checked(name, value, f))
        if self.citizen_density + self.security_density > 1.0:
            raise ValueError(
                "citizen_density + security_density must be at most 1 "
                f"(got {self.citizen_density} + {self.security_density})"
            )
        if sum(self.pillar_weights()) <= 0.0:
            raise ValueError("the pillar weights (weight_police ... weight_media) must not "
                             "all be 0: the regime's support rests on some pillar")
        if sum(self.pillar_targets()) > 1.0 + 1e-9:
            raise ValueError("the movement's targeting shares (" + ", ".join(TARGET_FIELDS)
                             + f") must sum to at most 1 (got {sum(self.pillar_targets()):g})")
        for vision in ("citizen_vision", "security_vision"):
            limit = (min(self.width, self.height) - 1) // 2
            if getattr(self, vision) > limit:
                raise ValueError(
                    f"{vision} must be at most {limit} on a {self.width}x{self.height} grid "
                    f"(got {getattr(self, vision)}): vision may not wrap onto itself"
                )

    def pillar_weights(self) -> tuple[float, ...]:
        """The six pillars' weights, in PillarName's order (not normalised)."""
        return tuple(getattr(self, name) for name in PILLAR_WEIGHT_FIELDS)

    def pillar_targets(self) -> tuple[float, ...]:
        """The six pillars' targeting shares, in PillarName's order (police, military: 0)."""
        targets = {pillar: getattr(self, f"target_{pillar.value}")
                   for pillar in CIVILIAN_PILLARS}
        return tuple(targets.get(pillar, 0.0) for pillar in PillarName)

    def replace(self, **overrides: Any) -> Params:
        """Return a copy with some fields changed (validated again)."""
        return Params(**{**self.to_dict(), **overrides})

    def to_dict(self) -> dict[str, Any]:
        """Return the parameters as a plain dict."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        """List every parameter: name, type, default, range, meaning, source, group, unit.

        The group (the actor it belongs to) and the unit come from model/param_groups.py.
        """
        return [
            {
                "name": f.name,
                "type": _type_name(f),
                "default": f.default,
                "range": list(f.metadata["range"]),
                "meaning": f.metadata["meaning"],
                "source": f.metadata["source"],
                "group": GROUP_OF[f.name],
                "unit": UNITS[f.name],
            }
            for f in dataclasses.fields(cls)
        ]

    @classmethod
    def field_names(cls) -> list[str]:
        """Names of all parameters, in declaration order."""
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def coerce(cls, name: str, value: Any, float_digits: int | None = None) -> Any:
        """Convert a number from a sampler or a slider to parameter `name`'s type.

        Whole numbers are rounded (never truncated), switches become bool, and floats
        are optionally rounded to `float_digits` (a slider sends 0.30000000004).

        The result is not range-checked: Params does that when it is built.
        """
        known = {f.name: f for f in dataclasses.fields(cls)}
        if name not in known:
            raise _unknown(name, known)
        kind = _type_name(known[name])
        if kind == "bool":
            return bool(value)
        if kind == "int":
            return int(round(float(value)))
        return float(value) if float_digits is None else round(float(value), float_digits)

    @classmethod
    def parse(cls, name: str, text: str) -> Any:
        """Convert a command-line string to the type of parameter `name`."""
        known = {f.name: f for f in dataclasses.fields(cls)}
        if name not in known:
            raise _unknown(name, known)
        kind = _type_name(known[name])
        try:
            if kind == "bool":
                lowered = text.strip().lower()
                if lowered not in _BOOL_WORDS:
                    raise ValueError
                return _BOOL_WORDS[lowered]
            return int(text) if kind == "int" else float(text)
        except ValueError:
            allowed = "true or false" if kind == "bool" else f"a {kind}"
            raise ValueError(f"parameter {name!r}: {text!r} is not {allowed}") from None


_BOOL_WORDS = {"true": True, "1": True, "yes": True, "on": True,
               "false": False, "0": False, "no": False, "off": False}


def _unknown(name: str, known: dict) -> ValueError:
    """The error for a parameter name that does not exist, listing those that do."""
    return ValueError(f"unknown parameter {name!r}; allowed: {', '.join(sorted(known))}")


def _type_name(f: dataclasses.Field) -> str:
    """The parameter's type as a word: bool, int or float."""
    return type(f.default).__name__


def _checked(name: str, value: Any, f: dataclasses.Field) -> Any:
    """Validate one value against its field's type and range; return it normalised.

    numpy scalars (np.int64, np.float32, np.bool_) are accepted like Python's own, so
    values taken from arrays or data frames can be passed as they are.
    """
    lo, hi = f.metadata["range"]
    kind = type(f.default)
    is_bool = isinstance(value, (bool, np.bool_))
    if kind is bool:
        if not is_bool:
            raise ValueError(f"parameter {name!r} must be true or false (got {value!r})")
        return bool(value)
    if is_bool or not isinstance(value, numbers.Real):
        raise ValueError(f"parameter {name!r} must be a number in [{lo}, {hi}] (got {value!r})")
    if not math.isfinite(value) or not lo <= value <= hi:
        raise ValueError(f"parameter {name!r} must be in [{lo}, {hi}] (got {value!r})")
    if kind is int:
        if int(value) != value:
            raise ValueError(f"parameter {name!r} must be a whole number in [{lo}, {hi}] "
                             f"(got {value!r})")
        return int(value)
    return float(value)

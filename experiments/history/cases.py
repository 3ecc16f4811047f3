"""Load and validate the historical case catalogue (``seeds/cases.toml``).

Each ``[[case]]`` entry describes one civil-resistance campaign by its conditions at
the start and by what was observed afterwards. The file is read with :mod:`tomllib`
(data only, never evaluated) and checked in full before anything is built, so that a
:class:`CaseFileError` lists every problem at once instead of the first one only.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from os import PathLike
from pathlib import Path
from typing import Any

from civres.errors import CaseFileError
from civres.experiments.sweeps.toml_text import NestedTooDeeply, load_toml
from civres.model.vocabulary import Outcome

__all__ = ["CONDITION_FIELDS", "ENTRY_DEFAULTS", "GOALS", "LEVELS", "REGIME_TYPES",
           "TACTICS", "Case", "CaseFileError", "Conditions", "Goal", "Level", "Observed",
           "RegimeType", "Tactics", "default_catalogue_path", "load_cases", "parse_cases"]

class Level(StrEnum):
    """How much of a condition a campaign started with (the catalogue's coding scale)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class RegimeType(StrEnum):
    """The kind of regime the campaign faced (Geddes, Wright & Frantz's types, plus two)."""

    PERSONALIST = "personalist"
    MILITARY = "military"
    SINGLE_PARTY = "single_party"
    MONARCHY = "monarchy"
    HYBRID = "hybrid"
    DEMOCRACY = "democracy"
    OCCUPATION = "occupation"


class Tactics(StrEnum):
    """Whether the campaign gathered in crowds, spread out (strikes, boycotts) or both."""

    CONCENTRATED = "concentrated"
    MIXED = "mixed"
    DISPERSED = "dispersed"


class Goal(StrEnum):
    """What the campaign demanded: the regime's fall, or a reform within it."""

    MAXIMALIST = "maximalist"
    REFORM = "reform"


#: The allowed words of each coded field, as plain strings in the enums' order.
LEVELS = tuple(level.value for level in Level)
REGIME_TYPES = tuple(kind.value for kind in RegimeType)
TACTICS = tuple(tactic.value for tactic in Tactics)
GOALS = tuple(goal.value for goal in Goal)

# The conditions coded on the LEVELS scale, in catalogue order (armed_groups is optional).
CONDITION_FIELDS = (
    "legitimacy",
    "security_cohesion",
    "repression_capacity",
    "grievance",
    "discipline",
    "breadth",
    "media_freedom",
    "international_pressure",
    "armed_groups",
)

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# A checker returns None when the value is acceptable, otherwise a phrase saying what
# is allowed; the caller turns that into the one-line problem message.
Checker = Callable[[Any], str | None]


def _coerce(record: object, types: Mapping[str, type[StrEnum]]) -> None:
    """Turn the named fields of a frozen record from words into their enum members.

    Raises:
        ValueError: naming the field and its allowed words, for a word not allowed.
    """
    for name, kind in types.items():
        value = getattr(record, name)
        if not isinstance(value, kind):
            allowed = ", ".join(member.value for member in kind)
            if value not in tuple(kind):
                raise ValueError(f"{name} is {value!r}; allowed: {allowed}")
            object.__setattr__(record, name, kind(value))


@dataclass(frozen=True)
class Conditions:
    """Conditions at the start of a campaign, each a :class:`Level` (a word works too)."""

    legitimacy: Level
    security_cohesion: Level
    repression_capacity: Level
    grievance: Level
    discipline: Level
    breadth: Level
    media_freedom: Level
    international_pressure: Level
    armed_groups: Level = Level.LOW

    def __post_init__(self) -> None:
        """Hold every condition as a Level."""
        _coerce(self, dict.fromkeys(CONDITION_FIELDS, Level))


@dataclass(frozen=True)
class Observed:
    """What happened: outcome and, where known, participation and defections.

    Attributes:
        outcome: One of :data:`Outcome`.
        sources: Citations for the observed facts (at least one).
        peak_participation_pct: Peak active participants, percent of the population;
            None when not known.
        security_defections: Whether security forces defected; None when not known.
    """

    outcome: Outcome
    sources: tuple[str, ...]
    peak_participation_pct: float | None = None
    security_defections: bool | None = None

    def __post_init__(self) -> None:
        """Hold the outcome as an Outcome."""
        _coerce(self, {"outcome": Outcome})


@dataclass(frozen=True)
class Case:
    """One historical campaign from the catalogue."""

    id: str
    name: str
    country: str
    start_year: int
    end_year: int
    regime_type: RegimeType
    conditions: Conditions
    tactics: Tactics
    observed: Observed
    goal: Goal = Goal.MAXIMALIST

    def __post_init__(self) -> None:
        """Hold the regime type, tactics and goal as their enums."""
        _coerce(self, {"regime_type": RegimeType, "tactics": Tactics, "goal": Goal})


def _one_of(allowed: tuple[str, ...]) -> Checker:
    """Return a checker accepting exactly the strings in ``allowed``."""
    return lambda value: (
        None if isinstance(value, str) and value in allowed else ", ".join(allowed)
    )


def _text(value: Any) -> str | None:
    """Accept a non-empty string."""
    return None if isinstance(value, str) and value.strip() else "a non-empty string"


def _year(value: Any) -> str | None:
    """Accept an integer (bool is an int subclass in Python, so exclude it)."""
    return None if type(value) is int else "an integer year"


def _case_id(value: Any) -> str | None:
    """Accept an id of lowercase letters and digits joined by single dashes."""
    if isinstance(value, str) and ID_PATTERN.fullmatch(value):
        return None
    return (
        f"lowercase letters and digits joined by single dashes ({ID_PATTERN.pattern})"
    )


def _percent(value: Any) -> str | None:
    """Accept a finite number from 0 to 100 (TOML allows nan and inf; we do not)."""
    is_number = type(value) in (int, float) and math.isfinite(value)
    return None if is_number and 0 <= value <= 100 else "a number from 0 to 100"


def _flag(value: Any) -> str | None:
    """Accept true or false only (not 0/1 or strings)."""
    return None if type(value) is bool else "true or false"


def _source_list(value: Any) -> str | None:
    """Accept a non-empty list of non-empty strings."""
    if isinstance(value, list) and value and all(_text(item) is None for item in value):
        return None
    return "a non-empty list of non-empty strings"


# Schema: field name -> checker, in the order problems are reported.
ENTRY_FIELDS: dict[str, Checker] = {
    "id": _case_id,
    "name": _text,
    "country": _text,
    "start_year": _year,
    "end_year": _year,
    "regime_type": _one_of(REGIME_TYPES),
    **{name: _one_of(LEVELS) for name in CONDITION_FIELDS},
    "tactics": _one_of(TACTICS),
    "goal": _one_of(GOALS),
}
#: Fields a case file may leave out, with the value they then take: files written for an
#: earlier schema keep loading (a campaign with no goal coded is taken as maximalist, one
#: with no armed_groups coded as having none).
ENTRY_DEFAULTS: dict[str, str] = {"armed_groups": "low", "goal": "maximalist"}
OBSERVED_REQUIRED: dict[str, Checker] = {
    "outcome": _one_of(tuple(Outcome)),
    "sources": _source_list,
}
OBSERVED_OPTIONAL: dict[str, Checker] = {
    "peak_participation_pct": _percent,
    "security_defections": _flag,
}


def default_catalogue_path() -> Path:
    """Return the path of the shipped catalogue: ``seeds/cases.toml``, package data.

    The catalogue is installed with the package (``civres.seeds``), so this works from
    any working directory and from an installed wheel as from a checkout.
    """
    return Path(str(resources.files("civres.seeds").joinpath("cases.toml"))).resolve()


def load_cases(path: str | PathLike[str] | None = None) -> list[Case]:
    """Read and validate a case file.

    Args:
        path: The TOML file; defaults to :func:`default_catalogue_path`.

    Returns:
        The cases in file order.

    Raises:
        CaseFileError: If the file is not valid UTF-8 TOML or breaks the schema.
        OSError: If the file cannot be read.
    """
    path = Path(path) if path is not None else default_catalogue_path()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CaseFileError(str(path), [f"not UTF-8 text ({exc.reason})"]) from exc
    return parse_cases(text, str(path))


def parse_cases(text: str, source: str = "<string>") -> list[Case]:
    """Parse and validate case-file text.

    Args:
        text: TOML text with a ``[[case]]`` table array.
        source: The file name used in error messages.

    Returns:
        The cases in file order.

    Raises:
        CaseFileError: Listing every problem found, one line each.
    """
    try:
        data = load_toml(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already ends with "(at line N, column M)".
        raise CaseFileError(source, [f"TOML syntax error: {exc}"]) from exc
    except NestedTooDeeply as exc:
        raise CaseFileError(source, [f"not valid TOML: nested too deeply ({exc})"]) from None
    problems = _document_problems(data)
    if problems:
        raise CaseFileError(source, problems)
    return [_build_case(entry) for entry in data["case"]]


def _document_problems(data: Mapping[str, Any]) -> list[str]:
    """Return every problem in the parsed document, in file order."""
    entries = data.get("case")
    if not isinstance(entries, list) or not entries:
        return ["no [[case]] table array found"]
    problems = [
        f"unknown top-level key {key!r}; allowed: case" for key in data if key != "case"
    ]
    first_index_of: dict[str, int] = {}
    for index, entry in enumerate(entries, start=1):
        label = _label(entry, index)
        if not isinstance(entry, dict):
            problems.append(f"{label}: is {_show(entry)}, not a [[case]] table")
            continue
        problems += _entry_problems(entry, label)
        problems += _duplicate_problem(entry, label, index, first_index_of)
    return problems


def _label(entry: Any, index: int) -> str:
    """Name an entry by its id when usable, else by its 1-based position."""
    case_id = entry.get("id") if isinstance(entry, dict) else None
    if _case_id(case_id) is None:
        return f"case {case_id!r}"
    return f"case #{index}"


def _duplicate_problem(
    entry: dict[str, Any], label: str, index: int, first_index_of: dict[str, int]
) -> list[str]:
    """Report an id already used by an earlier entry; remember new ids."""
    case_id = entry.get("id")
    if _case_id(case_id) is not None:
        return []  # a bad id is reported by the field check
    if case_id in first_index_of:
        first = first_index_of[case_id]
        return [f"{label}: field 'id' is duplicated (first used by case #{first})"]
    first_index_of[case_id] = index
    return []


def _entry_problems(entry: dict[str, Any], label: str) -> list[str]:
    """Return the problems of one ``[[case]]`` table."""
    allowed = [*ENTRY_FIELDS, "observed"]
    problems = _unknown_keys(entry, allowed, label, prefix="")
    required = {k: v for k, v in ENTRY_FIELDS.items() if k not in ENTRY_DEFAULTS}
    optional = {k: v for k, v in ENTRY_FIELDS.items() if k in ENTRY_DEFAULTS}
    problems += _field_problems(entry, required, label, prefix="", required=True)
    problems += _field_problems(entry, optional, label, prefix="", required=False)
    problems += _year_order_problem(entry, label)
    problems += _observed_problems(entry.get("observed"), label)
    return problems


def _unknown_keys(
    table: Mapping[str, Any], allowed: list[str], label: str, prefix: str
) -> list[str]:
    """Report keys not in the schema (typos would otherwise be silently ignored)."""
    return [
        f"{label}: unknown field '{prefix}{key}'; allowed: {', '.join(allowed)}"
        for key in table
        if key not in allowed
    ]


def _field_problems(
    table: Mapping[str, Any],
    schema: dict[str, Checker],
    label: str,
    prefix: str,
    required: bool,
) -> list[str]:
    """Check each schema field of ``table``: missing (if required) or bad value."""
    problems = []
    for field, check in schema.items():
        if field not in table:
            if required:
                # Every checker rejects None, so this yields the "allowed" phrase.
                allowed = check(None)
                problems.append(
                    f"{label}: field '{prefix}{field}' is missing; allowed: {allowed}"
                )
            continue
        allowed = check(table[field])
        if allowed is not None:
            shown = _show(table[field])
            problems.append(
                f"{label}: field '{prefix}{field}' is {shown}; allowed: {allowed}"
            )
    return problems


def _year_order_problem(entry: Mapping[str, Any], label: str) -> list[str]:
    """Report an end year before the start year (only when both are valid)."""
    start, end = entry.get("start_year"), entry.get("end_year")
    if _year(start) is None and _year(end) is None and end < start:
        allowed = f"a year >= start_year ({start})"
        return [f"{label}: field 'end_year' is {end}; allowed: {allowed}"]
    return []


def _observed_problems(observed: Any, label: str) -> list[str]:
    """Return the problems of an entry's ``[case.observed]`` table."""
    if observed is None:
        return [
            f"{label}: field 'observed' is missing; allowed: a [case.observed] table"
        ]
    if not isinstance(observed, dict):
        shown = _show(observed)
        return [
            f"{label}: field 'observed' is {shown}; allowed: a [case.observed] table"
        ]
    allowed = [*OBSERVED_REQUIRED, *OBSERVED_OPTIONAL]
    problems = _unknown_keys(observed, allowed, label, prefix="observed.")
    problems += _field_problems(
        observed, OBSERVED_REQUIRED, label, "observed.", required=True
    )
    problems += _field_problems(
        observed, OBSERVED_OPTIONAL, label, "observed.", required=False
    )
    return problems


def _show(value: Any, limit: int = 60) -> str:
    """Render a value for a message, shortened so each problem stays one short line."""
    text = repr(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _build_case(entry: Mapping[str, Any]) -> Case:
    """Build a :class:`Case` from an entry that has passed validation."""
    observed = entry["observed"]
    peak = observed.get("peak_participation_pct")
    entry = {**ENTRY_DEFAULTS, **entry}
    return Case(
        id=entry["id"],
        name=entry["name"],
        country=entry["country"],
        start_year=entry["start_year"],
        end_year=entry["end_year"],
        regime_type=entry["regime_type"],
        conditions=Conditions(**{name: entry[name] for name in CONDITION_FIELDS}),
        tactics=entry["tactics"],
        observed=Observed(
            outcome=observed["outcome"],
            sources=tuple(observed["sources"]),
            # An integer percentage such as 5 is accepted; store every value as float.
            peak_participation_pct=float(peak) if peak is not None else None,
            security_defections=observed.get("security_defections"),
        ),
        goal=entry["goal"],
    )

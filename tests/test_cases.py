"""Tests for the historical case catalogue and its loader (experiments/history/cases.py)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civres.experiments.history.cases import (
    CONDITION_FIELDS,
    GOALS,
    LEVELS,
    REGIME_TYPES,
    TACTICS,
    Case,
    CaseFileError,
    Goal,
    Level,
    RegimeType,
    Tactics,
    default_catalogue_path,
    load_cases,
    parse_cases,
)
from civres.model import Outcome

# Cases whose observed facts were transcribed from NAVCO 1.2/1.3; each must cite NAVCO.
NAVCO_CODED = {
    "india-1947",
    "portugal-1974",
    "iran-1979",
    "poland-1989",
    "philippines-1986",
    "south-africa-1952",
    "south-africa-1994",
    "chile-1988",
    "china-1989",
    "estonia-1991",
    "latvia-1991",
    "lithuania-1991",
    "kosovo-1990",
    "kosovo-1998",
    "serbia-2000",
    "burma-2007",
    "iran-2009",
    "egypt-2011",
    "syria-2011-uprising",
    "syria-2011-civil-war",
    "turkey-gezi-2013",
    "ukraine-2014",
    "hong-kong-2014",
}


@pytest.fixture(scope="module")
def catalogue() -> dict[str, Case]:
    """The shipped catalogue, keyed by id."""
    return {case.id: case for case in load_cases(default_catalogue_path())}


# --- the shipped catalogue ---------------------------------------------------------


def test_default_path_points_at_seeds_cases_toml():
    """The default path is the repository's seeds/cases.toml and exists."""
    path = default_catalogue_path()
    assert path.parts[-2:] == ("seeds", "cases.toml")
    assert path.is_file()


def test_catalogue_loads_with_enough_unique_cases():
    """The shipped catalogue validates, has at least 30 cases and unique ids."""
    cases = load_cases()
    ids = [case.id for case in cases]
    assert len(cases) >= 30
    assert len(ids) == len(set(ids))


def test_catalogue_contains_serbia_2000(catalogue):
    """Serbia 2000 carries NAVCO's years, outcome, peak and defection."""
    serbia = catalogue["serbia-2000"]
    assert (serbia.start_year, serbia.end_year) == (1996, 2000)
    assert serbia.observed.outcome == "success"
    assert serbia.observed.peak_participation_pct == pytest.approx(2.661)
    assert serbia.observed.security_defections is True


def test_syria_2011_is_split_into_uprising_and_war(catalogue):
    """Syria 2011 is two cases, the nonviolent uprising and the armed war."""
    syria = [case for case in catalogue.values() if case.id.startswith("syria-2011")]
    assert len(syria) == 2
    assert any(case.observed.outcome == "violent" for case in syria)
    disciplines = {case.conditions.discipline for case in syria}
    assert len(disciplines) == 2, "uprising and armed war should differ in discipline"


@pytest.mark.parametrize("country", ["Estonia", "Latvia", "Lithuania"])
def test_singing_revolution_has_one_case_per_baltic_state(catalogue, country):
    """The Singing Revolution is split into one case per Baltic state."""
    assert sum(case.country == country for case in catalogue.values()) == 1


def test_kosovo_is_split_into_nonviolent_and_armed_campaigns(catalogue):
    """Kosovo: the 1990s nonviolent campaign and the 1998-99 KLA war."""
    assert catalogue["kosovo-1990"].observed.outcome != "violent"
    assert catalogue["kosovo-1998"].observed.outcome == "violent"


def test_every_outcome_appears(catalogue):
    """Each of the four outcomes is observed at least once."""
    assert {case.observed.outcome for case in catalogue.values()} == set(Outcome)


def test_navco_coded_cases_cite_navco(catalogue):
    """Every case whose facts came from NAVCO cites NAVCO."""
    assert catalogue.keys() >= NAVCO_CODED
    for case_id in NAVCO_CODED:
        sources = catalogue[case_id].observed.sources
        assert any(source.startswith("NAVCO 1.") for source in sources), case_id


def test_navco_peaks_are_transcribed(catalogue):
    """Peak participation is NAVCO's peak_pct_pop (already percent)."""
    estonia = next(case for case in catalogue.values() if case.country == "Estonia")
    assert estonia.observed.peak_participation_pct == pytest.approx(19.2, abs=0.05)
    assert catalogue["china-1989"].observed.peak_participation_pct == pytest.approx(
        0.089
    )
    assert catalogue["chile-1988"].observed.peak_participation_pct == pytest.approx(
        5.426
    )


def test_catalogue_values_are_within_the_vocabularies(catalogue):
    """Loaded values are within the module's vocabularies."""
    for case in catalogue.values():
        assert case.regime_type in REGIME_TYPES
        assert case.tactics in TACTICS
        assert all(level in LEVELS for level in dataclasses.astuple(case.conditions))
        assert case.start_year <= case.end_year


def test_loaded_cases_hold_their_coded_words_as_enums(catalogue):
    """Every coded field is its enum member, equal to the word the file holds."""
    serbia = catalogue["serbia-2000"]
    assert isinstance(serbia.regime_type, RegimeType) and serbia.regime_type == "personalist"
    assert isinstance(serbia.tactics, Tactics) and isinstance(serbia.goal, Goal)
    assert isinstance(serbia.observed.outcome, Outcome)
    assert all(isinstance(level, Level) for level in dataclasses.astuple(serbia.conditions))
    assert (LEVELS, TACTICS, GOALS) == (("low", "medium", "high"),
                                        ("concentrated", "mixed", "dispersed"),
                                        ("maximalist", "reform"))


def test_a_case_built_in_code_turns_words_into_enums_and_refuses_unknown_ones(catalogue):
    serbia = catalogue["serbia-2000"]
    built = dataclasses.replace(serbia, regime_type="military", tactics="mixed", goal="reform")
    assert (built.regime_type, built.tactics, built.goal) == (
        RegimeType.MILITARY, Tactics.MIXED, Goal.REFORM)
    assert dataclasses.replace(serbia.conditions, breadth="low").breadth is Level.LOW
    with pytest.raises(ValueError, match=r"^regime_type is 'junta'; allowed: personalist, "):
        dataclasses.replace(serbia, regime_type="junta")
    with pytest.raises(ValueError, match=r"^breadth is 'huge'; allowed: low, medium, high$"):
        dataclasses.replace(serbia.conditions, breadth="huge")
    with pytest.raises(ValueError, match=r"^outcome is 'won'; allowed: success, "):
        dataclasses.replace(serbia.observed, outcome="won")


def test_cases_are_frozen(catalogue):
    """Cases cannot be modified after loading."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalogue["serbia-2000"].observed.outcome = "stalled"  # type: ignore[misc]


# --- building snippets -------------------------------------------------------------

DROP = object()  # marks a key to leave out of a rendered entry


def valid_entry(case_id: str = "serbia-2000") -> dict:
    """A valid entry as nested dicts, ready to be changed and rendered."""
    entry = {
        "id": case_id,
        "name": "Overthrow of Milosevic",
        "country": "Serbia",
        "start_year": 1996,
        "end_year": 2000,
        "regime_type": "personalist",
        **{name: "medium" for name in CONDITION_FIELDS},
        "tactics": "mixed",
    }
    entry["observed"] = {
        "outcome": "success",
        "peak_participation_pct": 2.66,
        "security_defections": True,
        "sources": ["NAVCO 1.2 (Chenoweth & Shay 2019)"],
    }
    return entry


def toml_string(text: str) -> str:
    """Render a TOML basic string, escaping what TOML forbids raw (controls, DEL)."""
    escaped = "".join(
        f"\\u{ord(char):04x}"
        if ord(char) < 0x20 or ord(char) == 0x7F
        else "\\" + char
        if char in '"\\'
        else char
        for char in text
    )
    return f'"{escaped}"'


def toml_value(value) -> str:
    """Render a Python value as TOML (enough for these tests)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return repr(value)


def render(*entries: dict) -> str:
    """Render entries as [[case]] tables with their [case.observed] sub-tables."""
    lines = []
    for entry in entries:
        lines.append("[[case]]")
        for key, value in entry.items():
            if key != "observed" and value is not DROP:
                lines.append(f"{key} = {toml_value(value)}")
        if entry.get("observed", DROP) is not DROP:
            lines.append("[case.observed]")
            for key, value in entry["observed"].items():
                if value is not DROP:
                    lines.append(f"{key} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def changed(
    top: dict | None = None, observed: dict | None = None, case_id="serbia-2000"
) -> str:
    """Render one valid entry with some top-level and observed values replaced."""
    entry = valid_entry(case_id)
    entry["observed"].update(observed or {})
    entry.update(top or {})
    return render(entry)


def test_valid_snippet_parses_to_typed_case():
    """A valid entry becomes a Case with nested, typed values."""
    (case,) = parse_cases(
        changed(observed={"peak_participation_pct": 3}), "snippet.toml"
    )
    assert case.id == "serbia-2000"
    assert case.conditions.legitimacy == "medium"
    assert case.observed.sources == ("NAVCO 1.2 (Chenoweth & Shay 2019)",)
    assert isinstance(case.observed.peak_participation_pct, float)


def test_optional_observed_fields_may_be_omitted():
    """Peak participation and defections are optional (None)."""
    text = changed(
        observed={"peak_participation_pct": DROP, "security_defections": DROP}
    )
    (case,) = parse_cases(text)
    assert case.observed.peak_participation_pct is None
    assert case.observed.security_defections is None


# Each row: (problem, snippet text, the case label and field the message must name).
MALFORMED = [
    ("bad level", changed({"legitimacy": "med"}), "case 'serbia-2000'", "'legitimacy'"),
    ("level not a string", changed({"breadth": 2}), "case 'serbia-2000'", "'breadth'"),
    (
        "bad regime type",
        changed({"regime_type": "junta"}),
        "case 'serbia-2000'",
        "'regime_type'",
    ),
    (
        "bad tactics",
        changed({"tactics": "everywhere"}),
        "case 'serbia-2000'",
        "'tactics'",
    ),
    (
        "bad outcome",
        changed(observed={"outcome": "won"}),
        "case 'serbia-2000'",
        "'observed.outcome'",
    ),
    (
        "missing field",
        changed({"grievance": DROP}),
        "case 'serbia-2000'",
        "'grievance'",
    ),
    (
        "missing observed",
        changed({"observed": DROP}),
        "case 'serbia-2000'",
        "'observed'",
    ),
    (
        "missing outcome",
        changed(observed={"outcome": DROP}),
        "case 'serbia-2000'",
        "'observed.outcome'",
    ),
    ("unknown key", changed({"colour": "orange"}), "case 'serbia-2000'", "'colour'"),
    (
        "unknown observed key",
        changed(observed={"deaths": 3}),
        "case 'serbia-2000'",
        "'observed.deaths'",
    ),
    (
        "start year a string",
        changed({"start_year": "1996"}),
        "case 'serbia-2000'",
        "'start_year'",
    ),
    (
        "start year a float",
        changed({"start_year": 1996.0}),
        "case 'serbia-2000'",
        "'start_year'",
    ),
    (
        "start year a bool",
        changed({"start_year": True}),
        "case 'serbia-2000'",
        "'start_year'",
    ),
    (
        "end before start",
        changed({"end_year": 1990}),
        "case 'serbia-2000'",
        "'end_year'",
    ),
    ("empty name", changed({"name": " "}), "case 'serbia-2000'", "'name'"),
    (
        "peak not a number",
        changed(observed={"peak_participation_pct": "2%"}),
        "case 'serbia-2000'",
        "'observed.peak_participation_pct'",
    ),
    (
        "peak negative",
        changed(observed={"peak_participation_pct": -1.0}),
        "case 'serbia-2000'",
        "'observed.peak_participation_pct'",
    ),
    (
        "peak over 100",
        changed(observed={"peak_participation_pct": 100.5}),
        "case 'serbia-2000'",
        "'observed.peak_participation_pct'",
    ),
    (
        "peak nan",
        changed().replace(
            "peak_participation_pct = 2.66", "peak_participation_pct = nan"
        ),
        "case 'serbia-2000'",
        "'observed.peak_participation_pct'",
    ),
    (
        "defections not a bool",
        changed(observed={"security_defections": 1}),
        "case 'serbia-2000'",
        "'observed.security_defections'",
    ),
    (
        "sources empty",
        changed(observed={"sources": []}),
        "case 'serbia-2000'",
        "'observed.sources'",
    ),
    (
        "sources a string",
        changed(observed={"sources": "NAVCO"}),
        "case 'serbia-2000'",
        "'observed.sources'",
    ),
    (
        "sources not strings",
        changed(observed={"sources": [1, 2]}),
        "case 'serbia-2000'",
        "'observed.sources'",
    ),
    ("bad id format", changed({"id": "Serbia 2000"}), "case #1", "'id'"),
    ("id with double dash", changed({"id": "serbia--2000"}), "case #1", "'id'"),
    ("missing id", changed({"id": DROP}), "case #1", "'id'"),
    (
        "duplicate id",
        render(valid_entry("serbia-2000"), valid_entry("serbia-2000")),
        "case 'serbia-2000'",
        "'id' is duplicated",
    ),
]


@pytest.mark.parametrize(
    ("text", "label", "field"),
    [row[1:] for row in MALFORMED],
    ids=[row[0] for row in MALFORMED],
)
def test_malformed_entry_names_case_and_field(tmp_path: Path, text, label, field):
    """Each malformation gives one line naming the file, case and field."""
    path = tmp_path / "cases.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaseFileError) as info:
        load_cases(path)
    (problem,) = info.value.problems
    assert str(info.value) == problem, "one problem, one line"
    assert problem.startswith(f"{path}: {label}: ")
    assert f"field {field}" in problem


def test_bad_level_message_lists_allowed_values():
    """The message says what the value is and what is allowed."""
    with pytest.raises(CaseFileError) as info:
        parse_cases(changed({"legitimacy": "med"}), "cases.toml")
    assert str(info.value) == (
        "cases.toml: case 'serbia-2000': field 'legitimacy' is 'med'; "
        "allowed: low, medium, high"
    )


def test_error_is_a_value_error():
    """CaseFileError can be caught as ValueError."""
    assert issubclass(CaseFileError, ValueError)


def test_toml_syntax_error_names_file_and_line(tmp_path: Path):
    """A TOML syntax error is one line with the file and the line number."""
    path = tmp_path / "broken.toml"
    path.write_text('[[case]]\nid = "serbia-2000"\nname = \n', encoding="utf-8")
    with pytest.raises(CaseFileError) as info:
        load_cases(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: TOML syntax error")
    assert "line 3" in message


@pytest.mark.parametrize(
    "text",
    ["", 'title = "cases"\n', "[case]\nid = 'x'\n", "case = []\n", "case = 3\n"],
    ids=["empty", "other key only", "single table", "empty array", "not an array"],
)
def test_missing_case_array_is_reported(text):
    """A file without a [[case]] array is rejected."""
    with pytest.raises(
        CaseFileError, match=r"^f\.toml: no \[\[case\]\] table array found$"
    ):
        parse_cases(text, "f.toml")


def test_unknown_top_level_key_is_reported():
    """Keys beside the case array are rejected."""
    with pytest.raises(CaseFileError, match=r"unknown top-level key 'version'"):
        parse_cases("version = 1\n" + changed())


def test_non_table_entry_is_reported_by_index():
    """An entry that is not a table is named by its position."""
    with pytest.raises(
        CaseFileError, match=r"^s: case #1: is 3, not a \[\[case\]\] table$"
    ):
        parse_cases("case = [3]\n", "s")


def test_all_problems_in_a_file_are_reported_one_line_each(tmp_path: Path):
    """All problems of a file are reported together, one line each, in order."""
    first = valid_entry("tiananmen-1989")
    first.update(legitimacy="med", start_year="1989", colour="red")
    first["observed"].update(outcome="crushed", security_defections="no")
    second = valid_entry("Bad Id")
    second.update(tactics=DROP)
    third = valid_entry("tiananmen-1989")  # duplicate of the first
    third.update(end_year=1900)
    path = tmp_path / "cases.toml"
    path.write_text(render(first, second, third), encoding="utf-8")

    with pytest.raises(CaseFileError) as info:
        load_cases(path)

    lines = str(info.value).splitlines()
    assert lines == list(info.value.problems)
    expected = [
        ("case 'tiananmen-1989'", "'colour'"),
        ("case 'tiananmen-1989'", "'start_year'"),
        ("case 'tiananmen-1989'", "'legitimacy'"),
        ("case 'tiananmen-1989'", "'observed.outcome'"),
        ("case 'tiananmen-1989'", "'observed.security_defections'"),
        ("case #2", "'id'"),
        ("case #2", "'tactics'"),
        ("case 'tiananmen-1989'", "'end_year'"),
        ("case 'tiananmen-1989'", "'id' is duplicated"),
    ]
    assert len(lines) == len(expected)
    for line, (label, field) in zip(lines, expected, strict=True):
        assert line.startswith(f"{path}: {label}: "), line
        assert field in line, line


@given(
    field=st.sampled_from(CONDITION_FIELDS),
    value=st.text(min_size=1, max_size=12).filter(lambda text: text not in LEVELS),
)
def test_any_non_level_value_is_rejected(field, value):
    """Any string outside LEVELS is rejected for any condition."""
    with pytest.raises(CaseFileError) as info:
        parse_cases(changed({field: value}))
    (problem,) = info.value.problems
    assert f"field '{field}' is " in problem
    assert problem.endswith("allowed: low, medium, high")

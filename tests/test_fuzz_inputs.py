"""Fuzzing of what users type and write (reliability tier, issue 10): sweep configs, case
files and command-line values, drawn by hypothesis. Each input either works or gives a
`CivresError` whose message is one line (a case file: one line per problem, each naming
the file); never another exception, never a traceback."""

from __future__ import annotations

import datetime as dt
import json
import math
import tomllib

import pytest
from case_samples import ONE_CASE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sweep_helpers import SMOKE

from civres.cli import main
from civres.commands import parse_overrides
from civres.errors import CaseFileError, CivresError, UsageError
from civres.experiments.history.cases import (
    CONDITION_FIELDS,
    LEVELS,
    REGIME_TYPES,
    TACTICS,
    Case,
    parse_cases,
)
from civres.experiments.history.mapping import case_params
from civres.experiments.sweeps.designs import DESIGNS, SweepConfig, load_config, parse_config
from civres.model import Params

PARAMS = Params.field_names()
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# ---------------------------------------------------------------------------- TOML values

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-2**63, max_value=2**63 - 1),
    st.integers(min_value=-3, max_value=1200),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-0.5, max_value=1.5),
    TEXT,
    st.datetimes(min_value=dt.datetime(1, 1, 1), max_value=dt.datetime(9999, 12, 31)),
    st.dates(),
)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(TEXT, inner, max_size=3), max_leaves=8)


def toml_value(value) -> str:
    """A value as TOML (inline tables and arrays): enough to write any drawn document."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value).replace("\x7f", "\\u007f")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(type(value))


def toml_document(doc: dict) -> str:
    return "\n".join(f"{json.dumps(key)} = {toml_value(value)}" for key, value in doc.items())


def assert_one_line_error(err: CivresError) -> None:
    message = str(err)
    assert message and "\n" not in message and "Traceback" not in message, message


# ---------------------------------------------------------------------------- sweep configs

PARAM_VALUE = st.one_of(st.floats(min_value=-0.5, max_value=1.5), st.integers(-5, 1200),
                        st.booleans(), SCALARS, VALUES)
RANGES_OF = {row["name"]: (row["type"], *row["range"]) for row in Params.describe()}
#: Grid sizes kept small, so a valid design is quick to check.
SMALL_INTS = {"width": (5, 40), "height": (5, 40), "max_steps": (1, 400),
              "citizen_vision": (1, 12), "security_vision": (1, 12)}


def in_range(name: str):
    """A value of parameter `name` inside its declared range."""
    kind, lo, hi = RANGES_OF[name]
    if kind == "bool":
        return st.booleans()
    if kind == "int":
        lo, hi = SMALL_INTS.get(name, (lo, min(hi, lo + 100)))
        return st.integers(lo, hi)
    return st.floats(lo, hi, allow_nan=False)


def edge_values(name: str):
    """Values at, beyond and far beyond a parameter's declared range, and odd types."""
    kind, lo, hi = RANGES_OF[name]
    return st.one_of(st.sampled_from([lo, hi, lo - 1, hi + 1, -lo, 2 * hi, math.inf,
                                      -math.inf, math.nan, 2**63 - 1, 0, 1, True]),
                     VALUES)


@st.composite
def valid_configs(draw) -> dict:
    """A config that is valid (or breaks only a rule across fields, e.g. vision vs grid)."""
    design = draw(st.sampled_from(DESIGNS))
    names = draw(st.lists(st.sampled_from(PARAMS), min_size=1, max_size=4, unique=True))
    varied, fixed = names[:draw(st.integers(1, len(names)))], names
    if design != "grid":
        varied = [n for n in varied if RANGES_OF[n][0] != "bool"] or ["legitimacy"]
    fixed = [n for n in fixed if n not in varied]
    vary: dict = {}
    for name in varied:
        if design == "grid":
            vary[name] = draw(st.lists(in_range(name), min_size=1, max_size=3, unique=True))
        else:
            a, b = draw(in_range(name)), draw(in_range(name))
            if a == b:
                a, b = RANGES_OF[name][1], RANGES_OF[name][2]
            vary[name] = {"min": min(a, b), "max": max(a, b)}
    sweep = {"name": draw(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,10}", fullmatch=True)),
             "master_seed": draw(st.integers(0, 2**64)),
             "replications": draw(st.integers(1, 3)), "design": design}
    if design != "grid":
        sweep["samples"] = draw(st.sampled_from([1, 2, 4]))
    if draw(st.booleans()):
        sweep["record_trajectories"] = draw(st.booleans())
    return {"sweep": sweep, "fixed": {n: draw(in_range(n)) for n in fixed}, "vary": vary}


@st.composite
def mutated_configs(draw) -> dict:
    """A valid config with a few values replaced, keys removed or keys added."""
    doc = draw(valid_configs())
    for _ in range(draw(st.integers(0, 3))):
        table = draw(st.sampled_from(["sweep", "fixed", "vary", "top"]))
        where = doc if table == "top" else doc.get(table)
        if not isinstance(where, dict):
            continue
        key = draw(st.one_of(st.sampled_from(sorted(where) or ["x"]), NAMES,
                             st.sampled_from(["samples", "min", "max", "other"])))
        action = draw(st.sampled_from(["replace", "replace", "delete", "nest"]))
        if action == "delete":
            where.pop(key, None)
        elif action == "nest" and isinstance(where.get(key), dict | list):
            inner = where[key]
            if isinstance(inner, dict):
                inner[draw(st.sampled_from(["min", "max", "x"]))] = draw(
                    edge_values(key) if key in RANGES_OF else VALUES)
            elif inner:
                inner[draw(st.integers(0, len(inner) - 1))] = draw(
                    edge_values(key) if key in RANGES_OF else VALUES)
        else:
            where[key] = draw(edge_values(key) if key in RANGES_OF else VALUES)
    return doc


NAMES = st.one_of(st.sampled_from([*PARAMS, "nonsense"]), TEXT)
DOCUMENTS = st.one_of(mutated_configs(), mutated_configs(),
                      st.dictionaries(st.sampled_from(["sweep", "fixed", "vary", "x"]), VALUES,
                                      max_size=3))


@FUZZ
@given(DOCUMENTS)
def test_any_parsed_config_is_valid_or_one_line_error(doc):
    try:
        config = parse_config(doc)
    except CivresError as err:
        assert_one_line_error(err)
        return
    assert isinstance(config, SweepConfig)


@FUZZ
@given(DOCUMENTS)
def test_any_config_file_is_valid_or_one_line_error(tmp_path_factory, doc):
    path = tmp_path_factory.mktemp("cfg") / "sweep.toml"
    path.write_text(toml_document(doc), encoding="utf-8")
    try:
        load_config(path)
    except CivresError as err:
        assert_one_line_error(err)


SMOKE_BYTES = SMOKE.read_bytes()


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(SMOKE_BYTES)), st.binary(max_size=4),
                          st.integers(0, 6)), max_size=4))
def test_any_edit_of_a_config_file_is_valid_or_one_line_error(tmp_path_factory, edits):
    data = bytearray(SMOKE_BYTES)
    for position, insert, delete in edits:  # bytes replaced: anything, non-UTF-8 included
        position = min(position, len(data))
        data[position:position + delete] = insert
    path = tmp_path_factory.mktemp("cfg") / "sweep.toml"
    path.write_bytes(bytes(data))
    try:
        load_config(path)
    except CivresError as err:
        assert_one_line_error(err)


@pytest.mark.parametrize("text, needle", [
    (b'[sweep]\nname = "x\xff"\n', "not UTF-8"),
    (b"\xff\xfe[\x00s\x00", "not UTF-8"),
    (b"a = " + b"[" * 2000 + b"]" * 2000, "sweep"),
    (SMOKE_BYTES.replace(b"width = 20", b"width = inf"), "fixed.width"),
    (SMOKE_BYTES.replace(b"width = 20", b"width = nan"), "fixed.width"),
    (SMOKE_BYTES.replace(b"[0.5, 0.8]", b"[0.5, inf]"), "vary.legitimacy[1]"),
    (SMOKE_BYTES.replace(b"max_steps = 60", b"max_steps = 1e999"), "fixed.max_steps"),
    (SMOKE_BYTES.replace(b"replications = 10", b"replications = 99999999999999999"),
     "--allow-large"),
    (SMOKE_BYTES.replace(b'name = "smoke"', b'name = ".."'), "sweep.name"),
    (SMOKE_BYTES.replace(b'name = "smoke"', b'name = "a/b"'), "sweep.name"),
])
def test_hostile_config_files_get_one_line(tmp_path, text, needle):
    path = tmp_path / "sweep.toml"
    path.write_bytes(text)
    with pytest.raises(CivresError) as caught:
        load_config(path)
    assert_one_line_error(caught.value)
    assert needle in str(caught.value)


def test_a_config_that_is_not_a_file(tmp_path):
    for path in (tmp_path, tmp_path / "missing.toml"):
        with pytest.raises(CivresError) as caught:
            load_config(path)
        assert_one_line_error(caught.value)


# ---------------------------------------------------------------------------- case files



def _one_case() -> dict:
    return tomllib.loads(ONE_CASE)["case"][0]


ONE = _one_case()
CASE_KEYS = sorted({*ONE, *ONE["observed"]})


@st.composite
def case_entries(draw):
    """A valid case with some keys replaced, removed or added (observed included)."""
    entry = json.loads(json.dumps(ONE))
    for _ in range(draw(st.integers(0, 4))):
        observed = entry.get("observed")
        where = entry if draw(st.booleans()) or not isinstance(observed, dict) else observed
        key = draw(st.one_of(st.sampled_from(CASE_KEYS), TEXT))
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            where.pop(key, None)
        else:
            where[key] = draw(st.one_of(VALUES, st.sampled_from(
                ["low", "medium", "high", "success", "mixed", "personalist"])))
    return entry


@st.composite
def valid_case_entries(draw):
    """A valid case: every condition, the regime type, tactics and years drawn anew."""
    entry = json.loads(json.dumps(ONE))
    for name in CONDITION_FIELDS:
        entry[name] = draw(st.sampled_from(LEVELS))
    entry["regime_type"] = draw(st.sampled_from(REGIME_TYPES))
    entry["tactics"] = draw(st.sampled_from(TACTICS))
    entry["start_year"] = draw(st.integers(1900, 2030))
    entry["end_year"] = draw(st.integers(entry["start_year"], 2030))
    entry["id"] = draw(st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,5})?", fullmatch=True))
    return entry


CASE_DOCUMENTS = st.one_of(
    st.fixed_dictionaries({"case": st.lists(valid_case_entries(), min_size=1, max_size=3,
                                            unique_by=lambda e: e["id"])}),
    st.fixed_dictionaries({"case": st.lists(case_entries(), min_size=1, max_size=3)}),
    st.fixed_dictionaries({"case": st.one_of(st.lists(VALUES, max_size=3), VALUES)},
                          optional={"other": VALUES}),
    st.dictionaries(TEXT, VALUES, max_size=3),
)


@FUZZ
@given(CASE_DOCUMENTS)
def test_any_case_file_is_valid_or_an_error_per_line(doc):
    try:
        cases = parse_cases(toml_document(doc), "mine.toml")
    except CaseFileError as err:
        lines = str(err).splitlines()
        assert lines and all(line.startswith("mine.toml: ") for line in lines)
        return
    for case in cases:
        assert isinstance(case, Case)
        assert isinstance(case_params(case), Params)  # a valid case always runs


@FUZZ
@given(st.binary(max_size=200))
def test_any_bytes_as_a_case_file(tmp_path_factory, data):
    from civres.experiments.history.cases import load_cases

    path = tmp_path_factory.mktemp("cases") / "mine.toml"
    path.write_bytes(data)
    try:
        load_cases(path)
    except CaseFileError:
        pass


DEEP = "a = " + "[" * 500 + "]" * 500 + "\n"
DEEP_TABLE = "[priors]\nfatigue = " + "{a = " * 500 + "1" + "}" * 500 + "\n"


@pytest.mark.parametrize("text", [DEEP, DEEP_TABLE])
@pytest.mark.parametrize("command", ["calibrate", "compare", "explore"])
def test_files_nested_500_deep_get_one_line_and_exit_2(tmp_path, capsys, text, command):
    # a calibration config or a case file nested 500 deep once gave tomllib's
    # RecursionError traceback (sweep configs already had this line)
    path = tmp_path / "deep.toml"
    path.write_text(text)
    argv = {"calibrate": ["calibrate", str(path)], "compare": ["compare", "--cases", str(path)],
            "explore": ["explore", "--cases", str(path), "--case", "x"]}[command]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "nested too deeply" in err and "\n" not in err


# ---------------------------------------------------------------------------- command line


@FUZZ
@given(st.sampled_from([*PARAMS, "nope", ""]), st.one_of(TEXT, st.sampled_from(
    ["inf", "-inf", "nan", "1e999", "0", "-0", "1_000", "0x10", "true", "yes", " 3 "])))
def test_any_param_override_is_typed_or_one_line(name, text):
    try:
        overrides = parse_overrides([f"{name}={text}"])
    except UsageError as err:
        assert_one_line_error(err)
        return
    try:
        Params(**overrides)
    except ValueError as err:
        assert "\n" not in str(err) and name in str(err)


@pytest.mark.parametrize("argv", [
    ["run", "--seed", "-1"], ["run", "--seed", "1.5"], ["run", "--seed", ""],
    ["run", "--seed", "99999999999999999999999999999999999999", "--out", ""],
    ["compare", "--seed", "-3"], ["facts", "--seed", "-1"],
    ["facts", "--samples", "0"], ["compare", "--reps", "-1"],
    ["run", "--param", "width=inf"], ["run", "--param", "legitimacy=nan"],
    ["run", "--param", "max_steps=1e999"],
    ["sweep", str(SMOKE), "--workers", "-2"], ["sweep", str(SMOKE), "--chunk-runs", "0"],
    ["analyze", "/nonexistent/folder"], ["app", "--port", "99999"],
])
def test_hostile_command_lines_get_one_line_and_exit_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1

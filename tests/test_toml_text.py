"""The nesting count that keeps deep files away from tomllib's recursion."""
from __future__ import annotations

import tomllib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civres.experiments.sweeps import toml_text
from civres.experiments.sweeps.toml_text import (
    MAX_NESTING,
    NestedTooDeeply,
    load_toml,
    nesting_depth,
)


@pytest.mark.parametrize(("text", "depth"), [
    ("", 0),
    ("a = 1\n", 0),
    ("[table]\na = 1\n", 1),
    ("[[case]]\nname = 'x'\n", 2),
    ("a = [[1, 2], [3]]\n", 2),
    ("a = {b = {c = [1]}}\n", 3),
    ("a = '[[[['\n", 0),                   # literal string
    ('a = "[[[["\n', 0),                   # basic string
    ('a = "\\"[[["\n', 0),                 # an escaped quote does not end it
    ('a = "\\\\"\nb = [1]\n', 1),          # an escaped backslash does not escape the quote
    ("a = 'C:\\'\nb = [1]\n", 1),          # no escapes in literal strings
    ('a = """\n[[[\n"""\nb = [1]\n', 1),   # multi-line basic
    ("a = '''\n{{{\n'''\nb = [1]\n", 1),   # multi-line literal
    ('a = """x""""\nb = [1]\n', 1),        # a multi-line string may end in extra quotes
    ("# [[[[\na = [1] # {{{{\n", 1),       # comments
    ('"[[" = [1]\n', 1),                   # quoted keys
    ("a = ]]]] [1]\n", 1),                 # stray closers do not go below zero
    ('a = "[[[ unterminated\nb = [1]\n', 1),
])
def test_nesting_depth_counts_brackets_outside_strings_and_comments(text, depth):
    assert nesting_depth(text) == depth


def test_nesting_depth_runs_to_the_end_of_an_unterminated_multi_line_string():
    assert nesting_depth('a = [ """ [[[[ \n') == 1
    assert nesting_depth("a = [ ''' {{{{ \n") == 1


def _nested(values, depth):
    return values if depth == 0 else [_nested(values, depth - 1)]


@st.composite
def nested_documents(draw):
    depth = draw(st.integers(0, 8))
    leaves = draw(st.lists(st.text(alphabet="[]{}'\"#\\ ab\n", max_size=6), max_size=3))
    return {"a": _nested(leaves, depth)}, depth


def _dump(value) -> str:
    """TOML for strings and arrays of them (tomllib has no writer)."""
    if isinstance(value, list):
        return "[" + ", ".join(_dump(item) for item in value) + "]"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


@given(nested_documents())
def test_the_count_is_the_depth_of_the_arrays_whatever_the_strings_hold(document):
    data, depth = document
    text = f"a = {_dump(data['a'])}  # ]]] {{{{\n"
    assert tomllib.loads(text) == data        # the writer above is right
    assert nesting_depth(text) == depth + 1   # the outer array, then `depth` more


def test_text_nested_more_than_the_limit_never_reaches_tomllib(monkeypatch):
    # Deep recursion is what printed "Exception ignored in audit hook" beside the error
    # line in CI; the refusal must come before tomllib recurses at all.
    def tomllib_must_not_run(text):
        raise AssertionError("tomllib.loads was called")
    monkeypatch.setattr(toml_text.tomllib, "loads", tomllib_must_not_run)
    for text in ("a = " + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1),
                 "a = " + "{b = " * (MAX_NESTING + 1) + "1" + "}" * (MAX_NESTING + 1)):
        with pytest.raises(NestedTooDeeply, match=f"more than {MAX_NESTING} deep"):
            load_toml(text)


def _at_stack_depth(frames, call):
    return call() if frames == 0 else _at_stack_depth(frames - 1, call)


def test_text_nested_to_the_limit_parses_even_from_a_deep_stack():
    arrays = "a = " + "[" * MAX_NESTING + "]" * MAX_NESTING + "\n"
    tables = "a = " + "{b = " * (MAX_NESTING - 1) + "{}" + "}" * (MAX_NESTING - 1) + "\n"
    assert nesting_depth(arrays) == nesting_depth(tables) == MAX_NESTING
    assert _at_stack_depth(300, lambda: load_toml(arrays))["a"] == _nested([], MAX_NESTING - 1)
    assert _at_stack_depth(300, lambda: load_toml(tables))["a"]["b"]["b"]["b"] is not None


def test_syntax_errors_are_still_tomllib_s():
    with pytest.raises(tomllib.TOMLDecodeError):
        load_toml("a = [1,\n")

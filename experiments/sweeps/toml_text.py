"""Parse a user's TOML text, refusing deep nesting before the parser recurses into it.

tomllib recurses once per level of nested arrays and inline tables, so a file nested a
few hundred deep used to end in RecursionError, which the callers turned into a one-line
error. But a RecursionError is raised with the stack at its limit, and anything that runs
there - an audit hook a library installed (filelock 4.3 installs one), a finalizer the
garbage collector calls - fails in turn and prints "Exception ignored in ..." to stderr
beside our line. So the depth is counted first, on the text, and deep files never reach
the parser. Sweep configs, calibration configs and case files all come through here.
"""
from __future__ import annotations

import tomllib
from typing import Any

# Real configs and case files nest three or four deep; a hundred leaves tomllib's
# recursion (a few frames a level) far below Python's default limit of 1000.
MAX_NESTING = 100


class NestedTooDeeply(ValueError):
    """The text nests arrays or inline tables more than MAX_NESTING deep."""


def load_toml(text: str) -> dict[str, Any]:
    """Parse ``text`` with tomllib after checking its nesting depth.

    Raises:
        NestedTooDeeply: more than MAX_NESTING brackets and braces open at once.
        tomllib.TOMLDecodeError: anything else tomllib rejects.
    """
    if nesting_depth(text) > MAX_NESTING:
        raise NestedTooDeeply(f"nested more than {MAX_NESTING} deep")
    try:
        return tomllib.loads(text)
    except RecursionError:  # a backstop: the count above should make this unreachable
        raise NestedTooDeeply(f"nested more than {MAX_NESTING} deep") from None


def nesting_depth(text: str) -> int:
    """The most ``[`` and ``{`` open at once, outside strings and comments.

    Unbalanced or malformed text is counted as it stands; tomllib reports what is
    wrong with it. Only the depth matters here, so a closing bracket that matches
    nothing just leaves the count at zero.
    """
    depth = deepest = 0
    i, end = 0, len(text)
    while i < end:
        char = text[i]
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
        elif char == "#":
            i = _line_end(text, i)
            continue
        elif char in "\"'":
            i = _string_end(text, i)
            continue
        i += 1
    return deepest


def _line_end(text: str, start: int) -> int:
    newline = text.find("\n", start)
    return len(text) if newline < 0 else newline


def _string_end(text: str, start: int) -> int:
    """The index just past the string that opens at ``start`` (or the end of text)."""
    quote = text[start]
    escapes = quote == '"'  # literal strings ('...') have no escapes
    if text.startswith(quote * 3, start):
        close = text.find(quote * 3, start + 3) if not escapes else _find_unescaped(
            text, quote * 3, start + 3)
        # a multi-line string may end with up to two more quotes ("""a"""" is 'a"')
        return len(text) if close < 0 else _past_extra_quotes(text, close + 3, quote)
    close = _find_unescaped(text, quote, start + 1) if escapes else text.find(quote, start + 1)
    newline = text.find("\n", start + 1)
    if close < 0 or 0 <= newline < close:  # unterminated: tomllib will say so
        return _line_end(text, start)
    return close + 1


def _find_unescaped(text: str, target: str, start: int) -> int:
    i = start
    while True:
        found = text.find(target, i)
        if found < 0:
            return -1
        backslashes = 0
        while found - 1 - backslashes >= start and text[found - 1 - backslashes] == "\\":
            backslashes += 1
        if backslashes % 2 == 0:
            return found
        i = found + 1


def _past_extra_quotes(text: str, index: int, quote: str) -> int:
    extra = 0
    while extra < 2 and index + extra < len(text) and text[index + extra] == quote:
        extra += 1
    return index + extra

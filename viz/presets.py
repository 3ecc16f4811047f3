"""Presets offered in the app's dropdown: the model's PRESETS plus optional sources.

A source is a function returning ``{name: {parameter: value, ...}}``. The app reads
``model.presets.PRESETS`` first, then every source registered with
:func:`register_preset_source`, then, when it exists, the optional hook
``experiments.mapping.case_presets()`` (the historical cases). Sources are called
each time the list is read, so a source may read files lazily.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from model.presets import PRESETS

PresetSource = Callable[[], Mapping[str, Mapping[str, Any]]]

#: Extra sources registered at run time (see register_preset_source).
_SOURCES: list[PresetSource] = []

#: Optional hooks looked up by name: (module, function). A missing module or function
#: is skipped; a hook that exists but fails raises, so a broken catalogue is not hidden.
OPTIONAL_HOOKS: tuple[tuple[str, str], ...] = (("experiments.mapping", "case_presets"),)


def register_preset_source(source: PresetSource) -> None:
    """Add a function returning more presets ({name: overrides}) to the dropdown."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def _hooks() -> list[PresetSource]:
    """Return the optional hooks that exist in this installation."""
    found = []
    for module_name, function_name in OPTIONAL_HOOKS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name != module_name:
                raise
            continue
        hook = getattr(module, function_name, None)
        if callable(hook):
            found.append(hook)
    return found


def available_presets() -> dict[str, dict[str, Any]]:
    """Every preset the app offers, in dropdown order: name -> parameter overrides.

    Raises:
        ValueError: when two sources define the same preset name.

    """
    merged: dict[str, dict[str, Any]] = {name: dict(v) for name, v in PRESETS.items()}
    for source in [*_SOURCES, *_hooks()]:
        for name, overrides in source().items():
            if name in merged:
                raise ValueError(f"preset {name!r} is defined twice (by {source!r})")
            merged[name] = dict(overrides)
    return merged

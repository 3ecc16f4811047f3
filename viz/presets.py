"""Presets offered in the app's dropdown: the model's PRESETS plus more sources.

A source is a function returning ``{name: {parameter: value, ...}}``. The app reads
``model.presets.PRESETS`` first, then every source registered with
:func:`register_preset_source`, then the historical cases
(``civres.experiments.history.mapping.case_presets``). Sources are called each time the
list is read,
so a source may read files lazily; a source that fails raises, so a broken catalogue is
not hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from civres.experiments.history.mapping import case_presets
from civres.model.presets import PRESETS

PresetSource = Callable[[], Mapping[str, Mapping[str, Any]]]

#: Extra sources registered at run time (see register_preset_source).
_SOURCES: list[PresetSource] = []


def register_preset_source(source: PresetSource) -> None:
    """Add a function returning more presets ({name: overrides}) to the dropdown."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def available_presets() -> dict[str, dict[str, Any]]:
    """Every preset the app offers, in dropdown order: name -> parameter overrides.

    Raises:
        ValueError: when two sources define the same preset name.

    """
    merged: dict[str, dict[str, Any]] = {name: dict(v) for name, v in PRESETS.items()}
    for source in [*_SOURCES, case_presets]:
        for name, overrides in source().items():
            if name in merged:
                raise ValueError(f"preset {name!r} is defined twice (by {source!r})")
            merged[name] = dict(overrides)
    return merged

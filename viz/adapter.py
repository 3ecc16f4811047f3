"""Between the page's controls and the model: controls from Params, values to Params.

:func:`control` derives each control (type, range, step, unit, help) from
``Params.describe()``, so defaults, ranges and meanings are written once, in
``model/params.py``. :class:`AppModel` takes a preset, a seed and the controls' values
and builds ``Params``.

How a preset and the controls combine: picking a preset moves the controls to its
values (:func:`preset_values`); a control then overrides the preset only where it differs
from the preset's value, and the page marks it as changed. Parameters without a control
come from the preset alone. The Parameters tab shows the values the model uses.
"""

from __future__ import annotations

import math
import random
from typing import Any

from civres.model import CivilResistanceModel, Params
from civres.model.model import checked_seed
from civres.model.param_groups import GROUPS

from .presets import available_presets

#: Every parameter has a control, grouped by actor (model/param_groups.py), in the
#: order the sidebar shows them.
MAIN_PARAMETERS: tuple[str, ...] = tuple(name for names in GROUPS.values() for name in names)

#: Upper limits the app puts on a few controls, tighter than Params allows, to keep the
#: page responsive (Params itself still accepts the full range from the command line).
UI_MAX: dict[str, int] = {"width": 200, "height": 200, "max_steps": 2000}

#: The preset and seed the page starts with.
DEFAULT_PRESET, DEFAULT_SEED = "default", "0"

_DESCRIBED = {row["name"]: row for row in Params.describe()}


def slider_step(lo: float, hi: float, default: float) -> float:
    """Return a round slider step: about a hundred positions over [lo, hi].

    The step is made finer where needed so that the default is one of the positions:
    the browser snaps a slider's value to its steps, and would change the default.
    """
    span = float(hi) - float(lo)
    step = 10.0 ** math.floor(math.log10(span / 100.0)) if span > 0 else 0.01
    for _ in range(6):
        positions = (float(default) - float(lo)) / step
        if abs(positions - round(positions)) < 1e-6:
            break
        step /= 10.0
    return step


def control(name: str, value: Any = None) -> dict[str, Any]:
    """Return the control of one parameter, read from Params.describe().

    ``value`` (the default when None) is where the control stands; a slider's step is
    fine enough that the value is one of its positions. Every control carries its
    label (the parameter's name), unit, help text (its meaning) and group.
    """
    row = _DESCRIBED[name]
    lo, hi = row["range"]
    value = row["default"] if value is None else value
    spec = {"label": name, "value": value, "unit": row["unit"], "help": row["meaning"],
            "group": row["group"]}
    if row["type"] == "bool":
        return {**spec, "type": "Checkbox"}
    if row["type"] == "int":
        return {**spec, "type": "SliderInt", "min": lo,
                "max": max(min(hi, UI_MAX.get(name, hi)), value), "step": 1}
    return {**spec, "type": "SliderFloat", "min": lo, "max": hi,
            "step": slider_step(lo, hi, value)}


def preset_params(preset: str) -> Params:
    """The parameters a preset sets (the defaults elsewhere).

    Raises:
        ValueError: for an unknown preset, or one whose values Params rejects.
    """
    presets = available_presets()
    if preset not in presets:
        raise ValueError(f"unknown preset {preset!r}; allowed: {', '.join(presets)}")
    return Params(**presets[preset])


def preset_values(preset: str) -> dict[str, Any]:
    """Where the controls stand for a preset: its value of each main parameter."""
    params = preset_params(preset)
    return {name: getattr(params, name) for name in MAIN_PARAMETERS}


def parse_seed(text: Any) -> int:
    """Return the seed typed in the seed box; a fresh random seed when it is empty.

    Raises:
        ValueError: for text that is not a whole number >= 0 (the model's own message).

    """
    if text is None or str(text).strip() == "":
        return random.SystemRandom().randrange(2**31)
    try:
        seed = int(str(text).strip())
    except ValueError:
        seed = text
    return checked_seed(seed)


def changed(name: str, value: Any, reference: Any) -> bool:
    """Tell whether a control's value differs from the preset's by more than float noise."""
    if _DESCRIBED[name]["type"] == "bool" or isinstance(value, bool):
        return bool(value) != bool(reference)
    return not math.isclose(float(value), float(reference), rel_tol=0.0, abs_tol=1e-9)


def build_params(preset: str, values: dict[str, Any]) -> tuple[Params, dict[str, Any]]:
    """Params from a preset and the controls' values; also the overrides applied.

    A control overrides the preset where its value differs from the preset's. The
    overrides are the preset's own settings plus those controls.

    Raises:
        ValueError: for an unknown preset or parameter, or values Params rejects.

    """
    base = preset_params(preset)
    overrides = dict(available_presets()[preset])
    for name, value in values.items():
        if name not in _DESCRIBED:
            raise ValueError(f"unknown parameter {name!r}")
        if changed(name, value, getattr(base, name)):
            # Sliders send 0.30000000004: keep nine digits.
            overrides[name] = Params.coerce(name, value, float_digits=9)
    return Params(**overrides), overrides


def replayed_overrides(preset: str, params: Params) -> dict[str, Any]:
    """What a replayed run sets: the preset's settings and where the run differs from it.

    Raises:
        ValueError: for an unknown preset.
    """
    base = preset_params(preset)
    return {**available_presets()[preset],
            **{name: value for name, value in params.to_dict().items()
               if value != getattr(base, name)}}


class AppModel(CivilResistanceModel):
    """CivilResistanceModel built from a preset, the seed box and the controls' values.

    Stepping a finished campaign (decided, or at the horizon) does nothing. Invalid
    values never break the page: the model then runs the preset alone (or the defaults)
    and ``input_error`` says what was wrong, for the app to show.

    Args:
        preset: name of a preset (see viz.presets.available_presets).
        seed: the seed box's text; empty draws a random seed.
        scenario: handed on to the model (which seeds it).
        params: a run's exact parameters (a case page's run, replayed), used instead of
            the controls' values: those are rounded to nine decimals, and a replayed run
            must be the one that was counted.
        **values: the controls' values, by parameter name.
    """

    def __init__(self, preset: str = DEFAULT_PRESET, seed: Any = DEFAULT_SEED,
                 scenario: Any = None, params: Params | None = None, **values: Any) -> None:
        """Build Params from the controls (or take ``params``), then the model."""
        errors = []
        try:
            rng = parse_seed(seed)
        except ValueError as err:
            errors.append(str(err))
            rng = int(DEFAULT_SEED)
        try:
            params, overrides = (build_params(preset, values) if params is None
                                 else (params, replayed_overrides(preset, params)))
        except ValueError as err:
            errors.append(str(err))
            try:
                params, overrides = build_params(preset, {})
            except ValueError:
                params, overrides = Params(), {}
        super().__init__(params, rng=rng, scenario=scenario)
        self.preset_name = preset
        self.seed = rng
        self.overrides = overrides
        self.input_error = "; ".join(errors) or None

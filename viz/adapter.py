"""Between the browser's controls and the model: controls from Params, kwargs to Params.

SolaraViz builds its sidebar controls from a ``model_params`` dict and, on Reset,
re-creates the model as ``type(model)(**values)`` from the controls' flat values.
:func:`model_params` derives every control (type, default, range, step) from
``Params.describe()``, so defaults, ranges and meanings are written once, in
``model/params.py``. :class:`AppModel` takes those flat values and builds ``Params``.

How a preset and the sliders combine: the preset is the starting point, and a slider
or switch overrides it only where the user moved it away from the parameter's default
(the value the control shows on load). The app's parameter panel shows the values the
running model actually uses.
"""

from __future__ import annotations

import math
import random
from typing import Any

from civres.model import CivilResistanceModel, Params
from civres.model.model import checked_seed

from .presets import available_presets

#: The parameters offered as controls (all others come from the preset), in the
#: order they appear in the sidebar.
MAIN_PARAMETERS: tuple[str, ...] = (
    "width", "height", "citizen_density", "security_density", "max_steps",
    "legitimacy", "active_threshold", "threshold_spread", "social_pull", "opposition_signal",
    "fatigue", "discipline", "dispersed_share", "breadth", "outrage", "reform_goal",
    "armed_capacity", "security_loyalty", "moral_cost", "repression", "learning",
    "pillar_loyalty", "media_freedom", "backfire", "responsiveness", "intervention",
    "backfire_on", "pillar_erosion_on", "defection_on", "radical_flank_on", "threshold_on",
    "radicalisation_on", "views_on", "arms_needed_on", "armed_conflict_on",
    "adaptive_regime", "fixed_legitimacy", "round_risk",
)

#: Upper limits the app puts on a few controls, tighter than Params allows, to keep the
#: page responsive (Params itself still accepts the full range from the command line).
UI_MAX: dict[str, int] = {"width": 200, "height": 200, "max_steps": 2000}

#: Control values that are not model parameters.
PRESET_KEY, SEED_KEY = "preset", "seed"
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


def control(name: str) -> dict[str, Any]:
    """Return the SolaraViz control of one parameter, read from Params.describe()."""
    row = _DESCRIBED[name]
    lo, hi = row["range"]
    label = name  # the meaning is too long for the sidebar: the Parameters page shows it
    if row["type"] == "bool":
        return {"type": "Checkbox", "value": row["default"], "label": label}
    if row["type"] == "int":
        return {"type": "SliderInt", "value": row["default"], "min": lo,
                "max": max(min(hi, UI_MAX.get(name, hi)), row["default"]), "step": 1,
                "label": label}
    return {"type": "SliderFloat", "value": row["default"], "min": lo, "max": hi,
            "step": slider_step(lo, hi, row["default"]), "label": label}


def model_params() -> dict[str, Any]:
    """SolaraViz's model_params: preset dropdown, seed box, then the main parameters."""
    names = list(available_presets())
    controls: dict[str, Any] = {
        PRESET_KEY: {"type": "Select", "value": DEFAULT_PRESET if DEFAULT_PRESET in names
                     else names[0], "values": names,
                     "label": "preset (the controls you move override it)"},
        SEED_KEY: {"type": "InputText", "value": DEFAULT_SEED,
                   "label": "seed (empty: a random one)"},
    }
    controls.update({name: control(name) for name in MAIN_PARAMETERS if name in _DESCRIBED})
    return controls


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


def _moved(name: str, value: Any) -> bool:
    """Tell whether a control's value differs from the parameter's default."""
    default = _DESCRIBED[name]["default"]
    if isinstance(default, bool) or isinstance(value, bool):
        return value != default
    return not math.isclose(float(value), float(default), rel_tol=0.0, abs_tol=1e-9)


def build_params(preset: str, values: dict[str, Any]) -> tuple[Params, dict[str, Any]]:
    """Params from a preset and the controls' values; also the overrides applied.

    Raises:
        ValueError: for an unknown preset or parameter, or values Params rejects.

    """
    presets = available_presets()
    if preset not in presets:
        raise ValueError(f"unknown preset {preset!r}; allowed: {', '.join(presets)}")
    overrides = dict(presets[preset])
    for name, value in values.items():
        if name not in _DESCRIBED:
            raise ValueError(f"unknown parameter {name!r}")
        if _moved(name, value):
            # Sliders send 0.30000000004: keep nine digits.
            overrides[name] = Params.coerce(name, value, float_digits=9)
    return Params(**overrides), overrides


class AppModel(CivilResistanceModel):
    """CivilResistanceModel built from the app's flat control values.

    Stepping a finished campaign (decided, or at the horizon) does nothing. Invalid
    values never break the page: the model then runs the preset alone (or the defaults)
    and ``input_error`` says what was wrong, for the app to show.

    Args:
        preset: name of a preset (see viz.presets.available_presets).
        seed: the seed box's text; empty draws a random seed.
        scenario: passed by Mesa's Reset; handed on to the model (which seeds it).
        **values: main-parameter controls, by parameter name.
    """

    def __init__(self, preset: str = DEFAULT_PRESET, seed: Any = DEFAULT_SEED,
                 scenario: Any = None, **values: Any) -> None:
        """Build Params from the controls, then the model."""
        errors = []
        try:
            rng = parse_seed(seed)
        except ValueError as err:
            errors.append(str(err))
            rng = int(DEFAULT_SEED)
        try:
            params, overrides = build_params(preset, values)
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

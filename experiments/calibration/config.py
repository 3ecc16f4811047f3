"""A calibration's config (`civres calibrate CONFIG`): read, checked in full, never evaluated.

The TOML file has four tables:

    [abc]      population_size, generations, campaigns (per simulation), seed,
               predictive_draws (posterior draws for the predictive check)
    [run]      run settings for every campaign (grid size, horizon): Params fields
    [priors]   coefficient = [low, high]   (uniform prior within the parameter's range)
    [targets]  statistic = weight          (the target is the published figure), or
               statistic = {value = ..., weight = ...}  (your own figure)

Coefficients are Params fields that a campaign's coded conditions do not set (the
mapping sets legitimacy, repression and the like from each case; a calibration must not
override what the cases say). Statistics are `civres.experiments.calibration.statistics.STATISTICS`.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from civres.errors import ConfigError
from civres.experiments.history.mapping import calibratable, mapped_fields
from civres.experiments.sweeps.toml_text import NestedTooDeeply, load_toml
from civres.model import Params

from .statistics import STATISTICS

ABC_KEYS = {"population_size": (2, 10_000), "generations": (1, 100), "campaigns": (4, 10_000),
            "seed": (0, 2**32 - 1), "predictive_draws": (0, 1_000)}
ABC_DEFAULTS = {"population_size": 30, "generations": 4, "campaigns": 48, "seed": 1,
                "predictive_draws": 20}
TABLES = ("abc", "run", "priors", "targets")


@dataclass(frozen=True)
class CalibrationConfig:
    """A checked calibration config."""

    population_size: int
    generations: int
    campaigns: int
    seed: int
    predictive_draws: int
    run: dict[str, Any]
    priors: dict[str, tuple[float, float]]
    targets: dict[str, tuple[float, float]]  # name -> (value, weight)
    source: str = "<config>"

    def identity(self) -> str:
        """A digest of everything that decides the calibration's result."""
        content = {k: getattr(self, k) for k in ("population_size", "campaigns", "seed",
                                                   "run", "priors", "targets")}
        content["design"] = "fixed campaigns"  # the simulations' design (calibrate.Simulation)
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        """The config as its TOML tables (targets with their values filled in)."""
        return {"abc": {k: getattr(self, k) for k in ABC_KEYS}, "run": self.run,
                "priors": {k: list(v) for k, v in self.priors.items()},
                "targets": {k: {"value": v, "weight": w} for k, (v, w) in self.targets.items()}}


def load_config(path: str | Path) -> CalibrationConfig:
    """Read and check a calibration config.

    Raises:
        ConfigError: one line naming the key and what is allowed.
    """
    try:
        data = load_toml(Path(path).read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{path}: cannot read it ({err.strerror or err})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not valid TOML ({err})") from None
    except NestedTooDeeply as err:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply ({err})") from None
    return parse_config(data, str(path))


def parse_config(data: dict[str, Any], source: str = "<config>") -> CalibrationConfig:
    """Check a parsed config (see the module docstring for its tables)."""
    def fail(message: str) -> ConfigError:
        return ConfigError(f"{source}: {message}")

    unknown = sorted(set(data) - set(TABLES))
    if unknown:
        raise fail(f"unknown table [{unknown[0]}]; allowed: {', '.join(TABLES)}")
    for table in TABLES:
        if not isinstance(data.get(table, {}), dict):
            raise fail(f"[{table}] must be a table")
    abc = _abc(data.get("abc", {}), fail)
    run = _run(data.get("run", {}), fail)
    priors = _priors(data.get("priors", {}), fail)
    targets = _targets(data.get("targets", {}), fail)
    return CalibrationConfig(**abc, run=run, priors=priors, targets=targets, source=source)


def _abc(table: dict[str, Any], fail) -> dict[str, int]:
    values = dict(ABC_DEFAULTS)
    for key, value in table.items():
        if key not in ABC_KEYS:
            raise fail(f"[abc] unknown key {key!r}; allowed: {', '.join(ABC_KEYS)}")
        lo, hi = ABC_KEYS[key]
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            raise fail(f"[abc] {key} = {value!r}: must be an integer in [{lo}, {hi}]")
        values[key] = value
    return values


def _run(table: dict[str, Any], fail) -> dict[str, Any]:
    mapped = mapped_fields()
    for key in table:
        if key in mapped:
            raise fail(f"[run] {key}: set by each campaign's coded conditions, not by a run "
                       "setting")
    try:
        Params(**table)
    except ValueError as err:
        raise fail(f"[run] {err}") from None
    return dict(table)


def _priors(table: dict[str, Any], fail) -> dict[str, tuple[float, float]]:
    if not table:
        raise fail("[priors] is empty: name at least one coefficient, e.g. fatigue = [0.0, 0.1]")
    allowed = calibratable()
    ranges = {f.name: f.metadata["range"] for f in fields(Params)}
    priors = {}
    for name, bounds in table.items():
        if name not in allowed:
            raise fail(f"[priors] {name}: not a coefficient a calibration can set; allowed: "
                       + ", ".join(allowed))
        if (not isinstance(bounds, list) or len(bounds) != 2
                or not all(isinstance(b, int | float) and not isinstance(b, bool)
                           and math.isfinite(b) for b in bounds)):
            raise fail(f"[priors] {name} = {bounds!r}: must be [low, high], two numbers")
        lo, hi = float(bounds[0]), float(bounds[1])
        p_lo, p_hi = ranges[name]
        if not p_lo <= lo < hi <= p_hi:
            raise fail(f"[priors] {name} = [{lo}, {hi}]: need low < high within the "
                       f"parameter's range [{p_lo}, {p_hi}]")
        priors[name] = (lo, hi)
    return priors


def _targets(table: dict[str, Any], fail) -> dict[str, tuple[float, float]]:
    if not table:
        raise fail("[targets] is empty: name at least one statistic, e.g. "
                   "nonviolent_success = 1.0")
    targets = {}
    for name, spec in table.items():
        if name not in STATISTICS:
            raise fail(f"[targets] unknown statistic {name!r}; allowed: "
                       + ", ".join(STATISTICS))
        value = STATISTICS[name].published
        if isinstance(spec, dict):
            extra = sorted(set(spec) - {"value", "weight"})
            if extra:
                raise fail(f"[targets] {name}: unknown key {extra[0]!r}; allowed: value, weight")
            value, weight = spec.get("value", value), spec.get("weight", 1.0)
        else:
            weight = spec
        for what, number in (("weight", weight), ("value", value)):
            if (isinstance(number, bool) or not isinstance(number, int | float)
                    or not math.isfinite(number)):
                raise fail(f"[targets] {name}: {what} must be a finite number, got {number!r}"
                           + ("; this statistic has no published figure, give "
                              "{value = ..., weight = ...}" if what == "value" else ""))
        if weight <= 0:
            raise fail(f"[targets] {name}: weight must be > 0, got {weight}")
        targets[name] = (float(value), float(weight))
    return targets

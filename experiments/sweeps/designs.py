"""Sweep designs: the TOML config, its validation, and the design points it describes.

A sweep config names the parameters to vary (lists for a full grid, or ranges for a Latin
hypercube, Sobol or Morris design from SALib), the fixed parameters, replications per
design point and a master seed (`experiments/smoke.toml` documents the keys). Every design
point is checked as a whole `Params` before any run starts, and every problem is a
`ConfigError` whose one-line message names the key and what is allowed.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from civres.errors import ConfigError, SweepConfigError
from civres.model import Params

from .toml_text import NestedTooDeeply, load_toml

__all__ = ["DESIGNS", "Design", "MAX_CONFIG_BYTES", "MAX_RUNS", "MORRIS_LEVELS", "SAMPLED",
           "ConfigError", "SweepConfig", "SweepConfigError", "canonical_json", "design_points",
           "design_size", "estimate_memory", "load_config", "memory_cap", "parse_config",
           "salib_problem", "sample_matrix"]

class Design(StrEnum):
    """How a sweep chooses its design points: every combination, or sampled by SALib."""

    GRID = "grid"
    LHS = "lhs"
    SOBOL = "sobol"
    MORRIS = "morris"

    @property
    def sampled(self) -> bool:
        """Whether the points are sampled from ranges (all but the grid)."""
        return self is not Design.GRID


#: The designs' names, and those of the sampled ones, as plain strings.
DESIGNS = tuple(design.value for design in Design)
SAMPLED = tuple(design.value for design in Design if design.sampled)
SWEEP_KEYS = {
    "name": "a name of letters, digits, '_', '-' or '.' that starts with a letter or digit "
            "(at most 100 characters)",
    "master_seed": "a non-negative integer",
    "replications": "a positive integer",
    "design": "one of " + ", ".join(DESIGNS),
    "samples": "a positive integer (sampled designs only)",
    "record_trajectories": "true or false",
}
REQUIRED_SWEEP_KEYS = ("name", "master_seed", "replications", "design")
TABLES = ("sweep", "fixed", "vary")
#: Grid levels of a Morris design, for its sampler and its analysis alike.
MORRIS_LEVELS = 4

#: Limits checked before any design point is built; `--allow-large` lifts both.
#: A sweep of more runs than this is refused (at ~5 runs/s per core it would take days).
MAX_RUNS = 1_000_000
#: Memory a sweep's bookkeeping takes, estimated (`estimate_memory`): per design point its
#: validated parameters; per run its task, seed and row (buffered, then consolidated);
#: per recorded step of a trajectory ~24 columns of 8 bytes, about three copies of which
#: exist while the trajectories are consolidated.
BYTES_PER_POINT = 4096
BYTES_PER_RUN = 2048
BYTES_PER_TRAJECTORY_STEP = 600
#: A config file larger than this is refused unread (a sweep config is a few lines).
MAX_CONFIG_BYTES = 10_000_000
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


@dataclass(frozen=True)
class SweepConfig:
    """A validated sweep description.

    Attributes:
        name: sweep name (also the default output folder name).
        master_seed: root of every run's seed.
        replications: runs per design point.
        design: how the design points are chosen (a Design).
        samples: for lhs the number of points; for sobol the base sample N (points =
            N * (D + 2)); for morris the number of trajectories (points = N * (D + 1)).
        record_trajectories: whether to store per-step trajectories.
        fixed: parameter values shared by every run.
        vary: grid: name -> list of values; sampled designs: name -> (min, max).
        raw: the parsed TOML document, stored in the manifest and compared on resume.

    """

    name: str
    master_seed: int
    replications: int
    design: Design
    samples: int | None
    record_trajectories: bool
    fixed: dict[str, Any]
    vary: dict[str, Any]
    raw: dict[str, Any] = field(repr=False)


def canonical_json(value: Any) -> bytes:
    """JSON with sorted keys and no spaces: the same value always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str,
                      allow_nan=True).encode()


def load_config(path: str | Path, allow_large: bool = False) -> SweepConfig:
    """Read and validate a sweep config file (UTF-8 TOML).

    Raises:
        ConfigError: if the file is missing, not UTF-8, not TOML, or invalid, or its
            design is larger than the limits (unless `allow_large`).

    """
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except (OSError, ValueError) as err:
        why = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise ConfigError(f"cannot read sweep config {str(path)!r}: {why}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES:,} bytes; not a sweep config")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ConfigError(f"{path}: not UTF-8 text (byte {err.start}: {err.reason}); "
                          "save it as UTF-8") from None
    try:
        data = load_toml(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {_one_line(str(err))}") from None
    except NestedTooDeeply as err:
        raise ConfigError(f"{path}: not valid TOML: nested too deeply ({err})") from None
    return parse_config(data, allow_large=allow_large)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def parse_config(data: dict[str, Any], allow_large: bool = False) -> SweepConfig:
    """Validate a parsed TOML document and every design point it describes.

    The design's size and estimated memory are checked (`MAX_RUNS`, `memory_cap()`)
    before any design point is built, unless `allow_large`.

    Raises:
        ConfigError: naming the first offending key and what is allowed.

    """
    if not isinstance(data, dict):
        raise ConfigError("a sweep config must be a TOML document of tables")
    _check_tables(data)
    sweep = data["sweep"]
    design = _check_design(sweep)
    samples = _check_samples(sweep, design)
    fixed = _check_fixed(data.get("fixed", {}))
    vary = _check_vary(data.get("vary", {}), design, fixed)
    name = _check_name(sweep)
    master_seed = _check_int(sweep, "master_seed", minimum=0)
    replications = _check_int(sweep, "replications", minimum=1)
    record = _check_bool(sweep, "record_trajectories", default=False)
    if not allow_large:
        _check_size(design, samples, vary, fixed, replications, record)
    config = SweepConfig(
        name=name,
        master_seed=master_seed,
        replications=replications,
        design=design,
        samples=samples,
        record_trajectories=record,
        fixed=fixed,
        vary=vary,
        raw=data,
    )
    for point_id, point in enumerate(design_points(config)):
        _check_point(config, point_id, point)
    return config


def _check_tables(data: dict[str, Any]) -> None:
    """Only the known tables, [sweep] present, and every key of [sweep] known."""
    for key, value in data.items():
        if key not in TABLES:
            raise ConfigError(f"unknown table or key {key!r}; allowed: [sweep], [fixed], "
                              "[vary]")
        if not isinstance(value, dict):
            raise ConfigError(f"{key}: must be a table [{key}]")
    if "sweep" not in data:
        raise ConfigError("missing table [sweep]; it needs "
                          + ", ".join(REQUIRED_SWEEP_KEYS))
    for key in data["sweep"]:
        if key not in SWEEP_KEYS:
            raise ConfigError(f"sweep.{key}: unknown key; allowed: "
                              + ", ".join(SWEEP_KEYS))
    for key in REQUIRED_SWEEP_KEYS:
        if key not in data["sweep"]:
            raise ConfigError(f"sweep.{key}: missing; must be {SWEEP_KEYS[key]}")


def _check_name(sweep: dict[str, Any]) -> str:
    name = sweep["name"]
    # The name becomes a folder name under results/sweeps: safe characters only, and a
    # letter or digit first, so that "." and ".." (and hidden names) cannot escape it.
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ConfigError(f"sweep.name: must be {SWEEP_KEYS['name']} (got {name!r})")
    return name


def _check_int(sweep: dict[str, Any], key: str, minimum: int) -> int:
    value = sweep[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"sweep.{key}: must be {SWEEP_KEYS[key]} (got {value!r})")
    return value


def design_size(design: Design, samples: int | None, vary: dict[str, Any]) -> int:
    """How many design points a design has, computed without building them."""
    if design == Design.GRID:
        return math.prod(len(values) for values in vary.values())
    assert samples is not None
    dims = len(vary)
    return samples * {"lhs": 1, "sobol": dims + 2, "morris": dims + 1}[design]


def estimate_memory(points: int, runs: int, record: bool, max_steps: int) -> int:
    """Bytes a sweep's bookkeeping takes, estimated (see BYTES_PER_POINT and friends)."""
    trajectories = runs * (max_steps + 1) * BYTES_PER_TRAJECTORY_STEP if record else 0
    return points * BYTES_PER_POINT + runs * BYTES_PER_RUN + trajectories


def memory_cap() -> int:
    """Half of this machine's memory (8 GiB if it cannot be told)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):
        return 8 * 2**30


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**28 else f"{n / 2**20:.0f} MiB"


def _check_size(design: Design, samples: int | None, vary: dict[str, Any],
                fixed: dict[str, Any], replications: int, record: bool) -> None:
    """Refuse a design above MAX_RUNS runs or memory_cap() bytes, before building it."""
    points = design_size(design, samples, vary)
    runs = points * replications
    steps = vary.get("max_steps", fixed.get("max_steps", Params().max_steps))
    steps = max(steps) if isinstance(steps, list | tuple) else steps
    need, cap = estimate_memory(points, runs, record, int(steps)), memory_cap()
    what = f"the design has {runs:,} runs ({points:,} points x {replications} replications)"
    if runs > MAX_RUNS:
        raise ConfigError(f"sweep: {what}, more than the limit of {MAX_RUNS:,}; pass "
                          "--allow-large to run it anyway")
    if need > cap:
        raise ConfigError(f"sweep: {what} and needs about {_gib(need)} of memory, more than "
                          f"the limit of half this machine's memory ({_gib(cap)})"
                          + ("; record_trajectories = false needs less" if record else "")
                          + "; pass --allow-large to run it anyway")


def _check_bool(sweep: dict[str, Any], key: str, default: bool) -> bool:
    value = sweep.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"sweep.{key}: must be true or false (got {value!r})")
    return value


def _check_design(sweep: dict[str, Any]) -> Design:
    design = sweep["design"]
    if not isinstance(design, str) or design not in DESIGNS:
        raise ConfigError(f"sweep.design: {design!r} is not allowed; allowed: "
                          + ", ".join(DESIGNS))
    return Design(design)


def _check_samples(sweep: dict[str, Any], design: Design) -> int | None:
    if design is Design.GRID:
        if "samples" in sweep:
            raise ConfigError("sweep.samples: only for sampled designs "
                              f"({', '.join(SAMPLED)}); a grid runs every combination")
        return None
    if "samples" not in sweep:
        raise ConfigError(f"sweep.samples: missing; design '{design}' needs "
                          "a positive integer")
    samples = _check_int(sweep, "samples", minimum=1)
    # Sobol' sequences keep their balance properties only for powers of two.
    if design is Design.SOBOL and samples & (samples - 1):
        raise ConfigError(f"sweep.samples: design 'sobol' needs a power of 2 "
                          f"(got {samples})")
    return samples


def _check_fixed(fixed: dict[str, Any]) -> dict[str, Any]:
    """Check each fixed value on its own, so the message names it.

    Rules across fields are judged on whole design points, since [vary] may supply the
    other half (e.g. a vision that suits the grid size).
    """
    return {name: _check_value(f"fixed.{name}", name, value) for name, value in fixed.items()}


def _check_value(key: str, name: str, value: Any) -> Any:
    """Validate one parameter value through Params; return it with the field's type."""
    if name not in _FIELD_TYPES:
        raise ConfigError(f"{key}: unknown parameter {name!r}; see `civres params` "
                          f"for the allowed names")
    try:
        return getattr(Params(**{name: value}), name)
    except ValueError as err:
        # Params names the field in its own per-field errors; any other error is a rule
        # across fields (vision vs grid size) that only the whole design point can judge.
        if f"parameter {name!r}" in str(err):
            raise ConfigError(f"{key}: {err}") from None
    return _FIELD_TYPES[name](value)


def _check_vary(vary: dict[str, Any], design: Design, fixed: dict[str, Any]) -> dict[str, Any]:
    if design.sampled and not vary:
        raise ConfigError(f"vary: design '{design}' needs at least one range "
                          "[vary.NAME] with min and max")
    checked = {}
    for name, spec in vary.items():
        if name in fixed:
            raise ConfigError(f"vary.{name}: also given in [fixed]; give it in one place")
        if design is Design.GRID:
            checked[name] = _check_grid_values(name, spec)
        else:
            checked[name] = _check_range(name, spec)
    return checked


def _check_grid_values(name: str, spec: Any) -> list[Any]:
    if not isinstance(spec, list) or not spec:
        raise ConfigError(f"vary.{name}: a grid needs a non-empty list of values "
                          f"(got {spec!r})")
    values = [_check_value(f"vary.{name}[{i}]", name, v) for i, v in enumerate(spec)]
    if len(set(values)) != len(values):
        raise ConfigError(f"vary.{name}: values repeat; give each value once and use "
                          "sweep.replications for repeats")
    return values


def _check_range(name: str, spec: Any) -> tuple[float, float]:
    if not isinstance(spec, dict) or set(spec) != {"min", "max"}:
        raise ConfigError(f"vary.{name}: a sampled design needs a table with exactly "
                          f"min and max, e.g. [vary.{name}] min = 0.2, max = 0.8 "
                          f"(got {spec!r})")
    if _FIELD_TYPES.get(name) is bool:
        raise ConfigError(f"vary.{name}: a true/false parameter cannot be sampled; put "
                          "it in [fixed] or use design = \"grid\"")
    lo = _check_value(f"vary.{name}.min", name, spec["min"])
    hi = _check_value(f"vary.{name}.max", name, spec["max"])
    if not lo < hi:
        raise ConfigError(f"vary.{name}: empty or inverted range; min must be below max "
                          f"(got min = {lo}, max = {hi})")
    return (lo, hi)


def _check_point(config: SweepConfig, point_id: int, point: dict[str, Any]) -> None:
    """Every design point must be a valid Params, checked before any run starts."""
    try:
        Params(**config.fixed, **point)
    except ValueError as err:
        where = ", ".join(f"{k}={v}" for k, v in point.items())
        raise ConfigError(f"design point {point_id} ({where}): {err}") from None


_FIELD_TYPES = {row["name"]: type(row["default"]) for row in Params.describe()}


def salib_problem(config: SweepConfig) -> dict[str, Any]:
    """Return the SALib problem definition of a sampled design."""
    names = list(config.vary)
    return {"num_vars": len(names), "names": names,
            "bounds": [[float(lo), float(hi)] for lo, hi in config.vary.values()]}


def sample_matrix(config: SweepConfig) -> np.ndarray:
    """Return the raw (unrounded) sample matrix of a sampled design, one row per point.

    Deterministic in the config: the analysis regenerates it for SALib's Morris indices.
    """
    from SALib.sample import latin, morris, sobol

    problem = salib_problem(config)
    seed = config.master_seed % 2**32
    if config.design is Design.LHS:
        return latin.sample(problem, config.samples, seed=seed)
    if config.design is Design.SOBOL:
        return sobol.sample(problem, config.samples, calc_second_order=False, seed=seed)
    if config.design is Design.MORRIS:
        return morris.sample(problem, config.samples, num_levels=MORRIS_LEVELS, seed=seed)
    raise ValueError(f"not a sampled design: {config.design!r}")


def design_points(config: SweepConfig) -> list[dict[str, Any]]:
    """Return the design points in their fixed order: the varied parameters of each."""
    names = list(config.vary)
    if config.design is Design.GRID:
        return [dict(zip(names, combo, strict=True))
                for combo in itertools.product(*config.vary.values())]
    return [{name: _sampled_value(name, value, config.vary[name])
             for name, value in zip(names, row, strict=True)}
            for row in sample_matrix(config)]


def _sampled_value(name: str, value: float, bounds: tuple[Any, Any]) -> Any:
    """A sampled value as its parameter's type (whole numbers rounded), kept in range."""
    lo, hi = bounds
    return min(max(Params.coerce(name, value), lo), hi)

"""Parameter sweeps: a TOML design run on a process pool or a Dask cluster, resumably.

A sweep config names the parameters to vary (lists for a full grid, or ranges for a Latin
hypercube, Sobol or Morris design), the fixed parameters, replications per design point and
a master seed. Every run gets its own seed from `numpy.random.SeedSequence(master_seed)`,
spawned in a fixed run order, so the run table does not depend on how the runs were
scheduled: serially, on a process pool or on Dask, the same config gives the same table.

Results are written as they arrive, in small Parquet chunks that appear atomically (written
under a temporary name, then renamed), so a sweep stopped by Ctrl-C, `kill -9` or a dead
worker loses at most the runs that had not been written yet; `--resume` runs only those.
When every run is in, the chunks are consolidated into one `runs.parquet`.

Layout of a result folder::

    OUT/manifest.json          config, master seed, versions, commit, command lines
    OUT/runs.parquet           the run table, one row per run (after completion)
    OUT/trajectories.parquet   per-step trajectories with run_id (if recorded)
    OUT/chunks/                runs-NNNNN-TOKEN.parquet (+ traj-...) while running
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import multiprocessing.connection
import os
import re
import secrets
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model import CivilResistanceModel, Params

DESIGNS = ("grid", "lhs", "sobol", "morris")
SAMPLED = ("lhs", "sobol", "morris")
SWEEP_KEYS = {
    "name": "a name of letters, digits, '_', '-' or '.'",
    "master_seed": "a non-negative integer",
    "replications": "a positive integer",
    "design": "one of " + ", ".join(DESIGNS),
    "samples": "a positive integer (sampled designs only)",
    "record_trajectories": "true or false",
}
REQUIRED_SWEEP_KEYS = ("name", "master_seed", "replications", "design")
TABLES = ("sweep", "fixed", "vary")
MORRIS_LEVELS = 4
TIMING_COLUMNS = ("wall_s",)
RUNS_FILE = "runs.parquet"
TRAJ_FILE = "trajectories.parquet"
CHUNK_DIR = "chunks"
_CHUNK_RE = re.compile(r"^(runs|traj)-(\d+)-([0-9a-f]+)\.parquet$")


class SweepError(Exception):
    """A problem the user can fix (config, output folder): reported as one line."""


class SweepConfigError(SweepError, ValueError):
    """An invalid sweep config; the message names the key and what is allowed."""


class SweepAborted(RuntimeError):
    """The sweep stopped before finishing (e.g. a worker died); `--resume` continues it."""


# ---------------------------------------------------------------------------- config


@dataclass(frozen=True)
class SweepConfig:
    """A validated sweep description.

    Attributes:
        name: sweep name (also the default output folder name).
        master_seed: root of every run's seed.
        replications: runs per design point.
        design: one of DESIGNS.
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
    design: str
    samples: int | None
    record_trajectories: bool
    fixed: dict[str, Any]
    vary: dict[str, Any]
    raw: dict[str, Any] = field(repr=False)


def load_config(path: str | Path) -> SweepConfig:
    """Read and validate a sweep config file.

    Raises:
        SweepConfigError: if the file is missing, not TOML, or invalid.

    """
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise SweepConfigError(f"cannot read sweep config {str(path)!r}: {err.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SweepConfigError(f"{path}: not valid TOML: {err}") from None
    return parse_config(data)


def parse_config(data: dict[str, Any]) -> SweepConfig:
    """Validate a parsed TOML document and every design point it describes.

    Raises:
        SweepConfigError: naming the first offending key and what is allowed.

    """
    _check_tables(data)
    sweep = data["sweep"]
    design = _check_design(sweep)
    samples = _check_samples(sweep, design)
    fixed = _check_fixed(data.get("fixed", {}))
    vary = _check_vary(data.get("vary", {}), design, fixed)
    config = SweepConfig(
        name=_check_name(sweep),
        master_seed=_check_int(sweep, "master_seed", minimum=0),
        replications=_check_int(sweep, "replications", minimum=1),
        design=design,
        samples=samples,
        record_trajectories=_check_bool(sweep, "record_trajectories", default=False),
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
            raise SweepConfigError(f"unknown table or key {key!r}; allowed: [sweep], [fixed], "
                                   "[vary]")
        if not isinstance(value, dict):
            raise SweepConfigError(f"{key}: must be a table [{key}]")
    if "sweep" not in data:
        raise SweepConfigError("missing table [sweep]; it needs "
                               + ", ".join(REQUIRED_SWEEP_KEYS))
    for key in data["sweep"]:
        if key not in SWEEP_KEYS:
            raise SweepConfigError(f"sweep.{key}: unknown key; allowed: "
                                   + ", ".join(SWEEP_KEYS))
    for key in REQUIRED_SWEEP_KEYS:
        if key not in data["sweep"]:
            raise SweepConfigError(f"sweep.{key}: missing; must be {SWEEP_KEYS[key]}")


def _check_name(sweep: dict[str, Any]) -> str:
    name = sweep["name"]
    # The name becomes a folder name, so keep it to safe characters.
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise SweepConfigError(f"sweep.name: must be {SWEEP_KEYS['name']} (got {name!r})")
    return name


def _check_int(sweep: dict[str, Any], key: str, minimum: int) -> int:
    value = sweep[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise SweepConfigError(f"sweep.{key}: must be {SWEEP_KEYS[key]} (got {value!r})")
    return value


def _check_bool(sweep: dict[str, Any], key: str, default: bool) -> bool:
    value = sweep.get(key, default)
    if not isinstance(value, bool):
        raise SweepConfigError(f"sweep.{key}: must be true or false (got {value!r})")
    return value


def _check_design(sweep: dict[str, Any]) -> str:
    design = sweep["design"]
    if design not in DESIGNS:
        raise SweepConfigError(f"sweep.design: {design!r} is not allowed; allowed: "
                               + ", ".join(DESIGNS))
    return design


def _check_samples(sweep: dict[str, Any], design: str) -> int | None:
    if design == "grid":
        if "samples" in sweep:
            raise SweepConfigError("sweep.samples: only for sampled designs "
                                   f"({', '.join(SAMPLED)}); a grid runs every combination")
        return None
    if "samples" not in sweep:
        raise SweepConfigError(f"sweep.samples: missing; design {design!r} needs "
                               "a positive integer")
    samples = _check_int(sweep, "samples", minimum=1)
    # Sobol' sequences keep their balance properties only for powers of two.
    if design == "sobol" and samples & (samples - 1):
        raise SweepConfigError(f"sweep.samples: design 'sobol' needs a power of 2 "
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
        raise SweepConfigError(f"{key}: unknown parameter {name!r}; see `civres params` "
                               f"for the allowed names")
    try:
        return getattr(Params(**{name: value}), name)
    except ValueError as err:
        # Params names the field in its own per-field errors; any other error is a rule
        # across fields (vision vs grid size) that only the whole design point can judge.
        if f"parameter {name!r}" in str(err):
            raise SweepConfigError(f"{key}: {err}") from None
    return _FIELD_TYPES[name](value)


def _check_vary(vary: dict[str, Any], design: str, fixed: dict[str, Any]) -> dict[str, Any]:
    if design in SAMPLED and not vary:
        raise SweepConfigError(f"vary: design {design!r} needs at least one range "
                               "[vary.NAME] with min and max")
    checked = {}
    for name, spec in vary.items():
        if name in fixed:
            raise SweepConfigError(f"vary.{name}: also given in [fixed]; give it in one place")
        if design == "grid":
            checked[name] = _check_grid_values(name, spec)
        else:
            checked[name] = _check_range(name, spec)
    return checked


def _check_grid_values(name: str, spec: Any) -> list[Any]:
    if not isinstance(spec, list) or not spec:
        raise SweepConfigError(f"vary.{name}: a grid needs a non-empty list of values "
                               f"(got {spec!r})")
    values = [_check_value(f"vary.{name}[{i}]", name, v) for i, v in enumerate(spec)]
    if len(set(values)) != len(values):
        raise SweepConfigError(f"vary.{name}: values repeat; give each value once and use "
                               "sweep.replications for repeats")
    return values


def _check_range(name: str, spec: Any) -> tuple[float, float]:
    if not isinstance(spec, dict) or set(spec) != {"min", "max"}:
        raise SweepConfigError(f"vary.{name}: a sampled design needs a table with exactly "
                               f"min and max, e.g. [vary.{name}] min = 0.2, max = 0.8 "
                               f"(got {spec!r})")
    if _FIELD_TYPES.get(name) is bool:
        raise SweepConfigError(f"vary.{name}: a true/false parameter cannot be sampled; put "
                               "it in [fixed] or use design = \"grid\"")
    lo = _check_value(f"vary.{name}.min", name, spec["min"])
    hi = _check_value(f"vary.{name}.max", name, spec["max"])
    if not lo < hi:
        raise SweepConfigError(f"vary.{name}: empty or inverted range; min must be below max "
                               f"(got min = {lo}, max = {hi})")
    return (lo, hi)


def _check_point(config: SweepConfig, point_id: int, point: dict[str, Any]) -> None:
    """Every design point must be a valid Params, checked before any run starts."""
    try:
        Params(**config.fixed, **point)
    except ValueError as err:
        where = ", ".join(f"{k}={v}" for k, v in point.items())
        raise SweepConfigError(f"design point {point_id} ({where}): {err}") from None


_FIELD_TYPES = {row["name"]: type(row["default"]) for row in Params.describe()}


# ---------------------------------------------------------------------------- design


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
    if config.design == "lhs":
        return latin.sample(problem, config.samples, seed=seed)
    if config.design == "sobol":
        return sobol.sample(problem, config.samples, calc_second_order=False, seed=seed)
    if config.design == "morris":
        return morris.sample(problem, config.samples, num_levels=MORRIS_LEVELS, seed=seed)
    raise ValueError(f"not a sampled design: {config.design!r}")


def design_points(config: SweepConfig) -> list[dict[str, Any]]:
    """Return the design points in their fixed order: the varied parameters of each."""
    names = list(config.vary)
    if config.design == "grid":
        return [dict(zip(names, combo, strict=True))
                for combo in itertools.product(*config.vary.values())]
    points = []
    for row in sample_matrix(config):
        points.append({name: _typed(name, value, config.vary[name])
                       for name, value in zip(names, row, strict=True)})
    return points


def _typed(name: str, value: float, bounds: tuple[Any, Any]) -> Any:
    """Convert a sampled value to its parameter's type: ints rounded, kept in range."""
    if _FIELD_TYPES[name] is int:
        return int(min(max(round(value), bounds[0]), bounds[1]))
    return float(value)


@dataclass(frozen=True)
class RunTask:
    """One run to do: small and picklable, shipped to a worker."""

    run_id: int
    point_id: int
    rep: int
    params: dict[str, Any]
    seed: int
    record_trajectory: bool


def spawn_seeds(master_seed: int, n: int) -> list[int]:
    """Return n run seeds: the first word of each of n children of SeedSequence(master_seed)."""
    return [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(master_seed).spawn(n)]


def build_tasks(config: SweepConfig) -> list[RunTask]:
    """Every run of the sweep, in run_id order, with its seed.

    run_id = point_id * replications + rep; run i's seed comes from the i-th child of
    SeedSequence(master_seed), so seeds depend only on the config, never on scheduling.
    """
    points = design_points(config)
    n_runs = len(points) * config.replications
    seeds = spawn_seeds(config.master_seed, n_runs)
    tasks = []
    for point_id, point in enumerate(points):
        params = Params(**config.fixed, **point).to_dict()
        for rep in range(config.replications):
            run_id = point_id * config.replications + rep
            tasks.append(RunTask(run_id, point_id, rep, params, seeds[run_id],
                                 config.record_trajectories))
    return tasks


# ---------------------------------------------------------------------------- one run


def run_model(params: Params, seed: int, record: bool) -> tuple[dict, pd.DataFrame | None]:
    """Simulate one campaign: its summary and, if asked, its trajectory."""
    model = CivilResistanceModel(params, rng=seed)
    summary = model.run()
    return summary, (model.trajectory() if record else None)


def run_task(task: RunTask, model_fn: Callable = run_model) -> tuple[dict, pd.DataFrame | None]:
    """Do one run in a worker; a run that raises becomes a row with its error.

    Args:
        task: the run.
        model_fn: (Params, seed, record) -> (summary, trajectory); tests swap it.

    Returns:
        The run-table row and the trajectory (with run_id) or None.

    """
    row: dict[str, Any] = {"run_id": task.run_id, "point_id": task.point_id, "rep": task.rep,
                           **task.params, "seed": task.seed}
    start = time.perf_counter()
    trajectory = None
    try:
        summary, trajectory = model_fn(Params(**task.params), task.seed,
                                       task.record_trajectory)
        row.update(_flatten(summary))
        error = None
    except Exception as err:  # noqa: BLE001 - a failing run is data, not a crash
        error = _one_line(err)
    row["wall_s"] = time.perf_counter() - start
    row["error"] = error
    if trajectory is not None:
        trajectory = trajectory.copy()
        trajectory.insert(0, "run_id", task.run_id)
    return row, trajectory


def _flatten(summary: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Summary fields as columns.

    Nested dicts become prefixed columns (pillar_loyalty -> pillar_<name>). A field named
    like a parameter (legitimacy: the final value; the parameter is the initial one) gets
    the prefix "final_", so the row keeps both.
    """
    flat: dict[str, Any] = {}
    for key, value in summary.items():
        if isinstance(value, dict):
            inner = "pillar_" if key == "pillar_loyalty" else f"{prefix}{key}_"
            flat.update(_flatten(value, inner))
            continue
        column = f"{prefix}{key}"
        if column in _FIELD_TYPES:
            column = f"final_{column}"
        flat[column] = value.item() if isinstance(value, np.generic) else value
    return flat


def _one_line(err: BaseException) -> str:
    """Describe an exception in one line: its type and the first line of its message."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__


# ---------------------------------------------------------------------------- storage


def _write_parquet_atomic(table: pa.Table, path: Path) -> None:
    """Write under a hidden temporary name, fsync, then rename: readers never see half."""
    tmp = path.with_name(f".tmp-{secrets.token_hex(4)}-{path.name}")
    with open(tmp, "wb") as handle:
        pq.write_table(table, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _rows_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows as a table; a failed run lacks the summary columns, so take the union."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    table = pa.Table.from_pydict({c: [row.get(c) for row in rows] for c in columns})
    # An all-None error column would be typed null; say what it holds.
    return table.set_column(table.schema.get_field_index("error"), "error",
                            table["error"].cast(pa.string()))


class ChunkWriter:
    """Buffers finished runs and writes them as atomic Parquet chunks.

    A chunk's trajectory file is written before its run file and shares its token; a
    trajectory chunk without its run chunk is an orphan from a kill and is ignored.
    """

    def __init__(self, out_dir: Path, chunk_runs: int, flush_seconds: float) -> None:
        self.folder = out_dir / CHUNK_DIR
        self.folder.mkdir(parents=True, exist_ok=True)
        self.chunk_runs = chunk_runs
        self.flush_seconds = flush_seconds
        self.rows: list[dict[str, Any]] = []
        self.trajectories: list[pd.DataFrame] = []
        self.seq = 1 + max((int(m[2]) for m in _chunk_matches(self.folder)), default=0)
        self.token = f"{os.getpid():x}{secrets.token_hex(3)}"
        self.last_flush = time.monotonic()

    def add(self, row: dict[str, Any], trajectory: pd.DataFrame | None) -> None:
        """Buffer one run; flush if the buffer is big or old enough."""
        self.rows.append(row)
        if trajectory is not None:
            self.trajectories.append(trajectory)
        self.maybe_flush()

    def maybe_flush(self) -> None:
        """Flush when chunk_runs runs are buffered or flush_seconds have passed."""
        old = time.monotonic() - self.last_flush >= self.flush_seconds
        if len(self.rows) >= self.chunk_runs or (old and self.rows):
            self.flush()

    def flush(self) -> None:
        """Write the buffered runs (and trajectories) as one chunk."""
        if not self.rows:
            return
        stem = f"{self.seq:05d}-{self.token}"
        if self.trajectories:
            frame = pd.concat(self.trajectories, ignore_index=True)
            _write_parquet_atomic(pa.Table.from_pandas(frame, preserve_index=False),
                                  self.folder / f"traj-{stem}.parquet")
        _write_parquet_atomic(_rows_table(self.rows), self.folder / f"runs-{stem}.parquet")
        self.seq += 1
        self.rows, self.trajectories = [], []
        self.last_flush = time.monotonic()


def _chunk_matches(folder: Path) -> list[re.Match]:
    if not folder.is_dir():
        return []
    found = (_CHUNK_RE.match(p.name) for p in folder.iterdir())
    return sorted((m for m in found if m), key=lambda m: (int(m[2]), m[3], m[1]))


def _read_table(path: Path) -> pa.Table | None:
    """Read a Parquet file; None if it is unreadable (e.g. not ours, or truncated)."""
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowException):
        return None


def _run_sources(out_dir: Path) -> list[pa.Table]:
    """Every readable run table in a result folder: the consolidated one first."""
    sources = []
    for path in [out_dir / RUNS_FILE] + [out_dir / CHUNK_DIR / m[0]
                                          for m in _chunk_matches(out_dir / CHUNK_DIR)
                                          if m[1] == "runs"]:
        if path.exists() and (table := _read_table(path)) is not None:
            sources.append(table)
    return sources


def _traj_sources(out_dir: Path) -> list[pa.Table]:
    """Every readable trajectory table whose run chunk exists (orphans are ignored)."""
    folder = out_dir / CHUNK_DIR
    matches = _chunk_matches(folder)
    run_stems = {(m[2], m[3]) for m in matches if m[1] == "runs"}
    paths = [out_dir / TRAJ_FILE] + [folder / m[0] for m in matches
                                     if m[1] == "traj" and (m[2], m[3]) in run_stems]
    return [t for p in paths if p.exists() and (t := _read_table(p)) is not None]


def _combine_runs(sources: list[pa.Table]) -> pa.Table | None:
    """One run table: each run_id once (first source wins), sorted, in canonical order."""
    if not sources:
        return None
    table = pa.concat_tables(sources, promote_options="permissive")
    ids = table["run_id"].to_numpy()
    _, first = np.unique(ids, return_index=True)  # sorted ids, first occurrence of each
    table = table.take(pa.array(first))
    names = table.column_names
    tail = [c for c in (*TIMING_COLUMNS, "error") if c in names]
    return table.select([c for c in names if c not in tail] + tail)


def _combine_trajectories(sources: list[pa.Table], keep: set[int]) -> pa.Table | None:
    """One trajectory table: each run's rows from the first source holding that run."""
    seen: set[int] = set()
    parts = []
    for table in sources:
        ids = table["run_id"].to_numpy()
        fresh = set(np.unique(ids).tolist()) - seen
        wanted = np.isin(ids, list(fresh & keep))
        parts.append(table.filter(pa.array(wanted)))
        seen |= fresh
    if not parts:
        return None
    table = pa.concat_tables(parts, promote_options="permissive")
    order = np.lexsort((table["step"].to_numpy(), table["run_id"].to_numpy()))
    return table.take(pa.array(order))


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow to pandas with nullable ints and bools, so failed runs do not turn ints float."""
    mapping = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype(),
               pa.bool_(): pd.BooleanDtype()}
    return table.to_pandas(types_mapper=mapping.get)


def load_runs(out_dir: str | Path) -> pd.DataFrame:
    """Load the run table of a result folder, finished or not: a row per run, by run_id.

    Reads `runs.parquet` and any chunks, skipping temporary and unreadable files.
    """
    table = _combine_runs(_run_sources(Path(out_dir)))
    return pd.DataFrame() if table is None else _to_pandas(table)


def load_trajectories(out_dir: str | Path) -> pd.DataFrame:
    """Load the recorded trajectories of a result folder (empty if none were recorded)."""
    out_dir = Path(out_dir)
    runs = _combine_runs(_run_sources(out_dir))
    keep = set() if runs is None else set(runs["run_id"].to_pylist())
    table = _combine_trajectories(_traj_sources(out_dir), keep)
    return pd.DataFrame() if table is None else _to_pandas(table)


def consolidate(out_dir: Path) -> pa.Table | None:
    """Merge chunks into runs.parquet (and trajectories.parquet), then remove them.

    The consolidated files are written before any chunk is removed, and readers take each
    run once, so a kill at any point leaves a readable, duplicate-free folder.
    """
    runs = _combine_runs(_run_sources(out_dir))
    if runs is None:
        return None
    trajectories = _combine_trajectories(_traj_sources(out_dir),
                                         set(runs["run_id"].to_pylist()))
    if trajectories is not None:
        _write_parquet_atomic(trajectories, out_dir / TRAJ_FILE)
    _write_parquet_atomic(runs, out_dir / RUNS_FILE)
    for m in sorted(_chunk_matches(out_dir / CHUNK_DIR), key=lambda m: m[1] != "traj"):
        (out_dir / CHUNK_DIR / m[0]).unlink(missing_ok=True)
    try:
        (out_dir / CHUNK_DIR).rmdir()  # only if empty: *.corrupt files stay for inspection
    except OSError:
        pass
    return runs


def _tidy(out_dir: Path) -> list[str]:
    """Tidy a result folder before resuming.

    Removes temporary files and orphan trajectory chunks; sets aside unreadable chunks
    (renamed *.corrupt: kept for inspection, never read).
    """
    notes = []
    folder = out_dir / CHUNK_DIR
    for path in [*out_dir.glob(".tmp-*"), *folder.glob(".tmp-*")]:
        path.unlink(missing_ok=True)
    matches = _chunk_matches(folder)
    run_stems = {(m[2], m[3]) for m in matches if m[1] == "runs"}
    for m in matches:
        path = folder / m[0]
        if m[1] == "traj" and (m[2], m[3]) not in run_stems:
            path.unlink(missing_ok=True)
        elif _read_table(path) is None:
            path.rename(path.with_name(path.name + ".corrupt"))
            notes.append(f"set aside unreadable chunk {path.name}")
    return notes


def _has_results(out_dir: Path) -> bool:
    return ((out_dir / "manifest.json").exists() or (out_dir / RUNS_FILE).exists()
            or bool(_chunk_matches(out_dir / CHUNK_DIR)))


# ---------------------------------------------------------------------------- executors


class SerialExecutor(Executor):
    """Runs each task in this process when it is submitted: the 1-worker executor."""

    def submit(self, fn, /, *args, **kwargs) -> Future:  # noqa: D102
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:  # noqa: BLE001 - delivered through the future
            future.set_exception(err)
        return future


@contextmanager
def open_executor(kind: str = "process", workers: int | None = None,
                  scheduler: str | None = None) -> Iterator[tuple[Executor, int, str]]:
    """Open an Executor; yield it, the number of runs it works on at once, and its name.

    Args:
        kind: "process" (a local process pool; in-process when workers == 1) or "dask".
        workers: local workers; default os.cpu_count(). Ignored with a scheduler.
        scheduler: address of an existing Dask scheduler (implies kind "dask").

    """
    workers = workers or os.cpu_count() or 1
    if kind == "process" and scheduler is None:
        if workers == 1:
            yield SerialExecutor(), 1, "serial (1 worker)"
            return
        # forkserver: workers start from a clean process (no threads inherited from tqdm or
        # the caller), preloaded with the model so each starts fast.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["experiments.sweep"])
        with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                 initializer=_exit_with_parent) as pool:
            yield pool, workers, f"process pool ({workers} workers)"
        return
    yield from _dask_executor(workers, scheduler)


def _exit_with_parent() -> None:
    """Pool-worker initializer: exit as soon as the sweep process dies.

    A pool worker holds both ends of its task pipe, so after `kill -9` of the sweep it
    would wait for work forever; the parent's sentinel reaches EOF when the parent dies.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="civres-parent-watch").start()


def _dask_executor(workers: int, scheduler: str | None):
    import logging

    from distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as err:
            raise SweepError(f"--scheduler {scheduler}: cannot connect ({_one_line(err)})"
                             ) from None
        cluster = None
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
        client = Client(cluster)
    try:
        slots = sum(client.nthreads().values()) or 1
        where = scheduler or f"LocalCluster ({workers} workers)"
        # pure=False: two runs are never the same task, whatever their arguments hash to.
        yield client.get_executor(pure=False), slots, f"dask {where}"
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# ---------------------------------------------------------------------------- runner


@dataclass
class SweepResult:
    """What a sweep did: counts, time and where the table is."""

    out_dir: Path
    n_runs: int
    n_done_before: int
    n_errors: int
    seconds: float
    executor: str
    notes: list[str]


def run_sweep(config: SweepConfig, out_dir: str | Path, *, executor: str = "process",
              workers: int | None = None, scheduler: str | None = None, resume: bool = False,
              progress: bool = True, model_fn: Callable = run_model, chunk_runs: int = 50,
              flush_seconds: float = 10.0) -> SweepResult:
    """Run a sweep (or finish one, with resume) and consolidate its run table.

    Args:
        config: the validated sweep.
        out_dir: result folder.
        executor: "process" or "dask".
        workers: local workers (default: all cores).
        scheduler: Dask scheduler address, for an existing cluster.
        resume: continue the sweep in out_dir, skipping finished runs.
        progress: show a progress bar with ETA on stderr.
        model_fn: (Params, seed, record) -> (summary, trajectory); tests swap it.
        chunk_runs: write a chunk every this many finished runs...
        flush_seconds: ...or when this many seconds have passed since the last one.

    Raises:
        SweepError: the folder holds another sweep, or results without resume.
        SweepAborted: the executor failed (e.g. a worker died); finished runs are saved.

    """
    out_dir = Path(out_dir)
    notes = _prepare_folder(config, out_dir, resume)
    tasks = build_tasks(config)
    done = set(load_runs(out_dir).get("run_id", pd.Series(dtype=int)).tolist())
    pending = [t for t in tasks if t.run_id not in done]
    start = time.monotonic()
    with open_executor(executor, workers, scheduler) as (pool, slots, name):
        _write_run_manifest(config, out_dir, name, status="running", n_runs=len(tasks))
        writer = ChunkWriter(out_dir, chunk_runs, flush_seconds)
        _execute(pool, slots, pending, writer, model_fn,
                 _progress_bar(len(tasks), len(done), progress, config.name))
    table = consolidate(out_dir)
    n_errors = 0 if table is None else int(count_errors(table))
    seconds = time.monotonic() - start
    _write_run_manifest(config, out_dir, name, status="complete", n_runs=len(tasks),
                        n_errors=n_errors, seconds=round(seconds, 3))
    return SweepResult(out_dir, len(tasks), len(done), n_errors, seconds, name, notes)


def count_errors(table: pa.Table) -> int:
    """How many runs in a run table raised."""
    return len(table) - table["error"].null_count


def _prepare_folder(config: SweepConfig, out_dir: Path, resume: bool) -> list[str]:
    """Refuse to mix sweeps; on resume, check the config matches and tidy the folder."""
    if not _has_results(out_dir):
        return []
    if not resume:
        raise SweepError(f"{out_dir} already holds sweep results; pass --resume to finish "
                         "that sweep, or choose another --out")
    manifest = _read_manifest(out_dir)
    if manifest is not None and manifest.get("config") != config.raw:
        raise SweepError(f"{out_dir} holds a sweep with a different config; resume needs the "
                         "same config file (see its manifest.json), or choose another --out")
    return _tidy(out_dir)


def _read_manifest(out_dir: Path) -> dict[str, Any] | None:
    import json

    try:
        return json.loads((out_dir / "manifest.json").read_text())
    except (OSError, ValueError):
        return None


def _write_run_manifest(config: SweepConfig, out_dir: Path, executor: str, **fields) -> None:
    """manifest.json: config, seed, versions, commit, and every command that worked on it."""
    from datetime import UTC, datetime

    from experiments.manifest import write_manifest

    previous = _read_manifest(out_dir) or {}
    history = list(previous.get("history", []))
    entry = {"command": sys.argv, "executor": executor}
    if fields.get("status") == "running":
        history.append({**entry, "started": datetime.now(UTC).isoformat(timespec="seconds")})
    write_manifest(out_dir, {
        "kind": "sweep", "name": config.name, "config": config.raw,
        "master_seed": config.master_seed, "design": config.design,
        "n_points": fields["n_runs"] // config.replications, **fields,
        "history": history,
    })


def _progress_bar(total: int, initial: int, enabled: bool, name: str):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="run", desc=name, file=sys.stderr,
                disable=not enabled, dynamic_ncols=True, smoothing=0.05)


def _execute(pool: Executor, slots: int, pending: list[RunTask], writer: ChunkWriter,
             model_fn: Callable, bar) -> None:
    """Keep a bounded number of runs in flight; record each as it finishes.

    Bounded submission keeps memory flat for huge sweeps and lets a serial executor write
    chunks as it goes. Whatever stops the loop, the runs already finished are written.
    """
    queue = iter(pending)
    in_flight: set[Future] = set()
    window = 2 * slots + 2
    errors = 0
    try:
        while True:
            for task in itertools.islice(queue, window - len(in_flight)):
                in_flight.add(pool.submit(run_task, task, model_fn))
            if not in_flight:
                break
            finished, in_flight = wait(in_flight, timeout=writer.flush_seconds,
                                       return_when=FIRST_COMPLETED)
            for future in finished:
                row, trajectory = _result(future)
                writer.add(row, trajectory)
                errors += row["error"] is not None
                bar.update(1)
            if errors:
                bar.set_postfix(errors=errors, refresh=False)
            writer.maybe_flush()
    finally:
        for future in in_flight:
            future.cancel()
        writer.flush()
        bar.close()


def _result(future: Future) -> tuple[dict, pd.DataFrame | None]:
    """Return a finished run's result; an executor failure (not the run's) aborts."""
    try:
        return future.result()
    except Exception as err:
        raise SweepAborted(f"the executor failed ({_one_line(err)}); finished runs are saved, "
                           "rerun with --resume to finish the sweep") from err


# ---------------------------------------------------------------------------- CLI


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `sweep` and `analyze` to the civres command line."""
    sweep = subparsers.add_parser("sweep", help="run a parameter sweep from a TOML config")
    sweep.add_argument("config", help="sweep config (TOML), e.g. experiments/smoke.toml")
    sweep.add_argument("--workers", type=int, default=None,
                       help="local workers (default: all cores); ignored with --scheduler")
    sweep.add_argument("--executor", choices=("process", "dask"), default=None,
                       help="process pool (default) or a Dask LocalCluster")
    sweep.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run on an existing Dask cluster, e.g. tcp://host:8786")
    sweep.add_argument("--out", default=None,
                       help="result folder (default results/sweeps/<name>)")
    sweep.add_argument("--resume", action="store_true",
                       help="finish an interrupted sweep in --out, skipping finished runs")
    sweep.add_argument("--chunk-runs", type=int, default=50, metavar="N",
                       help="write results every N finished runs (default 50)")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    sweep.set_defaults(func=cmd_sweep)
    analyze = subparsers.add_parser("analyze", help="outcome probabilities and figures of a "
                                    "sweep's results")
    analyze.add_argument("result_dir", help="a sweep's result folder")
    analyze.add_argument("--x", default=None, help="parameter on the map's x axis")
    analyze.add_argument("--y", default=None, help="parameter on the map's y axis")
    analyze.add_argument("--out", default=None,
                         help="folder for CSV and figures (default RESULT_DIR/analysis)")
    analyze.set_defaults(func=cmd_analyze)


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run `civres sweep`: exit 0 when done, 2 on a usage error, 1 if the executor failed."""
    if args.workers is not None and args.workers < 1:
        return _usage_error(f"--workers must be at least 1 (got {args.workers})")
    if args.chunk_runs < 1:
        return _usage_error(f"--chunk-runs must be at least 1 (got {args.chunk_runs})")
    if args.scheduler and args.executor == "process":
        return _usage_error("--scheduler needs the dask executor; drop --executor process")
    executor = "dask" if args.scheduler else (args.executor or "process")
    try:
        config = load_config(args.config)
        out = Path(args.out) if args.out else Path("results") / "sweeps" / config.name
        result = run_sweep(config, out, executor=executor, workers=args.workers,
                           scheduler=args.scheduler, resume=args.resume,
                           progress=not args.no_progress, chunk_runs=args.chunk_runs)
    except SweepError as err:
        return _usage_error(str(err))
    except SweepAborted as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    ran = result.n_runs - result.n_done_before
    print(f"{ran} runs in {result.seconds:.1f} s on {result.executor}"
          + (f" ({result.n_done_before} already done)" if result.n_done_before else "")
          + f"; {result.n_errors} raised; table: {out / RUNS_FILE}")
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    """Run `civres analyze`: exit 0 with the files written, 2 on a usage error."""
    from experiments.analyze import AnalysisError, analyze

    try:
        written = analyze(args.result_dir, out=args.out, x=args.x, y=args.y)
    except AnalysisError as err:
        return _usage_error(str(err))
    for path in written:
        print(f"wrote {path}")
    return 0


def _usage_error(message: str) -> int:
    """Report a usage error as the CLI does for its own (one line, exit status 2).

    Printed here rather than raised as experiments.cli.UsageError: under
    `python -m experiments.cli` that module runs as __main__, so an imported UsageError
    would be a different class that main() does not catch.
    """
    print(f"error: {message}", file=sys.stderr)
    return 2

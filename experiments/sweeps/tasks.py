"""Run tasks: what one run is, its seed, and doing it in a worker.

Every run gets its own seed from `numpy.random.SeedSequence(master_seed)`, spawned in a
fixed run order, so a run table does not depend on how the runs were scheduled. A run
that raises is data, not a crash: it becomes a row with its error. A row's columns and
their types are declared in `run_schema()`; its summary columns are the declared run
summary's (`model.summary.RUN_COLUMNS`).

An experiment's identity (`experiment_identity`) is what a sweep's files are sealed with
(see experiments/sweeps/seals.py): the config as parsed, the resolved runs (every run's
parameters and seed) and the code that shapes the results (`code_fingerprint`: the
civres version, a SHA-256 of the model package's source files and of the run table's
declared columns). Two sweeps share an identity only if they would produce the same
table, so results of different configs, or of different model code, are never mixed.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from threadpoolctl import threadpool_limits

import civres.model as model_package
from civres.model import CivilResistanceModel, Params
from civres.model.batch_params import batch_key
from civres.model.batch_run import run_campaigns
from civres.model.summary import RUN_COLUMN_NAMES, RUN_COLUMNS, RunSummary

from .designs import SweepConfig, canonical_json, design_points

#: (Params, seed, record) -> (summary dict, trajectory or None); tests swap it.
ModelFn = Callable[[Params, int, bool], tuple[dict[str, Any], pd.DataFrame | None]]


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


_ARROW_TYPES = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(),
                "bool": pa.bool_(), "int": pa.int64(), "float": pa.float64()}


@functools.cache
def run_schema() -> pa.Schema:
    """The run table's columns and types, in order.

    run_id, point_id, rep, every parameter (Params' field types), seed, the declared
    summary columns (RUN_COLUMNS), wall_s, error. Every chunk is written with exactly
    these, so a table whose runs all failed has the same types as any other.
    """
    fields = [pa.field(name, pa.int64()) for name in ("run_id", "point_id", "rep")]
    fields += [pa.field(row["name"], _ARROW_TYPES[row["type"]]) for row in Params.describe()]
    fields.append(pa.field("seed", pa.int64()))
    fields += [pa.field(c.name, _ARROW_TYPES[c.dtype]) for c in RUN_COLUMNS]
    fields += [pa.field("wall_s", pa.float64()), pa.field("error", pa.string())]
    return pa.schema(fields)


@functools.cache
def code_fingerprint() -> dict[str, str]:
    """The code that shapes a run's results.

    civres's version, a SHA-256 of the model package's source files (every .py file
    under model/, by relative path), and one of the run table's declared columns (names
    and types).
    """
    try:
        version = metadata.version("civres")
    except metadata.PackageNotFoundError:
        version = "unknown"
    source = hashlib.sha256()
    folder = Path(model_package.__file__).resolve().parent
    for path in sorted(folder.rglob("*.py")):  # subpackages (rules/, phases/) too
        name = path.relative_to(folder).as_posix().encode()
        source.update(name + b"\x00" + path.read_bytes() + b"\x00")
    columns = canonical_json([[f.name, str(f.type)] for f in run_schema()])
    return {"civres": version, "model_sha256": source.hexdigest(),
            "columns_sha256": hashlib.sha256(columns).hexdigest()}


def experiment_identity(config: SweepConfig, tasks: list[RunTask]) -> dict[str, Any]:
    """The identity of a sweep: what its files are sealed with and checked against.

    Keys: experiment (SHA-256 of the three digests below and the code), config_sha256
    (the parsed config), design_sha256 (every run's run_id, point_id, rep, parameters,
    seed and whether its trajectory is kept), code (`code_fingerprint()`), runs_planned,
    points_planned, replications, name, and config (the parsed config, so a result
    folder describes itself even without its manifest).
    """
    design = hashlib.sha256()
    by_point: dict[int, str] = {}
    for task in tasks:
        if task.point_id not in by_point:
            by_point[task.point_id] = hashlib.sha256(canonical_json(task.params)).hexdigest()
        design.update(canonical_json([task.run_id, task.point_id, task.rep,
                                      by_point[task.point_id], task.seed,
                                      task.record_trajectory]))
    parts = {"config_sha256": hashlib.sha256(canonical_json(config.raw)).hexdigest(),
             "design_sha256": design.hexdigest(), "code": code_fingerprint()}
    return {"experiment": hashlib.sha256(canonical_json(parts)).hexdigest(), **parts,
            "runs_planned": len(tasks), "points_planned": len(by_point),
            "replications": config.replications, "name": config.name, "config": config.raw}


def identity_difference(found: dict[str, Any] | None, expected: dict[str, Any]) -> str:
    """Why another experiment's identity is not this one's, in words."""
    if found is None:
        return "written by an older civres, without an experiment identity"
    reasons = []
    if found.get("config_sha256") != expected["config_sha256"]:
        reasons.append("another config")
    elif found.get("design_sha256") != expected["design_sha256"]:
        reasons.append("other runs from the same config (another SALib or numpy)")
    code, ours = found.get("code") or {}, expected["code"]
    if code != ours:
        changed = [k for k in ours if code.get(k) != ours[k]]
        reasons.append("other model code (" + ", ".join(
            f"{k} {str(code.get(k))[:12]} now {str(ours[k])[:12]}" for k in changed) + ")")
    return " and ".join(reasons) or "another experiment"


def tasks_for(param_dicts: list[dict[str, Any]], seeds: list[int]) -> list[RunTask]:
    """One task per parameter dict (run_id = point_id = its index), without trajectories.

    Seeds may come from a table (numpy integers); Mesa takes Python ints only.
    """
    return [RunTask(i, i, 0, params, int(seed), False)
            for i, (params, seed) in enumerate(zip(param_dicts, seeds, strict=True))]


def run_model(params: Params, seed: int, record: bool) -> tuple[dict, pd.DataFrame | None]:
    """Simulate one campaign: its summary and, if asked, its trajectory."""
    model = CivilResistanceModel(params, rng=seed)
    summary = model.run()
    return summary, (model.trajectory() if record else None)


def run_task(task: RunTask, model_fn: ModelFn = run_model) -> tuple[dict, pd.DataFrame | None]:
    """Do one run in a worker; a run that raises becomes a row with its error.

    Args:
        task: the run.
        model_fn: (Params, seed, record) -> (summary, trajectory); tests swap it. The
            summary must hold every field of `model.summary.RunSummary`.

    Returns:
        The run-table row (run_id, point_id, rep, every parameter, seed, the summary
        columns of RUN_COLUMNS, wall_s, error) and the trajectory (with run_id) or None.

    """
    start = time.perf_counter()
    trajectory = None
    try:
        summary, trajectory = model_fn(Params(**task.params), task.seed,
                                       task.record_trajectory)
        columns = _plain(RunSummary.from_dict(summary).row())
        error = None
    except Exception as err:  # noqa: BLE001 - a failing run is data, not a crash
        columns = dict.fromkeys(RUN_COLUMN_NAMES)
        error = one_line(err)
    row = _run_row(task, columns, time.perf_counter() - start, error)
    return row, _tagged(trajectory, task)


def _run_row(task: RunTask, summary_columns: dict[str, Any], wall_s: float,
             error: str | None) -> dict[str, Any]:
    """A run-table row: the task's identity, parameters and seed, its summary, time, error."""
    return {"run_id": task.run_id, "point_id": task.point_id, "rep": task.rep,
            **task.params, "seed": task.seed, **summary_columns, "wall_s": wall_s,
            "error": error}


def _tagged(trajectory: pd.DataFrame | None, task: RunTask) -> pd.DataFrame | None:
    """A copy of the trajectory with the task's run_id as its first column (None stays)."""
    if trajectory is None:
        return None
    trajectory = trajectory.copy()
    trajectory.insert(0, "run_id", task.run_id)
    return trajectory


#: Most runs a worker gets at once, stepped as one batch (model.batch_run).
BATCH_RUNS = 64


def batch_units(tasks: list[RunTask], slots: int,
                most: int = BATCH_RUNS) -> list[list[RunTask]]:
    """The tasks as units of work: runs that can share a batch, a few units per worker.

    Runs are grouped by their batch shape (model.batch_params.batch_key) in task order,
    and each group is cut into units of at most `most` runs, and of no more than a
    worker's share of all the runs (so that every worker gets work).
    """
    if not tasks:
        return []
    size = max(1, min(most, -(-len(tasks) // max(slots, 1))))
    groups: dict[tuple, list[RunTask]] = {}
    for task in tasks:
        try:
            key = batch_key(Params(**task.params))
        except (TypeError, ValueError):  # bad parameters: a unit of its own, to fail alone
            key = ("invalid", task.run_id)
        groups.setdefault(key, []).append(task)
    return [group[i:i + size] for group in groups.values() for i in range(0, len(group), size)]


def run_tasks(tasks: list[RunTask],
              model_fn: ModelFn = run_model) -> list[tuple[dict, pd.DataFrame | None]]:
    """Do several runs in a worker: as one batch when they can share one.

    A batch gives each run the summary and trajectory it would have alone
    (model.batch_run). Runs of a swapped model_fn, and every run of a batch that raised,
    are done one at a time (`run_task`), so a failing run is still a row of its own. A
    batched run's `wall_s` is its share of the batch's time.
    """
    if model_fn is not run_model:
        return [run_task(task, model_fn) for task in tasks]
    keep = any(t.record_trajectory for t in tasks)
    start = time.perf_counter()
    try:
        # Each worker has its core: BLAS threads of its own would only contend for it.
        with threadpool_limits(1, user_api="blas"):
            done = run_campaigns([Params(**t.params) for t in tasks], [t.seed for t in tasks],
                                 trajectories=keep)
    except Exception:  # noqa: BLE001 - the runs are redone alone, each failing on its own
        return [run_task(task, model_fn) for task in tasks]
    wall = (time.perf_counter() - start) / len(tasks)
    results = []
    for task, result in zip(tasks, done, strict=True):
        summary, trajectory = result if keep else (result, None)
        row = _run_row(task, _plain(summary.row()), wall, None)
        results.append((row, _tagged(trajectory, task) if task.record_trajectory else None))
    return results


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """Numpy scalars as Python values, so every row has the same column types."""
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in row.items()}


def one_line(err: BaseException) -> str:
    """Describe an exception in one line: its type and the first line of its message."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__

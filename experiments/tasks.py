"""Run tasks: what one run is, its seed, and doing it in a worker.

Every run gets its own seed from `numpy.random.SeedSequence(master_seed)`, spawned in a
fixed run order, so a run table does not depend on how the runs were scheduled. A run
that raises is data, not a crash: it becomes a row with its error. A row's summary
columns are the declared run summary's (`model.summary.RUN_COLUMNS`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from model import CivilResistanceModel, Params
from model.summary import RUN_COLUMN_NAMES, RunSummary

from .designs import SweepConfig, design_points

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
    row: dict[str, Any] = {"run_id": task.run_id, "point_id": task.point_id, "rep": task.rep,
                           **task.params, "seed": task.seed}
    start = time.perf_counter()
    trajectory = None
    try:
        summary, trajectory = model_fn(Params(**task.params), task.seed,
                                       task.record_trajectory)
        row.update(_plain(RunSummary.from_dict(summary).row()))
        error = None
    except Exception as err:  # noqa: BLE001 - a failing run is data, not a crash
        row.update(dict.fromkeys(RUN_COLUMN_NAMES))
        error = one_line(err)
    row["wall_s"] = time.perf_counter() - start
    row["error"] = error
    if trajectory is not None:
        trajectory = trajectory.copy()
        trajectory.insert(0, "run_id", task.run_id)
    return row, trajectory


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """Numpy scalars as Python values, so every row has the same column types."""
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in row.items()}


def one_line(err: BaseException) -> str:
    """Describe an exception in one line: its type and the first line of its message."""
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0]}" if text else type(err).__name__

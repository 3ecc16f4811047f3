"""The runner: a sweep's loop (`run_sweep`) and a batch of runs (`run_many`).

`run_sweep` runs a validated sweep on an executor, keeps a bounded number of runs in
flight, writes each finished run to the store as it arrives, and consolidates the run
table at the end; `resume` finishes an interrupted sweep. `run_many` runs one model per
parameter dict (the comparison with history and the aggregate facts use it).

Failed runs are data everywhere: a run that raises is a row whose `error` says why, in a
sweep's table and in `run_many`'s alike. Only a failure of the executor itself (a dead
worker) stops the runner, with `SweepAborted` / `RunAborted`.
"""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from .designs import SweepConfig
from .errors import RunAborted, SweepAborted, SweepError
from .executors import open_executor
from .manifest import write_manifest
from .store import ChunkWriter, consolidate, has_results, load_runs, read_manifest, tidy
from .tasks import RunTask, build_tasks, one_line, run_model, run_task, spawn_seeds, tasks_for


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


def run_many(param_dicts: list[dict[str, Any]], master_seed: int, workers: int | None,
             executor: str = "process", seeds: list[int] | None = None,
             model_fn: Callable = run_model) -> pd.DataFrame:
    """Run one model per parameter dict; return a row each, in the dicts' order.

    A run that raises is a row like any other, with its `error` set and its summary
    columns empty: callers decide what a failed run means for them.

    Args:
        param_dicts: the runs' parameters (as `Params.to_dict()` gives them).
        master_seed: seeds are spawned from it (`spawn_seeds`) unless `seeds` is given.
        workers: local workers (default: all cores).
        executor: "process" or "dask".
        seeds: the runs' seeds, to rerun runs exactly.
        model_fn: (Params, seed, record) -> (summary, trajectory); tests swap it.

    Raises:
        RunAborted: the executor failed (e.g. a worker died).

    """
    seeds = spawn_seeds(master_seed, len(param_dicts)) if seeds is None else seeds
    tasks = tasks_for(param_dicts, seeds)
    with open_executor(executor, workers) as (pool, _, _):
        futures = [pool.submit(run_task, task, model_fn) for task in tasks]
        rows = [_result(future, RunAborted, "")[0] for future in futures]
    return pd.DataFrame(rows).sort_values("run_id").reset_index(drop=True)


def _prepare_folder(config: SweepConfig, out_dir: Path, resume: bool) -> list[str]:
    """Refuse to mix sweeps; on resume, check the config matches and tidy the folder."""
    if not has_results(out_dir):
        return []
    if not resume:
        raise SweepError(f"{out_dir} already holds sweep results; pass --resume to finish "
                         "that sweep, or choose another --out")
    manifest = read_manifest(out_dir)
    if manifest is not None and manifest.get("config") != config.raw:
        raise SweepError(f"{out_dir} holds a sweep with a different config; resume needs the "
                         "same config file (see its manifest.json), or choose another --out")
    return tidy(out_dir)


def _write_run_manifest(config: SweepConfig, out_dir: Path, executor: str, **fields) -> None:
    """manifest.json: config, seed, versions, commit, and every command that worked on it."""
    previous = read_manifest(out_dir) or {}
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
                row, trajectory = _result(future, SweepAborted, _RESUME_HINT)
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


_RESUME_HINT = "; finished runs are saved, rerun with --resume to finish the sweep"


def _result(future: Future, abort: type[RunAborted],
            hint: str) -> tuple[dict, pd.DataFrame | None]:
    """Return a finished run's result; an executor failure (not the run's) aborts."""
    try:
        return future.result()
    except Exception as err:
        raise abort(f"the executor failed ({one_line(err)}){hint}") from err

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
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, as_completed, wait
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from civres.errors import (
    OutputError,
    ResultsError,
    RunAborted,
    SweepAborted,
    SweepError,
    WriteFailed,
)

from .chunks import ChunkWriter, consolidate, tidy
from .designs import SweepConfig
from .executors import ExecutorKind, SerialExecutor, open_executor
from .folders import TMP_PREFIX, check_out_dir, locked
from .interrupts import deferred
from .manifest import write_manifest
from .store import (
    SWEEP_ENTRIES,
    describe_groups,
    has_results,
    read_manifest,
    read_results,
    scan,
)
from .tasks import (
    BATCH_RUNS,
    RunTask,
    batch_units,
    build_tasks,
    experiment_identity,
    identity_difference,
    one_line,
    run_model,
    run_schema,
    run_tasks,
    spawn_seeds,
    tasks_for,
)


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


def run_sweep(config: SweepConfig, out_dir: str | Path, *, executor: ExecutorKind = "process",
              workers: int | None = None, scheduler: str | None = None, resume: bool = False,
              progress: bool = True, model_fn: Callable = run_model, chunk_runs: int = 50,
              flush_seconds: float = 10.0) -> SweepResult:
    """Run a sweep (or finish one, with resume) and consolidate its run table.

    The result folder is locked for the whole sweep (a second sweep on it is refused),
    every file is sealed with the experiment's identity, and on resume every file found
    must carry this experiment's identity (this config and this model code), whatever
    manifest.json says or whether it exists.

    Args:
        config: the validated sweep.
        out_dir: result folder.
        executor: "process" or "dask".
        workers: local workers (default: all cores; never more than the machine has).
        scheduler: Dask scheduler address, for an existing cluster.
        resume: continue the sweep in out_dir, skipping finished runs.
        progress: show a progress bar with ETA on stderr.
        model_fn: (Params, seed, record) -> (summary, trajectory); tests swap it.
        chunk_runs: write a chunk every this many finished runs...
        flush_seconds: ...or when this many seconds have passed since the last one.

    Raises:
        OutputError: out_dir cannot be written, or another sweep is writing to it.
        SweepError: the folder holds results without resume, or another config's.
        ResultsError: the folder holds files of another experiment.
        SweepAborted: the executor failed (e.g. a worker died); finished runs are saved.
        WriteFailed: results could not be written (e.g. a full disk); those written stay.
        KeyboardInterrupt: Ctrl-C, SIGTERM or SIGHUP (`Terminated`); finished runs are
            saved first, and the exception's `saved` says how many runs the folder holds.

    """
    out_dir = check_out_dir(out_dir)
    tasks = build_tasks(config)
    identity = experiment_identity(config, tasks)
    _refuse_other_files(out_dir)
    with locked(out_dir):
        notes = _prepare_folder(config, identity, out_dir, resume)
        done = _done_runs(out_dir)
        pending = [t for t in tasks if t.run_id not in done]
        start = time.monotonic()
        writer = None
        try:
            with open_executor(executor, workers, scheduler) as (pool, slots, name):
                _write_run_manifest(config, identity, out_dir, name, status="running",
                                    n_runs=len(tasks))
                writer = ChunkWriter(out_dir, chunk_runs, flush_seconds, identity,
                                     run_schema())
                _execute(pool, slots, pending, writer, model_fn,
                         _progress_bar(len(tasks), len(done), progress, config.name))
            table = consolidate(out_dir, identity)
        except KeyboardInterrupt as err:
            err.saved = len(done) + (writer.written if writer else 0)  # type: ignore[attr-defined]
            err.out_dir = out_dir  # type: ignore[attr-defined]
            raise
        except WriteFailed as err:
            saved = len(done) + (writer.written if writer else 0)
            raise WriteFailed(f"{err}; {saved} finished runs are saved in {out_dir}; make "
                              "room, then rerun with --resume to finish") from err
        n_errors = 0 if table is None else int(count_errors(table))
        missing = len(tasks) - (0 if table is None else len(table))
        if missing:
            notes.append(f"{missing} runs are missing (their files were damaged and set "
                         "aside); rerun with --resume to do them again")
        seconds = time.monotonic() - start
        _write_run_manifest(config, identity, out_dir, name,
                            status="complete" if not missing else "incomplete",
                            n_runs=len(tasks), n_errors=n_errors, seconds=round(seconds, 3))
    return SweepResult(out_dir, len(tasks), len(done), n_errors, seconds, name, notes)


def count_errors(table: pa.Table) -> int:
    """How many runs in a run table raised."""
    return len(table) - table["error"].null_count


#: The label of the progress bar `run_many` shows on stderr (None: no bar); a command
#: sets it for its block with `showing_progress`, so library code never prints.
_PROGRESS: ContextVar[str | None] = ContextVar("civres_progress", default=None)


@contextmanager
def showing_progress(label: str | None) -> Iterator[None]:
    """Within the block, every `run_many` shows a progress bar with an ETA (None: none)."""
    token = _PROGRESS.set(label)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


def run_many(param_dicts: list[dict[str, Any]], master_seed: int, workers: int | None,
             executor: ExecutorKind = "process", seeds: list[int] | None = None,
             model_fn: Callable = run_model, stage: str = "runs") -> pd.DataFrame:
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
        stage: what these runs are, for the progress bar (`showing_progress`).

    Raises:
        RunAborted: the executor failed (e.g. a worker died).

    """
    seeds = spawn_seeds(master_seed, len(param_dicts)) if seeds is None else seeds
    tasks = tasks_for(param_dicts, seeds)
    label = _PROGRESS.get()
    bar = _progress_bar(len(tasks), 0, label is not None, f"{label}: {stage}")
    try:
        with open_executor(executor, workers) as (pool, slots, _):
            units = batch_units(tasks, slots, _unit_size(model_fn))
            futures, sizes = [], {}
            for unit in units:
                future = _submit(pool, unit, model_fn)
                futures.append(future)
                if future.done():  # the serial executor ran it inside submit
                    bar.update(len(unit))
                else:
                    sizes[future] = len(unit)
            for future in as_completed(sizes):
                bar.update(sizes[future])
            rows = [row for future in futures for row, _ in _result(future, RunAborted, "")]
    finally:
        bar.close()
    return pd.DataFrame(rows).sort_values("run_id").reset_index(drop=True)


def _prepare_folder(config: SweepConfig, identity: dict[str, Any], out_dir: Path,
                    resume: bool) -> list[str]:
    """Refuse to mix sweeps; on resume, check every file is this experiment's and tidy.

    The files' seals decide, not the manifest: a deleted, emptied or edited manifest.json
    cannot make another experiment's runs count as this one's.
    """
    if not has_results(out_dir):
        return []
    if not resume:
        raise SweepError(f"{out_dir} already holds sweep results; pass --resume to finish "
                         "that sweep, or choose another --out")
    manifest = read_manifest(out_dir)
    found = scan(out_dir, trajectories=True, keep=False)
    foreign = [s for s in found.sources if s.experiment != identity["experiment"]]
    if foreign:
        groups: dict[str | None, list] = {}
        for source in foreign:
            groups.setdefault(source.experiment, []).append(source)
        why = identity_difference(foreign[0].identity, identity)
        raise ResultsError(f"{out_dir} holds runs of another experiment ({why}: "
                           f"{describe_groups(groups)}); resume needs the same config and "
                           "model code: choose another --out")
    notes = tidy(out_dir, found)
    if manifest is None or manifest.get("experiment") != identity["experiment"]:
        state = "missing or unreadable" if manifest is None else "not this experiment's"
        notes.append(f"manifest.json was {state}; the runs' own seals show they belong to "
                     "this config and code, and it is written again")
    return notes


def _refuse_other_files(out_dir: Path) -> None:
    """A new sweep starts only in a folder holding nothing but a sweep's own entries."""
    if has_results(out_dir):
        return
    others = sorted(p.name for p in out_dir.iterdir() if p.name not in SWEEP_ENTRIES
                    and not p.name.startswith(TMP_PREFIX))
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise OutputError(f"--out {out_dir}: holds files that are not a sweep's ({shown}); "
                          "choose a new or empty folder")


def _done_runs(out_dir: Path) -> set[int]:
    """The run_ids already in the folder (every file checked by tidy before)."""
    results = read_results(out_dir)
    return set() if results.runs is None else set(results.runs["run_id"].to_pylist())


def _write_run_manifest(config: SweepConfig, identity: dict[str, Any], out_dir: Path,
                        executor: str, **fields) -> None:
    """manifest.json: config, seed, identity, versions, commit, and every command on it."""
    previous = read_manifest(out_dir) or {}
    history = list(previous.get("history", []))
    entry = {"command": sys.argv, "executor": executor}
    if fields.get("status") == "running":
        history.append({**entry, "started": datetime.now(UTC).isoformat(timespec="seconds")})
    write_manifest(out_dir, {
        "kind": "sweep", "name": config.name, "config": config.raw,
        "master_seed": config.master_seed, "design": config.design,
        "n_points": fields["n_runs"] // config.replications, **fields,
        "experiment": identity["experiment"], "code": identity["code"],
        "history": history,
    })


def _progress_bar(total: int, initial: int, enabled: bool, name: str):
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, unit="run", desc=name, file=sys.stderr,
                disable=not enabled, dynamic_ncols=True, smoothing=0.05)


def _execute(pool: Executor, slots: int, pending: list[RunTask], writer: ChunkWriter,
             model_fn: Callable, bar) -> None:
    """Keep a bounded number of units of runs in flight; record each run as it finishes.

    Runs go to the workers in units (`batch_units`: runs that share a batch shape, stepped
    together). Bounded submission keeps memory flat for huge sweeps and lets a serial
    executor write chunks as it goes. Whatever stops the loop, the runs already finished
    are written.
    """
    queue = iter(batch_units(pending, slots, _unit_size(model_fn)))
    in_flight: set[Future] = set()
    window = 2 * slots + 2
    errors = 0
    try:
        while True:
            for unit in itertools.islice(queue, window - len(in_flight)):
                in_flight.add(_submit(pool, unit, model_fn))
            if not in_flight:
                break
            finished, in_flight = wait(in_flight, timeout=writer.flush_seconds,
                                       return_when=FIRST_COMPLETED)
            for future in finished:
                for row, trajectory in _result(future, SweepAborted, _RESUME_HINT):
                    writer.add(row, trajectory)
                    errors += row["error"] is not None
                    bar.update(1)
            if errors:
                bar.set_postfix(errors=errors, refresh=False)
            writer.maybe_flush()
    finally:
        # Runs that finished but were not collected yet (the loop was stopped between
        # submitting and collecting) are saved too; the others are cancelled.
        for future in in_flight:
            if future.done() and not future.cancelled() and future.exception() is None:
                for row, trajectory in future.result():
                    writer.rows.append(row)
                    if trajectory is not None:
                        writer.trajectories.append(trajectory)
            else:
                future.cancel()
        bar.close()
        writer.flush()


def _unit_size(model_fn: Callable) -> int:
    """Most runs per unit: a batch for the model, one at a time for a swapped model_fn.

    A swapped model function is not batched (run_tasks), so its runs go out singly, and
    a worker it kills takes only its own run with it.
    """
    return BATCH_RUNS if model_fn is run_model else 1


def _submit(pool: Executor, unit: list[RunTask], model_fn: Callable) -> Future:
    """Submit a unit of runs; to a pool, with signals held back until it is submitted.

    Submitting may start a worker process, and one started but not yet recorded by the
    pool could not be stopped. The serial executor runs the unit inside submit, which a
    signal may cut short.
    """
    if isinstance(pool, SerialExecutor):
        return pool.submit(run_tasks, unit, model_fn)
    with deferred():
        return pool.submit(run_tasks, unit, model_fn)


_RESUME_HINT = "; finished runs are saved, rerun with --resume to finish the sweep"


def _result(future: Future, abort: type[RunAborted],
            hint: str) -> list[tuple[dict, pd.DataFrame | None]]:
    """Return a finished unit's runs; an executor failure (not a run's) aborts."""
    try:
        return future.result()
    except Exception as err:
        raise abort(f"the executor failed ({one_line(err)}){hint}") from err

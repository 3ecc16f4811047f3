"""Executors: where runs are done. Serially, on a local process pool, or on Dask.

`open_executor` yields a `concurrent.futures.Executor`, the number of runs it works on at
once and a name for reports. A local pool starts its workers with forkserver (clean
processes, preloaded with the model); a Dask executor runs on a LocalCluster or on an
existing cluster (`--scheduler`), whose machines need this package installed.

Limits: local workers are capped at the cores this process may use (`cap_workers`); an
address given as a scheduler must answer as a Dask scheduler within SCHEDULER_TIMEOUT
seconds, have a worker within WORKER_TIMEOUT seconds, and its workers must run the same
model code as this machine (`tasks.code_fingerprint`), or the sweep does not start.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Literal, get_args

from civres.errors import SweepError

from .interrupts import ignore_signals
from .tasks import code_fingerprint, one_line

#: Seconds an address given with --scheduler has to answer as a Dask scheduler.
SCHEDULER_TIMEOUT = 20.0
#: Seconds a scheduler without workers has to get one before the sweep gives up.
WORKER_TIMEOUT = 60.0


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cap_workers(workers: int | None) -> tuple[int, str | None]:
    """The number of local workers to start, and a note if the request was lowered.

    Runs are CPU-bound: more workers than cores only share them, and each costs memory.
    """
    cores = available_cores()
    if workers is None:
        return cores, None
    if workers > cores:
        return cores, (f"--workers {workers} lowered to {cores}, the cores this machine "
                       "has for it")
    return workers, None


class SerialExecutor(Executor):
    """Runs each task in this process when it is submitted: the 1-worker executor."""

    def submit(self, fn, /, *args, **kwargs) -> Future:  # noqa: D102
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as err:  # noqa: BLE001 - delivered through the future
            future.set_exception(err)
        return future


#: Where a sweep's runs are done: a local process pool (in-process with one worker) or Dask.
ExecutorKind = Literal["process", "dask"]
EXECUTOR_KINDS: tuple[str, ...] = get_args(ExecutorKind)


@contextmanager
def open_executor(kind: ExecutorKind = "process", workers: int | None = None,
                  scheduler: str | None = None) -> Iterator[tuple[Executor, int, str]]:
    """Open an Executor; yield it, the number of runs it works on at once, and its name.

    Args:
        kind: "process" (a local process pool; in-process when workers == 1) or "dask".
        workers: local workers; default (and at most) the cores available. Ignored with a
            scheduler.
        scheduler: address of an existing Dask scheduler (implies kind "dask").

    Raises:
        SweepError: the scheduler cannot be used (no answer, not Dask, no workers, other
            model code).
        ValueError: for a kind not in EXECUTOR_KINDS.

    """
    if kind not in EXECUTOR_KINDS:
        raise ValueError(f"executor: {kind!r} is not allowed; allowed: "
                         + ", ".join(EXECUTOR_KINDS))
    workers, _ = cap_workers(workers)
    if kind == "process" and scheduler is None:
        if workers == 1:
            yield SerialExecutor(), 1, "serial (1 worker)"
            return
        # forkserver: workers start from a clean process (no threads inherited from tqdm or
        # the caller), preloaded with the model so each starts fast.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["civres.experiments.sweeps.tasks"])
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                   initializer=_worker_setup)
        try:
            yield pool, workers, f"process pool ({workers} workers)"
        except BaseException:
            _stop_workers(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return
    yield from _dask_executor(workers, scheduler)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers now (a sweep that stops does not wait for runs in flight)."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            process.terminate()
        except (OSError, ValueError, AttributeError):
            pass


def _worker_setup() -> None:
    """Pool-worker initializer: leave signals to the parent; exit when it dies.

    A pool worker holds both ends of its task pipe, so after `kill -9` of the sweep it
    would wait for work forever; the parent's sentinel reaches EOF when the parent dies.
    """
    ignore_signals()
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
        client = connect_scheduler(scheduler)
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


def connect_scheduler(address: str):
    """A Dask client of the scheduler at `address`, checked before any work is sent.

    The address must answer as a Dask scheduler within SCHEDULER_TIMEOUT seconds and have
    a worker, running this machine's model code, within WORKER_TIMEOUT seconds: an
    address that is not a scheduler is one line, never a hang.

    Raises:
        SweepError: naming the address and what is wrong.

    """
    from distributed import Client

    check_scheduler(address)
    try:
        client = Client(address, timeout=f"{SCHEDULER_TIMEOUT:g}s")
    except (OSError, TimeoutError, ValueError) as err:
        raise SweepError(f"--scheduler {address}: cannot connect ({one_line(err)})") from None
    try:
        _check_workers(client, address)
    except BaseException:
        client.close()
        raise
    return client


def check_scheduler(address: str, timeout: float | None = None) -> dict:
    """Ask `address` who it is, the way Dask's client does first, with a hard deadline.

    Returns:
        The scheduler's identity (type, address, workers...).

    Raises:
        SweepError: no answer within `timeout` seconds (default SCHEDULER_TIMEOUT), an
            answer that is not a Dask scheduler's, or no connection at all.

    """
    timeout = SCHEDULER_TIMEOUT if timeout is None else timeout

    async def ask() -> object:
        from distributed.comm import connect

        comm = await connect(address, timeout=max(timeout - 2, timeout / 2))
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    where = f"--scheduler {address}"
    try:
        answer = asyncio.run(asyncio.wait_for(ask(), timeout))
    except TimeoutError:
        raise SweepError(f"{where}: no answer as a Dask scheduler within {timeout:g} s; "
                         "check the address (tcp://HOST:8786) and that a scheduler runs "
                         "there") from None
    except Exception as err:  # noqa: BLE001 - any failure to talk to it is the same news
        raise SweepError(f"{where}: cannot connect ({one_line(err)})") from None
    if not isinstance(answer, dict) or answer.get("type") != "Scheduler":
        raise SweepError(f"{where}: answered, but not as a Dask scheduler")
    return answer


def _check_workers(client, address: str, ours: dict[str, str] | None = None) -> None:
    """Check a scheduler's workers: one at least (soon), all with this machine's code.

    `ours` is this machine's code (default `code_fingerprint()`).
    """
    try:
        client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
    except TimeoutError:
        raise SweepError(f"--scheduler {address}: no worker joined it within "
                         f"{WORKER_TIMEOUT:g} s; start workers (dask worker {address})"
                         ) from None
    ours = code_fingerprint() if ours is None else ours
    try:
        theirs = client.run(code_fingerprint)
    except Exception as err:  # noqa: BLE001 - e.g. civres not installed there
        raise SweepError(f"--scheduler {address}: its workers cannot run civres "
                         f"({one_line(err)}); install this package on them") from None
    other = sorted(worker for worker, code in theirs.items() if code != ours)
    if other:
        raise SweepError(f"--scheduler {address}: {len(other)} of its {len(theirs)} workers "
                         f"run other model code than this machine (e.g. {other[0]}); install "
                         "the same civres there, so results are not mixed")

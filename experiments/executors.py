"""Executors: where runs are done. Serially, on a local process pool, or on Dask.

`open_executor` yields a `concurrent.futures.Executor`, the number of runs it works on at
once and a name for reports. A local pool starts its workers with forkserver (clean
processes, preloaded with the model); a Dask executor runs on a LocalCluster or on an
existing cluster (`--scheduler`), whose machines need this package installed.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager

from .errors import SweepError
from .tasks import one_line


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
        context.set_forkserver_preload(["experiments.tasks"])
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
            raise SweepError(f"--scheduler {scheduler}: cannot connect ({one_line(err)})"
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

"""Signals: SIGTERM and SIGHUP stop a command the way Ctrl-C does.

Batch systems, `timeout` and a closed terminal stop a process with SIGTERM or SIGHUP, not
SIGINT. While `handle_signals()` is active all three raise `Terminated` (a
KeyboardInterrupt) in the main thread, so the code that saves a sweep's finished runs on
Ctrl-C saves them on every one of these; the command line exits with status 128 + n.

The first signal is the one acted on: further ones are ignored while the command cleans
up, so a second signal cannot cut the saving of finished runs short (SIGKILL still can,
and the store is built to survive it).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from civres.errors import Terminated

#: The signals handled like Ctrl-C (SIGHUP where the platform has it).
HANDLED = tuple(s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None),
                            getattr(signal, "SIGHUP", None)) if s is not None)

_stopping = False
_deferring = 0
_pending: int | None = None


def _handler(signum: int, frame: FrameType | None) -> None:
    global _stopping, _pending
    if _stopping:
        return
    if _deferring:
        _pending = signum
        return
    _stopping = True
    raise Terminated(signum, signal.Signals(signum).name)


@contextmanager
def deferred() -> Iterator[None]:
    """Hold a signal back until the block is done (a step that must not be cut in two).

    E.g. submitting a run to a process pool, which may start a worker process: stopped
    between starting it and recording it, the pool could not stop that worker.
    """
    global _deferring, _pending
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
        if not _deferring and _pending is not None:
            signum, _pending = _pending, None
            _handler(signum, None)


@contextmanager
def handle_signals() -> Iterator[None]:
    """Raise `Terminated` on SIGINT, SIGTERM and SIGHUP while active (main thread only)."""
    global _stopping
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.getsignal(s) for s in HANDLED}
    _stopping = False
    global _pending
    _pending = None
    for s in HANDLED:
        signal.signal(s, _handler)
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _stopping = False


def ignore_signals() -> None:
    """In a pool worker: ignore Ctrl-C and hang-ups; the parent stops its workers itself.

    Ctrl-C and a closed terminal reach every process of the terminal's group; without
    this each worker would print its own traceback. SIGTERM keeps its default (the
    parent, and the pool's own clean-up, stop workers with it).
    """
    for s in HANDLED:
        if s != getattr(signal, "SIGTERM", None):
            signal.signal(s, signal.SIG_IGN)

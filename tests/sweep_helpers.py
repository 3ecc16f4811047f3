"""Shared by the sweep tests (test_designs, test_runner, test_store, test_analyze): small
configs, fake model functions (module-level, so pool workers can unpickle them) and the
helper that starts a sweep and waits for its first chunk, to kill it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from civres.experiments.sweeps.designs import parse_config
from civres.experiments.sweeps.store import TIMING_COLUMNS
from civres.experiments.sweeps.tasks import build_tasks, run_model

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT / "experiments" / "smoke.toml"
OUTCOME_NAMES = ("success", "stalled", "suppressed", "violent")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# 8 short runs: small enough to start three executors in one test.
TINY = """
[sweep]
name = "tiny"
master_seed = 11
replications = 4
design = "grid"

[fixed]
width = 15
height = 15
citizen_vision = 4
security_vision = 4
max_steps = 40

[vary]
legitimacy = [0.4, 0.85]
"""

# 48 runs of ~0.1 s: long enough to be killed mid-way on any machine, short enough to rerun.
KILL_CONFIG = """
[sweep]
name = "killme"
master_seed = 3
replications = 12
design = "grid"

[fixed]
width = 20
height = 20
citizen_vision = 5
security_vision = 5
max_steps = 120

[vary]
legitimacy = [0.3, 0.9]
security_loyalty = [0.5, 0.9]
"""


def write(tmp_path: Path, text: str, name: str = "sweep.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def tiny() -> dict:
    """The TINY config, parsed from TOML (a fresh dict each call)."""
    return tomllib.loads(TINY)


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """A run table without its timing columns, sorted by run_id."""
    return frame.drop(columns=list(TIMING_COLUMNS)).sort_values("run_id").reset_index(drop=True)


def failing_model(params, seed, record):
    """Raises for one design point."""
    if params.legitimacy == 0.4:
        raise RuntimeError(f"boom at seed {seed}\nsecond line is dropped")
    return run_model(params, seed, record)


def failing_model_once(params, seed, record):
    """Raises for the first run of TINY only."""
    if seed == build_tasks(parse_config(tiny()))[0].seed:
        raise ValueError("first run fails")
    return run_model(params, seed, record)


def dying_model(params, seed, record):
    """Kills its worker process on one run of TINY, as an out-of-memory kill would."""
    if seed == build_tasks(parse_config(tiny()))[5].seed:
        os._exit(1)
    return run_model(params, seed, record)


def start_sweep_until_first_chunk(config_path, out, stderr):
    """Start `civres sweep` as a subprocess; return once it has written a chunk."""
    command = [sys.executable, "-m", "civres.cli", "sweep", str(config_path),
               "--out", str(out), "--workers", "2", "--chunk-runs", "4", "--no-progress"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr,
                            text=True)
    deadline = time.monotonic() + 60
    while not list((out / "chunks").glob("runs-*.parquet")):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail("the sweep ended, or wrote no chunk within 60 s")
        time.sleep(0.02)
    return command, proc


class SilentServer:
    """A TCP server that accepts connections and then says nothing (or `reply`)."""

    def __init__(self, reply: bytes | None = None) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.reply = reply
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            if self.reply is not None:
                conn.sendall(self.reply)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()

"""Two waits a user of the app sees: the first page, and the case tab's 100 runs.

    python benchmarks/bench_app_start.py            # prints both, against their goals
    python benchmarks/bench_app_start.py --json results/bench_app_start.json

1. From `civres app` starting to its first answer with the page (goal: 10 s).
2. The case tab's Simulate for 100 runs of a catalogue case on the default 40x40 grid,
   as the tab runs them (experiments/explore/ensemble.py, chunks of 25; goal: 15 s).

Goals from issue 21, for the 2-core machine. Run it with nothing else running.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from civres.experiments.explore.ensemble import simulate  # noqa: E402
from civres.experiments.explore.setting import Setting  # noqa: E402
from civres.experiments.history.cases import load_cases  # noqa: E402
from civres.experiments.history.posterior import DEFAULT_POSTERIOR, load_posterior  # noqa: E402

GOALS_S = {"first_page": 10.0, "case_100_runs": 15.0}


def first_page_s(timeout: float = 120.0) -> float:
    """Seconds from starting `civres app` to its first answer with the page's HTML."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "civres.cli", "app", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        while time.perf_counter() - started < timeout:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as answer:
                    if b"<html" in answer.read().lower():
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"no page within {timeout} s")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def case_runs_s(case_id: str = "serbia-2000", runs: int = 100, seed: int = 1) -> float:
    """Seconds for the case tab's Simulate: `runs` runs of the case, as the tab does them."""
    case = next(c for c in load_cases() if c.id == case_id)
    started = time.perf_counter()
    plan = Setting(case=case).runs(runs, seed, load_posterior(DEFAULT_POSTERIOR))
    ensemble = simulate(plan, seed, label=f"case {case_id}")
    assert len(ensemble.runs) == runs
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Measure both waits and print them beside their goals."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    measured = {"first_page": first_page_s(), "case_100_runs": case_runs_s()}
    for name, seconds in measured.items():
        goal = GOALS_S[name]
        print(f"{name:<14} {seconds:6.1f} s   goal < {goal:.0f} s: "
              f"{'met' if seconds < goal else 'MISSED'}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(
            {"cpus": os.cpu_count(), "seconds": measured, "goals_s": GOALS_S}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

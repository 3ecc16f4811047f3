"""Sweep throughput: runs per second with 1, 2, ... workers, and the runner's overhead.

Runs the same sweep (same runs, same seeds) by calling the model directly in a loop, then
through the sweep runner with each worker count, and reports runs/s, the speed-up over 1
worker and the runner's per-run overhead against the direct loop. Wall times include
starting the pool and writing / consolidating the Parquet table: what a user waits for.

    python benchmarks/bench_sweep.py                      # 1 and 2 workers, 40x40, 200 steps
    python benchmarks/bench_sweep.py --workers 1,2,4,8,16 --runs 320   # scaling on a big box

Goals (issue 4), on a 2-core machine: 2 workers >= 1.8x faster than 1; a 1,000-run sweep at
40x40 and 200 steps in under 3 minutes (extrapolated here from the measured rate).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from civres.experiments.sweeps.designs import parse_config  # noqa: E402
from civres.experiments.sweeps.runner import run_sweep  # noqa: E402
from civres.experiments.sweeps.store import load_runs  # noqa: E402
from civres.experiments.sweeps.tasks import build_tasks, run_model  # noqa: E402
from civres.model import Params  # noqa: E402


def bench_config(runs: int, size: int, steps: int, seed: int) -> dict:
    """A grid of 4 legitimacy levels with runs / 4 replications each."""
    return {
        "sweep": {"name": "bench", "master_seed": seed, "replications": max(1, runs // 4),
                  "design": "grid"},
        "fixed": {"width": size, "height": size, "max_steps": steps},
        "vary": {"legitimacy": [0.5, 0.6, 0.7, 0.8]},
    }


def time_direct(config) -> tuple[float, int]:
    """Seconds to do every run of the sweep in a plain loop, and total steps simulated."""
    tasks = build_tasks(config)
    steps = 0
    start = time.perf_counter()
    for task in tasks:
        summary, _ = run_model(Params(**task.params), task.seed, False)
        steps += summary["steps"]
    return time.perf_counter() - start, steps


def time_sweep(config, workers: int, folder: Path) -> tuple[float, float]:
    """Seconds for `run_sweep` with this many workers (start to consolidated table), and
    the seconds its runs spent inside the model (sum of the table's wall_s)."""
    start = time.perf_counter()
    result = run_sweep(config, folder / f"w{workers}", workers=workers, progress=False)
    elapsed = time.perf_counter() - start
    assert result.n_errors == 0
    return elapsed, float(load_runs(folder / f"w{workers}")["wall_s"].sum())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60, help="runs per measurement")
    parser.add_argument("--size", type=int, default=40, help="grid width and height")
    parser.add_argument("--steps", type=int, default=200, help="max_steps of each run")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    config = parse_config(bench_config(args.runs, args.size, args.steps, args.seed))
    n_runs = len(build_tasks(config))
    counts = [int(w) for w in args.workers.split(",")]

    direct, steps = time_direct(config)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for workers in counts:
            seconds, in_model = time_sweep(config, workers, Path(tmp))
            rows.append({"workers": workers, "seconds": round(seconds, 3),
                         "runs_per_s": round(n_runs / seconds, 3),
                         "in_model_seconds": round(in_model, 3)})
    base = next((r["seconds"] for r in rows if r["workers"] == 1), None)
    for row in rows:
        row["speedup_vs_1"] = round(base / row["seconds"], 3) if base else None
    best = max(r["runs_per_s"] for r in rows)
    report = {
        "cpu_count": os.cpu_count(), "runs": n_runs, "size": args.size,
        "max_steps": args.steps, "mean_steps_per_run": round(steps / n_runs, 1),
        "direct_seconds": round(direct, 3), "direct_runs_per_s": round(n_runs / direct, 3),
        "sweeps": rows,
        # Two views of the runner's cost with 1 worker: against a separate direct loop
        # (noisy on a busy machine), and time outside the model within the same sweep.
        "overhead_ms_per_run_vs_direct": (round((base - direct) / n_runs * 1000, 2)
                                          if base else None),
        "overhead_ms_per_run_outside_model": (
            round((base - rows[counts.index(1)]["in_model_seconds"]) / n_runs * 1000, 2)
            if base else None),
        "projected_1000_runs_s": round(1000 / best, 1),
    }
    if args.json:
        print(json.dumps(report))
        return 0
    print(f"{n_runs} runs, {args.size}x{args.size}, max_steps {args.steps} "
          f"(mean {report['mean_steps_per_run']} steps); {os.cpu_count()} CPUs")
    print(f"direct loop      {direct:8.2f} s  {n_runs / direct:7.2f} runs/s")
    for row in rows:
        print(f"sweep {row['workers']:>2} workers {row['seconds']:8.2f} s  "
              f"{row['runs_per_s']:7.2f} runs/s  x{row['speedup_vs_1'] or float('nan'):.2f} vs 1")
    if base:
        print(f"runner overhead, 1 worker: {report['overhead_ms_per_run_vs_direct']:.2f} ms/run "
              f"vs the direct loop; {report['overhead_ms_per_run_outside_model']:.2f} ms/run "
              "outside the model in the same sweep")
    print(f"projected 1,000-run sweep at the best rate: {report['projected_1000_runs_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

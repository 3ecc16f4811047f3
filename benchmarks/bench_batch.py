"""Batched engine throughput: campaigns per second against batch size, beside single runs.

Runs the same campaigns (same parameters, same seeds) one at a time through the Mesa
model (`CivilResistanceModel(p, rng=seed).run()`, a batch of one) and through
`model.batch_run.run_campaigns` with each batch size, in one process (one core), and
checks that every path gives the same summaries. With `--against REF` it also times the
single-run path of another git revision (e.g. the commit before the batched engine) on
the same campaigns, in a subprocess on the same machine, so a speed-up against the old
engine is measured side by side (its outcomes differ: its random numbers did).

    python benchmarks/bench_batch.py                          # 40x40, 300 steps, both presets
    python benchmarks/bench_batch.py --runs 256 --batches 1,16,64,256 --against 85ec2b8
    python benchmarks/bench_batch.py --json bench_batch.json

Goal (issue 12), on the 2-core machine at 40x40 and 300 steps: the batched engine runs at
least 3x as many campaigns per second per core as the single-run path.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from threadpoolctl import threadpool_limits  # noqa: E402

from civres.model import CivilResistanceModel, Params  # noqa: E402
from civres.model.batch_params import agent_counts  # noqa: E402
from civres.model.batch_run import bytes_per_replicate, run_campaigns  # noqa: E402
from civres.model.presets import preset  # noqa: E402
from civres.model.summary import RunSummary  # noqa: E402

#: One core: the box sums' matrix products may not spread over BLAS threads.
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
#: Legitimacy levels the campaigns cycle through (a spread of outcomes and lengths).
LEGITIMACY = (0.3, 0.5, 0.7, 0.9)

OLD_SINGLE = """
import json, sys, time
sys.path.insert(0, {tree!r})
# the old revision (before the civres namespace) installs `model` at the top
from model import CivilResistanceModel
from model.presets import preset
runs = json.loads(sys.argv[1])
start = time.perf_counter()
steps = [CivilResistanceModel(preset(name, **over), rng=seed).run()["steps"]
         for name, over, seed in runs]
print(json.dumps({{"seconds": time.perf_counter() - start, "steps": sum(steps)}}))
"""


def campaigns(name: str, runs: int, size: int, steps: int) -> list[tuple[str, dict, int]]:
    """(preset, overrides, seed) of each campaign."""
    return [(name, {"width": size, "height": size, "max_steps": steps,
                    "legitimacy": LEGITIMACY[i % len(LEGITIMACY)]}, 1000 + i)
            for i in range(runs)]


def agents(p: Params) -> int:
    """Citizens and officers on the grid."""
    return sum(agent_counts(p))


def time_single(runs: list) -> tuple[float, list[RunSummary]]:
    """Seconds to run each campaign alone through the Mesa model, and the summaries."""
    start = time.perf_counter()
    out = [RunSummary.from_dict(CivilResistanceModel(preset(n, **o), rng=s).run())
           for n, o, s in runs]
    return time.perf_counter() - start, out


def time_batched(runs: list, batch: int) -> tuple[float, list[RunSummary]]:
    """Seconds to run the campaigns in batches of `batch`, and the summaries."""
    params = [preset(n, **o) for n, o, _ in runs]
    start = time.perf_counter()
    out = run_campaigns(params, [s for _, _, s in runs], max_batch=batch)
    return time.perf_counter() - start, out


def time_other_revision(runs: list, ref: str) -> dict | None:
    """Seconds for the single-run path of git revision `ref` on the same campaigns."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = str(Path(tmp) / "tree")
        made = subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", tree, ref],
                              capture_output=True, text=True)
        if made.returncode:
            print(f"cannot check out {ref}: {made.stderr.strip()}", file=sys.stderr)
            return None
        try:
            done = subprocess.run([sys.executable, "-c", OLD_SINGLE.format(tree=tree),
                                   json.dumps(runs)], capture_output=True, text=True, cwd=tmp,
                                  env={**os.environ, **ONE_THREAD})
            if done.returncode:
                print(f"{ref}: {done.stderr.strip()[-500:]}", file=sys.stderr)
                return None
            return json.loads(done.stdout)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", tree],
                           capture_output=True)


def main(argv: list[str] | None = None) -> int:
    """Time each path and print runs/s, agent-steps/s and ratios; exit 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=128, help="campaigns per preset")
    parser.add_argument("--size", type=int, default=40, help="grid side")
    parser.add_argument("--steps", type=int, default=300, help="horizon (max_steps)")
    parser.add_argument("--batches", default="1,16,64,128", help="batch sizes to time")
    parser.add_argument("--presets", default="epstein,default", help="presets to time")
    parser.add_argument("--against", help="git revision whose single-run path to time too")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    with threadpool_limits(1, user_api="blas"):
        report = measure(args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


def measure(args: argparse.Namespace) -> dict:
    """Time every path for every preset on one core; print and return the figures."""
    sizes = [int(b) for b in args.batches.split(",")]
    report = {"runs": args.runs, "size": args.size, "steps": args.steps, "presets": {}}
    for name in args.presets.split(","):
        runs = campaigns(name, args.runs, args.size, args.steps)
        p = preset(name, **runs[0][1])
        single_s, reference = time_single(runs)
        steps = sum(r.steps for r in reference)
        rows = {"single": {"seconds": single_s, "runs_per_s": args.runs / single_s,
                           "agent_steps_per_s": steps * agents(p) / single_s}}
        for size in sizes:
            seconds, out = time_batched(runs, size)
            rows[f"batch {size}"] = {
                "seconds": seconds, "runs_per_s": args.runs / seconds,
                "agent_steps_per_s": steps * agents(p) / seconds,
                "same_as_single": out == reference,
            }
        if args.against:
            old = time_other_revision(runs, args.against)
            if old is not None:
                rows[f"single at {args.against}"] = {
                    "seconds": old["seconds"], "runs_per_s": args.runs / old["seconds"],
                    "agent_steps_per_s": old["steps"] * agents(p) / old["seconds"]}
        report["presets"][name] = {"agents": agents(p), "steps_run": steps,
                                   "bytes_per_replicate": bytes_per_replicate(p), "paths": rows}
        print(f"\n{name}: {args.runs} campaigns, {args.size}x{args.size}, horizon {args.steps}, "
              f"{agents(p)} agents, {steps} steps run, "
              f"~{bytes_per_replicate(p) / 2**20:.1f} MiB per replicate in a batch")
        base = rows["single"]["runs_per_s"]
        old = rows.get(f"single at {args.against}")
        for path, row in rows.items():
            same = {True: "same summaries", False: "DIFFERENT summaries"}.get(
                row.get("same_as_single"), "")
            versus = (f"x{row['agent_steps_per_s'] / old['agent_steps_per_s']:5.2f} "
                      f"agent-steps/s vs {args.against}  ") if old else ""
            print(f"  {path:>22}: {row['runs_per_s']:7.2f} runs/s  "
                  f"{row['agent_steps_per_s'] / 1e6:7.2f} M agent-steps/s  "
                  f"x{row['runs_per_s'] / base:5.2f} vs single  {versus}{same}")
    return report


if __name__ == "__main__":
    raise SystemExit(main())

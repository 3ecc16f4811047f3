"""Time Mesa's bundled Epstein example against our model, per agent-step.

Runs in one process: Mesa's ``epstein_civil_violence`` example (Moore grid), our
model with the ``epstein`` preset and our full model (``default`` preset) at equal
densities and vision, on several square grids. Prints a table, the goals of the
issue with PASS/MISS, the machine and the library versions; ``--json`` also writes
the numbers. Always exits 0: it is a benchmark, not a test.

Usage:
    python benchmarks/bench_model.py [--sizes 40 100 200] [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import mesa
import numpy as np

SEED = 42
#: Timed steps per grid size (full run, --quick run); unlisted sizes use "other".
MESA_STEPS = {40: (20, 5), 100: (5, 2), 200: (2, 1), "other": (3, 1)}
OURS_STEPS = {40: (50, 10), 100: (20, 5), 200: (10, 3), "other": (10, 3)}
OURS_REPEATS = 3
#: Goals of the issue: speed-up of the epstein preset over Mesa per size, and the
#: largest allowed slowdown of the full model against the epstein preset.
SPEEDUP_GOALS = {40: 20.0, 200: 50.0}
FULL_OVER_EPSTEIN_MAX = 2.0


def make_mesa(width: int, seed: int = SEED) -> tuple[Any, int]:
    """Build Mesa's Epstein example on a Moore grid.

    Args:
        width: side of the square torus.
        seed: random seed.

    Returns:
        The model and its number of agents.
    """
    from mesa.examples.advanced.epstein_civil_violence.model import (
        EpsteinCivilViolence,
        EpsteinScenario,
    )

    scenario = EpsteinScenario(
        grid_type="Moore", citizen_vision=7, cop_vision=7, citizen_density=0.7,
        cop_density=0.074, legitimacy=0.8, max_jail_term=30, rng=seed,
    )
    m = EpsteinCivilViolence(width=width, height=width, scenario=scenario)
    return m, len(m.agents)


def make_ours(preset_name: str, width: int, seed: int = SEED) -> tuple[Any, int]:
    """Build our model from a preset at the benchmark's densities and vision.

    Args:
        preset_name: ``"epstein"`` or ``"default"`` (the full model).
        width: side of the square torus.
        seed: random seed.

    Returns:
        The model and its number of agents (citizens plus security forces).
    """
    from civres.model import CivilResistanceModel
    from civres.model.presets import preset

    extra = {} if preset_name == "epstein" else {
        "citizen_density": 0.7, "security_density": 0.074,
        "citizen_vision": 7, "security_vision": 7,
    }
    params = preset(preset_name, width=width, height=width, max_steps=10_000, **extra)
    m = CivilResistanceModel(params, rng=seed)
    return m, m.n_citizens + len(m.security.loyalty)


def time_steps(model: Any, steps: int) -> float:
    """Wall time of ``steps`` calls of ``model.step()``, ignoring ``model.running``.

    Args:
        model: a built model, already warmed up.
        steps: number of timed steps.

    Returns:
        Elapsed seconds.
    """
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    return time.perf_counter() - start


def us_per_agent_step(build: Callable[[], tuple[Any, int]], steps: int,
                      repeats: int) -> tuple[float, int]:
    """Best per-agent-step time over fresh models, after one untimed warm-up step.

    Args:
        build: returns a new model and its number of agents.
        steps: timed steps per repeat.
        repeats: number of fresh models timed; the best is kept.

    Returns:
        Microseconds per agent-step and the number of agents.
    """
    best, n_agents = float("inf"), 0
    for _ in range(repeats):
        model, n_agents = build()
        model.step()  # warm-up, not timed
        best = min(best, time_steps(model, steps) / (steps * n_agents) * 1e6)
    return best, n_agents


def steps_for(table: dict, size: int, quick: bool) -> int:
    """Timed steps for a grid size from a ``{size: (full, quick)}`` table."""
    return table.get(size, table["other"])[1 if quick else 0]


def bench_size(size: int, quick: bool) -> dict[str, float]:
    """Time the three models on one grid size.

    Args:
        size: side of the square grid.
        quick: use fewer steps and one repeat.

    Returns:
        A row of the results table.
    """
    repeats = 1 if quick else OURS_REPEATS
    mesa_us, n_mesa = us_per_agent_step(
        lambda: make_mesa(size), steps_for(MESA_STEPS, size, quick), 1)
    ours_steps = steps_for(OURS_STEPS, size, quick)
    epstein_us, n_ours = us_per_agent_step(
        lambda: make_ours("epstein", size), ours_steps, repeats)
    full_us, _ = us_per_agent_step(lambda: make_ours("default", size), ours_steps, repeats)
    return {
        "size": size, "agents_mesa": n_mesa, "agents_ours": n_ours,
        "mesa_us": mesa_us, "epstein_us": epstein_us, "full_us": full_us,
        "mesa_over_epstein": mesa_us / epstein_us, "full_over_epstein": full_us / epstein_us,
    }


def format_table(rows: list[dict[str, float]]) -> str:
    """The results as a fixed-width text table (times in us per agent-step)."""
    head = (f"{'size':>8} {'agents':>13} {'mesa':>9} {'ours-ep':>9} {'ours-full':>9}"
            f" {'mesa/ep':>8} {'full/ep':>8}")
    lines = [head, "-" * len(head)]
    for r in rows:
        size = f"{r['size']}x{r['size']}"
        agents = f"{r['agents_mesa']}/{r['agents_ours']}"
        lines.append(
            f"{size:>8} {agents:>13} {r['mesa_us']:9.2f} {r['epstein_us']:9.3f}"
            f" {r['full_us']:9.3f} {r['mesa_over_epstein']:7.1f}x {r['full_over_epstein']:7.2f}x")
    return "\n".join(lines)


def check_goals(rows: list[dict[str, float]]) -> list[dict[str, Any]]:
    """The issue's goals, each with the measured value and whether it is met.

    Sizes not benchmarked are skipped.
    """
    by_size = {r["size"]: r for r in rows}
    goals = []
    for size, target in SPEEDUP_GOALS.items():
        if size in by_size:
            value = by_size[size]["mesa_over_epstein"]
            goal = f"epstein preset >= {target:g}x faster than Mesa at {size}x{size}"
            goals.append({"goal": goal, "value": value, "met": value >= target})
    for r in rows:
        value = r["full_over_epstein"]
        goals.append({"goal": f"full model <= {FULL_OVER_EPSTEIN_MAX:g}x epstein preset at "
                              f"{r['size']}x{r['size']}",
                      "value": value, "met": value <= FULL_OVER_EPSTEIN_MAX})
    return goals


def cpu_name() -> str:
    """``platform.processor()``, or the CPU model from /proc/cpuinfo when that is empty."""
    name = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            models = [ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")]
        model = models[0] if models else ""
    except OSError:
        model = ""
    return " / ".join(x for x in (name, model) if x) or platform.machine()


def environment() -> dict[str, Any]:
    """Machine and library versions."""
    return {
        "processor": cpu_name(),
        "cpu_count": os.cpu_count(), "python": platform.python_version(),
        "mesa": mesa.__version__, "numpy": np.__version__,
    }


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[40, 100, 200],
                    help="grid sides to benchmark (default: 40 100 200)")
    ap.add_argument("--quick", action="store_true", help="fewer steps, one repeat")
    ap.add_argument("--json", metavar="PATH", help="also write the numbers as JSON")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the report, optionally write JSON; return 0."""
    args = parse_args(argv)
    env = environment()
    print(f"machine: {env['processor']}, {env['cpu_count']} CPUs; python {env['python']},"
          f" mesa {env['mesa']}, numpy {env['numpy']}")
    print("Mesa example: Moore grid, cop_vision=7 (it ignores citizen_vision and uses"
          " cop_vision for citizens and cops); densities 0.7 / 0.074 in all models.")
    rows = []
    for size in args.sizes:
        rows.append(bench_size(size, args.quick))
        print(f"  done {size}x{size}", file=sys.stderr, flush=True)
    print("\nus per agent-step (agents = mesa/ours; best of "
          f"{1 if args.quick else OURS_REPEATS} for ours, 1 for mesa)")
    print(format_table(rows))
    goals = check_goals(rows)
    print("\ngoals:")
    for g in goals:
        print(f"  {'PASS' if g['met'] else 'MISS'}  {g['goal']}  (measured {g['value']:.2f}x)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"environment": env, "quick": args.quick, "rows": rows,
                       "goals": goals}, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())

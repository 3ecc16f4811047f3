"""Server-side time of one Step in the browser app: model step plus re-render of all panels.

Renders the app's page (viz/page.py) with solara.render, sets the controls, presses
Reset, then presses its Step button repeatedly and times each press:
the model's step, the grid image, the three charts, the banner and the reconciliation
of the widgets, everything the server does per Step except sending the messages. Also
times the model step alone and the panels' drawing alone, to show where the time goes.

    python benchmarks/bench_app.py                   # 40x40 and 100x100, 30 steps each
    python benchmarks/bench_app.py --steps 50 --json results/bench_app.json

Goals (issue 3): under 150 ms per Step at 40x40 and under 500 ms at 100x100. Two
settings per size: the default parameters (a quiet campaign) and legitimacy 0.4 (an
uprising: most citizens change state, the charts move).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ipyvuetify as v  # noqa: E402
import solara  # noqa: E402

from civres.viz import drawing  # noqa: E402
from civres.viz.adapter import AppModel  # noqa: E402
from civres.viz.page import Page  # noqa: E402

GOALS_MS = {40: 150.0, 100: 500.0}
SETTINGS = {"default": {}, "uprising": {"legitimacy": 0.4}}


def _ms(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {"median_ms": round(1000 * statistics.median(ordered), 1),
            "p90_ms": round(1000 * ordered[int(0.9 * (len(ordered) - 1))], 1)}


def bench_page(size: int, overrides: dict, steps: int, seed: str = "1") -> dict:
    """Press Step `steps` times on a rendered page; time each press."""
    seen: list[AppModel] = []
    _, rc = solara.render(solara.AppLayout(children=[Page(on_render=seen.append)]),
                          handle_error=False)
    times = []
    try:
        for name, value in {"width": size, "height": size, **overrides}.items():
            rc.find(v.Slider, label=name).widget.v_model = value
        seed_box = rc.find(v.TextField, label="seed (empty: a random one)").widget
        seed_box.v_model = seed
        seed_box.fire_event("focusout", None)
        rc.find(v.Btn, children=["Reset"]).widget.click()
        model = seen[-1]
        step = rc.find(v.Btn, children=["Step"]).widget
        for _ in range(steps):
            if step.disabled:  # the campaign was decided
                break
            started = time.perf_counter()
            step.click()
            times.append(time.perf_counter() - started)
    finally:
        rc.close()
    return {"steps": len(times), **_ms(times[1:] or times), "decided": model.decision.outcome}


def bench_parts(size: int, overrides: dict, steps: int, seed: str = "1") -> dict:
    """Time the model step and the panels' drawing on their own."""
    model = AppModel(width=size, height=size, seed=seed, **overrides)
    charts = [drawing.participation_chart(), drawing.pillar_chart(), drawing.regime_chart()]
    step_s, draw_s = [], []
    for _ in range(steps):
        if not model.running:
            break
        started = time.perf_counter()
        model.step()
        step_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        drawing.grid_png(model)
        for chart in charts:
            chart.png(model.trajectory())
        draw_s.append(time.perf_counter() - started)
    return {"model_step": _ms(step_s), "drawing": _ms(draw_s[1:] or draw_s)}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print one line per size and setting."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="40,100", help="grid sides (default 40,100)")
    parser.add_argument("--steps", type=int, default=30, help="Steps per measurement")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    results = []
    print(f"server-side time per Step (solara.render, {os.cpu_count()} CPUs); "
          "median / p90 in ms")
    for size in (int(s) for s in args.sizes.split(",")):
        for name, overrides in SETTINGS.items():
            page = bench_page(size, overrides, args.steps)
            parts = bench_parts(size, overrides, args.steps)
            goal = GOALS_MS.get(size)
            verdict = "" if goal is None else (
                f"goal < {goal:.0f} ms: {'met' if page['median_ms'] < goal else 'MISSED'}")
            print(f"{size:>4}x{size:<4} {name:<9} Step {page['median_ms']:7.1f} / "
                  f"{page['p90_ms']:7.1f}   (model step {parts['model_step']['median_ms']:.1f}, "
                  f"drawing {parts['drawing']['median_ms']:.1f}; {page['steps']} steps)  "
                  f"{verdict}")
            results.append({"size": size, "setting": name, "page": page, **parts,
                            "goal_ms": goal})
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"cpus": os.cpu_count(), "results": results},
                                              indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

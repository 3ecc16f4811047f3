"""The `civres` command line: run a campaign, list parameters, and the tools built on them.

Every sub-command (run, params, sweep, analyze, compare, facts, app) is registered here.
Handlers raise errors and never print them: `main` turns any `CivresError` into one line
on stderr and exit status 2 (never a traceback), and `RunAborted` (the executor failed)
into one line and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from model import PRESETS, CivilResistanceModel, Params
from model.presets import preset
from viz import serve

from .cases import load_cases
from .designs import load_config
from .errors import CivresError, RunAborted, UsageError
from .facts import facts, format_facts, run_facts
from .manifest import write_manifest
from .runner import run_sweep
from .store import RUNS_FILE, write_atomic

# Figures and analysis import matplotlib; only the commands that draw load them.


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and exit status 2."""

    def error(self, message: str) -> None:  # noqa: D102
        raise UsageError(f"{self.prog}: {message}")


def parse_overrides(pairs: list[str]) -> dict[str, Any]:
    """Turn ["name=value", ...] into typed parameter overrides."""
    overrides = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep:
            raise UsageError(f"--param expects NAME=VALUE, got {pair!r}")
        try:
            overrides[name.strip()] = Params.parse(name.strip(), text)
        except ValueError as err:
            raise UsageError(str(err)) from None
    return overrides


def _positive(text: str) -> int:
    """Argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


# ---------------------------------------------------------------------------- run, params


def _format_summary(summary: dict[str, Any], seed: int) -> str:
    """A readable, aligned summary of one run."""
    lines = [
        f"outcome                  {summary['outcome']}"
        f" (decided at step {summary['decided_step']})",
        f"seed                     {seed}",
        f"steps                    {summary['steps']}",
        f"peak participation       {summary['peak_participation']:.1%} of citizens"
        f" = {summary['peak_participation_pct']:.2f}% of the population",
        f"peak violent share       {summary['peak_violent_share']:.1%} of citizens",
        f"security forces defected {summary['security_defected_share']:.1%}",
        f"regime support           {summary['regime_support']:.2f}"
        f" (fell: {'yes' if summary['regime_fell'] else 'no'})",
        f"legitimacy               {summary['legitimacy']:.2f}",
        f"arrests / killings       {summary['arrests']} / {summary['killings']}",
        "pillar loyalty           "
        + ", ".join(f"{k} {v:.2f}" for k, v in summary["pillar_loyalty"].items()),
    ]
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    """Simulate one campaign; print its summary; write trajectory and figure."""
    from .figures import campaign_figure

    overrides = parse_overrides(args.param)
    try:
        params = preset(args.preset, **overrides)
    except ValueError as err:
        raise UsageError(str(err)) from None
    model = CivilResistanceModel(params, rng=args.seed)
    summary = model.run()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    trajectory = model.trajectory()
    trajectory.to_csv(out / "trajectory.csv", index=False)
    campaign_figure(trajectory, summary, out / "campaign.png")
    write_manifest(out, {"params": params.to_dict(), "seed": args.seed, "preset": args.preset,
                         "summary": summary})
    if args.json:
        print(json.dumps({**summary, "seed": args.seed}, indent=2))
    else:
        print(_format_summary(summary, args.seed))
        print(f"wrote {out / 'trajectory.csv'}, {out / 'campaign.png'}, {out / 'manifest.json'}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    """List every parameter with its default, range, meaning and source."""
    rows = Params.describe()
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        lo, hi = row["range"]
        print(f"{row['name']:<20} {row['type']:<5} default {row['default']!s:<7} "
              f"range [{lo}, {hi}]  {row['meaning']}  ({row['source']})")
    return 0


# ---------------------------------------------------------------------------- sweep, analyze


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run `civres sweep` from a TOML config; finish an interrupted one with --resume."""
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1 (got {args.workers})")
    if args.chunk_runs < 1:
        raise UsageError(f"--chunk-runs must be at least 1 (got {args.chunk_runs})")
    if args.scheduler and args.executor == "process":
        raise UsageError("--scheduler needs the dask executor; drop --executor process")
    executor = "dask" if args.scheduler else (args.executor or "process")
    config = load_config(args.config)
    out = Path(args.out) if args.out else Path("results") / "sweeps" / config.name
    result = run_sweep(config, out, executor=executor, workers=args.workers,
                       scheduler=args.scheduler, resume=args.resume,
                       progress=not args.no_progress, chunk_runs=args.chunk_runs)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    ran = result.n_runs - result.n_done_before
    print(f"{ran} runs in {result.seconds:.1f} s on {result.executor}"
          + (f" ({result.n_done_before} already done)" if result.n_done_before else "")
          + f"; {result.n_errors} raised; table: {out / RUNS_FILE}")
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    """Run `civres analyze`: outcome probabilities and figures of a sweep's results."""
    from .analyze import analyze

    for path in analyze(args.result_dir, out=args.out, x=args.x, y=args.y):
        print(f"wrote {path}")
    return 0


def _add_sweep_commands(sub: argparse._SubParsersAction) -> None:
    """`sweep` and `analyze`."""
    sweep = sub.add_parser("sweep", help="run a parameter sweep from a TOML config")
    sweep.add_argument("config", help="sweep config (TOML), e.g. experiments/smoke.toml")
    sweep.add_argument("--workers", type=int, default=None,
                       help="local workers (default: all cores); ignored with --scheduler")
    sweep.add_argument("--executor", choices=("process", "dask"), default=None,
                       help="process pool (default) or a Dask LocalCluster")
    sweep.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="run on an existing Dask cluster, e.g. tcp://host:8786")
    sweep.add_argument("--out", default=None,
                       help="result folder (default results/sweeps/<name>)")
    sweep.add_argument("--resume", action="store_true",
                       help="finish an interrupted sweep in --out, skipping finished runs")
    sweep.add_argument("--chunk-runs", type=int, default=50, metavar="N",
                       help="write results every N finished runs (default 50)")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    sweep.set_defaults(func=cmd_sweep)
    analyze = sub.add_parser("analyze", help="outcome probabilities and figures of a "
                             "sweep's results")
    analyze.add_argument("result_dir", help="a sweep's result folder")
    analyze.add_argument("--x", default=None, help="parameter on the map's x axis")
    analyze.add_argument("--y", default=None, help="parameter on the map's y axis")
    analyze.add_argument("--out", default=None,
                         help="folder for CSV and figures (default RESULT_DIR/analysis)")
    analyze.set_defaults(func=cmd_analyze)


# ---------------------------------------------------------------------------- compare, facts


def cmd_compare(args: argparse.Namespace) -> int:
    """Run every case `--reps` times; print the table and summary; write the figure."""
    from .compare import compare_cases, comparison_figure, format_comparison

    try:
        cases = load_cases(args.cases)
    except OSError as err:
        raise UsageError(str(err)) from None
    result = compare_cases(cases, args.reps, args.seed, args.workers,
                           coding_uncertainty=not args.no_coding_uncertainty)
    out = Path(args.out)
    write_atomic(out / "comparison.json", json.dumps(result, indent=2) + "\n")
    comparison_figure(result, out / "comparison.png")
    write_manifest(out, {"command": "compare", "cases": args.cases or "seeds/cases.toml",
                         "reps": args.reps, "seed": args.seed,
                         "coding_uncertainty": not args.no_coding_uncertainty})
    print(json.dumps(result, indent=2) if args.json else format_comparison(result))
    return 0


def cmd_facts(args: argparse.Namespace) -> int:
    """Sample campaigns, run them, print the facts; write table and figure."""
    from .facts import facts_figure

    runs = run_facts(args.samples, args.seed, args.workers)
    result = facts(runs)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs.to_parquet(out / "facts_runs.parquet", index=False)
    write_atomic(out / "facts.json", json.dumps(result, indent=2) + "\n")
    facts_figure(result, out / "facts.png")
    write_manifest(out, {"command": "facts", "samples": args.samples, "seed": args.seed})
    print(json.dumps(result, indent=2) if args.json else format_facts(result))
    return 0


def _add_history_commands(sub: argparse._SubParsersAction) -> None:
    """`compare` and `facts`."""
    compare = sub.add_parser("compare", help="run the case catalogue and score it")
    compare.add_argument("--cases", default=None, help="case file (default: the catalogue)")
    compare.add_argument("--reps", type=_positive, default=10, help="runs per case")
    compare.add_argument("--no-coding-uncertainty", action="store_true",
                         help="use each level's central value in every run")
    _add_run_options(compare, "results/compare")
    compare.set_defaults(func=cmd_compare)
    facts_ = sub.add_parser("facts", help="aggregate facts of the model beside published ones")
    facts_.add_argument("--samples", type=_positive, default=400, help="sampled campaigns")
    _add_run_options(facts_, "results/facts")
    facts_.set_defaults(func=cmd_facts)


def _add_run_options(parser: argparse.ArgumentParser, out: str) -> None:
    """Options shared by compare and facts: seed, workers, JSON, output folder."""
    parser.add_argument("--seed", type=int, default=0, help="master seed")
    parser.add_argument("--workers", type=_positive, default=None, help="worker processes")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--out", default=out, help="folder for tables and figures")


# ---------------------------------------------------------------------------- app


def cmd_app(args: argparse.Namespace) -> int:
    """Serve the browser app (viz/serve.py): check the address, then become the server."""
    return serve.serve_app(args.host, args.port)


def _add_app_command(sub: argparse._SubParsersAction) -> None:
    """`app`."""
    app = sub.add_parser("app", help="watch a campaign in the browser (SolaraViz)",
                         description=serve.__doc__.splitlines()[0])
    app.add_argument("--host", default=serve.DEFAULT_HOST,
                     help=f"address to listen on (default {serve.DEFAULT_HOST}: this machine "
                          "only)")
    app.add_argument("--port", type=int, default=serve.DEFAULT_PORT,
                     help=f"port to listen on (default {serve.DEFAULT_PORT})")
    app.set_defaults(func=cmd_app)


# ---------------------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    """The full command-line parser."""
    parser = _Parser(prog="civres", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = sub.add_parser("run", help="simulate one campaign")
    run.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                     help="override a parameter (repeatable); see `civres params`")
    run.add_argument("--preset", default="default", choices=sorted(PRESETS),
                     help="start from a named preset")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    run.add_argument("--out", default="results/run", help="folder for trajectory and figure")
    run.set_defaults(func=cmd_run)
    params = sub.add_parser("params", help="list every parameter")
    params.add_argument("--json", action="store_true", help="print as JSON")
    params.set_defaults(func=cmd_params)
    _add_sweep_commands(sub)
    _add_history_commands(sub)
    _add_app_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `civres`: the one place where errors become messages and exit codes."""
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except CivresError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except RunAborted as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())

"""The `civres` command line: run a campaign, list parameters, and the tools built on them.

Every sub-command (run, params, sweep, analyze, compare, facts, calibrate, emulate,
match, explore, app) is registered here; its handler (`cmd_*`) is in civres/commands.py
(calibrate's, emulate's, match's and explore's in their own modules), which also
says where results go.
Handlers raise errors and never print them: `main` turns any `CivresError` into one line
on stderr and exit status 2 (never a traceback), and `RunAborted` (the executor failed, a
write failed part-way) into one line and exit status 1. Ctrl-C, SIGTERM and SIGHUP stop
every command alike (a sweep saves its finished runs first): exit status 128 + n.
"""

from __future__ import annotations

import argparse
import sys

from civres.experiments.history.compare import SPLIT_YEAR
from civres.experiments.sweeps.executors import EXECUTOR_KINDS
from civres.experiments.sweeps.interrupts import handle_signals
from civres.model.model import checked_seed

from .commands import (
    cmd_analyze,
    cmd_app,
    cmd_compare,
    cmd_facts,
    cmd_params,
    cmd_run,
    cmd_sweep,
)
from .errors import CivresError, RunAborted, Terminated, UsageError
from .explore_command import cmd_explore
from .model import PRESETS
from .viz import serve


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line and exit status 2."""

    def error(self, message: str) -> None:  # noqa: D102
        raise UsageError(f"{self.prog}: {message}")


def _seed(text: str) -> int:
    """Argparse type: a seed, a whole number of at least 0."""
    try:
        return checked_seed(int(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}"
                                         ) from None


def _positive(text: str) -> int:
    """Argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _add_sweep_commands(sub: argparse._SubParsersAction) -> None:
    """`sweep` and `analyze`."""
    sweep = sub.add_parser("sweep", help="run a parameter sweep from a TOML config")
    sweep.add_argument("config", help="sweep config (TOML), e.g. experiments/smoke.toml")
    sweep.add_argument("--workers", type=int, default=None,
                       help="local workers (default: all cores); ignored with --scheduler")
    sweep.add_argument("--executor", choices=EXECUTOR_KINDS, default=None,
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
    sweep.add_argument("--allow-large", action="store_true",
                       help="run a design above the limits (more than 1,000,000 runs, or "
                            "an estimated memory above half this machine's)")
    sweep.set_defaults(func=cmd_sweep)
    analyze = sub.add_parser("analyze", help="outcome probabilities and figures of a "
                             "sweep's results")
    analyze.add_argument("result_dir", help="a sweep's result folder")
    analyze.add_argument("--x", default=None, help="parameter on the map's x axis")
    analyze.add_argument("--y", default=None, help="parameter on the map's y axis")
    analyze.add_argument("--out", default=None,
                         help="folder for CSV and figures (default RESULT_DIR/analysis)")
    analyze.set_defaults(func=cmd_analyze)


def _add_history_commands(sub: argparse._SubParsersAction) -> None:
    """`compare` and `facts`."""
    compare = sub.add_parser("compare", help="run the case catalogue and score it")
    compare.add_argument("--cases", default=None, help="case file (default: the catalogue)")
    compare.add_argument("--reps", type=_positive, default=10, help="runs per case")
    compare.add_argument("--no-coding-uncertainty", action="store_true",
                         help="use each level's central value in every run")
    compare.add_argument("--split", action="store_true",
                         help=f"also score a temporal split: campaigns starting up to "
                              f"{SPLIT_YEAR} against later ones, the baselines fitted on "
                              "the early ones only")
    _add_run_options(compare, "results/compare, or results/compare-<stem> for --cases "
                              "FILE")
    compare.set_defaults(func=cmd_compare)
    facts_ = sub.add_parser("facts", help="aggregate facts of the model beside published ones")
    facts_.add_argument("--samples", type=_positive, default=400, help="sampled campaigns")
    facts_.add_argument("--include-unformed", action="store_true",
                        help="count campaigns that never formed (nobody took part) in every "
                             "figure; by default they are left out and counted, as NAVCO "
                             "codes only campaigns that formed")
    _add_run_options(facts_, "results/facts")
    facts_.set_defaults(func=cmd_facts)


def _add_run_options(parser: argparse.ArgumentParser, out: str,
                     posterior: str = "the committed calibration, "
                                      "results/calibration/posterior.csv") -> None:
    """Options shared by compare, facts and explore: seed, workers, JSON, output folder."""
    parser.add_argument("--seed", type=_seed, default=0, help="master seed")
    parser.add_argument("--workers", type=_positive, default=None,
                        help="worker processes (at most the cores this machine has)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--no-progress", action="store_true",
                        help="no progress bar (with an estimate of the time left) on stderr")
    parser.add_argument("--posterior", default=None, metavar="CSV",
                        help=f"draw each run's coefficients from this posterior (default: "
                             f"{posterior})")
    parser.add_argument("--no-posterior", action="store_true",
                        help="use the Params defaults instead of a posterior")
    parser.add_argument("--allow-large", action="store_true",
                        help="run more than 1,000,000 runs (the limit otherwise)")
    parser.add_argument("--no-regime-pillars", action="store_true",
                        help="every regime rests on the default pillar weights, whatever "
                             "its type (default: weights by regime type, ODD section 7)")
    parser.add_argument("--out", default=None,
                        help=f"folder for tables and figures (default {out}; a default "
                             "folder holding other inputs' results is not replaced)")


def _add_explore_command(sub: argparse._SubParsersAction) -> None:
    """`explore` (its handler: civres/explore_command.py)."""
    from civres.experiments.explore.levers import LEVERS

    explore = sub.add_parser(
        "explore", help="which choices of the movement or the regime change a campaign's "
                        "odds: paired runs, one lever moved at a time")
    explore.add_argument("--case", default=None, metavar="ID",
                         help="a case's id (from --cases, default the catalogue)")
    explore.add_argument("--cases", default=None, metavar="FILE",
                         help="case file to take --case from (default: the catalogue)")
    explore.add_argument("--preset", default=None,
                         help="explore a preset instead of a case (default preset 'default' "
                              "when no --case is given)")
    explore.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                         help="override a parameter of every run (repeatable)")
    explore.add_argument("--levers", default=None, metavar="A,B",
                         help=f"levers to move (default all: {', '.join(LEVERS)})")
    explore.add_argument("--reps", type=_positive, default=100,
                         help="paired runs per lever move (default 100)")
    explore.add_argument("--no-coding-uncertainty", action="store_true",
                         help="a case's levels at their central values in every run")
    _add_run_options(explore, "results/explore-<case or preset>",
                     posterior="the committed calibration for a case, none for a preset")
    explore.set_defaults(func=cmd_explore)


def _add_calibrate_command(sub: argparse._SubParsersAction) -> None:
    """`calibrate`."""
    from .calibration_command import cmd_calibrate

    calibrate = sub.add_parser("calibrate", help="fit coefficients to the published facts "
                               "(ABC-SMC with pyabc); rerun to resume")
    calibrate.add_argument("config", help="calibration config (TOML), e.g. "
                                          "experiments/calibration.toml")
    calibrate.add_argument("--workers", type=_positive, default=None,
                           help="worker processes (default: all cores)")
    calibrate.add_argument("--scheduler", default=None, metavar="ADDRESS",
                           help="run on an existing Dask cluster, e.g. tcp://host:8786")
    calibrate.add_argument("--out", default=None,
                           help="folder for the history and results (default "
                                "results/calibration); rerunning resumes it")
    calibrate.add_argument("--json", action="store_true", help="print the report as JSON")
    calibrate.add_argument("--allow-large", action="store_true",
                           help="run even if the estimated cost is above a sweep's limit "
                                "of model runs")
    calibrate.add_argument("--no-progress", action="store_true",
                           help="no line per generation on stderr")
    calibrate.set_defaults(func=cmd_calibrate)


def _add_emulate_command(sub: argparse._SubParsersAction) -> None:
    """`emulate` (its handler: civres/emulate_command.py)."""
    from .emulate_command import cmd_emulate

    emulate = sub.add_parser("emulate", help="train a fast emulator of the model on a "
                             "space-filling design and check it on held-out runs")
    emulate.add_argument("config", help="calibration config (TOML) whose [priors] and [run] "
                                        "set the design, e.g. experiments/calibration.toml")
    emulate.add_argument("--runs", type=_positive, default=4000,
                         help="single-campaign simulations (default 4000)")
    emulate.add_argument("--test-share", type=float, default=0.25,
                         help="share held out to check the emulator (default 0.25)")
    emulate.add_argument("--seed", type=_seed, default=1, help="master seed (default 1)")
    emulate.add_argument("--workers", type=_positive, default=None,
                         help="worker processes (at most the cores this machine has)")
    emulate.add_argument("--region", default=None, metavar="FOLDER",
                         help="draw the coefficients from the points a civres match wave "
                              "left (its folder) instead of the whole prior box")
    emulate.add_argument("--json", action="store_true", help="print JSON")
    emulate.add_argument("--no-progress", action="store_true", help="no progress bar")
    emulate.add_argument("--allow-large", action="store_true",
                         help="run more than 1,000,000 runs (the limit otherwise)")
    emulate.add_argument("--out", default=None,
                         help="folder for the runs and the check (default results/emulator; "
                              "a default folder holding other inputs' results is not "
                              "replaced)")
    emulate.set_defaults(func=cmd_emulate)


def _add_match_command(sub: argparse._SubParsersAction) -> None:
    """`match` (its handler: civres/match_command.py)."""
    from .match_command import cmd_match

    match = sub.add_parser("match", help="history matching with the emulator: which "
                           "coefficients cannot reproduce the published figures")
    match.add_argument("config", help="calibration config (TOML) whose [priors] span the box, "
                                      "e.g. experiments/calibration.toml")
    match.add_argument("--emulator", default="results/emulator",
                       help="folder of civres emulate's runs (default results/emulator)")
    match.add_argument("--points", type=_positive, default=10000,
                       help="points of the prior box to judge (default 10000)")
    match.add_argument("--campaigns", type=_positive, default=400,
                       help="campaigns each figure is averaged over (default 400)")
    match.add_argument("--region", default=None, metavar="FOLDER",
                       help="judge the points an earlier wave left (its folder) instead of "
                            "--points new ones: the next wave")
    match.add_argument("--seed", type=_seed, default=1, help="master seed (default 1)")
    match.add_argument("--json", action="store_true", help="print JSON")
    match.add_argument("--out", default=None,
                       help="folder for the wave's results (default results/matching; a "
                            "default folder holding other inputs' results is not replaced)")
    match.set_defaults(func=cmd_match)


def _add_app_command(sub: argparse._SubParsersAction) -> None:
    """`app`."""
    app = sub.add_parser("app", help="watch a campaign in the browser (a Solara page)",
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
    run.add_argument("--seed", type=_seed, default=0, help="random seed (default 0)")
    run.add_argument("--json", action="store_true", help="print the summary as JSON")
    run.add_argument("--out", default="results/run",
                     help="folder for trajectory, figure and manifest (default results/run); "
                          "written whole, and holding nothing else")
    run.set_defaults(func=cmd_run)
    params = sub.add_parser("params", help="list every parameter")
    params.add_argument("--json", action="store_true", help="print as JSON")
    params.set_defaults(func=cmd_params)
    _add_sweep_commands(sub)
    _add_history_commands(sub)
    _add_calibrate_command(sub)
    _add_emulate_command(sub)
    _add_match_command(sub)
    _add_explore_command(sub)
    _add_app_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `civres`: the one place where errors become messages and exit codes."""
    try:
        with handle_signals():
            args = build_parser().parse_args(argv)
            return args.func(args)
    except CivresError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except RunAborted as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as err:
        print(_stopped(err), file=sys.stderr)
        return 128 + (err.signum if isinstance(err, Terminated) else 2)
    except MemoryError:
        print("error: out of memory; run fewer runs at once (a smaller design, fewer "
              "--workers) or on a machine with more memory", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


def _stopped(err: KeyboardInterrupt) -> str:
    """One line on what a signal stopped, and what was kept."""
    said = (f"terminated ({err.name})" if isinstance(err, Terminated)
            and err.name != "SIGINT" else "interrupted")
    saved = getattr(err, "saved", None)
    if saved is None:
        return said
    return (f"{said}: {saved} finished runs are saved in {err.out_dir}; rerun with --resume "
            "to finish")


if __name__ == "__main__":
    sys.exit(main())

"""The handlers of the `civres` sub-commands: each does one command's work and returns 0.

The command line (civres/cli.py) registers every sub-command and calls these
handlers. Handlers raise errors and never print them: `cli.main` turns them into one line
and an exit status.

Where results go: every command checks its `--out` before it starts (one line if it is
empty, a file, or not writable). `run`, `compare` and `facts` write their files together
or not at all (a staging folder renamed into place), into a folder that holds nothing
else. Their default folders are the committed results of the documented commands: run
with other inputs (`compare --cases mine.toml`, other --reps, --samples or --seed), they
do not replace those results. `compare --cases FILE` writes to results/compare-<FILE's
stem>; other inputs need an explicit --out.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from civres.experiments.history.cases import default_catalogue_path, load_cases
from civres.experiments.history.facts import facts, format_facts, run_facts
from civres.experiments.history.posterior import DEFAULT_POSTERIOR, Posterior, load_posterior
from civres.experiments.sweeps.designs import MAX_RUNS, load_config
from civres.experiments.sweeps.executors import cap_workers
from civres.experiments.sweeps.folders import folder_written_whole, write_atomic
from civres.experiments.sweeps.manifest import write_manifest
from civres.experiments.sweeps.runner import run_sweep, showing_progress
from civres.experiments.sweeps.store import RUNS_FILE, read_manifest
from civres.model.presets import preset
from civres.model.summary import RunSummary, outcome_words

from .errors import OutputError, UsageError
from .model import CivilResistanceModel, Params
from .viz import serve

RESULTS = Path("results")
RUN_FILES = ("trajectory.csv", "campaign.png", "manifest.json")
COMPARE_FILES = ("comparison.json", "comparison.png", "manifest.json")
FACTS_FILES = ("facts.json", "facts.png", "facts_runs.parquet", "manifest.json")

# Figures and analysis import matplotlib; only the commands that draw load them.


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


def capped_workers(requested: int | None) -> int | None:
    """Cap --workers at the machine's cores, with a note on stderr if it was lowered."""
    if requested is None:
        return None
    workers, note = cap_workers(requested)
    if note:
        print(f"note: {note}", file=sys.stderr)
    return workers


# ---------------------------------------------------------------------------- run, params


def _format_summary(summary: dict[str, Any], seed: int) -> str:
    """A readable, aligned summary of one run."""
    lines = [
        f"outcome                  {outcome_words(RunSummary.from_dict(summary))}"
        f" (decided at week {summary['decided_step']})",
        f"seed                     {seed}",
        f"weeks                    {summary['steps']}"
        f" (the campaign lasted {summary['duration']} weeks)",
        f"peak participation       {summary['peak_participation']:.1%} of citizens"
        f" = {summary['peak_participation_pct']:.2f}% of the population",
        f"peak violent share       {summary['peak_violent_share']:.1%} of citizens",
        f"security forces defected {summary['security_defected_share']:.1%}",
        f"regime support           {summary['regime_support']:.2f}"
        f" (fell: {'yes, week ' + str(summary['fell_step']) if summary['regime_fell'] else 'no'})",
        f"demand granted           {'yes' if summary['demand_granted'] else 'no'}",
        f"legitimacy               {summary['legitimacy']:.2f}",
        f"arrests / killings       {summary['arrests']} / {summary['killings']}"
        f" (battle deaths {summary['battle_deaths']}"
        f"{', outside powers intervened' if summary['intervened'] else ''})",
        "pillar loyalty           "
        + ", ".join(f"{k} {v:.2f}" for k, v in summary["pillar_loyalty"].items()),
    ]
    return "\n".join(lines)


def cmd_run(args: argparse.Namespace) -> int:
    """Simulate one campaign; print its summary; write trajectory and figure."""
    from civres.experiments.analysis.figures import campaign_figure

    overrides = parse_overrides(args.param)
    try:
        params = preset(args.preset, **overrides)
    except ValueError as err:
        raise UsageError(str(err)) from None
    out = args.out  # a string: Path("") would be the working folder
    with folder_written_whole(out, RUN_FILES) as stage:
        model = CivilResistanceModel(params, rng=args.seed)
        summary = model.run()
        trajectory = model.trajectory()
        trajectory.to_csv(stage / "trajectory.csv", index=False)
        campaign_figure(trajectory, summary, stage / "campaign.png")
        write_manifest(stage, {"params": params.to_dict(), "seed": args.seed,
                               "preset": args.preset, "summary": summary})
    if args.json:
        print(json.dumps({**summary, "seed": args.seed}, indent=2))
    else:
        print(_format_summary(summary, args.seed))
        print("wrote " + ", ".join(str(Path(out) / name) for name in RUN_FILES))
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
    config = load_config(args.config, allow_large=args.allow_large)
    out = args.out if args.out is not None else _sweep_folder(config.name)  # "" refused
    workers = args.workers if args.scheduler else capped_workers(args.workers)
    result = run_sweep(config, out, executor=executor, workers=workers,
                       scheduler=args.scheduler, resume=args.resume,
                       progress=not args.no_progress, chunk_runs=args.chunk_runs)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    ran = result.n_runs - result.n_done_before
    print(f"{ran} runs in {result.seconds:.1f} s on {result.executor}"
          + (f" ({result.n_done_before} already done)" if result.n_done_before else "")
          + f"; {result.n_errors} raised; table: {result.out_dir / RUNS_FILE}")
    return 0


def _sweep_folder(name: str) -> Path:
    """results/sweeps/<name>, refusing any name that would land elsewhere."""
    base = RESULTS / "sweeps"
    folder = base / name
    if folder.resolve().parent != base.resolve():
        raise UsageError(f"sweep name {name!r} would write outside {base}; rename it")
    return folder


def cmd_analyze(args: argparse.Namespace) -> int:
    """Run `civres analyze`: outcome probabilities and figures of a sweep's results."""
    from civres.experiments.analysis.analyze import analyze

    notes: list[str] = []
    written = analyze(args.result_dir, out=args.out, x=args.x, y=args.y, notes=notes)
    for note in notes:
        print(f"warning: {note}", file=sys.stderr)
    for path in written:
        print(f"wrote {path}")
    return 0


# ---------------------------------------------------------------------------- compare, facts


def cmd_compare(args: argparse.Namespace) -> int:
    """Run every case `--reps` times; print the table and summary; write the figure.

    The cases used in calibration come from civres.experiments.calibration.record; the
    manifest records them, but they are not among the inputs a default folder is checked
    against (a new calibration record must not stop the documented command replacing
    its results). `--split` is: a default folder holding split results is not replaced
    by a run without it, nor the reverse.
    """
    from civres.experiments.calibration.record import calibration_cases
    from civres.experiments.history.compare import (
        SPLIT_YEAR,
        compare_cases,
        comparison_figure,
        format_comparison,
    )

    try:
        cases = load_cases(args.cases)
    except OSError as err:
        raise UsageError(f"--cases {args.cases}: cannot read it ({err.strerror or err})"
                         ) from None
    check_runs(len(cases) * args.reps, f"{len(cases)} cases x --reps {args.reps}",
                args.allow_large)
    own = args.cases is not None and not _is_catalogue(args.cases)
    inputs = {"cases": args.cases if own else "seeds/cases.toml", "reps": args.reps,
              "seed": args.seed, "coding_uncertainty": not args.no_coding_uncertainty,
              "split_year": SPLIT_YEAR if args.split else None,
              "regime_pillars": not args.no_regime_pillars}
    posterior = chosen_posterior(args)
    inputs["posterior_sha256"] = posterior.digest if posterior else None
    default = RESULTS / (f"compare-{_stem(args.cases)}" if own else "compare")
    out = out_folder(args.out, default, inputs, COMPARE_FILES)
    workers = capped_workers(args.workers)
    with folder_written_whole(out, COMPARE_FILES) as stage:
        used = calibration_cases()
        with showing_progress(progress_label(args, "compare")):
            result = compare_cases(cases, args.reps, args.seed, workers,
                                   coding_uncertainty=not args.no_coding_uncertainty,
                                   used_in_calibration=used, split_year=inputs["split_year"],
                                   posterior=posterior,
                                   regime_pillars=inputs["regime_pillars"])
        result.summary.update(posterior_note(posterior))
        write_atomic(stage / "comparison.json", json.dumps(result.to_dict(), indent=2) + "\n")
        comparison_figure(result, stage / "comparison.png")
        write_manifest(stage, {"command": "compare", **inputs,
                               "used_in_calibration": sorted(used)})
    print(json.dumps(result.to_dict(), indent=2) if args.json else format_comparison(result))
    return 0


def progress_label(args: argparse.Namespace, command: str) -> str | None:
    """The progress bar's label for a command, None with --no-progress."""
    return None if getattr(args, "no_progress", False) else command


def check_runs(runs: int, what: str, allow_large: bool) -> None:
    """Refuse more runs than a sweep may have (designs.MAX_RUNS) unless --allow-large."""
    if runs > MAX_RUNS and not allow_large:
        raise UsageError(f"{what} is {runs:,} runs, more than the limit of {MAX_RUNS:,}; "
                         "pass --allow-large to run them anyway")


def _is_catalogue(path: str) -> bool:
    try:
        return Path(path).resolve() == default_catalogue_path()
    except (OSError, ValueError):
        return False


def _stem(path: str) -> str:
    """A file's stem as a safe folder-name part."""
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(path).stem).lstrip(".-") or "cases"
    return stem[:60]


def out_folder(given: str | None, default: Path, inputs: dict[str, Any],
                owned: tuple[str, ...]) -> str | Path:
    """--out if given; else the default folder, unless it holds other inputs' results.

    Default folders hold committed results: a run with other inputs must not replace
    them unless the user names the folder.
    """
    if given is not None:
        return given  # as typed: Path("") would be the working folder
    manifest = read_manifest(default)
    if manifest is not None:
        differ = {k: manifest.get(k) for k in inputs if manifest.get(k) != inputs[k]}
        if differ:
            shown = ", ".join(f"{k} {v}" for k, v in differ.items())
            raise OutputError(f"{default} holds the results of other inputs ({shown}); give "
                              f"--out to write elsewhere (--out {default} replaces them)")
    elif default.exists() and any(p.name not in owned for p in default.iterdir()):
        raise OutputError(f"{default} holds other files; give --out")
    return default


def chosen_posterior(args: argparse.Namespace) -> Posterior | None:
    """The posterior that --posterior / --no-posterior name (default: the committed one)."""
    if args.no_posterior and args.posterior is not None:
        raise UsageError("give --posterior CSV or --no-posterior, not both")
    return None if args.no_posterior else load_posterior(args.posterior or DEFAULT_POSTERIOR)


def posterior_note(posterior: Posterior | None) -> dict[str, Any]:
    """What a result says about the coefficients its runs used."""
    if posterior is None:
        return {"coefficients": "Params defaults (no posterior)"}
    return {"coefficients": "drawn per run from the calibration's posterior",
            **posterior.describe()}


def cmd_facts(args: argparse.Namespace) -> int:
    """Sample campaigns, run them, print the facts; write table and figure."""
    from civres.experiments.history.facts import facts_figure

    check_runs(args.samples, f"--samples {args.samples}", args.allow_large)
    posterior = chosen_posterior(args)
    inputs = {"samples": args.samples, "seed": args.seed,
              "posterior_sha256": posterior.digest if posterior else None,
              "regime_pillars": not args.no_regime_pillars,
              "include_unformed": args.include_unformed}
    out = out_folder(args.out, RESULTS / "facts", inputs, FACTS_FILES)
    workers = capped_workers(args.workers)
    with folder_written_whole(out, FACTS_FILES) as stage:
        with showing_progress(progress_label(args, "facts")):
            runs = run_facts(args.samples, args.seed, workers, posterior=posterior,
                             regime_pillars=inputs["regime_pillars"])
        result, note = facts(runs, args.include_unformed), posterior_note(posterior)
        runs.to_parquet(stage / "facts_runs.parquet", index=False)
        written = {**result.to_dict(), **note}
        write_atomic(stage / "facts.json", json.dumps(written, indent=2) + "\n")
        facts_figure(result, stage / "facts.png")
        write_manifest(stage, {"command": "facts", **inputs})
    print(json.dumps(written, indent=2) if args.json else format_facts(result, note))
    return 0


# ---------------------------------------------------------------------------- app


def cmd_app(args: argparse.Namespace) -> int:
    """Serve the browser app (viz/serve.py): check the address, then become the server."""
    return serve.serve_app(args.host, args.port)

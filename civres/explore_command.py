"""`civres explore`'s handler: the strategy explorer on a case or a preset.

The command's options are registered in civres/cli.py; the explorer itself is
experiments/explore/. Writes explore.json (the base odds and every effect), explore.csv
(one row per lever, move and outcome), explore.png (the tornado chart) and
manifest.json, together or not at all, into --out (default results/explore-<case or
preset>).
"""

from __future__ import annotations

import argparse
import json

from civres.experiments.history.cases import load_cases
from civres.experiments.history.posterior import load_posterior
from civres.experiments.sweeps.folders import folder_written_whole, write_atomic
from civres.experiments.sweeps.manifest import write_manifest
from civres.experiments.sweeps.runner import showing_progress

from .commands import (
    RESULTS,
    capped_workers,
    check_runs,
    chosen_posterior,
    out_folder,
    parse_overrides,
    posterior_note,
    progress_label,
)
from .errors import UsageError

EXPLORE_FILES = ("explore.json", "explore.csv", "explore.png", "manifest.json")


def _setting(args: argparse.Namespace):
    """The Setting the arguments name, checked."""
    from civres.experiments.explore.setting import Setting
    from civres.model.presets import PRESETS

    if args.case is not None and args.preset is not None:
        raise UsageError("give --case ID or --preset NAME, not both")
    if args.cases is not None and args.case is None:
        raise UsageError("--cases FILE needs --case ID (which of its cases to explore)")
    overrides = parse_overrides(args.param)
    regime_pillars = not args.no_regime_pillars
    if args.case is None:
        name = args.preset or "default"
        if name not in PRESETS:
            raise UsageError(f"unknown preset {name!r}; allowed: {', '.join(sorted(PRESETS))}")
        return Setting(preset=name, overrides=overrides, regime_pillars=regime_pillars)
    try:
        cases = {case.id: case for case in load_cases(args.cases)}
    except OSError as err:
        raise UsageError(f"--cases {args.cases}: cannot read it ({err.strerror or err})"
                         ) from None
    if args.case not in cases:
        raise UsageError(f"unknown case {args.case!r}; allowed: {', '.join(sorted(cases))}")
    return Setting(case=cases[args.case], overrides=overrides,
                   coding_uncertainty=not args.no_coding_uncertainty,
                   regime_pillars=regime_pillars)


def _posterior(args: argparse.Namespace, for_case: bool):
    """A case's runs draw from the committed posterior unless told; a preset's do not."""
    if for_case or args.no_posterior:
        return chosen_posterior(args)
    return load_posterior(args.posterior) if args.posterior else None


def cmd_explore(args: argparse.Namespace) -> int:
    """Run the explorer; print the table; write JSON, CSV, chart and manifest."""
    from civres.experiments.explore.explore import explore, format_exploration
    from civres.experiments.explore.figure import tornado_figure
    from civres.experiments.explore.levers import chosen_levers

    setting = _setting(args)
    try:
        levers = chosen_levers(None if args.levers is None else
                               [name.strip() for name in args.levers.split(",")])
    except ValueError as err:
        raise UsageError(f"--levers: {err}") from None
    moves = sum(len(lever.moves) for lever in levers)
    check_runs(args.reps * (1 + moves), f"--reps {args.reps} x {1 + moves} variants",
                args.allow_large)
    posterior = _posterior(args, setting.case is not None)
    try:
        base_runs = setting.runs(args.reps, args.seed, posterior)
    except ValueError as err:  # an override the preset or case cannot take
        raise UsageError(str(err)) from None
    inputs = {"case": setting.case.id if setting.case else None,
              "cases": args.cases, "preset": None if setting.case else setting.preset,
              "params": dict(sorted((setting.overrides or {}).items())),
              "levers": [lever.name for lever in levers], "reps": args.reps,
              "seed": args.seed, "coding_uncertainty": setting.coding_uncertainty,
              "regime_pillars": setting.regime_pillars,
              "posterior_sha256": posterior.digest if posterior else None}
    name = setting.case.id if setting.case else setting.preset
    out = out_folder(args.out, RESULTS / f"explore-{name}", inputs, EXPLORE_FILES)
    workers = capped_workers(args.workers)
    with folder_written_whole(out, EXPLORE_FILES) as stage:
        with showing_progress(progress_label(args, "explore")):
            result = explore(base_runs, levers, args.seed, workers, setting=setting.label,
                             stage="paired runs, one lever moved at a time")
        written = {**result.to_dict(), **posterior_note(posterior)}
        write_atomic(stage / "explore.json", json.dumps(written, indent=2) + "\n")
        write_atomic(stage / "explore.csv", result.table().to_csv(index=False))
        tornado_figure(result, stage / "explore.png")
        write_manifest(stage, {"command": "explore", **inputs})
    print(json.dumps(written, indent=2) if args.json else format_exploration(result))
    return 0

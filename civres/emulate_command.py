"""`civres emulate CONFIG`: train the model's emulator and check it on runs it never saw.

CONFIG is a calibration config: its [priors] span the coefficients of the design and its
[run] settings run every campaign. `--runs N` single-campaign simulations from a
space-filling design (experiments/calibration/emulator.py) are run on the batched
engine; a seeded random `--test-share` of them is held out, the emulator is trained on
the rest and scored on those (emulator_report.py). The folder (default
results/emulator) gets the runs (`design.parquet`, a `split` column saying which were
held out), the check (`emulator.json`), its figure and a manifest; written together or
not at all. `--region FOLDER` (a `civres match` result) draws the coefficients from the
points that wave left instead of the whole prior box: the next wave's emulator. The
emulator itself is not stored (nothing is unpickled): it is refitted
from `design.parquet` in seconds where it is used.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from civres.experiments.calibration.config import load_config
from civres.experiments.calibration.emulator import Emulator, design, simulate_design
from civres.experiments.calibration.emulator_report import (
    format_validation,
    validate,
    validation_figure,
)
from civres.experiments.calibration.matching import read_region
from civres.experiments.sweeps.folders import folder_written_whole, write_atomic
from civres.experiments.sweeps.manifest import write_manifest
from civres.experiments.sweeps.runner import showing_progress

from .commands import RESULTS, capped_workers, check_runs, out_folder, progress_label
from .errors import UsageError

EMULATOR_FILES = ("design.parquet", "emulator.json", "emulator.png", "manifest.json")
#: Entropy word of the generator that picks the held-out runs.
SPLIT_STREAM = 13
#: Fewest runs on each side of the split: trees and bins need some.
MIN_RUNS = 20


def cmd_emulate(args: argparse.Namespace) -> int:
    """Simulate the design, fit the emulator, score it on the held-out runs, write it all."""
    config = load_config(args.config)
    if not 0 < args.test_share < 1:
        raise UsageError(f"--test-share must be between 0 and 1 (got {args.test_share})")
    n_test = int(round(args.runs * args.test_share))
    if min(n_test, args.runs - n_test) < MIN_RUNS:
        raise UsageError(f"--runs {args.runs} with --test-share {args.test_share} leaves "
                         f"fewer than {MIN_RUNS} runs to train on or to test; give more runs")
    check_runs(args.runs, f"--runs {args.runs}", args.allow_large)
    region, wave = (None, {}) if args.region is None else read_region(args.region,
                                                                       config.priors)
    inputs = {"config": str(args.config), "priors": {k: list(v) for k, v in
                                                     config.priors.items()},
              "run": config.run, "runs": args.runs, "test_share": args.test_share,
              "seed": args.seed, "region": args.region,
              "after_wave": wave.get("wave")}
    out = out_folder(args.out, RESULTS / "emulator", inputs, EMULATOR_FILES)
    workers = capped_workers(args.workers)
    with folder_written_whole(out, EMULATOR_FILES) as stage:
        chosen = design(args.runs, args.seed, config.priors, region)
        with showing_progress(progress_label(args, "emulate")):
            table = simulate_design(chosen, args.seed, workers, config.run)
        held = np.random.default_rng([args.seed, SPLIT_STREAM]).permutation(args.runs)[:n_test]
        table["split"] = "train"
        table.loc[np.sort(held), "split"] = "test"
        train, test = table[table["split"] == "train"], table[table["split"] == "test"]
        emulator = Emulator(config.priors, seed=args.seed).fit(train)
        report = validate(emulator, train, test, args.seed)
        table.to_parquet(stage / "design.parquet", index=False)
        write_atomic(stage / "emulator.json", json.dumps(
            {"inputs": inputs, "failed_runs": int(table["error"].notna().sum()), **report},
            indent=2) + "\n")
        ok = test[test["error"].isna()]
        validation_figure(report, emulator.predict(ok), ok, stage / "emulator.png")
        write_manifest(stage, {"command": "emulate", **inputs})
    print(json.dumps(report, indent=2) if args.json else format_validation(report))
    return 0

"""`civres calibrate CONFIG`: run or resume a calibration, then write its results.

The output folder (default results/calibration) holds pyabc's history (`history.db`),
which a rerun with the same config resumes from its last finished generation, and the
results written after the last generation: the posterior's particles
(`posterior.csv`), the predictive check's simulations (`predictive.csv`), a summary
(`calibration.json`), two figures and a manifest. Each file is written atomically.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from civres.experiments.calibration.calibrate import HISTORY, IDENTITY, posterior, run_calibration
from civres.experiments.calibration.config import load_config
from civres.experiments.calibration.report import (
    effective_sample_size,
    format_report,
    posterior_figure,
    posterior_summary,
    predictive_check,
    predictive_figure,
)
from civres.experiments.sweeps.executors import cap_workers
from civres.experiments.sweeps.folders import TMP_PREFIX, check_out_dir, write_atomic
from civres.experiments.sweeps.manifest import write_manifest
from civres.experiments.sweeps.store import MANIFEST_FILE

from .commands import RESULTS, capped_workers
from .errors import OutputError

DEFAULT_OUT = RESULTS / "calibration"


#: What a calibration folder holds (pyabc's journal and our temporary files aside).
CALIBRATION_FILES = (HISTORY, IDENTITY, "posterior.csv", "predictive.csv", "calibration.json",
                     "posterior.png", "predictive.png", MANIFEST_FILE)


def _calibration_folder(given: str | Path) -> Path:
    """A writable folder that is empty or holds a calibration's files only.

    Raises:
        OutputError: the name is empty or a file, the folder cannot be written, or it
            holds files a calibration did not write (a sweep's results, say).
    """
    out = check_out_dir(given)
    others = sorted(p.name for p in out.iterdir()
                    if p.name not in CALIBRATION_FILES and not p.name.startswith(TMP_PREFIX)
                    and not p.name.startswith(HISTORY))
    if others:
        raise OutputError(f"--out {given}: holds files a calibration did not write "
                          f"({others[0]}); give another --out")
    return out


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Calibrate (or resume), then write posterior, predictive check, figures, manifest."""
    config = load_config(args.config)
    out = _calibration_folder(args.out if args.out is not None else DEFAULT_OUT)
    workers = capped_workers(args.workers) or cap_workers(None)[0]
    result = run_calibration(config, out, workers=workers, scheduler=args.scheduler)
    history = result.history
    post = posterior(history)
    table, check = predictive_check(post, config, workers)
    populations = history.get_all_populations()
    generations = populations[populations["t"] >= 0]
    report = {
        "config": config.to_dict(),
        "simulations": result.simulations,
        "seconds_this_invocation": round(result.seconds, 1),
        "generations_resumed_from": result.generations_before,
        "generations": int(history.max_t + 1),
        "population_size": config.population_size,
        "campaigns": config.campaigns,
        "predictive_draws": config.predictive_draws,
        "epsilons": [float(e) for e in generations["epsilon"]],
        "simulations_per_generation": [int(n) for n in generations["samples"]],
        "seconds_per_generation": [round(float(w), 1) for w in generations["wall_time"]],
        "seconds_all_generations": round(float(generations["wall_time"].sum()), 1),
        "effective_sample_size": effective_sample_size(post["weight"].to_numpy()),
        "posterior": posterior_summary(post, config),
        "predictive": check,
        # The targets are aggregate facts over sampled campaigns: no catalogue case is used.
        "training_cases": [],
    }
    write_atomic(out / "posterior.csv", post.to_csv(index=False))
    write_atomic(out / "predictive.csv", table.to_csv(index=False))
    write_atomic(out / "calibration.json", json.dumps(report, indent=2) + "\n")
    posterior_figure(post, config, out / "posterior.png")
    predictive_figure(check, out / "predictive.png")
    write_manifest(out, {"command": "calibrate", "config": str(args.config),
                         "seed": config.seed, "history": HISTORY,
                         "simulations": result.simulations,
                         "wall_seconds_this_invocation": round(result.seconds, 1),
                         "workers": workers, "scheduler": args.scheduler})
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0

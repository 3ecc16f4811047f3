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
import sqlite3
import sys
from contextlib import closing
from pathlib import Path

from civres.experiments.calibration.calibrate import (
    HISTORY,
    IDENTITY,
    estimated_simulations,
    posterior,
    run_calibration,
)
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
from civres.experiments.sweeps.folders import (
    LOCK_FILE,
    TMP_PREFIX,
    check_out_dir,
    locked,
    write_atomic,
)
from civres.experiments.sweeps.manifest import write_manifest
from civres.experiments.sweeps.store import MANIFEST_FILE

from .commands import RESULTS, capped_workers, check_runs
from .errors import OutputError

DEFAULT_OUT = RESULTS / "calibration"


#: What a calibration folder holds (pyabc's journal and our temporary files aside).
CALIBRATION_FILES = (HISTORY, IDENTITY, "posterior.csv", "predictive.csv", "calibration.json",
                     "posterior.png", "predictive.png", MANIFEST_FILE, LOCK_FILE)
#: Written only when the config asks for a predictive check (predictive_draws > 0).
PREDICTIVE_FILES = ("predictive.csv", "predictive.png")


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
    """Calibrate (or resume), then write posterior, predictive check, figures, manifest.

    The folder is locked while the calibration runs (a second `calibrate` on it is
    refused with one line); a config whose cost is above a sweep's limit is refused
    before anything runs unless --allow-large.
    """
    config = load_config(args.config)
    out = _calibration_folder(args.out if args.out is not None else DEFAULT_OUT)
    with locked(out, what="calibration"):
        done = _generations_done(out)
        simulations = estimated_simulations(config, done)
        check_runs(simulations * config.campaigns,
                   f"this calibration (about {simulations:,} simulations of "
                   f"{config.campaigns} campaigns)", args.allow_large)
        workers = capped_workers(args.workers) or cap_workers(None)[0]
        say = None if args.no_progress else _say
        if say:
            say(f"calibrate: about {simulations:,} simulations of {config.campaigns} campaigns "
                f"to run ({simulations * config.campaigns:,} campaign runs) on "
                + (args.scheduler or f"{workers} worker(s)")
                + (f"; resuming after generation {done}" if done else ""))
        result = run_calibration(config, out, workers=workers, scheduler=args.scheduler,
                                 progress=say)
        report = _write_results(args, config, out, result, workers)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _generations_done(out: Path) -> int:
    """Generations the folder's history holds (0 when it holds none or cannot be read)."""
    db = out / HISTORY
    if not db.exists() or db.stat().st_size == 0:
        return 0
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as con:
            return int(con.execute("SELECT COUNT(*) FROM populations WHERE t >= 0"
                                   ).fetchone()[0])
    except sqlite3.Error:
        return 0  # run_calibration says what is wrong with it


def _write_results(args: argparse.Namespace, config, out: Path, result, workers: int
                   ) -> dict:
    """The posterior, the predictive check (if asked), the summary, figures, manifest."""
    history = result.history
    post = posterior(history)
    if config.predictive_draws:
        table, check = predictive_check(post, config, workers)
    else:
        table, check = None, {}
        for name in PREDICTIVE_FILES:  # an earlier config's check is not this one's
            (out / name).unlink(missing_ok=True)
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
    write_atomic(out / "calibration.json", json.dumps(report, indent=2) + "\n")
    posterior_figure(post, config, out / "posterior.png")
    if table is not None:
        write_atomic(out / "predictive.csv", table.to_csv(index=False))
        predictive_figure(check, out / "predictive.png")
    write_manifest(out, {"command": "calibrate", "config": str(args.config),
                         "seed": config.seed, "history": HISTORY,
                         "simulations": result.simulations,
                         "wall_seconds_this_invocation": round(result.seconds, 1),
                         "workers": workers, "scheduler": args.scheduler})
    return report

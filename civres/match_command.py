"""`civres match CONFIG`: a wave of history matching with the emulator's design.

Reads the emulator's runs (`--emulator`, default results/emulator, written by `civres
emulate` with the same config's priors), fits the per-figure classifiers on all of them,
measures their error by 5-fold cross-validation, and evaluates every published figure
at `--points` points of the prior box over `--campaigns` campaigns drawn as the
calibration draws them (experiments/calibration/matching.py). With `--region FOLDER`
(an earlier wave's result) the points judged are those that wave left, and the
emulator should be one trained inside that region (`civres emulate --region FOLDER`):
a later wave, sharper where it matters. Writes the wave's summary
(`matching.json`), every point with its figures and implausibility (`points.parquet`),
the points kept as a posterior file (`kept.csv`: `civres facts --posterior kept.csv`
simulates the region left), a figure and a manifest, together or not at all (default
results/matching).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from civres.experiments.calibration.config import load_config
from civres.experiments.calibration.matching import (
    CUTOFF,
    MODEL_DISCREPANCY,
    Indicators,
    cross_validated_error,
    emulated_figures,
    implausibility,
    kept_points,
    latin_points,
    population,
    read_region,
    summarise_wave,
)
from civres.experiments.calibration.matching_report import format_wave, wave_figure
from civres.experiments.sweeps.folders import folder_written_whole, write_atomic
from civres.experiments.sweeps.manifest import write_manifest

from .commands import RESULTS, out_folder
from .errors import UsageError

MATCHING_FILES = ("matching.json", "points.parquet", "kept.csv", "matching.png",
                  "manifest.json")
#: Columns of the emulator's runs that history matching needs.
NEEDED = ("split", "error", "goal", "formed", "turned_violent", "defections", "won",
          "peak_participation_pct", "years", "war_years")


def read_design(folder: str, priors: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """The emulator's runs, checked: every column needed, the config's coefficients.

    Raises:
        UsageError: one line saying what is missing and what to run.
    """
    path = Path(folder) / "design.parquet"
    try:
        table = pd.read_parquet(path)
    except (OSError, ValueError) as err:
        raise UsageError(f"--emulator {folder}: no readable design.parquet ({type(err).__name__})"
                         "; run civres emulate CONFIG first") from None
    missing = [c for c in (*NEEDED, *(f"coef_{k}" for k in priors)) if c not in table]
    if missing:
        raise UsageError(f"--emulator {folder}: its runs lack {missing[0]} (written by an "
                         "older civres, or with other priors); run civres emulate CONFIG again")
    for name, (lo, hi) in priors.items():
        values = table[f"coef_{name}"]
        if values.min() < lo - 1e-12 or values.max() > hi + 1e-12:
            raise UsageError(f"--emulator {folder}: its {name} spans [{values.min():.4g}, "
                             f"{values.max():.4g}], not this config's prior [{lo}, {hi}]; "
                             "run civres emulate CONFIG again")
    return table


def cmd_match(args: argparse.Namespace) -> int:
    """One wave: fit, check, evaluate the box, rule out, write."""
    config = load_config(args.config)
    table = read_design(args.emulator, config.priors)
    region, before = (None, {"wave": 0, "share_of_box_left": 1.0, "out_of_reach": None}
                      ) if args.region is None else read_region(args.region, config.priors)
    inputs = {"config": str(args.config), "emulator": str(args.emulator),
              "points": None if region is not None else args.points,
              "campaigns": args.campaigns, "seed": args.seed, "region": args.region}
    out = out_folder(args.out, RESULTS / "matching", inputs, MATCHING_FILES)
    with folder_written_whole(out, MATCHING_FILES) as stage:
        # every run trains the classifiers; their error comes from 5-fold cross-validation
        indicators = Indicators(config.priors, seed=args.seed).fit(table)
        error = cross_validated_error(table, config.priors, args.seed)
        points = (latin_points(args.points, args.seed, config.priors) if region is None
                  else region.reset_index(drop=True))
        figures = emulated_figures(indicators, population(args.campaigns, args.seed), points)
        scores = implausibility(figures, error)
        summary = summarise_wave(points, figures, scores, config.priors,
                                 out_of_reach=before["out_of_reach"])
        summary["wave"] = before["wave"] + 1
        summary["share_of_box_left"] = before["share_of_box_left"] * summary[
            "share_of_space_left"]
        written = {"inputs": inputs, "cutoff": CUTOFF, "model_discrepancy_sd": MODEL_DISCREPANCY,
                   "emulator_error": error, **summary}
        write_atomic(stage / "matching.json", json.dumps(written, indent=2) + "\n")
        kept = kept_points(scores, before["out_of_reach"])
        # figures and implausibilities in single precision: half the file, and far more
        # digits than the emulator has
        pd.concat([points, figures.add_prefix("figure_").astype("float32"),
                   scores.add_prefix("I_").astype("float32")], axis=1
                  ).assign(kept=kept).to_parquet(stage / "points.parquet", index=False)
        # the points kept, as a posterior file: civres facts --posterior kept.csv runs the
        # model with coefficients drawn from the region history matching leaves
        write_atomic(stage / "kept.csv", points[kept].assign(weight=1.0).to_csv(index=False))
        wave_figure(summary, figures, kept, stage / "matching.png")
        write_manifest(stage, {"command": "match", **inputs})
    print(json.dumps(written, indent=2) if args.json else format_wave(summary))
    return 0

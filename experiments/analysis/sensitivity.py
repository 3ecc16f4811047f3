"""Sensitivity indices of a sweep: Sobol (S1, ST) or Morris (mu*, sigma), with a figure.

For sobol and morris designs only (and complete sweeps only): `civres analyze` writes
sensitivity.csv and sensitivity.png through `sensitivity`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from civres.experiments.sweeps.designs import (
    MORRIS_LEVELS,
    Design,
    SweepConfig,
    salib_problem,
    sample_matrix,
)

from .figures import new_figure, save_figure


def sensitivity(runs: pd.DataFrame, config: SweepConfig, out: Path) -> list[Path]:
    """Sobol or Morris indices of P(success) and mean peak participation per point.

    Each design point's output is averaged over its replications; points whose runs all
    raised leave a gap that SALib cannot take, so the indices are then skipped.
    """
    from SALib.analyze import morris, sobol

    problem = salib_problem(config)
    ok = runs[runs["error"].isna()]
    per_point = ok.groupby("point_id").agg(
        success=("outcome", lambda s: float((s == "success").mean())),
        peak_participation=("peak_participation", "mean"))
    n_points = len(sample_matrix(config))
    per_point = per_point.reindex(range(n_points))
    if per_point.isna().any().any():
        return []
    seed = config.master_seed % 2**32
    rows = []
    for output in per_point.columns:
        values = per_point[output].to_numpy(dtype=float)
        if config.design is Design.SOBOL:
            res = sobol.analyze(problem, values, calc_second_order=False, seed=seed)
            stats = {"S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"],
                     "ST_conf": res["ST_conf"]}
        else:
            res = morris.analyze(problem, sample_matrix(config), values, seed=seed,
                                 num_levels=MORRIS_LEVELS)
            stats = {"mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"],
                     "sigma": res["sigma"]}
        for i, name in enumerate(problem["names"]):
            rows.append({"output": output, "parameter": name,
                         **{k: float(v[i]) for k, v in stats.items()}})
    table = pd.DataFrame(rows)
    table.to_csv(out / "sensitivity.csv", index=False)
    return [out / "sensitivity.csv", _sensitivity_figure(table, config.design,
                                                         out / "sensitivity.png")]


def _sensitivity_figure(table: pd.DataFrame, design: str, path: Path) -> Path:
    """Bar charts of the indices, one panel per output."""
    outputs = list(dict.fromkeys(table["output"]))
    fig, axes = new_figure(1, len(outputs), figsize=(5 * len(outputs), 4), squeeze=False)
    keys = [("S1", "S1_conf"), ("ST", "ST_conf")] if design == "sobol" else [
        ("mu_star", "mu_star_conf"), ("sigma", None)]
    for ax, output in zip(axes[0], outputs, strict=True):
        part = table[table["output"] == output]
        pos = np.arange(len(part))
        width = 0.8 / len(keys)
        for j, (key, conf) in enumerate(keys):
            ax.bar(pos + j * width, part[key], width,
                   yerr=None if conf is None else part[conf], capsize=3, label=key)
        ax.set_xticks(pos + width * (len(keys) - 1) / 2, part["parameter"], rotation=30,
                      ha="right")
        ax.set_title(f"{design.capitalize()} indices: {output}")
        ax.legend(fontsize=8)
    return save_figure(fig, path, dpi=120)

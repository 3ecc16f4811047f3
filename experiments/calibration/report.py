"""A calibration's results: posterior summary, posterior predictive check, figures.

The predictive check draws `predictive_draws` particles from the posterior (by weight,
from a generator seeded by the config's seed), simulates each once more with fresh
campaigns, and sets each target's 5-95% interval over those simulations (the
posterior's 90% predictive interval) beside the published figure.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civres.experiments.history.posterior import Posterior

from .config import CalibrationConfig
from .statistics import STATISTICS, simulate

#: The predictive interval: 5% and 95% quantiles (a 90% interval).
QUANTILES = (0.05, 0.95)
#: Second entropy word of the predictive check's generator, apart from the ABC's.
PREDICTIVE_STREAM = 2


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The q-quantile of weighted values (the smallest value whose cumulative weight >= q)."""
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][min(np.searchsorted(cumulative, q), len(values) - 1)])


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of weighted particles: (sum w)^2 / sum w^2."""
    weights = np.asarray(weights, dtype=float)
    return float(weights.sum() ** 2 / np.square(weights).sum())


def posterior_summary(post: pd.DataFrame, config: CalibrationConfig) -> dict[str, Any]:
    """Per coefficient: prior, weighted mean, median and 90% interval."""
    weights = post["weight"].to_numpy()
    summary = {}
    for name, prior in config.priors.items():
        values = post[name].to_numpy(dtype=float)
        summary[name] = {
            "prior": list(prior),
            "mean": float(np.average(values, weights=weights)),
            "median": weighted_quantile(values, weights, 0.5),
            "interval_90": [weighted_quantile(values, weights, q) for q in QUANTILES],
        }
    return summary


def predictive_check(post: pd.DataFrame, config: CalibrationConfig, workers: int | None
                     ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Simulate posterior draws; each target's 90% interval beside its target value."""
    rng = np.random.default_rng([config.seed, PREDICTIVE_STREAM])
    particles = Posterior(post, "the calibration's last generation", "")
    draws = [{k: d[k] for k in config.priors}
             for d in particles.draw_from(rng, config.predictive_draws)]
    seeds = rng.integers(2**31 - 1, size=len(draws))
    rows = [{**coef, **simulate(coef, config.campaigns, int(seed), config.run, workers)}
            for coef, seed in zip(draws, seeds, strict=True)]
    table = pd.DataFrame(rows)
    check = {}
    for name, (value, weight) in config.targets.items():
        got = pd.to_numeric(table[name], errors="coerce").dropna()
        lo, hi = (float(got.quantile(q)) for q in QUANTILES) if len(got) else (None, None)
        check[name] = {"target": value, "weight": weight, "interval_90": [lo, hi],
                       "median": float(got.median()) if len(got) else None,
                       "inside": lo is not None and lo <= value <= hi,
                       "n_measured": int(len(got)), "meaning": STATISTICS[name].meaning,
                       "source": STATISTICS[name].source}
    return table, check


def format_report(report: dict[str, Any]) -> str:
    """The calibration's result as text: budget, posterior, predictive check."""
    lines = [f"simulations: {report['simulations']} in {report['seconds_all_generations']:.0f} s "
             f"over all generations ({report['generations']} generations of "
             f"{report['population_size']}; {report['campaigns']} campaigns per simulation)"
             + (f"; this run resumed after generation {report['generations_resumed_from'] - 1}"
                if report["generations_resumed_from"] else ""),
             f"final tolerance (RMS scaled gap): {report['epsilons'][-1]:.3f}; effective "
             f"sample size of the last generation: {report['effective_sample_size']:.1f} of "
             f"{report['population_size']} particles",
             "", "posterior (weighted median and 90% interval; prior in brackets):"]
    for name, s in report["posterior"].items():
        lo, hi = s["interval_90"]
        lines.append(f"  {name:<20} {s['median']:.4g}  [{lo:.4g}, {hi:.4g}]   "
                     f"(prior [{s['prior'][0]:.4g}, {s['prior'][1]:.4g}])")
    if not report["predictive"]:
        return "\n".join([*lines, "", "posterior predictive check: not run (predictive_draws "
                                     "= 0)"])
    lines += ["", "posterior predictive check (90% interval of "
              f"{report['predictive_draws']} posterior simulations):"]
    for name, c in report["predictive"].items():
        lo, hi = c["interval_90"]
        shown = "n/a" if lo is None else f"[{lo:.2f}, {hi:.2f}]"
        lines.append(f"  {name:<26} target {c['target']:<5.2f} interval {shown:<14} "
                     + ("inside" if c["inside"] else "MISSED"))
    return "\n".join(lines)


def posterior_figure(post: pd.DataFrame, config: CalibrationConfig, path: Path) -> Path:
    """One weighted histogram per coefficient over its prior's range."""
    from civres.experiments.analysis.figures import new_figure, save_figure

    names = list(config.priors)
    columns = min(4, len(names))
    rows = -(-len(names) // columns)
    fig, axes = new_figure(rows, columns, figsize=(3 * columns, 2.6 * rows), squeeze=False)
    for ax in axes.flat[len(names):]:
        ax.set_visible(False)
    for ax, name in zip(axes.flat, names, strict=False):
        lo, hi = config.priors[name]
        ax.hist(post[name], bins=12, range=(lo, hi), weights=post["weight"],
                color="tab:blue", alpha=0.8)
        ax.axhline(1 / 12, color="grey", lw=1, ls="--", label="prior")
        ax.set_xlim(lo, hi)
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
    axes[0][0].set_ylabel("posterior weight")
    axes[0][0].legend(fontsize=7)
    fig.suptitle("ABC-SMC posterior of the calibrated coefficients", fontsize=10)
    return save_figure(fig, path)


def predictive_figure(check: dict[str, Any], path: Path) -> Path:
    """Each target: the posterior's 90% predictive interval and median, the target marked."""
    from civres.experiments.analysis.figures import new_figure, save_figure

    names = list(check)
    fig, ax = new_figure(figsize=(7, 0.4 * len(names) + 1.2))
    for i, name in enumerate(names):
        c = check[name]
        scale = STATISTICS[name].scale
        if c["interval_90"][0] is not None:
            lo, hi = (v / scale for v in c["interval_90"])
            ax.plot([lo, hi], [i, i], color="tab:blue", lw=4, alpha=0.6)
            ax.plot(c["median"] / scale, i, "o", color="tab:blue")
        ax.plot(c["target"] / scale, i, "k|", ms=14, mew=2)
    ax.set_yticks(range(len(names)),
                  [n + (" (decades)" if STATISTICS[n].scale != 1 else "") for n in names],
                  fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("share of campaigns (durations in decades); bar: posterior 90% interval, "
                  "|: target", fontsize=8)
    ax.set_title("Posterior predictive check", fontsize=10)
    return save_figure(fig, path)

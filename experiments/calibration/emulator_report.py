"""How good the emulator is, on simulations it was not trained on.

Scored per held-out run, each with a 95% bootstrap interval over runs (as `civres compare`
scores cases, `history.scores`), beside two simpler stand-ins fitted on the same
training runs: the training runs' base rates (their outcome shares, median years and
median peak) and a linear model on the same inputs (multinomial logistic regression for
the outcome, ridge regression for years and peak; the penalties `civres compare`'s
pattern baselines use). Outcome: log-loss, Brier score and
accuracy; the reliability of each outcome's probability (ten bins of the predicted
probability, the observed share in each; the expected calibration error, the run-weighted
mean gap). Years and peak: mean absolute error, and for years also over decided runs
only (a stalled run's years are cut by the horizon).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civres.experiments.history.patterns import LOGISTIC_C, RIDGE_ALPHA
from civres.experiments.history.scores import paired_difference, per_case, summarise

from .emulator import OUTCOMES, Emulator, inputs

#: Every probability is mixed with this much of the uniform distribution before its
#: log-loss is taken, alike for every forecaster (a tree's 0 would be an infinite loss).
MIX = 0.002
#: Bins of predicted probability in the reliability table.
BINS = 10


def stand_ins(train: pd.DataFrame, test: pd.DataFrame, priors: dict[str, tuple[float, float]]
              ) -> dict[str, pd.DataFrame]:
    """The base rates' and the linear models' predictions for the test runs."""
    from sklearn.linear_model import LogisticRegression, Ridge

    ok = train[train["error"].isna()]
    shares = ok["outcome"].astype(str).value_counts(normalize=True)
    base = pd.DataFrame({f"p_{k}": float(shares.get(k, 0.0)) for k in OUTCOMES},
                        index=test.index)
    base["years"] = float(ok["years"].median())
    base["log10_peak_pct"] = float(ok["log10_peak_pct"].median())
    x, x_test = inputs(ok, priors), inputs(test, priors)
    logistic = LogisticRegression(C=LOGISTIC_C, max_iter=2000).fit(
        x, ok["outcome"].astype(str).to_numpy())
    linear = pd.DataFrame(0.0, index=test.index, columns=[f"p_{k}" for k in OUTCOMES])
    for j, label in enumerate(logistic.classes_):
        linear[f"p_{label}"] = logistic.predict_proba(x_test)[:, j]
    for column in ("years", "log10_peak_pct"):
        linear[column] = Ridge(alpha=RIDGE_ALPHA).fit(x, ok[column]).predict(x_test)
    return {"base rates": base, "linear": linear}


def _forecasts(frame: pd.DataFrame, mix: float = 0.0) -> list[dict[str, float]]:
    probabilities = frame[[f"p_{k}" for k in OUTCOMES]].to_numpy(float)
    probabilities = (1 - mix) * probabilities + mix / len(OUTCOMES)
    return [dict(zip(OUTCOMES, row, strict=True)) for row in probabilities]


def per_run_scores(predicted: pd.DataFrame, test: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each held-out run's accuracy, Brier, log-loss and absolute errors of years and peak."""
    observed = test["outcome"].astype(str).tolist()
    scores = per_case(_forecasts(predicted), observed, _forecasts(predicted, MIX))
    scores["years_abs_error"] = np.abs(predicted["years"].to_numpy()
                                       - test["years"].to_numpy(float))
    scores["peak_abs_error"] = np.abs(predicted["log10_peak_pct"].to_numpy()
                                      - test["log10_peak_pct"].to_numpy(float))
    return scores


def reliability(probability: np.ndarray, happened: np.ndarray) -> dict[str, Any]:
    """Ten bins of predicted probability: mean predicted, observed share, runs; and the ECE."""
    edges = np.linspace(0, 1, BINS + 1)
    which = np.clip(np.digitize(probability, edges[1:-1]), 0, BINS - 1)
    rows, gap = [], 0.0
    for b in range(BINS):
        inside = which == b
        if inside.any():
            predicted, seen = float(probability[inside].mean()), float(happened[inside].mean())
            rows.append({"bin": [float(edges[b]), float(edges[b + 1])], "runs": int(inside.sum()),
                         "predicted": predicted, "observed": seen})
            gap += inside.sum() * abs(predicted - seen)
    return {"bins": rows, "expected_calibration_error": float(gap / max(len(probability), 1))}


def validate(emulator: Emulator, train: pd.DataFrame, test: pd.DataFrame, seed: int
             ) -> dict[str, Any]:
    """The emulator's and the stand-ins' scores on the test runs, with intervals."""
    test = test[test["error"].isna()]
    predicted = {"emulator": emulator.predict(test),
                 **stand_ins(train, test, emulator.priors)}
    scores = {name: per_run_scores(frame, test) for name, frame in predicted.items()}
    report: dict[str, Any] = {
        "training_runs": int(train["error"].isna().sum()), "test_runs": int(len(test)),
        "scores": {name: summarise(s, seed) for name, s in scores.items()},
        "emulator_minus": {name: {k: paired_difference(scores["emulator"][k], s[k], seed)
                                  for k in s} for name, s in scores.items()
                           if name != "emulator"},
    }
    decided = (test["outcome"].astype(str) != "stalled").to_numpy()
    report["years_abs_error_decided"] = {
        name: summarise({"v": s["years_abs_error"][decided]}, seed)["v"]
        for name, s in scores.items()}
    observed = test["outcome"].astype(str).to_numpy()
    report["reliability"] = {k: reliability(predicted["emulator"][f"p_{k}"].to_numpy(),
                                            (observed == k).astype(float)) for k in OUTCOMES}
    report["simulated_shares"] = {k: float((observed == k).mean()) for k in OUTCOMES}
    report["predicted_shares"] = {k: float(predicted["emulator"][f"p_{k}"].mean())
                                  for k in OUTCOMES}
    return report


def format_validation(report: dict[str, Any]) -> str:
    """The held-out scores as text."""
    def shown(block: dict[str, Any], digits: int = 3) -> str:
        lo, hi = block["interval"]
        return f"{block['value']:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"

    names = list(report["scores"])
    lines = [f"held-out check: {report['test_runs']} runs the emulator was not trained on "
             f"(trained on {report['training_runs']}); mean per run [95% interval]"]
    rows = [("log-loss", "log_loss"), ("Brier", "brier"), ("accuracy", "accuracy"),
            ("years, abs. error", "years_abs_error"),
            ("log10 peak, abs. error", "peak_abs_error")]
    lines.append(f"  {'score':<24}" + "".join(f"{n:<26}" for n in names))
    for label, key in rows:
        lines.append(f"  {label:<24}" + "".join(f"{shown(report['scores'][n][key]):<26}"
                                                  for n in names))
    lines.append(f"  {'years, decided runs':<24}" + "".join(
        f"{shown(report['years_abs_error_decided'][n]):<26}" for n in names))
    for name, diffs in report["emulator_minus"].items():
        lines.append(f"  emulator - {name}: log-loss {shown(diffs['log_loss'])}, "
                     f"Brier {shown(diffs['brier'])}")
    lines.append("  calibration (expected calibration error; predicted / simulated share): "
                 + ", ".join(f"{k} {r['expected_calibration_error']:.3f} "
                             f"({report['predicted_shares'][k]:.2f} / "
                             f"{report['simulated_shares'][k]:.2f})"
                             for k, r in report["reliability"].items()))
    return "\n".join(lines)


def validation_figure(report: dict[str, Any], predicted: pd.DataFrame, test: pd.DataFrame,
                      path: Path) -> Path:
    """Reliability of each outcome's probability; predicted against simulated peak."""
    from civres.experiments.analysis.figures import new_figure, save_figure

    fig, (left, right) = new_figure(1, 2, figsize=(10, 4.2))
    left.plot([0, 1], [0, 1], color="grey", lw=1, ls="--")
    for k, block in report["reliability"].items():
        bins = block["bins"]
        left.plot([b["predicted"] for b in bins], [b["observed"] for b in bins], "o-",
                  label=f"{k} (ECE {block['expected_calibration_error']:.3f})")
    left.set_xlabel("emulator's probability")
    left.set_ylabel("share of held-out runs with that outcome")
    left.set_title("Are the emulator's probabilities calibrated?", fontsize=10)
    left.legend(fontsize=7)
    right.scatter(test["log10_peak_pct"], predicted["log10_peak_pct"], s=4, alpha=0.4)
    low, high = float(test["log10_peak_pct"].min()), float(test["log10_peak_pct"].max())
    right.plot([low, high], [low, high], color="grey", lw=1, ls="--")
    right.set_xlabel("simulated log10 peak participation (% of population)")
    right.set_ylabel("emulator's prediction")
    right.set_title("Peak participation, held-out runs", fontsize=10)
    return save_figure(fig, path)

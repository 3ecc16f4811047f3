"""The model's emulator (`civres emulate`, issue 19): design, inputs, fit, held-out check.

The emulator's own tests use hand-made tables whose response is known (so what they
check does not depend on the model's noise); one command test runs the real model on a
tiny grid.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from calibration_helpers import TINY

from civres.cli import main
from civres.experiments.calibration.emulator import (
    OUTCOMES,
    Emulator,
    design,
    inputs,
)
from civres.experiments.calibration.emulator_report import (
    MIX,
    format_validation,
    reliability,
    validate,
)
from civres.experiments.history.baselines import feature_names, features

PRIORS = {"fatigue": (0.0, 0.06), "backfire": (0.2, 3.0)}


def test_the_design_is_a_latin_hypercube_over_the_priors():
    n = 50
    chosen = design(n, seed=4, priors=PRIORS)
    assert len(chosen.cases) == len(chosen.coefficients) == n
    for name, (lo, hi) in PRIORS.items():
        values = np.array([c[name] for c in chosen.coefficients])
        strata = np.floor((values - lo) / (hi - lo) * n).astype(int)
        assert sorted(strata) == list(range(n))  # every stratum of the prior hit once
    again = design(n, seed=4, priors=PRIORS)
    assert again.coefficients == chosen.coefficients
    assert [c.conditions for c in again.cases] == [c.conditions for c in chosen.cases]
    other = design(n, seed=5, priors=PRIORS)
    assert other.coefficients != chosen.coefficients
    assert {c.goal for c in chosen.cases} == {"maximalist", "reform"}


def known_table(n: int, seed: int) -> pd.DataFrame:
    """Runs whose outcome, years and peak are known functions of scaled fatigue."""
    rng = np.random.default_rng(seed)
    chosen = design(n, seed, PRIORS)
    x = np.array([c["fatigue"] for c in chosen.coefficients]) / 0.06
    flip = rng.random(n) < 0.05
    outcome = np.where((x < 0.5) ^ flip, "success", "suppressed")
    table = pd.DataFrame({"outcome": outcome, "years": 1 + 4 * x,
                          "log10_peak_pct": -2 + 3 * x, "error": None})
    coded = pd.DataFrame(features(chosen.cases), columns=feature_names())
    drawn = pd.DataFrame(chosen.coefficients).add_prefix("coef_")
    return pd.concat([table, coded, drawn], axis=1)


def test_inputs_are_the_coded_conditions_and_each_coefficient_scaled_over_its_prior():
    table = known_table(30, 1)
    x = inputs(table, PRIORS)
    assert x.shape == (30, len(feature_names()) + 2)
    np.testing.assert_allclose(x[:, -2], table["coef_fatigue"] / 0.06)
    np.testing.assert_allclose(x[:, -1], (table["coef_backfire"] - 0.2) / 2.8)
    assert np.all((x[:, -2:] >= 0) & (x[:, -2:] <= 1))


def test_the_emulator_learns_a_known_response():
    train, test = known_table(800, 1), known_table(300, 2)
    emulator = Emulator(PRIORS, seed=0).fit(train)
    predicted = emulator.predict(test)
    assert list(predicted.columns) == [f"p_{k}" for k in OUTCOMES] + ["years",
                                                                       "log10_peak_pct"]
    assert (predicted[["p_stalled", "p_violent"]] == 0).all().all()  # never seen
    np.testing.assert_allclose(predicted.filter(like="p_").sum(axis=1), 1.0)
    truth = (test["coef_fatigue"] / 0.06 < 0.5).to_numpy()
    assert ((predicted["p_success"] > 0.5).to_numpy() == truth).mean() > 0.9
    assert np.abs(predicted["years"] - test["years"]).mean() < 0.3
    assert np.abs(predicted["log10_peak_pct"] - test["log10_peak_pct"]).mean() < 0.2


def test_reliability_by_hand():
    block = reliability(np.array([0.05, 0.05, 0.95, 0.95]), np.array([0.0, 1.0, 1.0, 1.0]))
    assert [b["runs"] for b in block["bins"]] == [2, 2]
    assert block["bins"][0] == {"bin": [0.0, 0.1], "runs": 2, "predicted": 0.05,
                                "observed": 0.5}
    assert block["bins"][1]["bin"] == pytest.approx([0.9, 1.0])
    assert block["expected_calibration_error"] == pytest.approx((2 * 0.45 + 2 * 0.05) / 4)


def test_validation_scores_the_emulator_beside_its_stand_ins():
    train, test = known_table(600, 1), known_table(200, 3)
    report = validate(Emulator(PRIORS).fit(train), train, test, seed=1)
    assert report["test_runs"] == 200 and report["training_runs"] == 600
    assert set(report["scores"]) == {"emulator", "base rates", "linear"}
    emulator, base = report["scores"]["emulator"], report["scores"]["base rates"]
    assert emulator["log_loss"]["value"] < base["log_loss"]["value"]
    # a 0 probability for an outcome that happened is a large loss, not an infinite one
    assert math.isfinite(emulator["log_loss"]["interval"][1])
    assert -math.log(MIX / len(OUTCOMES)) < 10
    diff = report["emulator_minus"]["base rates"]["log_loss"]
    assert diff["interval"][1] < 0  # clearly better than the base rates
    assert report["simulated_shares"]["success"] == pytest.approx(
        (test["outcome"] == "success").mean())
    text = format_validation(report)
    assert "held-out check: 200 runs" in text and "emulator - linear" in text




def test_civres_emulate_end_to_end(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text(TINY)
    argv = ["emulate", str(config), "--runs", "80", "--workers", "1", "--no-progress"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    assert "held-out check: 20 runs" in capsys.readouterr().out
    table = pd.read_parquet(tmp_path / "a" / "design.parquet")
    assert (table["split"] == "test").sum() == 20 and len(table) == 80
    assert set(table["outcome"].dropna()) <= set(OUTCOMES)
    assert {"coef_fatigue", "coef_backfire", "years", "log10_peak_pct"} <= set(table)
    written = json.loads((tmp_path / "a" / "emulator.json").read_text())
    assert written["inputs"]["runs"] == 80
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["runs"] == 80 and manifest["seed"] == 1 and "git_commit" in manifest
    assert (tmp_path / "a" / "emulator.png").stat().st_size > 0
    assert main([*argv, "--out", str(tmp_path / "b")]) == 0  # the same seed, the same runs
    again = json.loads((tmp_path / "b" / "emulator.json").read_text())
    assert again == written
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "b" / "design.parquet"), table)


@pytest.mark.parametrize(("extra", "message"), [
    (["--test-share", "1.5"], "--test-share must be between 0 and 1"),
    (["--runs", "30"], "fewer than 20 runs"),
    (["--runs", "2000000"], "--allow-large"),
    (["--runs", "0"], "expected a whole number >= 1"),
])
def test_bad_emulate_options_are_one_line(tmp_path, capsys, extra, message):
    config = tmp_path / "c.toml"
    config.write_text(TINY)
    assert main(["emulate", str(config), "--out", str(tmp_path / "o"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err
    assert not (tmp_path / "o").exists()

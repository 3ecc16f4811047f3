"""Analysis of a sweep (experiments/analysis/analyze.py): Wilson intervals, outcome probabilities
with failed runs counted apart, figures, Sobol and Morris indices, one-line usage errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sweep_helpers import OUTCOME_NAMES, PNG_MAGIC, failing_model_once, tiny

from civres.cli import main
from civres.experiments.sweeps.designs import parse_config
from civres.experiments.sweeps.runner import run_sweep


def test_wilson_interval_known_values():
    from civres.experiments.analysis.analyze import wilson_interval

    lo, hi = wilson_interval([0, 5, 10, 0], [10, 10, 10, 0])
    np.testing.assert_allclose(lo, [0.0, 0.236593, 0.722467, 0.0], atol=1e-6)
    np.testing.assert_allclose(hi, [0.277533, 0.763407, 1.0, 1.0], atol=1e-6)


def test_outcome_probabilities_say_how_many_runs_never_formed():
    from civres.experiments.analysis.analyze import outcome_probabilities

    runs = pd.DataFrame({
        "point_id": [0, 0, 0, 0, 1, 1],
        "outcome": ["suppressed", "suppressed", "success", "stalled", "success", "success"],
        "formed": [False, True, True, False, True, True],
        "error": [None, None, None, None, None, "boom"],
    })
    table = outcome_probabilities(runs, ["point_id"])
    # point 0: two of four never formed; point 1: its one run that ran formed
    assert table["p_never_formed"].tolist() == [0.5, 0.0]
    assert table["p_suppressed"].tolist() == [0.5, 0.0]   # the classifier's word stays
    older = outcome_probabilities(runs.drop(columns="formed"), ["point_id"])
    assert older["p_never_formed"].isna().all()


def test_analyze_writes_probabilities_and_figures(tmp_path, capsys):
    config = parse_config(tiny())
    run_sweep(config, tmp_path, workers=1, progress=False, model_fn=failing_model_once)
    assert main(["analyze", str(tmp_path)]) == 0
    out = tmp_path / "analysis"
    table = pd.read_csv(out / "outcome_probabilities.csv")
    assert table["point_id"].tolist() == [0, 1]
    assert table["n"].tolist() == [3, 4] and table["n_errors"].tolist() == [1, 0]
    probs = table[[f"p_{o}" for o in OUTCOME_NAMES]]
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    for outcome in OUTCOME_NAMES:
        assert (table[f"lo_{outcome}"] <= table[f"p_{outcome}"]).all()
        assert (table[f"p_{outcome}"] <= table[f"hi_{outcome}"]).all()
    for name in ("outcome_map", "success_vs_participation", "defections"):
        assert (out / f"{name}.png").read_bytes()[:8] == PNG_MAGIC
    assert not (out / "sensitivity.csv").exists()  # a grid has no indices
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("design, samples", [("sobol", 2), ("morris", 2)])
def test_analyze_sensitivity_indices(tmp_path, design, samples):
    from civres.experiments.analysis.analyze import analyze

    config = parse_config({
        "sweep": {"name": design, "master_seed": 2, "replications": 1, "design": design,
                  "samples": samples},
        "fixed": {"width": 12, "height": 12, "citizen_vision": 3, "security_vision": 3,
                  "max_steps": 25},
        "vary": {"legitimacy": {"min": 0.3, "max": 0.9},
                 "security_loyalty": {"min": 0.4, "max": 0.95}},
    })
    run_sweep(config, tmp_path, workers=1, progress=False)
    written = {p.name for p in analyze(tmp_path, x="security_loyalty", y="legitimacy")}
    assert {"sensitivity.csv", "sensitivity.png", "outcome_map.png"} <= written
    table = pd.read_csv(tmp_path / "analysis" / "sensitivity.csv")
    assert set(table["parameter"]) == {"legitimacy", "security_loyalty"}
    assert set(table["output"]) == {"success", "peak_participation"}
    assert ("ST" if design == "sobol" else "mu_star") in table.columns


def test_analyze_usage_errors(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "missing")]) == 2
    assert "not a sweep result folder" in capsys.readouterr().err
    run_sweep(parse_config(tiny()), tmp_path / "r", workers=1, progress=False)
    assert main(["analyze", str(tmp_path / "r"), "--x", "width"]) == 2
    err = capsys.readouterr().err
    assert "--x width" in err and "allowed: legitimacy" in err


def test_analysis_imports_no_command_line_or_runner_code():
    import ast
    from pathlib import Path

    source = Path(__file__).resolve().parent.parent / "experiments" / "analysis" / "analyze.py"
    imported = {node.module for node in ast.walk(ast.parse(source.read_text()))
                if isinstance(node, ast.ImportFrom) and node.module}
    assert not imported & {"cli", "runner", "civres.cli", "civres.experiments.sweeps.runner"}

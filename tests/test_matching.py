"""History matching with the emulator (`civres match`, issue 19): figures, implausibility,
what is ruled out, and the command. The rules are checked on hand-made tables; one
command test runs the real model on a tiny grid."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from calibration_helpers import TINY

from civres.cli import main
from civres.experiments.calibration import matching
from civres.experiments.calibration.matching import (
    CUTOFF,
    FIGURES,
    MODEL_DISCREPANCY,
    Indicators,
    emulated_figures,
    implausibility,
    observation_sd,
    summarise_wave,
)

PRIORS = {"fatigue": (0.0, 0.06)}


def runs(**columns) -> pd.DataFrame:
    base = {"formed": True, "turned_violent": False, "defections": False, "won": False,
            "peak_participation_pct": 1.0, "years": 1.0, "war_years": np.nan}
    n = max(len(v) for v in columns.values())
    return pd.DataFrame({k: columns.get(k, [v] * n) for k, v in base.items()})


def share(name: str, table: pd.DataFrame) -> float:
    figure = FIGURES[name]
    group = figure.group(table)
    return float((group & figure.counts(table).fillna(False)).sum() / group.sum())


def test_figures_count_as_civres_facts_counts():
    table = runs(formed=[True, True, True, False, True],
                 turned_violent=[False, False, True, False, False],
                 won=[True, False, True, True, True],
                 defections=[True, False, False, True, True],
                 peak_participation_pct=[0.005, 0.5, 2.0, 5.0, 5.0],
                 years=[4.0, 1.0, 2.0, 9.0, 0.0], war_years=[np.nan, np.nan, 9.5, np.nan,
                                                            np.nan])
    assert share("nonviolent_success", table) == pytest.approx(2 / 3)  # unformed left out
    assert share("violent_success", table) == 1.0
    assert share("success_below_0.01pct", table) == 1.0
    assert share("success_0.1_to_1pct", table) == 0.0
    assert share("success_above_3.5pct", table) == 1.0  # the unformed one is not counted
    assert share("success_with_defection", table) == 1.0
    assert share("success_without_defection", table) == pytest.approx(1 / 2)
    # a median as a share: of the nonviolent campaigns that lasted at all, those past 3 years
    assert share("nonviolent_longer_than_3_years", table) == pytest.approx(1 / 2)
    assert share("violent_longer_than_9_years", table) == 1.0
    assert FIGURES["nonviolent_success_2010s"].late
    assert sum(f.late for f in FIGURES.values()) == 1


class Constant:
    """A fitted classifier's stand-in: the same chance for every row."""

    classes_ = np.array([False, True])

    def __init__(self, p: float) -> None:
        self.p = p

    def predict_proba(self, x):
        return np.column_stack([np.full(len(x), 1 - self.p), np.full(len(x), self.p)])


class ByFatigue(Constant):
    """A chance equal to the scaled fatigue (the last input column)."""

    def predict_proba(self, x):
        return np.column_stack([1 - x[:, -1], x[:, -1]])


def stub(counts=None) -> Indicators:
    indicators = Indicators(PRIORS)
    for name in FIGURES:
        indicators.models[(name, "group")] = Constant(0.5)
        indicators.models[(name, "counts")] = (counts or Constant(0.2))
    return indicators


def test_an_emulated_figure_is_a_ratio_of_summed_chances():
    coded = {False: np.zeros((7, 3)), True: np.zeros((2, 3))}
    points = pd.DataFrame({"fatigue": [0.0, 0.03, 0.06]})
    got = emulated_figures(stub(), coded, points, chunk=2)
    assert list(got.columns) == list(FIGURES)
    assert np.allclose(got.to_numpy(), 0.2)  # P(group) x P(counts | group), over P(group)
    varying = emulated_figures(stub(ByFatigue(0.0)), coded, points, chunk=2)
    assert varying["nonviolent_success"].tolist() == pytest.approx([0.0, 0.5, 1.0])


def test_implausibility_by_hand():
    figures = pd.DataFrame({name: [FIGURES[name].target] for name in FIGURES})
    figures["nonviolent_success"] = 0.33
    error = {name: {"bias": 0.0, "sd": 0.0} for name in FIGURES}
    error["nonviolent_success"] = {"bias": 0.03, "sd": 0.04}
    got = implausibility(figures, error)
    expected = 0.2 / math.sqrt(0.53 * 0.47 / 100 + 0.03 ** 2 + 0.04 ** 2
                               + MODEL_DISCREPANCY ** 2)
    assert got["nonviolent_success"][0] == pytest.approx(expected)
    assert got.drop(columns="nonviolent_success").to_numpy().max() == 0.0
    assert observation_sd(FIGURES["violent_success"]) == pytest.approx(
        math.sqrt(0.26 * 0.74 / 220))


def test_a_wave_keeps_the_points_no_figure_rules_out_and_names_figures_out_of_reach():
    points = pd.DataFrame({"fatigue": [0.01, 0.02, 0.05]})
    figures = pd.DataFrame({name: [0.5, 0.5, 0.5] for name in FIGURES})
    scores = pd.DataFrame({name: [1.0, 2.0, 1.0] for name in FIGURES})
    scores["violent_success"] = [1.0, 2.0, 5.0]  # rules out the last point
    scores["success_above_3.5pct"] = [4.0, 3.5, 6.0]  # nowhere plausible: out of reach
    figures["success_below_0.01pct"] = np.nan  # the group is empty everywhere
    scores["success_below_0.01pct"] = np.nan
    summary = summarise_wave(points, figures, scores, PRIORS)
    # the figure out of reach would rule out everything: it is named, and the points are
    # judged by the figures the model can reach
    assert summary["share_left_by_every_figure"] == 0.0
    assert summary["kept"] == 2
    assert summary["out_of_reach"] == ["success_below_0.01pct", "success_above_3.5pct"]
    assert summary["figures"]["success_below_0.01pct"]["group_empty_everywhere"]
    assert summary["figures"]["success_above_3.5pct"]["smallest_implausibility"] == 3.5
    scores["success_above_3.5pct"] = [1.0, 1.0, 1.0]
    summary = summarise_wave(points, figures, scores, PRIORS)
    assert summary["kept"] == 2 and summary["share_of_space_left"] == pytest.approx(2 / 3)
    assert summary["coefficients_left"]["fatigue"] == [0.01, 0.02]
    assert summary["figures"]["violent_success"]["share_plausible"] == pytest.approx(2 / 3)


def test_a_point_whose_group_is_empty_is_ruled_out_and_a_later_wave_keeps_judging():
    points = pd.DataFrame({"fatigue": [0.01, 0.02, 0.05]})
    figures = pd.DataFrame({name: [0.5, 0.5, 0.5] for name in FIGURES})
    scores = pd.DataFrame({name: [1.0, 1.0, 1.0] for name in FIGURES})
    scores["success_below_0.01pct"] = np.nan  # empty everywhere: out of reach
    scores["violent_success"] = [1.0, np.nan, 1.0]  # no violent campaign at the second
    summary = summarise_wave(points, figures, scores, PRIORS)
    assert summary["out_of_reach"] == ["success_below_0.01pct"]
    assert summary["kept"] == 2 and summary["coefficients_left"]["fatigue"] == [0.01, 0.05]
    # a later wave judges by every figure wave 1 could reach, even one its region cannot
    scores["violent_success"] = [4.0, 5.0, np.nan]
    later = summarise_wave(points, figures, scores, PRIORS,
                           out_of_reach=["success_below_0.01pct"])
    assert later["kept"] == 0
    assert later["out_of_reach"] == ["success_below_0.01pct"]
    assert later["not_reached_by_any_point_judged"] == ["violent_success"]
    assert summarise_wave(points, figures, scores, PRIORS)["kept"] == 3  # wave 1 excuses it


def test_the_cross_validated_error_predicts_every_run_from_the_other_folds(monkeypatch):
    # the error of the thin figures measured on a held-out quarter moved from seed to seed;
    # out-of-fold chances put every run behind it
    fits = []

    class Recording(Indicators):
        def fit(self, runs):
            fits.append(len(runs))
            for name in FIGURES:
                self.models[(name, "group")] = Constant(0.5)
                self.models[(name, "counts")] = Constant(0.2)
            return self

    monkeypatch.setattr(matching, "Indicators", Recording)
    monkeypatch.setattr(matching, "inputs", lambda table, priors: np.zeros((len(table), 2)))
    table = runs(won=[True, False, False, False] * 5)
    table["error"], table["goal"], table["start_year"] = None, "maximalist", 0.0
    error = matching.cross_validated_error(table, PRIORS, seed=1, folds=5)
    assert fits == [16] * 5  # each fold fitted on the other four
    assert error["nonviolent_success"]["runs_in_group"] == 20
    # emulated 0.2 against 1 in 4 simulated
    assert error["nonviolent_success"]["bias"] == pytest.approx(0.2 - 0.25)
    assert error["nonviolent_success"]["sd"] > 0
    # no run in a group: nothing to check the emulator on, the widest error
    assert error["violent_success"] == {"bias": 0.0, "sd": 0.5, "runs_in_group": 0}
    # the 2010s figure is checked on the 2010s runs only, and there are none here
    assert error["nonviolent_success_2010s"]["runs_in_group"] == 0


@pytest.fixture(scope="module")
def tiny_emulator(tmp_path_factory):
    folder = tmp_path_factory.mktemp("emulator")
    config = folder / "c.toml"
    config.write_text(TINY)
    assert main(["emulate", str(config), "--runs", "120", "--workers", "1", "--no-progress",
                 "--out", str(folder / "out")]) == 0
    return config, folder / "out"


def test_civres_match_end_to_end(tmp_path, capsys, tiny_emulator):
    config, emulator = tiny_emulator
    argv = ["match", str(config), "--emulator", str(emulator), "--points", "30",
            "--campaigns", "24"]
    assert main([*argv, "--out", str(tmp_path / "a")]) == 0
    printed = capsys.readouterr().out
    assert "history matching, wave 1:" in printed and "nonviolent_success" in printed
    def no_nan(constant):
        raise AssertionError(f"{constant} in matching.json: not JSON")

    written = json.loads((tmp_path / "a" / "matching.json").read_text(),
                         parse_constant=no_nan)
    assert written["points"] == 30 and written["cutoff"] == CUTOFF
    assert written["figures"]["success_below_0.01pct"]["emulated_range"] is None
    assert set(written["figures"]) == set(FIGURES)
    points = pd.read_parquet(tmp_path / "a" / "points.parquet")
    assert len(points) == 30 and points["kept"].sum() == written["kept"]
    assert (tmp_path / "a" / "matching.png").stat().st_size > 0
    # the points kept are a posterior that compare and facts can draw from
    from civres.experiments.history.posterior import load_posterior

    table = pd.read_csv(tmp_path / "a" / "kept.csv")
    assert list(table.columns) == ["fatigue", "backfire", "weight"]
    assert len(table) == written["kept"] == int(points["kept"].sum())
    if written["kept"]:
        kept = load_posterior(tmp_path / "a" / "kept.csv")
        assert kept.names == ["fatigue", "backfire"] and len(kept.particles) == written["kept"]
    assert main([*argv, "--out", str(tmp_path / "b")]) == 0
    assert json.loads((tmp_path / "b" / "matching.json").read_text()) == written


def test_match_refuses_an_emulator_it_cannot_use(tmp_path, capsys, tiny_emulator):
    config, emulator = tiny_emulator
    assert main(["match", str(config), "--emulator", str(tmp_path / "none"),
                 "--out", str(tmp_path / "o")]) == 2
    assert "run civres emulate CONFIG first" in capsys.readouterr().err
    other = tmp_path / "other.toml"
    other.write_text(TINY.replace("fatigue = [0.0, 0.06]", "fatigue = [0.0, 0.03]"))
    assert main(["match", str(other), "--emulator", str(emulator),
                 "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert "not this config's prior [0.0, 0.03]" in err and "\n" not in err
    old = tmp_path / "old"
    old.mkdir()
    pd.read_parquet(emulator / "design.parquet").drop(columns="war_years").to_parquet(
        old / "design.parquet")
    assert main(["match", str(config), "--emulator", str(old), "--out",
                 str(tmp_path / "o")]) == 2
    assert "lack war_years" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def a_region(folder, rows, share=0.5, wave=1):
    folder.mkdir()
    pd.DataFrame(rows).assign(weight=1.0).to_csv(folder / "kept.csv", index=False)
    (folder / "matching.json").write_text(json.dumps({
        "wave": wave, "share_of_box_left": share, "out_of_reach": ["success_below_0.01pct"]}))
    return folder


def test_a_later_wave_judges_the_region_the_last_one_left(tmp_path, capsys, tiny_emulator):
    config, _ = tiny_emulator
    region = a_region(tmp_path / "wave1", {"fatigue": [0.01, 0.02, 0.04],
                                           "backfire": [0.5, 1.0, 2.0]}, share=0.25)
    # the next wave's emulator is trained inside the region
    assert main(["emulate", str(config), "--runs", "80", "--workers", "1", "--no-progress",
                 "--region", str(region), "--out", str(tmp_path / "emulator2")]) == 0
    design2 = pd.read_parquet(tmp_path / "emulator2" / "design.parquet")
    assert set(design2["coef_fatigue"]) <= {0.01, 0.02, 0.04}
    assert len(set(design2["coef_fatigue"])) == 3
    capsys.readouterr()
    assert main(["match", str(config), "--emulator", str(tmp_path / "emulator2"),
                 "--region", str(region), "--campaigns", "24",
                 "--out", str(tmp_path / "wave2")]) == 0
    assert "history matching, wave 2" in capsys.readouterr().out
    written = json.loads((tmp_path / "wave2" / "matching.json").read_text())
    assert written["wave"] == 2 and written["points"] == 3
    assert written["out_of_reach"] == ["success_below_0.01pct"]  # wave 1's, carried on
    assert written["share_of_box_left"] == pytest.approx(0.25 * written["kept"] / 3)
    points = pd.read_parquet(tmp_path / "wave2" / "points.parquet")
    assert points["fatigue"].tolist() == [0.01, 0.02, 0.04]


@pytest.mark.parametrize(("setup", "message"), [
    ("missing", "not a civres match result"),
    ("other", "not this config's fatigue, backfire"),
    ("empty", "the wave left no point"),
])
def test_a_region_that_cannot_be_used_is_one_line(tmp_path, capsys, tiny_emulator, setup,
                                                   message):
    config, emulator = tiny_emulator
    region = tmp_path / "region"
    if setup == "other":
        a_region(region, {"fatigue": [0.01], "erosion": [0.01]})
    elif setup == "empty":
        a_region(region, {"fatigue": [], "backfire": []})
    for argv in (["emulate", str(config), "--runs", "80"],
                 ["match", str(config), "--emulator", str(emulator)]):
        assert main([*argv, "--region", str(region), "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: --region") and message in err and "\n" not in err
    assert not (tmp_path / "o").exists()


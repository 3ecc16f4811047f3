"""The calibration pipeline (`civres calibrate`): config checks, distance, ABC-SMC, resume.

The pipeline tests use a stand-in simulator whose statistic is a known function of one
coefficient, so that what they check (recovery, resume, tolerance) does not depend on
the model's noise; the slow tests run the real model on a tiny budget.
"""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from civres.cli import main
from civres.errors import ConfigError, OutputError
from civres.experiments.calibration.calibrate import (
    Distance,
    Simulation,
    posterior,
    run_calibration,
)
from civres.experiments.calibration.config import calibratable, load_config, parse_config
from civres.experiments.calibration.report import effective_sample_size, weighted_quantile
from civres.experiments.calibration.statistics import (
    LATE_YEARS,
    STATISTICS,
    distance,
    sampled_campaigns,
    simulate,
)

ROOT = Path(__file__).resolve().parent.parent
TRUE_FATIGUE = 0.2


def stand_in(coefficients, campaigns, seed, run, design_seed=None):
    """A statistic equal to 10 x fatigue plus small noise; one statistic never measured."""
    noise = np.random.default_rng(seed).normal(0.0, 0.05)
    return {"median_peak_pct": 10 * coefficients["fatigue"] + noise, "violent_success": None}


def stand_in_config(generations=3, population=40, seed=3):
    return parse_config({
        "abc": {"population_size": population, "generations": generations, "seed": seed},
        "priors": {"fatigue": [0.0, 0.5]},
        "targets": {"median_peak_pct": {"value": 10 * TRUE_FATIGUE, "weight": 1.0}},
    })


# ----------------------------------------------------------------------------- config


def test_the_committed_config_loads():
    config = load_config(ROOT / "experiments" / "calibration.toml")
    assert config.population_size == 40 and config.generations == 3
    assert set(config.targets) <= set(STATISTICS)
    assert config.targets["nonviolent_success"] == (0.53, 2.0)


BAD_CONFIGS = [
    ({"abcd": {}}, "unknown table [abcd]"),
    ({"abc": {"pop": 3}}, "[abc] unknown key 'pop'"),
    ({"abc": {"generations": 0}}, "generations = 0: must be an integer in [1, 100]"),
    ({"abc": {"campaigns": 2.5}}, "campaigns = 2.5: must be an integer"),
    ({"priors": {}}, "[priors] is empty"),
    ({"priors": {"legitimacy": [0.5, 0.9]}}, "legitimacy: not a coefficient a calibration"),
    ({"priors": {"no_such": [0, 1]}}, "no_such: not a coefficient"),
    ({"priors": {"fatigue": [0.0, 0.9]}}, "within the parameter's range [0.0, 0.5]"),
    ({"priors": {"fatigue": [0.3, 0.1]}}, "need low < high"),
    ({"priors": {"fatigue": [0.1]}}, "must be [low, high], two numbers"),
    ({"priors": {"fatigue": ["a", 0.1]}}, "must be [low, high], two numbers"),
    ({"targets": {"no_stat": 1.0}}, "unknown statistic 'no_stat'"),
    ({"targets": {"median_peak_pct": 1.0}}, "has no published figure"),
    ({"targets": {"violent_success": 0}}, "weight must be > 0"),
    ({"targets": {"violent_success": {"value": 0.2, "w": 1}}}, "unknown key 'w'"),
    ({"run": {"legitimacy": 0.5}}, "[run] legitimacy: set by each campaign"),
    ({"run": {"width": 3}}, "[run] parameter 'width' must be in [5, 1000]"),
]


@pytest.mark.parametrize(("change", "message"), BAD_CONFIGS)
def test_bad_configs_name_the_key(change, message):
    data = {"priors": {"fatigue": [0.0, 0.1]}, "targets": {"violent_success": 1.0}, **change}
    with pytest.raises(ConfigError) as err:
        parse_config(data, "c.toml")
    assert message in str(err.value)
    assert str(err.value).startswith("c.toml: ") and "\n" not in str(err.value)


def test_coefficients_set_by_the_case_mapping_cannot_be_calibrated():
    allowed = calibratable()
    assert "fatigue" in allowed and "represented_share" in allowed
    for mapped in ("legitimacy", "repression", "security_loyalty", "learning", "breadth"):
        assert mapped not in allowed


def test_cli_bad_config_is_one_line_and_exit_2(tmp_path, capsys):
    config = tmp_path / "c.toml"
    config.write_text('[priors]\nfatigue = [0.0, 0.9]\n[targets]\nviolent_success = 1\n')
    assert main(["calibrate", str(config), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "fatigue" in err and "\n" not in err
    assert not (tmp_path / "out").exists()


def test_identity_ignores_generations_only():
    a, b = stand_in_config(generations=2), stand_in_config(generations=5)
    assert a.identity() == b.identity()
    assert stand_in_config(seed=4).identity() != a.identity()


# ----------------------------------------------------------------------------- statistics


def test_distance_is_a_weighted_rms_of_scaled_gaps():
    targets = {"nonviolent_success": (0.5, 3.0), "years_violent": (9.0, 1.0)}
    # gaps: 0.1 (scale 1) and 2 years (scale 10 -> 0.2)
    got = distance({"nonviolent_success": 0.6, "years_violent": 7.0}, targets)
    assert got == pytest.approx(math.sqrt((3 * 0.01 + 1 * 0.04) / 4))


def test_an_unmeasured_statistic_counts_a_whole_scale():
    targets = {"nonviolent_success": (0.5, 1.0), "violent_success": (0.26, 1.0)}
    got = distance({"nonviolent_success": 0.5, "violent_success": None}, targets)
    assert got == pytest.approx(math.sqrt(0.5))
    assert Distance(targets)({"nonviolent_success": 0.5, "violent_success": np.nan}) == got


def test_simulation_turns_unmeasured_statistics_into_nan():
    got = Simulation(4, {}, stand_in)({"fatigue": 0.1})
    assert got["median_peak_pct"] == pytest.approx(1.0, abs=0.3)
    assert math.isnan(got["violent_success"])


def test_particles_share_the_campaigns_but_not_the_runs(monkeypatch):
    seen = []

    def record(coefficients, campaigns, seed, run, design_seed=None):
        seen.append((seed, design_seed))
        return {}

    simulation = Simulation(4, {}, record, design_seed=17)
    simulation({"fatigue": 0.1})
    simulation({"fatigue": 0.2})
    simulation({"fatigue": 0.1})
    (seed_a, design_a), (seed_b, design_b), (seed_c, _) = seen
    assert design_a == design_b == 17 and seed_a != seed_b
    assert seed_c == seed_a  # the same particle, the same runs, whatever came between
    assert Simulation(4, {}, record, design_seed=18)({"fatigue": 0.1}) == {}
    assert seen[-1][0] != seed_a  # another design seed, other runs


def test_calibration_campaigns_are_maximalist_with_a_late_quarter():
    cases = sampled_campaigns(40, seed=5)
    late = [c for c in cases if c.start_year >= LATE_YEARS[0]]
    assert len(late) == 10
    assert all(c.goal == "maximalist" for c in cases)
    assert all(c.start_year <= 2006 for c in cases if c not in late)
    assert [c.conditions for c in sampled_campaigns(40, 5)] == [c.conditions for c in cases]


def test_weighted_quantile():
    values, weights = np.array([3.0, 1.0, 2.0]), np.array([1.0, 1.0, 2.0])
    assert weighted_quantile(values, weights, 0.5) == 2.0
    assert weighted_quantile(values, weights, 0.2) == 1.0
    assert weighted_quantile(values, weights, 0.9) == 3.0


def test_effective_sample_size():
    assert effective_sample_size(np.ones(10)) == pytest.approx(10.0)
    assert effective_sample_size(np.array([1.0, 0.0, 0.0])) == pytest.approx(1.0)
    assert effective_sample_size(np.array([3.0, 1.0])) == pytest.approx(16 / 10)


# ----------------------------------------------------------------------------- ABC-SMC


def test_a_known_coefficient_is_recovered(tmp_path):
    result = run_calibration(stand_in_config(generations=6), tmp_path, workers=1,
                             simulator=stand_in)
    post = posterior(result.history)
    mean = float(np.average(post["fatigue"], weights=post["weight"]))
    assert mean == pytest.approx(TRUE_FATIGUE, abs=0.02)
    lo = weighted_quantile(post["fatigue"].to_numpy(), post["weight"].to_numpy(), 0.05)
    hi = weighted_quantile(post["fatigue"].to_numpy(), post["weight"].to_numpy(), 0.95)
    assert lo <= TRUE_FATIGUE <= hi
    assert hi - lo < 0.5 / 5  # a fifth of the prior's width, or narrower


def test_serial_calibration_is_reproducible(tmp_path):
    one = posterior(run_calibration(stand_in_config(2), tmp_path / "a", 1,
                                    simulator=stand_in).history)
    two = posterior(run_calibration(stand_in_config(2), tmp_path / "b", 1,
                                    simulator=stand_in).history)
    assert one["fatigue"].tolist() == two["fatigue"].tolist()


def test_resume_continues_from_the_last_generation(tmp_path):
    first = run_calibration(stand_in_config(2), tmp_path, workers=1, simulator=stand_in)
    eps_before = first.history.get_all_populations()["epsilon"].iloc[-1]
    more = run_calibration(stand_in_config(3), tmp_path, workers=1, simulator=stand_in)
    assert more.generations_before == 2 and more.history.max_t == 2
    eps = more.history.get_all_populations()["epsilon"].iloc[-1]
    assert eps < eps_before  # the tolerance shrinks on: not the first generation's again
    again = run_calibration(stand_in_config(3), tmp_path, workers=1, simulator=stand_in)
    assert again.generations_before == 3 and again.history.max_t == 2  # nothing left to do


def test_another_configs_history_is_refused(tmp_path):
    run_calibration(stand_in_config(1), tmp_path, workers=1, simulator=stand_in)
    with pytest.raises(OutputError, match="another config"):
        run_calibration(stand_in_config(1, seed=9), tmp_path, workers=1, simulator=stand_in)


def test_a_history_run_by_other_model_code_is_refused(tmp_path, monkeypatch):
    # a calibration folder resumed after the model or the mapping changed would mix two
    # models in one posterior (a rerun of the README's command once silently kept the
    # old history): it is refused with one line saying what to do
    from civres.experiments.calibration import calibrate

    run_calibration(stand_in_config(1), tmp_path, workers=1, simulator=stand_in)
    identity = (tmp_path / "config.sha").read_text().split()
    assert identity == [stand_in_config(1).identity(), calibrate.code_digest()]
    monkeypatch.setattr(calibrate, "code_digest", lambda: "0" * 16)
    with pytest.raises(OutputError, match="run by other model code") as refused:
        run_calibration(stand_in_config(2), tmp_path, workers=1, simulator=stand_in)
    assert "move that folder away" in str(refused.value) and "\n" not in str(refused.value)
    # a folder of an earlier civres, which recorded the config alone, is refused too
    (tmp_path / "config.sha").write_text(identity[0] + "\n")
    monkeypatch.undo()
    with pytest.raises(OutputError, match="run by other model code"):
        run_calibration(stand_in_config(2), tmp_path, workers=1, simulator=stand_in)


# ----------------------------------------------------------------------------- the model

TINY = {"width": 16, "height": 16, "max_steps": 80}


@pytest.mark.slow
def test_the_model_recovers_a_known_represented_share(tmp_path):
    """Simulate at a chosen represented_share, calibrate on that, the posterior covers it.

    And the data inform it: the posterior's 90% interval is under three quarters of the
    prior's own (0.9 x 0.14). Measured 0.017-0.099 (width 0.082) with this config; over
    11 other seeds, campaign sets and chosen values widths of 0.066-0.101 (12 campaigns
    on a 16x16 grid make the median peak a noisy statistic: 0.11-1.41% across seeds at
    the same value). The bound of half the prior's range (0.07) held for one seed of
    the engine before counter-based draws, not in general.
    """
    chosen = 0.05
    observed = simulate({"represented_share": chosen}, 12, seed=11, run_settings=TINY)
    config = parse_config({
        "abc": {"population_size": 12, "generations": 3, "campaigns": 12, "seed": 2},
        "run": TINY,
        "priors": {"represented_share": [0.01, 0.15]},
        "targets": {"median_peak_pct": {"value": observed["median_peak_pct"], "weight": 1}},
    })
    post = posterior(run_calibration(config, tmp_path, workers=1).history)
    values, weights = post["represented_share"].to_numpy(), post["weight"].to_numpy()
    lo, hi = (weighted_quantile(values, weights, q) for q in (0.05, 0.95))
    assert lo <= chosen <= hi
    assert hi - lo < 0.75 * 0.9 * 0.14  # under three quarters of the prior's 90% interval


@pytest.mark.slow
def test_calibrate_resumes_after_kill_9(tmp_path):
    config = tmp_path / "tiny.toml"
    config.write_text(
        "[abc]\npopulation_size = 4\ngenerations = 3\ncampaigns = 6\npredictive_draws = 2\n"
        "[run]\nwidth = 16\nheight = 16\nmax_steps = 60\n"
        "[priors]\nfatigue = [0.0, 0.1]\n[targets]\nnonviolent_success = 1.0\n")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "civres", "calibrate", str(config), "--out",
               str(out), "--workers", "1"]
    env = dict(os.environ)
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and _generations(out / "history.db") < 1:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = _generations(out / "history.db")
    assert 1 <= done < 3, "kill -9 came too late to test a resume"
    resumed = subprocess.run([*command, "--json"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f'"generations_resumed_from": {done}' in resumed.stdout
    assert _generations(out / "history.db") == 3
    assert (out / "posterior.csv").exists() and (out / "predictive.png").exists()
    # and it is the posterior an uninterrupted calibration with the same seed gives
    whole = tmp_path / "whole"
    subprocess.run([*command[:-3], str(whole), "--workers", "1"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=300)
    for name in ("posterior.csv", "predictive.csv"):
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name


def _generations(db: Path) -> int:
    """Finished generations in a pyabc history (0 while it does not exist yet)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return con.execute("SELECT COUNT(*) FROM populations WHERE t >= 0").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_parallel_samplers_recover_the_coefficient_too(tmp_path):
    """pyabc's multicore sampler (workers > 1): same law, not the same draws."""
    result = run_calibration(stand_in_config(generations=4), tmp_path, workers=2,
                             simulator=stand_in)
    post = posterior(result.history)
    assert float(np.average(post["fatigue"], weights=post["weight"])) == pytest.approx(
        TRUE_FATIGUE, abs=0.03)


@pytest.mark.slow
def test_calibration_runs_on_a_dask_cluster(tmp_path):
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        result = run_calibration(stand_in_config(generations=4), tmp_path, workers=1,
                                 scheduler=cluster.scheduler_address, simulator=stand_in)
    post = posterior(result.history)
    assert result.history.max_t == 3
    assert float(np.average(post["fatigue"], weights=post["weight"])) == pytest.approx(
        TRUE_FATIGUE, abs=0.03)


def test_a_history_without_a_finished_generation_starts_afresh(tmp_path):
    import pyabc

    config = stand_in_config(1)
    run_calibration(config, tmp_path, workers=1, simulator=stand_in)
    # a history killed during generation 0: only pyabc's start row (t = -1) is stored
    with sqlite3.connect(tmp_path / "history.db") as con:
        con.execute("DELETE FROM populations WHERE t >= 0")
    assert pyabc.History(f"sqlite:///{tmp_path / 'history.db'}").max_t == -1
    again = run_calibration(stand_in_config(2), tmp_path, workers=1, simulator=stand_in)
    assert again.generations_before == 0 and again.history.max_t == 1
    assert len(again.history.all_runs()) == 1


@pytest.mark.parametrize("setup", ["file", "foreign", "empty_name"])
def test_cli_refuses_an_unusable_out_folder(tmp_path, capsys, setup):
    config = tmp_path / "c.toml"
    config.write_text('[priors]\nfatigue = [0.0, 0.1]\n[targets]\nviolent_success = 1\n')
    out = tmp_path / "out"
    if setup == "file":
        out.write_text("x")
    elif setup == "foreign":
        out.mkdir()
        (out / "runs.parquet").write_text("a sweep's")
    given = "" if setup == "empty_name" else str(out)
    assert main(["calibrate", str(config), "--out", given]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --out") and "\n" not in err
    if setup == "foreign":
        assert "runs.parquet" in err and sorted(p.name for p in out.iterdir()) == [
            "runs.parquet"]

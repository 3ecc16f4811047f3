"""`civres calibrate` under hostile input and accidents (issue 19): as reliable as sweeps.

Two calibrations on one folder, an address that is not a Dask scheduler, a history file
that is garbled, truncated or someone else's, a full disk, a config at every maximum,
a calibration killed and resumed, a config without a predictive check. Each was found
failing on main (a traceback, a hang, a lost file, a different posterior) and has its
test here. The command-level tests swap the model for a stand-in simulator whose one
statistic is a known function of one coefficient (as tests/test_calibration.py does),
so they run in seconds.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from sweep_helpers import SilentServer

import civres.calibration_command as calibration_command
import civres.experiments.calibration.report as report
import civres.experiments.calibration.statistics as statistics
import civres.experiments.sweeps.executors as executors
from civres.cli import main
from civres.errors import OutputError, WriteFailed
from civres.experiments.calibration.calibrate import (
    code_digest,
    estimated_simulations,
    posterior,
    run_calibration,
)
from civres.experiments.calibration.config import load_config, parse_config
from civres.experiments.sweeps.folders import locked

CONFIG = """
[abc]
population_size = 10
generations = 2
campaigns = 4
seed = 3
predictive_draws = {draws}
[priors]
fatigue = [0.0, 0.5]
[targets]
median_peak_pct = {{value = 2.0, weight = 1.0}}
"""


def stand_in(coefficients, campaigns, seed, run, workers=1, design_seed=None):
    """The median peak is 10 x fatigue plus a little noise (no model is run)."""
    noise = np.random.default_rng(seed).normal(0.0, 0.05)
    return {"median_peak_pct": 10 * coefficients["fatigue"] + noise}


@pytest.fixture
def stand_in_model(monkeypatch):
    """Every simulation of the calibration and of its predictive check is the stand-in."""
    monkeypatch.setattr(statistics, "simulate", stand_in)
    monkeypatch.setattr(report, "simulate", stand_in)


def calibrate(*args: str) -> int:
    """`civres calibrate` in this process (one worker: the stand-in is not forked)."""
    return main(["calibrate", *args, "--workers", "1"])


def write_config(tmp_path: Path, draws: int = 2) -> Path:
    path = tmp_path / "c.toml"
    path.write_text(CONFIG.format(draws=draws))
    return path


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("error: ")]
    assert len(errors) == 1, err
    return errors[0]


def config_object(draws: int = 2):
    import tomllib

    return parse_config(tomllib.loads(CONFIG.format(draws=draws)))


# ----------------------------------------------------------------------------- the command


def test_a_stand_in_calibration_writes_its_results_with_progress(tmp_path, capsys,
                                                                  stand_in_model):
    out = tmp_path / "out"
    assert calibrate(str(write_config(tmp_path)), "--out", str(out)) == 0
    err = capsys.readouterr().err
    assert "calibrate: about" in err and "simulations of 4 campaigns" in err
    assert "generation 1 of 2 done" in err and "generation 2 of 2 done" in err
    assert "min left" in err
    assert {"posterior.csv", "predictive.csv", "calibration.json", "manifest.json"} <= {
        p.name for p in out.iterdir()}
    assert not (out / ".lock").exists()  # the lock goes with the command
    assert calibrate(str(write_config(tmp_path)), "--out", str(out), "--no-progress") == 0
    assert "generation" not in capsys.readouterr().err


def test_predictive_draws_0_skips_the_check(tmp_path, capsys, stand_in_model):
    # inside its allowed range, 0 once ran the whole calibration and then raised KeyError
    out = tmp_path / "out"
    assert calibrate(str(write_config(tmp_path, draws=0)), "--out", str(out),
                     "--no-progress") == 0
    printed = capsys.readouterr().out
    assert "posterior predictive check: not run (predictive_draws = 0)" in printed
    assert (out / "posterior.csv").exists() and not (out / "predictive.csv").exists()
    assert not (out / "predictive.png").exists()


def test_a_second_calibration_on_the_same_folder_is_refused(tmp_path, capsys,
                                                            stand_in_model):
    # two calibrations on one --out once both crashed with SQLite tracebacks
    out = tmp_path / "out"
    out.mkdir()
    with locked(out, what="calibration"):
        assert calibrate(str(write_config(tmp_path)), "--out", str(out)) == 2
    assert "is in use by another calibration" in one_line_error(capsys)
    assert not (out / "history.db").exists()


def test_a_lock_file_left_by_a_killed_calibration_does_not_block(tmp_path, stand_in_model):
    out = tmp_path / "out"
    out.mkdir()
    (out / ".lock").write_text("12345\n")  # kill -9 leaves the file, not the lock
    assert calibrate(str(write_config(tmp_path)), "--out", str(out), "--no-progress") == 0


@pytest.mark.parametrize("reply", [None, b"HTTP/1.0 400 Bad Request\r\n\r\n" * 50],
                         ids=["silent", "not-dask"])
def test_a_scheduler_that_is_not_dask_is_one_line(tmp_path, capsys, monkeypatch,
                                                  stand_in_model, reply):
    # --scheduler pointing at something that is not a Dask scheduler once hung calibrate
    server = SilentServer(reply)
    monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT", 2.0)
    address = f"tcp://127.0.0.1:{server.port}"
    try:
        assert calibrate(str(write_config(tmp_path)), "--out", str(tmp_path / "out"),
                         "--scheduler", address) == 2
    finally:
        server.close()
    err = one_line_error(capsys)
    assert f"--scheduler {address}" in err
    assert ("within 2 s" in err) if reply is None else ("not as a Dask scheduler" in err
                                                        or "cannot connect" in err)


def test_a_config_at_every_maximum_is_refused_before_it_starts(tmp_path, capsys,
                                                               monkeypatch):
    # there was no budget guard: a config at every maximum started at once
    def must_not_run(*args, **kwargs):
        raise AssertionError("the calibration started")

    monkeypatch.setattr(calibration_command, "run_calibration", must_not_run)
    path = tmp_path / "huge.toml"
    path.write_text("[abc]\npopulation_size = 10000\ngenerations = 100\ncampaigns = 10000\n"
                    "predictive_draws = 1000\n[priors]\nfatigue = [0.0, 0.5]\n"
                    "[targets]\nviolent_success = 1.0\n")
    assert calibrate(str(path), "--out", str(tmp_path / "out")) == 2
    err = one_line_error(capsys)
    assert "--allow-large" in err and "simulations of 10000 campaigns" in err
    assert not (tmp_path / "out" / "history.db").exists()


def test_allow_large_lets_a_large_config_run(tmp_path, monkeypatch, stand_in_model):
    monkeypatch.setattr(calibration_command, "check_runs",
                        lambda runs, what, allow: None if allow else 1 / 0)
    assert calibrate(str(write_config(tmp_path)), "--out", str(tmp_path / "o"),
                     "--allow-large", "--no-progress") == 0


def test_the_estimate_counts_what_is_left():
    config = load_config(Path(__file__).resolve().parent.parent / "experiments"
                         / "calibration.toml")
    # 40 prior draws, then 2 generations of about 2.5 simulations a particle, 20 checks
    # (the committed run took 41 + 70 + 109 = 220, plus its 20)
    assert estimated_simulations(config) == 40 + 2 * 100 + 20
    assert estimated_simulations(config, 2) == 100 + 20
    assert estimated_simulations(config, 3) == 20


# ----------------------------------------------------------------------------- the history


def prepared_folder(tmp_path: Path, history: bytes | None) -> tuple[Path, object]:
    """A folder with this config's identity and the given history file."""
    config = config_object()
    out = tmp_path / "out"
    out.mkdir()
    (out / "config.sha").write_text(f"{config.identity()}\n{code_digest()}\n")
    if history is not None:
        (out / "history.db").write_bytes(history)
    return out, config


def a_real_history(tmp_path: Path) -> bytes:
    folder = tmp_path / "real"
    run_calibration(config_object(), folder, simulator=stand_in)
    return (folder / "history.db").read_bytes()


def foreign_sqlite(tmp_path: Path) -> bytes:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE notes (text TEXT)")
        con.execute("INSERT INTO notes VALUES ('mine')")
    return path.read_bytes()


@pytest.mark.parametrize("damage", ["garbled", "truncated", "text", "foreign"])
def test_a_damaged_or_foreign_history_is_one_line_and_kept(tmp_path, capsys,
                                                           stand_in_model, damage):
    # a truncated, garbled or non-SQLite history.db once gave an SQLAlchemy traceback;
    # another program's SQLite file was given pyabc's tables and then deleted
    data = {"garbled": lambda: np.random.default_rng(1).bytes(8192),
            "truncated": lambda: a_real_history(tmp_path)[:6000],
            "text": lambda: b"these are my notes\n" * 300,
            "foreign": lambda: foreign_sqlite(tmp_path)}[damage]()
    out, _ = prepared_folder(tmp_path, data)
    config = out.parent / "c.toml"
    config.write_text(CONFIG.format(draws=2))
    assert calibrate(str(config), "--out", str(out)) == 2
    err = one_line_error(capsys)
    assert str(out / "history.db") in err and ("afresh" in err or "another --out" in err)
    assert (out / "history.db").read_bytes() == data  # nothing lost, nothing changed


def test_an_empty_history_file_starts_afresh(tmp_path):
    out, config = prepared_folder(tmp_path, b"")
    result = run_calibration(config, out, simulator=stand_in)
    assert result.generations_before == 0 and result.history.max_t == 1


def test_a_full_disk_is_one_line_and_keeps_the_finished_generations(tmp_path, monkeypatch):
    import pyabc
    from sqlalchemy.exc import OperationalError

    real = pyabc.History.append_population

    def full_after_the_first(self, t, *args, **kwargs):
        if t >= 1:
            raise OperationalError("INSERT INTO populations", {},
                                   sqlite3.OperationalError("database or disk is full"))
        return real(self, t, *args, **kwargs)

    monkeypatch.setattr(pyabc.History, "append_population", full_after_the_first)
    with pytest.raises(WriteFailed) as failed:
        run_calibration(config_object(), tmp_path, simulator=stand_in)
    message = str(failed.value)
    assert "database or disk is full" in message and "rerun to resume" in message
    assert "\n" not in message
    monkeypatch.undo()
    resumed = run_calibration(config_object(), tmp_path, simulator=stand_in)
    assert resumed.generations_before == 1 and resumed.history.max_t == 1


# ----------------------------------------------------------------------------- resume


class Interrupted(Exception):
    """Stands for kill -9 in the middle of a generation."""


def test_a_calibration_interrupted_mid_generation_resumes_to_the_same_posterior(tmp_path):
    # killed and resumed, a calibration once drew other particles than one never
    # interrupted (numpy's generator was seeded per invocation, not per generation)
    config = parse_config({
        "abc": {"population_size": 12, "generations": 4, "seed": 5},
        "priors": {"fatigue": [0.0, 0.5], "erosion": [0.002, 0.03]},
        "targets": {"median_peak_pct": {"value": 2.0, "weight": 1.0}}})
    whole = posterior(run_calibration(config, tmp_path / "whole", simulator=stand_in).history)
    calls = {"n": 0}

    def dies_in_generation_3(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 12 + 20:  # past the first generation, into a later one
            raise Interrupted
        return stand_in(*args, **kwargs)

    with pytest.raises(Interrupted):
        run_calibration(config, tmp_path / "cut", simulator=dies_in_generation_3)
    resumed = run_calibration(config, tmp_path / "cut", simulator=stand_in)
    assert 1 <= resumed.generations_before < 4
    again = posterior(resumed.history)
    assert again.to_dict("list") == whole.to_dict("list")


def test_a_refused_folder_is_not_touched(tmp_path):
    out, config = prepared_folder(tmp_path, None)
    (out / "config.sha").write_text("another\n")
    (out / "history.db").write_bytes(b"x")
    with pytest.raises(OutputError, match="another config"):
        run_calibration(config, out, simulator=stand_in)
    assert (out / "history.db").read_bytes() == b"x"


def test_a_calibration_leaves_numpys_global_generator_as_it_found_it(tmp_path):
    # pyabc needs numpy's global generator seeded; the caller's state is put back after
    np.random.seed(123)
    expected = np.random.random(3)
    np.random.seed(123)
    run_calibration(config_object(), tmp_path, simulator=stand_in)
    assert np.random.random(3).tolist() == expected.tolist()


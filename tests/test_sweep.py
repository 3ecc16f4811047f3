"""Tests for the sweep runner (experiments/sweep.py): config validation, seeds, identical
tables across executors, failing runs, chunked writes and resume after a real kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.cli import main
from experiments.sweep import (
    TIMING_COLUMNS,
    ChunkWriter,
    SweepAborted,
    SweepConfigError,
    SweepError,
    build_tasks,
    design_points,
    load_config,
    load_runs,
    load_trajectories,
    parse_config,
    run_model,
    run_sweep,
)
from model import Params

ROOT = Path(__file__).resolve().parent.parent
SMOKE = ROOT / "experiments" / "smoke.toml"

# 8 short runs: small enough to start three executors in one test.
TINY = """
[sweep]
name = "tiny"
master_seed = 11
replications = 4
design = "grid"

[fixed]
width = 15
height = 15
citizen_vision = 4
security_vision = 4
max_steps = 40

[vary]
legitimacy = [0.4, 0.85]
"""


def write(tmp_path: Path, text: str, name: str = "sweep.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """A run table without its timing columns, sorted by run_id."""
    return frame.drop(columns=list(TIMING_COLUMNS)).sort_values("run_id").reset_index(drop=True)


# ------------------------------------------------------------------------- config


def test_smoke_config_is_a_40_run_grid():
    config = load_config(SMOKE)
    tasks = build_tasks(config)
    assert config.design == "grid" and len(design_points(config)) == 4
    assert len(tasks) == 40
    assert [t.run_id for t in tasks] == list(range(40))
    assert {t.params["width"] for t in tasks} == {20}


def test_seeds_come_from_seed_sequence_in_run_order():
    config = load_config(SMOKE)
    children = np.random.SeedSequence(config.master_seed).spawn(40)
    expected = [int(c.generate_state(1)[0]) for c in children]
    assert [t.seed for t in build_tasks(config)] == expected
    assert len(set(expected)) == 40


def test_grid_point_order_and_replications():
    config = parse_config({
        "sweep": {"name": "g", "master_seed": 1, "replications": 2, "design": "grid"},
        "vary": {"legitimacy": [0.2, 0.4], "movement": [True, False]},
    })
    points = design_points(config)
    assert points == [{"legitimacy": 0.2, "movement": True},
                      {"legitimacy": 0.2, "movement": False},
                      {"legitimacy": 0.4, "movement": True},
                      {"legitimacy": 0.4, "movement": False}]
    tasks = build_tasks(config)
    assert [(t.point_id, t.rep) for t in tasks[:3]] == [(0, 0), (0, 1), (1, 0)]


@pytest.mark.parametrize("design, samples, n_points", [
    ("lhs", 7, 7), ("sobol", 4, 4 * (2 + 2)), ("morris", 3, 3 * (2 + 1))])
def test_sampled_designs_round_ints_and_stay_in_range(design, samples, n_points):
    config = parse_config({
        "sweep": {"name": "s", "master_seed": 5, "replications": 1, "design": design,
                  "samples": samples},
        "vary": {"legitimacy": {"min": 0.2, "max": 0.9},
                 "max_jail_term": {"min": 5, "max": 40}},
    })
    points = design_points(config)
    assert len(points) == n_points
    for point in points:
        assert isinstance(point["max_jail_term"], int) and 5 <= point["max_jail_term"] <= 40
        assert isinstance(point["legitimacy"], float) and 0.2 <= point["legitimacy"] <= 0.9
        Params(**point)
    assert design_points(config) == points  # deterministic in the config


BASE = {"name": "b", "master_seed": 1, "replications": 1, "design": "grid"}
BAD_CONFIGS = [
    # (description, TOML text, text the one-line message must contain)
    ("unknown fixed parameter", '[fixed]\nlegitimcy = 0.5', "fixed.legitimcy"),
    ("unknown varied parameter", '[vary]\nloyalty = [0.5]', "vary.loyalty"),
    ("wrong type of parameter", '[fixed]\nwidth = "wide"', "fixed.width"),
    ("float for an int", '[fixed]\nwidth = 20.5', "fixed.width"),
    ("out of range grid value", '[vary]\nlegitimacy = [0.5, 1.5]', "vary.legitimacy[1]"),
    ("empty grid list", '[vary]\nlegitimacy = []', "vary.legitimacy"),
    ("range given to a grid", '[vary.legitimacy]\nmin = 0.1\nmax = 0.5', "vary.legitimacy"),
    ("invalid design point", '[fixed]\nwidth = 9\nheight = 9\nsecurity_vision = 3\n'
     '[vary]\ncitizen_vision = [2, 6]', "design point 1 (citizen_vision=6)"),
    ("both fixed and varied", '[fixed]\nlegitimacy = 0.5\n[vary]\nlegitimacy = [0.1]',
     "vary.legitimacy"),
]
BAD_SWEEP = [
    ("missing master_seed", '[sweep]\nname = "b"\nreplications = 1\ndesign = "grid"',
     "sweep.master_seed"),
    ("wrong type replications",
     '[sweep]\nname = "b"\nmaster_seed = 1\nreplications = "ten"\ndesign = "grid"',
     "sweep.replications"),
    ("zero replications",
     '[sweep]\nname = "b"\nmaster_seed = 1\nreplications = 0\ndesign = "grid"',
     "sweep.replications"),
    ("unknown design",
     '[sweep]\nname = "b"\nmaster_seed = 1\nreplications = 1\ndesign = "random"',
     "sweep.design"),
    ("unknown sweep key",
     '[sweep]\nname = "b"\nmaster_seed = 1\nreplications = 1\ndesign = "grid"\nseed = 3',
     "sweep.seed"),
    ("missing sweep table", '[fixed]\nwidth = 20', "[sweep]"),
    ("unknown table", '[sweep]\nname = "b"\nmaster_seed = 1\nreplications = 1\n'
     'design = "grid"\n[params]\nwidth = 3', "params"),
    ("bad name", '[sweep]\nname = "a/b"\nmaster_seed = 1\nreplications = 1\ndesign = "grid"',
     "sweep.name"),
    ("not TOML", '[sweep\nname = "b"', "not valid TOML"),
]
SAMPLED_HEAD = '[sweep]\nname = "s"\nmaster_seed = 1\nreplications = 1\n'
BAD_SAMPLED = [
    ("inverted range", SAMPLED_HEAD + 'design = "lhs"\nsamples = 4\n'
     '[vary.legitimacy]\nmin = 0.8\nmax = 0.2', "vary.legitimacy"),
    ("empty range", SAMPLED_HEAD + 'design = "lhs"\nsamples = 4\n'
     '[vary.legitimacy]\nmin = 0.5\nmax = 0.5', "vary.legitimacy"),
    ("range out of bounds", SAMPLED_HEAD + 'design = "lhs"\nsamples = 4\n'
     '[vary.legitimacy]\nmin = 0.5\nmax = 1.5', "vary.legitimacy.max"),
    ("range missing max", SAMPLED_HEAD + 'design = "lhs"\nsamples = 4\n'
     '[vary.legitimacy]\nmin = 0.5', "vary.legitimacy"),
    ("list given to a sampled design", SAMPLED_HEAD + 'design = "lhs"\nsamples = 4\n'
     '[vary]\nlegitimacy = [0.1, 0.2]', "vary.legitimacy"),
    ("samples missing", SAMPLED_HEAD + 'design = "morris"\n'
     '[vary.legitimacy]\nmin = 0.1\nmax = 0.5', "sweep.samples"),
    ("sobol samples not a power of 2", SAMPLED_HEAD + 'design = "sobol"\nsamples = 6\n'
     '[vary.legitimacy]\nmin = 0.1\nmax = 0.5', "sweep.samples"),
    ("boolean sampled", SAMPLED_HEAD + 'design = "lhs"\nsamples = 4\n'
     '[vary.movement]\nmin = 0\nmax = 1', "vary.movement"),
    ("nothing varied", SAMPLED_HEAD + 'design = "lhs"\nsamples = 4', "vary"),
    ("samples for a grid", SAMPLED_HEAD + 'design = "grid"\nsamples = 4', "sweep.samples"),
]


def _base_toml() -> str:
    return "[sweep]\n" + "\n".join(
        f"{k} = {json.dumps(v)}" for k, v in BASE.items()) + "\n"


@pytest.mark.parametrize(
    "text, key",
    [pytest.param(_base_toml() + body, key, id=desc) for desc, body, key in BAD_CONFIGS]
    + [pytest.param(body, key, id=desc) for desc, body, key in BAD_SWEEP + BAD_SAMPLED])
def test_bad_config_exits_2_with_one_line_naming_the_key(tmp_path, capsys, text, key):
    out = tmp_path / "out"
    status = main(["sweep", str(write(tmp_path, text)), "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert key in err
    assert not out.exists()  # validated before any run


def test_missing_config_file_exits_2(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "nope.toml"), "--no-progress"]) == 2
    assert "nope.toml" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--workers", "0"], ["--executor", "threads"],
                                  ["--executor", "process", "--scheduler", "tcp://x:1"]])
def test_bad_arguments_exit_2(tmp_path, capsys, args):
    assert main(["sweep", str(SMOKE), "--out", str(tmp_path / "o"), *args]) == 2
    assert capsys.readouterr().err.count("\n") == 1


# ------------------------------------------------------------------------- running


def test_smoke_sweep_from_the_cli(tmp_path, capsys):
    out = tmp_path / "smoke"
    assert main(["sweep", str(SMOKE), "--out", str(out), "--workers", "1",
                 "--no-progress"]) == 0
    runs = load_runs(out)
    assert len(runs) == 40 and runs["run_id"].is_unique
    assert runs["error"].isna().all()
    assert set(runs["outcome"]) <= {"success", "stalled", "suppressed", "violent"}
    # every parameter, the seed, every summary field (pillars flattened), timing, error
    for column in [*Params.field_names(), "run_id", "point_id", "seed", "outcome",
                   "decided_step", "peak_participation", "security_defected_share",
                   "pillar_military", "regime_support", "final_legitimacy", "arrests",
                   "killings", "regime_fell", "wall_s", "error"]:
        assert column in runs.columns, column
    # the legitimacy column is the design's (initial) value, not the final one
    assert set(runs["legitimacy"]) == {0.5, 0.8}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["master_seed"] == 20240601 and manifest["status"] == "complete"
    assert manifest["config"]["vary"]["legitimacy"] == [0.5, 0.8]
    assert "mesa" in manifest["versions"] and "git_commit" in manifest
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "runs.parquet"]
    assert "40 runs" in capsys.readouterr().out


def test_a_run_matches_calling_the_model_directly(tmp_path):
    config = parse_config(_tiny())
    run_sweep(config, tmp_path, workers=1, progress=False)
    row = load_runs(tmp_path).iloc[3]
    task = build_tasks(config)[3]
    summary, _ = run_model(Params(**task.params), task.seed, False)
    assert row["seed"] == task.seed
    assert row["outcome"] == summary["outcome"]
    assert row["peak_participation"] == summary["peak_participation"]
    assert row["final_legitimacy"] == summary["legitimacy"]


def _tiny() -> dict:
    import tomllib

    return tomllib.loads(TINY)


@pytest.mark.slow
def test_identical_tables_serial_process_pool_and_dask(tmp_path):
    config = parse_config(_tiny())
    tables = {}
    for label, kwargs in [("serial", {"workers": 1}), ("pool", {"workers": 2}),
                          ("dask", {"workers": 2, "executor": "dask"})]:
        result = run_sweep(config, tmp_path / label, progress=False, chunk_runs=3, **kwargs)
        assert result.n_runs == 8 and result.n_errors == 0
        tables[label] = comparable(load_runs(tmp_path / label))
    assert len(tables["serial"]) == 8
    pd.testing.assert_frame_equal(tables["serial"], tables["pool"])
    pd.testing.assert_frame_equal(tables["serial"], tables["dask"])


def failing_model(params, seed, record):
    """Raises for one design point; module-level so pool workers can unpickle it."""
    if params.legitimacy == 0.4:
        raise RuntimeError(f"boom at seed {seed}\nsecond line is dropped")
    return run_model(params, seed, record)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_that_raises_is_recorded_not_fatal(tmp_path, workers):
    config = parse_config(_tiny())
    result = run_sweep(config, tmp_path, workers=workers, progress=False,
                       model_fn=failing_model)
    runs = load_runs(tmp_path)
    assert len(runs) == 8 and result.n_errors == 4
    failed = runs[runs["legitimacy"] == 0.4]
    assert failed["error"].str.fullmatch(r"RuntimeError: boom at seed \d+").all()
    assert failed["outcome"].isna().all() and failed["peak_participation"].isna().all()
    ok = runs[runs["legitimacy"] == 0.85]
    assert ok["error"].isna().all() and ok["outcome"].notna().all()
    assert str(runs["steps"].dtype) == "Int64"  # failed runs do not turn int columns float


def test_trajectories_are_recorded_with_run_id(tmp_path):
    data = _tiny()
    data["sweep"]["record_trajectories"] = True
    run_sweep(parse_config(data), tmp_path, workers=1, progress=False, chunk_runs=3)
    runs, traj = load_runs(tmp_path), load_trajectories(tmp_path)
    assert (tmp_path / "trajectories.parquet").exists()
    assert set(traj["run_id"]) == set(runs["run_id"])
    per_run = traj.groupby("run_id").size()
    assert (per_run.values == runs.set_index("run_id").loc[per_run.index, "steps"] + 1).all()


# ------------------------------------------------------------------------- storage, resume


def test_results_are_chunked_and_consolidated(tmp_path):
    config = parse_config(_tiny())
    writer_chunks = []
    original_flush = ChunkWriter.flush

    def spy(self):
        if self.rows:
            writer_chunks.append(len(self.rows))
        original_flush(self)

    ChunkWriter.flush = spy
    try:
        run_sweep(config, tmp_path, workers=1, progress=False, chunk_runs=3)
    finally:
        ChunkWriter.flush = original_flush
    assert writer_chunks == [3, 3, 2]
    assert not (tmp_path / "chunks").exists()
    assert len(load_runs(tmp_path)) == 8


def test_existing_results_need_resume_and_the_same_config(tmp_path, capsys):
    config_path = write(tmp_path, TINY)
    out = tmp_path / "out"
    argv = ["sweep", str(config_path), "--out", str(out), "--workers", "1", "--no-progress"]
    assert main(argv) == 0
    assert main(argv) == 2
    assert "--resume" in capsys.readouterr().err
    assert main([*argv, "--resume"]) == 0  # nothing left to do
    assert "8 already done" in capsys.readouterr().out
    write(tmp_path, TINY.replace("master_seed = 11", "master_seed = 12"))
    assert main([*argv, "--resume"]) == 2
    assert "different config" in capsys.readouterr().err
    with pytest.raises(SweepError):
        run_sweep(parse_config(_tiny()), out, progress=False)


def test_readers_skip_temp_partial_and_duplicate_chunks(tmp_path):
    config = parse_config(_tiny())
    run_sweep(config, tmp_path / "ref", workers=1, progress=False)
    reference = load_runs(tmp_path / "ref")
    out = tmp_path / "out"
    chunks = out / "chunks"
    chunks.mkdir(parents=True)
    rows = reference.iloc[:5].astype(object).where(reference.iloc[:5].notna(), None)
    rows = rows.to_dict("records")
    for rows_part in (rows[:3], rows[2:5]):  # run 2 twice, as if written by two sweeps
        writer = ChunkWriter(out, chunk_runs=100, flush_seconds=100)
        for row in rows_part:
            writer.add(row, None)
        writer.flush()
    good = sorted(chunks.glob("runs-*.parquet"))
    data = good[0].read_bytes()
    (chunks / ".tmp-ab12-runs-00009-abc.parquet").write_bytes(data[: len(data) // 2])
    (chunks / "runs-00010-def.parquet").write_bytes(data[: len(data) // 2])  # truncated
    loaded = load_runs(out)
    assert loaded["run_id"].tolist() == [0, 1, 2, 3, 4]
    pd.testing.assert_frame_equal(comparable(loaded), comparable(reference.iloc[:5]))
    # resume finishes the rest, sets the truncated file aside, removes temp files
    (out / "manifest.json").write_text(json.dumps({"config": config.raw}))
    result = run_sweep(config, out, workers=1, progress=False, resume=True)
    assert result.n_done_before == 5
    assert any("runs-00010-def.parquet" in note for note in result.notes)
    pd.testing.assert_frame_equal(comparable(load_runs(out)), comparable(reference))
    assert not list(out.rglob(".tmp-*"))


def start_sweep_until_first_chunk(config_path, out, stderr):
    """Start `civres sweep` as a subprocess; return once it has written a chunk."""
    command = [sys.executable, "-m", "experiments.cli", "sweep", str(config_path),
               "--out", str(out), "--workers", "2", "--chunk-runs", "4", "--no-progress"]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr,
                            text=True)
    deadline = time.monotonic() + 60
    while not list((out / "chunks").glob("runs-*.parquet")):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            pytest.fail("the sweep ended, or wrote no chunk within 60 s")
        time.sleep(0.02)
    return command, proc


@pytest.mark.slow
def test_resume_after_kill_9_completes_without_duplicates(tmp_path):
    config_path = write(tmp_path, KILL_CONFIG)
    out = tmp_path / "killed"
    command, proc = start_sweep_until_first_chunk(config_path, out, subprocess.DEVNULL)
    try:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "runs.parquet").exists()  # killed mid-way, not after the end
    partial = load_runs(out)
    assert 0 < len(partial) < 48 and partial["run_id"].is_unique

    resumed = subprocess.run([*command, "--resume"], cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({len(partial)} already done)" in resumed.stdout
    runs = load_runs(out)
    assert sorted(runs["run_id"]) == list(range(48))  # every run exactly once
    assert not list(out.rglob(".tmp-*")) and not (out / "chunks").exists()

    run_sweep(load_config(config_path), tmp_path / "whole", workers=2, progress=False)
    pd.testing.assert_frame_equal(comparable(runs), comparable(load_runs(tmp_path / "whole")))
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["history"]) == 2 and manifest["status"] == "complete"


def dying_model(params, seed, record):
    """Kills its worker process on one run, as an out-of-memory kill would."""
    if seed == build_tasks(parse_config(_tiny()))[5].seed:
        os._exit(1)
    return run_model(params, seed, record)


def test_dead_worker_aborts_then_resume_finishes(tmp_path):
    config = parse_config(_tiny())
    with pytest.raises(SweepAborted, match="--resume"):
        run_sweep(config, tmp_path, workers=2, progress=False, model_fn=dying_model,
                  chunk_runs=1)
    saved = load_runs(tmp_path)
    assert 5 not in set(saved["run_id"])  # the run that killed its worker is not recorded
    result = run_sweep(config, tmp_path, workers=2, progress=False, resume=True)
    assert result.n_done_before == len(saved)
    assert sorted(load_runs(tmp_path)["run_id"]) == list(range(8))


@pytest.mark.slow
def test_ctrl_c_saves_finished_runs_and_exits_130(tmp_path):
    config_path = write(tmp_path, KILL_CONFIG)
    out = tmp_path / "interrupted"
    _, proc = start_sweep_until_first_chunk(config_path, out, subprocess.PIPE)
    try:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130 and "interrupted" in err
    saved = load_runs(out)
    assert 4 <= len(saved) < 48 and saved["run_id"].is_unique
    assert main(["sweep", str(config_path), "--out", str(out), "--workers", "2",
                 "--no-progress", "--resume"]) == 0
    assert sorted(load_runs(out)["run_id"]) == list(range(48))


# 48 runs of ~0.1 s: long enough to be killed mid-way on any machine, short enough to rerun.
KILL_CONFIG = """
[sweep]
name = "killme"
master_seed = 3
replications = 12
design = "grid"

[fixed]
width = 20
height = 20
citizen_vision = 5
security_vision = 5
max_steps = 120

[vary]
legitimacy = [0.3, 0.9]
security_loyalty = [0.5, 0.9]
"""


def test_config_errors_are_value_errors():
    with pytest.raises(SweepConfigError, match="sweep.design"):
        parse_config({"sweep": {**BASE, "design": "full"}})
    assert issubclass(SweepConfigError, ValueError)


# ------------------------------------------------------------------------- analysis

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_wilson_interval_known_values():
    from experiments.analyze import wilson_interval

    lo, hi = wilson_interval([0, 5, 10, 0], [10, 10, 10, 0])
    np.testing.assert_allclose(lo, [0.0, 0.236593, 0.722467, 0.0], atol=1e-6)
    np.testing.assert_allclose(hi, [0.277533, 0.763407, 1.0, 1.0], atol=1e-6)


def test_analyze_writes_probabilities_and_figures(tmp_path, capsys):
    config = parse_config(_tiny())
    run_sweep(config, tmp_path, workers=1, progress=False, model_fn=failing_model_once)
    assert main(["analyze", str(tmp_path)]) == 0
    out = tmp_path / "analysis"
    table = pd.read_csv(out / "outcome_probabilities.csv")
    assert table["point_id"].tolist() == [0, 1]
    assert table["n"].tolist() == [3, 4] and table["n_errors"].tolist() == [1, 0]
    probs = table[[f"p_{o}" for o in ("success", "stalled", "suppressed", "violent")]]
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    for outcome in ("success", "stalled", "suppressed", "violent"):
        assert (table[f"lo_{outcome}"] <= table[f"p_{outcome}"]).all()
        assert (table[f"p_{outcome}"] <= table[f"hi_{outcome}"]).all()
    for name in ("outcome_map", "success_vs_participation", "defections"):
        assert (out / f"{name}.png").read_bytes()[:8] == PNG_MAGIC
    assert not (out / "sensitivity.csv").exists()  # a grid has no indices
    assert "wrote" in capsys.readouterr().out


def failing_model_once(params, seed, record):
    """Raises for the first run only."""
    if seed == build_tasks(parse_config(_tiny()))[0].seed:
        raise ValueError("first run fails")
    return run_model(params, seed, record)


@pytest.mark.parametrize("design, samples", [("sobol", 2), ("morris", 2)])
def test_analyze_sensitivity_indices(tmp_path, design, samples):
    from experiments.analyze import analyze

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
    run_sweep(parse_config(_tiny()), tmp_path / "r", workers=1, progress=False)
    assert main(["analyze", str(tmp_path / "r"), "--x", "width"]) == 2
    err = capsys.readouterr().err
    assert "--x width" in err and "allowed: legitimacy" in err

"""Reliability tier (issue 10): faults injected into sweeps and commands, each with what
must be kept. Nothing lost (finished runs survive signals, kills and full disks), nothing
mixed (another experiment's or a damaged file is never read as results), no tracebacks
for user error (one line, exit 2).

Slow tests here use real processes and signals at random moments (seeded, so a failure
reproduces); the fast ones inject faults in-process."""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from case_samples import ONE_CASE
from sweep_helpers import KILL_CONFIG, ROOT, TINY, SilentServer, comparable, tiny, write

import civres.commands as commands
import civres.experiments.sweeps.designs as designs
import civres.experiments.sweeps.executors as executors
import civres.experiments.sweeps.seals as seals
import civres.experiments.sweeps.store as store
import civres.experiments.sweeps.tasks as tasks
from civres.cli import main
from civres.errors import ConfigError, OutputError, ResultsError, SweepError
from civres.experiments.analysis.analyze import analyze
from civres.experiments.sweeps.checks import RANGES
from civres.experiments.sweeps.chunks import rows_table
from civres.experiments.sweeps.designs import parse_config
from civres.experiments.sweeps.folders import locked
from civres.experiments.sweeps.runner import run_sweep
from civres.experiments.sweeps.seals import Damaged, read_sealed, write_parquet_atomic
from civres.experiments.sweeps.store import ResultsWarning, load_runs
from civres.experiments.sweeps.tasks import build_tasks, run_model, run_schema
from civres.model.summary import RUN_COLUMNS

# ---------------------------------------------------------------------------- helpers


def digest(folder: Path) -> dict[str, str]:
    """Every file under a folder with the SHA-256 of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def stop_after(k: int, signum: int | None = None):
    """A model function that stops the sweep at its k-th run (0-based): by raising
    KeyboardInterrupt (Ctrl-C) or, given `signum`, by sending that signal to this process."""
    calls = []

    def model(params, seed, record):
        if len(calls) == k:
            if signum is None:
                raise KeyboardInterrupt
            os.kill(os.getpid(), signum)
            time.sleep(5)  # the handler raises before this ends
        calls.append(seed)
        return run_model(params, seed, record)

    return model


def partial_sweep(out: Path, k: int = 5, config: dict | None = None, **kwargs) -> None:
    """TINY (8 runs), stopped by Ctrl-C at run k: runs 0..k-1 are saved in chunks."""
    with pytest.raises(KeyboardInterrupt):
        run_sweep(parse_config(config or tiny()), out, workers=1, progress=False,
                  model_fn=stop_after(k), chunk_runs=2, **kwargs)


def one_line(err: str) -> bool:
    return err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> pd.DataFrame:
    """TINY run whole, without faults."""
    out = tmp_path_factory.mktemp("reference")
    run_sweep(parse_config(tiny()), out, workers=1, progress=False)
    return comparable(load_runs(out))


@pytest.fixture
def finished(tmp_path) -> Path:
    """A finished TINY sweep."""
    out = tmp_path / "finished"
    run_sweep(parse_config(tiny()), out, workers=1, progress=False)
    return out


# ---------------------------------------------------------------------------- nothing mixed


@pytest.mark.parametrize("complete", [False, True], ids=["chunks", "runs.parquet"])
@pytest.mark.parametrize("manifest", ["kept", "deleted", "emptied", "garbage",
                                      "edited to the new config"])
def test_resume_refuses_another_experiment_whatever_the_manifest(tmp_path, capsys, complete,
                                                                 manifest):
    out = tmp_path / "out"
    if complete:
        run_sweep(parse_config(tiny()), out, workers=1, progress=False)
    else:
        partial_sweep(out)
    changed = write(tmp_path, TINY.replace("legitimacy = [0.4, 0.85]",
                                           "legitimacy = [0.5, 0.9]"))
    path = out / "manifest.json"
    if manifest == "deleted":
        path.unlink()
    elif manifest == "emptied":
        path.write_text("")
    elif manifest == "garbage":
        path.write_bytes(b"\x00{not json")
    elif manifest == "edited to the new config":
        data = json.loads(path.read_text())
        data["config"] = parse_config(tiny() | {"vary": {"legitimacy": [0.5, 0.9]}}).raw
        path.write_text(json.dumps(data))
    before = digest(out)
    assert main(["sweep", str(changed), "--out", str(out), "--workers", "1", "--no-progress",
                 "--resume"]) == 2
    err = capsys.readouterr().err
    assert one_line(err) and "another experiment (another config" in err
    assert digest(out) == before  # nothing was run, written or removed
    # the old runs still read as the old experiment's, and analyze plots the old values
    assert set(load_runs(out)["legitimacy"]) == {0.4, 0.85}
    notes: list[str] = []
    analyze(out, notes=notes)
    table = pd.read_csv(out / "analysis" / "outcome_probabilities.csv")
    assert set(table["legitimacy"]) <= {0.4, 0.85}
    if manifest == "edited to the new config":
        assert any("describes another experiment" in n for n in notes)


def test_resume_with_the_manifest_deleted_finishes_the_same_experiment(tmp_path, reference):
    out = tmp_path / "out"
    partial_sweep(out)
    (out / "manifest.json").unlink()
    result = run_sweep(parse_config(tiny()), out, workers=1, progress=False, resume=True)
    assert result.n_done_before == 5 and any("manifest.json was missing" in n
                                             for n in result.notes)
    pd.testing.assert_frame_equal(comparable(load_runs(out)), reference)


def test_resume_refuses_runs_of_other_model_code(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    partial_sweep(out)
    other = {**tasks.code_fingerprint(), "model_sha256": "0" * 64}
    monkeypatch.setattr(tasks, "code_fingerprint", lambda: other)
    before = digest(out)
    with pytest.raises(ResultsError, match="other model code .*model_sha256"):
        run_sweep(parse_config(tiny()), out, workers=1, progress=False, resume=True)
    assert digest(out) == before


def test_the_code_fingerprint_covers_every_model_source_file(tmp_path, monkeypatch):
    from civres import model

    root = Path(model.__file__).resolve().parent
    nested = sorted(p for p in root.rglob("*.py") if p.parent != root)
    copy = tmp_path / "model"
    shutil.copytree(root, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(model, "__file__", str(copy / "__init__.py"))
    tasks.code_fingerprint.cache_clear()
    try:
        before = tasks.code_fingerprint()["model_sha256"]
        edited = copy / (nested[0] if nested else root / "model.py").relative_to(root)
        edited.write_text(edited.read_text() + "\n# an edit\n")
        tasks.code_fingerprint.cache_clear()
        assert tasks.code_fingerprint()["model_sha256"] != before
    finally:
        monkeypatch.undo()
        tasks.code_fingerprint.cache_clear()


def test_files_of_two_experiments_are_never_read_together(tmp_path, finished, capsys):
    other = tmp_path / "other"
    config = tiny()
    config["sweep"]["master_seed"] = 12
    run_sweep(parse_config(config), other, workers=1, progress=False)
    (finished / "chunks").mkdir()
    shutil.copy(other / "runs.parquet", finished / "chunks" / "runs-00001-abc.parquet")
    with pytest.raises(ResultsError, match="2 different experiments"):
        load_runs(finished)
    assert main(["analyze", str(finished)]) == 2
    assert one_line(err := capsys.readouterr().err) and "runs-00001-abc.parquet" in err
    assert main(["sweep", str(write(tmp_path, TINY)), "--out", str(finished), "--resume",
                 "--workers", "1", "--no-progress"]) == 2
    assert one_line(capsys.readouterr().err)


def test_an_unsealed_file_beside_sealed_ones_is_refused(finished):
    legacy = pq.read_table(finished / "runs.parquet").replace_schema_metadata(None)
    (finished / "chunks").mkdir()
    pq.write_table(legacy, finished / "chunks" / "runs-00001-abc.parquet")
    with pytest.raises(ResultsError, match="unsealed"):
        load_runs(finished)


# ---------------------------------------------------------------------------- damage


@pytest.mark.parametrize("name", ["chunk", "runs.parquet"])
def test_every_flipped_bit_is_caught(tmp_path, name):
    out = tmp_path / "out"
    partial_sweep(out) if name == "chunk" else run_sweep(parse_config(tiny()), out,
                                                          workers=1, progress=False)
    path = (sorted((out / "chunks").glob("runs-*.parquet"))[0] if name == "chunk"
            else out / "runs.parquet")
    read_sealed(path)
    data = path.read_bytes()
    rng = random.Random(2026)
    target = tmp_path / "flipped.parquet"
    for _ in range(200):  # the 200 random single-bit flips: 43 were read back
        position, bit = rng.randrange(len(data)), rng.randrange(8)
        flipped = bytearray(data)
        flipped[position] ^= 1 << bit
        target.write_bytes(bytes(flipped))
        with pytest.raises(Damaged):
            read_sealed(target)
        shutil.copy(target, path)
        with pytest.warns(ResultsWarning, match=path.name):  # named, never read as runs
            runs = load_runs(out)
        assert len(runs) == (0 if name == "runs.parquet" else 3)
    shutil.copy(target, path)


@pytest.mark.parametrize("checks", ["as written", "data digest only"])
def test_changed_bytes_in_runs_parquet_are_refused_not_analysed(finished, capsys, checks):
    # The case: "success" -> "sUccess" in runs.parquet (seven bytes changed).
    # "as written": seven bytes of the file civres wrote (compressed: no word to find).
    # "data digest only": the table rewritten uncompressed, sealed but without page CRCs
    # or file digest, and an outcome's word changed: the seal's data digest alone.
    path = finished / "runs.parquet"
    data = bytearray(path.read_bytes())
    if checks == "as written":
        data[100:107] = bytes(b ^ 0x20 for b in data[100:107])
    else:
        table, identity = read_sealed(path)
        seal = json.loads(seals.seal_table(table, identity, "runs").schema.metadata[
            seals.SEAL_KEY])
        del seal["file_sha256"]
        pq.write_table(table.replace_schema_metadata({seals.SEAL_KEY: json.dumps(seal)}),
                       path, compression="none")
        word = table["outcome"][0].as_py().encode()
        data = bytearray(path.read_bytes())
        assert data.count(word) >= 1 and b'"file_sha256":"' not in data
        data = data.replace(word, word[:1] + word[1:2].upper() + word[2:])
    path.write_bytes(bytes(data))
    assert main(["analyze", str(finished)]) == 2
    err = capsys.readouterr().err
    assert one_line(err) and "runs.parquet" in err and "no finished runs" in err
    assert "checksum mismatch" in err


def _rewrite(finished: Path, change, seal: bool = True) -> None:
    """Rewrite runs.parquet with `change` applied to its table, sealed as before (a bug
    in a writer, not damage on disk) or unsealed (an older civres)."""
    table, identity = read_sealed(finished / "runs.parquet")
    table = change(table)
    path = finished / "runs.parquet"
    if seal:
        write_parquet_atomic(table, path, identity, "runs")
    else:
        pq.write_table(table, path)


def _set(column: str, value, type_=None):
    def change(table: pa.Table) -> pa.Table:
        index = table.schema.get_field_index(column)
        values = table[column].to_pylist()
        values[0] = value
        return table.set_column(index, column, pa.array(values, type_ or table[column].type))
    return change


@pytest.mark.parametrize("seal", [True, False], ids=["sealed", "unsealed"])
@pytest.mark.parametrize("change, needle", [
    (_set("outcome", "sUccess"), "outcome 'sUccess' is not one of success"),
    (_set("peak_participation", 1.5), "peak_participation 1.5 is not in [0.0, 1.0]"),
    (_set("peak_participation", float("nan")), "peak_participation nan"),
    (_set("arrests", -3), "arrests -3"),
    (_set("legitimacy", 2.0), "legitimacy 2.0"),
    (_set("run_id", 99), "run_id 99 is not in [0, 8)"),
    (_set("point_id", 1), "point_id 1 is not run_id // replications"),
    (_set("steps", 3.5, pa.float64()), "column steps is double, declared int64"),
    (lambda t: t.drop_columns(["outcome"]), "lacks declared columns outcome"),
])
def test_a_table_breaking_its_declared_schema_is_refused(finished, capsys, change, needle,
                                                         seal):
    _rewrite(finished, change, seal)
    if not seal and needle.startswith("lacks"):
        needle = "lacks"
    assert main(["analyze", str(finished)]) == 2
    err = capsys.readouterr().err
    assert one_line(err) and "breaks its declared schema" in err and needle in err


def test_every_summary_column_has_a_declared_range_and_type():
    numeric = {c.name for c in RUN_COLUMNS if c.dtype in ("int64", "float64")}
    assert numeric <= set(RANGES)
    schema = run_schema()
    assert [f.name for f in schema][-len(RUN_COLUMNS) - 2:-2] == [c.name for c in RUN_COLUMNS]
    # a chunk whose runs all failed has the declared types too (not "null")
    rows = [{name: None for name in schema.names} | {"run_id": 0, "point_id": 0, "rep": 0,
                                                      "error": "boom"}]
    assert rows_table(rows, schema).schema == schema


def test_resume_sets_aside_a_damaged_chunk_and_runs_its_runs_again(tmp_path, reference):
    out = tmp_path / "out"
    partial_sweep(out)
    chunk = sorted((out / "chunks").glob("runs-*.parquet"))[1]
    data = bytearray(chunk.read_bytes())
    data[len(data) // 3] ^= 0x10
    chunk.write_bytes(bytes(data))
    with pytest.warns(ResultsWarning, match=chunk.name):
        assert len(load_runs(out)) == 3  # the damaged chunk's 2 runs are left out
    result = run_sweep(parse_config(tiny()), out, workers=1, progress=False, resume=True)
    assert result.n_done_before == 3
    assert any(chunk.name in n and "set aside" in n for n in result.notes)
    pd.testing.assert_frame_equal(comparable(load_runs(out)), reference)
    assert (out / "chunks" / f"{chunk.name}.corrupt").exists()  # kept for inspection


def test_an_incomplete_sweep_is_said_and_its_figures_marked(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    partial_sweep(out, k=5)  # point 0 has its 4 runs, point 1 one of 4
    titles = []
    import civres.experiments.analysis.analyze as analysis

    original = analysis._save
    monkeypatch.setattr(analysis, "_save", lambda fig, path: titles.append(
        " ".join(ax.get_title() for ax in fig.axes)) or original(fig, path))
    assert main(["analyze", str(out)]) == 0
    err = capsys.readouterr().err
    assert "incomplete sweep: 5 of 8 runs, 1 of 2 design points" in err
    assert len(titles) == 3 and all("INCOMPLETE: 1 of 2 points (5 of 8 runs)" in t
                                    for t in titles)
    status = json.loads((out / "analysis" / "status.json").read_text())
    assert status["complete"] is False and status["runs_done"] == 5


def test_analysis_of_a_sweep_whose_runs_all_raised(tmp_path, capsys):
    def boom(params, seed, record):
        raise ZeroDivisionError("division by zero")

    out = tmp_path / "out"
    run_sweep(parse_config(tiny()), out, workers=1, progress=False, model_fn=boom)
    assert main(["analyze", str(out)]) == 0
    err = capsys.readouterr().err
    assert "8 of 8 runs raised" in err and "Traceback" not in err
    table = pd.read_csv(out / "analysis" / "outcome_probabilities.csv")
    assert table["n"].tolist() == [0, 0] and table["n_errors"].tolist() == [4, 4]


def test_a_sweep_at_a_density_of_zero_runs_and_analyses(tmp_path, capsys):
    config = tiny()
    config["vary"] = {"citizen_density": [0.0, 0.01]}
    out = tmp_path / "out"
    run_sweep(parse_config(config), out, workers=1, progress=False)
    assert load_runs(out)["error"].isna().all()
    assert main(["analyze", str(out)]) == 0
    assert main(["run", "--param", "citizen_density=0", "--param", "max_steps=10",
                 "--out", str(tmp_path / "run")]) == 0


# ---------------------------------------------------------------------------- signals


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT],
                         ids=lambda s: signal.Signals(s).name)
def test_a_signal_saves_finished_runs_and_exits_128_plus_n(tmp_path, monkeypatch, capsys,
                                                           reference, signum):
    out = tmp_path / "out"
    monkeypatch.setattr(commands, "run_sweep", functools.partial(
        run_sweep, model_fn=stop_after(5, signum)))
    config = write(tmp_path, TINY)
    assert main(["sweep", str(config), "--out", str(out), "--workers", "1",
                 "--no-progress", "--chunk-runs", "50"]) == 128 + signum
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "5 finished runs are saved" in err
    assert sorted(load_runs(out)["run_id"]) == [0, 1, 2, 3, 4]  # nothing finished was lost
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored
    monkeypatch.undo()
    assert main(["sweep", str(config), "--out", str(out), "--workers", "1",
                 "--no-progress", "--resume"]) == 0
    pd.testing.assert_frame_equal(comparable(load_runs(out)), reference)


def _start(config_path: Path, out: Path, **popen) -> subprocess.Popen:
    command = [sys.executable, "-m", "civres.cli", "sweep", str(config_path), "--out",
               str(out), "--workers", "2", "--chunk-runs", "4", "--no-progress"]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


@pytest.fixture(scope="module")
def kill_reference(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("kill")
    config_path = write(folder, KILL_CONFIG)
    run_sweep(designs.load_config(config_path), folder / "whole", workers=2, progress=False)
    return config_path, comparable(load_runs(folder / "whole"))


def _resume_and_compare(config_path: Path, out: Path, expected: pd.DataFrame) -> None:
    done = subprocess.run([sys.executable, "-m", "civres.cli", "sweep", str(config_path),
                           "--out", str(out), "--workers", "2", "--no-progress", "--resume"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    runs = load_runs(out)
    assert runs["run_id"].is_unique
    pd.testing.assert_frame_equal(comparable(runs), expected)
    assert not list(out.rglob(".tmp-*"))


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP],
                         ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("trial", range(3))
def test_sigterm_and_sighup_at_random_moments(tmp_path, kill_reference, signum, trial):
    config_path, expected = kill_reference
    out = tmp_path / "out"
    delay = random.Random(f"{signum}-{trial}").uniform(0.3, 4.0)
    proc = _start(config_path, out)
    time.sleep(delay)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:  # finished before the signal
        pd.testing.assert_frame_equal(comparable(load_runs(out)), expected)
        return
    if proc.returncode == -signum:  # before the command began, or after it ended
        if out.exists():
            pd.testing.assert_frame_equal(comparable(load_runs(out)), expected)
        return
    assert proc.returncode == 128 + signum, err
    assert err.count("\n") == 1 and "Traceback" not in err
    if "finished runs are saved" in err:  # else: stopped before the sweep began
        saved = int(err.split(": ")[1].split()[0])
        assert len(load_runs(out)) == saved  # every finished run was written
    _resume_and_compare(config_path, out, expected)


@pytest.mark.slow
def test_sigterm_to_the_process_group_as_timeout_sends_it(tmp_path, kill_reference):
    config_path, expected = kill_reference
    out = tmp_path / "out"
    proc = _start(config_path, out, start_new_session=True)
    deadline = time.monotonic() + 60
    while not list((out / "chunks").glob("runs-*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.02)
    # the runs on disk when the signal comes: a chunk holds 4 runs, or fewer when written
    # after a while (a busy machine), so count them rather than expect a number
    on_disk = sum(pq.read_metadata(chunk).num_rows
                  for chunk in (out / "chunks").glob("runs-*.parquet"))
    os.killpg(proc.pid, signal.SIGTERM)  # the sweep and its workers, all at once
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    saved = int(err.split(": ")[1].split()[0])
    assert 1 <= on_disk <= saved and len(load_runs(out)) == saved
    _resume_and_compare(config_path, out, expected)


@pytest.mark.slow
@pytest.mark.parametrize("trial", range(4))
def test_kill_9_at_random_moments(tmp_path, kill_reference, trial):
    config_path, expected = kill_reference
    out = tmp_path / "out"
    delay = random.Random(f"kill-{trial}").uniform(0.2, 5.0)
    proc = _start(config_path, out)
    time.sleep(delay)
    proc.kill()
    proc.communicate(timeout=30)
    if (out / "manifest.json").exists():
        partial = load_runs(out)
        assert partial.empty or partial["run_id"].is_unique
        _resume_and_compare(config_path, out, expected)


# ---------------------------------------------------------------------------- limits


def test_a_huge_design_is_refused_before_any_work(tmp_path, capsys, monkeypatch):
    from civres.experiments.sweeps import designs

    huge = write(tmp_path, TINY.replace('design = "grid"', 'design = "lhs"\nsamples = 100000000')
                 .replace("legitimacy = [0.4, 0.85]", "legitimacy = {min = 0.1, max = 0.9}"))

    def sampled(*_):
        raise AssertionError("the design was sampled before it was refused")

    monkeypatch.setattr(designs, "sample_matrix", sampled)  # no work: not even the sample
    assert main(["sweep", str(huge), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert one_line(err) and "400,000,000 runs" in err and "--allow-large" in err
    assert not (tmp_path / "o").exists()


def test_the_limits_and_allow_large(tmp_path, monkeypatch):
    monkeypatch.setattr(designs, "MAX_RUNS", 7)
    with pytest.raises(ConfigError, match="8 runs .* more than the limit of 7"):
        parse_config(tiny())
    assert len(build_tasks(parse_config(tiny(), allow_large=True))) == 8
    monkeypatch.setattr(designs, "MAX_RUNS", 10**6)
    monkeypatch.setattr(designs, "memory_cap", lambda: 2**10)
    recording = tiny()
    recording["sweep"]["record_trajectories"] = True
    with pytest.raises(ConfigError, match="memory.*record_trajectories = false"):
        parse_config(recording)
    assert main(["sweep", str(write(tmp_path, TINY.replace(
        "replications = 4", "replications = 4\nrecord_trajectories = true"))),
        "--out", str(tmp_path / "o"), "--workers", "1", "--no-progress",
        "--allow-large"]) == 0


def test_workers_are_capped_at_the_cores(tmp_path, capsys):
    cores = executors.available_cores()
    assert executors.cap_workers(100_000) == (cores, f"--workers 100000 lowered to {cores}, "
                                                     "the cores this machine has for it")
    assert executors.cap_workers(1) == (1, None)
    assert main(["sweep", str(write(tmp_path, TINY)), "--out", str(tmp_path / "o"),
                 "--workers", "100000", "--no-progress"]) == 0
    assert "lowered to" in capsys.readouterr().err


@pytest.mark.parametrize("reply", [None, b"HTTP/1.0 400 Bad Request\r\n\r\n" * 50],
                         ids=["silent", "not-dask"])
def test_a_scheduler_that_does_not_answer_as_dask_times_out(tmp_path, monkeypatch, capsys,
                                                             reply):
    server = SilentServer(reply)
    monkeypatch.setattr(executors, "SCHEDULER_TIMEOUT", 2.0)
    try:
        assert main(["sweep", str(write(tmp_path, TINY)), "--out", str(tmp_path / "o"),
                     "--scheduler", f"tcp://127.0.0.1:{server.port}", "--no-progress"]) == 2
    finally:
        server.close()
    err = capsys.readouterr().err
    assert one_line(err) and f"--scheduler tcp://127.0.0.1:{server.port}" in err
    # it gave up on the timeout it was given (no wall-clock check: that would depend on
    # the machine's speed), or on an answer that is not a Dask scheduler's
    assert ("within 2 s" in err) if reply is None else ("not as a Dask scheduler" in err
                                                        or "cannot connect" in err)
    assert not store.has_results(tmp_path / "o")


def test_a_scheduler_without_workers_or_with_other_code(monkeypatch):
    from distributed import Client, LocalCluster

    monkeypatch.setattr(executors, "WORKER_TIMEOUT", 0.5)
    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        assert executors.check_scheduler(cluster.scheduler_address)["type"] == "Scheduler"
        with pytest.raises(SweepError, match="no worker joined"):
            executors._check_workers(client, "x")
        cluster.scale(1)
        client.wait_for_workers(1, timeout=30)
        executors._check_workers(client, "x")  # same code: fine
        with pytest.raises(SweepError, match="1 of its 1 workers run other model code"):
            executors._check_workers(client, "x", ours={"model_sha256": "other"})


# ---------------------------------------------------------------------------- output


def _argv(command: str, out: str, finished: Path, tmp_path: Path) -> list[str]:
    small = ["--param", "width=15", "--param", "height=15", "--param", "max_steps=10"]
    return {
        "run": ["run", *small, "--out", out],
        "sweep": ["sweep", str(write(tmp_path, TINY)), "--out", out, "--workers", "1",
                  "--no-progress"],
        "analyze": ["analyze", str(finished), "--out", out],
        "compare": ["compare", "--reps", "1", "--workers", "1", "--out", out],
        "facts": ["facts", "--samples", "2", "--workers", "1", "--out", out],
    }[command]


@pytest.mark.parametrize("command", ["run", "sweep", "analyze", "compare", "facts"])
@pytest.mark.parametrize("kind", ["a file", "under a file", "empty", "nul byte",
                                  "not creatable"])
def test_an_unusable_out_is_one_line_and_writes_nothing(tmp_path, finished, monkeypatch,
                                                        capsys, command, kind):
    afile = tmp_path / "afile"
    afile.write_text("mine")
    out = {"a file": str(afile), "under a file": str(afile / "sub"), "empty": "",
           "nul byte": str(tmp_path / "a\x00b"), "not creatable": "/proc/civres/out"}[kind]
    monkeypatch.chdir(tmp_path)
    argv = _argv(command, out, finished, tmp_path)
    before = digest(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert one_line(err) and "--out" in err
    assert digest(tmp_path) == before  # nothing written anywhere, the file untouched


@pytest.mark.parametrize("failing", ["figure", "manifest"])
def test_a_runs_files_are_written_together_or_not_at_all(tmp_path, monkeypatch, capsys,
                                                         failing):
    out = tmp_path / "run"
    argv = ["run", "--param", "width=15", "--param", "height=15", "--param", "max_steps=10",
            "--out", str(out)]
    assert main(argv) == 0
    before = digest(out)

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    import civres.experiments.analysis.figures

    if failing == "figure":
        monkeypatch.setattr(civres.experiments.analysis.figures, "campaign_figure", full)
    else:
        monkeypatch.setattr(commands, "write_manifest", full)
    assert main([*argv[:-1], str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device; nothing was written" in err
    assert digest(out) == before  # the earlier run's files, all three, untouched
    assert not list(tmp_path.glob(".tmp-*"))
    assert main([*argv[:-1], str(tmp_path / "new")]) == 1
    assert not (tmp_path / "new").exists()  # a new folder appears whole or not at all


def test_run_does_not_write_into_a_folder_of_other_files(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["run", "--param", "max_steps=5", "--out", str(tmp_path)]) == 2
    assert "holds files this command did not write (notes.txt)" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_sweep_does_not_start_in_a_folder_of_other_files(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["sweep", str(write(tmp_path, TINY, "c.toml")), "--out", str(tmp_path),
                 "--workers", "1", "--no-progress"]) == 2
    assert "holds files that are not a sweep's (c.toml, notes.txt)" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml", "notes.txt"]


@pytest.mark.parametrize("argv, needle", [
    (["facts", "--samples", "100000000"], "--samples 100000000 is 100,000,000 runs"),
    (["compare", "--reps", "1000000"], "cases x --reps 1000000"),
])
def test_compare_and_facts_sizes_are_limited_too(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert one_line(err) and needle in err and "--allow-large" in err


def test_an_unreadable_file_is_reported_not_a_traceback(finished, capsys):
    (finished / "runs.parquet").unlink()
    (finished / "runs.parquet").mkdir()  # a folder where the run table should be
    assert main(["analyze", str(finished)]) == 2
    err = capsys.readouterr().err
    assert one_line(err) and "runs.parquet: unreadable" in err


@pytest.mark.parametrize("name", ["..", ".", ".hidden", "-x", "a" * 101, "a/b", "a\\b"])
def test_sweep_names_stay_inside_the_results_folder(name):
    config = tiny()
    config["sweep"]["name"] = name
    with pytest.raises(ConfigError, match="sweep.name"):
        parse_config(config)


def test_the_default_sweep_folder_is_under_results(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", str(write(tmp_path, TINY)), "--workers", "1", "--no-progress"]) == 0
    assert store.has_results(tmp_path / "results" / "sweeps" / "tiny")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results", "sweep.toml"]


def test_two_sweeps_cannot_write_to_one_folder(tmp_path, capsys):
    out = tmp_path / "out"
    partial_sweep(out)
    config = str(write(tmp_path, TINY))
    with locked(out):  # another sweep holds the folder (flock: any other open file)
        before = digest(out)
        assert main(["sweep", config, "--out", str(out), "--workers", "1", "--no-progress",
                     "--resume"]) == 2
        err = capsys.readouterr().err
        assert one_line(err) and f"in use by another sweep (process {os.getpid()})" in err
        assert digest(out) == before
        notes: list[str] = []
        analyze(out, notes=notes)
        assert any("still writing" in n for n in notes)
    assert not (out / ".lock").exists()  # removed with the lock: no trace in the results
    assert main(["sweep", config, "--out", str(out), "--workers", "1", "--no-progress",
                 "--resume"]) == 0
    assert not (out / ".lock").exists()


def test_a_lock_file_removed_by_its_holder_is_not_locked_by_two(tmp_path):
    # B opened the lock file before A removed it; B must not lock that orphan while C
    # locks the folder's new one.
    out = tmp_path / "out"
    out.mkdir()
    with locked(out):
        orphan = os.open(out / ".lock", os.O_RDWR)
    with locked(out):  # what C holds: a new lock file
        import fcntl

        fcntl.flock(orphan, fcntl.LOCK_EX | fcntl.LOCK_NB)  # B locks the orphan: possible,
        assert os.fstat(orphan).st_ino != (out / ".lock").stat().st_ino  # but not the folder's
        with pytest.raises(OutputError, match="in use by another sweep"):
            with locked(out):
                pass
    os.close(orphan)


def test_user_inputs_never_replace_committed_results(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    # committed results of the documented commands (as `compare --reps 20 --seed 1` and
    # `facts --samples 1000 --seed 1` leave them)
    committed_inputs = {"compare": {"cases": "seeds/cases.toml", "reps": 20, "seed": 1,
                                    "coding_uncertainty": True},
                        "facts": {"samples": 1000, "seed": 1}}
    for name, files in (("compare", commands.COMPARE_FILES), ("facts", commands.FACTS_FILES)):
        folder = tmp_path / "results" / name
        folder.mkdir(parents=True)
        for file in files:
            (folder / file).write_text("committed")
        (folder / "manifest.json").write_text(json.dumps(committed_inputs[name]))
    committed = digest(tmp_path / "results")
    mine = tmp_path / "mine.toml"
    mine.write_text(ONE_CASE)
    assert main(["compare", "--cases", str(mine), "--reps", "1", "--workers", "1"]) == 0
    assert (tmp_path / "results" / "compare-mine" / "comparison.json").exists()
    capsys.readouterr()  # its progress bar
    for argv in (["compare", "--reps", "1", "--workers", "1"],
                 ["facts", "--samples", "2", "--workers", "1"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert one_line(err) and "holds the results of other inputs" in err
    after = digest(tmp_path / "results")
    assert {k: v for k, v in after.items() if not k.startswith("compare-mine")} == committed


# ---------------------------------------------------------------------------- full disk


def _disk_full_after(monkeypatch, calls: int, only: str = ".parquet") -> None:
    """Writes of result files fail with ENOSPC (at fsync, as with delayed allocation)
    after `calls` of them (of those whose name holds `only`, if given)."""
    real = os.fsync
    count = []

    def fsync(fd):
        name = os.readlink(f"/proc/self/fd/{fd}")
        if ".tmp-" in Path(name).name and only in Path(name).name:
            count.append(1)
            if len(count) > calls:
                raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


def test_a_full_disk_during_a_sweep_keeps_finished_runs(tmp_path, monkeypatch, capsys,
                                                        reference):
    out = tmp_path / "out"
    config = str(write(tmp_path, TINY))
    argv = ["sweep", config, "--out", str(out), "--workers", "1", "--no-progress",
            "--chunk-runs", "2"]
    _disk_full_after(monkeypatch, 2)  # two chunks fit, the third does not
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device; 4 finished runs are saved" in err
    assert sorted(load_runs(out)["run_id"]) == [0, 1, 2, 3]
    assert not list(out.rglob(".tmp-*"))  # nothing half-written
    monkeypatch.undo()
    assert main([*argv, "--resume"]) == 0
    pd.testing.assert_frame_equal(comparable(load_runs(out)), reference)


def test_a_full_disk_while_consolidating_keeps_every_chunk(tmp_path, monkeypatch, capsys,
                                                           reference):
    out = tmp_path / "out"
    argv = ["sweep", str(write(tmp_path, TINY)), "--out", str(out), "--workers", "1",
            "--no-progress", "--chunk-runs", "2"]
    _disk_full_after(monkeypatch, 0, only="-runs.parquet")
    assert main(argv) == 1
    assert "8 finished runs are saved" in capsys.readouterr().err
    assert len(list((out / "chunks").glob("runs-*.parquet"))) == 4
    assert not (out / "runs.parquet").exists()
    pd.testing.assert_frame_equal(comparable(load_runs(out)), reference)
    monkeypatch.undo()
    assert main([*argv, "--resume"]) == 0
    assert not (out / "chunks").exists()
    pd.testing.assert_frame_equal(comparable(load_runs(out)), reference)


@pytest.mark.slow
def test_a_real_write_limit_in_a_subprocess(tmp_path, kill_reference):
    """A real failing write (RLIMIT_FSIZE: EFBIG), not a patched one."""
    config_path, expected = kill_reference
    out = tmp_path / "out"
    code = ("import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
            "resource.setrlimit(resource.RLIMIT_FSIZE, (25_000, 25_000)); "
            "from civres.cli import main; sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", code, "sweep", str(config_path), "--out",
                           str(out), "--workers", "2", "--chunk-runs", "4", "--no-progress"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "File too large" in done.stderr
    saved = int(done.stderr.split("; ")[1].split()[0])
    assert len(load_runs(out)) == saved
    _resume_and_compare(config_path, out, expected)




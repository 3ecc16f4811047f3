"""The runner (experiments/sweeps/runner.py, tasks.py, executors.py): sweeps from the command line,
identical tables across executors, failed runs recorded as data (in sweeps and in
run_many), a dead worker, and refusing to mix sweeps in one folder."""

from __future__ import annotations

import json
import os

import pandas as pd
import pytest
from sweep_helpers import (
    SMOKE,
    TINY,
    comparable,
    dying_model,
    failing_model,
    tiny,
    write,
)

from civres.cli import main
from civres.errors import RunAborted, SweepAborted, SweepError
from civres.experiments.sweeps.designs import parse_config, sample_matrix
from civres.experiments.sweeps.runner import run_many, run_sweep
from civres.experiments.sweeps.store import load_runs
from civres.experiments.sweeps.tasks import (
    RunTask,
    batch_units,
    build_tasks,
    run_model,
    run_task,
    run_tasks,
    spawn_seeds,
)
from civres.model import Params
from civres.model.summary import RUN_COLUMN_NAMES

SMALL = dict(width=15, height=15, citizen_vision=4, security_vision=4, max_steps=30)


@pytest.mark.parametrize("args", [["--workers", "0"], ["--executor", "threads"],
                                  ["--executor", "process", "--scheduler", "tcp://x:1"]])
def test_bad_arguments_exit_2(tmp_path, capsys, args):
    assert main(["sweep", str(SMOKE), "--out", str(tmp_path / "o"), *args]) == 2
    assert capsys.readouterr().err.count("\n") == 1


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
    # the summary columns are the declared ones, in their declared order
    assert list(runs.columns) == ["run_id", "point_id", "rep", *Params.field_names(), "seed",
                                  *RUN_COLUMN_NAMES, "wall_s", "error"]
    # the legitimacy column is the design's (initial) value, not the final one
    assert set(runs["legitimacy"]) == {0.5, 0.8}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["master_seed"] == 20240601 and manifest["status"] == "complete"
    assert manifest["config"]["vary"]["legitimacy"] == [0.5, 0.8]
    assert "mesa" in manifest["versions"] and "git_commit" in manifest
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "runs.parquet"]
    assert "40 runs" in capsys.readouterr().out


def test_a_run_matches_calling_the_model_directly(tmp_path):
    config = parse_config(tiny())
    run_sweep(config, tmp_path, workers=1, progress=False)
    row = load_runs(tmp_path).iloc[3]
    task = build_tasks(config)[3]
    summary, _ = run_model(Params(**task.params), task.seed, False)
    assert row["seed"] == task.seed
    assert row["outcome"] == summary["outcome"]
    assert row["peak_participation"] == summary["peak_participation"]
    assert row["final_legitimacy"] == summary["legitimacy"]


def test_a_sweep_table_is_what_runs_done_one_at_a_time_give(tmp_path):
    """Runs go to workers in batches (batch_units, run_tasks); each row is the one its run
    alone gives (run_task), bar the time it took."""
    config = parse_config(tiny())
    tasks = build_tasks(config)
    units = batch_units(tasks, slots=2)
    assert [len(u) for u in units] == [4, 4]          # two workers, a unit each
    run_sweep(config, tmp_path, workers=1, progress=False)
    batched = load_runs(tmp_path).sort_values("run_id").reset_index(drop=True)
    alone = pd.DataFrame([run_task(task)[0] for task in tasks])
    columns = [c for c in alone.columns if c not in ("wall_s", "error")]
    pd.testing.assert_frame_equal(batched[columns], alone[columns], check_dtype=False)
    assert (batched["wall_s"] > 0).all()
    assert batched["error"].isna().all() and alone["error"].isna().all()


def test_run_tasks_gives_each_run_of_a_batch_the_row_and_trajectory_it_has_alone(
        monkeypatch):
    """Called here, in this thread: through a pool its work is out of a test's sight (and
    out of mutmut's, which then judged run_tasks's mutants by no test at all)."""
    import numpy as np

    from civres.experiments.sweeps import tasks as tasks_module
    base = Params(**SMALL).to_dict()
    tasks = [RunTask(10 + i, i // 2, i % 2, {**base, "legitimacy": legitimacy}, 100 + i,
                     record)
             for i, (legitimacy, record) in enumerate([(0.3, True), (0.6, False),
                                                       (0.9, True)])]
    ticks = iter([1.0, 7.0])   # the batch takes 6 s: each of its 3 runs 2 s
    monkeypatch.setattr(tasks_module.time, "perf_counter", lambda: next(ticks))
    done = run_tasks(tasks)
    monkeypatch.undo()
    assert len(done) == 3
    for task, (row, trajectory) in zip(tasks, done, strict=True):
        alone_row, alone_trajectory = run_task(task)
        assert row["wall_s"] == 2.0 and row["error"] is None
        assert {k: v for k, v in row.items() if k != "wall_s"} == \
            {k: v for k, v in alone_row.items() if k != "wall_s"}
        assert list(row)[:3] == ["run_id", "point_id", "rep"] and row["seed"] == task.seed
        assert not any(isinstance(v, np.generic) for v in row.values())   # plain values
        if task.record_trajectory:
            assert list(trajectory.columns)[0] == "run_id"
            assert (trajectory.run_id == task.run_id).all()
            pd.testing.assert_frame_equal(trajectory, alone_trajectory)
        else:
            assert trajectory is None and alone_trajectory is None


def test_a_worker_s_batch_runs_with_one_blas_thread(monkeypatch):
    """Each worker has its core: BLAS threads of its own would only contend for it."""
    from threadpoolctl import threadpool_info

    from civres.experiments.sweeps import tasks as tasks_module
    seen, real = [], tasks_module.run_campaigns

    def watched(*args, **kwargs):
        seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
        return real(*args, **kwargs)

    monkeypatch.setattr(tasks_module, "run_campaigns", watched)
    if not [i for i in threadpool_info() if i["user_api"] == "blas"]:
        pytest.skip("no BLAS library loaded to limit")
    run_tasks([RunTask(0, 0, 0, Params(**SMALL).to_dict(), 1, False)])
    assert seen == [1] * len(seen) and seen


def test_a_batch_that_raises_is_redone_one_run_at_a_time():
    good = Params(**SMALL).to_dict()
    tasks = [RunTask(0, 0, 0, good, 5, False), RunTask(1, 1, 0, {**good, "width": 3}, 6,
                                                        False)]
    rows = [row for row, _ in run_tasks(tasks)]
    assert rows[0]["error"] is None and rows[0] == {**run_task(tasks[0])[0],
                                                    "wall_s": rows[0]["wall_s"]}
    assert "width" in rows[1]["error"] and rows[1]["outcome"] is None


def test_units_group_runs_by_batch_shape_and_leave_bad_parameters_alone():
    good = Params(width=10, height=10, citizen_vision=2, security_vision=2).to_dict()
    other = {**good, "movement": False}
    bad = {**good, "legitimacy": 7.0}
    tasks = [RunTask(i, i, 0, params, i, False)
             for i, params in enumerate([good, other, good, bad, good])]
    units = batch_units(tasks, slots=1)
    assert [[t.run_id for t in unit] for unit in units] == [[0, 2, 4], [1], [3]]
    assert [[t.run_id for t in unit] for unit in batch_units(tasks, 1, most=2)] == \
        [[0, 2], [4], [1], [3]]
    rows = [row for row, _ in run_tasks(units[2])]
    assert "legitimacy" in rows[0]["error"]


@pytest.mark.slow
def test_identical_tables_serial_process_pool_and_dask(tmp_path):
    config = parse_config(tiny())
    tables = {}
    for label, kwargs in [("serial", {"workers": 1}), ("pool", {"workers": 2}),
                          ("dask", {"workers": 2, "executor": "dask"})]:
        result = run_sweep(config, tmp_path / label, progress=False, chunk_runs=3, **kwargs)
        assert result.n_runs == 8 and result.n_errors == 0
        tables[label] = comparable(load_runs(tmp_path / label))
    assert len(tables["serial"]) == 8
    pd.testing.assert_frame_equal(tables["serial"], tables["pool"])
    pd.testing.assert_frame_equal(tables["serial"], tables["dask"])


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_that_raises_is_recorded_not_fatal(tmp_path, workers):
    config = parse_config(tiny())
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


def test_a_summary_missing_a_declared_field_is_a_failed_run():
    def partial(params, seed, record):
        summary, trajectory = run_model(params, seed, record)
        del summary["regime_fell"]
        return summary, trajectory

    task = RunTask(0, 0, 0, Params(**SMALL).to_dict(), 1, False)
    row, _ = run_task(task, partial)
    assert row["error"] == "ValueError: summary lacks regime_fell"
    assert all(row[c] is None for c in RUN_COLUMN_NAMES)


def test_a_runs_wall_time_is_the_time_its_model_took(monkeypatch):
    # the clock read before and after the model (a fake clock: no test waits on time)
    from civres.experiments.sweeps import tasks as tasks_module

    ticks = iter([100.0, 102.5])
    monkeypatch.setattr(tasks_module.time, "perf_counter", lambda: next(ticks))
    task = RunTask(0, 0, 0, Params(**SMALL).to_dict(), 1, False)
    row, _ = run_task(task, lambda params, seed, record: run_model(params, seed, False))
    assert row["wall_s"] == 2.5


def test_run_many_returns_failed_runs_as_rows():
    params = [Params(**SMALL, legitimacy=v).to_dict() for v in (0.4, 0.85, 0.4)]
    runs = run_many(params, 7, workers=1, model_fn=failing_model)
    assert runs["run_id"].tolist() == [0, 1, 2]
    assert runs["seed"].tolist() == spawn_seeds(7, 3)
    assert runs["error"].notna().tolist() == [True, False, True]
    assert runs["error"][0].startswith("RuntimeError: boom at seed")
    assert runs["outcome"].isna().tolist() == [True, False, True]
    same = run_many(params[1:2], 0, workers=1, seeds=[runs["seed"][1]])
    assert same["outcome"][0] == runs["outcome"][1]  # a run is rerun exactly from its seed


@pytest.mark.parametrize("workers", [1, 2])
def test_run_many_shows_progress_only_when_a_command_asks(capsys, workers):
    # compare, facts and explore once ran for minutes in silence (a facts run took 27
    # minutes on a busy machine); now each run_many shows a bar with an ETA in their block
    from civres.experiments.sweeps.runner import showing_progress

    params = [Params(**SMALL, legitimacy=v).to_dict() for v in (0.4, 0.85, 0.4)]
    quiet = run_many(params, 7, workers=workers, model_fn=failing_model)
    assert capsys.readouterr().err == ""
    with showing_progress("facts"):
        shown = run_many(params, 7, workers=workers, model_fn=failing_model,
                         stage="campaigns")
    err = capsys.readouterr().err
    assert "facts: campaigns" in err and "3/3" in err
    with showing_progress("facts"):
        run_many(params, 7, workers=workers, model_fn=failing_model)
    assert "facts: runs:" in capsys.readouterr().err    # the stage's default name
    pd.testing.assert_frame_equal(quiet.drop(columns="wall_s"), shown.drop(columns="wall_s"))
    with showing_progress(None):
        run_many(params, 7, workers=workers, model_fn=failing_model)
    assert capsys.readouterr().err == ""


def test_run_many_dead_worker_aborts():
    config = parse_config(tiny())
    tasks = build_tasks(config)
    with pytest.raises(RunAborted, match="the executor failed") as aborted:
        run_many([t.params for t in tasks], config.master_seed, workers=2,
                 model_fn=dying_model)
    # one line, ending with the executor's error: run_many adds no hint of its own
    assert str(aborted.value).startswith("the executor failed (")
    assert str(aborted.value).endswith(")") and "\n" not in str(aborted.value)


def test_run_many_with_one_worker_runs_here_in_one_batch_and_returns_a_plain_table():
    """workers=1 is the serial executor in this process (the pid), and runs that can
    share a batch are one unit: each run's wall time is its share of the batch's."""
    pids = []

    def here(params, seed, record):
        pids.append(os.getpid())
        return run_model(params, seed, record)

    params = [Params(**SMALL, legitimacy=v).to_dict() for v in (0.3, 0.5, 0.7, 0.9)]
    swapped = run_many(params, 3, workers=1, model_fn=here)
    assert pids == [os.getpid()] * 4
    table = run_many(params, 3, workers=1)
    assert table["wall_s"].nunique() == 1 and (table["wall_s"] > 0).all()
    assert list(table.index) == [0, 1, 2, 3] and "index" not in table.columns
    assert list(table.run_id) == [0, 1, 2, 3] and list(table.point_id) == [0, 1, 2, 3]
    assert (table.rep == 0).all() and list(table.seed) == spawn_seeds(3, 4)
    columns = [c for c in table.columns if c != "wall_s"]
    pd.testing.assert_frame_equal(table[columns], swapped[columns])


def test_tasks_for_numbers_the_runs_and_pairs_each_with_its_seed():
    from civres.experiments.sweeps.tasks import tasks_for
    params = [Params(**SMALL).to_dict(), Params(**SMALL, legitimacy=0.2).to_dict()]
    assert tasks_for(params, [5, 6]) == [RunTask(0, 0, 0, params[0], 5, False),
                                         RunTask(1, 1, 0, params[1], 6, False)]
    with pytest.raises(ValueError):
        tasks_for(params, [5])


def test_dead_worker_aborts_then_resume_finishes(tmp_path):
    config = parse_config(tiny())
    with pytest.raises(SweepAborted, match="--resume"):
        run_sweep(config, tmp_path, workers=2, progress=False, model_fn=dying_model,
                  chunk_runs=1)
    saved = load_runs(tmp_path)
    assert 5 not in set(saved["run_id"])  # the run that killed its worker is not recorded
    result = run_sweep(config, tmp_path, workers=2, progress=False, resume=True)
    assert result.n_done_before == len(saved)
    assert sorted(load_runs(tmp_path)["run_id"]) == list(range(8))


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
    assert "another experiment (another config" in capsys.readouterr().err
    with pytest.raises(SweepError):
        run_sweep(parse_config(tiny()), out, progress=False)


def test_one_worker_runs_in_this_process():
    from civres.experiments.sweeps.executors import SerialExecutor, open_executor

    with open_executor("process", 1) as (pool, slots, name):
        assert isinstance(pool, SerialExecutor) and slots == 1 and name.startswith("serial")
        assert pool.submit(os.getpid).result() == os.getpid()


def test_run_many_keeps_input_order_with_mixed_batch_keys_on_two_workers():
    # Runs of different batch shapes (grid width, goal, a switch) go to workers in
    # batches grouped by shape; the rows must come back in the input's order, each with
    # its own parameters, seed and run (issue 22: batch order broke every forecast).
    from civres.model import run_campaigns

    mixed = [(15, False, True), (17, True, True), (15, True, False), (17, False, True),
             (15, False, True), (19, False, False), (17, True, True), (15, True, False)]
    params = [Params(**{**SMALL, "max_steps": 12, "width": width}, reform_goal=reform,
                     backfire_on=backfire).to_dict() for width, reform, backfire in mixed]
    runs = run_many(params, master_seed=3, workers=2)
    seeds = spawn_seeds(3, len(params))
    assert runs["run_id"].tolist() == list(range(len(params)))
    assert list(zip(runs["width"], runs["reform_goal"], runs["backfire_on"],
                    strict=True)) == mixed
    assert runs["seed"].tolist() == seeds
    alone = run_campaigns([Params(**p) for p in params], seeds, max_batch=1)
    assert runs["outcome"].tolist() == [summary.outcome for summary in alone]
    assert runs["arrests"].tolist() == [summary.arrests for summary in alone]


def test_an_unknown_executor_is_one_line_naming_the_allowed_ones():
    from civres.experiments.sweeps.executors import open_executor

    with pytest.raises(ValueError, match=r"^executor: 'threads' is not allowed; "
                                         r"allowed: process, dask$"), \
            open_executor("threads", 1):  # type: ignore[arg-type]
        pass


# ---------------------------------------------------------------------------- model calls


def counted(calls: list, stop_at: int | None = None):
    """The model, recording each call's seed and params; Ctrl-C at call `stop_at`."""
    def model(params, seed, record):
        if len(calls) == stop_at:
            raise KeyboardInterrupt
        calls.append((seed, params))
        return run_model(params, seed, record)
    return model


def test_a_resume_runs_only_the_missing_runs(tmp_path):
    config = parse_config(tiny())
    seeds = {t.seed: t.run_id for t in build_tasks(config)}
    calls: list = []
    with pytest.raises(KeyboardInterrupt):  # 5 runs done, saved in chunks of 2, 2 and 1
        run_sweep(config, tmp_path, workers=1, progress=False, chunk_runs=2,
                  model_fn=counted(calls, stop_at=5))
    assert len(load_runs(tmp_path)) == 5
    sorted((tmp_path / "chunks").glob("runs-*.parquet"))[1].unlink()  # 2 runs lost too
    missing = sorted(set(range(8)) - set(load_runs(tmp_path)["run_id"]))
    assert len(missing) == 5 and missing != [3, 4, 5, 6, 7]  # not only the last runs
    calls.clear()
    result = run_sweep(config, tmp_path, workers=1, progress=False, resume=True,
                       model_fn=counted(calls))
    assert result.n_done_before == 3
    assert sorted(seeds[seed] for seed, _ in calls) == missing  # each once, no other
    assert sorted(load_runs(tmp_path)["run_id"]) == list(range(8))
    calls.clear()
    run_sweep(config, tmp_path, workers=1, progress=False, resume=True,
              model_fn=counted(calls))
    assert calls == []  # nothing is missing: the model is not called


def test_sampled_integer_parameters_reach_the_model_rounded(tmp_path):
    config = parse_config({
        "sweep": {"name": "ints", "master_seed": 3, "replications": 1, "design": "lhs",
                  "samples": 8},
        "fixed": {**SMALL, "max_steps": 5},
        "vary": {"legitimacy": {"min": 0.2, "max": 0.9},
                 "max_jail_term": {"min": 5, "max": 40}},
    })
    raw = sample_matrix(config)[:, 1]
    rounded = [min(max(round(v), 5), 40) for v in raw]
    assert rounded != [int(v) for v in raw]  # truncating would give other values
    calls: list = []
    run_sweep(config, tmp_path, workers=1, progress=False, model_fn=counted(calls))
    by_run = {t.seed: t.run_id for t in build_tasks(config)}
    got = sorted((by_run[seed], params.max_jail_term) for seed, params in calls)
    assert got == list(enumerate(rounded))
    assert all(type(value) is int for _, value in got)
    assert load_runs(tmp_path)["max_jail_term"].tolist() == rounded


def test_identity_difference_says_in_words_what_differs():
    from civres.experiments.sweeps.tasks import identity_difference
    ours = {"config_sha256": "c1", "design_sha256": "d1",
            "code": {"model": "abcdef1234567890", "numpy": "2.5.5"}}
    assert identity_difference(None, ours) == (
        "written by an older civres, without an experiment identity")
    assert identity_difference(dict(ours), ours) == "another experiment"
    assert identity_difference({**ours, "config_sha256": "c2"}, ours) == "another config"
    assert identity_difference({**ours, "design_sha256": "d2"}, ours) == (
        "other runs from the same config (another SALib or numpy)")
    other_code = {**ours, "config_sha256": "c2",
                  "code": {"model": "0123456789abcdef", "numpy": "2.5.5"}}
    assert identity_difference(other_code, ours) == (
        "another config and other model code (model 0123456789ab now abcdef123456)")
    assert identity_difference({**ours, "code": None}, ours) == (
        "other model code (model None now abcdef123456, numpy None now 2.5.5)")


def test_a_run_task_tags_its_trajectory_with_its_run_id_first():
    from civres.experiments.sweeps.tasks import RunTask, run_task
    small = {"width": 10, "height": 10, "citizen_vision": 2, "security_vision": 2,
             "max_steps": 5}
    row, trajectory = run_task(RunTask(7, 3, 1, small, 11, True))
    assert list(trajectory.columns[:2]) == ["run_id", "step"]
    assert (trajectory["run_id"] == 7).all() and len(trajectory) == row["steps"] + 1
    assert run_task(RunTask(7, 3, 1, small, 11, False))[1] is None


def test_an_error_in_one_line_by_hand():
    from civres.experiments.sweeps.tasks import one_line
    assert one_line(ValueError()) == "ValueError"
    assert one_line(KeyError("")) == "KeyError: ''"   # str() of a KeyError quotes its key
    assert one_line(RuntimeError("  first\nsecond ")) == "RuntimeError: first"


def test_numpy_scalars_in_a_row_become_plain_values():
    import numpy as np

    from civres.experiments.sweeps import tasks as tasks_module
    row = tasks_module._plain({"a": np.float64(1.5), "b": np.int64(2), "c": np.bool_(True),
                               "d": 3, "e": None})
    assert row == {"a": 1.5, "b": 2, "c": True, "d": 3, "e": None}
    assert [type(v) for v in row.values()] == [float, int, bool, int, type(None)]

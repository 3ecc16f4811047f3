"""The civres command line: readable output, JSON, files written, one-line errors."""

import json
import subprocess
import sys

import pytest

from civres import cli, errors
from civres.cli import main


def test_run_prints_summary_and_writes_files(tmp_path, capsys):
    code = main(["run", "--param", "width=20", "--param", "height=20", "--param",
                 "max_steps=30", "--seed", "3", "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "outcome" in out and "peak participation" in out and "pillar loyalty" in out
    for name in ("trajectory.csv", "campaign.png", "manifest.json"):
        assert (tmp_path / name).stat().st_size > 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["seed"] == 3 and manifest["params"]["width"] == 20
    assert "mesa" in manifest["versions"] and "git_commit" in manifest


def test_run_json_is_the_summary(tmp_path, capsys):
    assert main(["run", "--preset", "suppressed", "--param", "max_steps=20", "--json",
                 "--out", str(tmp_path)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["outcome"] == "suppressed" and summary["seed"] == 0
    # the fields the re-specification added (issue 9), beside the earlier ones
    assert {"fell_step", "demand_granted", "intervened", "battle_deaths", "duration"} <= set(
        summary)
    assert summary["demand_granted"] is False and summary["battle_deaths"] == 0


def test_params_lists_every_parameter(capsys):
    from civres.model import Params

    assert main(["params", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == Params.field_names()


@pytest.mark.parametrize("argv, needle", [
    (["run", "--param", "nonsense=1"], "nonsense"),
    (["run", "--param", "legitimacy=2"], "legitimacy"),
    (["run", "--param", "width=wide"], "width"),
    (["run", "--param", "legitimacy"], "NAME=VALUE"),
    (["run", "--seed", "x"], "--seed"),
    (["run", "--preset", "nope"], "preset"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_arguments_give_one_line_and_exit_2(argv, needle, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_installed_entry_point_exit_status(tmp_path):
    done = subprocess.run([sys.executable, "-m", "civres.cli", "run", "--param", "x=1"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def _all_subclasses(cls):
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_all_subclasses(sub)}
    return found


USER_ERRORS = [errors.UsageError("bad option"), errors.SweepError("folder taken"),
               errors.ConfigError("sweep.name: bad"), errors.AnalysisError("no runs"),
               errors.CaseFileError("cases.toml", ["case 1: bad level"]),
               errors.ResultsError("files of two experiments"),
               errors.OutputError("--out x: exists and is not a folder"),
               errors.CivresError("anything the user can fix")]


@pytest.mark.parametrize("error", USER_ERRORS, ids=lambda e: type(e).__name__)
def test_every_user_error_is_one_line_and_exit_2(monkeypatch, capsys, error):
    def raising(args):
        raise error

    monkeypatch.setattr(cli, "cmd_params", raising)
    assert main(["params"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {error}\n" and err.count("\n") == 1


def test_the_error_family_is_covered_and_aborts_exit_1(monkeypatch, capsys):
    # every subclass of CivresError is in USER_ERRORS (a new one must be added there)
    assert {type(e) for e in USER_ERRORS} >= _all_subclasses(errors.CivresError)
    assert not issubclass(errors.RunAborted, errors.CivresError)

    def aborting(args):
        raise errors.SweepAborted("the executor failed (BrokenProcessPool)")

    monkeypatch.setattr(cli, "cmd_params", aborting)
    assert main(["params"]) == 1
    assert capsys.readouterr().err == "error: the executor failed (BrokenProcessPool)\n"


@pytest.mark.parametrize("module", ["civres.cli", "civres"])
def test_python_dash_m_help(module):
    done = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: civres")
    for command in ("run", "params", "sweep", "analyze", "compare", "facts", "calibrate",
                    "explore", "app"):
        assert command in done.stdout


def test_facts_include_unformed_is_recorded(tmp_path, capsys):
    out = tmp_path / "facts"
    assert main(["facts", "--samples", "3", "--workers", "1", "--no-posterior",
                 "--include-unformed", "--out", str(out)]) == 0
    assert json.loads((out / "manifest.json").read_text())["include_unformed"] is True
    written = json.loads((out / "facts.json").read_text())
    assert written["include_unformed"] is True and written["n_runs"] == 3
    import pandas as pd

    runs = pd.read_parquet(out / "facts_runs.parquet")
    assert written["n_never_formed"] == int((~runs["formed"]).sum())
    assert "facts: campaigns" in capsys.readouterr().err  # a progress bar, with its ETA
    assert main(["facts", "--samples", "3", "--workers", "1", "--no-posterior",
                 "--include-unformed", "--out", str(out), "--no-progress"]) == 0
    assert capsys.readouterr().err == ""


def test_errors_raised_elsewhere_reach_main_under_dash_m():
    # viz.serve raises civres.errors.UsageError; under -m the CLI runs as __main__.
    done = subprocess.run([sys.executable, "-m", "civres.cli", "app", "--port", "0"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.startswith("error: --port")
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("error, code", [
    (errors.WriteFailed("cannot write x: No space left on device"), 1),
    (errors.Terminated(15, "SIGTERM"), 143),
    (errors.Terminated(1, "SIGHUP"), 129),
    (errors.Terminated(2, "SIGINT"), 130),
    (KeyboardInterrupt(), 130),
    (MemoryError(), 1),
], ids=lambda e: type(e).__name__ if isinstance(e, BaseException) else str(e))
def test_aborts_signals_and_memory_are_one_line(monkeypatch, capsys, error, code):
    def raising(args):
        raise error

    monkeypatch.setattr(cli, "cmd_params", raising)
    assert main(["params"]) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    if isinstance(error, errors.Terminated) and error.name != "SIGINT":
        assert err == f"terminated ({error.name})\n"

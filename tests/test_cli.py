"""The civres command line: readable output, JSON, files written, one-line errors."""

import json
import subprocess
import sys

import pytest

from experiments.cli import main


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


def test_params_lists_every_parameter(capsys):
    from model import Params

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
    done = subprocess.run([sys.executable, "-m", "experiments.cli", "run", "--param", "x=1"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "Traceback" not in done.stderr

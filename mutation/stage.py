"""Stage the source tree for one part of `make mutate` as the installed package lays it out.

mutmut names every mutant after its file's path under the source root, and activates it
when the tests call the function under that module name. The repository keeps the model
in model/ and maps it into `civres.model` at install time (pyproject.toml, package-dir),
so the names mutmut would derive from the checkout (`model.rules.citizens`) are not the
ones the tests import (`civres.model.rules.citizens`). This script copies the package
into DEST with the installed layout (civres/model/, civres/experiments/, ...) beside the
tests, the sweep configs (experiments/*.toml) and pyproject.toml, and writes the part's
[tool.mutmut] (mutation/parts.toml) into that pyproject.toml; mutation/run.py runs
mutmut there.

Usage: python mutation/stage.py DEST PART   (DEST is emptied first)
"""

from __future__ import annotations

import json
import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = Path(__file__).with_name("parts.toml")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def parts() -> dict[str, dict]:
    """The parts of mutation/parts.toml by name, in the file's order."""
    return tomllib.loads(PARTS.read_text())["parts"]


def mutmut_section(part: str) -> str:
    """The [tool.mutmut] table of one part (JSON's string arrays are TOML's too)."""
    config = tomllib.loads(PARTS.read_text())
    chosen = config["parts"][part]
    return "\n".join([
        "",
        f"[tool.mutmut]  # part {part!r} of mutation/parts.toml, written by mutation/stage.py",
        'source_paths = ["civres"]',
        'also_copy = ["experiments"]  # the sweep configs some tests read (experiments/*.toml)',
        f"only_mutate = {json.dumps(chosen['modules'])}",
        f"pytest_add_cli_args = {json.dumps(config['pytest_add_cli_args'])}",
        f"pytest_add_cli_args_test_selection = {json.dumps(chosen['tests'])}",
        *(f"{key} = {json.dumps(value)}" for key, value in chosen.get("settings", {}).items()),
        "",
    ])


def stage(dest: Path, part: str) -> None:
    """Copy the package (mapped folders in place), the tests and the config into dest."""
    known = parts()
    if part not in known:
        raise SystemExit(f"unknown part {part!r}: choose from {', '.join(known)}")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    project = (ROOT / "pyproject.toml").read_text()
    mapping = tomllib.loads(project)["tool"]["setuptools"]["package-dir"]
    for package, folder in sorted(mapping.items()):
        target = dest.joinpath(*package.split("."))
        shutil.copytree(ROOT / folder, target, ignore=IGNORE, dirs_exist_ok=True)
    shutil.copytree(ROOT / "tests", dest / "tests", ignore=IGNORE)
    (dest / "experiments").mkdir()
    for config in (ROOT / "experiments").glob("*.toml"):
        shutil.copy2(config, dest / "experiments" / config.name)
    (dest / "pyproject.toml").write_text(project + mutmut_section(part))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python mutation/stage.py DEST PART")
    stage(Path(sys.argv[1]).resolve(), sys.argv[2])

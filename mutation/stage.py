"""Stage the source tree for mutmut as the installed package lays it out (`make mutate`).

mutmut names every mutant after its file's path under the source root, and activates it
when the tests call the function under that module name. The repository keeps the model
in model/ and maps it into `civres.model` at install time (pyproject.toml, package-dir),
so the names mutmut would derive from the checkout (`model.rules.citizens`) are not the
ones the tests import (`civres.model.rules.citizens`). This script copies the package
into DEST with the installed layout (civres/model/, civres/experiments/, ...) beside the
tests and pyproject.toml; `make mutate` runs mutmut there, whose [tool.mutmut] paths are
written for that layout.

Usage: python mutation/stage.py DEST   (DEST is emptied first)
"""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def stage(dest: Path) -> None:
    """Copy the package (mapped folders in place), the tests and the config into dest."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    mapping = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-dir"]
    for package, folder in sorted(mapping.items()):
        target = dest.joinpath(*package.split("."))
        shutil.copytree(ROOT / folder, target, ignore=IGNORE, dirs_exist_ok=True)
    shutil.copytree(ROOT / "tests", dest / "tests", ignore=IGNORE)
    shutil.copy2(ROOT / "pyproject.toml", dest / "pyproject.toml")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python mutation/stage.py DEST")
    stage(Path(sys.argv[1]).resolve())

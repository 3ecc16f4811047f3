"""The package's shape: one top-level import name, sub-packages listed, imports one way.

The repository keeps its folders (model/, experiments/, viz/, seeds/) at the top and maps
them into the one import package `civres` (pyproject.toml, package-dir). These tests read
the source with `ast` (nothing is imported), except the wheel test, which builds the
wheel, installs it into a fresh virtual environment and runs `civres run` there.
"""

from __future__ import annotations

import ast
import functools
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
MAPPING: dict[str, str] = SETUPTOOLS["package-dir"]


def _modules() -> dict[str, Path]:
    """Every module of the package, by its dotted name as installed."""
    found = {}
    for package, folder in MAPPING.items():
        base = ROOT / folder
        for path in base.rglob("*.py"):
            parts = path.relative_to(base).with_suffix("").parts
            if any(part == "__pycache__" for part in parts):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            name = ".".join((package, *parts))
            found.setdefault(name, path)
    return found


MODULES = _modules()


def _is_package(name: str) -> bool:
    return MODULES[name].name == "__init__.py"


@functools.cache
def _imports(name: str) -> list[tuple[str, list[str]]]:
    """(module imported, names taken from it) for every import in a module's source."""
    path = MODULES[name]
    package = name if _is_package(name) else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [alias.name for alias in node.names]
            # `from pkg import module` imports the module
            subs = [f"{target}.{n}" for n in names if f"{target}.{n}" in MODULES]
            found += [(s, []) for s in subs]
            rest = [n for n in names if f"{target}.{n}" not in MODULES]
            if rest or not subs:
                found.append((target, rest))
    return [(t, n) for t, n in found if t == "civres" or t.startswith("civres.")]


@functools.cache
def _graph() -> dict[str, set[str]]:
    """Module -> project modules it imports (a package import counts as its __init__)."""
    return {name: {t for t, _ in _imports(name) if t in MODULES and t != name}
            for name in MODULES}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of the graph, if there is any (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def _group(module: str) -> str:
    """The part of the project a module belongs to, for the package-level graph."""
    for group in ("civres.experiments.sweeps", "civres.experiments.history",
                  "civres.experiments.calibration", "civres.experiments.analysis",
                  "civres.experiments.explore", "civres.model", "civres.viz", "civres.seeds"):
        if module == group or module.startswith(group + "."):
            return group
    return module  # civres.cli, civres.commands, civres.errors, ... each on its own


def test_every_sub_package_is_in_the_wheel():
    packages = {name for name in MODULES if _is_package(name)}
    assert packages == set(SETUPTOOLS["packages"])


def test_one_top_level_name_and_no_module_of_experiments_outside_a_sub_package():
    assert {name.split(".")[0] for name in MAPPING} == {"civres"}
    loose = [p.name for p in (ROOT / "experiments").glob("*.py") if p.name != "__init__.py"]
    assert loose == []


def test_no_import_circle_between_modules():
    assert _cycle(_graph()) is None


def test_no_import_circle_between_packages():
    groups: dict[str, set[str]] = {}
    for module, targets in _graph().items():
        mine = _group(module)
        groups.setdefault(mine, set()).update(_group(t) for t in targets if _group(t) != mine)
    assert _cycle(groups) is None, groups


@pytest.mark.parametrize("forbidden", ["civres.cli", "civres.commands",
                                       "civres.calibration_command", "civres.viz"])
def test_the_model_and_experiments_never_import_the_command_line_or_the_app(forbidden):
    for module in MODULES:
        if module.startswith(("civres.model", "civres.experiments")):
            for target in _graph()[module]:
                assert not target.startswith(forbidden), f"{module} imports {target}"


def test_experiment_packages_import_one_way():
    allowed = {
        "civres.experiments.sweeps": set(),
        "civres.experiments.history": {"civres.experiments.sweeps",
                                       "civres.experiments.analysis"},
        "civres.experiments.calibration": {"civres.experiments.sweeps",
                                           "civres.experiments.history",
                                           "civres.experiments.analysis"},
        "civres.experiments.analysis": {"civres.experiments.sweeps"},
        "civres.experiments.explore": {"civres.experiments.sweeps",
                                       "civres.experiments.history"},
    }
    for module, targets in _graph().items():
        mine = _group(module)
        if mine not in allowed:
            continue
        for target in targets:
            theirs = _group(target)
            if theirs.startswith("civres.experiments.") and theirs != mine:
                assert theirs in allowed[mine], f"{module} imports {target}"


def test_no_private_name_is_imported_from_another_module():
    for module in MODULES:
        for target, names in _imports(module):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, f"{module} imports {', '.join(private)} from {target}"


@pytest.mark.slow
def test_the_wheel_installs_one_package_and_runs_in_a_fresh_environment(tmp_path):
    """Build the wheel, install it alone into a new venv, run `civres run` outside the repo.

    The new venv reaches the dependencies through a .pth file naming this environment's
    site-packages; a .pth file there (the editable install's finder) is not processed
    from that path, so only the wheel provides `civres`.
    """
    source = tmp_path / "source"  # built from a copy: setuptools leaves build/ behind
    source.mkdir()
    for name in ("pyproject.toml", "README.md", *MAPPING.values()):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name, **({"ignore": shutil.ignore_patterns(
            "__pycache__")} if (ROOT / name).is_dir() else {}))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w",
                    str(wheels), str(source)], check=True, cwd=tmp_path)
    (wheel,) = wheels.glob("civres-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert {n.split("/")[0] for n in names if ".dist-info/" not in n} == {"civres"}
    assert "civres/seeds/cases.toml" in names
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    str(wheel)], check=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True)
    Path(site.stdout.strip(), "dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    where = subprocess.run([str(python), "-c", "import civres.experiments.history.cases as c; "
                            "print(c.__file__); print(len(c.load_cases()))"],
                           capture_output=True, text=True, cwd=tmp_path, env=env)
    assert where.returncode == 0, where.stderr
    module, count = where.stdout.split()
    assert Path(module).is_relative_to(venv) and int(count) > 30
    for old in ("model", "experiments", "viz"):
        gone = subprocess.run([str(python), "-c", f"import {old}"], capture_output=True,
                              text=True, cwd=tmp_path, env=env)
        assert gone.returncode == 1 and "ModuleNotFoundError" in gone.stderr, old
    out = tmp_path / "run"
    done = subprocess.run([str(venv / "bin" / "civres"), "run", "--seed", "1", "--param",
                           "width=20", "--param", "height=20", "--param", "max_steps=30",
                           "--json", "--out", str(out)],
                          capture_output=True, text=True, cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    assert '"outcome"' in done.stdout
    assert (out / "manifest.json").exists() and (out / "trajectory.csv").exists()

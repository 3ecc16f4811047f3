"""Provenance: every result carries its parameters, seed, versions and git commit."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from civres.paths import REPOSITORY

from .folders import write_atomic
from .store import MANIFEST_FILE

PACKAGES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "solara", "dask",
            "SALib", "pyabc", "scikit-learn")


def git_commit() -> str | None:
    """The repository's current commit (with '-dirty' if it has changes), if any."""
    root = REPOSITORY
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return commit + ("-dirty" if dirty else "")


def versions() -> dict[str, str | None]:
    """Versions of Python and the packages that shape the results."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def manifest(extra: dict[str, Any]) -> dict[str, Any]:
    """A manifest: the given fields plus time, command line, versions and commit."""
    return {
        **extra,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": sys.argv,
        "versions": versions(),
        "git_commit": git_commit(),
    }


def write_manifest(folder: Path, extra: dict[str, Any]) -> Path:
    """Write `manifest.json` into `folder`."""
    path = Path(folder) / MANIFEST_FILE
    write_atomic(path, json.dumps(manifest(extra), indent=2, default=str) + "\n")
    return path

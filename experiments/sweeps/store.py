"""The result store: a result folder's layout, and reading its run tables back.

Results are written as they arrive, in small Parquet chunks that appear atomically
(sweeps/chunks.py, with sweeps/folders.py's atomic writes), so a sweep stopped
by Ctrl-C, SIGTERM, `kill -9` or a dead worker loses at most the runs that had not been
written yet; a resumed sweep runs only those. When every run is in, the chunks are
consolidated into one `runs.parquet`. Readers take each run once, whatever mix of files
they find.

Every Parquet file a sweep writes is sealed (experiments/sweeps/seals.py): a file of which any
byte changed is reported as damaged and never read as results, and files of two
experiments in one folder are refused, whatever `manifest.json` says. Files written
before seals existed ("unsealed") are read, with a note, only when every file of the
folder is unsealed.

Layout of a result folder::

    OUT/manifest.json          config, master seed, identity, versions, commit, commands
    OUT/runs.parquet           the run table, one row per run (after completion)
    OUT/trajectories.parquet   per-step trajectories with run_id (if recorded)
    OUT/chunks/                runs-NNNNN-TOKEN.parquet (+ traj-...) while running
    OUT/.lock                  held (flock) by the sweep writing to OUT
    OUT/**/*.corrupt           damaged files set aside by a resume, kept for inspection
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from civres.errors import ResultsError

from .folders import LOCK_FILE, is_locked
from .seals import Damaged, read_sealed

TIMING_COLUMNS = ("wall_s",)
RUNS_FILE = "runs.parquet"
TRAJ_FILE = "trajectories.parquet"
MANIFEST_FILE = "manifest.json"
CHUNK_DIR = "chunks"
#: What a sweep's folder holds (and its analysis); a sweep starts only in a folder
#: holding nothing else.
SWEEP_ENTRIES = (MANIFEST_FILE, RUNS_FILE, TRAJ_FILE, CHUNK_DIR, LOCK_FILE, "analysis")
#: Suffix of damaged files set aside by a resume.
CORRUPT_SUFFIX = ".corrupt"
_CHUNK_RE = re.compile(r"^(runs|traj)-(\d+)-([0-9a-f]+)\.parquet$")


class ResultsWarning(UserWarning):
    """Damaged files were left out of what was read."""


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """A result folder's manifest.json, or None if it is missing or unreadable."""
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


# ---------------------------------------------------------------------------- reading


def chunk_matches(folder: Path) -> list[re.Match]:
    """The chunk files of a chunk folder, matched, in the order they were written."""
    if not folder.is_dir():
        return []
    found = (_CHUNK_RE.match(p.name) for p in folder.iterdir())
    return sorted((m for m in found if m), key=lambda m: (int(m[2]), m[3], m[1]))


@dataclass
class Source:
    """One readable file of a result folder."""

    path: Path
    kind: str  # "runs" or "traj"
    identity: dict[str, Any] | None  # None: unsealed (written before seals existed)
    table: pa.Table | None = None  # None when scanned without keeping tables
    pair: Path | None = None  # a trajectory chunk's run chunk, and the other way round

    @property
    def experiment(self) -> str | None:
        """The experiment id of its seal (None if unsealed)."""
        return None if self.identity is None else self.identity["experiment"]


@dataclass
class Scan:
    """What a result folder holds: readable files by kind, and damaged ones with why."""

    out_dir: Path
    runs: list[Source] = field(default_factory=list)
    trajectories: list[Source] = field(default_factory=list)
    damaged: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def sources(self) -> list[Source]:
        """Every readable file."""
        return [*self.runs, *self.trajectories]

    def by_experiment(self) -> dict[str | None, list[Source]]:
        """Readable files grouped by the experiment they are sealed with (None: unsealed)."""
        groups: dict[str | None, list[Source]] = {}
        for source in self.sources:
            groups.setdefault(source.experiment, []).append(source)
        return groups

    def identity(self) -> dict[str, Any] | None:
        """The one experiment the folder's files belong to (None if all are unsealed).

        Raises:
            ResultsError: files of more than one experiment (or sealed beside unsealed).

        """
        groups = self.by_experiment()
        if len(groups) > 1:
            raise ResultsError(f"{self.out_dir} holds files of {len(groups)} different "
                               f"experiments ({describe_groups(groups)}); they are not "
                               "read together: move one experiment's files elsewhere")
        return next((s.identity for s in self.sources), None)

    def damage_report(self) -> str:
        """The damaged files, one phrase each (empty if none)."""
        return "; ".join(f"{_rel(self.out_dir, p)}: {why}" for p, why in self.damaged)


def describe_groups(groups: dict[str | None, list[Source]]) -> str:
    """'experiment 1a2b3c4d: runs.parquet, ...; unsealed: chunks/...'."""
    parts = []
    for experiment, sources in groups.items():
        names = [_rel(sources[0].path.parent.parent if sources[0].path.parent.name == CHUNK_DIR
                      else sources[0].path.parent, s.path) for s in sources]
        shown = ", ".join(names[:2]) + (f" and {len(names) - 2} more" if len(names) > 2 else "")
        label = "unsealed" if experiment is None else f"experiment {experiment[:12]}"
        parts.append(f"{label}: {shown}")
    return "; ".join(parts)


def _rel(root: Path, path: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _candidates(out_dir: Path) -> list[tuple[Path, str, Path | None]]:
    """(path, kind, paired path) of every file a reader considers, consolidated first.

    A trajectory chunk without its run chunk (an orphan of a kill) is not considered.
    """
    folder = out_dir / CHUNK_DIR
    matches = chunk_matches(folder)
    stems = {(m[1], m[2], m[3]) for m in matches}
    found: list[tuple[Path, str, Path | None]] = [
        (out_dir / RUNS_FILE, "runs", None), (out_dir / TRAJ_FILE, "traj", None)]
    for m in matches:
        other = "traj" if m[1] == "runs" else "runs"
        paired = folder / f"{other}-{m[2]}-{m[3]}.parquet"
        if m[1] == "traj" and ("runs", m[2], m[3]) not in stems:
            continue
        found.append((folder / m[0], m[1], paired if (other, m[2], m[3]) in stems else None))
    return [(p, k, q) for p, k, q in found if p.exists()]


def scan(out_dir: str | Path, trajectories: bool = False, keep: bool = True) -> Scan:
    """Read and check every result file of a folder (run files; trajectories if asked).

    Args:
        out_dir: the result folder.
        trajectories: check the trajectory files too.
        keep: keep each table in memory (False: check only, e.g. before a resume).

    A file that disappears while it is read (a sweep consolidating meanwhile) makes the
    scan start again.

    """
    out_dir = Path(out_dir)
    for _ in range(5):
        try:
            return _scan_once(out_dir, trajectories, keep)
        except FileNotFoundError:
            continue
    return _scan_once(out_dir, trajectories, keep)


def _scan_once(out_dir: Path, trajectories: bool, keep: bool) -> Scan:
    result = Scan(out_dir)
    for path, kind, pair in _candidates(out_dir):
        if kind == "traj" and not trajectories:
            continue
        try:
            table, identity = read_sealed(path, kind)
        except Damaged as err:
            result.damaged.append((path, str(err)))
            continue
        source = Source(path, kind, identity, table if keep else None, pair)
        (result.runs if kind == "runs" else result.trajectories).append(source)
    if trajectories:
        # A run chunk whose trajectories are damaged cannot be used either: its runs must
        # be done again to have them.
        bad = {p for p, _ in result.damaged}
        for source in list(result.runs):
            if source.pair is not None and source.pair in bad:
                result.runs.remove(source)
                result.damaged.append((source.path, f"its trajectories ({source.pair.name}) "
                                                    "are damaged"))
    return result


def combine_runs(sources: list[pa.Table]) -> pa.Table | None:
    """One run table: each run_id once (first source wins), sorted, in canonical order."""
    if not sources:
        return None
    table = pa.concat_tables(sources, promote_options="permissive")
    ids = table["run_id"].to_numpy()
    _, first = np.unique(ids, return_index=True)  # sorted ids, first occurrence of each
    table = table.take(pa.array(first))
    names = table.column_names
    tail = [c for c in (*TIMING_COLUMNS, "error") if c in names]
    return table.select([c for c in names if c not in tail] + tail)


def combine_trajectories(sources: list[pa.Table], keep: set[int]) -> pa.Table | None:
    """One trajectory table: each run's rows from the first source holding that run."""
    seen: set[int] = set()
    parts = []
    for table in sources:
        ids = table["run_id"].to_numpy()
        fresh = set(np.unique(ids).tolist()) - seen
        wanted = np.isin(ids, list(fresh & keep))
        parts.append(table.filter(pa.array(wanted)))
        seen |= fresh
    if not parts:
        return None
    table = pa.concat_tables(parts, promote_options="permissive")
    order = np.lexsort((table["step"].to_numpy(), table["run_id"].to_numpy()))
    return table.take(pa.array(order))


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow to pandas with nullable ints and bools, so failed runs do not turn ints float."""
    mapping = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype(),
               pa.bool_(): pd.BooleanDtype()}
    return table.to_pandas(types_mapper=mapping.get)


@dataclass
class Results:
    """A result folder's checked run table and what is known about it."""

    out_dir: Path
    runs: pa.Table | None  # None: no readable runs
    identity: dict[str, Any] | None  # None: unsealed files only (or none at all)
    damaged: list[tuple[Path, str]]
    writing: bool  # a sweep holds the folder's lock: it is still being written

    def damage_report(self) -> str:
        """The damaged files, one phrase each (empty if none)."""
        return Scan(self.out_dir, damaged=self.damaged).damage_report()


def read_results(out_dir: str | Path) -> Results:
    """Read a result folder's runs; check every file's seal and that all are one experiment's.

    Damaged files are left out and listed in `damaged`.

    Raises:
        ResultsError: the folder holds files of more than one experiment.

    """
    out_dir = Path(out_dir)
    writing = is_locked(out_dir)
    found = scan(out_dir)
    identity = found.identity()
    runs = combine_runs([s.table for s in found.runs])
    return Results(out_dir, runs, identity, found.damaged, writing)


def _warn_damaged(found: Scan | Results) -> None:
    if found.damaged:
        warnings.warn(f"left out damaged files: {found.damage_report()}", ResultsWarning,
                      stacklevel=3)


def load_runs(out_dir: str | Path) -> pd.DataFrame:
    """Load the run table of a result folder, finished or not: a row per run, by run_id.

    Reads `runs.parquet` and any chunks, skipping temporary files; damaged files are left
    out with a `ResultsWarning`.

    Raises:
        ResultsError: the folder holds files of more than one experiment.

    """
    results = read_results(out_dir)
    _warn_damaged(results)
    return pd.DataFrame() if results.runs is None else to_pandas(results.runs)


def load_trajectories(out_dir: str | Path) -> pd.DataFrame:
    """Load the recorded trajectories of a result folder (empty if none were recorded).

    Raises:
        ResultsError: the folder holds files of more than one experiment.

    """
    found = scan(out_dir, trajectories=True)
    found.identity()
    _warn_damaged(found)
    runs = combine_runs([s.table for s in found.runs])
    keep = set() if runs is None else set(runs["run_id"].to_pylist())
    table = combine_trajectories([s.table for s in found.trajectories], keep)
    return pd.DataFrame() if table is None else to_pandas(table)


def has_results(out_dir: Path) -> bool:
    """Whether a folder holds any sweep results (a manifest, a run table or chunks)."""
    return ((out_dir / MANIFEST_FILE).exists() or (out_dir / RUNS_FILE).exists()
            or (out_dir / TRAJ_FILE).exists() or bool(chunk_matches(out_dir / CHUNK_DIR)))

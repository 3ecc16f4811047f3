"""The result store: atomic files, Parquet chunks, resume, and reading run tables back.

Results are written as they arrive, in small Parquet chunks that appear atomically
(written under a temporary name, fsynced, then renamed), so a sweep stopped by Ctrl-C,
`kill -9` or a dead worker loses at most the runs that had not been written yet; a
resumed sweep runs only those. When every run is in, the chunks are consolidated into
one `runs.parquet`. Readers take each run once, whatever mix of files they find.

Layout of a result folder::

    OUT/manifest.json          config, master seed, versions, commit, command lines
    OUT/runs.parquet           the run table, one row per run (after completion)
    OUT/trajectories.parquet   per-step trajectories with run_id (if recorded)
    OUT/chunks/                runs-NNNNN-TOKEN.parquet (+ traj-...) while running
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

TIMING_COLUMNS = ("wall_s",)
RUNS_FILE = "runs.parquet"
TRAJ_FILE = "trajectories.parquet"
MANIFEST_FILE = "manifest.json"
CHUNK_DIR = "chunks"
#: Prefix of files being written; never read, removed when a sweep resumes.
TMP_PREFIX = ".tmp-"
_CHUNK_RE = re.compile(r"^(runs|traj)-(\d+)-([0-9a-f]+)\.parquet$")


# ---------------------------------------------------------------------------- atomic files


@contextmanager
def _atomic(path: Path) -> Iterator[IO[bytes]]:
    """Open a hidden temporary file beside `path`; on success fsync it and rename it.

    Readers see the old file or the whole new one, never half of it, even after a crash.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{TMP_PREFIX}{secrets.token_hex(4)}-{path.name}")
    try:
        with open(tmp, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # results are meant to be shared
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a text (UTF-8) or binary file atomically: readers never see it half-written."""
    with _atomic(Path(path)) as handle:
        handle.write(data.encode() if isinstance(data, str) else data)


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    """Write an Arrow table as a Parquet file atomically."""
    with _atomic(Path(path)) as handle:
        pq.write_table(table, handle)


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """A result folder's manifest.json, or None if it is missing or unreadable."""
    try:
        return json.loads((Path(out_dir) / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------------------- chunks


def rows_table(rows: list[dict[str, Any]]) -> pa.Table:
    """Rows as a table, with the union of their columns in order of appearance."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    table = pa.Table.from_pydict({c: [row.get(c) for row in rows] for c in columns})
    # An all-None error column would be typed null; say what it holds.
    return table.set_column(table.schema.get_field_index("error"), "error",
                            table["error"].cast(pa.string()))


class ChunkWriter:
    """Buffers finished runs and writes them as atomic Parquet chunks.

    A chunk's trajectory file is written before its run file and shares its token; a
    trajectory chunk without its run chunk is an orphan from a kill and is ignored.
    """

    def __init__(self, out_dir: Path, chunk_runs: int, flush_seconds: float) -> None:
        self.folder = out_dir / CHUNK_DIR
        self.folder.mkdir(parents=True, exist_ok=True)
        self.chunk_runs = chunk_runs
        self.flush_seconds = flush_seconds
        self.rows: list[dict[str, Any]] = []
        self.trajectories: list[pd.DataFrame] = []
        self.seq = 1 + max((int(m[2]) for m in _chunk_matches(self.folder)), default=0)
        self.token = f"{os.getpid():x}{secrets.token_hex(3)}"
        self.last_flush = time.monotonic()

    def add(self, row: dict[str, Any], trajectory: pd.DataFrame | None) -> None:
        """Buffer one run; flush if the buffer is big or old enough."""
        self.rows.append(row)
        if trajectory is not None:
            self.trajectories.append(trajectory)
        self.maybe_flush()

    def maybe_flush(self) -> None:
        """Flush when chunk_runs runs are buffered or flush_seconds have passed."""
        old = time.monotonic() - self.last_flush >= self.flush_seconds
        if len(self.rows) >= self.chunk_runs or (old and self.rows):
            self.flush()

    def flush(self) -> None:
        """Write the buffered runs (and trajectories) as one chunk."""
        if not self.rows:
            return
        stem = f"{self.seq:05d}-{self.token}"
        if self.trajectories:
            frame = pd.concat(self.trajectories, ignore_index=True)
            write_parquet_atomic(pa.Table.from_pandas(frame, preserve_index=False),
                                 self.folder / f"traj-{stem}.parquet")
        write_parquet_atomic(rows_table(self.rows), self.folder / f"runs-{stem}.parquet")
        self.seq += 1
        self.rows, self.trajectories = [], []
        self.last_flush = time.monotonic()


# ---------------------------------------------------------------------------- reading


def _chunk_matches(folder: Path) -> list[re.Match]:
    if not folder.is_dir():
        return []
    found = (_CHUNK_RE.match(p.name) for p in folder.iterdir())
    return sorted((m for m in found if m), key=lambda m: (int(m[2]), m[3], m[1]))


def _read_table(path: Path) -> pa.Table | None:
    """Read a Parquet file; None if it is unreadable (e.g. not ours, or truncated)."""
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowException):
        return None


def _run_sources(out_dir: Path) -> list[pa.Table]:
    """Every readable run table in a result folder: the consolidated one first."""
    sources = []
    for path in [out_dir / RUNS_FILE] + [out_dir / CHUNK_DIR / m[0]
                                          for m in _chunk_matches(out_dir / CHUNK_DIR)
                                          if m[1] == "runs"]:
        if path.exists() and (table := _read_table(path)) is not None:
            sources.append(table)
    return sources


def _traj_sources(out_dir: Path) -> list[pa.Table]:
    """Every readable trajectory table whose run chunk exists (orphans are ignored)."""
    folder = out_dir / CHUNK_DIR
    matches = _chunk_matches(folder)
    run_stems = {(m[2], m[3]) for m in matches if m[1] == "runs"}
    paths = [out_dir / TRAJ_FILE] + [folder / m[0] for m in matches
                                     if m[1] == "traj" and (m[2], m[3]) in run_stems]
    return [t for p in paths if p.exists() and (t := _read_table(p)) is not None]


def _combine_runs(sources: list[pa.Table]) -> pa.Table | None:
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


def _combine_trajectories(sources: list[pa.Table], keep: set[int]) -> pa.Table | None:
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


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    """Arrow to pandas with nullable ints and bools, so failed runs do not turn ints float."""
    mapping = {pa.int64(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype(),
               pa.bool_(): pd.BooleanDtype()}
    return table.to_pandas(types_mapper=mapping.get)


def load_runs(out_dir: str | Path) -> pd.DataFrame:
    """Load the run table of a result folder, finished or not: a row per run, by run_id.

    Reads `runs.parquet` and any chunks, skipping temporary and unreadable files.
    """
    table = _combine_runs(_run_sources(Path(out_dir)))
    return pd.DataFrame() if table is None else _to_pandas(table)


def load_trajectories(out_dir: str | Path) -> pd.DataFrame:
    """Load the recorded trajectories of a result folder (empty if none were recorded)."""
    out_dir = Path(out_dir)
    runs = _combine_runs(_run_sources(out_dir))
    keep = set() if runs is None else set(runs["run_id"].to_pylist())
    table = _combine_trajectories(_traj_sources(out_dir), keep)
    return pd.DataFrame() if table is None else _to_pandas(table)


def consolidate(out_dir: Path) -> pa.Table | None:
    """Merge chunks into runs.parquet (and trajectories.parquet), then remove them.

    The consolidated files are written before any chunk is removed, and readers take each
    run once, so a kill at any point leaves a readable, duplicate-free folder.
    """
    runs = _combine_runs(_run_sources(out_dir))
    if runs is None:
        return None
    trajectories = _combine_trajectories(_traj_sources(out_dir),
                                         set(runs["run_id"].to_pylist()))
    if trajectories is not None:
        write_parquet_atomic(trajectories, out_dir / TRAJ_FILE)
    write_parquet_atomic(runs, out_dir / RUNS_FILE)
    for m in sorted(_chunk_matches(out_dir / CHUNK_DIR), key=lambda m: m[1] != "traj"):
        (out_dir / CHUNK_DIR / m[0]).unlink(missing_ok=True)
    try:
        (out_dir / CHUNK_DIR).rmdir()  # only if empty: *.corrupt files stay for inspection
    except OSError:
        pass
    return runs


# ---------------------------------------------------------------------------- resume


def tidy(out_dir: Path) -> list[str]:
    """Tidy a result folder before resuming.

    Removes temporary files and orphan trajectory chunks; sets aside unreadable chunks
    (renamed *.corrupt: kept for inspection, never read).
    """
    notes = []
    folder = out_dir / CHUNK_DIR
    for path in [*out_dir.glob(f"{TMP_PREFIX}*"), *folder.glob(f"{TMP_PREFIX}*")]:
        path.unlink(missing_ok=True)
    matches = _chunk_matches(folder)
    run_stems = {(m[2], m[3]) for m in matches if m[1] == "runs"}
    for m in matches:
        path = folder / m[0]
        if m[1] == "traj" and (m[2], m[3]) not in run_stems:
            path.unlink(missing_ok=True)
        elif _read_table(path) is None:
            path.rename(path.with_name(path.name + ".corrupt"))
            notes.append(f"set aside unreadable chunk {path.name}")
    return notes


def has_results(out_dir: Path) -> bool:
    """Whether a folder holds any sweep results (a manifest, a run table or chunks)."""
    return ((out_dir / MANIFEST_FILE).exists() or (out_dir / RUNS_FILE).exists()
            or bool(_chunk_matches(out_dir / CHUNK_DIR)))

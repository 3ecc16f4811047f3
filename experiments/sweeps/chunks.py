"""Writing a sweep's results as they arrive: sealed chunks, consolidation, tidying.

`ChunkWriter` buffers finished runs and writes them as small sealed Parquet chunks
(experiments/sweeps/seals.py) that appear atomically, so a sweep stopped by Ctrl-C, SIGTERM,
`kill -9` or a dead worker loses at most the runs not yet written. When every run is in,
`consolidate` merges the chunks into `runs.parquet` (and `trajectories.parquet`).
Before a resume, `tidy` removes temporary files and orphan trajectory chunks and sets
damaged files aside (*.corrupt). The folder's layout is in experiments/sweeps/store.py.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from civres.errors import ResultsError, WriteFailed

from .folders import TMP_PREFIX
from .seals import write_parquet_atomic
from .store import (
    CHUNK_DIR,
    CORRUPT_SUFFIX,
    RUNS_FILE,
    TRAJ_FILE,
    Scan,
    chunk_matches,
    combine_runs,
    combine_trajectories,
    describe_groups,
    scan,
)


def rows_table(rows: list[dict[str, Any]], schema: pa.Schema | None = None) -> pa.Table:
    """Rows as a table.

    With `schema`: exactly its columns and types (a row with another column is a
    ValueError). Without: the union of the rows' columns in order of appearance.
    """
    if schema is not None:
        extra = {key for row in rows for key in row} - set(schema.names)
        if extra:
            raise ValueError(f"rows hold columns the run table does not declare: "
                             f"{', '.join(sorted(extra))}")
        return pa.Table.from_pydict({c: [row.get(c) for row in rows] for c in schema.names},
                                    schema=schema)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    table = pa.Table.from_pydict({c: [row.get(c) for row in rows] for c in columns})
    # An all-None error column would be typed null; say what it holds.
    return table.set_column(table.schema.get_field_index("error"), "error",
                            table["error"].cast(pa.string()))


class ChunkWriter:
    """Buffers finished runs and writes them as atomic, sealed Parquet chunks.

    A chunk's trajectory file is written before its run file and shares its token; a
    trajectory chunk without its run chunk is an orphan from a kill and is ignored.
    `written` counts the runs written so far.
    """

    def __init__(self, out_dir: Path, chunk_runs: int, flush_seconds: float,
                 identity: dict[str, Any] | None = None,
                 schema: pa.Schema | None = None) -> None:
        self.folder = Path(out_dir) / CHUNK_DIR
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise WriteFailed(f"cannot write {self.folder}: {err.strerror}") from err
        self.chunk_runs = chunk_runs
        self.flush_seconds = flush_seconds
        self.identity = identity
        self.schema = schema
        self.rows: list[dict[str, Any]] = []
        self.trajectories: list[pd.DataFrame] = []
        self.seq = 1 + max((int(m[2]) for m in chunk_matches(self.folder)), default=0)
        self.token = f"{os.getpid():x}{secrets.token_hex(3)}"
        self.last_flush = time.monotonic()
        self.written = 0

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
        """Write the buffered runs (and trajectories) as one chunk.

        Raises:
            WriteFailed: the chunk could not be written; the runs stay buffered.

        """
        if not self.rows:
            return
        stem = f"{self.seq:05d}-{self.token}"
        self.seq += 1  # a failed write never reuses its name
        if self.trajectories:
            frame = pd.concat(self.trajectories, ignore_index=True)
            write_parquet_atomic(pa.Table.from_pandas(frame, preserve_index=False),
                                 self.folder / f"traj-{stem}.parquet", self.identity, "traj")
        write_parquet_atomic(rows_table(self.rows, self.schema),
                             self.folder / f"runs-{stem}.parquet", self.identity, "runs")
        self.written += len(self.rows)
        self.rows, self.trajectories = [], []
        self.last_flush = time.monotonic()


def consolidate(out_dir: Path, identity: dict[str, Any] | None = None) -> pa.Table | None:
    """Merge chunks into runs.parquet (and trajectories.parquet), then remove them.

    The consolidated files are written (sealed with `identity`, or with the files' own)
    before any chunk is removed, and readers take each run once, so a kill at any point
    leaves a readable, duplicate-free folder. Damaged files are set aside (*.corrupt),
    never removed.

    Raises:
        ResultsError: the folder holds files of another experiment than `identity`.
        WriteFailed: a consolidated file could not be written; the chunks stay.

    """
    out_dir = Path(out_dir)
    found = scan(out_dir, trajectories=True)
    found_identity = found.identity()
    if identity is None:
        identity = found_identity
    elif found.sources and (found_identity or {}).get("experiment") != identity["experiment"]:
        raise ResultsError(f"{out_dir} holds files of another experiment "
                           f"({describe_groups(found.by_experiment())})")
    set_aside(found.damaged)
    runs = combine_runs([s.table for s in found.runs])
    if runs is None:
        return None
    trajectories = combine_trajectories([s.table for s in found.trajectories],
                                         set(runs["run_id"].to_pylist()))
    if trajectories is not None:
        write_parquet_atomic(trajectories, out_dir / TRAJ_FILE, identity, "traj")
    write_parquet_atomic(runs, out_dir / RUNS_FILE, identity, "runs")
    for m in sorted(chunk_matches(out_dir / CHUNK_DIR), key=lambda m: m[1] != "traj"):
        (out_dir / CHUNK_DIR / m[0]).unlink(missing_ok=True)
    try:
        (out_dir / CHUNK_DIR).rmdir()  # only if empty: *.corrupt files stay for inspection
    except OSError:
        pass
    return runs


def set_aside(damaged: list[tuple[Path, str]]) -> list[str]:
    """Rename damaged files to *.corrupt (kept for inspection, never read); say so."""
    notes = []
    for path, why in damaged:
        target = path.with_name(path.name + CORRUPT_SUFFIX)
        n = 1
        while target.exists():
            n += 1
            target = path.with_name(f"{path.name}{CORRUPT_SUFFIX}{n}")
        try:
            path.rename(target)
        except FileNotFoundError:
            continue
        notes.append(f"set aside damaged {path.name} ({why}) as {target.name}; its runs "
                     "are run again")
    return notes


def tidy(out_dir: Path, found: Scan | None = None) -> list[str]:
    """Tidy a result folder before resuming.

    Removes temporary files and orphan trajectory chunks; sets aside damaged files
    (renamed *.corrupt: kept for inspection, never read).
    """
    out_dir = Path(out_dir)
    folder = out_dir / CHUNK_DIR
    for path in [*out_dir.glob(f"{TMP_PREFIX}*"), *folder.glob(f"{TMP_PREFIX}*")]:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    matches = chunk_matches(folder)
    run_stems = {(m[2], m[3]) for m in matches if m[1] == "runs"}
    for m in matches:
        if m[1] == "traj" and (m[2], m[3]) not in run_stems:
            (folder / m[0]).unlink(missing_ok=True)
    if found is None:
        found = scan(out_dir, trajectories=True, keep=False)
    return set_aside(found.damaged)



"""The result store: atomic files, sealed Parquet chunks, resume, and reading run tables back.

Results are written as they arrive, in small Parquet chunks that appear atomically
(written under a temporary name, fsynced, then renamed), so a sweep stopped by Ctrl-C,
SIGTERM, `kill -9` or a dead worker loses at most the runs that had not been written
yet; a resumed sweep runs only those. When every run is in, the chunks are consolidated
into one `runs.parquet`. Readers take each run once, whatever mix of files they find.

Every Parquet file a sweep writes is **sealed**: its key-value metadata (key
`civres.seal`) holds the identity of the experiment it belongs to (see
`experiments.tasks.experiment_identity`: a hash of the config, of the resolved runs with
their parameters and seeds, and of the model code), the kind of file, its row count, a
SHA-256 of its data (every column's name, type, validity and values), a SHA-256 of all of
that, and a SHA-256 of the whole file's bytes (computed with its own 64 hex digits
zeroed, then written into them). Readers check all three (and Parquet's page CRCs, which
are written too): a file of which any byte changed is reported as damaged and never read
as results, and files of two experiments in one folder are refused, whatever
`manifest.json` says.
Files written before seals existed ("unsealed") are read, with a note, only when every
file of the folder is unsealed.

Layout of a result folder::

    OUT/manifest.json          config, master seed, identity, versions, commit, commands
    OUT/runs.parquet           the run table, one row per run (after completion)
    OUT/trajectories.parquet   per-step trajectories with run_id (if recorded)
    OUT/chunks/                runs-NNNNN-TOKEN.parquet (+ traj-...) while running
    OUT/.lock                  held (flock) by the sweep writing to OUT
    OUT/**/*.corrupt           damaged files set aside by a resume, kept for inspection
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import time
import warnings
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .designs import canonical_json
from .errors import OutputError, ResultsError, WriteFailed

TIMING_COLUMNS = ("wall_s",)
RUNS_FILE = "runs.parquet"
TRAJ_FILE = "trajectories.parquet"
MANIFEST_FILE = "manifest.json"
CHUNK_DIR = "chunks"
LOCK_FILE = ".lock"
#: Prefix of files being written; never read, removed when a sweep resumes.
TMP_PREFIX = ".tmp-"
#: What a sweep's folder holds (and its analysis); a sweep starts only in a folder
#: holding nothing else.
SWEEP_ENTRIES = (MANIFEST_FILE, RUNS_FILE, TRAJ_FILE, CHUNK_DIR, LOCK_FILE, "analysis")
#: Suffix of damaged files set aside by a resume.
CORRUPT_SUFFIX = ".corrupt"
#: The Parquet key-value metadata key of a file's seal.
SEAL_KEY = b"civres.seal"
SEAL_FORMAT = 2
_CHUNK_RE = re.compile(r"^(runs|traj)-(\d+)-([0-9a-f]+)\.parquet$")


class ResultsWarning(UserWarning):
    """Damaged files were left out of what was read."""


# ---------------------------------------------------------------------------- atomic files


@contextmanager
def _atomic(path: Path) -> Iterator[IO[bytes]]:
    """Open a hidden temporary file beside `path`; on success fsync it and rename it.

    Readers see the old file or the whole new one, never half of it, even after a crash.

    Raises:
        WriteFailed: the write failed (a full disk, a folder gone); nothing is left of it.

    """
    path = Path(path)
    tmp = path.with_name(f"{TMP_PREFIX}{secrets.token_hex(4)}-{path.name}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # results are meant to be shared
        os.replace(tmp, path)
        _fsync_folder(path.parent)
    except OSError as err:
        raise WriteFailed(f"cannot write {path}: {err.strerror or err}") from err
    finally:
        tmp.unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (best effort: not every file system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a text (UTF-8) or binary file atomically: readers never see it half-written."""
    with _atomic(Path(path)) as handle:
        handle.write(data.encode() if isinstance(data, str) else data)


def write_parquet_atomic(table: pa.Table, path: Path, identity: dict[str, Any] | None = None,
                         kind: str = "runs") -> None:
    """Write an Arrow table as a Parquet file atomically, with page checksums.

    With an `identity` the file is sealed (see the module's docstring).
    """
    if identity is None:
        with _atomic(Path(path)) as handle:
            pq.write_table(table, handle, write_page_checksum=True)
        return
    buffer = io.BytesIO()
    # The seal appears once verbatim in the footer (the Arrow schema's copy is base64):
    # its file digest is written there, in place.
    pq.write_table(seal_table(table, identity, kind), buffer, write_page_checksum=True)
    data = bytearray(buffer.getvalue())
    at = data.rfind(_FILE_DIGEST_KEY + _PLACEHOLDER)
    if at < 0:
        raise ValueError("the seal's file digest is not in the written file")
    at += len(_FILE_DIGEST_KEY)
    data[at:at + 64] = hashlib.sha256(data).hexdigest().encode()
    write_atomic(Path(path), bytes(data))


def read_manifest(out_dir: Path) -> dict[str, Any] | None:
    """A result folder's manifest.json, or None if it is missing or unreadable."""
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


# ---------------------------------------------------------------------------- seals


def data_digest(table: pa.Table) -> str:
    """SHA-256 of a table's data: each column's name, type, validity and values.

    Independent of how the table is chunked or which file format carried it, so a table
    read back from Parquet gives the digest of the table that was written.
    """
    digest = hashlib.sha256(f"rows={table.num_rows}".encode())
    for name, column in zip(table.column_names, table.columns, strict=True):
        digest.update(b"\x00" + canonical_json([name, str(column.type)]))
        array = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
        if pa.types.is_null(array.type):
            continue
        valid = array.is_valid().to_numpy(zero_copy_only=False)
        digest.update(np.packbits(valid).tobytes())
        kind = array.type
        if pa.types.is_boolean(kind) or pa.types.is_integer(kind) or pa.types.is_floating(kind):
            fill = pa.scalar(False if pa.types.is_boolean(kind) else 0).cast(kind)
            values = array.fill_null(fill) if array.null_count else array
            digest.update(np.ascontiguousarray(values.to_numpy(zero_copy_only=False)).tobytes())
        else:  # strings and anything else: their Python values, length-prefixed
            for value in array.to_pylist():
                text = b"" if value is None else canonical_json(value)
                digest.update(len(text).to_bytes(8, "little") + text)
    return digest.hexdigest()


_FILE_DIGEST_KEY = b'"file_sha256":"'
_PLACEHOLDER = b"0" * 64


def _seal_digest(seal: dict[str, Any]) -> str:
    body = {k: v for k, v in seal.items() if k not in ("seal", "file_sha256")}
    return hashlib.sha256(canonical_json(body)).hexdigest()


def seal_table(table: pa.Table, identity: dict[str, Any], kind: str) -> pa.Table:
    """The table with its seal as its only schema metadata (pandas' own is dropped).

    The seal's file digest is a placeholder until `write_parquet_atomic` writes it.
    """
    seal = {"format": SEAL_FORMAT, "kind": kind, "identity": identity,
            "rows": table.num_rows, "data_sha256": data_digest(table),
            "file_sha256": _PLACEHOLDER.decode()}
    seal["seal"] = _seal_digest(seal)
    return table.replace_schema_metadata({SEAL_KEY: canonical_json(seal)})


def _file_digest_matches(data: bytes) -> bool | None:
    """Whether a file's bytes match the file digest in its seal (None: it has none)."""
    at = data.rfind(_FILE_DIGEST_KEY)
    if at < 0:
        return None
    at += len(_FILE_DIGEST_KEY)
    recorded = bytes(data[at:at + 64])
    zeroed = data[:at] + _PLACEHOLDER + data[at + 64:]
    return hashlib.sha256(zeroed).hexdigest().encode() == recorded


class Damaged(Exception):
    """A file that cannot be trusted: unreadable, or its bytes changed after writing."""


def read_sealed(path: Path, kind: str | None = None) -> tuple[pa.Table, dict[str, Any] | None]:
    """Read a Parquet file and check its seal.

    Returns:
        The table (without the seal) and the identity it was sealed with, or None for an
        unsealed file.

    Raises:
        Damaged: the file is not readable Parquet, or a digest does not match.
        FileNotFoundError: the file went away (e.g. a sweep consolidated meanwhile).

    """
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise  # gone meanwhile: the caller looks again
    except OSError as err:
        raise Damaged(f"unreadable ({err.strerror or err})") from None
    file_digest = _file_digest_matches(data)
    if file_digest is False:
        raise Damaged("checksum mismatch: its bytes changed after it was written")
    try:
        table = pq.read_table(pa.BufferReader(data), page_checksum_verification=True)
    except (OSError, pa.ArrowException, ValueError, IndexError, KeyError) as err:
        raise Damaged(f"not readable as Parquet ({_first_line(err)})") from None
    metadata = table.schema.metadata or {}
    if SEAL_KEY not in metadata:
        if _FILE_DIGEST_KEY in data[-65536:]:
            raise Damaged("its seal is unreadable")
        return table, None
    try:
        seal = json.loads(metadata[SEAL_KEY])
        ok = isinstance(seal, dict) and seal.get("seal") == _seal_digest(seal)
    except (ValueError, TypeError):
        ok = False
    if not ok or (file_digest is None and "file_sha256" in seal):
        raise Damaged("its seal does not match its metadata (the file changed after it "
                      "was written)")
    table = table.replace_schema_metadata(None)
    if seal.get("rows") != table.num_rows or seal.get("data_sha256") != data_digest(table):
        raise Damaged("checksum mismatch: its data changed after it was written")
    if kind is not None and seal.get("kind") != kind:
        raise Damaged(f"holds {seal.get('kind')!r} data where {kind!r} data belong")
    identity = seal.get("identity")
    if not isinstance(identity, dict) or not isinstance(identity.get("experiment"), str):
        raise Damaged("its seal names no experiment")
    return table, identity


def _first_line(err: BaseException) -> str:
    lines = str(err).strip().splitlines()
    return lines[0] if lines else type(err).__name__


# ---------------------------------------------------------------------------- output folders


def _out_text(path: str | os.PathLike[str], flag: str) -> str:
    """The folder name as given, refused if empty or not a possible path."""
    text = os.fspath(path)
    if not text.strip():
        raise OutputError(f"{flag} must name a folder (got an empty string)")
    if "\x00" in text:
        raise OutputError(f"{flag} {text!r}: not a possible folder name (a NUL character)")
    return text


def check_out_dir(path: str | os.PathLike[str], flag: str = "--out") -> Path:
    """Create (if needed) and check a folder to write results into.

    Raises:
        OutputError: the name is empty, names a file, or the folder cannot be created or
            written to; one line naming `flag`.

    """
    text = _out_text(path, flag)
    folder = Path(text)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{flag} {text}: exists and is not a folder")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f"{TMP_PREFIX}{secrets.token_hex(4)}-probe"
        probe.touch()
        probe.unlink()
    except (OSError, ValueError) as err:
        why = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
        raise OutputError(f"{flag} {text}: cannot write there ({why})") from None
    return folder


@contextmanager
def folder_written_whole(out: Path, owned: Collection[str], flag: str = "--out"
                         ) -> Iterator[Path]:
    """Write a command's files together or not at all.

    Yields a hidden staging folder beside `out`; once the block has written every file
    into it, the staging folder takes `out`'s place by renames. A failure (a full disk, a
    signal) leaves `out` as it was. `out` may already exist only if it is empty or holds
    files named in `owned` (an earlier result of the same command): it is replaced whole.

    Raises:
        OutputError: `out` is unusable, or holds files the command did not write.
        WriteFailed: writing failed part-way; nothing of it is left.

    """
    text = _out_text(out, flag)
    out = Path(text)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{flag} {text}: exists and is not a folder")
    here = Path.cwd().resolve()
    if out.resolve() == here or out.resolve() in here.parents:
        raise OutputError(f"{flag} {text}: is the working folder or holds it; name a folder "
                          "of its own")
    if out.is_dir():
        others = sorted(p.name for p in out.iterdir() if p.name not in owned)
        if others:
            shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            raise OutputError(f"{flag} {text}: holds files this command did not write "
                              f"({shown}); choose a new or empty folder")
    try:
        parent = check_out_dir(out.parent, flag)
    except OutputError as err:
        why = str(err).rpartition(": ")[2]
        raise OutputError(f"{flag} {text}: {why}") from None
    token = secrets.token_hex(4)
    stage = parent / f"{TMP_PREFIX}{token}-{out.name}"
    old = parent / f"{TMP_PREFIX}{token}-old-{out.name}"
    try:
        stage.mkdir()
        yield stage
        for item in stage.iterdir():
            with open(item, "rb") as handle:
                os.fsync(handle.fileno())
        if out.exists():
            os.rename(out, old)
            try:
                os.rename(stage, out)
            except OSError:
                os.rename(old, out)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(stage, out)
        _fsync_folder(parent)
    except OSError as err:
        raise WriteFailed(f"cannot write {text}: {err.strerror or err}; nothing was "
                          "written") from err
    finally:
        shutil.rmtree(stage, ignore_errors=True)


@contextmanager
def locked(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on a result folder (flock on OUT/.lock) for the block.

    The lock file is removed when the block ends, so a finished folder holds no trace of
    it. (A process that opened the file just before it was removed would lock a file no
    longer in the folder: so after locking, the file locked must still be the folder's.)

    Raises:
        OutputError: another process holds it (another sweep is writing to the folder).

    """
    path = Path(out_dir) / LOCK_FILE
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise OutputError(f"{out_dir}: cannot create its lock file ({err.strerror})"
                              ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            who = f" (process {holder})" if holder.isdigit() else ""
            raise OutputError(f"{out_dir} is in use by another sweep{who}; wait for it to "
                              "finish, or choose another --out") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # removed by the sweep that held it: lock the folder's new one
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        try:
            path.unlink(missing_ok=True)
        finally:
            os.close(fd)  # releases the lock


def is_locked(out_dir: Path) -> bool:
    """Whether a sweep holds the folder's lock now (it is still writing to it)."""
    try:
        fd = os.open(Path(out_dir) / LOCK_FILE, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def is_disk_full(err: BaseException) -> bool:
    """Whether an error (or its cause) is a full disk or quota."""
    while err is not None:
        if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        err = err.__cause__
    return False


# ---------------------------------------------------------------------------- chunks


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
        self.seq = 1 + max((int(m[2]) for m in _chunk_matches(self.folder)), default=0)
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


# ---------------------------------------------------------------------------- reading


def _chunk_matches(folder: Path) -> list[re.Match]:
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
    matches = _chunk_matches(folder)
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
    runs = _combine_runs([s.table for s in found.runs])
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
    return pd.DataFrame() if results.runs is None else _to_pandas(results.runs)


def load_trajectories(out_dir: str | Path) -> pd.DataFrame:
    """Load the recorded trajectories of a result folder (empty if none were recorded).

    Raises:
        ResultsError: the folder holds files of more than one experiment.

    """
    found = scan(out_dir, trajectories=True)
    found.identity()
    _warn_damaged(found)
    runs = _combine_runs([s.table for s in found.runs])
    keep = set() if runs is None else set(runs["run_id"].to_pylist())
    table = _combine_trajectories([s.table for s in found.trajectories], keep)
    return pd.DataFrame() if table is None else _to_pandas(table)


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
    runs = _combine_runs([s.table for s in found.runs])
    if runs is None:
        return None
    trajectories = _combine_trajectories([s.table for s in found.trajectories],
                                         set(runs["run_id"].to_pylist()))
    if trajectories is not None:
        write_parquet_atomic(trajectories, out_dir / TRAJ_FILE, identity, "traj")
    write_parquet_atomic(runs, out_dir / RUNS_FILE, identity, "runs")
    for m in sorted(_chunk_matches(out_dir / CHUNK_DIR), key=lambda m: m[1] != "traj"):
        (out_dir / CHUNK_DIR / m[0]).unlink(missing_ok=True)
    try:
        (out_dir / CHUNK_DIR).rmdir()  # only if empty: *.corrupt files stay for inspection
    except OSError:
        pass
    return runs


# ---------------------------------------------------------------------------- resume


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
    matches = _chunk_matches(folder)
    run_stems = {(m[2], m[3]) for m in matches if m[1] == "runs"}
    for m in matches:
        if m[1] == "traj" and (m[2], m[3]) not in run_stems:
            (folder / m[0]).unlink(missing_ok=True)
    if found is None:
        found = scan(out_dir, trajectories=True, keep=False)
    return set_aside(found.damaged)


def has_results(out_dir: Path) -> bool:
    """Whether a folder holds any sweep results (a manifest, a run table or chunks)."""
    return ((out_dir / MANIFEST_FILE).exists() or (out_dir / RUNS_FILE).exists()
            or (out_dir / TRAJ_FILE).exists() or bool(_chunk_matches(out_dir / CHUNK_DIR)))

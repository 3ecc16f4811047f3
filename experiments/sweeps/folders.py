"""Atomic files and result folders: whole writes, output-folder checks, the folder lock.

A file is written under a hidden temporary name beside its target (`TMP_PREFIX`), fsynced,
then renamed, so readers see the old file or the whole new one, even after a crash. A
command's output folder is written the same way: staged beside it, then renamed into place
(`folder_written_whole`). `check_out_dir` refuses an unusable --out with one line, and a
sweep holds its folder's lock (`locked`: flock on OUT/.lock) while it writes.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from civres.errors import OutputError, WriteFailed

#: Prefix of files being written; never read, removed when a sweep resumes.
TMP_PREFIX = ".tmp-"
LOCK_FILE = ".lock"


# ---------------------------------------------------------------------------- atomic files


@contextmanager
def atomic_file(path: Path) -> Iterator[IO[bytes]]:
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
    with atomic_file(Path(path)) as handle:
        handle.write(data.encode() if isinstance(data, str) else data)


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
def locked(out_dir: Path, what: str = "sweep") -> Iterator[None]:
    """Hold an exclusive lock on a result folder (flock on OUT/.lock) for the block.

    The lock file is removed when the block ends, so a finished folder holds no trace of
    it. (A process that opened the file just before it was removed would lock a file no
    longer in the folder: so after locking, the file locked must still be the folder's.)

    Raises:
        OutputError: another process holds it (another sweep, or the `what` named, is
            writing to the folder).

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
            raise OutputError(f"{out_dir} is in use by another {what}{who}; wait for it "
                              "to finish, or choose another --out") from None
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


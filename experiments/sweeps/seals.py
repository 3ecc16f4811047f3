"""Sealed Parquet files: writing them with their seal, and reading them back checked.

Every Parquet file a sweep writes is **sealed**: its key-value metadata (key
`civres.seal`) holds the identity of the experiment it belongs to (see
`civres.experiments.sweeps.tasks.experiment_identity`: a hash of the config, of the
resolved runs with
their parameters and seeds, and of the model code), the kind of file, its row count, a
SHA-256 of its data (every column's name, type, validity and values), a SHA-256 of all of
that, and a SHA-256 of the whole file's bytes (computed with its own 64 hex digits
zeroed, then written into them). Readers check all three (and Parquet's page CRCs, which
are written too): a file of which any byte changed is reported as damaged and never read
as results, and files of two experiments in one folder are refused (experiments/sweeps/store.py),
whatever `manifest.json` says.
Files written before seals existed ("unsealed") are read, with a note, only when every
file of the folder is unsealed.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .designs import canonical_json
from .folders import atomic_file, write_atomic

#: The Parquet key-value metadata key of a file's seal.
SEAL_KEY = b"civres.seal"
SEAL_FORMAT = 2


def write_parquet_atomic(table: pa.Table, path: Path, identity: dict[str, Any] | None = None,
                         kind: str = "runs") -> None:
    """Write an Arrow table as a Parquet file atomically, with page checksums.

    With an `identity` the file is sealed (see the module's docstring).
    """
    if identity is None:
        with atomic_file(Path(path)) as handle:
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

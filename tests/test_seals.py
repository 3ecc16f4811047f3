"""Sealed Parquet files (experiments/sweeps/seals.py): the seal's format is pinned (files written
now stay readable), and every way a file can be changed or forged is reported as damage,
with its reason, never read as results."""

from __future__ import annotations

import hashlib
import io
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import civres.experiments.sweeps.seals as seals
from civres.experiments.sweeps.designs import canonical_json
from civres.experiments.sweeps.seals import (
    SEAL_KEY,
    Damaged,
    data_digest,
    read_sealed,
    seal_table,
    write_parquet_atomic,
)

IDENTITY = {"experiment": "e" * 64}
KEY, PLACEHOLDER = seals._FILE_DIGEST_KEY, seals._PLACEHOLDER


def every_kind() -> pa.Table:
    """One column of each kind a table may hold, with nulls (half floats too); `i` in
    two chunks, and a column after the all-null one."""
    return pa.table({
        "i": pa.chunked_array([[1, None], [3]], pa.int64()),
        "f": pa.array([0.5, None, -2.0]),
        "h": pa.array(np.array([0.5, 0.0, 1.0], np.float16), mask=np.array([0, 1, 0], bool)),
        "b": pa.array([True, None, False]),
        "s": pa.array(["a", None, "ü"]),
        "n": pa.nulls(3),
        "after": pa.array([7, 8, 9], pa.int32()),
    })


def why(path) -> str:
    """The reason read_sealed gives for refusing a file."""
    with pytest.raises(Damaged) as refused:
        read_sealed(path, "runs")
    return str(refused.value)


def with_file_digest(data: bytes) -> bytes:
    """The bytes with their seal's file digest (the last one) computed as a writer does."""
    data = bytearray(data)
    at = data.rfind(KEY) + len(KEY)
    data[at:at + 64] = PLACEHOLDER
    data[at:at + 64] = hashlib.sha256(data).hexdigest().encode()
    return bytes(data)


def forge(path, table: pa.Table, metadata: dict[bytes, bytes], **options) -> None:
    """Write `table` with this schema metadata and a correct file digest: a forged file
    that only the seal's own checks can refuse."""
    buffer = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(metadata), buffer, **options)
    data = buffer.getvalue()
    path.write_bytes(with_file_digest(data) if KEY in data else data)


def seal_of(table: pa.Table, kind: str = "runs", **changes) -> dict:
    """The seal writers give `table`, with fields changed and its own digest redone."""
    seal = json.loads(seal_table(table, IDENTITY, kind).schema.metadata[SEAL_KEY])
    seal.update(changes)
    seal["seal"] = seals._seal_digest(seal)
    return seal


# ---------------------------------------------------------------------------- the format


def test_the_data_digest_is_pinned():
    # Changing what is hashed would make every file written so far read as damaged.
    assert data_digest(every_kind()) == (
        "208b7060a0fa8dc5e23b30803286f45e5f16e153cc80b8ced5efac1cc738552f")


def test_the_seal_is_pinned():
    seal = json.loads(seal_table(every_kind(), IDENTITY, "traj").schema.metadata[SEAL_KEY])
    assert seal == {"format": 2, "kind": "traj", "identity": IDENTITY, "rows": 3,
                    "data_sha256": data_digest(every_kind()), "file_sha256": "0" * 64,
                    "seal": "0810cbaa6250b94f98b94ff932e00a8b8d43110af7d8b6a17ad0c3367f52f462"}


def test_the_data_digest_does_not_depend_on_chunking():
    table = every_kind()
    assert table["i"].num_chunks == 2
    assert data_digest(table.combine_chunks()) == data_digest(table)


@pytest.mark.parametrize("change", [
    lambda t: t.rename_columns(["j", *t.column_names[1:]]),
    lambda t: t.set_column(0, "i", t["i"].cast(pa.int32())),
    lambda t: t.set_column(0, "i", pa.array([1, 0, 3])),  # a null became 0
    lambda t: t.set_column(6, "after", pa.array([7, 8, 10], pa.int32())),
    lambda t: t.set_column(4, "s", pa.array(["a", "", "ü"])),  # a null became ""
], ids=["name", "type", "validity", "value after a null column", "string validity"])
def test_the_data_digest_sees_every_change(change):
    assert data_digest(change(every_kind())) != data_digest(every_kind())


def test_a_sealed_file_reads_back_as_written(tmp_path):
    path = tmp_path / "a.parquet"
    write_parquet_atomic(every_kind(), path, IDENTITY)  # kind "runs" by default
    table, identity = read_sealed(path, "runs")
    assert table.equals(every_kind().combine_chunks()) and table.schema.metadata is None
    assert identity == IDENTITY


def test_the_file_digest_goes_into_the_seal_not_an_earlier_copy_of_its_key(tmp_path):
    path = tmp_path / "a.parquet"
    name = (KEY + PLACEHOLDER).decode()  # a column named like the digest's slot
    write_parquet_atomic(pa.table({name: [1.5]}), path, IDENTITY)
    assert path.read_bytes().count(KEY) > 1
    assert read_sealed(path)[0].column_names == [name]


def test_a_seal_lost_by_the_writer_is_an_error_not_an_unsealed_file(tmp_path, monkeypatch):
    monkeypatch.setattr(seals, "seal_table", lambda table, identity, kind: table)
    with pytest.raises(ValueError) as failed:
        write_parquet_atomic(every_kind(), tmp_path / "a.parquet", IDENTITY)
    assert str(failed.value) == "the seal's file digest is not in the written file"
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------------------- damage


def test_changed_bytes_are_a_checksum_mismatch(tmp_path):
    path = tmp_path / "a.parquet"
    write_parquet_atomic(every_kind(), path, IDENTITY)
    data = bytearray(path.read_bytes())
    data[40] ^= 1
    path.write_bytes(bytes(data))
    assert why(path) == "checksum mismatch: its bytes changed after it was written"


def test_a_file_cut_down_to_its_seal_is_caught_by_the_file_digest(tmp_path):
    path = tmp_path / "a.parquet"
    write_parquet_atomic(every_kind(), path, IDENTITY)
    data = path.read_bytes()
    path.write_bytes(data[data.rfind(KEY):])  # begins with the digest's key
    assert why(path) == "checksum mismatch: its bytes changed after it was written"


@pytest.mark.parametrize("sealed", [True, False], ids=["sealed", "unsealed"])
def test_page_checksums_are_written_and_checked(tmp_path, sealed):
    # A value changed in a data page, the file digest redone: the page's CRC catches it.
    values = np.random.default_rng(1).random(50)
    path = tmp_path / "a.parquet"
    write_parquet_atomic(pa.table({"x": values}), path, IDENTITY if sealed else None)
    data = bytearray(path.read_bytes())
    data[data.find(values[25].tobytes())] ^= 1
    path.write_bytes(with_file_digest(bytes(data)) if sealed else bytes(data))
    assert why(path).startswith("not readable as Parquet (")
    assert "CRC" in why(path)


def test_a_file_that_is_not_parquet(tmp_path):
    path = tmp_path / "a.parquet"
    path.write_bytes(b"not parquet at all")
    assert why(path).startswith("not readable as Parquet (Could not open Parquet input")
    assert "\n" not in why(path)


def test_a_folder_in_a_files_place_is_unreadable(tmp_path):
    (tmp_path / "a.parquet").mkdir()
    assert why(tmp_path / "a.parquet") == "unreadable (Is a directory)"


def test_the_first_line_of_an_error_or_its_type():
    assert seals._first_line(ValueError("  one\ntwo")) == "one"
    assert seals._first_line(KeyError()) == "KeyError"


# ---------------------------------------------------------------------------- forged seals


def test_a_seal_not_matching_its_own_digest(tmp_path):
    seal = seal_of(every_kind())
    seal["identity"] = {"experiment": "f" * 64}  # another experiment, digest not redone
    forge(tmp_path / "a.parquet", every_kind(), {SEAL_KEY: canonical_json(seal)})
    assert why(tmp_path / "a.parquet") == (
        "its seal does not match its metadata (the file changed after it was written)")


def test_a_seal_that_is_not_json(tmp_path):
    forge(tmp_path / "a.parquet", every_kind(), {SEAL_KEY: b"{not json"})
    assert why(tmp_path / "a.parquet").startswith("its seal does not match its metadata")


def test_a_seal_whose_file_digest_was_removed(tmp_path):
    seal = seal_of(every_kind(), file_sha256=None)  # no "file_sha256":" left to find
    forge(tmp_path / "a.parquet", every_kind(), {SEAL_KEY: canonical_json(seal)})
    assert why(tmp_path / "a.parquet").startswith("its seal does not match its metadata")


def test_a_seal_without_a_file_digest_is_still_read(tmp_path):
    # As sealed before file digests: the seal's and the data's digests are checked.
    seal = seal_of(every_kind())
    del seal["file_sha256"]
    seal["seal"] = seals._seal_digest(seal)
    forge(tmp_path / "a.parquet", every_kind(), {SEAL_KEY: canonical_json(seal)})
    assert read_sealed(tmp_path / "a.parquet", "runs")[1] == IDENTITY


@pytest.mark.parametrize("changes", [{"rows": 2}, {"data_sha256": "0" * 64}],
                         ids=["rows", "data"])
def test_a_seal_of_other_data(tmp_path, changes):
    forge(tmp_path / "a.parquet", every_kind(),
          {SEAL_KEY: canonical_json(seal_of(every_kind(), **changes))})
    assert why(tmp_path / "a.parquet") == (
        "checksum mismatch: its data changed after it was written")


def test_a_file_of_another_kind(tmp_path):
    path = tmp_path / "a.parquet"
    write_parquet_atomic(every_kind(), path, IDENTITY, "traj")
    assert why(path) == "holds 'traj' data where 'runs' data belong"
    assert read_sealed(path)[1] == IDENTITY  # no kind asked: any kind


@pytest.mark.parametrize("identity", [{"name": "x"}, "e" * 64, {"experiment": 1}])
def test_a_seal_naming_no_experiment(tmp_path, identity):
    forge(tmp_path / "a.parquet", every_kind(),
          {SEAL_KEY: canonical_json(seal_of(every_kind(), identity=identity))})
    assert why(tmp_path / "a.parquet") == "its seal names no experiment"


def test_a_seal_under_another_key_is_unreadable_not_unsealed(tmp_path):
    forge(tmp_path / "a.parquet", every_kind(),
          {b"civres.xeal": canonical_json(seal_of(every_kind()))})
    assert why(tmp_path / "a.parquet") == "its seal is unreadable"


def _unsealed_with_digest_key(distance: int) -> bytes:
    """An unsealed file (no page CRCs) whose one value holds the digest's key exactly
    `distance` bytes before the file's end, with a matching file digest."""
    pad = distance
    for _ in range(5):
        value = (KEY + PLACEHOLDER).decode() + "-" * pad
        buffer = io.BytesIO()
        pq.write_table(pa.table({"note": [value]}), buffer, compression="none",
                       use_dictionary=False, write_statistics=False)
        data = buffer.getvalue()
        found = len(data) - data.rfind(KEY)
        if found == distance:
            return with_file_digest(data)
        pad += distance - found
    raise AssertionError("could not place the key")


def test_a_lost_seal_is_looked_for_in_the_last_64_kib(tmp_path):
    path = tmp_path / "a.parquet"
    path.write_bytes(_unsealed_with_digest_key(65536))
    assert why(path) == "its seal is unreadable"
    path.write_bytes(_unsealed_with_digest_key(65537))  # further: data, not a seal
    assert read_sealed(path)[1] is None

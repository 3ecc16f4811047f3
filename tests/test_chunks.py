"""Writing a sweep's results (experiments/sweeps/chunks.py): run rows as tables, chunks named in
order and flushed by size or age, consolidation into runs.parquet and
trajectories.parquet, and tidying a folder before a resume. No model is run: the rows
and trajectories are made up."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

import civres.experiments.sweeps.chunks as chunks
from civres.errors import ResultsError, WriteFailed
from civres.experiments.sweeps.chunks import ChunkWriter, consolidate, rows_table, set_aside, tidy
from civres.experiments.sweeps.seals import read_sealed
from civres.experiments.sweeps.store import load_runs, load_trajectories

IDENTITY = {"experiment": "a" * 64}
SCHEMA = pa.schema([("run_id", pa.int64()), ("x", pa.float64()), ("error", pa.string())])


def row(run_id: int, x: float | None = 0.5) -> dict:
    return {"run_id": run_id, "x": x, "error": None}


def trajectory(run_id: int, steps: int = 2) -> pd.DataFrame:
    return pd.DataFrame({"run_id": [run_id] * steps, "step": list(range(steps)),
                         "v": [run_id + s / 10 for s in range(steps)]})


def writer(out: Path, chunk_runs: int = 100, flush_seconds: float = 100.0,
           identity: dict | None = IDENTITY) -> ChunkWriter:
    return ChunkWriter(out, chunk_runs, flush_seconds, identity, SCHEMA)


def write_chunks(out: Path, *groups: list[int], traj: bool = True) -> list[str]:
    """One chunk per group of run ids (with trajectories); the run chunks' names."""
    w = writer(out)
    for group in groups:
        for run_id in group:
            w.add(row(run_id), trajectory(run_id) if traj else None)
        w.flush()
    return sorted(p.name for p in (out / "chunks").glob("runs-*.parquet"))


# ---------------------------------------------------------------------------- rows


def test_rows_take_the_declared_columns_and_types():
    table = rows_table([row(0, None), row(1, None)], SCHEMA)
    assert table.schema == SCHEMA  # all-None x is still float64, not null
    assert table["run_id"].to_pylist() == [0, 1]


def test_rows_with_an_undeclared_column_are_refused():
    with pytest.raises(ValueError) as refused:
        rows_table([{**row(0), "zeta": 1}, {**row(1), "alpha": 2}], SCHEMA)
    assert str(refused.value) == (
        "rows hold columns the run table does not declare: alpha, zeta")


def test_rows_without_a_schema_take_every_column_in_order_of_appearance():
    table = rows_table([{"run_id": 0, "a": 1, "error": None},
                        {"run_id": 1, "b": 2.5, "error": None}])
    assert table.column_names == ["run_id", "a", "error", "b"]
    assert table["a"].to_pylist() == [1, None] and table["b"].to_pylist() == [None, 2.5]
    assert table.schema.field("error").type == pa.string()  # not null-typed


# ---------------------------------------------------------------------------- writing


def test_chunks_are_numbered_in_order_across_writers(tmp_path):
    out = tmp_path / "deep" / "out"  # folders are created
    first = write_chunks(out, [0], [1])
    w = writer(out)
    w.add(row(2), None)
    w.flush()
    names = sorted(p.name for p in (out / "chunks").glob("runs-*.parquet"))
    assert [n.split("-")[1] for n in names] == ["00001", "00002", "00003"]
    assert names[:2] == first
    token = f"{os.getpid():x}"
    assert all(re.fullmatch(rf"runs-\d{{5}}-{token}[0-9a-f]{{6}}\.parquet", n) for n in names)


def test_a_writer_under_a_file_fails_with_one_line(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(WriteFailed) as failed:
        writer(tmp_path / "file")
    assert str(failed.value) == f"cannot write {tmp_path / 'file' / 'chunks'}: Not a directory"


def test_a_chunk_holds_the_runs_and_trajectories_sealed(tmp_path):
    out = tmp_path / "out"
    w = writer(out)
    w.add(row(0, None), trajectory(0))
    w.add(row(1, None), trajectory(1))
    assert w.written == 0
    w.flush()
    assert w.written == 2 and w.rows == [] and w.trajectories == []
    [runs] = (out / "chunks").glob("runs-*.parquet")
    [traj] = (out / "chunks").glob("traj-*.parquet")
    assert traj.name == runs.name.replace("runs-", "traj-")
    table, identity = read_sealed(runs, "runs")
    assert table.schema == SCHEMA and identity == IDENTITY  # x: float64, not null
    table, identity = read_sealed(traj, "traj")
    assert identity == IDENTITY
    pd.testing.assert_frame_equal(table.to_pandas(),
                                  pd.concat([trajectory(0), trajectory(1)], ignore_index=True))


def test_flushing_nothing_writes_nothing(tmp_path):
    w = writer(tmp_path)
    w.flush()
    assert not list((tmp_path / "chunks").iterdir()) and w.seq == 1


def test_a_chunk_is_written_every_chunk_runs_runs(tmp_path):
    w = writer(tmp_path, chunk_runs=2)
    for run_id in range(5):
        w.add(row(run_id), None)
    assert w.written == 4 and len(w.rows) == 1
    assert not list((tmp_path / "chunks").glob("traj-*"))  # no trajectories recorded


def test_a_chunk_is_written_once_flush_seconds_have_passed(tmp_path, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(chunks.time, "monotonic", lambda: clock[0])
    w = writer(tmp_path, flush_seconds=5.0)
    clock[0] = 104.9
    w.add(row(0), None)
    assert w.written == 0
    clock[0] = 105.0  # exactly flush_seconds after the writer began
    w.add(row(1), None)
    assert w.written == 2 and w.last_flush == 105.0


# ---------------------------------------------------------------------------- consolidating


def test_consolidation_merges_every_chunk_and_removes_them(tmp_path):
    out = tmp_path / "out"
    write_chunks(out, [2, 0], [1])
    runs = consolidate(out, IDENTITY)
    assert runs["run_id"].to_pylist() == [0, 1, 2]
    assert not (out / "chunks").exists()
    table, identity = read_sealed(out / "runs.parquet", "runs")
    assert table.equals(runs) and identity == IDENTITY
    table, identity = read_sealed(out / "trajectories.parquet", "traj")
    assert identity == IDENTITY
    assert table["run_id"].to_pylist() == [0, 0, 1, 1, 2, 2]
    assert table["step"].to_pylist() == [0, 1] * 3


def test_consolidation_without_an_identity_keeps_the_files_own(tmp_path):
    out = tmp_path / "out"
    write_chunks(out, [0])
    consolidate(out)
    assert read_sealed(out / "runs.parquet")[1] == IDENTITY
    assert read_sealed(out / "trajectories.parquet")[1] == IDENTITY


def test_consolidation_refuses_another_experiments_files(tmp_path):
    out = tmp_path / "out"
    [name] = write_chunks(out, [0], traj=False)
    with pytest.raises(ResultsError) as refused:
        consolidate(out, {"experiment": "b" * 64})
    assert str(refused.value) == (f"{out} holds files of another experiment "
                                  f"(experiment aaaaaaaaaaaa: chunks/{name})")
    assert (out / "chunks" / name).exists()


def test_consolidating_nothing(tmp_path):
    assert consolidate(tmp_path, IDENTITY) is None
    assert not (tmp_path / "runs.parquet").exists()


def test_consolidation_keeps_damaged_files_aside(tmp_path):
    out = tmp_path / "out"
    names = write_chunks(out, [0], [1])
    (out / "chunks" / names[1]).write_bytes(b"damaged")
    assert consolidate(out, IDENTITY)["run_id"].to_pylist() == [0]
    assert sorted(p.name for p in (out / "chunks").iterdir()) == [f"{names[1]}.corrupt"]


def test_a_kill_while_removing_chunks_leaves_no_orphan_trajectories(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_chunks(out, [0], [1])
    unlink = Path.unlink
    removed = []

    def unlink_then_die(path, missing_ok=False):
        if path.parent.name == "chunks":  # a chunk, not a writer's temporary file
            if len(removed) == 2:
                raise KeyboardInterrupt
            removed.append(path.name)
        unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink_then_die)
    with pytest.raises(KeyboardInterrupt):
        consolidate(out, IDENTITY)
    assert [name[:5] for name in removed] == ["traj-", "traj-"]  # trajectories go first
    assert len(load_runs(out)) == 2 and len(load_trajectories(out)) == 4


def test_consolidation_tolerates_a_chunk_removed_meanwhile(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_chunks(out, [0], [1])
    listed = chunks.chunk_matches

    def list_then_lose_one(folder):
        found = listed(folder)
        if folder.name == "chunks" and found:
            (folder / found[0][0]).unlink()
        return found

    monkeypatch.setattr(chunks, "chunk_matches", list_then_lose_one)
    assert consolidate(out, IDENTITY)["run_id"].to_pylist() == [0, 1]
    assert not (out / "chunks").exists()


# ---------------------------------------------------------------------------- tidying


def test_damaged_files_are_set_aside_under_new_names(tmp_path):
    path = tmp_path / "a.parquet"
    names = []
    for _ in range(3):
        path.write_bytes(b"x")
        [note] = set_aside([(path, "why")])
        names.append(note.split(" as ")[1].split(";")[0])
    assert names == ["a.parquet.corrupt", "a.parquet.corrupt2", "a.parquet.corrupt3"]
    assert note == ("set aside damaged a.parquet (why) as a.parquet.corrupt3; its runs are "
                    "run again")
    assert not path.exists()


def test_a_damaged_file_gone_meanwhile_is_skipped(tmp_path):
    (tmp_path / "b.parquet").write_bytes(b"x")
    notes = set_aside([(tmp_path / "gone.parquet", "why"), (tmp_path / "b.parquet", "why")])
    assert len(notes) == 1 and "b.parquet" in notes[0]
    assert (tmp_path / "b.parquet.corrupt").exists()


def test_tidy_removes_temporary_files_and_orphan_trajectories(tmp_path):
    out = tmp_path / "out"
    names = write_chunks(out, [0], [1])
    orphan = out / "chunks" / names[0].replace("runs-", "traj-").replace("-000", "-009")
    orphan.write_bytes(b"an orphan of a kill")
    temporary = [out / ".tmp-1-x", out / "chunks" / ".tmp-2-y", out / ".tmp-dir"]
    for path in temporary[:2]:
        path.write_bytes(b"half")
    (temporary[2] / "inner").mkdir(parents=True)
    assert tidy(out) == []
    assert not any(p.exists() for p in [orphan, *temporary])
    assert len(list((out / "chunks").iterdir())) == 4  # both pairs kept


def test_tidy_sets_aside_damaged_runs_and_trajectories(tmp_path):
    out = tmp_path / "out"
    names = write_chunks(out, [0], [1])
    traj = out / "chunks" / names[1].replace("runs-", "traj-")
    traj.write_bytes(b"damaged")
    notes = tidy(out)
    assert (out / "chunks" / f"{traj.name}.corrupt").exists()
    assert (out / "chunks" / f"{names[1]}.corrupt").exists()  # its runs lack trajectories
    assert len(notes) == 2
    assert tidy(out, chunks.scan(out)) == []  # a given scan is used as it is


def test_tidy_tolerates_files_removed_meanwhile(tmp_path, monkeypatch):
    [name] = write_chunks(tmp_path, [0])
    (tmp_path / "chunks" / name).unlink()  # its trajectories are an orphan now
    (tmp_path / ".tmp-1-x").write_bytes(b"half")
    (tmp_path / ".tmp-dir").mkdir()
    glob, listed = Path.glob, chunks.chunk_matches

    def glob_then_lose(folder, pattern):
        found = list(glob(folder, pattern))
        for path in found:
            path.rmdir() if path.is_dir() else path.unlink()
        return found

    def list_then_lose(folder):
        found = listed(folder)
        for m in found:
            (folder / m[0]).unlink()
        return found

    monkeypatch.setattr(Path, "glob", glob_then_lose)
    monkeypatch.setattr(chunks, "chunk_matches", list_then_lose)
    assert tidy(tmp_path) == []
    assert not list(tmp_path.rglob("*.parquet"))


def test_tidy_goes_on_past_a_temporary_entry_it_cannot_remove(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / ".tmp-link").symlink_to(tmp_path / "elsewhere")  # rmtree refuses links
    (tmp_path / ".tmp-z").write_bytes(b"half")
    assert tidy(tmp_path) == []
    assert not (tmp_path / ".tmp-z").exists()

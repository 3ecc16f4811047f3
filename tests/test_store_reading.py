"""Reading a result folder back (experiments/sweeps/store.py): which files are considered and
paired, how a scan sorts them into runs, trajectories and damage, how tables are
combined (each run once), and what the loaders return. No model is run: the chunks
hold made-up rows and trajectories."""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import pyarrow as pa
import pytest

import civres.experiments.sweeps.store as store
from civres.errors import ResultsError
from civres.experiments.sweeps.chunks import ChunkWriter, consolidate
from civres.experiments.sweeps.folders import locked
from civres.experiments.sweeps.seals import write_parquet_atomic
from civres.experiments.sweeps.store import (
    Scan,
    Source,
    chunk_matches,
    combine_runs,
    combine_trajectories,
    describe_groups,
    has_results,
    load_runs,
    load_trajectories,
    read_manifest,
    read_results,
    scan,
)

IDENTITY = {"experiment": "a" * 64}
OTHER = {"experiment": "b" * 64}


def write_chunks(out: Path, *groups: list[int], traj: bool = True,
                 identity: dict = IDENTITY) -> list[Path]:
    """One chunk per group of run ids (with two trajectory steps per run); run chunks."""
    writer = ChunkWriter(out, 100, 100.0, identity)
    for group in groups:
        for run_id in group:
            writer.add({"run_id": run_id, "n": run_id * 10, "error": None},
                       pa.table({"run_id": [run_id] * 2, "step": [0, 1]}).to_pandas()
                       if traj else None)
        writer.flush()
    return sorted((out / "chunks").glob("runs-*.parquet"))


def traj_of(run_chunk: Path) -> Path:
    return run_chunk.with_name(run_chunk.name.replace("runs-", "traj-"))


# ---------------------------------------------------------------------------- small parts


def test_the_manifest_is_read_as_utf8_whatever_the_locale(tmp_path, monkeypatch):
    (tmp_path / "manifest.json").write_bytes('{"name": "émeute"}'.encode())
    monkeypatch.setattr(io, "text_encoding", lambda encoding, *_: encoding or "latin-1")
    assert read_manifest(tmp_path) == {"name": "émeute"}


@pytest.mark.parametrize("text", ["[1, 2]", "{broken", '"a string"'])
def test_a_manifest_that_is_not_an_object_is_none(tmp_path, text):
    (tmp_path / "manifest.json").write_text(text)
    assert read_manifest(tmp_path) is None


def test_chunks_are_listed_in_writing_order_whatever_the_folder_order(tmp_path,
                                                                      monkeypatch):
    names = ["runs-00002-ab.parquet", "traj-00001-ab.parquet", "runs-00001-ab.parquet",
             "runs-00010-aa.parquet", ".tmp-1-runs-00003-ab.parquet", "notes.txt"]
    for name in names:
        (tmp_path / name).write_bytes(b"")
    for order in (sorted, lambda n: sorted(n, reverse=True)):
        monkeypatch.setattr(Path, "iterdir", lambda self, o=order: iter(
            [self / n for n in o(names)]))
        assert [m[0] for m in chunk_matches(tmp_path)] == [
            "runs-00001-ab.parquet", "traj-00001-ab.parquet", "runs-00002-ab.parquet",
            "runs-00010-aa.parquet"]


def test_files_are_described_by_experiment_relative_to_their_folder(tmp_path):
    out = tmp_path / "out"
    chunk = [Source(out / "chunks" / f"runs-0000{i}-ab.parquet", "runs", IDENTITY)
             for i in range(1, 5)]
    top = Source(out / "runs.parquet", "runs", None)
    assert describe_groups({"a" * 64: chunk[:1], None: [top]}) == (
        "experiment aaaaaaaaaaaa: chunks/runs-00001-ab.parquet; unsealed: runs.parquet")
    assert describe_groups({"a" * 64: chunk}) == (
        "experiment aaaaaaaaaaaa: chunks/runs-00001-ab.parquet, "
        "chunks/runs-00002-ab.parquet and 2 more")
    assert describe_groups({"a" * 64: chunk[:3]}) == (
        "experiment aaaaaaaaaaaa: chunks/runs-00001-ab.parquet, "
        "chunks/runs-00002-ab.parquet and 1 more")
    assert describe_groups({"a" * 64: chunk[:2]}) == (
        "experiment aaaaaaaaaaaa: chunks/runs-00001-ab.parquet, chunks/runs-00002-ab.parquet")
    assert describe_groups({"a": [top, chunk[0]]}) == (
        "experiment a: runs.parquet, chunks/runs-00001-ab.parquet")
    assert describe_groups({"a": [chunk[0], top]}) == (
        "experiment a: chunks/runs-00001-ab.parquet, runs.parquet")
    elsewhere = Source(tmp_path / "x.parquet", "runs", None)
    assert describe_groups({None: [top, elsewhere]}) == (
        f"unsealed: runs.parquet, {tmp_path / 'x.parquet'}")


def test_sources_are_grouped_by_experiment_and_two_are_refused(tmp_path):
    a, b = (Source(tmp_path / n, "runs", i) for n, i in (("a", IDENTITY), ("b", OTHER)))
    found = Scan(tmp_path, runs=[a, b], trajectories=[a])
    assert found.by_experiment() == {"a" * 64: [a, a], "b" * 64: [b]}
    with pytest.raises(ResultsError) as refused:
        found.identity()
    assert str(refused.value) == (
        f"{tmp_path} holds files of 2 different experiments (experiment aaaaaaaaaaaa: a, "
        "a; experiment bbbbbbbbbbbb: b); they are not read together: move one "
        "experiment's files elsewhere")
    three = Scan(tmp_path, runs=[a, b, Source(tmp_path / "c", "runs", None)])
    with pytest.raises(ResultsError, match="files of 3 different experiments"):
        three.identity()
    assert Scan(tmp_path, runs=[a, a]).identity() == IDENTITY
    assert Scan(tmp_path).identity() is None


def test_the_damage_report_names_each_file_in_its_folder(tmp_path):
    found = Scan(tmp_path, damaged=[(tmp_path / "chunks" / "x", "why"),
                                    (tmp_path / "y", "because")])
    assert found.damage_report() == "chunks/x: why; y: because"


# ---------------------------------------------------------------------------- scanning


def test_a_scan_pairs_each_run_chunk_with_its_trajectories(tmp_path):
    paired, alone = write_chunks(tmp_path, [0]), write_chunks(tmp_path, [1], traj=False)
    orphan = paired[0].with_name("traj-00000-ff.parquet")  # its run chunk never came
    traj_of(paired[0]).rename(orphan)
    write_chunks(tmp_path, [2])
    found = scan(tmp_path, trajectories=True)
    assert [(s.path.name[:10], s.kind) for s in found.runs] == [
        ("runs-00001", "runs"), ("runs-00002", "runs"), ("runs-00003", "runs")]
    assert [s.pair for s in found.runs] == [None, None, traj_of(found.runs[2].path)]
    assert [s.path for s in found.trajectories] == [found.runs[2].pair]
    assert found.trajectories[0].kind == "traj"
    assert found.trajectories[0].pair == found.runs[2].path
    assert all(s.identity == IDENTITY and s.table is not None for s in found.sources)
    assert found.out_dir == tmp_path and found.damaged == [] and alone


def test_a_scan_reads_trajectories_only_when_asked(tmp_path):
    write_chunks(tmp_path, [0], [1])
    assert scan(tmp_path).trajectories == [] and len(scan(tmp_path).runs) == 2
    assert len(scan(tmp_path, trajectories=True).trajectories) == 2


def test_a_scan_of_a_consolidated_folder(tmp_path):
    write_chunks(tmp_path, [0], [1])
    consolidate(tmp_path, IDENTITY)
    found = scan(tmp_path, trajectories=True, keep=False)
    assert [(s.path.name, s.kind, s.table) for s in found.sources] == [
        ("runs.parquet", "runs", None), ("trajectories.parquet", "traj", None)]
    assert found.damaged == []


def test_a_scan_sets_damage_apart_and_reads_on(tmp_path):
    first, second = write_chunks(tmp_path, [0], [1])
    first.write_bytes(b"damaged")
    write_parquet_atomic(pa.table({"run_id": [5]}), tmp_path / "runs.parquet", IDENTITY,
                         "traj")  # trajectory data where runs belong
    found = scan(tmp_path)
    assert [s.path for s in found.runs] == [second]
    assert [p for p, _ in found.damaged] == [tmp_path / "runs.parquet", first]
    assert found.damaged[0][1] == "holds 'traj' data where 'runs' data belong"
    assert found.damaged[1][1].startswith("not readable as Parquet")


def test_runs_whose_trajectories_are_damaged_are_damaged_too(tmp_path):
    first, second = write_chunks(tmp_path, [0], [1])
    traj_of(first).write_bytes(b"damaged")
    found = scan(tmp_path, trajectories=True)
    assert [s.path for s in found.runs] == [second]
    assert found.damaged[-1] == (first, f"its trajectories ({traj_of(first).name}) "
                                        "are damaged")
    assert len(found.damaged) == 2
    assert [s.path for s in scan(tmp_path).runs] == [first, second]  # runs alone: fine


def test_a_file_vanishing_while_scanned_makes_the_scan_start_again(tmp_path, monkeypatch):
    write_chunks(tmp_path, [0])
    read_sealed, calls = store.read_sealed, []

    def vanishing(times):
        def read(path, kind):
            calls.append(path)
            if len(calls) <= times:
                raise FileNotFoundError(path)
            return read_sealed(path, kind)
        return read

    monkeypatch.setattr(store, "read_sealed", vanishing(5))
    found = scan(tmp_path, trajectories=True)  # the sixth and last try reads it all
    assert len(found.runs) == len(found.trajectories) == 1
    assert found.runs[0].table is not None and found.out_dir == tmp_path
    calls.clear()
    monkeypatch.setattr(store, "read_sealed", vanishing(6))
    with pytest.raises(FileNotFoundError):
        scan(tmp_path)
    assert len(calls) == 6


# ---------------------------------------------------------------------------- combining


def test_runs_are_combined_once_each_sorted_with_timing_and_error_last():
    first = pa.table({"run_id": [3, 1], "error": ["e", None], "wall_s": [0.1, 0.2],
                      "n": [30, 10]})
    later = pa.table({"run_id": [1, 2], "n": [99, 20]})  # an older file lacks columns
    table = combine_runs([first, later])
    assert table.column_names == ["run_id", "n", "wall_s", "error"]
    assert table["run_id"].to_pylist() == [1, 2, 3]
    assert table["n"].to_pylist() == [10, 20, 30]  # run 1 from the first source
    assert table["error"].to_pylist() == [None, None, "e"]
    assert combine_runs([]) is None


def test_trajectories_are_combined_per_run_from_the_first_source_holding_it():
    def traj(run_ids, steps, v):
        return pa.table({"run_id": run_ids, "step": steps, "v": [v] * len(run_ids)})

    sources = [traj([2, 2, 1], [1, 0, 0], "a"), traj([1, 3, 3], [0, 1, 0], "b"),
               traj([3, 4, 2], [0, 0, 0], "c")]  # runs 1, 3, 2 again: taken already
    table = combine_trajectories(sources, keep={1, 2, 3})
    assert list(zip(table["run_id"].to_pylist(), table["step"].to_pylist(),
                    table["v"].to_pylist(), strict=True)) == [
        (1, 0, "a"), (2, 0, "a"), (2, 1, "a"), (3, 0, "b"), (3, 1, "b")]
    wider = pa.table({"run_id": [5], "step": [0], "extra": [1.0]})
    assert combine_trajectories([sources[0], wider], keep={2, 5}).num_rows == 3
    assert combine_trajectories([], keep={1}) is None


# ---------------------------------------------------------------------------- loading


def test_loaded_runs_keep_integer_and_boolean_types_with_gaps(tmp_path):
    write_parquet_atomic(pa.table({"run_id": [0, 1], "n": [5, None],
                                   "ok": [True, None], "error": [None, "x"]}),
                         tmp_path / "runs.parquet", IDENTITY)
    runs = load_runs(tmp_path)
    assert str(runs["n"].dtype) == "Int64" and str(runs["ok"].dtype) == "boolean"
    assert load_runs(tmp_path / "empty").empty


def test_read_results_says_whose_runs_and_whether_still_written(tmp_path):
    write_chunks(tmp_path, [1, 0])
    results = read_results(tmp_path)
    assert results.identity == IDENTITY and results.runs["run_id"].to_pylist() == [0, 1]
    assert results.writing is False and results.damaged == []
    with locked(tmp_path):
        assert read_results(tmp_path).writing is True


def test_damaged_files_are_warned_about_at_the_callers_line(tmp_path):
    first, _ = write_chunks(tmp_path, [0], [1])
    first.write_bytes(b"damaged")
    for load in (load_runs, load_trajectories):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            load(tmp_path)
        [warning] = caught
        assert warning.category is store.ResultsWarning
        if "MUTANT_UNDER_TEST" not in os.environ:  # mutmut's trampolines add frames
            assert warning.filename == __file__
        assert str(warning.message).startswith(f"left out damaged files: chunks/{first.name}")


def test_trajectories_load_for_readable_runs_only(tmp_path):
    first, second = write_chunks(tmp_path, [0], [1, 2])
    first.unlink()  # run 0's trajectories are an orphan now
    frame = load_trajectories(tmp_path)
    assert frame["run_id"].tolist() == [1, 1, 2, 2] and frame["step"].tolist() == [0, 1] * 2
    assert str(frame["run_id"].dtype) == "Int64"
    second.unlink()
    assert load_trajectories(tmp_path).empty
    assert load_trajectories(tmp_path / "empty").empty


def test_trajectories_of_two_experiments_are_refused(tmp_path):
    write_chunks(tmp_path, [0])
    write_chunks(tmp_path, [1], identity=OTHER)
    with pytest.raises(ResultsError, match="2 different experiments"):
        load_trajectories(tmp_path)


@pytest.mark.parametrize("entry", ["manifest.json", "runs.parquet", "trajectories.parquet",
                                   "chunks/runs-00001-ab.parquet", "chunks/notes.txt", None])
def test_what_counts_as_sweep_results(tmp_path, entry):
    if entry:
        (tmp_path / entry).parent.mkdir(exist_ok=True)
        (tmp_path / entry).write_bytes(b"")
    assert has_results(tmp_path) is (entry not in (None, "chunks/notes.txt"))

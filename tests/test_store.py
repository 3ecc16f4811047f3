"""The result store (experiments/sweeps/store.py): atomic files, chunked writes and their
consolidation, readers that skip temporary, partial and duplicate chunks, and resume after
a real kill or Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sweep_helpers import (
    KILL_CONFIG,
    ROOT,
    comparable,
    start_sweep_until_first_chunk,
    tiny,
    write,
)

from civres.cli import main
from civres.experiments.sweeps.chunks import ChunkWriter
from civres.experiments.sweeps.designs import load_config, parse_config
from civres.experiments.sweeps.folders import write_atomic
from civres.experiments.sweeps.manifest import write_manifest
from civres.experiments.sweeps.runner import run_sweep
from civres.experiments.sweeps.seals import write_parquet_atomic
from civres.experiments.sweeps.store import ResultsWarning, load_runs, read_manifest
from civres.experiments.sweeps.tasks import build_tasks, experiment_identity, run_schema


def test_atomic_writes_leave_whole_files_only(tmp_path):
    text_path = tmp_path / "deep" / "a.json"
    write_atomic(text_path, '{"a": 1}\n')
    write_atomic(tmp_path / "b.bin", b"\x00\x01")
    write_parquet_atomic(pa.table({"x": [1, 2]}), tmp_path / "c.parquet")
    assert text_path.read_text() == '{"a": 1}\n'  # folders are created
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\x01"
    assert pd.read_parquet(tmp_path / "c.parquet")["x"].tolist() == [1, 2]
    assert stat.S_IMODE(text_path.stat().st_mode) == 0o644  # results are shared
    write_atomic(text_path, "replaced\n")
    assert text_path.read_text() == "replaced\n"
    assert not list(tmp_path.rglob(".tmp-*"))


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "t.parquet"
    write_parquet_atomic(pa.table({"x": [1]}), path)
    with pytest.raises(AttributeError):  # not a table: the write fails half-way
        write_parquet_atomic("not a table", path)
    assert pd.read_parquet(path)["x"].tolist() == [1]
    assert not list(tmp_path.glob(".tmp-*"))


def test_manifests_use_the_atomic_writer(tmp_path, monkeypatch):
    import civres.experiments.sweeps.manifest

    written = []
    monkeypatch.setattr(civres.experiments.sweeps.manifest, "write_atomic",
                        lambda path, data: written.append(path) or write_atomic(path, data))
    write_manifest(tmp_path, {"kind": "test"})
    assert written == [tmp_path / "manifest.json"]
    assert read_manifest(tmp_path)["kind"] == "test"
    assert read_manifest(tmp_path / "missing") is None


def test_results_are_chunked_and_consolidated(tmp_path):
    config = parse_config(tiny())
    writer_chunks = []
    original_flush = ChunkWriter.flush

    def spy(self):
        if self.rows:
            writer_chunks.append(len(self.rows))
        original_flush(self)

    ChunkWriter.flush = spy
    try:
        run_sweep(config, tmp_path, workers=1, progress=False, chunk_runs=3)
    finally:
        ChunkWriter.flush = original_flush
    assert writer_chunks == [3, 3, 2]
    assert not (tmp_path / "chunks").exists()
    assert len(load_runs(tmp_path)) == 8


def test_readers_skip_temp_partial_and_duplicate_chunks(tmp_path):
    config = parse_config(tiny())
    run_sweep(config, tmp_path / "ref", workers=1, progress=False)
    reference = load_runs(tmp_path / "ref")
    out = tmp_path / "out"
    chunks = out / "chunks"
    chunks.mkdir(parents=True)
    rows = reference.iloc[:5].astype(object).where(reference.iloc[:5].notna(), None)
    rows = rows.to_dict("records")
    identity = experiment_identity(config, build_tasks(config))
    for rows_part in (rows[:3], rows[2:5]):  # run 2 twice, as if written by two sweeps
        writer = ChunkWriter(out, chunk_runs=100, flush_seconds=100, identity=identity,
                             schema=run_schema())
        for row in rows_part:
            writer.add(row, None)
        writer.flush()
    good = sorted(chunks.glob("runs-*.parquet"))
    data = good[0].read_bytes()
    (chunks / ".tmp-ab12-runs-00009-abc.parquet").write_bytes(data[: len(data) // 2])
    (chunks / "runs-00010-def.parquet").write_bytes(data[: len(data) // 2])  # truncated
    with pytest.warns(ResultsWarning, match="runs-00010-def.parquet"):  # named, left out
        loaded = load_runs(out)
    assert loaded["run_id"].tolist() == [0, 1, 2, 3, 4]
    pd.testing.assert_frame_equal(comparable(loaded), comparable(reference.iloc[:5]))
    # resume finishes the rest, sets the truncated file aside, removes temp files
    result = run_sweep(config, out, workers=1, progress=False, resume=True)
    assert result.n_done_before == 5
    assert any("runs-00010-def.parquet" in note for note in result.notes)
    pd.testing.assert_frame_equal(comparable(load_runs(out)), comparable(reference))
    assert not list(out.rglob(".tmp-*"))


@pytest.mark.slow
def test_resume_after_kill_9_completes_without_duplicates(tmp_path):
    config_path = write(tmp_path, KILL_CONFIG)
    out = tmp_path / "killed"
    command, proc = start_sweep_until_first_chunk(config_path, out, subprocess.DEVNULL)
    try:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "runs.parquet").exists()  # killed mid-way, not after the end
    partial = load_runs(out)
    assert 0 < len(partial) < 48 and partial["run_id"].is_unique

    resumed = subprocess.run([*command, "--resume"], cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({len(partial)} already done)" in resumed.stdout
    runs = load_runs(out)
    assert sorted(runs["run_id"]) == list(range(48))  # every run exactly once
    assert not list(out.rglob(".tmp-*")) and not (out / "chunks").exists()

    run_sweep(load_config(config_path), tmp_path / "whole", workers=2, progress=False)
    pd.testing.assert_frame_equal(comparable(runs), comparable(load_runs(tmp_path / "whole")))
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["history"]) == 2 and manifest["status"] == "complete"


@pytest.mark.slow
def test_ctrl_c_saves_finished_runs_and_exits_130(tmp_path):
    config_path = write(tmp_path, KILL_CONFIG)
    out = tmp_path / "interrupted"
    _, proc = start_sweep_until_first_chunk(config_path, out, subprocess.PIPE)
    try:
        # what is on disk when Ctrl-C comes (a chunk is written when it holds 4 runs, or
        # after a while with fewer: on a busy machine it may hold 1), not a number of runs
        # that depends on the machine's speed
        on_disk = sum(pq.read_metadata(chunk).num_rows
                      for chunk in (out / "chunks").glob("runs-*.parquet"))
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130 and "interrupted" in err
    saved = load_runs(out)
    assert 1 <= on_disk <= len(saved) < 48 and saved["run_id"].is_unique
    assert main(["sweep", str(config_path), "--out", str(out), "--workers", "2",
                 "--no-progress", "--resume"]) == 0
    assert sorted(load_runs(out)["run_id"]) == list(range(48))

"""Golden regression run: a fixed small run must reproduce its recorded summary.

If a deliberate model change alters it, regenerate with
`python tests/test_golden.py` and say why in the commit message. (Regenerated when the
batched engine's counter-based random numbers replaced numpy's sequential generator.)
"""

import json
import sys
from pathlib import Path

import pytest

from civres.model import CivilResistanceModel
from civres.model.batch_run import run_campaigns
from civres.model.presets import preset

GOLDEN = Path(__file__).parent / "golden" / "success_25x25_seed7.json"


def golden_run():
    m = CivilResistanceModel(preset("success", width=25, height=25, max_steps=120), rng=7)
    summary = m.run()
    t = m.trajectory()
    return {"summary": summary,
            "participation_every_10": t.participation.iloc[::10].round(12).tolist()}


def test_golden_run_reproduces():
    expected = json.loads(GOLDEN.read_text())
    got = json.loads(json.dumps(golden_run()))
    assert got["summary"]["outcome"] == expected["summary"]["outcome"]
    assert got["summary"]["steps"] == expected["summary"]["steps"]
    assert _close(got, expected)


def test_golden_run_reproduces_in_a_batch():
    """The same campaign among others in one batch (model.batch_run) gives the golden run."""
    expected = json.loads(GOLDEN.read_text())
    golden = preset("success", width=25, height=25, max_steps=120)
    others = [preset("suppressed", width=25, height=25, max_steps=120), golden]
    results = run_campaigns([*others, golden], [3, 8, 7], trajectories=True)
    summary, trajectory = results[2]
    got = json.loads(json.dumps({
        "summary": summary.to_dict(),
        "participation_every_10": trajectory.participation.iloc[::10].round(12).tolist()}))
    assert _close(got, expected)


def _close(got, expected):
    if isinstance(expected, dict):
        assert set(got) == set(expected)
        return all(_close(got[k], expected[k]) for k in expected)
    if isinstance(expected, list):
        assert len(got) == len(expected)
        return all(_close(a, b) for a, b in zip(got, expected, strict=True))
    if isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12)
        return True
    assert got == expected
    return True


if __name__ == "__main__":
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(golden_run(), indent=2) + "\n")
    print(f"wrote {GOLDEN}", file=sys.stderr)

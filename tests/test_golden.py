"""Golden regression runs: fixed small runs (and compare's printed table) must reproduce
what tests/golden/ recorded.

If a deliberate model change alters them, regenerate all with
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
SETTINGS_GOLDEN = Path(__file__).parent / "golden" / "settings_20x20_seed5.json"
TABLE_GOLDEN = Path(__file__).parent / "golden" / "comparison_3_cases.txt"
FACTS_GOLDEN = Path(__file__).parent / "golden" / "facts_24_campaigns.txt"

#: Small runs that take every branch of the engine's phases between them: each preset
#: (stopping when decided, so the step of each decision is on record), the levers no
#: preset moves (pillar targeting, a reform goal, rounded risk) and a war, both run to the
#: horizon so that what follows a decision is on record too, and a campaign with no
#: officers at all. Every column of the trajectory is kept, so a change anywhere in a step
#: shows (the mutation run of the engine leans on these; see mutation/parts.toml).
GOLDEN_SETTINGS = {
    name: dict(preset=name) for name in ("success", "stalled", "suppressed", "violent", "epstein")
} | {
    "levers": dict(preset="default", target_civil_service=0.3, target_business=0.2,
                   target_clergy=0.1, target_media=0.1, reform_goal=True, round_risk=True,
                   dispersed_share=0.5, run_to_horizon=True),
    "violent_to_horizon": dict(preset="violent", run_to_horizon=True),
    "no_officers": dict(preset="default", security_density=0.0),
}


def settings_params(name):
    setting = dict(GOLDEN_SETTINGS[name])
    return preset(setting.pop("preset"), **{"width": 20, "height": 20, "citizen_vision": 4,
                                            "security_vision": 4, "max_steps": 60, **setting})


def _settings_record(summary, trajectory):
    every_5 = trajectory.iloc[::5]
    return {"summary": summary,
            "trajectory_every_5": {c: every_5[c].round(12).tolist() for c in every_5}}


def settings_run(name):
    m = CivilResistanceModel(settings_params(name), rng=5)
    summary = m.run()
    return _settings_record(summary, m.trajectory())


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


def comparison_text():
    """`civres compare`'s printed table for three catalogue cases, 3 runs each, small grid."""
    from civres.experiments.history.cases import load_cases
    from civres.experiments.history.compare import compare_cases, format_comparison
    by_id = {case.id: case for case in load_cases()}
    cases = [by_id[i] for i in ("serbia-2000", "lebanon-2005", "iran-1979")]
    result = compare_cases(cases, 3, 5, 1, split_year=2006, width=20, height=20,
                           citizen_vision=5, security_vision=5, max_steps=60)
    return format_comparison(result) + "\n"


def test_the_comparison_table_reads_as_recorded():
    """Every line of compare's printed table (the cases, the summary, the confusion, the
    scores and their verdicts, the patterns): the words and the rounding are part of what
    the command promises its users."""
    assert comparison_text() == TABLE_GOLDEN.read_text()


def facts_text():
    """`civres facts`'s printed figures for 24 sampled campaigns on a small grid, then every
    figure it computes (Facts.to_dict, numbers to 9 digits), one per line."""
    from civres.experiments.history.facts import facts, format_facts, run_facts
    result = facts(run_facts(24, seed=2, workers=1, width=20, height=20, citizen_vision=5,
                             security_vision=5, max_steps=60))
    numbers = json.loads(json.dumps(result.to_dict()),
                         parse_float=lambda text: round(float(text), 9))
    return format_facts(result) + "\n" + json.dumps(numbers, indent=1, sort_keys=True) + "\n"


def test_the_facts_read_as_recorded():
    """Every figure of `civres facts` (rates, counts, medians, bins, the paired learning
    reruns) and every line of its text, for one small sample."""
    assert facts_text() == FACTS_GOLDEN.read_text()


@pytest.mark.parametrize("name", list(GOLDEN_SETTINGS))
def test_golden_settings_reproduce(name):
    expected = json.loads(SETTINGS_GOLDEN.read_text())[name]
    got = json.loads(json.dumps(settings_run(name)))
    assert got["summary"]["outcome"] == expected["summary"]["outcome"]
    assert _close(got, expected)


def test_golden_settings_reproduce_together_in_batches():
    """Every setting with a second seed beside it, all in one run_campaigns call: the
    campaigns of one shape share a batch of two or more rows, and each seed-5 row gives
    its golden run (a step that mixes up rows or sums over the whole batch shows here)."""
    expected = json.loads(SETTINGS_GOLDEN.read_text())
    names = list(GOLDEN_SETTINGS)
    params = [settings_params(name) for name in names] * 2
    results = run_campaigns(params, [5] * len(names) + [6] * len(names), trajectories=True)
    for name, (summary, trajectory) in zip(names, results, strict=False):
        got = json.loads(json.dumps(_settings_record(summary.to_dict(), trajectory)))
        assert _close(got, expected[name]), name


def _close(got, expected):
    if isinstance(expected, dict):
        assert set(got) == set(expected)
        return all(_close(got[k], expected[k]) for k in expected)
    if isinstance(expected, list):
        assert len(got) == len(expected)
        return all(_close(a, b) for a, b in zip(got, expected, strict=True))
    if isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12, nan_ok=True)
        return True
    assert got == expected
    return True


if __name__ == "__main__":
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(golden_run(), indent=2) + "\n")
    SETTINGS_GOLDEN.write_text(json.dumps({name: settings_run(name) for name in GOLDEN_SETTINGS},
                                          indent=1) + "\n")
    TABLE_GOLDEN.write_text(comparison_text())
    FACTS_GOLDEN.write_text(facts_text())
    print(f"wrote {GOLDEN}, {SETTINGS_GOLDEN}, {TABLE_GOLDEN} and {FACTS_GOLDEN}",
          file=sys.stderr)

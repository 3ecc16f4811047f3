"""A case simulated many times (the app's case page): runs, shares, fans, replay."""

import numpy as np
import pandas as pd
import pytest

from civres.experiments.explore.ensemble import CaseRun, Ensemble, observed_facts, simulate
from civres.experiments.explore.intervals import wilson
from civres.experiments.explore.setting import Setting
from civres.experiments.history.cases import load_cases
from civres.experiments.sweeps.tasks import spawn_seeds
from civres.model import CivilResistanceModel, Outcome, Params

#: Small, quick runs: a 20x20 grid, at most 40 weeks, three settings of legitimacy.
SMALL = [Params(width=20, height=20, citizen_vision=3, security_vision=3, max_steps=40,
                legitimacy=legitimacy).to_dict() for legitimacy in (0.3, 0.6, 0.95) * 3]


def test_runs_take_the_spawned_seeds_and_replay_step_by_step_in_the_model():
    ensemble = simulate(SMALL, seed=4, chunk=4)
    assert ensemble.complete and [run.index for run in ensemble.runs] == list(range(9))
    assert [run.seed for run in ensemble.runs] == spawn_seeds(4, 9)
    for run in ensemble.runs[:3]:
        model = CivilResistanceModel(run.params, rng=run.seed)
        model.run()
        pd.testing.assert_frame_equal(model.trajectory(), run.trajectory, check_dtype=False)
        assert model.run_summary().outcome == run.summary.outcome


def test_progress_is_reported_per_chunk_and_stop_keeps_the_runs_so_far():
    seen = []
    ensemble = simulate(SMALL, seed=1, chunk=4, on_progress=lambda done, n: seen.append(
        (done, n)))
    assert seen == [(4, 9), (8, 9), (9, 9)]
    stopped = simulate(SMALL, seed=1, chunk=4, stop=lambda: len(seen) >= 4,
                       on_progress=lambda done, n: seen.append((done, n)))
    assert len(stopped.runs) == 4 and not stopped.complete and stopped.asked == 9
    assert [r.summary for r in stopped.runs] == [r.summary for r in ensemble.runs[:4]]


def test_outcome_shares_count_the_runs_with_wilson_intervals():
    ensemble = simulate(SMALL, seed=2)
    shares = ensemble.outcome_shares()
    assert set(shares) == {o.value for o in Outcome}
    assert sum(s["p"] for s in shares.values()) == pytest.approx(1.0)
    for outcome, share in shares.items():
        hits = sum(run.summary.outcome == outcome for run in ensemble.runs)
        assert share["p"] == hits / 9
        assert (share["low"], share["high"]) == pytest.approx(wilson(hits, 9))
    table = ensemble.table()
    assert list(table.run) == list(range(9)) and list(table.seed) == spawn_seeds(2, 9)
    assert table.outcome.value_counts().to_dict() == {
        k: round(v["p"] * 9) for k, v in shares.items() if v["p"] > 0}


def _run(values: list[float]) -> CaseRun:
    trajectory = pd.DataFrame({"participation_pct": values, "regime_support": values})
    return CaseRun(0, 0, Params(), None, trajectory)


def test_a_fan_by_hand_keeps_an_ended_run_at_its_last_value():
    ensemble = Ensemble("by hand", 0, 3, [_run([0.0, 1.0]), _run([0.0, 2.0, 4.0]),
                                          _run([0.0, 3.0, 6.0])])
    fan = ensemble.fan("participation_pct")
    assert list(fan.week) == [0, 1, 2]
    assert list(fan["median"]) == [0.0, 2.0, 4.0]   # week 2: 1 (kept), 4, 6
    assert fan.p5[2] == pytest.approx(np.percentile([1.0, 4.0, 6.0], 5))
    assert fan.p95[1] == pytest.approx(np.percentile([1.0, 2.0, 3.0], 95))
    assert (fan.p5 <= fan.p25).all() and (fan.p25 <= fan["median"]).all()
    assert (fan["median"] <= fan.p75).all() and (fan.p75 <= fan.p95).all()
    assert Ensemble("none", 0, 0).fan("participation_pct").empty


def test_a_case_s_runs_are_explore_s_and_its_facts_are_the_catalogue_s():
    case = next(c for c in load_cases() if c.id == "serbia-2000")
    runs = Setting(case=case, overrides={"width": 20, "height": 20, "citizen_vision": 3,
                                         "security_vision": 3, "max_steps": 60}).runs(
        4, seed=3, posterior=None)
    ensemble = simulate(runs, seed=3, label="case serbia-2000")
    assert [run.params.to_dict() for run in ensemble.runs] == runs
    facts = observed_facts(case)
    assert facts["outcome"] == case.observed.outcome.value == "success"
    assert facts["years"] == case.end_year - case.start_year
    assert facts["peak_participation_pct"] == case.observed.peak_participation_pct
    assert facts["sources"] and facts["security_defections"] is True
    years = ensemble.years_to_outcome()
    assert list(years) == [r.summary.duration / 52 for r in ensemble.runs]

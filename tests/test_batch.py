"""The batch engine: a campaign runs the same alone, in any batch, at any position."""

import numpy as np
import pandas as pd
import pytest

from civres.model import CivilResistanceModel, Params, RunSummary
from civres.model.batch_params import BatchParams, batch_key
from civres.model.batch_run import bytes_per_replicate, plan_batches, run_batch, run_campaigns
from civres.model.engine import Batch
from civres.model.presets import preset
from civres.model.recorder import TRAJECTORY_COLUMNS

SMALL = dict(width=16, height=16, citizen_vision=3, security_vision=3, max_steps=80)


def _mixed():
    """Campaigns of one shape with different coefficients and outcomes."""
    return [preset("success", **SMALL), preset("suppressed", **SMALL),
            preset("default", legitimacy=0.3, **SMALL), preset("default", legitimacy=0.9, **SMALL),
            preset("success", repression=0.9, **SMALL)]


def _alone(p, seed):
    return RunSummary.from_dict(CivilResistanceModel(p, rng=seed).run())


def test_a_campaign_runs_the_same_alone_and_in_any_batch():
    params, seeds = _mixed(), [11, 12, 13, 14, 15]
    alone = [_alone(p, s) for p, s in zip(params, seeds, strict=True)]
    assert len({s.outcome for s in alone}) >= 2    # the batch mixes outcomes and lengths
    assert len({s.steps for s in alone}) >= 3
    assert run_batch(params, seeds) == alone
    order = [3, 0, 4, 1, 2]                         # other positions, other neighbours
    shuffled = run_batch([params[i] for i in order], [seeds[i] for i in order])
    assert shuffled == [alone[i] for i in order]
    assert run_batch(params[1:2] * 3, [12, 99, 12])[::2] == [alone[1]] * 2


def test_trajectories_match_step_by_step():
    params, seeds = _mixed(), [21, 22, 23, 24, 25]
    engine = Batch(params, seeds)
    for _ in range(12):
        engine.step()
    for row, (p, seed) in enumerate(zip(params, seeds, strict=True)):
        model = CivilResistanceModel(p.replace(run_to_horizon=True), rng=seed)
        for _ in range(12):
            model.step()
        batch_rows = pd.DataFrame(engine.recorder.columns(row))
        pd.testing.assert_frame_equal(batch_rows, pd.DataFrame(model.recorder.columns()),
                                      check_exact=True)
        assert np.array_equal(engine.citizens.state[row], model.citizens.state)


def test_campaigns_of_different_shapes_are_batched_apart():
    params = [preset("success", **SMALL), preset("success", **{**SMALL, "width": 18}),
              preset("success", **SMALL).replace(views_on=False), preset("success", **SMALL)]
    assert len(plan_batches(params)) == 3
    assert plan_batches(params) == [[0, 3], [1], [2]]
    assert run_campaigns(params, [1, 2, 3, 4]) == [_alone(p, s) for p, s in
                                                   zip(params, [1, 2, 3, 4], strict=True)]


def test_batches_are_split_to_fit_memory_and_size():
    params = [preset("default", **SMALL)] * 10
    one = bytes_per_replicate(params[0])
    assert one > 8 * 200  # at least the citizens' arrays
    assert [len(b) for b in plan_batches(params, memory=3 * one)] == [3, 3, 3, 1]
    assert [len(b) for b in plan_batches(params, max_batch=4)] == [4, 4, 2]
    assert [len(b) for b in plan_batches(params, memory=1)] == [1] * 10   # never none


def test_a_batch_refuses_members_of_another_shape_and_mismatched_seeds():
    a, b = Params(**SMALL), Params(**{**SMALL, "movement": False})
    assert batch_key(a) != batch_key(b)
    with pytest.raises(ValueError, match="differ: movement"):
        BatchParams([a, b])
    with pytest.raises(ValueError, match="one seed per campaign"):
        Batch([a, a], [1])
    with pytest.raises(ValueError, match="one seed per campaign"):
        run_campaigns([a], [1, 2])


def test_batch_params_hold_shared_fields_once_and_the_rest_per_replicate():
    bp = BatchParams([Params(legitimacy=0.2, **SMALL), Params(legitimacy=0.7, **SMALL)])
    assert bp.width == 16 and bp.movement is True and bp.size == 2
    assert bp.legitimacy.tolist() == [0.2, 0.7] and bp.max_steps.tolist() == [80, 80]
    assert bp.take(np.array([1])).legitimacy.tolist() == [0.7]


def test_recorded_columns_are_the_declared_ones():
    engine = Batch([Params(**SMALL)], [3])
    assert list(engine.recorder.columns(0)) == list(TRAJECTORY_COLUMNS)


def test_trajectories_kept_by_a_batch_are_those_of_the_run_alone():
    params, seeds = _mixed()[:3], [31, 32, 33]
    for (summary, frame), p, seed in zip(run_campaigns(params, seeds, trajectories=True),
                                         params, seeds, strict=True):
        model = CivilResistanceModel(p, rng=seed)
        assert summary == RunSummary.from_dict(model.run())
        pd.testing.assert_frame_equal(frame, model.trajectory(), check_exact=True)


@pytest.mark.parametrize("settings", [SMALL, {}])
def test_a_replicate_takes_no_more_memory_than_the_batch_planner_assumes(settings):
    import tracemalloc

    p = Params(**settings)
    tracemalloc.start()
    try:
        engine = Batch([p] * 8, list(range(8)))
        for _ in range(3):
            engine.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak / 8 <= bytes_per_replicate(p)
    assert peak / 8 > bytes_per_replicate(p) / 4   # and the estimate is not wildly high


def test_the_judge_gives_the_verdict_of_classifying_the_whole_record():
    """The judge classifies only at triggers; the verdict is that of the whole trajectory.

    A campaign stops at its first decisive event (or the horizon), so classifying its
    whole recorded trajectory names the same outcome at the same step, and one that
    stopped undecided is judged as at the horizon (`outcome.reported`).
    """
    from civres.model.outcome import Thresholds, classify, reported

    params = (_mixed() + [preset("violent", **SMALL)]) * 4
    seeds = list(range(40, 40 + len(params)))
    done = run_campaigns(params, seeds, trajectories=True)
    outcomes = set()
    for summary, trajectory in done:
        columns = {name: trajectory[name].to_numpy() for name in trajectory.columns}
        verdict = reported(classify(columns, final=False, thresholds=Thresholds()), True,
                           columns)
        assert (summary.outcome, summary.decided_step) == (verdict.outcome, verdict.step)
        outcomes.add(summary.outcome)
    assert outcomes >= {"success", "stalled", "violent"}   # each way of ending judged

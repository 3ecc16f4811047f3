"""The rules broadcast over a leading replicate axis (model/rules/__init__.py).

For each rule that once needed a scalar (an `if`, `min`, `max`, `float`, a whole-array
sum or `np.flatnonzero`), a batch of replicates with different inputs gives every row
what the rule gives that row alone, and a few rows are checked against literal values.
Shapes: per-replicate (B,), per-agent (B, N), per-pillar (B, 6); a per-replicate value
meeting a per-pillar array is passed as (B, 1).
"""

import warnings

import numpy as np
import pytest

from civres.model import Params, rules
from civres.model.phases.regime import ECONOMIC_EXPOSURE


def rowwise(rule, *columns, **switches):
    """The rule applied to each replicate alone (row i of every column)."""
    return [rule(*(c[i] for c in columns), **switches) for i in range(len(columns[0]))]


# ---------------------------------------------------------------- citizens
def test_progress_per_replicate():
    before = np.array([0.7, 0.7, 0.7, 0.7])
    now = np.array([0.7, 0.675, 0.6, 0.8])
    granted = np.array([False, False, False, True])
    got = rules.progress(before, now, granted)
    # held; fell half of FULL_PROGRESS; fell more than all of it; rose but granted
    assert got.shape == (4,) and got == pytest.approx([0.0, 0.5, 1.0, 1.0])
    assert got.tolist() == rowwise(rules.progress, before, now, granted)
    # one flag for the whole batch broadcasts too
    assert rules.progress(before, now, True).tolist() == [1.0] * 4


def test_progress_of_one_campaign_is_still_a_float():
    assert type(rules.progress(0.7, 0.675, np.bool_(False))) is float
    assert type(rules.progress(0.7, 0.8, True)) is float


def armed_subset_before_batching(candidates, readiness, places):
    """armed_subset as it was for one campaign (N,), the reference for the batched one."""
    chosen = np.zeros_like(candidates)
    wanted = np.flatnonzero(candidates)
    k = int(max(places, 0.0))
    if wanted.size <= k:
        chosen[wanted] = True
        return chosen
    order = np.argsort(-readiness[wanted], kind="stable")[:k]
    chosen[wanted[order]] = True
    return chosen


CANDIDATES = np.array([
    [True, False, True, True, True],
    [True, False, True, True, True],
    [True, True, True, True, False],
    [False, True, False, True, True],
])
READINESS = np.array([
    [0.1, 9.0, 0.5, 0.3, 0.2],   # the second is ready but no candidate
    [0.1, 9.0, 0.5, 0.3, 0.2],
    [0.5, 0.0, 0.5, 0.5, 9.0],   # ties: lower index first
    [0.0, 0.4, 0.0, 0.7, 0.1],
])


def test_armed_subset_per_replicate():
    places = np.array([2, 10, 2, 1.9])
    got = rules.armed_subset(CANDIDATES, READINESS, places)
    assert got.shape == (4, 5) and got.dtype == bool
    assert got.tolist() == [
        [False, False, True, True, False],    # the two readiest candidates
        [True, False, True, True, True],      # room for every candidate, none more
        [True, False, True, False, False],    # a tie at 0.5: the lower indices
        [False, False, False, True, False],   # whole arms only: 1.9 is one
    ]
    assert got.tolist() == [r.tolist() for r in rowwise(rules.armed_subset, CANDIDATES,
                                                          READINESS, places)]


def test_armed_subset_with_one_number_of_places_for_the_batch():
    got = rules.armed_subset(CANDIDATES, READINESS, 1)
    assert [np.flatnonzero(r).tolist() for r in got] == [[2], [2], [0], [3]]


@pytest.mark.parametrize("seed", range(20))
def test_armed_subset_chooses_as_before_batching(seed):
    # many ties (readiness in a few levels), a NaN or two, places from none to all
    rng = np.random.default_rng(seed)
    b, n = 6, 30
    candidates = rng.random((b, n)) < rng.random((b, 1))
    readiness = rng.integers(0, 4, (b, n)).astype(float)
    readiness[rng.random((b, n)) < 0.05] = np.nan
    places = rng.uniform(-2.0, n + 2.0, b)
    got = rules.armed_subset(candidates, readiness, places)
    for row in range(b):
        want = armed_subset_before_batching(candidates[row], readiness[row], places[row])
        assert got[row].tolist() == want.tolist()
        assert rules.armed_subset(candidates[row], readiness[row],
                                  places[row]).tolist() == want.tolist()


def test_armed_subset_of_an_empty_crowd():
    assert rules.armed_subset(np.zeros((2, 0), bool), np.zeros((2, 0)),
                              np.array([1, 0])).shape == (2, 0)


# ---------------------------------------------------------------- conflict
def test_rebel_strength_per_replicate():
    armed = np.array([10.0, 10.0, 0.0, 5.0])
    defected = np.array([2.0, 2.0, 0.0, 1.0])
    intervened = np.array([False, True, True, True])
    loyal = np.array([30.0, 30.0, 0.0, 12.0])
    got = rules.rebel_strength(armed, defected, intervened, loyal)
    # 10 + 3 x 2; plus the loyal strength 30 when backed; nothing; 5 + 3 + 12
    assert got.tolist() == [16.0, 46.0, 0.0, 20.0]
    assert got.tolist() == rowwise(rules.rebel_strength, armed, defected, intervened, loyal)


# ---------------------------------------------------------------- security
def test_surveillance_hazard_per_replicate():
    learning = np.array([1.0, 1.0, 0.5, 1.0])
    participation = np.array([0.0, 0.025, 0.0, 0.2])
    got = rules.surveillance_hazard(learning, participation)
    # 0.5 at the start, half of it at half of PREEMPT_BELOW, none past it
    assert got == pytest.approx([0.5, 0.25, 0.25, 0.0], abs=1e-15)
    assert got.tolist() == rowwise(rules.surveillance_hazard, learning, participation)


# ---------------------------------------------------------------- the regime
LOYALTY = np.array([
    [1.0, 0.5, 0.75, 1.0, 1.0, 1.0],
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0],   # fully loyal: no patronage
    [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
    [0.0, 0.25, 0.5, 0.75, 1.0, 0.0],
])


def test_regime_support_per_replicate():
    # dyadic weights and loyalties: every sum is exact, whatever its order; the weights
    # sum to 2, not 1
    weights = np.array([0.5, 0.5, 0.25, 0.25, 0.25, 0.25])
    got = rules.regime_support(LOYALTY, weights)
    assert got.shape == (4,)
    assert got.tolist() == [0.84375, 1.0, 0.5, 0.34375]
    assert got.tolist() == rowwise(rules.regime_support, LOYALTY, [weights] * 4)
    # more leading axes (say seeds x designs): the pillars are still the last
    assert rules.regime_support(LOYALTY.reshape(2, 2, 6), weights).tolist() == [
        [0.84375, 1.0], [0.5, 0.34375]]


PILLAR_WEIGHTS = np.array(Params().pillar_weights())


def test_regime_support_per_replicate_with_each_replicates_own_weights():
    # each replicate rests on its own pillars (its regime type): row b is row b alone
    weights = np.array([PILLAR_WEIGHTS, [0.2, 0.5, 0.1, 0.1, 0.05, 0.05],
                        [0.15, 0.05, 0.3, 0.25, 0.05, 0.2], [1, 0, 0, 0, 0, 0]])
    got = rules.regime_support(LOYALTY, weights)
    assert got == pytest.approx(rowwise(rules.regime_support, LOYALTY, list(weights)),
                                rel=1e-15, abs=0)
    assert got[3] == LOYALTY[3, 0]  # all the weight on the police: its loyalty alone


def test_regime_support_per_replicate_with_the_pillar_weights():
    got = rules.regime_support(LOYALTY, PILLAR_WEIGHTS)
    # BLAS may add the six products of one campaign in another order: to the last bit
    assert got == pytest.approx(rowwise(rules.regime_support, LOYALTY, [PILLAR_WEIGHTS] * 4),
                                rel=1e-15, abs=0)
    # 0.3 + 0.3 x 0.5 + 0.15 x 0.75 + 0.1 + 0.05 + 0.1, of weights summing to 1
    assert got[0] == pytest.approx(0.8125, abs=1e-15)


def test_conceded_baseline_per_replicate():
    baseline = np.array([0.9, 0.7, 0.5, 0.79])
    initial = np.array([0.7, 0.7, 0.7, 0.7])
    support = np.array([0.65, 0.45, 0.45, 0.0])
    learning = np.array([0.0, 0.5, 0.5, 1.0])
    got = rules.accommodated_baseline(baseline, initial, support, learning)
    # untouched at the threshold; + 0.02 x 1 x 0.2; the same far under the cap; capped
    assert got == pytest.approx([0.9, 0.704, 0.504, 0.8], abs=1e-15)
    assert got.tolist() == rowwise(rules.accommodated_baseline, baseline, initial, support,
                                   learning)
    assert type(rules.accommodated_baseline(0.7, 0.7, 0.45, 0.5)) is float


def test_next_frustration_per_replicate():
    frustration = np.array([0.1, 0.1, 0.1, 0.0])
    participation = np.array([0.05, 0.05, 0.05, 0.05])
    now = np.array([0.70, 0.70, 0.70, 0.70])
    before = np.array([0.705, 0.72, 0.705, 0.70])
    judged = np.array([True, True, False, True])
    got = rules.next_frustration(frustration, participation, now, before, judged)
    # stuck: + 0.01; progress: x 0.95; too early to judge: x 0.95; stuck from none
    assert got == pytest.approx([0.11, 0.095, 0.095, 0.01], abs=1e-15)
    assert got.tolist() == rowwise(rules.next_frustration, frustration, participation, now,
                                   before, judged)
    # one `judged` for the whole batch
    assert rules.next_frustration(frustration, participation, now, before, False) == (
        pytest.approx([0.095, 0.095, 0.095, 0.0], abs=1e-15))
    assert type(rules.next_frustration(0.1, 0.05, 0.7, 0.705, True)) is float


@pytest.mark.parametrize("backfire_on, flank_on", [
    (True, True), (True, False), (False, True), (False, False)])
def test_legitimacy_change_per_replicate(backfire_on, flank_on):
    columns = (np.array([0.7, 0.8, 0.9, 0.6]), np.array([0.8, 0.8, 0.8, 0.8]),
               np.array([0.03, 0.0, 0.01, 0.0]), np.array([0.1, 0.0, 0.0, 0.05]),
               np.array([0.4, 0.0, 0.1, 0.2]), np.array([2.0, 1.0, 1.0, 0.5]))
    got = rules.legitimacy_change(*columns, backfire_on, flank_on)
    assert got.shape == (4,)
    assert got.tolist() == rowwise(rules.legitimacy_change, *columns,
                                   backfire_on=backfire_on, flank_on=flank_on)


def test_legitimacy_change_grows_to_the_batch_shape():
    # one legitimacy for every replicate, backfire and violence per replicate
    got = rules.legitimacy_change(0.7, 0.8, np.array([0.03, 0.0]), 0.1, np.array([0.4, 0.0]),
                                  2.0, True, True)
    assert got == pytest.approx([0.005 - 0.03 + 0.04 + 0.02, 0.005 + 0.04], abs=1e-15)


@pytest.mark.parametrize("backfire_on, flank_on", [(True, True), (False, False)])
def test_pillar_change_per_replicate(backfire_on, flank_on):
    constituency = np.array([[0.5, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0],
                             [0.5, 0.5, 0.5, 0.5, 0.5, 0.5], [0, 0.2, 0, 0, 0.1, 0]])
    dispersed = np.array([0.2, 0.0, 0.2, 0.1])
    backfire = np.array([0.03, 0.05, 0.0, 0.0])
    violent = np.array([0.1, 0.0, 0.0, 0.05])
    patronage = np.array([[0, 0.01, 0, 0, 0, 0], [0] * 6, [0] * 6, [0.002] * 6])
    erosion = np.array([0.1, 0.1, 0.1, 0.2])
    # per-replicate values meet the pillars as (B, 1)
    got = rules.pillar_change(constituency, dispersed[:, None], ECONOMIC_EXPOSURE,
                              backfire[:, None], violent[:, None], patronage,
                              erosion[:, None], backfire_on, flank_on)
    assert got.shape == (4, 6)
    alone = rowwise(rules.pillar_change, constituency, dispersed, [ECONOMIC_EXPOSURE] * 4,
                    backfire, violent, patronage, erosion,
                    backfire_on=backfire_on, flank_on=flank_on)
    assert got.tolist() == [a.tolist() for a in alone]
    if backfire_on and flank_on:
        # backfire alone erodes every pillar
        assert got[1] == pytest.approx([-0.05] * 6, abs=1e-15)


def test_patronage_shares_per_replicate():
    learning = np.array([0.0, 0.5, 1 / 3, 1.0])
    got = rules.patronage_shares(LOYALTY, learning[:, None])
    assert got.shape == (4, 6)
    assert got[0] == pytest.approx([0, 2 / 3, 1 / 3, 0, 0, 0], abs=1e-15)
    assert got[1].tolist() == [0.0] * 6            # fully loyal: no shares, no 0 / 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no "invalid value in divide"
        rules.patronage_shares(LOYALTY, learning[:, None])
    assert got[2] == pytest.approx([1 / 6] * 6, abs=1e-15)
    assert got.sum(axis=-1) == pytest.approx([1.0, 0.0, 1.0, 1.0])
    # pow may take another SIMD path for a column of exponents: to the last bit
    for row, alone in zip(got, rowwise(rules.patronage_shares, LOYALTY, learning), strict=True):
        assert row == pytest.approx(alone, rel=1e-15, abs=0)


def test_patronage_per_replicate():
    resources = np.array([0.5, 0.5, 0.004, 0.0])
    learning = np.array([0.0, 1.0, 1.0, 1.0])
    given, spent = rules.patronage(resources, LOYALTY, learning)
    assert given.shape == (4, 6) and spent.shape == (4,)
    # 0.01 spent; nothing for fully loyal pillars; resources run out; nothing left
    assert spent.tolist() == [0.01, 0.0, 0.004, 0.0]
    assert given[0] == pytest.approx([0, 0.005 * 2 / 3, 0.005 / 3, 0, 0, 0], abs=1e-15)
    assert given[1].tolist() == [0.0] * 6 and given[3].tolist() == [0.0] * 6
    assert given[2] == pytest.approx([0.004 / 6] * 6, abs=1e-15)   # all equally disloyal
    for row, (g, s) in enumerate(rowwise(rules.patronage, resources, LOYALTY, learning)):
        assert type(s) is float and spent[row] == s
        assert given[row] == pytest.approx(g, rel=1e-15, abs=0)


def test_armed_subset_of_one_campaign_without_citizens():
    assert rules.armed_subset(np.zeros(0, bool), np.zeros(0), 3).shape == (0,)


def test_armed_subset_sorts_a_nan_readiness_last_but_before_the_padding():
    # the second replicate has fewer candidates than the first, so its row is padded;
    # its NaNs sort after every number (as np.argsort does for one campaign) but still
    # count as candidates
    got = rules.armed_subset(np.array([[True, True, True, True], [True, True, True, False]]),
                             np.array([[0.0, 1.0, 2.0, 3.0], [1.0, np.nan, np.nan, 0.0]]),
                             np.array([1, 2]))
    assert got.tolist() == [[False, False, False, True], [True, True, False, False]]


def test_armed_subset_with_more_places_than_any_integer_holds():
    # int(1e30) arms every candidate; a cast of 1e30 to a machine integer would not
    assert rules.armed_subset(CANDIDATES[0], READINESS[0], 1e30).tolist() == CANDIDATES[
        0].tolist()
    got = rules.armed_subset(CANDIDATES, READINESS, np.array([1e30, 0, 1e30, 1]))
    assert [r.sum() for r in got] == [4, 0, 4, 1]


def test_armed_subset_reads_any_mask_as_booleans():
    # a 0/1 integer mask chooses the same citizens, and the choice is a boolean mask
    got = rules.armed_subset(CANDIDATES.astype(int), READINESS, np.array([2, 10, 2, 1]))
    assert got.dtype == bool
    assert got.tolist() == rules.armed_subset(CANDIDATES, READINESS,
                                              np.array([2, 10, 2, 1])).tolist()

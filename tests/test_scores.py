"""Scores with intervals, and the baselines `civres compare` sets beside the model."""

import dataclasses
import math

import numpy as np
import pytest

from civres.experiments.history import baselines, scores
from civres.experiments.history.cases import load_cases
from civres.model.vocabulary import Outcome


def dist(success=0.0, stalled=0.0, suppressed=0.0, violent=0.0):
    return {"success": success, "stalled": stalled, "suppressed": suppressed,
            "violent": violent}


# ---------------------------------------------------------------------------- scores


def test_scores_of_single_forecasts_by_hand():
    assert scores.brier(dist(success=1), "success") == 0
    assert scores.brier(dist(stalled=1), "success") == 2
    assert scores.brier(dist(0.5, 0.5), "success") == pytest.approx(0.5)
    assert scores.brier(dist(0.25, 0.25, 0.25, 0.25), "violent") == pytest.approx(0.75)
    assert scores.log_loss(dist(0.25, 0.25, 0.25, 0.25), "violent") == pytest.approx(
        1.3862943611198906)  # ln 4
    assert scores.log_loss(dist(success=1), "success") == 0
    with pytest.raises(ValueError, match="smooth"):
        scores.log_loss(dist(success=1), "violent")
    assert scores.hit(dist(0.4, 0.6), "stalled") == 1.0
    assert scores.hit(dist(0.4, 0.6), "success") == 0.0
    # a tie goes to the outcome first in Outcome, as in the comparison's table
    assert scores.most_likely(dist(0.5, 0.0, 0.0, 0.5)) == "success"


def test_add_half_smoothing_by_hand():
    # 4 runs, all success: (4 + 0.5) / 6 and 0.5 / 6
    assert scores.smoothed(dist(success=1), 4) == pytest.approx(
        dist(0.75, 1 / 12, 1 / 12, 1 / 12))
    # 10 runs, 3 stalled 7 violent: (3.5 / 12, 7.5 / 12)
    smoothed = scores.smoothed(dist(stalled=0.3, violent=0.7), 10)
    assert smoothed == pytest.approx(dist(0.5 / 12, 3.5 / 12, 0.5 / 12, 7.5 / 12))
    assert sum(smoothed.values()) == pytest.approx(1.0)


def test_per_case_scores_use_the_smoothed_forecasts_for_log_loss_only():
    raw = [dist(success=1), dist(0.5, 0.5)]
    smooth = [scores.smoothed(raw[0], 2), scores.smoothed(raw[1], 2)]
    got = scores.per_case(raw, ["stalled", "stalled"], smooth)
    assert list(got["accuracy"]) == [0.0, 0.0]  # 0.5/0.5 tie goes to success
    assert list(got["brier"]) == pytest.approx([2.0, 0.5])
    # smoothed over 2 runs: stalled 0.5/4 and 1.5/4
    assert list(got["log_loss"]) == pytest.approx([math.log(8), math.log(4 / 1.5)])


def test_bootstrap_interval_by_hand_and_deterministic():
    assert scores.bootstrap_interval([0.3], seed=1) == (0.3, 0.3)
    assert scores.bootstrap_interval([0.3] * 7, seed=1) == pytest.approx((0.3, 0.3))
    # two cases 0 and 1: resampled means 0, 0.5, 1 with chances 1/4, 1/2, 1/4: both tails
    # hold far more than 2.5%, so the interval is [0, 1]
    assert scores.bootstrap_interval([0.0, 1.0], seed=3) == (0.0, 1.0)
    values = np.random.default_rng(0).random(30)
    a = scores.bootstrap_interval(values, seed=7)
    assert a == scores.bootstrap_interval(values, seed=7)
    assert a != scores.bootstrap_interval(values, seed=8)
    assert a[0] < values.mean() < a[1]
    nan = scores.bootstrap_interval([], seed=7)
    assert math.isnan(nan[0]) and math.isnan(nan[1])


def test_bootstrap_interval_is_the_percentile_interval_of_resampled_means_by_hand():
    values = np.array([0.0, 0.2, 0.5, 0.9, 1.4, 2.0, 0.1])
    for level in (0.95, 0.5):
        index = np.random.default_rng(11).integers(0, 7, size=(400, 7))
        means = values[index].mean(axis=1)
        tail = (1 - level) / 2 * 100
        expected = tuple(np.percentile(means, [tail, 100 - tail]))
        assert scores.bootstrap_interval(values, 11, 400, level) == expected
    narrow = scores.bootstrap_interval(values, 11, 400, 0.5)
    wide = scores.bootstrap_interval(values, 11, 400, 0.95)
    assert wide[0] < narrow[0] < narrow[1] < wide[1]


def test_bootstrap_interval_shrinks_with_more_cases():
    widths = []
    for n in (10, 100, 1000):
        values = np.tile([0.0, 1.0], n // 2)
        lo, hi = scores.bootstrap_interval(values, seed=0)
        assert lo < 0.5 < hi
        widths.append(hi - lo)
    assert widths[0] > 2 * widths[1] > 4 * widths[2]


def test_paired_difference_resamples_the_same_cases():
    rng = np.random.default_rng(1)
    b = rng.random(40) * 2
    # a constant shift: every paired resample has the same difference
    same = scores.paired_difference(b + 0.1, b, seed=0)
    assert same["value"] == pytest.approx(0.1)
    assert same["interval"] == pytest.approx([0.1, 0.1])
    # the paired interval is far narrower than the two unpaired intervals suggest
    a = b + rng.normal(0.1, 0.01, 40)
    paired = scores.paired_difference(a, b, seed=0)
    lo, hi = paired["interval"]
    assert 0.09 < lo < paired["value"] < hi < 0.11
    unpaired = scores.bootstrap_interval(b, seed=0)
    assert hi - lo < (unpaired[1] - unpaired[0]) / 10


def test_summarise_gives_n_values_and_intervals():
    got = scores.summarise({"brier": np.array([0.0, 2.0]), "accuracy": np.array([1.0, 1.0])},
                           seed=0)
    assert got["n"] == 2
    assert got["brier"] == {"value": 1.0, "interval": [0.0, 2.0]}
    assert got["accuracy"] == {"value": 1.0, "interval": [1.0, 1.0]}


def test_summarise_takes_each_interval_from_the_seeded_bootstrap_it_is_given():
    values = np.array([0.0, 0.5, 1.5, 2.0, 0.25, 1.0, 0.75])
    got = scores.summarise({"brier": values}, seed=3, n_resamples=50)
    assert got["brier"]["interval"] == list(scores.bootstrap_interval(values, 3, 50))
    assert got["brier"]["interval"] != list(scores.bootstrap_interval(values, 3))
    assert got["brier"]["interval"] != list(scores.bootstrap_interval(values, 4, 50))


def test_summarise_of_no_case_is_nan_without_a_warning():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy's mean of an empty slice would warn
        got = scores.summarise({"brier": np.array([])}, seed=0)
    assert got["n"] == 0 and math.isnan(got["brier"]["value"])


def test_per_case_refuses_forecasts_and_outcomes_of_different_lengths():
    even = {o.value: 0.25 for o in Outcome}
    with pytest.raises(ValueError):
        scores.per_case([even, even], ["success"])
    with pytest.raises(ValueError):
        scores.per_case([even], ["success"], log_forecasts=[even, even])


# ---------------------------------------------------------------------------- baselines


def _with(case, outcome=None, **conditions):
    """A copy of `case` with another observed outcome and/or other conditions."""
    if conditions:
        case = dataclasses.replace(
            case, conditions=dataclasses.replace(case.conditions, **conditions))
    if outcome is not None:
        case = dataclasses.replace(
            case, observed=dataclasses.replace(case.observed, outcome=outcome))
    return case


def test_features_are_the_coded_conditions_only():
    case = load_cases()[0]
    row = baselines.features([case])[0]
    assert len(row) == len(baselines.feature_names()) == 9 * 3 + 7 + 3 + 2 + 1
    assert row[:-1].sum() == 9 + 3  # one level per condition, a regime, tactics, goal
    assert row[-1] == pytest.approx((case.start_year - 1990) / 30)
    other = dataclasses.replace(case, observed=dataclasses.replace(
        case.observed, outcome="violent", peak_participation_pct=50.0,
        security_defections=not case.observed.security_defections))
    assert (baselines.features([other]) == baselines.features([case])).all()
    changed = baselines.features([_with(case, legitimacy="high"
                                        if case.conditions.legitimacy != "high" else "low")])
    assert (changed != baselines.features([case])).any()


def test_base_rates_are_add_half_by_hand():
    base = load_cases()[0]
    train = [_with(base, "success"), _with(base, "success"), _with(base, "violent")]
    (rates,) = baselines.base_rates(train, [base])
    assert list(rates) == list(Outcome)
    assert rates == pytest.approx(dist(2.5 / 5, 0.5 / 5, 0.5 / 5, 1.5 / 5))


def test_leave_one_out_forecast_does_not_depend_on_the_case_s_own_label():
    cases = load_cases()[:12]
    before = baselines.leave_one_out(cases)
    i = 4
    new = next(k for k in Outcome if k != cases[i].observed.outcome)
    flipped = [*cases[:i], _with(cases[i], new), *cases[i + 1:]]
    after = baselines.leave_one_out(flipped)
    for name in ("logistic", "rates"):
        assert after[name][i] == before[name][i]
        # while the other cases' forecasts, fitted with it, do change
        assert after[name][0] != before[name][0]


def test_leave_one_out_logistic_predicts_a_separable_set():
    base = load_cases()[0]
    by_level = {"low": "success", "medium": "stalled", "high": "suppressed"}
    cases = [dataclasses.replace(_with(base, outcome, legitimacy=level), id=f"toy-{level}-{j}")
             for level, outcome in by_level.items() for j in range(4)]
    loo = baselines.leave_one_out(cases)
    for case, forecast in zip(cases, loo["logistic"], strict=True):
        assert scores.most_likely(forecast) == case.observed.outcome
        assert forecast["violent"] == pytest.approx(0.5 / (11 + 2))  # absent: add-half
        assert sum(forecast.values()) == pytest.approx(1.0)
    # the base rates cannot separate them: each case's own outcome is the rarer one
    for case, forecast in zip(cases, loo["rates"], strict=True):
        assert scores.most_likely(forecast) != case.observed.outcome


def test_logistic_with_one_outcome_falls_back_to_base_rates_and_is_deterministic():
    cases = load_cases()
    success = [c for c in cases if c.observed.outcome == "success"][:5]
    assert baselines.logistic(success, cases[:3]) == baselines.base_rates(success, cases[:3])
    assert baselines.logistic(cases[:20], cases[20:]) == baselines.logistic(cases[:20],
                                                                          cases[20:])
    for forecast in baselines.logistic(cases[:20], cases[20:]):
        assert min(forecast.values()) > 0 and sum(forecast.values()) == pytest.approx(1.0)


def test_logistic_learns_from_two_outcomes_and_floors_the_absent_two():
    cases = load_cases()
    two = [c for c in cases if c.observed.outcome in ("success", "stalled")]
    assert {c.observed.outcome for c in two} == {"success", "stalled"}
    got = baselines.logistic(two, cases[:5])
    assert got != baselines.base_rates(two, cases[:5])  # a fit, not the rates
    floor = 0.5 / (len(two) + 2)
    for forecast in got:
        assert forecast["suppressed"] == forecast["violent"] == pytest.approx(floor)
        assert sum(forecast.values()) == pytest.approx(1.0)
    assert len({round(f["success"], 9) for f in got}) > 1  # it tells the cases apart


def test_features_are_one_hot_codes_then_the_year_under_their_names():
    names = baselines.feature_names()
    assert names[-1] == "start_year" and len(names) == len(set(names))
    case = load_cases()[0]
    row = baselines.features([case])[0]
    assert row.dtype == float and len(row) == len(names)
    for goal in baselines.GOALS:
        assert row[names.index(f"goal={goal}")] == float(case.goal == goal)
    assert row[names.index(f"regime_type={case.regime_type}")] == 1.0
    assert row[names.index(f"tactics={case.tactics}")] == 1.0
    # one code per condition, regime type, tactics and goal; then the scaled year
    assert row[:-1].sum() == len(baselines.CONDITION_FIELDS) + 3


def test_held_out_is_leave_one_out_on_the_catalogue_and_a_whole_fit_otherwise():
    catalogue = load_cases()[:10]
    assert baselines.held_out(catalogue, catalogue) == baselines.leave_one_out(catalogue)
    outsider = dataclasses.replace(load_cases()[20], id="not-in-the-catalogue")
    mixed = [outsider, catalogue[3]]
    got = baselines.held_out(mixed, catalogue)
    whole = baselines.fitted_on(catalogue, [outsider])
    loo = baselines.leave_one_out(catalogue)
    for name in ("logistic", "rates"):
        assert got[name][0] == whole[name][0]
        assert got[name][1] == loo[name][3]

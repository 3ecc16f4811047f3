"""Patterns beyond the outcome: peak, defections and duration per case, scored by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from civres.experiments.history import patterns
from civres.experiments.history.cases import Case, Conditions, Observed
from civres.experiments.history.compare import compare_cases, format_comparison

LEVELS = dict(legitimacy="low", security_cohesion="medium", repression_capacity="high",
              grievance="medium", discipline="low", breadth="high", media_freedom="low",
              international_pressure="high")


def case(case_id, start, end, peak=None, defections=None, **levels):
    return Case(id=case_id, name=case_id, country="Nowhere", start_year=start, end_year=end,
                regime_type="personalist", conditions=Conditions(**{**LEVELS, **levels}),
                tactics="mixed", observed=Observed(outcome="success", sources=("hand",),
                                                   peak_participation_pct=peak,
                                                   security_defections=defections))


def runs(peaks, weeks, defected):
    return pd.DataFrame({"peak_participation_pct": peaks, "duration": weeks,
                         "security_defected_share": defected})


def test_simulated_patterns_by_hand():
    sim = patterns.simulated(runs([0.1, 1.0, 10.0], [52, 104, 520], [0.0, 0.2, 0.0]))
    assert sim["peak"] == 1.0 and sim["duration"] == 2.0
    assert sim["defections"] == pytest.approx(1 / 3)
    # 5th and 95th percentiles, numpy's linear rule: 0.1 + 0.1 x 0.9 and 1 + 0.9 x 9
    assert sim["peak_interval"] == pytest.approx([0.19, 9.1])
    assert sim["duration_interval"] == pytest.approx([1.1, 9.2])
    assert patterns.simulated(runs([], [], []))["peak"] is None


def test_errors_by_hand():
    assert patterns.error("peak", 1.0, 10.0) == pytest.approx(1.0)  # one order of magnitude
    assert patterns.error("peak", 0.0, 0.01) == pytest.approx(1.0)   # floored at 0.001
    assert patterns.error("defections", 0.25, True) == pytest.approx(0.5625)
    assert patterns.error("defections", 0.25, False) == pytest.approx(0.0625)
    assert patterns.error("duration", 0.5, 3.0) == 2.5


@pytest.mark.parametrize("pattern, interval, truth, expected", [
    ("peak", [0.1, 2.0], 2.0, True),
    ("peak", [0.1, 2.0], 2.1, False),
    # the observed duration range is truth - 1 to truth + 1 years
    ("duration", [0.2, 0.9], 1.0, True),
    ("duration", [0.2, 0.9], 2.0, False),
    ("duration", [4.5, 6.0], 3.0, False),
    ("duration", [3.9, 6.0], 3.0, True),
    ("duration", [0.0, 0.1], 0.0, True),
    ("duration", [4.0, 6.0], 3.0, True),     # the run interval starts where the range ends
    ("duration", [0.5, 2.0], 3.0, True),     # and ends where it starts
    ("peak", [2.0, 3.0], 2.0, True),
    ("peak", None, 1.0, None),
])
def test_coverage(pattern, interval, truth, expected):
    assert patterns.covered(pattern, interval, truth) is expected


def test_baselines_are_held_out_and_by_hand():
    catalogue = [case("a", 2000, 2001, peak=0.1, defections=True),
                 case("b", 2000, 2003, peak=10.0, defections=False),
                 case("c", 2000, 2002, peak=1.0, defections=True),
                 case("d", 2000, 2010, peak=None, defections=None)]
    # case a: the median of b and c (log scale: 10^((1 + 0) / 2)); defections (1 + .5) / 3
    median = patterns.held_out_forecast("peak", catalogue[0], catalogue)["median"]
    assert median == pytest.approx(10 ** 0.5)
    rate = patterns.held_out_forecast("defections", catalogue[0], catalogue)["median"]
    assert rate == pytest.approx(1.5 / 3)
    # duration: d is known (10 years) and counts; a's own 1 year does not
    assert patterns.held_out_forecast("duration", catalogue[0], catalogue)["median"] == 3.0
    # one class left among the training cases: the regression falls back to the rate
    assert patterns.held_out_forecast("defections", catalogue[1], catalogue)[
        "regression"] == pytest.approx(2.5 / 3)


def test_the_regression_baseline_learns_from_the_coded_conditions():
    # peak rises tenfold with media freedom in the training cases: the ridge follows
    catalogue = [case(f"c{i}", 2000, 2001, peak=0.01 if i % 2 else 1.0,
                      media_freedom="low" if i % 2 else "high") for i in range(12)]
    target = case("new", 2000, 2001, peak=1.0, media_freedom="high")
    forecast = patterns.held_out_forecast("peak", target, catalogue)
    assert forecast["median"] == pytest.approx(0.1)  # the median of -2 and 0 in log10
    assert forecast["regression"] > 0.3


def test_pattern_scores_by_hand():
    catalogue = [case("a", 2000, 2001, peak=1.0, defections=True),
                 case("b", 2000, 2003, peak=0.01, defections=False),
                 case("c", 2000, 2002, peak=None, defections=None)]
    sims = [patterns.simulated(runs([1.0, 1.0], [52, 52], [0.1, 0.1])),
            patterns.simulated(runs([0.1, 0.1], [52, 52], [0.0, 0.1])),
            patterns.simulated(runs([1.0], [52], [0.0]))]
    out = patterns.pattern_scores(catalogue, sims, catalogue, seed=1)
    peak = out["peak"]
    assert peak["n"] == 2
    assert peak["model"]["value"] == pytest.approx((0.0 + 1.0) / 2)  # a exact, b 10x high
    assert peak["coverage"] == 0.5
    defections = out["defections"]
    assert defections["model"]["value"] == pytest.approx((0.0 + 0.25) / 2)
    assert out["duration"]["n"] == 3
    assert out["duration"]["model"]["value"] == pytest.approx((0 + 2 + 1) / 3)
    # each baseline fitted without the case: for a, b's 0.01; for b, a's 1.0
    assert peak["median"]["value"] == pytest.approx(2.0)
    assert peak["difference"]["model_minus_median"]["value"] == pytest.approx(0.5 - 2.0)
    assert peak["lowest"] == "model"
    lines = patterns.format_patterns(out)
    assert lines[2].startswith("peak") and "50%" in lines[2]
    assert "peak: lowest error model; model minus median -1.500 [" in lines[5]


def test_a_pattern_no_case_knows_is_reported_as_such():
    unknown = [case("a", 2000, 2001), case("b", 2000, 2005)]  # duration errors 0 and 4
    sims = [patterns.simulated(runs([1.0], [52], [0.0]))] * 2
    out = patterns.pattern_scores(unknown, sims, unknown, seed=0)
    assert out["peak"] == {"n": 0} and out["defections"] == {"n": 0}
    lines = patterns.format_patterns(out)
    assert lines[2] == "peak          0  (no case with this pattern known)"
    assert lines[3] == "defections    0  (no case with this pattern known)"
    assert lines[4].startswith("duration      2  ")  # the patterns after it still shown
    b = out["duration"]["difference"]
    assert lines[5] == ("duration: lowest error " + out["duration"]["lowest"] + "; "
                        + "; ".join(f"model minus {k} {b[f'model_minus_{k}']['value']:+.3f} "
                                    f"[{b[f'model_minus_{k}']['interval'][0]:+.3f}, "
                                    f"{b[f'model_minus_{k}']['interval'][1]:+.3f}]"
                                    for k in ("median", "regression")))


def test_compare_reports_the_patterns_of_real_runs():
    from civres.experiments.history.cases import load_cases

    catalogue = load_cases()
    chosen = [c for c in catalogue if c.id in ("serbia-2000", "china-1989", "egypt-2011")]
    result = compare_cases(chosen, reps=3, seed=2, workers=1, catalogue=catalogue,
                           width=12, height=12, max_steps=60, citizen_vision=3,
                           security_vision=3)
    block = result.summary["patterns"]
    assert block["duration"]["n"] == 3 and block["peak"]["n"] >= 2
    for row in result.cases:
        assert row.observed_duration_years == next(
            c.end_year - c.start_year for c in chosen if c.id == row.id)
        assert 0.0 <= row.simulated_duration_years <= 60 / 52
        low, high = row.simulated_peak_interval
        assert low <= row.simulated_peak_pct <= high
    assert not math.isnan(block["duration"]["regression"]["value"])
    assert "beyond the outcome" in format_comparison(result)
    assert np.isfinite(block["peak"]["difference"]["model_minus_regression"]["value"])


def test_no_run_gives_every_pattern_as_none():
    assert patterns.simulated(runs([], [], [])) == {
        "peak": None, "peak_interval": None, "defections": None, "duration": None,
        "duration_interval": None}


def test_the_regression_baselines_by_hand_on_identical_conditions():
    # With every case coded alike, a ridge regression predicts the training mean (its
    # intercept is not penalised) and a logistic the training rate.
    peaks = [case(f"p{i}", 2000, 2000 + years, peak=peak, defections=flag)
             for i, (peak, years, flag) in enumerate([(1.0, 0, True), (100.0, 1, True),
                                                      (10.0, 0, False)])]
    target = case("t", 2000, 2001)
    # peak: the mean of log10 peaks (0, 2, 1) is 1, so 10% of the population
    assert patterns.held_out_forecast("peak", target, peaks)["regression"] == pytest.approx(
        10.0)
    # duration: the mean of 0, 1 and 0 years
    assert patterns.held_out_forecast("duration", target, peaks)["regression"] == (
        pytest.approx(1 / 3))
    # defections: two of three, with two classes to learn from
    assert patterns.held_out_forecast("defections", target, peaks)[
        "regression"] == pytest.approx(2 / 3, abs=1e-3)


def test_pattern_scores_are_seeded_checked_and_labelled():
    catalogue = [case("a", 2000, 2001, peak=1.0, defections=True),
                 case("b", 2000, 2003, peak=0.01, defections=False),
                 case("c", 2000, 2004, peak=0.1, defections=True)]
    sims = [patterns.simulated(runs([1.0, 2.0], [52, 104], [0.1, 0.0]))] * 3
    first = patterns.pattern_scores(catalogue, sims, catalogue, seed=4)
    assert first == patterns.pattern_scores(catalogue, sims, catalogue, seed=4)
    # enough cases that the bootstrap's percentiles depend on its draws: the seed decides
    peaks = [0.013, 0.4, 2.2, 0.07, 9.1, 0.002, 1.3, 0.55, 3.3, 0.021, 0.9, 15.0]
    many = [case(f"m{i}", 2000, 2000 + i, peak=p) for i, p in enumerate(peaks)]
    msims = [patterns.simulated(runs([1.0], [52 * (i % 4)], [0.0])) for i in range(12)]
    one = patterns.pattern_scores(many, msims, many, seed=4)
    assert one == patterns.pattern_scores(many, msims, many, seed=4)
    assert one["peak"]["model"] != patterns.pattern_scores(many, msims, many, seed=5)[
        "peak"]["model"]
    assert set(first) == {"scores", "interval", "baselines", *patterns.PATTERNS}
    assert first["scores"] == patterns.PATTERNS
    assert first["baselines"].startswith("fitted on the catalogue's cases where the pattern")
    assert first["interval"] == "95% percentile bootstrap over cases, 2000 resamples, seed 4"
    with pytest.raises(ValueError):
        patterns.pattern_scores(catalogue, sims[:2], catalogue, seed=4)
    lines = patterns.format_patterns(first)
    assert lines[0] == ("beyond the outcome (mean error per case, 95% percentile bootstrap "
                        "over cases, 2000 resamples, seed 4; lower is better):")
    assert lines[1].split() == ["pattern", "n", "model", "median", "regression", "model's",
                                "90%", "runs", "hold", "it"]
    d = first["duration"]
    assert lines[4] == (
        f"{'duration':<11} {3:>3}  "
        + "  ".join(f"{c:<22}" for c in (
            f"{d[k]['value']:.3f} [{d[k]['interval'][0]:.3f}, {d[k]['interval'][1]:.3f}]"
            for k in patterns.FORECASTERS))
        + f"  {d['coverage']:.0%}")
    assert lines[3].endswith("  -")  # defections have no coverage

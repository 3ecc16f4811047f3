"""The outcome classifier on hand-made trajectories."""

import numpy as np
import pytest

from model import OUTCOMES, Thresholds, classify
from model.outcome import peak_violent_fraction


def trajectory(participation, violent, support):
    n = max(len(participation), len(violent), len(support))
    pad = lambda xs: np.resize(np.asarray(xs, dtype=float), n)  # noqa: E731
    return {"participation": pad(participation), "violent_share": pad(violent),
            "regime_support": pad(support)}


def test_success_when_support_collapses_while_nonviolent():
    t = trajectory([0.0, 0.2, 0.4, 0.5], [0.0], [0.8, 0.7, 0.6, 0.45])
    d = classify(t)
    assert (d.outcome, d.step) == ("success", 3)


def test_violent_when_violence_is_sustained():
    th = Thresholds(violent_window=3)
    t = trajectory([0.3] * 6, [0.0, 0.2, 0.2, 0.2, 0.2, 0.2], [0.8] * 6)
    d = classify(t, thresholds=th)
    assert (d.outcome, d.step) == ("violent", 3)


def test_short_violent_burst_is_not_war():
    th = Thresholds(violent_window=3)
    t = trajectory([0.3] * 6, [0.0, 0.2, 0.2, 0.0, 0.2, 0.0], [0.8] * 6)
    assert classify(t, thresholds=th).outcome is None


def test_violence_below_minimum_share_is_not_war():
    th = Thresholds(violent_window=2)
    t = trajectory([0.015] * 5, [0.009] * 5, [0.8] * 5)  # 60% violent, but few
    assert classify(t, final=True, thresholds=th).outcome == "stalled"


def test_regime_toppled_by_violent_majority_is_violent():
    t = trajectory([0.3, 0.3], [0.0, 0.2], [0.8, 0.4])
    assert classify(t).outcome == "violent"


def test_undecided_until_final_then_suppressed_or_stalled():
    th = Thresholds(quiet_window=3)
    crushed = trajectory([0.0, 0.3, 0.2, 0.005, 0.0, 0.0], [0.0], [0.8])
    assert classify(crushed, thresholds=th).outcome is None
    d = classify(crushed, final=True, thresholds=th)
    assert (d.outcome, d.step) == ("suppressed", 5)
    alive = trajectory([0.0, 0.3, 0.2, 0.1, 0.05, 0.05], [0.0], [0.8])
    assert classify(alive, final=True, thresholds=th).outcome == "stalled"


def test_first_event_wins():
    th = Thresholds(violent_window=2)
    t = trajectory([0.3] * 6, [0.0, 0.0, 0.0, 0.2, 0.2, 0.2], [0.8, 0.7, 0.45, 0.4, 0.4, 0.4])
    assert classify(t, thresholds=th).outcome == "success"


def test_outcome_names():
    assert set(OUTCOMES) == {"success", "stalled", "suppressed", "violent"}


@pytest.mark.parametrize("final", [False, True])
def test_empty_trajectory(final):
    d = classify(trajectory([], [], []), final=final)
    assert d.outcome is None


def test_peak_violent_fraction_ignores_a_small_flank():
    # 1% violent among 2% participating: half violent, but too few to count
    small = trajectory([0.02, 0.4, 0.4], [0.01, 0.015, 0.1], [0.8])
    assert peak_violent_fraction(small) == pytest.approx(0.25)  # only the last step counts
    assert peak_violent_fraction(trajectory([0.3], [0.0], [0.8])) == 0.0
    war = trajectory([0.3, 0.3], [0.05, 0.2], [0.8])
    assert peak_violent_fraction(war) == pytest.approx(2 / 3)

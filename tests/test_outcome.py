"""The outcome classifier on hand-made trajectories: boundary tables.

Every threshold is tried just at, below and above its value, every window at its length
and one step short, with the default Thresholds (collapse 0.5, violent_min 0.02,
violent_majority 0.5, violent_window 10, quiet 0.01, quiet_window 30, crushed 0.25)
unless a row says otherwise. Trajectories are written as runs: [(value, steps), ...].
Trajectories without `jailed` and `dead` columns count as crushed (the classifier's
default: everyone jailed), so the tables before issue 9's `crushed` rule still read as
they did.
"""

import importlib
import re
import warnings

import numpy as np
import pytest

from civres.model import Outcome, Thresholds, classify
from civres.model.outcome import Decision, _violent_fraction, peak_violent_fraction, reported


def runs(*pieces):
    """A column from (value, steps) pieces: runs((0.2, 3), (0.0, 2)) -> 0.2 0.2 0.2 0 0."""
    return np.concatenate([np.full(n, v, dtype=float) for v, n in pieces])


def trajectory(participation, violent, support, **optional):
    """Columns padded to one length; optional ones (jailed, dead, demand_granted) too."""
    columns = {"participation": participation, "violent_share": violent,
               "regime_support": support, **optional}
    n = max(len(c) for c in columns.values())
    return {k: np.resize(np.asarray(c, dtype=float), n) for k, c in columns.items()}


def decide(t, final=False, **thresholds):
    d = classify(t, final=final, thresholds=Thresholds(**thresholds))
    return d.outcome, d.step


def test_default_thresholds():
    th = Thresholds()
    assert (th.collapse, th.violent_min, th.violent_majority, th.violent_window, th.quiet,
            th.quiet_window, th.crushed, th.mass_arrests) == (0.5, 0.02, 0.5, 10, 0.01, 30,
                                                                0.25, 0.25)


def test_outcome_names():
    assert tuple(Outcome) == ("success", "stalled", "suppressed", "violent")
    assert [o.name for o in Outcome] == ["SUCCESS", "STALLED", "SUPPRESSED", "VIOLENT"]


def test_removed_outcome_names_say_what_to_use_in_one_line():
    for module in ("civres.model", "civres.model.vocabulary"):
        for name, use in (("OUTCOMES", "tuple(Outcome)"), ("OUTCOME_COLOURS", "Outcome.colour")):
            with pytest.raises(ImportError, match=re.escape(use)) as raised:
                exec(f"from {module} import {name}", {})
            assert "\n" not in str(raised.value)


@pytest.mark.parametrize("module, name, use", [
    ("civres.model.vocabulary", "PILLARS", "tuple(PillarName)"),
    ("civres.model.vocabulary", "PILLAR_COLOURS", "PillarName.colour"),
    ("civres.model.rules", "conceded_baseline", "import accommodated_baseline"),
    ("civres.model.rules", "CONCEDE_BELOW", "import ACCOMMODATE_BELOW"),
    ("civres.model.rules", "MAX_CONCESSION", "import MAX_ACCOMMODATION"),
])
def test_renamed_and_removed_names_say_what_to_use_in_one_line(module, name, use):
    with pytest.raises(ImportError, match=re.escape(use)) as raised:
        exec(f"from {module} import {name}", {})
    assert "\n" not in str(raised.value)
    with pytest.raises(AttributeError):  # an unknown name is still an AttributeError
        importlib.import_module(module).NO_SUCH_NAME  # noqa: B018


# ---------------------------------------------------------------- success: the collapse
@pytest.mark.parametrize("support, expected", [
    ([0.8, 0.6, 0.5], ("success", 2)),           # at the threshold: fallen
    ([0.8, 0.6, 0.5001], (None, None)),          # just above: not yet
    ([0.8, 0.49, 0.6], ("success", 1)),          # the first step at or below decides
    ([0.8, 0.3, 0.9, 0.2], ("success", 1)),      # ... and a recovery does not undo it
])
def test_success_when_support_reaches_the_collapse_threshold(support, expected):
    t = trajectory([0.2], [0.0], support)
    assert decide(t) == expected


def test_success_step_follows_the_threshold():
    t = trajectory([0.2], [0.0], [0.8, 0.6, 0.55, 0.4])
    assert decide(t, collapse=0.6) == ("success", 1)
    assert decide(t, collapse=0.3) == (None, None)


# ---------------------------------------------------------------- violent: sustained war
# Violent 0.1 of citizens among 0.2 participating: half the participants.
@pytest.mark.parametrize("participation, violent, expected", [
    (0.2, runs((0.0, 2), (0.1, 10)), ("violent", 11)),         # exactly the window: decided
    (0.2, runs((0.0, 2), (0.1, 9)), (None, None)),             # one step short
    (0.2, runs((0.1, 9), (0.0, 1), (0.1, 9)), (None, None)),   # broken in the middle
    (0.2, runs((0.1, 9), (0.0, 1), (0.1, 10)), ("violent", 19)),
    # the minimum: 0.02 of citizens violent (of 0.03 participating) counts, 0.0199 does not
    (0.03, runs((0.02, 10)), ("violent", 9)),
    (0.03, runs((0.0199, 10)), (None, None)),
])
def test_violent_window_and_minimum(participation, violent, expected):
    t = trajectory([participation], violent, [0.8])
    assert decide(t) == expected


@pytest.mark.parametrize("violent, expected", [
    (0.1, "violent"),     # 0.1 / 0.2 = 0.5: a violent majority (at the threshold)
    (0.098, None),        # 0.49: a violent flank, not a violent campaign
])
def test_violent_majority_of_participants(violent, expected):
    t = trajectory([0.2], [violent], [0.8] * 10)
    assert decide(t)[0] == expected


def test_violent_window_follows_the_threshold():
    t = trajectory([0.2], runs((0.0, 1), (0.1, 3)), [0.8])
    assert decide(t, violent_window=3) == ("violent", 3)
    assert decide(t, violent_window=4) == (None, None)
    assert decide(t, violent_window=3, violent_min=0.2) == (None, None)
    assert decide(t, violent_window=3, violent_majority=0.6) == (None, None)


# ---------------------------------------------------------------- a fall while violent
# The rule that a regime toppled by a mostly violent uprising is a war's outcome needs
# both the violent minimum and the majority at the step of the fall.
@pytest.mark.parametrize("participation, violent, expected", [
    (0.3, 0.2, ("violent", 1)),      # 2/3 violent, 0.2 of citizens
    (0.04, 0.02, ("violent", 1)),    # exactly the minimum and 1/2: violent
    (0.0199, 0.0199, ("success", 1)),  # all violent, but below the minimum: success
    (0.2, 0.098, ("success", 1)),    # a violent flank of 0.49: success
    (0.2, 0.1, ("violent", 1)),      # exactly half: violent
])
def test_fall_while_violent(participation, violent, expected):
    t = trajectory([0.2, participation], [0.0, violent], [0.8, 0.4])
    assert decide(t) == expected


def test_fall_while_violent_is_judged_at_the_step_of_the_fall():
    # violent before and after the fall, nonviolent at it: success
    t = trajectory([0.3] * 4, [0.2, 0.2, 0.0, 0.2], [0.8, 0.8, 0.4, 0.4])
    assert decide(t) == ("success", 2)


# ---------------------------------------------------------------- which comes first
@pytest.mark.parametrize("support, expected", [
    (runs((0.8, 3), (0.4, 3)), ("violent", 2)),   # war at 2, fall at 3: the war
    (runs((0.8, 2), (0.4, 4)), ("violent", 2)),   # both at step 2: the war
    (runs((0.8, 1), (0.4, 5)), ("violent", 1)),   # the fall at 1, violent at that step
])
def test_war_and_fall_first_event_wins(support, expected):
    t = trajectory([0.3] * 6, [0.2] * 6, support)
    assert decide(t, violent_window=3) == expected


def test_a_nonviolent_fall_before_the_war_is_success():
    t = trajectory([0.3] * 6, [0.0, 0.0, 0.0, 0.2, 0.2, 0.2], [0.8, 0.7, 0.45, 0.4, 0.4, 0.4])
    assert decide(t, violent_window=2) == ("success", 2)


# ---------------------------------------------------------------- at the horizon
# Forty steps; participation high for the first steps, then at the value given for the rest.
@pytest.mark.parametrize("participation, expected", [
    (runs((0.2, 10), (0.0, 30)), ("suppressed", 39)),   # quiet for exactly the window
    (runs((0.2, 11), (0.0, 29)), ("stalled", 39)),      # one step short
    (runs((0.2, 10), (0.01, 30)), ("suppressed", 39)),  # at the quiet threshold
    (runs((0.2, 10), (0.0101, 30)), ("stalled", 39)),   # just above it
    # judged on the maximum over the window, not the mean: one step at 0.05 among 29
    # at 0 has mean 0.0017 but the campaign is not crushed
    (runs((0.2, 10), (0.0, 15), (0.05, 1), (0.0, 14)), ("stalled", 39)),
    (runs((0.2, 40)), ("stalled", 39)),
])
def test_suppressed_or_stalled_at_the_horizon(participation, expected):
    t = trajectory(participation, [0.0], [0.8])
    assert decide(t, final=True) == expected
    assert decide(t, final=False) == (None, None)   # undecided until the horizon


def test_quiet_window_shorter_than_the_run_uses_every_row():
    t = trajectory([0.0, 0.005, 0.0], [0.0], [0.8])
    assert decide(t, final=True) == ("suppressed", 2)


def test_quiet_window_follows_the_threshold():
    t = trajectory(runs((0.3, 2), (0.0, 3)), [0.0], [0.8])
    assert decide(t, final=True, quiet_window=3) == ("suppressed", 4)
    assert decide(t, final=True, quiet_window=4) == ("stalled", 4)
    assert decide(t, final=True, quiet_window=3, quiet=0.0) == ("suppressed", 4)
    t = trajectory(runs((0.3, 2), (0.02, 3)), [0.0], [0.8])
    assert decide(t, final=True, quiet_window=3, quiet=0.02) == ("suppressed", 4)
    assert decide(t, final=True, quiet_window=3, quiet=0.019) == ("stalled", 4)


def test_a_small_violent_fringe_alone_is_stalled_not_war():
    t = trajectory([0.015] * 12, [0.009] * 12, [0.8] * 12)  # 60% violent, but few
    assert decide(t, final=True) == ("stalled", 11)


@pytest.mark.parametrize("final", [False, True])
def test_empty_trajectory(final):
    assert decide(trajectory([], [], []), final=final) == (None, None)


def test_a_zero_violent_window_declares_no_war():
    # a window of no steps would hold everywhere; the classifier refuses it quietly
    t = trajectory([0.3] * 3, [0.2] * 3, [0.8] * 3)
    assert decide(t, violent_window=0) == (None, None)


# ---------------------------------------------------------------- peak violent fraction
@pytest.mark.parametrize("participation, violent, expected", [
    ([0.3], [0.0], 0.0),                              # nobody violent
    ([0.0], [0.0], 0.0),                              # nobody at all
    ([0.04], [0.02], 0.5),                            # at the minimum: counts
    ([0.0398], [0.0199], 0.0),                        # just below: ignored
    # 1% violent among 2% is half, but too few; 1.5% too; 0.1 of 0.4 counts
    ([0.02, 0.4, 0.4], [0.01, 0.015, 0.1], 0.25),
    ([0.3, 0.3], [0.05, 0.2], 2 / 3),                 # the maximum, not the mean
    ([0.3, 0.3, 0.3], [0.2, 0.05, 0.05], 2 / 3),      # ... wherever it falls
])
def test_peak_violent_fraction(participation, violent, expected):
    t = trajectory(participation, violent, [0.8])
    assert peak_violent_fraction(t) == pytest.approx(expected)


def test_peak_violent_fraction_follows_the_threshold():
    t = trajectory([0.02, 0.4], [0.01, 0.1], [0.8])
    assert peak_violent_fraction(t, Thresholds(violent_min=0.01)) == pytest.approx(0.5)
    assert peak_violent_fraction(t, Thresholds(violent_min=0.2)) == 0.0
    assert type(peak_violent_fraction(t)) is float


def test_undecided_by_default_until_told_it_is_final():
    t = trajectory([0.0] * 40, [0.0], [0.8])
    assert classify(t).outcome is None and classify(t, final=True).outcome == "suppressed"


def test_a_one_step_violent_window():
    t = trajectory([0.2, 0.2], [0.0, 0.1], [0.8])
    assert decide(t, violent_window=1) == ("violent", 1)


def test_plain_lists_and_integer_columns_are_read_as_shares():
    # an integer violent column (0/1) must not be divided into an integer buffer
    t = {"participation": [0, 1, 1], "violent_share": [0, 0, 1], "regime_support": [1, 1, 0]}
    assert decide(t) == ("violent", 2)
    assert peak_violent_fraction(t) == 1.0


def test_quiet_steps_divide_by_no_one_without_warnings():
    t = trajectory([0.0, 0.2, 0.0], [0.0, 0.1, 0.0], [0.8])
    assert _violent_fraction(t["participation"], t["violent_share"]).tolist() == [0.0, 0.5, 0.0]
    for n in (3, 8, 64, 1000) * 5:   # zeros written, not whatever memory held before
        junk = np.full(n, 7.0)
        del junk
        assert not _violent_fraction(np.zeros(n), np.zeros(n)).any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no "invalid value in divide" on quiet steps
        assert decide(t, final=True) == ("stalled", 2)
        assert peak_violent_fraction(t) == 0.5


# ---------------------------------------------------------------- a demand granted (issue 9)
# Success means the goal achieved: the regime fallen, or the demand granted.
@pytest.mark.parametrize("granted, support, expected", [
    ([0, 0, 1, 1], [0.8], ("success", 2)),           # granted at 2: won at 2
    ([0, 0, 0, 0], [0.8], (None, None)),             # never granted, never fallen
    ([1, 1, 1, 1], [0.8], ("success", 0)),           # from the start
    ([0, 1, 0, 0], [0.8], ("success", 1)),           # a flag at one row suffices
    ([0, 0, 0, 1], [0.8, 0.4, 0.4, 0.4], ("success", 1)),   # the fall came first
    ([0, 1, 1, 1], [0.8, 0.8, 0.8, 0.4], ("success", 1)),   # the grant came first
    ([0, 0, 0.5, 1], [0.8], ("success", 2)),         # any value above 0 is a grant
])
def test_a_granted_demand_is_a_win(granted, support, expected):
    t = trajectory([0.2], [0.0], support, demand_granted=granted)
    assert decide(t) == expected
    assert decide(t, final=True)[0] == (expected[0] or "stalled")


def test_without_a_grant_column_only_the_fall_counts():
    t = trajectory([0.2], [0.0], [0.8, 0.6, 0.5])
    assert "demand_granted" not in t and decide(t) == ("success", 2)


@pytest.mark.parametrize("participation, violent, expected", [
    # a grant to a mostly violent uprising is a war's outcome, as a fall is
    (0.3, 0.2, ("violent", 1)),        # 2/3 violent, 0.2 of citizens
    (0.04, 0.02, ("violent", 1)),      # exactly the minimum and half
    (0.0199, 0.0199, ("success", 1)),  # all violent, but below the minimum
    (0.2, 0.098, ("success", 1)),      # a violent flank of 0.49
])
def test_a_grant_during_a_violent_majority_is_violent(participation, violent, expected):
    t = trajectory([0.2, participation], [0.0, violent], [0.8], demand_granted=[0, 1])
    assert decide(t) == expected


@pytest.mark.parametrize("granted, expected", [
    (runs((0, 3), (1, 3)), ("violent", 2)),   # war at 2, grant at 3: the war
    (runs((0, 2), (1, 4)), ("violent", 2)),   # both at 2: the war
    (runs((0, 1), (1, 5)), ("violent", 1)),   # the grant at 1, violent at that step
])
def test_war_and_grant_first_event_wins(granted, expected):
    t = trajectory([0.3] * 6, [0.2] * 6, [0.8], demand_granted=granted)
    assert decide(t, violent_window=3) == expected


def test_a_nonviolent_grant_before_the_war_is_success():
    t = trajectory([0.3] * 6, [0.0, 0.0, 0.0, 0.2, 0.2, 0.2], [0.8],
                   demand_granted=[0, 0, 1, 1, 1, 1])
    assert decide(t, violent_window=2) == ("success", 2)


# ---------------------------------------------------------------- crushed or faded (issue 9)
# Forty steps: participation 0.2 for ten, then quiet for the window of 30. Suppressed only
# if citizens jailed or dead reached crushed x peak = 0.25 x 0.2 = 0.05 at some step.
QUIET_END = runs((0.2, 10), (0.0, 30))


@pytest.mark.parametrize("jailed, dead, expected", [
    (runs((0.0, 5), (0.05, 1), (0.0, 34)), [0.0], "suppressed"),    # at 0.05: crushed
    (runs((0.0, 5), (0.0499, 1), (0.0, 34)), [0.0], "stalled"),     # just below: faded
    (runs((0.0, 5), (0.06, 1), (0.0, 34)), [0.0], "suppressed"),    # the maximum, at any step
    ([0.0], [0.05], "suppressed"),                                   # the dead count too
    ([0.03], [0.02], "suppressed"),                                  # jailed + dead: 0.05
    # jailed and dead at different steps: the largest sum (0.04), not the sum of maxima
    (runs((0.04, 5), (0.0, 35)), runs((0.0, 20), (0.02, 20)), "stalled"),
    ([0.0], [0.0], "stalled"),                                       # nobody repressed
    (runs((0.01, 39), (0.2, 1)), [0.0], "suppressed"),               # at the very last step
])
def test_suppressed_needs_repression_that_broke_the_movement(jailed, dead, expected):
    t = trajectory(QUIET_END, [0.0], [0.8], jailed=jailed, dead=dead)
    assert decide(t, final=True) == (expected, 39)


@pytest.mark.parametrize("participation, jailed, expected", [
    # repressed == 0 is never crushed, even when the campaign never mobilised (0 >= 0.25 x 0)
    ([0.0] * 40, [0.0], "stalled"),
    ([0.0] * 40, [0.001], "suppressed"),   # some repression, and no peak to compare with
    # crushed alone is not enough: still mobilised in the window
    (runs((0.2, 11), (0.0, 29)), [0.5], "stalled"),
])
def test_crushed_edge_cases(participation, jailed, expected):
    t = trajectory(participation, [0.0], [0.8], jailed=jailed, dead=[0.0])
    assert decide(t, final=True)[0] == expected


def test_crushed_follows_the_threshold():
    t = trajectory(QUIET_END, [0.0], [0.8], jailed=[0.05], dead=[0.0])
    assert decide(t, final=True, crushed=0.25)[0] == "suppressed"
    assert decide(t, final=True, crushed=0.26)[0] == "stalled"     # 0.052 needed
    assert decide(t, final=True, crushed=0.0)[0] == "suppressed"
    t = trajectory(QUIET_END, [0.0], [0.8], jailed=[0.2], dead=[0.0])
    assert decide(t, final=True, crushed=1.0)[0] == "suppressed"   # jailed = peak
    assert decide(t, final=True, crushed=1.01)[0] == "stalled"


def test_crushed_is_judged_against_the_peak_of_the_whole_run():
    # the peak 0.4 came early: 0.25 x 0.4 = 0.1 needed, not 0.25 x 0.2
    participation = runs((0.4, 1), (0.2, 9), (0.0, 30))
    t = trajectory(participation, [0.0], [0.8], jailed=[0.06], dead=[0.0])
    assert decide(t, final=True)[0] == "stalled"
    t = trajectory(participation, [0.0], [0.8], jailed=[0.1], dead=[0.0])
    assert decide(t, final=True)[0] == "suppressed"


def test_missing_jailed_or_dead_columns_take_their_defaults():
    # without a dead column nobody counts as dead; without a jailed one, everyone as jailed
    t = trajectory(QUIET_END, [0.0], [0.8], jailed=[0.04])
    assert decide(t, final=True)[0] == "stalled"
    t = trajectory(QUIET_END, [0.0], [0.8], dead=[0.0])
    assert decide(t, final=True)[0] == "suppressed"


# ---------------------------------------------------------------- mass arrests (issue 9)
@pytest.mark.parametrize("level, outcome", [
    (0.2499, "stalled"),     # milder policing: the campaign fizzled, it was not crushed
    (0.25, "suppressed"),    # Thresholds.mass_arrests: crushed
])
def test_a_quiet_end_is_suppressed_only_after_mass_arrests(level, outcome):
    n = 40
    trajectory = {
        "participation": np.r_[[0.2] * 5, [0.0] * (n - 5)],
        "violent_share": np.zeros(n),
        "regime_support": np.full(n, 0.8),
        "jailed": np.r_[[0.0] * 5, [0.1] * (n - 5)],     # half the peak crowd jailed
        "dead": np.zeros(n),
        "repression_level": np.r_[[0.2] * 10, [level], [0.2] * (n - 11)],
    }
    assert classify(trajectory, final=True).outcome == outcome


# ---------------------------------------------------------------- reported: the judge's rule


def test_reported_judges_a_stopped_undecided_campaign_as_at_the_horizon():
    # a quiet campaign after mass arrests: suppressed once judged at the horizon
    t = trajectory(runs((0.3, 5), (0.0, 40)), [0.0], [0.9], jailed=runs((0.0, 5), (0.2, 40)),
                   repression_level=[0.5])
    open_ = Decision(None, None)
    assert reported(open_, False, t) == open_  # still running: nothing decided yet
    assert reported(open_, True, t) == Decision(Outcome.SUPPRESSED, 44)
    # a decided campaign keeps its verdict, stopped or not
    won = Decision(Outcome.SUCCESS, 3)
    assert reported(won, True, t) is won and reported(won, False, t) is won
    # the thresholds reach the final judgement: a longer quiet window finds it stalled
    assert reported(open_, True, t, Thresholds(quiet_window=41)) == Decision(Outcome.STALLED, 44)
    assert reported(open_, True, t, Thresholds(mass_arrests=0.6)).outcome == Outcome.STALLED

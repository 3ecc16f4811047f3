"""Unit tests of the pure decision rules: literal values worked out by hand.

Every expected number is computed in the comment beside it from the rule's docstring,
with the named constants written out as numbers, so a changed sign, constant or term
fails a test that names the rule. Each term is checked alone (the others zero) and in
combination. Tables read as (inputs..., expected).
"""

import math

import numpy as np
import pytest

from civres.model import CivilResistanceModel, Params, rules, setup
from civres.model.phases import regime as regime_phase
from civres.model.phases import security as security_phase
from civres.model.phases.regime import ECONOMIC_EXPOSURE
from civres.model.presets import preset

LN2 = math.log(2.0)


# ---------------------------------------------------------------- the named constants
@pytest.mark.parametrize("name, value", [
    ("LETHAL_LEVEL", 0.75), ("MAX_LETHAL", 0.2), ("CROWD_HALF", 2.0), ("CALM_POLICING", 0.5),
    ("THREAT_PER_ACTIVE", 5.0), ("THREAT_PER_VIOLENT", 10.0), ("MORAL_BLUNTING", 0.5),
    ("LOYALTY_DRIFT", 0.01), ("LEGITIMACY_FLOOR", 0.5), ("PILLAR_RALLY", 0.2),
    ("ACCOMMODATE_BELOW", 0.65), ("ACCOMMODATION_RATE", 0.02), ("ACCOMMODATION_WILL", 0.5),
    ("MAX_ACCOMMODATION", 0.1), ("LEGITIMACY_INERTIA", 0.05), ("ORDER_GAIN", 0.2),
    ("FLANK_LEGITIMACY", 0.05), ("BACKFIRE_BLUNTING", 0.5), ("REPRESSION_SPEED", 0.1),
    ("REPRESSION_SPEED_LEARNING", 0.4), ("PROPAGANDA_BASE", 0.3), ("PROPAGANDA_LEARNING", 0.6),
    ("PATRONAGE_RATE", 0.01), ("PATRONAGE_EFFICIENCY", 0.5), ("INCOME", 0.002),
    ("STRIKE_LOSS", 10.0), ("PROGRESS_WINDOW", 20), ("MOBILISED", 0.02), ("PROGRESS", 0.01),
    # FRUSTRATION_GAIN was 0.005 before issue 9 (docs/ODD.md section 7: 0.01)
    ("FRUSTRATION_GAIN", 0.01), ("FRUSTRATION_KEPT", 0.95),
    # added by the re-specification (issue 9), as docs/ODD.md section 7 quotes them
    # citizens
    ("LETHAL_FEAR", 2.0), ("FATIGUE_KEPT", 0.99), ("FULL_PROGRESS", 0.05),
    ("VIEW_INERTIA", 0.05), ("VIEW_SHOCK", 0.05), ("ARMS_MAX", 0.5), ("ARMS_PER_DEFECTOR", 3.0),
    # security
    ("SURVEILLANCE", 0.5), ("PREEMPT_BELOW", 0.05), ("TIES", 0.01),
    ("LOYALTY_REVERSION", 0.02), ("COUP_PROOFING", 0.8),
    # regime
    ("BACKFIRE_CEILING", 0.005), ("GRANT_RATE", 0.2), ("NOTICED", 0.005),
    ("STRIKE_PRESSURE", 2.0), ("TARGETING", 3.0), ("MAXIMALIST_GRANT", 0.25),
    # armed conflict
    ("DEFECTOR_STRENGTH", 3.0), ("LOYAL_STRENGTH", 3.0), ("DECISIVENESS", 1.0),
    ("DESERTION", 0.03), ("BATTLE_DEATH", 0.01), ("INTERVENTION_RATE", 2.0),
    ("INTERVENTION_STRENGTH", 1.0),
])
def test_constants_have_their_documented_values(name, value):
    # The values docs/ODD.md and the docstrings quote; a deliberate change updates both.
    assert getattr(rules, name) == value


@pytest.mark.parametrize("module, name, value", [
    # coefficients that belong to a phase or to the set-up, not to a rule
    (security_phase, "KILLING_WEIGHT", 5.0), (security_phase, "CROWD_SCALE", 20.0),
    (security_phase, "LOYALTY_NOISE", 0.005), (regime_phase, "PILLAR_INERTIA", 0.02),
    (setup, "DISCIPLINE_SD", 0.15), (setup, "LOYALTY_SD", 0.1),
])
def test_phase_constants_have_their_documented_values(module, name, value):
    assert getattr(module, name) == value


#: The default pillar weights (Params; a case's regime type sets its own).
PILLAR_WEIGHTS = np.array(Params().pillar_weights())


def test_pillar_weights_and_exposures():
    assert PILLAR_WEIGHTS.tolist() == [0.30, 0.30, 0.15, 0.10, 0.05, 0.10]
    assert ECONOMIC_EXPOSURE.tolist() == [0.0, 0.0, 0.5, 1.0, 0.0, 0.2]


# ---------------------------------------------------------------- citizens
@pytest.mark.parametrize("hardship, legitimacy, outrage, expected", [
    (0.5, 0.8, 0.0, 0.1),     # Epstein: 0.5 * (1 - 0.8)
    (1.0, 0.0, 0.0, 1.0),     # no legitimacy: grievance is the hardship
    (0.4, 1.0, 0.0, 0.0),     # full legitimacy: none
    (0.0, 0.3, 0.25, 0.25),   # outrage alone
    (0.5, 0.8, 0.2, 0.3),     # both: 0.1 + 0.2
])
def test_grievance(hardship, legitimacy, outrage, expected):
    assert rules.grievance(hardship, legitimacy, outrage) == pytest.approx(expected)


def test_grievance_without_outrage_is_epstein():
    assert rules.grievance(0.5, 0.8) == pytest.approx(0.1)


@pytest.mark.parametrize("officers, actives, k, level, expected", [
    (3.0, 2.0, 2.3, 1.0, 1 - math.exp(-2.3 * 2)),  # round(1.5) = 2
    (5.0, 2.0, 2.3, 1.0, 1 - math.exp(-2.3 * 2)),  # round(2.5) = 2: numpy rounds half to even
    (7.0, 2.0, 1.0, 1.0, 1 - math.exp(-4.0)),      # round(3.5) = 4 (Epstein's floor gives 3)
    (1.0, 1.0, 2.3, 0.5, 1 - math.exp(-1.15)),     # the level scales the deterrent
    (2.0, 0.0, 1.0, 0.5, 1 - math.exp(-1.0)),      # no actives count as one: 2 / 1
    (4.0, 9.0, 2.3, 1.0, 0.0),                     # round(0.44) = 0: the tipping point
    (10.0, 1.0, 2.3, 0.0, 0.0),                    # a regime that does not arrest deters nobody
])
def test_arrest_probability(officers, actives, k, level, expected):
    # rounded is the default (Epstein's preset, round_risk)
    p = rules.arrest_probability(np.array([officers]), np.array([actives]), k, level)
    assert p[0] == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("officers, actives, k, level, expected", [
    # continuous (round_risk off, issue 9): P = 1 - exp(-k r S / A), S / A as it is
    (1.0, 2.0, 2.3, 1.0, 1 - math.exp(-1.15)),        # rounded: round(0.5) = 0, P = 0
    (3.0, 2.0, 2.3, 1.0, 1 - math.exp(-3.45)),        # rounded: 2
    (4.0, 9.0, 2.3, 1.0, 1 - math.exp(-2.3 * 4 / 9)),  # rounded: 0, the tipping point gone
    (2.0, 0.0, 1.0, 0.5, 1 - math.exp(-1.0)),         # no actives count as one
    (1.0, 4.0, 4.0, 0.5, 1 - math.exp(-0.5)),         # the level scales it: 4 x 0.5 x 0.25
    (10.0, 1.0, 2.3, 0.0, 0.0),
])
def test_arrest_probability_continuous(officers, actives, k, level, expected):
    p = rules.arrest_probability(np.array([officers]), np.array([actives]), k, level,
                                 rounded=False)
    assert p[0] == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("griev, risk_aversion, risk, pull, threshold, expected", [
    (0.75, 0.5, 0.5, 0.0, 0.5, False),    # 0.75 - 0.25 = 0.5: not above T
    (0.75, 0.5, 0.5, 0.0, 0.49, True),    # ... above a lower one
    (0.5, 1.0, 0.9, 0.0, 0.1, False),     # deterred: 0.5 - 0.9 < 0.1
    (0.5, 0.0, 0.9, 0.0, 0.1, True),      # the risk-neutral are not deterred
    (0.5, 1.0, 0.0, 0.0, 0.1, True),      # no risk, no deterrent
    (0.25, 0.0, 0.0, 1.0, 0.49, True),    # pull doubles grievance: 0.5
    (0.25, 0.0, 0.0, 1.0, 0.6, False),    # ... multiplies, not adds (0.25 + 1 would act)
    (0.25, 0.0, 0.0, -0.5, 0.2, False),   # a violent crowd deters: 0.125
])
def test_wants_to_act(griev, risk_aversion, risk, pull, threshold, expected):
    # no fatigue, no fear: Epstein's rule with the pull
    assert rules.wants_to_act(griev, risk_aversion, risk, pull, threshold) == expected


@pytest.mark.parametrize("griev, risk_aversion, risk, pull, threshold, fatigue, fear, expected", [
    # fatigue alone discounts grievance: G (1 - F) > T
    (0.5, 0.0, 0.0, 0.0, 0.1, 0.8, 1.0, False),    # 0.5 x 0.2 = 0.1: not above
    (0.5, 0.0, 0.0, 0.0, 0.1, 0.79, 1.0, True),    # 0.105
    (0.25, 0.0, 0.0, 1.0, 0.1, 0.5, 1.0, True),    # ... however large the crowd: 0.25
    (0.25, 0.0, 0.0, 1.0, 0.25, 0.5, 1.0, False),
    # ... but not the risk: 0.5 x 0.5 - 0.2 = 0.05 (discounting both would give 0.15)
    (0.5, 1.0, 0.2, 0.0, 0.1, 0.5, 1.0, False),
    # fear alone multiplies the risk: 0.5 - 0.1 x 3 = 0.2; x 4: 0.1, not above
    (0.5, 1.0, 0.1, 0.0, 0.1, 0.0, 3.0, True),
    (0.5, 1.0, 0.1, 0.0, 0.1, 0.0, 4.0, False),
    (0.5, 0.5, 0.2, 0.0, 0.25, 0.0, 2.0, True),    # 0.5 - 0.5 x 0.2 x 2 = 0.3
    (0.5, 0.5, 0.2, 0.0, 0.3, 0.0, 2.0, False),
    # both: 0.5 (1 + 0.5)(1 - 0.2) - 1 x 0.1 x 2 = 0.4
    (0.5, 1.0, 0.1, 0.5, 0.39, 0.2, 2.0, True),
    (0.5, 1.0, 0.1, 0.5, 0.41, 0.2, 2.0, False),
])
def test_wants_to_act_with_fatigue_and_fear(griev, risk_aversion, risk, pull, threshold,
                                            fatigue, fear, expected):
    got = rules.wants_to_act(griev, risk_aversion, risk, pull, threshold, fatigue, fear)
    assert got == expected


@pytest.mark.parametrize("lethal, max_lethal, expected", [
    (0.0, 0.2, 1.0),     # no killing: the risk weighs as it is
    (0.1, 0.2, 2.0),     # 1 + 2 x 0.5
    (0.2, 0.2, 3.0),     # the harshest orders: three times
    (0.05, 0.1, 2.0),    # relative to the maximum passed in
])
def test_fear_of_force(lethal, max_lethal, expected):
    assert rules.fear_of_force(lethal, max_lethal) == pytest.approx(expected)


def test_thresholds_are_lognormal_around_the_median():
    z = np.random.default_rng(0).standard_normal(3)
    got = rules.thresholds(z, 0.1, 0.8)
    assert got == pytest.approx(0.1 * np.exp(0.8 * z), abs=1e-15)
    assert rules.thresholds(z, 0.2, 0.8) == pytest.approx(2 * got)


def test_organising_lowers_the_thresholds_of_a_targeted_constituency_only():
    # two replicates; citizens: public, civil service (2), business (3), media (5)
    threshold = np.array([[0.2, 0.2, 0.2, 0.2], [0.4, 0.4, 0.4, 0.4]])
    constituency = np.array([[-1, 2, 3, 5], [-1, 2, 3, 5]])
    targets = np.array([[0, 0, 0.0, 1.0, 0, 0.0],     # all organising in business
                        [0, 0, 0.5, 0.0, 0, 0.5]])    # half civil service, half media
    got = rules.organised_thresholds(threshold, constituency, targets)
    assert rules.ORGANISING == 0.5
    assert got == pytest.approx(np.array([[0.2, 0.2, 0.1, 0.2], [0.4, 0.3, 0.4, 0.3]]))
    # no targeting: every threshold as drawn
    assert rules.organised_thresholds(threshold, constituency, np.zeros((2, 6))) == (
        pytest.approx(threshold))


@pytest.mark.parametrize("median, spread, expected", [
    # z = 0 is the median; z = +-1 is e^(+-spread) times it
    (0.1, 0.8, [0.1, 0.22255409285, 0.04493289641]),
    (0.2, 0.8, [0.2, 0.4451081857, 0.08986579282]),
    (0.1, 0.0, [0.1, 0.1, 0.1]),
])
def test_thresholds_literal(median, spread, expected):
    got = rules.thresholds(np.array([0.0, 1.0, -1.0]), median, spread)
    assert got == pytest.approx(expected, abs=1e-10)


def test_thresholds_refuse_a_generator_with_what_to_pass_instead():
    message = ("thresholds(deviates, median, spread) takes the citizens' standard normal "
               "draws, not a generator: pass rng.standard_normal(n)")
    with pytest.raises(TypeError) as refused:
        rules.thresholds(np.random.default_rng(0), 0.1, 0.8)
    assert str(refused.value) == message


def test_thresholds_without_spread_are_epsteins_and_the_rest_of_the_run_is_shared():
    assert rules.thresholds(np.array([0.3, -2.0, 1.5, 0.0]), 0.1, 0.0).tolist() == [0.1] * 4
    # every draw has its own stream: a spread changes the thresholds and nothing else
    a = CivilResistanceModel(preset("epstein", threshold_spread=0.0), rng=5)
    b = CivilResistanceModel(preset("epstein", threshold_spread=0.5), rng=5)
    assert not np.array_equal(a.citizens.threshold, b.citizens.threshold)
    for name in ("pos", "hardship", "risk_aversion", "discipline", "view"):
        assert np.array_equal(getattr(a.citizens, name), getattr(b.citizens, name)), name


@pytest.mark.parametrize("weight, media, participation, expected", [
    (1.0, 0.5, 0.2, 0.1),       # weight x media freedom x active share
    (2.0, 0.5, 0.2, 0.2),       # the weight scales it
    (1.0, 1.0, 0.2, 0.2),       # a free press reveals all
    (1.0, 0.0, 0.5, 0.0),       # a censored press hides it
    (0.0, 1.0, 0.5, 0.0),       # switched off (Epstein's preset)
    (1.0, 1.0, 0.0, 0.0),       # no campaign, no signal
    (3.0, 0.6, 1 / 3, 0.6),
])
def test_opposition_signal(weight, media, participation, expected):
    assert rules.opposition_signal(weight, media, participation) == pytest.approx(expected)


@pytest.mark.parametrize("before, now, granted, expected", [
    (0.7, 0.7, False, 0.0),      # support held
    (0.7, 0.675, False, 0.5),    # fell 0.025 of FULL_PROGRESS 0.05
    (0.7, 0.65, False, 1.0),     # fell 0.05: full progress
    (0.7, 0.6, False, 1.0),      # ... and no more
    (0.7, 0.72, False, 0.0),     # support rose: none (never negative)
    (0.7, 0.7, True, 1.0),       # a granted demand is full progress
    (0.7, 0.8, True, 1.0),
])
def test_progress(before, now, granted, expected):
    got = rules.progress(before, now, granted)
    assert type(got) is float and got == pytest.approx(expected)


def test_progress_is_not_granted_by_default():
    assert rules.progress(0.7, 0.7) == 0.0


@pytest.mark.parametrize("fatigue, active, rate, progress, expected", [
    (0.0, True, 0.1, 0.0, 0.1),      # active without progress: rate x what is left
    (0.5, True, 0.1, 0.0, 0.55),     # 0.5 + 0.1 x 0.5
    (0.5, True, 0.1, 0.5, 0.525),    # progress halves the wear
    (0.5, True, 0.1, 1.0, 0.5),      # full progress: no wear
    (0.5, True, 0.0, 0.0, 0.5),      # fatigue switched off (rate 0)
    (0.5, False, 0.1, 0.0, 0.495),   # quiet: keeps 0.99 of it
    (0.5, False, 0.1, 1.0, 0.495),   # ... whatever the progress
    (0.0, False, 0.1, 0.0, 0.0),
    (0.99, True, 0.5, 0.0, 0.995),   # stays below 1
])
def test_next_fatigue(fatigue, active, rate, progress, expected):
    got = rules.next_fatigue(np.array([fatigue]), np.array([active]), rate, progress)
    assert got[0] == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("view, legitimacy, seen, propaganda, expected", [
    (0.9, 0.5, 0.0, 0.0, 0.88),      # drift alone: 0.05 of the way to the regime's
    (0.5, 0.9, 0.0, 0.0, 0.52),      # ... both ways
    (0.5, 0.5, 0.2, 0.0, 0.49),      # repression witnessed alone: 0.05 x 0.2
    (0.5, 0.5, 0.2, 0.5, 0.495),     # ... half explained away by propaganda
    (0.5, 0.5, 0.2, 1.0, 0.5),       # ... all of it
    (0.9, 0.5, 0.2, 0.0, 0.87),      # both: 0.9 - 0.02 - 0.01
    (0.01, 0.0, 1.0, 0.0, 0.0),      # clipped at 0
    (1.0, 1.0, 0.0, 0.0, 1.0),
])
def test_next_views(view, legitimacy, seen, propaganda, expected):
    got = rules.next_views(np.array([view]), legitimacy, np.array([seen]), propaganda)
    assert got[0] == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("capacity, citizens, defected, expected", [
    (0.1, 1000, 0, 50.0),    # 0.1 x ARMS_MAX 0.5 x 1000
    (1.0, 100, 0, 50.0),     # a society at war: half can arm
    (0.0, 100, 2, 6.0),      # defectors' weapons alone: 3 each
    (0.2, 100, 1, 13.0),     # both
    (0.0, 100, 0, 0.0),
])
def test_armed_places(capacity, citizens, defected, expected):
    assert rules.armed_places(capacity, citizens, defected) == pytest.approx(expected)


CANDIDATES = np.array([True, False, True, True])
READINESS = np.array([0.1, 9.0, 0.5, 0.3])   # the second is ready but no candidate


@pytest.mark.parametrize("places, expected", [
    (2, [False, False, True, True]),     # the two readiest candidates
    (1, [False, False, True, False]),
    (1.9, [False, False, True, False]),  # whole arms only
    (3, [True, False, True, True]),      # room for every candidate
    (10, [True, False, True, True]),     # ... never a non-candidate
    (0, [False, False, False, False]),
    (-1.0, [False, False, False, False]),
])
def test_armed_subset(places, expected):
    assert rules.armed_subset(CANDIDATES, READINESS, places).tolist() == expected


def test_armed_subset_breaks_ties_by_index():
    chosen = rules.armed_subset(np.array([True, True, True, True]),
                                np.array([0.5, 0.0, 0.5, 0.5]), 2)
    assert chosen.tolist() == [True, False, True, False]


#                       0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19
TIED = np.array([1, 0, 2, 1, 1, 2, 0, 1, 2, 1, 0, 1, 2, 2, 1, 0, 1, 2, 1, 1], float)


@pytest.mark.parametrize("places, expected", [
    # six at readiness 2 (2, 5, 8, 12, 13, 17): the first three by index
    (3, [2, 5, 8]),
    # all six, then the first three at readiness 1 (0, 3, 4)
    (9, [0, 2, 3, 4, 5, 8, 12, 13, 17]),
])
def test_armed_subset_breaks_ties_by_index_among_many(places, expected):
    # twenty candidates: enough for an unstable sort to reorder ties
    chosen = rules.armed_subset(np.ones(20, dtype=bool), TIED, places)
    assert np.flatnonzero(chosen).tolist() == expected


@pytest.mark.parametrize("weight, nonviolent, violent, expected", [
    (1.0, 0.3, 0.0, 0.3),
    (2.0, 0.3, 0.1, 0.4),     # 2 * (0.3 - 0.1)
    (1.0, 0.0, 0.25, -0.25),  # violence alone deters
    (0.0, 0.5, 0.0, 0.0),     # no bandwagon
])
def test_social_pull(weight, nonviolent, violent, expected):
    assert rules.social_pull(weight, nonviolent, violent) == pytest.approx(expected)


@pytest.mark.parametrize("anger, frustration, discipline, expected", [
    (0.25, 0.25, 0.5, False),  # equal: does not overcome
    (0.25, 0.25, 0.49, True),
    (0.5, 0.0, 0.49, True),    # anger alone
    (0.0, 0.5, 0.49, True),    # frustration alone
    (0.3, 0.2, 0.7, False),
])
def test_turns_violent(anger, frustration, discipline, expected):
    assert rules.turns_violent(anger, frustration, discipline) == expected


# ---------------------------------------------------------------- repression
@pytest.mark.parametrize("level, capacity, visible, expected", [
    (1.0, 1.0, 4.0, 0.25),   # one arrest spread over four
    (0.5, 2.0, 4.0, 0.25),   # 0.5 * 2 / 4
    (0.5, 3.0, 1.0, 1.5),
    (1.0, 2.0, 0.5, 4.0),    # one dispersed active seen at half visibility
    (1.0, 1.0, 0.0, 0.0),    # nobody visible: no hazard
])
def test_arrest_hazard_per_officer(level, capacity, visible, expected):
    hazard = rules.arrest_hazard_per_officer(level, capacity, np.array([visible]))
    assert hazard[0] == pytest.approx(expected)


def test_arrest_hazard_expects_rate_arrests_per_officer():
    hazard = rules.arrest_hazard_per_officer(1.0, 1.0, np.array([4.0, 0.0]))
    assert hazard.tolist() == [0.25, 0.0]
    # one officer seeing four equally visible actives: 4 (1 - e^-0.25) = 0.885 expected
    assert 4 * (1 - np.exp(-hazard[0])) == pytest.approx(0.8848, abs=1e-4)


@pytest.mark.parametrize("hazard, visibility, uniform, expected", [
    (LN2, 1.0, 0.49, True),        # P = 1 - e^-ln2 = 0.5
    (LN2, 1.0, 0.51, False),
    (2 * LN2, 0.5, 0.49, True),    # visibility multiplies the hazard: still 0.5
    (2 * LN2, 0.5, 0.51, False),
    (LN2, 0.5, 0.3, False),        # 1 - e^-(ln2 / 2) = 0.293
    (LN2, 0.5, 0.29, True),
    (0.0, 1.0, 0.0, False),        # no hazard: never, even for the lowest draw
    (5.0, 0.0, 0.0, False),        # invisible: never
])
def test_arrested(hazard, visibility, uniform, expected):
    got = rules.arrested(np.array([hazard]), np.array([visibility]), np.array([uniform]))
    assert got.tolist() == [expected]


@pytest.mark.parametrize("level, expected", [
    (0.0, 0.0), (0.25, 0.5), (0.5, 1.0), (0.9, 1.0),  # one arrest per officer from 0.5
])
def test_arrest_rate(level, expected):
    assert rules.arrest_rate(level) == pytest.approx(expected)


@pytest.mark.parametrize("level, expected", [
    (0.5, 0.0), (0.75, 0.0),  # none up to the lethal level
    (0.8, 0.04),              # 0.2 * 0.05 / 0.25
    (0.875, 0.1),             # halfway: half of 0.2
    (1.0, 0.2),               # a fifth of arrests are killings at full repression
    (1.2, 0.2),               # and no more (levels above 1 are not valid inputs)
])
def test_lethal_share(level, expected):
    assert rules.lethal_share(level) == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("learning, participation, expected", [
    (1.0, 0.0, 0.5),           # SURVEILLANCE at full learning, before anyone joins
    (0.5, 0.0, 0.25),          # scales with learning
    (1.0, 0.025, 0.25),        # fades as the campaign grows: half of PREEMPT_BELOW
    (0.6, 1 / 30, 0.1),        # 0.6 x 0.5 x (1 - 2/3)
    (1.0, 0.05, 0.0),          # too large for targeted policing
    (1.0, 0.2, 0.0),           # ... and never negative
    (0.0, 0.0, 0.0),           # a regime that has learnt nothing
])
def test_surveillance_hazard(learning, participation, expected):
    assert rules.surveillance_hazard(learning, participation) == pytest.approx(expected)


# ---------------------------------------------------------------- officers
@pytest.mark.parametrize("peer_influence, learning, expected", [
    (0.3, 0.0, 0.3),     # no coup-proofing
    (0.3, 0.5, 0.18),    # 0.3 x (1 - 0.8 x 0.5)
    (0.3, 1.0, 0.06),    # fully coup-proofed: 0.2 of the pull is left
    (0.0, 1.0, 0.0),
])
def test_coup_proofed(peer_influence, learning, expected):
    assert rules.coup_proofed(peer_influence, learning) == pytest.approx(expected)


@pytest.mark.parametrize("participation, expected", [
    (0.0, 0.0), (0.5, 0.005), (1.0, 0.01), (0.035, 0.00035),
])
def test_social_ties(participation, expected):
    assert rules.social_ties(participation) == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("participation, learning, expected", [
    (0.5, 0.5, 0.003),    # 0.01 x 0.5 x (1 - 0.8 x 0.5): coup-proofing cuts the ties
    (1.0, 1.0, 0.002),    # fully coup-proofed: a fifth of the ties are left
    (1.0, 0.0, 0.01),
])
def test_social_ties_are_cut_by_coup_proofing(participation, learning, expected):
    assert rules.social_ties(participation, learning) == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("loyalty, baseline, expected", [
    (0.5, 0.9, 0.008),     # 0.02 of the way back up
    (0.9, 0.5, -0.008),    # ... and down
    (0.7, 0.7, 0.0),       # at the baseline: nothing
])
def test_loyalty_reversion(loyalty, baseline, expected):
    assert rules.loyalty_reversion(loyalty, baseline) == pytest.approx(expected, abs=1e-15)


def test_loyalty_reversion_is_per_officer():
    got = rules.loyalty_reversion(np.array([0.5, 0.9]), np.array([0.9, 0.5]))
    assert got == pytest.approx([0.008, -0.008])


ZERO = np.array([0.0])
NOBODY = dict(nonviolent_in_vision=ZERO, violent_in_vision=ZERO, officers_in_vision=ZERO,
              defected_in_vision=ZERO, repression_level=0.5, moral_cost=0.0,
              peer_influence=0.0, threat_cohesion=0.0, learning=0.0, legitimacy=0.8)


def _loyalty(**changes):
    args = {**NOBODY, **{k: np.array([v]) if k.endswith("_in_vision") else v
                         for k, v in changes.items()}}
    return float(rules.loyalty_change(**args)[0])


@pytest.mark.parametrize("changes, expected", [
    ({}, 0.0),                                            # nothing in vision, all terms off
    # drift alone: 0.01 * (0.5 - L), and only below the floor
    ({"legitimacy": 0.3}, -0.002),
    ({"legitimacy": 0.0}, -0.005),
    ({"legitimacy": 0.5}, 0.0),
    ({"legitimacy": 0.6}, 0.0),                           # no upward drift above it
    # moral cost alone: crowd 2 / (0 + 1) = 2 -> 2 / (2 + 2) = 0.5; 0.1 * 0.5 * 0.5
    ({"nonviolent_in_vision": 2.0, "moral_cost": 0.1}, -0.025),
    # ... halved by full learning, a quarter off at learning 0.5
    ({"nonviolent_in_vision": 2.0, "moral_cost": 0.1, "learning": 1.0}, -0.0125),
    ({"nonviolent_in_vision": 2.0, "moral_cost": 0.1, "learning": 0.5}, -0.01875),
    # fellow officers dilute the crowd: 6 / (2 + 1) = 2 -> the same 0.5
    ({"nonviolent_in_vision": 6.0, "officers_in_vision": 2.0, "moral_cost": 0.1}, -0.025),
    # a larger crowd: 6 / 1 = 6 -> 6 / 8 = 0.75; 0.1 * 0.5 * 0.75
    ({"nonviolent_in_vision": 6.0, "moral_cost": 0.1}, -0.0375),
    # lethal orders: x (1 + 0.1 / 0.2) at r = 0.875, doubled at r = 1
    ({"nonviolent_in_vision": 2.0, "moral_cost": 0.1, "repression_level": 0.875}, -0.065625),
    ({"nonviolent_in_vision": 2.0, "moral_cost": 0.1, "repression_level": 1.0}, -0.1),
    # violent citizens cost nothing morally
    ({"violent_in_vision": 6.0, "moral_cost": 0.1}, 0.0),
    # peers alone: 0.3 * 1 / (1 + 1 + 1), and 0.3 * 1 / (2 + 1 + 1)
    ({"officers_in_vision": 1.0, "defected_in_vision": 1.0, "peer_influence": 0.3}, -0.1),
    ({"officers_in_vision": 2.0, "defected_in_vision": 1.0, "peer_influence": 0.3}, -0.075),
    # threat cohesion alone: 0.05 * 3 / (3 + 1); nonviolent actives dilute it: 3 / (4 + 1)
    ({"violent_in_vision": 3.0, "threat_cohesion": 0.05}, 0.0375),
    ({"violent_in_vision": 3.0, "nonviolent_in_vision": 1.0, "threat_cohesion": 0.05}, 0.03),
    # all four: cohesion 0.05 * 2 / 5 = 0.02; moral 0.1 * 0.5 * (1 / 3) = 0.016667 (crowd
    # 2 / 2 = 1 -> 1 / 3); peers 0.3 * 1 / 3 = 0.1; drift 0.01 * 0.2 = 0.002
    ({"nonviolent_in_vision": 2.0, "violent_in_vision": 2.0, "officers_in_vision": 1.0,
      "defected_in_vision": 1.0, "moral_cost": 0.1, "peer_influence": 0.3,
      "threat_cohesion": 0.05, "legitimacy": 0.3}, 0.02 - 0.1 / 6 - 0.1 - 0.002),
])
def test_loyalty_change(changes, expected):
    assert _loyalty(**changes) == pytest.approx(expected, abs=1e-15)


def test_loyalty_change_is_per_officer():
    change = rules.loyalty_change(
        np.array([2.0, 0.0]), np.array([0.0, 3.0]), ZERO, ZERO, 0.5, 0.1, 0.0, 0.05, 0.0, 0.8)
    assert change == pytest.approx([-0.025, 0.0375])


def test_loyalty_falls_facing_peaceful_crowds_and_rises_facing_violence():
    common = dict(officers_in_vision=5.0, defected_in_vision=0.0, repression_level=0.5,
                  moral_cost=0.1, peer_influence=0.1, threat_cohesion=0.1, learning=0.0,
                  legitimacy=0.8)
    peaceful = rules.loyalty_change(60.0, 0.0, **common)
    violent = rules.loyalty_change(0.0, 60.0, **common)
    assert peaceful < 0 < violent


# ---------------------------------------------------------------- pillars
EXPOSURE = np.array([0.0, 0.5, 1.0])
NONE3 = np.zeros(3)


@pytest.mark.parametrize("constituency, dispersed, backfire, violent, patronage, flags, expected", [
    # (flags: backfire_on, flank_on); erosion is 0.1 throughout
    (NONE3, 0.0, 0.0, 0.0, NONE3, (True, True), [0.0, 0.0, 0.0]),
    # own constituency alone: -0.1 * share
    ([0.5, 0.2, 0.0], 0.0, 0.0, 0.0, NONE3, (True, True), [-0.05, -0.02, 0.0]),
    # strikes alone: -0.1 * exposure * 0.2
    (NONE3, 0.2, 0.0, 0.0, NONE3, (True, True), [0.0, -0.01, -0.02]),
    # both: -0.1 * (0.5 + exposure * 0.2)
    ([0.5, 0.5, 0.5], 0.2, 0.0, 0.0, NONE3, (True, True), [-0.05, -0.06, -0.07]),
    # backfire alone erodes every pillar; off, nothing
    (NONE3, 0.0, 0.05, 0.0, NONE3, (True, True), [-0.05, -0.05, -0.05]),
    (NONE3, 0.0, 0.05, 0.0, NONE3, (False, True), [0.0, 0.0, 0.0]),
    # the radical flank rallies every pillar: +0.2 * 0.1; off, nothing
    (NONE3, 0.0, 0.0, 0.1, NONE3, (True, True), [0.02, 0.02, 0.02]),
    (NONE3, 0.0, 0.0, 0.1, NONE3, (True, False), [0.0, 0.0, 0.0]),
    # patronage alone restores each pillar by what it gets
    (NONE3, 0.0, 0.0, 0.0, [0.01, 0.02, 0.0], (True, True), [0.01, 0.02, 0.0]),
    # all terms: [-0.05, -0.01, -0.02] - 0.03 + 0.02 + [0, 0.01, 0]
    ([0.5, 0.0, 0.0], 0.2, 0.03, 0.1, [0.0, 0.01, 0.0], (True, True), [-0.06, -0.01, -0.03]),
])
def test_pillar_change(constituency, dispersed, backfire, violent, patronage, flags, expected):
    change = rules.pillar_change(np.asarray(constituency, float), dispersed, EXPOSURE, backfire,
                                 violent, np.asarray(patronage, float), 0.1, *flags)
    assert change == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("loyalty, weights, expected", [
    ([1.0, 0.0], [3.0, 1.0], 0.75),
    ([0.5, 0.5], [2.0, 2.0], 0.5),            # weights need not sum to one
    ([1.0, 1.0, 0, 0, 0, 0], PILLAR_WEIGHTS, 0.6),   # the security pillars: 0.3 + 0.3
    ([0, 0, 1.0, 1.0, 1.0, 1.0], PILLAR_WEIGHTS, 0.4),
    ([0.5] * 6, PILLAR_WEIGHTS, 0.5),
])
def test_regime_support(loyalty, weights, expected):
    support = rules.regime_support(np.array(loyalty), np.asarray(weights))
    assert type(support) is float and support == pytest.approx(expected)


# ---------------------------------------------------------------- the regime
@pytest.mark.parametrize("willingness, participation, violent, defected, expected", [
    (0.8, 0.0, 0.0, 0.0, 0.4),     # calm: half its willingness
    (0.8, 0.02, 0.0, 0.0, 0.48),   # threat 0.5 + 5 * 0.02 = 0.6
    (0.8, 0.0, 0.01, 0.0, 0.48),   # threat 0.5 + 10 * 0.01 = 0.6
    (0.8, 0.1, 0.0, 0.0, 0.8),     # a tenth active: full threat
    (0.8, 0.0, 0.05, 0.0, 0.8),    # a twentieth violent: full threat
    (0.8, 0.5, 0.0, 0.0, 0.8),     # capped at full willingness
    (0.8, 0.04, 0.01, 0.25, 0.48),  # threat 0.8; x 0.8 x (1 - 0.25)
    (0.8, 0.2, 0.0, 0.5, 0.4),     # defections halve what it can order
    (0.8, 0.2, 0.0, 1.0, 0.0),
])
def test_repression_target(willingness, participation, violent, defected, expected):
    got = rules.repression_target(willingness, participation, violent, defected)
    assert got == pytest.approx(expected)


# Since issue 9 outrage saturates: x counts as 0.005 (1 - exp(-x / 0.005)). At
# x = 0.005 ln 2 that is 0.0025, at 0.005 ln 4 it is 0.00375 (was: x itself).
HALF = 0.005 * LN2


@pytest.mark.parametrize("backfire, publicised, propaganda, learning, expected", [
    (2.0, HALF, 0.0, 0.0, 0.005),         # alone: 2 x 0.0025
    (2.0, 2 * HALF, 0.0, 0.0, 0.0075),    # twice the repression, not twice the outrage
    (2.0, HALF, 0.5, 0.0, 0.0025),        # propaganda absorbs half
    (2.0, HALF, 0.0, 1.0, 0.0025),        # full learning avoids half
    (2.0, HALF, 0.25, 0.4, 0.003),        # 0.005 x 0.75 x 0.8
    (2.0, HALF, 1.0, 0.0, 0.0),           # propaganda absorbs it all
    (2.0, 0.0, 0.0, 0.0, 0.0),            # nobody repressed
    (0.0, HALF, 0.0, 0.0, 0.0),           # backfire parameter 0
    (2.0, 1.0, 0.0, 0.0, 0.01),           # mass repression: the ceiling, 2 x 0.005
    (2.0, 0.1, 0.0, 0.0, 0.01 * (1 - math.exp(-20))),   # 0.1 was 0.2 before the ceiling
])
def test_backfire_signal(backfire, publicised, propaganda, learning, expected):
    assert rules.backfire_signal(backfire, publicised, propaganda, learning) == pytest.approx(
        expected, rel=1e-12, abs=1e-15)


def test_backfire_signal_is_proportional_below_the_ceiling():
    # a hundredth of the ceiling counts nearly in full: 1 - e^-0.01 = 0.00995 of 0.005
    got = rules.backfire_signal(1.0, 0.00005, 0.0, 0.0)
    assert got == pytest.approx(0.005 * (1 - math.exp(-0.01)), rel=1e-12)
    assert got == pytest.approx(0.00005, rel=0.01)


@pytest.mark.parametrize("crowd, scale, expected", [
    (0.0, 20.0, 0.0), (5.0, 15.0, 0.25), (20.0, 20.0, 0.5), (60.0, 20.0, 0.75),
])
def test_publicity(crowd, scale, expected):
    assert rules.publicity(crowd, scale) == pytest.approx(expected)


@pytest.mark.parametrize("args, expected", [
    # (legitimacy, baseline, backfire_loss, violent_repressed, violent_share, backfire,
    #  backfire_on, flank_on)
    ((0.6, 0.8, 0.0, 0.0, 0.0, 1.0, False, False), 0.05 * 0.2),          # inertia alone
    ((0.9, 0.8, 0.0, 0.0, 0.0, 1.0, False, False), -0.05 * 0.1),         # ... both ways
    ((0.8, 0.8, 0.03, 0.0, 0.0, 1.0, True, False), -0.03),               # backfire alone
    ((0.8, 0.8, 0.0, 0.1, 0.0, 2.0, True, False), 0.2 * 2.0 * 0.1),      # order gain alone
    ((0.8, 0.8, 0.0, 0.0, 0.4, 1.0, False, True), 0.05 * 0.4),           # flank alone
    ((0.8, 0.8, 0.03, 0.1, 0.4, 2.0, False, False), 0.0),                # switches off
    ((0.7, 0.8, 0.03, 0.1, 0.4, 2.0, True, True), 0.005 - 0.03 + 0.04 + 0.02),
])
def test_legitimacy_change_each_term(args, expected):
    assert rules.legitimacy_change(*args) == pytest.approx(expected)


@pytest.mark.parametrize("baseline, initial, support, learning, expected", [
    (0.7, 0.7, 0.65, 0.0, 0.7),     # at the threshold: no concession
    (0.9, 0.7, 0.65, 0.0, 0.9),     # ... the baseline is returned untouched
    (0.7, 0.7, 0.64, 0.0, 0.7001),  # 0.02 * 0.5 * 0.01
    (0.7, 0.7, 0.45, 0.0, 0.702),   # 0.02 * 0.5 * 0.2
    (0.7, 0.7, 0.45, 0.5, 0.704),   # 0.02 * (0.5 + 0.5) * 0.2
    (0.5, 0.7, 0.45, 0.5, 0.504),   # far under the cap
    (0.79, 0.7, 0.0, 1.0, 0.8),     # capped at the initial legitimacy + 0.1
    (0.8, 0.7, 0.0, 1.0, 0.8),
])
def test_conceded_baseline(baseline, initial, support, learning, expected):
    got = rules.accommodated_baseline(baseline, initial, support, learning)
    assert got == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("level, target, learning, expected", [
    (0.2, 0.8, 0.0, 0.26),    # a tenth of the way: 0.2 + 0.1 * 0.6
    (0.2, 0.8, 0.5, 0.38),    # 0.2 + (0.1 + 0.4 * 0.5) * 0.6
    (0.2, 0.8, 1.0, 0.5),     # half the way
    (0.5, 0.1, 0.0, 0.46),    # and down
    (0.4, 0.4, 1.0, 0.4),     # at the target: stays
])
def test_next_repression_level(level, target, learning, expected):
    assert rules.next_repression_level(level, target, learning) == pytest.approx(expected)


@pytest.mark.parametrize("media_freedom, media_loyalty, learning, expected", [
    (0.0, 1.0, 0.0, 0.3),      # base skill
    (0.0, 1.0, 1.0, 0.9),      # 0.3 + 0.6
    (0.5, 0.5, 0.0, 0.075),    # 0.5 * 0.5 * 0.3
    (0.25, 0.8, 0.5, 0.36),    # 0.75 * 0.8 * 0.6
    (1.0, 0.8, 0.5, 0.0),      # free media
    (0.0, 0.0, 1.0, 0.0),      # a disloyal media pillar
])
def test_propaganda_reach(media_freedom, media_loyalty, learning, expected):
    assert rules.propaganda_reach(media_freedom, media_loyalty, learning) == pytest.approx(
        expected)


LOYALTY = np.array([1.0, 0.5, 0.75, 1.0, 1.0, 1.0])  # need (0, 0.5, 0.25, 0, 0, 0)


@pytest.mark.parametrize("learning, shares", [
    # by need raised to 1 + TARGETING x learning (issue 9: before, by need alone)
    (0.0, [0, 2 / 3, 1 / 3, 0, 0, 0]),     # 0.5 : 0.25
    (1 / 3, [0, 0.8, 0.2, 0, 0, 0]),       # squared: 0.25 : 0.0625
    (1.0, [0, 16 / 17, 1 / 17, 0, 0, 0]),  # to the 4th: 0.0625 : 0.00390625
])
def test_patronage_shares(learning, shares):
    got = rules.patronage_shares(LOYALTY, learning)
    assert got == pytest.approx(shares, abs=1e-15)
    assert got.sum() == pytest.approx(1.0)


def test_patronage_shares_of_fully_loyal_pillars_are_zero():
    assert rules.patronage_shares(np.ones(6), 0.5).tolist() == [0.0] * 6


@pytest.mark.parametrize("resources, learning, given_total, spent, shares", [
    (0.5, 0.0, 0.005, 0.01, [0, 2 / 3, 1 / 3]),      # 0.01 spent at efficiency 0.5
    (0.5, 1 / 3, 0.01 * (0.5 + 0.5 / 3), 0.01, [0, 0.8, 0.2]),  # efficiency 0.5 + 0.5 x 1/3
    (0.5, 1.0, 0.01, 0.01, [0, 16 / 17, 1 / 17]),     # full learning: all of it arrives
    (0.004, 1.0, 0.004, 0.004, [0, 16 / 17, 1 / 17]),  # resources run out
    (0.0, 1.0, 0.0, 0.0, [0, 0, 0]),                   # nothing left
])
def test_patronage(resources, learning, given_total, spent, shares):
    given, cost = rules.patronage(resources, LOYALTY, learning)
    assert cost == pytest.approx(spent, abs=1e-15)
    # shared by patronage_shares: the least loyal pillar gets the most
    assert given == pytest.approx(given_total * np.array([*shares, 0, 0, 0]), abs=1e-15)


def test_patronage_to_fully_loyal_pillars_costs_nothing():
    given, cost = rules.patronage(0.5, np.ones(6), 1.0)
    assert given.tolist() == [0.0] * 6 and cost == 0.0


@pytest.mark.parametrize("business_loyalty, strikes, expected", [
    (1.0, 0.0, 0.002),
    (0.5, 0.0, 0.001),
    (0.5, 0.05, 0.0005),   # 0.001 * (1 - 10 * 0.05)
    (1.0, 0.1, 0.0),       # a tenth on strike stops the economy
    (0.0, 0.0, 0.0),
])
def test_income(business_loyalty, strikes, expected):
    assert rules.income(business_loyalty, strikes) == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("frustration, participation, now, before, judged, expected", [
    # FRUSTRATION_GAIN 0.01 since issue 9 (was 0.005)
    (0.1, 0.05, 0.70, 0.705, True, 0.11),   # mobilised, no progress: +0.01
    (0.1, 0.05, 0.72, 0.70, True, 0.11),    # support rose: no progress either
    (0.1, 0.05, 0.0, 0.0099, True, 0.11),   # a fall of 0.0099 is not progress
    (0.1, 0.05, 0.0, 0.01, True, 0.095),    # a fall of exactly 0.01 is: decays (x 0.95)
    (0.1, 0.05, 0.70, 0.72, True, 0.095),   # progress of 0.02
    (0.1, 0.021, 0.70, 0.70, True, 0.11),   # just mobilised
    (0.1, 0.02, 0.70, 0.70, True, 0.095),   # not mobilised (needs more than 0.02)
    (0.1, 0.05, 0.70, 0.70, False, 0.095),  # too early to judge
    (0.0, 0.0, 0.70, 0.70, True, 0.0),      # none stays none
])
def test_next_frustration(frustration, participation, now, before, judged, expected):
    got = rules.next_frustration(frustration, participation, now, before, judged)
    assert got == pytest.approx(expected, abs=1e-15)


# ---------------------------------------------------------------- goals and concessions
@pytest.mark.parametrize("participation, strikes, lost, expected", [
    (0.1, 0.0, 0.0, 0.1),     # crowds alone
    (0.0, 0.05, 0.0, 0.1),    # strikes alone weigh twice
    (0.0, 0.0, 0.2, 0.2),     # support lost alone
    (0.1, 0.05, 0.2, 0.4),    # all three
])
def test_pressure(participation, strikes, lost, expected):
    assert rules.pressure(participation, strikes, lost) == pytest.approx(expected)


@pytest.mark.parametrize("responsiveness, pressure, expected", [
    (1.0, 0.005, 0.0),                    # at NOTICED: ignored
    (1.0, 0.004, 0.0),                    # below it: ignored (never negative)
    (1.0, 0.005 + 5 * LN2, 0.5),          # 1 - exp(-0.2 x 1 x 5 ln 2)
    (0.5, 0.005 + 10 * LN2, 0.5),         # half as responsive: twice the pressure
    (1.0, 5.005, 1 - math.exp(-1.0)),
    (0.2, 0.505, 1 - math.exp(-0.02)),    # 0.2 x 0.2 x 0.5
    (0.0, 10.0, 0.0),                     # a regime that never concedes
])
def test_grant_probability(responsiveness, pressure, expected):
    got = rules.grant_probability(responsiveness, pressure)
    assert got == pytest.approx(expected, abs=1e-15)


# ---------------------------------------------------------------- armed conflict
@pytest.mark.parametrize("officers, expected", [(0.0, 0.0), (10.0, 30.0), (1.0, 3.0)])
def test_loyal_strength(officers, expected):
    assert rules.loyal_strength(officers) == pytest.approx(expected)


@pytest.mark.parametrize("armed, defected, intervened, loyal, expected", [
    (10.0, 0.0, False, 30.0, 10.0),    # fighters alone
    (0.0, 2.0, False, 30.0, 6.0),      # defectors alone: 3 each
    (10.0, 2.0, False, 30.0, 16.0),
    (10.0, 2.0, True, 30.0, 46.0),     # outside backing: as strong as the loyal forces
    (0.0, 0.0, True, 0.0, 0.0),
])
def test_rebel_strength(armed, defected, intervened, loyal, expected):
    assert rules.rebel_strength(armed, defected, intervened, loyal) == pytest.approx(expected)


@pytest.mark.parametrize("rebels, loyal, expected", [
    (1.0, 3.0, 0.25), (3.0, 1.0, 0.75), (5.0, 5.0, 0.5),
    (0.0, 5.0, 0.0), (5.0, 0.0, 1.0),
    (0.0, 0.0, 0.0),     # no fighting at all: the rebels have no share
])
def test_contest_share(rebels, loyal, expected):
    assert float(rules.contest_share(rebels, loyal)) == pytest.approx(expected)


@pytest.mark.parametrize("rebels, loyal, expected", [
    # strengths below one: the share is still R / (R + G)
    (0.1, 0.3, 0.25), (0.25, 0.75, 0.25), (0.5, 0.0, 1.0),
])
def test_contest_share_of_small_forces(rebels, loyal, expected):
    assert float(rules.contest_share(rebels, loyal)) == pytest.approx(expected)


def test_contest_share_with_no_fighting_divides_by_no_one():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no "invalid value in divide"
        assert rules.contest_share(np.array([0.0, 1.0]), np.array([0.0, 1.0])).tolist() == [
            0.0, 0.5]


@pytest.mark.parametrize("m, rebels, loyal, expected", [
    # Hirshleifer's R^m / (R^m + G^m): decisiveness 2 favours the stronger side
    (2.0, 1.0, 3.0, 0.1),      # 1 / (1 + 9)
    (2.0, 3.0, 1.0, 0.9),
    (0.5, 1.0, 4.0, 1 / 3),    # 1 / (1 + 2)
])
def test_contest_share_follows_decisiveness(monkeypatch, m, rebels, loyal, expected):
    from civres.model.rules import conflict

    monkeypatch.setattr(conflict, "DECISIVENESS", m)
    assert float(rules.contest_share(rebels, loyal)) == pytest.approx(expected)


def test_contest_share_broadcasts():
    got = rules.contest_share(np.array([1.0, 0.0, 2.0]), np.array([3.0, 0.0, 2.0]))
    assert got == pytest.approx([0.25, 0.0, 0.5])


@pytest.mark.parametrize("intervention, killed, expected", [
    (1.0, LN2 / 2, 0.5),                   # 1 - exp(-2 x 1 x ln2 / 2)
    (0.5, 1 / 3, 1 - math.exp(-1 / 3)),
    (0.25, LN2, 1 - 2 ** -0.5),            # 1 - exp(-0.5 ln 2)
    (0.0, 0.5, 0.0),                       # nobody cares
    (1.0, 0.0, 0.0),                       # nobody killed
])
def test_intervention_chance(intervention, killed, expected):
    assert rules.intervention_chance(intervention, killed) == pytest.approx(expected, abs=1e-15)

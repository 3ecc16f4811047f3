"""Unit tests of the pure decision rules on hand-picked inputs."""

import math

import numpy as np
import pytest

from model import rules


def test_grievance_is_epstein_plus_outrage():
    assert rules.grievance(0.5, 0.8) == pytest.approx(0.1)
    assert rules.grievance(0.5, 0.8, outrage=0.2) == pytest.approx(0.3)


def test_arrest_probability_rounds_the_ratio_like_mesa_example():
    # 3 officers, 2 actives: round(1.5) = 2 (numpy rounds half to even), k = 2.3
    p = rules.arrest_probability(np.array([3.0]), np.array([2.0]), 2.3, 1.0)
    assert p[0] == pytest.approx(1 - math.exp(-2.3 * 2))
    # more actives than twice the officers: no perceived risk (the tipping point)
    assert rules.arrest_probability(np.array([4.0]), np.array([9.0]), 2.3, 1.0)[0] == 0.0
    # a regime that does not arrest deters nobody
    assert rules.arrest_probability(np.array([10.0]), np.array([1.0]), 2.3, 0.0)[0] == 0.0


def test_wants_to_act_threshold_and_pull():
    assert not rules.wants_to_act(0.15, 0.5, 0.0, 0.0, 0.2)
    assert rules.wants_to_act(0.15, 0.5, 0.0, 0.5, 0.2)  # 0.225 > 0.2: emboldened
    assert not rules.wants_to_act(0.5, 1.0, 0.9, 0.0, 0.1)  # deterred by risk


def test_social_pull_violence_deters():
    assert rules.social_pull(1.0, 0.3, 0.0) == pytest.approx(0.3)
    assert rules.social_pull(1.0, 0.3, 0.4) < 0


def test_turns_violent_when_anger_beats_discipline():
    assert rules.turns_violent(0.6, 0.2, 0.7)
    assert not rules.turns_violent(0.3, 0.2, 0.7)


def test_arrest_rate_and_lethal_share():
    assert rules.arrest_rate(0.25) == pytest.approx(0.5)
    assert rules.arrest_rate(0.9) == 1.0
    assert rules.lethal_share(0.7) == 0.0
    assert rules.lethal_share(1.0) == pytest.approx(rules.MAX_LETHAL)


def test_arrest_hazard_expects_rate_arrests_per_officer():
    hazard = rules.arrest_hazard_per_officer(1.0, 1.0, np.array([4.0, 0.0]))
    assert hazard[0] == pytest.approx(0.25) and hazard[1] == 0.0
    # one officer seeing four equally visible actives: expected arrests ~ 1 - small
    p = 1 - np.exp(-hazard[0])
    assert 4 * p == pytest.approx(0.885, abs=0.01)


def test_loyalty_falls_facing_peaceful_crowds_and_rises_facing_violence():
    common = dict(officers_in_vision=5.0, defected_in_vision=0.0, repression_level=0.5,
                  moral_cost=0.1, peer_influence=0.1, threat_cohesion=0.1, learning=0.0,
                  legitimacy=0.8)
    peaceful = rules.loyalty_change(60.0, 0.0, **common)
    violent = rules.loyalty_change(0.0, 60.0, **common)
    assert peaceful < 0 < violent


def test_learning_blunts_moral_cost_and_defected_peers_pull():
    base = dict(nonviolent_in_vision=60.0, violent_in_vision=0.0, officers_in_vision=5.0,
                repression_level=0.5, moral_cost=0.1, peer_influence=0.1, threat_cohesion=0.0,
                legitimacy=0.8)
    assert rules.loyalty_change(defected_in_vision=0.0, learning=1.0, **base) > \
        rules.loyalty_change(defected_in_vision=0.0, learning=0.0, **base)
    assert rules.loyalty_change(defected_in_vision=5.0, learning=0.0, **base) < \
        rules.loyalty_change(defected_in_vision=0.0, learning=0.0, **base)


def test_pillar_change_terms():
    zero = np.zeros(6)
    exposure = np.array([0, 0, 0.5, 1, 0, 0.2])
    erode = rules.pillar_change(np.full(6, 0.5), 0.1, exposure, 0.0, 0.0, zero, 0.1, True, True)
    assert erode[3] < erode[2] < erode[4] < 0  # business is hit hardest by strikes
    backfire = rules.pillar_change(zero, 0.0, exposure, 0.05, 0.0, zero, 0.1, True, True)
    assert np.allclose(backfire, -0.05)
    no_backfire = rules.pillar_change(zero, 0.0, exposure, 0.05, 0.0, zero, 0.1, False, True)
    assert np.allclose(no_backfire, 0.0)
    rally = rules.pillar_change(zero, 0.0, exposure, 0.0, 0.2, zero, 0.1, True, True)
    assert np.all(rally > 0)
    patron = rules.pillar_change(zero, 0.0, exposure, 0.0, 0.0, np.full(6, 0.01), 0.1, True, True)
    assert np.allclose(patron, 0.01)


def test_regime_support_is_weighted_mean():
    assert rules.regime_support(np.array([1.0, 0.0]), np.array([3.0, 1.0])) == pytest.approx(0.75)


def test_repression_target_escalates_and_defections_limit_it():
    calm = rules.repression_target(0.8, 0.0, 0.0, 0.0)
    mass = rules.repression_target(0.8, 0.2, 0.0, 0.0)
    assert calm == pytest.approx(0.8 * rules.CALM_POLICING)
    assert mass == pytest.approx(0.8)
    assert rules.repression_target(0.8, 0.2, 0.0, 0.5) == pytest.approx(0.4)


# ---------------------------------------------------------------- the regime's rules
# Literal values computed by hand from each rule's docstring, so a changed constant,
# sign or term fails a test that names the rule.


def test_backfire_signal_literal():
    # 2 * 0.1 * (1 - 0.25) * (1 - 0.5 * 0.4) = 0.2 * 0.75 * 0.8
    assert rules.backfire_signal(2.0, 0.1, 0.25, 0.4) == pytest.approx(0.12)
    assert rules.backfire_signal(2.0, 0.1, 1.0, 0.0) == 0.0  # propaganda absorbs it all
    assert rules.backfire_signal(2.0, 0.0, 0.0, 0.0) == 0.0


def test_publicity_half_at_the_crowd_scale():
    assert rules.publicity(20.0, 20.0) == pytest.approx(0.5)
    assert rules.publicity(0.0, 20.0) == 0.0
    assert rules.publicity(60.0, 20.0) == pytest.approx(0.75)


@pytest.mark.parametrize("args, expected", [
    # (legitimacy, baseline, backfire_loss, violent_repressed, violent_share, backfire,
    #  backfire_on, flank_on)
    ((0.6, 0.8, 0.0, 0.0, 0.0, 1.0, False, False), 0.05 * 0.2),          # inertia alone
    ((0.8, 0.8, 0.03, 0.0, 0.0, 1.0, True, False), -0.03),               # backfire alone
    ((0.8, 0.8, 0.0, 0.1, 0.0, 2.0, True, False), 0.2 * 2.0 * 0.1),      # order gain alone
    ((0.8, 0.8, 0.0, 0.0, 0.4, 1.0, False, True), 0.05 * 0.4),          # flank alone
    ((0.8, 0.8, 0.03, 0.1, 0.4, 2.0, False, False), 0.0),                # switches off
    ((0.7, 0.8, 0.03, 0.1, 0.4, 2.0, True, True), 0.005 - 0.03 + 0.04 + 0.02),
])
def test_legitimacy_change_each_term(args, expected):
    assert rules.legitimacy_change(*args) == pytest.approx(expected)


def test_conceded_baseline_only_below_the_threshold_and_capped():
    assert rules.conceded_baseline(0.7, 0.7, 0.65, 0.0) == 0.7  # at the threshold: no
    # 0.7 + 0.02 * (0.5 + 0.5) * (0.65 - 0.45) = 0.704
    assert rules.conceded_baseline(0.7, 0.7, 0.45, 0.5) == pytest.approx(0.704)
    assert rules.conceded_baseline(0.79, 0.7, 0.0, 1.0) == pytest.approx(0.8)  # cap +0.1


def test_next_repression_level_moves_part_way():
    # 0.2 + (0.1 + 0.4 * 0.5) * (0.8 - 0.2) = 0.2 + 0.3 * 0.6
    assert rules.next_repression_level(0.2, 0.8, 0.5) == pytest.approx(0.38)
    assert rules.next_repression_level(0.5, 0.1, 0.0) == pytest.approx(0.46)


def test_propaganda_reach_literal():
    # (1 - 0.25) * 0.8 * (0.3 + 0.6 * 0.5) = 0.75 * 0.8 * 0.6
    assert rules.propaganda_reach(0.25, 0.8, 0.5) == pytest.approx(0.36)
    assert rules.propaganda_reach(1.0, 0.8, 0.5) == 0.0  # free media


def test_patronage_goes_to_the_least_loyal():
    loyalty = np.array([1.0, 0.5, 0.75, 1.0, 1.0, 1.0])
    given, spent = rules.patronage(0.5, loyalty, 0.0)
    assert spent == pytest.approx(0.01)
    # 0.01 * 0.5 * need / need.sum(), need = (0, 0.5, 0.25, 0, 0, 0)
    assert given == pytest.approx([0.0, 0.01 * 0.5 * 2 / 3, 0.01 * 0.5 / 3, 0.0, 0.0, 0.0])
    # resources run out; full learning doubles the efficiency (0.5 -> 1)
    given, spent = rules.patronage(0.004, loyalty, 1.0)
    assert spent == pytest.approx(0.004) and given.sum() == pytest.approx(0.004)
    assert rules.patronage(0.0, loyalty, 0.0)[1] == 0.0


def test_income_falls_with_strikes():
    assert rules.income(0.5, 0.0) == pytest.approx(0.001)
    assert rules.income(0.5, 0.05) == pytest.approx(0.0005)  # 1 - 10 * 0.05
    assert rules.income(1.0, 0.1) == pytest.approx(0.0)


@pytest.mark.parametrize("participation, now, before, judged, expected", [
    (0.05, 0.70, 0.705, True, 0.105),   # mobilised, no progress: +0.005
    (0.05, 0.70, 0.72, True, 0.095),    # progress of 0.02: decays (x 0.95)
    (0.02, 0.70, 0.70, True, 0.095),    # not mobilised (needs > 0.02)
    (0.05, 0.70, 0.70, False, 0.095),   # too early to judge
])
def test_next_frustration(participation, now, before, judged, expected):
    assert rules.next_frustration(0.1, participation, now, before, judged) == pytest.approx(
        expected)


def test_loyalty_change_each_term_alone():
    zero = np.array([0.0])
    args = dict(nonviolent_in_vision=zero, violent_in_vision=zero, officers_in_vision=zero,
                defected_in_vision=zero, repression_level=0.5, moral_cost=0.0,
                peer_influence=0.0, threat_cohesion=0.0, learning=0.0, legitimacy=0.8)
    assert rules.loyalty_change(**args)[0] == 0.0
    # drift alone: 0.01 * (0.5 - 0.3)
    assert rules.loyalty_change(**{**args, "legitimacy": 0.3})[0] == pytest.approx(-0.002)
    # moral cost alone: crowd 2 / (0 + 1) = 2 -> 2 / (2 + 2) = 0.5; 0.1 * 0.5 * 0.5 * 1 * 1
    moral = {**args, "nonviolent_in_vision": np.array([2.0]), "moral_cost": 0.1}
    assert rules.loyalty_change(**moral)[0] == pytest.approx(-0.025)
    # ... halved by full learning's blunting
    assert rules.loyalty_change(**{**moral, "learning": 1.0})[0] == pytest.approx(-0.0125)
    # peers alone: 0.3 * 1 / (1 + 1 + 1)
    peers = {**args, "officers_in_vision": np.array([1.0]), "defected_in_vision": np.array([1.0]),
             "peer_influence": 0.3}
    assert rules.loyalty_change(**peers)[0] == pytest.approx(-0.1)
    # threat cohesion alone: 0.05 * 3 / (3 + 1)
    threat = {**args, "violent_in_vision": np.array([3.0]), "threat_cohesion": 0.05}
    assert rules.loyalty_change(**threat)[0] == pytest.approx(0.0375)


def test_repression_target_literal():
    assert rules.repression_target(0.8, 0.0, 0.0, 0.0) == pytest.approx(0.4)  # calm: half
    # threat 0.5 + 5 * 0.04 + 10 * 0.01 = 0.8; times 0.8 and (1 - 0.25)
    assert rules.repression_target(0.8, 0.04, 0.01, 0.25) == pytest.approx(0.48)
    assert rules.repression_target(0.8, 0.5, 0.0, 0.0) == pytest.approx(0.8)  # capped at 1


def test_pillar_rally_under_the_radical_flank():
    zero = np.zeros(2)
    args = (zero, 0.0, zero, 0.0, 0.1, zero, 0.01, True, True)
    assert rules.pillar_change(*args) == pytest.approx([0.02, 0.02])  # 0.2 * 0.1
    no_flank = args[:-1] + (False,)
    assert rules.pillar_change(*no_flank) == pytest.approx([0.0, 0.0])

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

"""Statistical tests over many seeds: outcomes reachable, each mechanism shows its effect.

Each test runs a fixed set of seeds (so it is reproducible) and states its tolerance.
Runs use the calibrated presets at 40x40 (about 0.1-0.5 s each).
"""

from collections import Counter

import numpy as np
import pytest

from model import CivilResistanceModel
from model.presets import preset

pytestmark = pytest.mark.slow
SEEDS = range(8)
CIVILIAN = ["pillar_civil_service", "pillar_business", "pillar_clergy", "pillar_media"]


def runs(name, seeds=SEEDS, **overrides):
    out = []
    for seed in seeds:
        m = CivilResistanceModel(preset(name, **overrides), rng=seed)
        m.run()
        out.append((m.summary(), m.trajectory()))
    return out


def mean(values):
    return float(np.mean(list(values)))


@pytest.mark.parametrize("outcome", ["success", "stalled", "suppressed", "violent"])
def test_each_outcome_is_the_most_common_under_its_preset(outcome):
    """Tolerance: the preset's outcome in at least 6 of 8 seeds."""
    counts = Counter(s["outcome"] for s, _ in runs(outcome))
    assert counts.most_common(1)[0][0] == outcome
    assert counts[outcome] >= 6, counts


def test_backfire_costs_legitimacy_and_speeds_the_fall():
    """Mechanism 1: repressing nonviolent crowds lowers legitimacy (>= 0.02 lower minimum)."""
    on, off = runs("success"), runs("success", backfire_on=False)
    assert mean(t.legitimacy.min() for _, t in on) < mean(t.legitimacy.min() for _, t in off) - 0.02
    assert mean(s["decided_step"] for s, _ in on) < mean(s["decided_step"] for s, _ in off)


def test_backfire_needs_nonviolence():
    """Mechanism 1: repressing a violent movement does not cost the regime legitimacy the
    way repressing a nonviolent one does (lowest legitimacy at least 0.05 higher)."""
    violent = runs("violent", seeds=range(6))
    nonviolent = runs("violent", seeds=range(6), radicalisation_on=False)
    assert mean(t.legitimacy.min() for _, t in violent) > \
        mean(t.legitimacy.min() for _, t in nonviolent) + 0.05


def test_pillars_erode_under_participation_and_patronage_slows_it():
    """Mechanism 2: civilian pillars fall >= 0.1 further with erosion on; patronage delays
    the fall."""
    on, off = runs("success"), runs("success", pillar_erosion_on=False)
    assert mean(t[CIVILIAN].min().mean() for _, t in on) < \
        mean(t[CIVILIAN].min().mean() for _, t in off) - 0.1
    broke = runs("success", patronage=0.0)
    assert mean(s["decided_step"] for s, _ in on) > mean(s["decided_step"] for s, _ in broke)


def test_defections_happen_and_decide_success():
    """Mechanism 3: officers defect in most successful campaigns; without defections the
    regime holds out longer."""
    on, off = runs("success"), runs("success", defection_on=False)
    assert sum(s["security_defected_share"] > 0 for s, _ in on) >= 6
    assert all(s["security_defected_share"] == 0 for s, _ in off)
    assert mean(s["decided_step"] for s, _ in on) < mean(s["decided_step"] for s, _ in off)


def test_radical_flank_hardens_security_loyalty():
    """Mechanism 4: movement violence raises officers' mean loyalty (>= 0.03)."""
    on, off = runs("violent"), runs("violent", radical_flank_on=False)
    assert mean(t.security_loyalty.mean() for _, t in on) > \
        mean(t.security_loyalty.mean() for _, t in off) + 0.03


def test_threshold_effect_tips_participation():
    """Mechanism 5: with the bandwagon on, peak participation is at least 3x higher."""
    on, off = runs("default"), runs("default", threshold_on=False)
    assert mean(s["peak_participation"] for s, _ in on) > \
        3 * mean(s["peak_participation"] for s, _ in off)


def test_success_rises_with_peak_participation():
    """Mechanism 5: across a contested setting, successes peak higher than failures."""
    results = runs("default", seeds=range(12), learning=0.0)
    won = [s["peak_participation"] for s, _ in results if s["outcome"] == "success"]
    lost = [s["peak_participation"] for s, _ in results if s["outcome"] != "success"]
    assert won and lost
    assert min(won) > np.median(lost)


def test_extreme_repression_turns_campaigns_violent():
    """Mechanism 6: lethal repression radicalises; with radicalisation off nobody turns violent."""
    on, off = runs("violent"), runs("violent", radicalisation_on=False)
    assert sum(s["outcome"] == "violent" for s, _ in on) >= 6
    assert all(s["peak_violent_share"] == 0 for s, _ in off)
    lenient = runs("violent", repression=0.3)
    assert mean(s["peak_violent_share"] for s, _ in lenient) < \
        mean(s["peak_violent_share"] for s, _ in on)


def test_authoritarian_learning_lowers_success():
    """Chenoweth (2020): success at learning 0 in at least 3 of 8 more seeds than at 0.9."""
    naive = runs("default", learning=0.0)
    learned = runs("default", learning=0.9)
    assert sum(s["outcome"] == "success" for s, _ in naive) >= \
        sum(s["outcome"] == "success" for s, _ in learned) + 3

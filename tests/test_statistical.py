"""Statistical tests over many seeds: outcomes reachable, each mechanism shows its effect.

Each test runs a fixed set of seeds (so it is reproducible) and states its tolerance.
Runs use the calibrated presets at 40x40 (about 0.1-0.5 s each). Re-derived for the
re-specified model (issue 9): where a mechanism's effect moved (backfire saturates,
patronage is targeted, violence needs arms, participation tires), the setting or the
horizon was changed so that the mechanism still shows; each docstring gives the measured
effect beside its tolerance. The new mechanisms' switch tests are in test_mechanisms.py.
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
    """Tolerance: the preset's outcome in at least 7 of 8 seeds (measured 8 of 8 for each
    preset re-tuned in issue 9)."""
    counts = Counter(s["outcome"] for s, _ in runs(outcome))
    assert counts.most_common(1)[0][0] == outcome
    assert counts[outcome] >= 7, counts


def test_backfire_costs_legitimacy_and_speeds_the_fall():
    """Mechanism 1: repressing nonviolent crowds lowers legitimacy (lowest legitimacy lower
    in every seed, >= 0.01 lower on average; measured 0.014: outrage saturates since issue
    9) and the regime falls in well under the time (under 0.6 of it; measured 25 vs 47
    weeks since coup-proofing also cuts officers' ties to the movement)."""
    on, off = runs("success"), runs("success", backfire_on=False)
    lowest_on = [t.legitimacy.min() for _, t in on]
    lowest_off = [t.legitimacy.min() for _, t in off]
    assert all(a < b for a, b in zip(lowest_on, lowest_off, strict=True))
    assert mean(lowest_on) < mean(lowest_off) - 0.01
    assert mean(s["decided_step"] for s, _ in on) < 0.6 * mean(s["decided_step"] for s, _ in off)


def test_backfire_needs_nonviolence():
    """Mechanism 1: repressing a violent movement does not cost the regime legitimacy the
    way repressing a nonviolent one does: over the same 60 weeks (run on past the
    decision), lowest legitimacy higher in every seed and >= 0.02 higher on average
    (measured 0.029; was 0.05 before outrage saturated, issue 9)."""
    horizon = dict(max_steps=60, run_to_horizon=True)
    violent = runs("violent", seeds=range(6), **horizon)
    nonviolent = runs("violent", seeds=range(6), radicalisation_on=False, **horizon)
    lowest_violent = [t.legitimacy.min() for _, t in violent]
    lowest_nonviolent = [t.legitimacy.min() for _, t in nonviolent]
    assert min(lowest_violent) > max(lowest_nonviolent)
    assert mean(lowest_violent) > mean(lowest_nonviolent) + 0.02


def test_pillars_erode_under_participation_and_patronage_slows_it():
    """Mechanism 2: civilian pillars fall >= 0.08 further with erosion on (measured 0.11)
    and the regime falls sooner. Patronage delays the fall at least twofold where the
    regime has learnt to target it (learning 0.5: measured 97 vs 33 weeks; in the success
    preset, learning 0.1, the campaign wins within months before patronage tells)."""
    on, off = runs("success"), runs("success", pillar_erosion_on=False)
    assert mean(t[CIVILIAN].min().mean() for _, t in on) < \
        mean(t[CIVILIAN].min().mean() for _, t in off) - 0.08
    assert mean(s["decided_step"] for s, _ in on) < mean(s["decided_step"] for s, _ in off)
    funded = runs("success", learning=0.5)
    broke = runs("success", learning=0.5, patronage=0.0)
    assert all(s["outcome"] == "success" for s, _ in funded + broke)
    assert mean(s["decided_step"] for s, _ in funded) > \
        2 * mean(s["decided_step"] for s, _ in broke)


def test_defections_happen_and_decide_success():
    """Mechanism 3: officers defect in most successful campaigns; without defections the
    regime holds out longer."""
    on, off = runs("success"), runs("success", defection_on=False)
    assert sum(s["security_defected_share"] > 0 for s, _ in on) >= 6
    assert all(s["security_defected_share"] == 0 for s, _ in off)
    assert mean(s["decided_step"] for s, _ in on) < mean(s["decided_step"] for s, _ in off)


def test_radical_flank_hardens_security_loyalty():
    """Mechanism 4: movement violence raises officers' mean loyalty over the same 60 weeks
    of war (>= 0.05; measured 0.087. Compared over equal horizons since issue 9: with
    threat_cohesion 0.01 the effect builds over the war, not in the weeks to the
    decision)."""
    horizon = dict(max_steps=60, run_to_horizon=True)
    on, off = runs("violent", **horizon), runs("violent", radical_flank_on=False, **horizon)
    assert mean(t.security_loyalty.mean() for _, t in on) > \
        mean(t.security_loyalty.mean() for _, t in off) + 0.05


def test_threshold_effect_tips_participation():
    """Mechanism 5: with the bandwagon on, peak participation is at least 2.5x higher
    (measured 3.3x) where grievance is widespread (legitimacy 0.7; at the default 0.8 only
    the few with low thresholds act either way since issue 9)."""
    on = runs("default", legitimacy=0.7)
    off = runs("default", legitimacy=0.7, threshold_on=False)
    assert mean(s["peak_participation"] for s, _ in on) > \
        2.5 * mean(s["peak_participation"] for s, _ in off)


def test_success_rises_with_peak_participation():
    """Mechanism 5: across a contested range (legitimacy 0.66-0.80, two seeds each),
    successes peak higher than failures: the median peak of successes at least 1.5x that
    of failures (measured 7.6x; 1.8x and 2.3x on two other seed pairs)."""
    results = [r for legitimacy in np.arange(0.66, 0.81, 0.02)
               for r in runs("default", seeds=range(2), learning=0.0,
                             legitimacy=round(float(legitimacy), 2))]
    assert len(results) == 16
    won = [s["peak_participation"] for s, _ in results if s["outcome"] == "success"]
    lost = [s["peak_participation"] for s, _ in results if s["outcome"] != "success"]
    assert won and lost
    assert np.median(won) > 1.5 * np.median(lost)


def test_extreme_repression_turns_campaigns_violent():
    """Mechanism 6: lethal repression radicalises; with radicalisation off nobody turns violent."""
    on, off = runs("violent"), runs("violent", radicalisation_on=False)
    assert sum(s["outcome"] == "violent" for s, _ in on) >= 6
    assert all(s["peak_violent_share"] == 0 for s, _ in off)
    lenient = runs("violent", repression=0.3)
    assert mean(s["peak_violent_share"] for s, _ in lenient) < \
        mean(s["peak_violent_share"] for s, _ in on)


def test_authoritarian_learning_lowers_success():
    """Chenoweth (2020): success at learning 0 in at least 3 of 8 more seeds than at 0.9
    (measured 8 vs 3), in a contested setting (legitimacy 0.7: at the default 0.8 no
    campaign succeeds either way since issue 9)."""
    naive = runs("default", learning=0.0, legitimacy=0.7)
    learned = runs("default", learning=0.9, legitimacy=0.7)
    assert sum(s["outcome"] == "success" for s, _ in naive) >= \
        sum(s["outcome"] == "success" for s, _ in learned) + 3

"""Statistical tests over many seeds: outcomes reachable, each mechanism shows its effect.

Each test runs a fixed set of seeds (so it is reproducible) and states its tolerance.
Runs use the calibrated presets at 40x40, batched (`model.batch_run.run_campaigns`, the
same runs as `CivilResistanceModel(p, rng=seed)` alone); runs shared by two tests are made
once (`runs` is cached). Re-derived for the re-specified model (issue 9): where a
mechanism's effect moved (backfire saturates, patronage is targeted, violence needs arms,
participation tires), the setting or the horizon was changed so that the mechanism still
shows. Re-measured for the batched engine's counter-based draws (every seed a different
run from the old engine's): each test uses 32 seeds (16 or 64 where stated) and each
docstring gives the effect measured on the test's seeds, its spread over other seed sets
(blocks of the same size from 128 seeds), and a tolerance a few standard errors below it.
The new mechanisms' switch tests are in test_mechanisms.py.
"""

from collections import Counter
from functools import cache

import numpy as np
import pytest

from civres.model.batch_run import run_campaigns
from civres.model.presets import preset

pytestmark = pytest.mark.slow
SEEDS = range(32)
CIVILIAN = ["pillar_civil_service", "pillar_business", "pillar_clergy", "pillar_media"]


@cache
def _runs(name, seeds, settings):
    params = preset(name, **dict(settings))
    results = run_campaigns([params] * len(seeds), list(seeds), trajectories=True)
    return tuple((summary.to_dict(), trajectory) for summary, trajectory in results)


def runs(name, seeds=SEEDS, **overrides):
    """(summary, trajectory) per seed, batched; made once per distinct setting."""
    return list(_runs(name, tuple(seeds), tuple(sorted(overrides.items()))))


def mean(values):
    return float(np.mean(list(values)))


@pytest.mark.parametrize("outcome", ["success", "stalled", "suppressed", "violent"])
def test_each_outcome_is_the_most_common_under_its_preset(outcome):
    """Tolerance: the preset's outcome in at least 13 of 16 seeds (measured 16 of 16 for
    success, stalled and suppressed; violent 14 of 16, 30 of 32: the violent preset's
    nonviolent crowds sometimes win within weeks, before repression radicalises them)."""
    counts = Counter(s["outcome"] for s, _ in runs(outcome, seeds=range(16)))
    assert counts.most_common(1)[0][0] == outcome
    assert counts[outcome] >= 13, counts


def test_backfire_costs_legitimacy_and_speeds_the_fall():
    """Mechanism 1: repressing nonviolent crowds lowers legitimacy (lowest legitimacy lower
    in every seed, >= 0.01 lower on average; measured 0.017 (0.0168-0.0173 on other sets
    of 32 seeds), lower in 128 of 128 seeds: outrage saturates since issue 9) and the
    regime falls in well under the time (mean decision week under 0.7 of it; measured 30
    vs 61 weeks, 0.50; 0.49-0.58 on other sets of 32 seeds: without backfire a few
    campaigns take years)."""
    on, off = runs("success"), runs("success", backfire_on=False)
    lowest_on = [t.legitimacy.min() for _, t in on]
    lowest_off = [t.legitimacy.min() for _, t in off]
    assert all(a < b for a, b in zip(lowest_on, lowest_off, strict=True))
    assert mean(lowest_on) < mean(lowest_off) - 0.01
    assert mean(s["decided_step"] for s, _ in on) < 0.7 * mean(s["decided_step"] for s, _ in off)


def test_backfire_needs_nonviolence():
    """Mechanism 1: repressing a violent movement does not cost the regime legitimacy the
    way repressing a nonviolent one does: over the same 60 weeks (run on past the
    decision), lowest legitimacy higher in every seed and >= 0.02 higher on average
    (measured 0.030 over 32 seeds, at least 0.024 in each; the violent campaigns' lowest
    legitimacy is at least 0.594, the nonviolent ones' at most 0.571; was 0.05 before
    outrage saturated, issue 9)."""
    horizon = dict(max_steps=60, run_to_horizon=True)
    violent = runs("violent", **horizon)
    nonviolent = runs("violent", radicalisation_on=False, **horizon)
    lowest_violent = [t.legitimacy.min() for _, t in violent]
    lowest_nonviolent = [t.legitimacy.min() for _, t in nonviolent]
    assert min(lowest_violent) > max(lowest_nonviolent)
    assert mean(lowest_violent) > mean(lowest_nonviolent) + 0.02


def test_pillars_erode_under_participation_and_patronage_slows_it():
    """Mechanism 2: civilian pillars fall >= 0.08 further with erosion on (measured 0.14
    over 32 seeds) and the regime falls sooner (measured 30 vs 69 weeks). Patronage delays
    the fall where the regime has learnt to target it (learning 0.5; in the success
    preset, learning 0.1, the campaign wins within months before patronage tells). Paired
    by seed, the funded regime falls later in at least 8 more seeds than it falls sooner
    (measured 15 vs 3 of 32; 25 vs 0, 19 vs 1, 19 vs 2 on seeds 32-127; the rest are
    campaigns won in the same week either way, before patronage tells), and its median
    decision week is at least 1.15x later (measured 52.5 vs 40 weeks, 1.31x; 1.23-1.26x on
    seeds 32-127). The delay is about 1.3x, not twofold: the 97 vs 33 weeks measured on the
    old engine's seeds 0-7 was a lucky draw (its 128 seeds gave means 82 vs 58 weeks,
    medians 54.5 vs 41.5); means are ruled by the few campaigns that take years, so the
    median is compared. Nearly all win (at least 28 of 32; measured 31 each)."""
    on, off = runs("success"), runs("success", pillar_erosion_on=False)
    assert mean(t[CIVILIAN].min().mean() for _, t in on) < \
        mean(t[CIVILIAN].min().mean() for _, t in off) - 0.08
    assert mean(s["decided_step"] for s, _ in on) < mean(s["decided_step"] for s, _ in off)
    funded = runs("success", learning=0.5)
    broke = runs("success", learning=0.5, patronage=0.0)
    assert sum(s["outcome"] == "success" for s, _ in funded) >= 28
    assert sum(s["outcome"] == "success" for s, _ in broke) >= 28
    weeks_funded = np.array([s["decided_step"] for s, _ in funded])
    weeks_broke = np.array([s["decided_step"] for s, _ in broke])
    assert (weeks_funded > weeks_broke).sum() >= (weeks_funded < weeks_broke).sum() + 8
    assert np.median(weeks_funded) >= 1.15 * np.median(weeks_broke)


def test_defections_happen_and_decide_success():
    """Mechanism 3: officers defect in most successful campaigns (at least 20 of 32;
    measured 26, 25 on each other set of 32 seeds: the rest win before any officer
    defects); without defections the regime holds out longer (measured 30 vs 102 weeks)."""
    on, off = runs("success"), runs("success", defection_on=False)
    assert sum(s["security_defected_share"] > 0 for s, _ in on) >= 20
    assert all(s["security_defected_share"] == 0 for s, _ in off)
    assert mean(s["decided_step"] for s, _ in on) < mean(s["decided_step"] for s, _ in off)


def test_radical_flank_hardens_security_loyalty():
    """Mechanism 4: movement violence raises officers' mean loyalty over the same 60 weeks
    of war (>= 0.05; measured 0.15 over 32 seeds, 0.85 vs 0.70. Compared over equal
    horizons since issue 9: with
    threat_cohesion 0.01 the effect builds over the war, not in the weeks to the
    decision)."""
    horizon = dict(max_steps=60, run_to_horizon=True)
    on, off = runs("violent", **horizon), runs("violent", radical_flank_on=False, **horizon)
    assert mean(t.security_loyalty.mean() for _, t in on) > \
        mean(t.security_loyalty.mean() for _, t in off) + 0.05


def test_threshold_effect_tips_participation():
    """Mechanism 5: with the bandwagon on, mean peak participation is at least 1.7x higher
    (measured 0.30 vs 0.135, 2.2x, standard error 0.18; 2.5x over 128 seeds, 2.2-2.9x on
    each set of 32) where grievance is widespread (legitimacy 0.7; at the default 0.8 only
    the few with low thresholds act either way since issue 9)."""
    on = runs("default", legitimacy=0.7)
    off = runs("default", legitimacy=0.7, threshold_on=False)
    assert mean(s["peak_participation"] for s, _ in on) > \
        1.7 * mean(s["peak_participation"] for s, _ in off)


def test_success_rises_with_peak_participation():
    """Mechanism 5: across a contested range (legitimacy 0.66-0.80, four seeds each),
    successes peak higher than failures: the median peak of successes at least 1.5x that
    of failures (measured 1.86x, 16 successes of 32; 1.8-4.8x on the seven other sets of
    four seeds in 0-31, 3.5x over all 32 seeds per legitimacy; two seeds each, as before,
    gave 0.7x-7.6x)."""
    results = [r for legitimacy in np.arange(0.66, 0.81, 0.02)
               for r in runs("default", seeds=range(4), learning=0.0,
                             legitimacy=round(float(legitimacy), 2))]
    assert len(results) == 32
    won = [s["peak_participation"] for s, _ in results if s["outcome"] == "success"]
    lost = [s["peak_participation"] for s, _ in results if s["outcome"] != "success"]
    assert won and lost
    assert np.median(won) > 1.5 * np.median(lost)


def test_extreme_repression_turns_campaigns_violent():
    """Mechanism 6: lethal repression radicalises (violent in at least 24 of 32 seeds;
    measured 30); with radicalisation off nobody turns violent; under lenient repression
    (0.3) the violent flank peaks lower (measured 0.015 vs 0.052 of citizens)."""
    on, off = runs("violent"), runs("violent", radicalisation_on=False)
    assert sum(s["outcome"] == "violent" for s, _ in on) >= 24
    assert all(s["peak_violent_share"] == 0 for s, _ in off)
    lenient = runs("violent", repression=0.3)
    assert mean(s["peak_violent_share"] for s, _ in lenient) < \
        mean(s["peak_violent_share"] for s, _ in on)


def test_authoritarian_learning_lowers_success():
    """Chenoweth (2020): success at learning 0 in at least 12 of 64 more seeds than at 0.9
    (measured 36 vs 11; 77 vs 26 over 128 seeds, 25 and 26 more on each set of 64; paired
    by seed, 54 campaigns won only against the naive regime and 3 only against the learnt
    one), in a contested setting (legitimacy 0.7: at the default 0.8 no campaign succeeds
    either way since issue 9). 64 seeds: a third of the campaigns are decided by chance
    either way, so 32 seeds' difference ranges 8-17."""
    naive = runs("default", seeds=range(64), learning=0.0, legitimacy=0.7)
    learned = runs("default", seeds=range(64), learning=0.9, legitimacy=0.7)
    assert sum(s["outcome"] == "success" for s, _ in naive) >= \
        sum(s["outcome"] == "success" for s, _ in learned) + 12

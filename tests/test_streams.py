"""Counter-based random streams: determinism, independence of the batch, and quality."""

import numpy as np
import pytest

from civres.model import streams
from civres.model.streams import Site

KEYS = np.array([[streams.seed_key(s)] for s in range(4)], dtype=np.uint64)


def test_a_draw_is_a_function_of_key_step_site_and_agent_only():
    index = np.arange(50)
    batch = streams.uniform(KEYS, 3, Site.ARREST, index)
    assert batch.shape == (4, 50)
    # the same key alone, or agents drawn one at a time, give the same numbers
    assert np.array_equal(streams.uniform(KEYS[2:3], 3, Site.ARREST, index), batch[2:3])
    rows, agents = np.array([3, 0, 3]), np.array([7, 7, 49])
    single = streams.uniform(KEYS[rows, 0], 3, Site.ARREST, agents)
    assert single.tolist() == [batch[3, 7], batch[0, 7], batch[3, 49]]
    # another step, site, agent or key: other numbers
    assert not np.isin(batch, streams.uniform(KEYS, 4, Site.ARREST, index)).any()
    assert not np.isin(batch, streams.uniform(KEYS, 3, Site.KILLED, index)).any()
    assert len(np.unique(batch)) == batch.size


def test_seed_keys():
    assert streams.seed_key(1) == streams.seed_key(1) == streams.seed_key([1])
    assert len({streams.seed_key(s) for s in range(1000)}) == 1000
    assert streams.seed_key([1, 2]) != streams.seed_key([2, 1])
    assert streams.seed_key(np.random.SeedSequence(5)) == streams.seed_key(5)
    a = streams.seed_key(np.random.default_rng(9))
    assert a == streams.seed_key(np.random.default_rng(9)) and 0 <= a < 2**64
    with pytest.raises(ValueError, match="site must be in"):
        streams.bits(KEYS, 0, 256, np.arange(2))


def test_uniforms_are_uniform_and_independent():
    u = streams.uniform(KEYS, 1, Site.HARDSHIP, np.arange(25_000)).ravel()
    assert u.min() >= 0.0 and u.max() < 1.0
    # mean and variance of U(0, 1) within 5 standard errors (n = 100,000)
    assert abs(u.mean() - 0.5) < 5 * np.sqrt(1 / 12 / u.size)
    assert abs(u.var() - 1 / 12) < 5 * np.sqrt(1 / 180 / u.size)
    counts = np.bincount((u * 20).astype(int), minlength=20)
    chi2 = ((counts - u.size / 20) ** 2 / (u.size / 20)).sum()
    assert chi2 < 43.8  # the 99.9% quantile of chi-square with 19 degrees of freedom
    # neighbouring agents, neighbouring seeds and consecutive steps are uncorrelated
    grid = streams.uniform(KEYS, 1, Site.HARDSHIP, np.arange(25_000))
    limit = 5 / np.sqrt(25_000)
    assert abs(np.corrcoef(grid[0, :-1], grid[0, 1:])[0, 1]) < limit
    assert abs(np.corrcoef(grid[0], grid[1])[0, 1]) < limit
    later = streams.uniform(KEYS, 2, Site.HARDSHIP, np.arange(25_000))
    assert abs(np.corrcoef(grid[0], later[0])[0, 1]) < limit


def test_normals_and_integers():
    z = streams.normal(KEYS, 0, Site.LOYALTY, np.arange(25_000)).ravel()
    assert abs(z.mean()) < 5 / np.sqrt(z.size)
    assert abs(z.std() - 1.0) < 0.02
    assert abs((np.abs(z) < 1).mean() - 0.6827) < 0.01
    k = streams.integers(KEYS, 0, Site.JAIL_TERM, np.arange(25_000), 0, 30).ravel()
    assert k.min() == 0 and k.max() == 30
    counts = np.bincount(k, minlength=31)
    assert counts.min() > 0.8 * k.size / 31 and counts.max() < 1.2 * k.size / 31
    # per-entry bounds broadcast; high == low gives low
    got = streams.integers(KEYS[:, 0], 0, Site.JAIL_TERM, np.zeros(4, int), 0,
                           np.array([0, 1, 2, 3]))
    assert got[0] == 0 and (got <= [0, 1, 2, 3]).all()


def test_steps_and_sites_are_refused_just_past_their_ranges():
    limit = 1 << (64 - streams.SITE_BITS - streams.AGENT_BITS)
    assert limit == 2**24
    streams.bits(KEYS, limit - 1, (1 << streams.SITE_BITS) - 1, np.arange(2))  # the last ones
    with pytest.raises(ValueError) as error:
        streams.bits(KEYS, limit, 0, np.arange(2))
    assert str(error.value) == f"step must be in [0, {limit}) (got {limit})"
    with pytest.raises(ValueError) as error:
        streams.bits(KEYS, -1, 0, np.arange(2))
    assert str(error.value) == f"step must be in [0, {limit}) (got -1)"
    with pytest.raises(ValueError) as error:
        streams.bits(KEYS, 0, 256, np.arange(2))
    assert str(error.value) == "site must be in [0, 256) (got 256)"


def test_a_generators_key_is_its_next_64_bit_draw_and_a_bit_generator_goes_through_one():
    by_hand = int(np.random.default_rng(9).integers(0, 2**64, dtype=np.uint64))
    assert streams.seed_key(np.random.default_rng(9)) == by_hand
    assert streams.seed_key(np.random.PCG64(9)) == streams.seed_key(
        np.random.Generator(np.random.PCG64(9)))
    words = np.random.SeedSequence(5).generate_state(2, np.uint32)
    assert streams.seed_key(5) == (int(words[0]) << 32) | int(words[1])

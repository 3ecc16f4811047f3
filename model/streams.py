"""Counter-based random numbers: each draw is a hash of (seed, step, site, agent).

A replicate's run must not depend on how many other campaigns share its batch, on its
row in the batch, or on which of its agents happen to draw this step. A sequential
generator cannot give that: the numbers an agent gets would depend on how many were
drawn before. Here every number is a pure function of a 64-bit key made from the run's
seed, the step, the draw site (which random decision, see `Site`) and the index of the
agent (or 0 for a draw made once per replicate): the same seed gives the same run alone,
in a batch of a thousand, in a sweep or on a GPU (Salmon et al. 2011, "Parallel random
numbers: as easy as 1, 2, 3", make the same argument for Philox).

The hash is SplitMix64's finaliser (Steele, Lea & Flood 2014) applied twice, with the
key mixed in between so that two replicates' streams are not shifts of each other. Its
output passes the uniformity and independence checks in tests/test_streams.py; it is a
simulation generator, not a cryptographic one.
"""

from __future__ import annotations

import enum
from typing import Any

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S27, _S30, _S31 = np.uint64(27), np.uint64(30), np.uint64(31)
#: Bits of the counter given to the agent index and the draw site; the step gets the rest.
AGENT_BITS, SITE_BITS = 32, 8
_TO_UNIT = 1.0 / float(1 << 53)


class Site(enum.IntEnum):
    """The model's random decisions, each its own stream.

    The values are part of a run's identity: renumbering them changes every run.
    """

    CELLS = 0            # set-up: which cell each agent starts on
    TIED = 1             # set-up: tied to a pillar or not
    PILLAR = 2           # set-up: which pillar
    HARDSHIP = 3
    RISK_AVERSION = 4
    DISCIPLINE = 5       # normal: two sites (5, 6)
    DISPERSED = 7
    THRESHOLD = 8        # normal: (8, 9)
    VIEW = 10            # normal: (10, 11)
    LOYALTY = 12         # normal: (12, 13)
    ARREST = 16
    SECRET_POLICE = 17
    KILLED = 18
    JAIL_PLACE = 19
    JAIL_TERM = 20
    LOYALTY_NOISE = 21   # normal: (21, 22)
    GRANT = 24
    BATTLE = 25
    INTERVENTION = 26
    MOVE = 32            # one site per try (dx, dy and priority from one draw)


def seed_key(seed: Any) -> int:
    """The 64-bit key of a run's seed: an int, a list of ints, a SeedSequence or a Generator.

    Ints and lists go through numpy's SeedSequence, so nearby seeds (1, 2, 3) give
    unrelated keys; a Generator gives one draw of its own (deterministic from its state).
    None draws fresh entropy (an unreproducible run, as Mesa does without a seed).
    """
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**64, dtype=np.uint64))
    if isinstance(seed, np.random.BitGenerator):
        return seed_key(np.random.Generator(seed))
    sequence = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    words = sequence.generate_state(2, np.uint32)
    return (int(words[0]) << 32) | int(words[1])


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, in place: a bijection of 64-bit words with full avalanche."""
    shifted = z >> _S30
    z ^= shifted
    z *= _MIX1
    np.right_shift(z, _S27, out=shifted)
    z ^= shifted
    z *= _MIX2
    np.right_shift(z, _S31, out=shifted)
    z ^= shifted
    return z


def bits(keys: np.ndarray, step: int, site: int, index: np.ndarray) -> np.ndarray:
    """64 random bits for each (key, index) pair at this step and site (broadcasting).

    Args:
        keys: uint64 replicate keys (see seed_key), e.g. shape (B, 1).
        step: the model's step (0 for set-up draws).
        site: the draw site (Site).
        index: agent indices (0 for once-per-replicate draws), e.g. shape (N,) or (B, N).
    """
    if not 0 <= site < 1 << SITE_BITS:
        raise ValueError(f"site must be in [0, {1 << SITE_BITS}) (got {site})")
    if not 0 <= step < 1 << (64 - SITE_BITS - AGENT_BITS):
        raise ValueError(f"step must be in [0, {1 << (64 - SITE_BITS - AGENT_BITS)}) "
                         f"(got {step})")
    head = np.uint64(((step << SITE_BITS) | site) << AGENT_BITS)
    keys = np.asarray(keys, dtype=np.uint64)
    index = np.asarray(index, dtype=np.uint64)
    # In-place arithmetic on one array (three times faster than fresh temporaries).
    z = np.empty(np.broadcast_shapes(keys.shape, index.shape), dtype=np.uint64)
    np.bitwise_or(index, head, out=z)
    with np.errstate(over="ignore"):
        z *= _GOLDEN
        z += keys
        _mix(z)
        z ^= keys
        return _mix(z)


def uniform(keys: np.ndarray, step: int, site: int, index: np.ndarray) -> np.ndarray:
    """Uniform floats in [0, 1), 53 bits each (see `bits` for the arguments)."""
    return (bits(keys, step, site, index) >> np.uint64(11)).astype(np.float64) * _TO_UNIT


def normal(keys: np.ndarray, step: int, site: int, index: np.ndarray) -> np.ndarray:
    """Standard normal draws by Box-Muller, from sites `site` and `site + 1`."""
    u1 = uniform(keys, step, site, index)
    u2 = uniform(keys, step, site + 1, index)
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)


def integers(keys: np.ndarray, step: int, site: int, index: np.ndarray,
             low: Any, high: Any) -> np.ndarray:
    """Integers uniform on low..high inclusive (arrays broadcast; high >= low)."""
    span = np.asarray(high) - np.asarray(low) + 1
    draw = np.floor(uniform(keys, step, site, index) * span).astype(np.int64)
    return np.asarray(low) + np.minimum(draw, span - 1)

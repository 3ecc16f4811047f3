"""Intervals for shares and for paired differences of shares.

The explorer's runs come in pairs (the same seed and conditions, one lever moved), so
the change in the chance of an outcome is a difference of paired proportions. Its 95%
interval is Newcombe's hybrid score interval (Newcombe 1998, Statistics in Medicine
17:2623-2635, method 10): built from the two Wilson intervals and the correlation of
the pairs, it stays inside [-1, 1] and does not collapse to a point when no pair
differs (the Wald interval of the mean difference would say "exactly 0").
"""

from __future__ import annotations

import math

import numpy as np

#: The normal quantile of a two-sided 95% interval.
Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a share (Wilson 1927); (0, 1) for n = 0."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def paired_difference(after: np.ndarray, before: np.ndarray, z: float = Z95
                      ) -> tuple[float, float, float]:
    """The change in a share between paired binary outcomes, with its interval.

    Args:
        after: the outcome (0/1 or bool) per pair with the lever moved.
        before: the outcome per pair in the base run, the same length.
        z: the normal quantile of the interval (default 95%).

    Returns:
        (difference, low, high): mean(after) - mean(before) and Newcombe's method-10
        interval. For no pairs: (0, -1, 1).
    """
    after, before = np.asarray(after, bool), np.asarray(before, bool)
    if after.shape != before.shape:
        raise ValueError(f"paired outcomes differ in length ({after.size} and {before.size})")
    n = after.size
    if n == 0:
        return 0.0, -1.0, 1.0
    both = int((after & before).sum())
    only_after = int((after & ~before).sum())
    only_before = int((~after & before).sum())
    neither = n - both - only_after - only_before
    p1, p2 = (both + only_after) / n, (both + only_before) / n
    l1, u1 = wilson(both + only_after, n, z)
    l2, u2 = wilson(both + only_before, n, z)
    margins = ((both + only_after) * (only_before + neither) * (both + only_before)
               * (only_after + neither))
    phi = ((both * neither - only_after * only_before) / math.sqrt(margins)
           if margins > 0 else 0.0)
    difference = p1 - p2
    low = difference - math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2)
                                     + (u2 - p2) ** 2))
    high = difference + math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2)
                                      + (p2 - l2) ** 2))
    return difference, max(-1.0, low), min(1.0, high)

"""Run many campaigns at once: group them into batches, step, summarise, drop the done.

`run_campaigns(params, seeds)` gives the same summaries as running each campaign alone
(`CivilResistanceModel(p, rng=seed).run()`), in the same order: every replicate's draws
are keyed by its own seed, and a batch only groups campaigns that share a shape
(model.batch_params.batch_key). A replicate that stops keeps stepping with its batch
until enough others have stopped to make dropping them worth a copy of the arrays.
"""

from __future__ import annotations

import numbers
from collections import defaultdict
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from .batch_params import agent_counts, batch_key
from .engine import Batch
from .judge import Judge
from .outcome import Thresholds
from .params import Params
from .recorder import TRAJECTORY_COLUMNS
from .summary import summarise

#: Share of a batch's rows that may be stopped before the batch drops them.
DROP_WHEN_STOPPED = 0.25
#: Bytes of memory a batch may use (the arrays of its agents and trajectories); larger
#: groups are split into several batches.
BATCH_MEMORY = 2 * 1024**3


def bytes_per_replicate(p: Params) -> int:
    """Approximate memory one replicate needs in a batch, in bytes.

    Citizens carry 13 arrays of 8 bytes or less, officers 4, and a step's temporaries
    add about as many again per agent (perception, risk, decisions: about 40 words per
    citizen in all); the step's grid maps take about 24 words per cell while they are
    filtered, and the trajectory one float64 per step and column. Measured peaks
    (tests/test_batch.py) stay below this: 0.51 MiB against 0.76 MiB at the default
    40x40 grid and ten-year horizon.
    """
    n_cit, n_sec = agent_counts(p)
    cells = p.width * p.height
    return 8 * (40 * n_cit + 10 * n_sec + 24 * cells
                + (p.max_steps + 1) * len(TRAJECTORY_COLUMNS))


def plan_batches(params: Sequence[Params], max_batch: int | None = None,
                 memory: int = BATCH_MEMORY) -> list[list[int]]:
    """Indices of `params` grouped into batches: same batch_key, within memory and size."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, p in enumerate(params):
        groups[batch_key(p)].append(i)
    batches = []
    for members in groups.values():
        widest = max(bytes_per_replicate(params[i]) for i in members)
        limit = max(1, memory // widest)
        if max_batch is not None:
            limit = min(limit, max_batch)
        batches += [members[k:k + limit] for k in range(0, len(members), limit)]
    return batches


def _regime_row(engine: Batch, row: int) -> Any:
    """What the summary reads of one replicate's regime."""
    reg = engine.regime_state
    return SimpleNamespace(pillar_loyalty=reg.pillar_loyalty[row].copy(),
                           legitimacy=float(reg.legitimacy[row]))


def run_batch(params: Sequence[Params], seeds: Sequence[Any],
              thresholds: Thresholds | None = None,
              trajectories: bool = False) -> list[Any]:
    """Run one batch (campaigns with one batch_key) to the end, results in input order.

    Returns each campaign's RunSummary, or (RunSummary, trajectory DataFrame) pairs with
    `trajectories`: the rows of steps 0 to where the campaign stopped, as
    `CivilResistanceModel.trajectory()` gives them.
    """
    thresholds = thresholds if thresholds is not None else Thresholds()
    engine = Batch(params, seeds)
    judge = Judge(engine, thresholds)
    ids = np.arange(engine.size)
    results: list[Any] = [None] * engine.size
    while judge.running.any():
        engine.step()
        for row in np.flatnonzero(judge.update(engine)):
            summary = summarise(
                engine.recorder.columns(row), judge.final_decision(engine, row),
                _regime_row(engine, row), float(engine.security.defected_share()[row]),
                thresholds)
            results[ids[row]] = (summary, engine.recorder.frame(row)) if trajectories \
                else summary
        stopped = ~judge.running
        if stopped.mean() >= DROP_WHEN_STOPPED:
            keep = np.flatnonzero(judge.running)
            if keep.size:
                engine.take(keep)
                judge.take(keep)
                ids = ids[keep]
    return results


def run_campaigns(params: Sequence[Params], seeds: Sequence[Any],
                  thresholds: Thresholds | None = None,
                  max_batch: int | None = None, trajectories: bool = False) -> list[Any]:
    """Run every campaign, batched by shape; results in input order (see run_batch).

    Args:
        params: each campaign's parameters.
        seeds: each campaign's seed.
        thresholds: the outcome classifier's thresholds.
        max_batch: most campaigns per batch (None: as many as memory allows).
        trajectories: also return each campaign's trajectory.

    Raises:
        ValueError: for a different number of seeds and campaigns, or max_batch below 1.
    """
    if max_batch is not None and (isinstance(max_batch, bool)
                                  or not isinstance(max_batch, numbers.Integral) or max_batch < 1):
        raise ValueError(f"max_batch must be a whole number >= 1, or None for as many as "
                         f"memory allows (got {max_batch!r})")
    if len(params) != len(seeds):
        raise ValueError(f"need one seed per campaign ({len(params)} campaigns, "
                         f"{len(seeds)} seeds)")
    results: list[Any] = [None] * len(params)
    for members in plan_batches(params, max_batch):
        done = run_batch([params[i] for i in members], [seeds[i] for i in members],
                         thresholds, trajectories)
        for i, result in zip(members, done, strict=True):
            results[i] = result
    return results

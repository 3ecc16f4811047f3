"""When each campaign of a batch is decided, and when it stops.

The classifier (model.outcome.classify) names a campaign's outcome from its recorded
trajectory. It can only decide at a step where something decisive is on record: the
regime's support at or below the collapse threshold, a demand granted, or violence
sustained for the violent window; or at the horizon. The judge tracks those triggers
for all replicates with array operations and calls the classifier only for a replicate
that has one, so its verdicts are exactly those of classifying every step.
"""

from __future__ import annotations

import numpy as np

from .engine import Batch
from .outcome import Decision, Thresholds, classify, reported


class Judge:
    """The outcome of each replicate of `engine` so far, and which are still running.

    Args:
        engine: the batch, with its step-0 rows recorded.
        thresholds: the classifier's thresholds (one set for the batch).
    """

    def __init__(self, engine: Batch, thresholds: Thresholds) -> None:
        """Read step 0's triggers."""
        self.thresholds = thresholds
        size = engine.size
        self.decisions = [Decision(None, None)] * size
        self.running = np.ones(size, dtype=bool)
        self.decided = np.zeros(size, dtype=bool)
        self._war_run = np.zeros(size, dtype=np.int64)
        self._won = np.zeros(size, dtype=bool)
        self._read_triggers(engine)

    def _read_triggers(self, engine: Batch) -> None:
        """Update the triggers from the latest recorded row of every replicate."""
        th, recorder = self.thresholds, engine.recorder
        part = recorder.last("participation")
        violent = recorder.last("violent_share")
        fraction = np.divide(violent, part, out=np.zeros_like(violent), where=part > 0)
        war = (violent >= th.violent_min) & (fraction >= th.violent_majority)
        self._war_run = np.where(war, self._war_run + 1, 0)
        self._won |= (recorder.last("regime_support") <= th.collapse) \
            | (recorder.last("demand_granted") > 0)

    def update(self, engine: Batch) -> np.ndarray:
        """Judge the step just recorded; return the replicates that stop now.

        A verdict, once given, is kept: the classifier names the first decisive event,
        and the horizon's verdict (suppressed or stalled) is final too. A replicate stops
        once decided (unless run_to_horizon) or at its horizon (max_steps).
        """
        self._read_triggers(engine)
        final = engine.steps >= engine.params.max_steps
        triggered = ~self.decided & (self._won | final
                                     | (self._war_run >= self.thresholds.violent_window))
        for row in np.flatnonzero(triggered):
            self.decisions[row] = classify(engine.recorder.columns(row), final=bool(final[row]),
                                           thresholds=self.thresholds)
            self.decided[row] = self.decisions[row].outcome is not None
        stop = self.running & ((self.decided & (not engine.params.run_to_horizon)) | final)
        self.running &= ~stop
        return stop

    def final_decision(self, engine: Batch, row: int) -> Decision:
        """The outcome of replicate `row` as reported: judged as at the horizon once stopped."""
        return reported(self.decisions[row], not self.running[row],
                        engine.recorder.columns(row), self.thresholds)

    def take(self, rows: np.ndarray) -> None:
        """Keep only the replicates `rows` (as Batch.take)."""
        self.decisions = [self.decisions[i] for i in rows]
        self.running = self.running[rows]
        self.decided = self.decided[rows]
        self._war_run = self._war_run[rows]
        self._won = self._won[rows]

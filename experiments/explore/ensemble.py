"""One case (or preset) simulated many times: what the model says beside what happened.

For the app's case page: the share of runs ending in each outcome with its 95% interval,
fan charts (median, 50% and 90% bands) of participation and regime support by week,
time to outcome, peak participation and defections, and every run itself (its
parameters and seed), so that any one can be replayed step by step.

The runs are built as `civres explore` and `civres compare` build them (Setting.runs:
the case's coding drawn within its levels' intervals, coefficients from the posterior)
with the seeds `spawn_seeds(seed, n)`, and run with the batched engine in chunks, so a
caller can show progress and stop early. A campaign runs the same alone, in a batch or in
the step-by-step model (tests/test_batch.py), so a replayed run is the run counted here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from civres.experiments.history import patterns
from civres.experiments.history.cases import Case
from civres.experiments.sweeps.tasks import spawn_seeds
from civres.model import Outcome, Params
from civres.model.batch_run import run_campaigns
from civres.model.summary import RunSummary

from .intervals import wilson

#: The trajectory columns drawn as fans, and the bands: (low, high) percentiles.
FAN_COLUMNS = ("participation_pct", "regime_support")
BANDS = ((5, 95), (25, 75))
#: Runs simulated per chunk (one batch each): progress is reported between chunks.
CHUNK = 25


@dataclass(frozen=True)
class CaseRun:
    """One run of the ensemble: enough to replay it (params, seed) and what it gave."""

    index: int
    seed: int
    params: Params
    summary: RunSummary
    trajectory: pd.DataFrame


@dataclass
class Ensemble:
    """The runs of one setting so far (fewer than asked for if it was stopped early)."""

    label: str
    seed: int
    asked: int
    runs: list[CaseRun] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Whether every run asked for has been simulated."""
        return len(self.runs) == self.asked

    def outcome_shares(self) -> dict[str, dict[str, float]]:
        """Each outcome's share of the runs, with Wilson's 95% interval."""
        n = len(self.runs)
        shares = {}
        for outcome in Outcome:
            hits = sum(run.summary.outcome == outcome for run in self.runs)
            low, high = wilson(hits, n)
            shares[outcome.value] = {"p": hits / n if n else 0.0, "low": low, "high": high}
        return shares

    def fan(self, column: str) -> pd.DataFrame:
        """Median and bands of a trajectory column by week, over the runs.

        A run that ended before the latest one keeps its last value (a decided
        campaign's state stands), so every week is over all the runs.
        """
        if not self.runs:
            return pd.DataFrame(columns=["week", "median"])
        weeks = max(len(run.trajectory) for run in self.runs)
        values = np.array([_padded(run.trajectory[column].to_numpy(float), weeks)
                           for run in self.runs])
        fan = {"week": np.arange(weeks), "median": np.median(values, axis=0)}
        for low, high in BANDS:
            fan[f"p{low}"] = np.percentile(values, low, axis=0)
            fan[f"p{high}"] = np.percentile(values, high, axis=0)
        return pd.DataFrame(fan)

    def years_to_outcome(self) -> np.ndarray:
        """Each run's time from its start to its outcome, in years."""
        return np.array([run.summary.duration / patterns.WEEKS_PER_YEAR for run in self.runs])

    def table(self) -> pd.DataFrame:
        """One row per run: index, seed, outcome, week decided, years, peak, defections."""
        return pd.DataFrame([{
            "run": run.index, "seed": run.seed, "outcome": run.summary.outcome.value,
            "decided_week": run.summary.decided_step,
            "years": run.summary.duration / patterns.WEEKS_PER_YEAR,
            "peak_participation_pct": run.summary.peak_participation_pct,
            "security_defected": run.summary.security_defected_share > 0,
        } for run in self.runs])


def _padded(values: np.ndarray, length: int) -> np.ndarray:
    """Values extended to `length` with their last one."""
    return np.concatenate([values, np.full(length - len(values), values[-1])])


def simulate(run_params: list[dict], seed: int, label: str = "",
             on_progress: Callable[[int, int], None] | None = None,
             stop: Callable[[], bool] | None = None, chunk: int = CHUNK) -> Ensemble:
    """Simulate the runs (Params.to_dict() each) with seeds spawned from `seed`.

    Args:
        run_params: each run's parameters, e.g. from Setting.runs.
        seed: the master seed; run i's seed is spawn_seeds(seed, n)[i].
        label: what was simulated, in words.
        on_progress: called with (runs done, runs asked) after each chunk.
        stop: asked before each chunk; True ends the simulation early (the runs so far
            are kept).
        chunk: runs per chunk.
    """
    n = len(run_params)
    seeds = spawn_seeds(seed, n)
    ensemble = Ensemble(label, seed, n)
    for start in range(0, n, chunk):
        if stop is not None and stop():
            break
        members = range(start, min(start + chunk, n))
        params = [Params(**run_params[i]) for i in members]
        results = run_campaigns(params, [seeds[i] for i in members], trajectories=True)
        ensemble.runs += [CaseRun(i, seeds[i], p, summary, trajectory)
                          for i, p, (summary, trajectory) in zip(members, params, results,
                                                                  strict=True)]
        if on_progress is not None:
            on_progress(len(ensemble.runs), n)
    return ensemble


def observed_facts(case: Case) -> dict[str, object]:
    """What happened in a case, as the case page shows it beside the runs."""
    facts = patterns.observed(case)
    return {"outcome": case.observed.outcome.value, "years": facts["duration"],
            "peak_participation_pct": facts["peak"],
            "security_defections": facts["defections"],
            "sources": list(case.observed.sources)}

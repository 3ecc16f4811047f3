"""The results of `civres compare` and `civres facts`, as dataclasses.

Each writes the keys its JSON file has always had, in the same order (`to_dict`), so
`comparison.json` and `facts.json` read as before while the code reads named, typed
fields instead of dictionary keys.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from civres.model.vocabulary import Outcome

#: A forecast: a probability for each outcome (keys are the outcomes' words).
Forecast = dict[str, float]


@dataclass
class CaseComparison:
    """One case's observed facts beside its simulated outcome distribution.

    `distribution` is over the runs that did not fail (`n_runs` of them); `n_errors`
    counts the others. With no run left, `predicted` and the simulated figures are None
    and the case is not scored. The baselines' forecasts are added by compare_cases:
    `baseline_*` fitted leave-one-out on the catalogue, `split_baseline_*` (only with a
    temporal split) on the catalogue's early campaigns.
    """

    id: str
    name: str
    observed: Outcome
    predicted: Outcome | None
    distribution: Forecast
    n_runs: int
    observed_peak_pct: float | None
    simulated_peak_pct: float | None
    observed_defections: bool | None
    simulated_defections: float | None
    n_errors: int = 0
    used_in_calibration: bool = False
    start_year: int = 0
    baseline_logistic: Forecast = field(default_factory=dict)
    baseline_rates: Forecast = field(default_factory=dict)
    split_baseline_logistic: Forecast | None = None
    split_baseline_rates: Forecast | None = None
    # Patterns beyond the outcome (experiments/history/patterns.py): the model's 90% run
    # interval of peak participation; the observed duration (end - start year) beside
    # the model's median and 90% run interval, in years.
    simulated_peak_interval: list[float] | None = None
    observed_duration_years: float | None = None
    simulated_duration_years: float | None = None
    simulated_duration_interval: list[float] | None = None

    @property
    def hit(self) -> bool:
        """Whether the most likely simulated outcome is the one that happened."""
        return self.predicted == self.observed

    @property
    def scored(self) -> bool:
        """Whether the case has a forecast to score (some run did not fail)."""
        return self.predicted is not None

    def to_dict(self) -> dict[str, Any]:
        """The case's row of comparison.json.

        n_errors and the split's baselines are written only when there are some.
        """
        row: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "n_errors" and not value:
                continue
            if f.name.startswith("split_") and value is None:
                continue
            row[f.name] = value
            if f.name == "predicted":
                row["hit"] = self.hit
        return row


@dataclass
class Comparison:
    """The comparison of a case file with the model: its cases' rows and the scores.

    `summary` holds the scores (accuracy, Brier, the confusion matrix, each forecaster's
    scores per group with intervals) and what the comparison used (coding uncertainty,
    calibration, coefficients).
    """

    cases: list[CaseComparison]
    summary: dict[str, Any]
    reps: int
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """comparison.json, as it has always been written."""
        return {"cases": [case.to_dict() for case in self.cases], "summary": self.summary,
                "reps": self.reps, "seed": self.seed}


@dataclass
class Facts:
    """The model's aggregate facts, each share with the number of runs behind it.

    The published comparisons are over maximalist campaigns (as in NAVCO 1.x); outcome
    shares and success by goal over all campaigns that formed (all runs with
    include_unformed). A share is None where no run was behind it.
    Participation bins are keyed by their lower edge (percent of the population, as a
    string); `n_errors` counts the runs that failed and are left out.
    """

    nonviolent_success: float | None
    n_nonviolent: int
    violent_success: float | None
    n_violent: int
    success_by_participation: dict[str, float | None]
    n_by_participation: dict[str, int]
    success_with_defection: float | None
    n_with_defection: int
    success_without_defection: float | None
    n_without_defection: int
    success_low_learning: float | None
    n_low_learning: int
    success_high_learning: float | None
    n_high_learning: int
    success_by_learning_paired: dict[str, float | None]
    median_years_nonviolent: float | None
    median_years_violent: float | None
    median_years_by_outcome: dict[str, float | None]
    n_maximalist: int
    outcome_shares: dict[str, float | None]
    success_by_goal: dict[str, float | None]
    n_by_goal: dict[str, int]
    n_runs: int
    n_errors: int
    published: dict[str, float]
    #: Runs whose campaign never formed: left out of every figure above unless
    #: include_unformed (then counted in them).
    n_never_formed: int = 0
    include_unformed: bool = False
    #: Of the nonviolent maximalist campaigns that won, the share won beside a violent
    #: flank (a tenth of participants or more violent at some step).
    nonviolent_wins_with_flank: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """facts.json's figures, as they have always been written.

        n_errors is written only when some run failed.
        """
        result = asdict(self)
        if not self.n_errors:
            del result["n_errors"]
        return result

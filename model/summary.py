"""The declared end-of-run summary: the names, types and meanings of a run's results.

`RunSummary` is what one run reports. `model.summary()` returns it as a plain dict
(`RunSummary.to_dict`, the keys users' scripts index); a sweep's run table holds it as
flat columns (`RunSummary.row`, declared in `RUN_COLUMNS`), so analyze, compare, facts
and the app read one declaration instead of looking columns up by string.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from .outcome import Decision, Thresholds, peak_violent_fraction
from .vocabulary import PILLAR_NAMES, Outcome


@dataclass(frozen=True)
class Column:
    """One column of the run table: its name, type and meaning."""

    name: str
    dtype: str  # "string", "int64", "float64" or "bool"
    meaning: str
    nullable: bool = False


def _field(meaning: str) -> Any:
    """A summary field with its meaning (read by RUN_COLUMNS and the documentation)."""
    return dataclasses.field(metadata={"meaning": meaning})


@dataclass(frozen=True)
class RunSummary:
    """What one run reports at its end (or so far); each field documents its meaning."""

    outcome: Outcome | None = _field("one of Outcome's words; None while undecided")
    decided_step: int | None = _field("step at which the outcome was decided")
    steps: int = _field("steps run")
    peak_participation: float = _field("largest active share of living citizens")
    peak_participation_pct: float = _field(
        "largest active share as % of the population (see represented_share)")
    peak_violent_share: float = _field("largest violent share of living citizens")
    peak_violent_fraction: float = _field(
        "largest violent share of participants over steps with a sizeable violent flank")
    security_defected_share: float = _field("share of security forces defected at the end")
    pillar_loyalty: dict[str, float] = _field("each pillar's loyalty at the end, by name")
    regime_support: float = _field("weighted pillar loyalty at the end")
    legitimacy: float = _field(
        "the regime's legitimacy at the end (run table: final_legitimacy, beside the "
        "legitimacy parameter it started from)")
    arrests: int = _field("arrests made in the whole run")
    killings: int = _field("killings in the whole run")
    regime_fell: bool = _field("regime support reached the collapse threshold at some step")
    fell_step: int | None = _field(
        "first step at which regime support reached the collapse threshold (None: never)")
    demand_granted: bool = _field("the regime granted the campaign's (reform) demand")
    intervened: bool = _field("outside powers intervened on the rebels' side")
    battle_deaths: int = _field("rebels killed in armed conflict in the whole run")
    duration: int = _field(
        "weeks the campaign lasted: from the first week more than the quiet share took part "
        "to its outcome (success, violent) or to its last such week (0: never mobilised)")
    formed: bool = _field(
        "the campaign formed: more than the quiet share of citizens took part at some step "
        "(NAVCO codes only campaigns that formed; `civres facts` leaves the others out)")
    violent_flank: bool = _field(
        "a campaign not primarily violent had a violent flank: at some step with a "
        "sizeable flank, violent citizens were at least Thresholds.flank of participants")

    def __post_init__(self) -> None:
        """Refuse an outcome outside the vocabulary or pillars that are not the six.

        An outcome given as its word ("success", as a run table holds it) becomes the
        Outcome member, so a summary's outcome is always an Outcome or None.
        """
        if self.outcome is not None:
            if self.outcome not in tuple(Outcome):
                raise ValueError(f"outcome {self.outcome!r} is not one of {', '.join(Outcome)}")
            object.__setattr__(self, "outcome", Outcome(self.outcome))
        if tuple(self.pillar_loyalty) != PILLAR_NAMES:
            raise ValueError(f"pillar_loyalty must name {', '.join(PILLAR_NAMES)} in order")

    def to_dict(self) -> dict[str, Any]:
        """The summary as the plain dict `model.summary()` returns (keys in field order).

        Plain values only: the outcome is its word (a str), as run tables and JSON hold it.
        """
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["pillar_loyalty"] = dict(self.pillar_loyalty)
        if self.outcome is not None:
            out["outcome"] = str(self.outcome)
        return out

    def row(self) -> dict[str, Any]:
        """The summary as run-table columns, named and ordered as RUN_COLUMNS."""
        values = self.to_dict()
        row: dict[str, Any] = {}
        for name, value in values.items():
            if name == "pillar_loyalty":
                row.update({f"pillar_{pillar}": v for pillar, v in value.items()})
            else:
                row[_RENAMED.get(name, name)] = value
        return row

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RunSummary:
        """Rebuild a summary from `to_dict()`'s form (e.g. a model_fn's result)."""
        names = [f.name for f in dataclasses.fields(cls)]
        missing = [n for n in names if n not in values]
        if missing:
            raise ValueError(f"summary lacks {', '.join(missing)}")
        return cls(**{n: values[n] for n in names})


def summarise(columns: dict[str, Any], decision: Decision, regime: Any,
              defected_share: float, thresholds: Thresholds) -> RunSummary:
    """The summary of a run from its trajectory's columns and its final state.

    `regime` is one replicate's regime at the end: anything with `pillar_loyalty` (one
    value per pillar) and `legitimacy`.
    """
    fell = np.flatnonzero(columns["regime_support"] <= thresholds.collapse)
    flank = peak_violent_fraction(columns, thresholds)
    mobilised = np.flatnonzero(columns["participation"] > thresholds.quiet)
    if not mobilised.size:
        duration = 0
    elif decision.outcome in (Outcome.SUCCESS, Outcome.VIOLENT):
        duration = max(decision.step - int(mobilised[0]), 0)
    else:
        duration = int(mobilised[-1] - mobilised[0]) + 1
    return RunSummary(
        outcome=decision.outcome,
        decided_step=decision.step,
        steps=len(columns["step"]) - 1,
        peak_participation=float(columns["participation"].max()),
        peak_participation_pct=float(columns["participation_pct"].max()),
        peak_violent_share=float(columns["violent_share"].max()),
        peak_violent_fraction=flank,
        security_defected_share=defected_share,
        pillar_loyalty={n: float(regime.pillar_loyalty[i]) for i, n in enumerate(PILLAR_NAMES)},
        regime_support=float(columns["regime_support"][-1]),
        legitimacy=float(regime.legitimacy),
        arrests=int(columns["arrests"][-1]),
        killings=int(columns["killings"][-1]),
        regime_fell=bool(fell.size),
        fell_step=int(fell[0]) if fell.size else None,
        demand_granted=bool(columns["demand_granted"].max() > 0),
        intervened=bool(columns["intervened"].max() > 0),
        battle_deaths=int(columns["battle_deaths"][-1]),
        duration=duration,
        formed=bool(mobilised.size),
        violent_flank=bool(decision.outcome != Outcome.VIOLENT and flank >= thresholds.flank),
    )


def outcome_qualifier(summary: RunSummary, thresholds: Thresholds | None = None) -> str:
    """What the outcome's word alone would hide, or "" when it hides nothing.

    A campaign that never formed is not "suppressed" or "stalled" (nobody took part); a
    success or stall beside a violent flank says so, with the flank's size and the
    killings.
    """
    thresholds = thresholds or Thresholds()
    if summary.outcome is None:
        return ""
    if not summary.formed:
        return (f"the campaign never formed (participation never rose above "
                f"{thresholds.quiet:.0%} of citizens)")
    if summary.violent_flank:
        return (f"beside a violent flank (up to {summary.peak_violent_fraction:.0%} "
                f"of participants violent; {summary.killings} killed)")
    return ""


def outcome_words(summary: RunSummary, thresholds: Thresholds | None = None) -> str:
    """What happened, in words: the outcome, then its qualifier (outcome_qualifier)."""
    if summary.outcome is None:
        return "undecided"
    qualifier = outcome_qualifier(summary, thresholds)
    if not qualifier:
        return str(summary.outcome)
    return f"{summary.outcome}{':' if not summary.formed else ','} {qualifier}"


#: Summary fields whose run-table column has another name: the final legitimacy sits
#: beside the `legitimacy` parameter (the initial value) in the same row.
_RENAMED = {"legitimacy": "final_legitimacy"}


def _columns() -> tuple[Column, ...]:
    """RUN_COLUMNS, derived from RunSummary's fields, types and meanings."""
    kinds = {"Outcome | None": ("string", True), "int | None": ("int64", True),
             "int": ("int64", False), "float": ("float64", False), "bool": ("bool", False)}
    columns = []
    for f in dataclasses.fields(RunSummary):
        if f.name == "pillar_loyalty":
            columns += [Column(f"pillar_{p}", "float64", f"loyalty of the {p} pillar at the end")
                        for p in PILLAR_NAMES]
            continue
        dtype, nullable = kinds[str(f.type)]
        columns.append(Column(_RENAMED.get(f.name, f.name), dtype, f.metadata["meaning"],
                              nullable))
    return tuple(columns)


#: The run table's summary columns, in order.
RUN_COLUMNS: tuple[Column, ...] = _columns()
RUN_COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in RUN_COLUMNS)

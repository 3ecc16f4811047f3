"""Outcome classification: a pure function of a recorded trajectory.

The model never decides its outcome from its inputs; it records what happened each
step and this classifier names it, with thresholds that are named, documented and
tested on hand-made trajectories.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .vocabulary import Outcome

__all__ = ["Outcome", "Decision", "Thresholds", "classify", "peak_violent_fraction"]


@dataclass(frozen=True)
class Thresholds:
    """Named thresholds of the outcome classifier.

    Attributes:
        collapse: regime support (weighted pillar loyalty) at or below which the regime
            has fallen or must concede.
        violent_min: share of citizens that are violent for an episode to count as armed
            conflict rather than scattered clashes.
        violent_majority: share of participants that are violent for the campaign to
            count as violent.
        violent_window: consecutive steps both must hold (sustained violence).
        quiet: participation at or below which the movement counts as crushed.
        quiet_window: final steps over which participation must stay quiet for the
            campaign to count as suppressed.
        crushed: share of citizens in jail or dead at some step, as a multiple of the
            peak participation share, at or above which a campaign that went quiet
            counts as suppressed (broken by repression) rather than stalled (faded under
            mild policing, or bought off by concessions).
        mass_arrests: repression level the regime must also have reached at some step
            for a quiet campaign to count as suppressed (0.25: each loyal officer
            arrests at half Epstein's one-per-week rate); under milder policing a
            campaign that goes quiet, even with its few activists filling the jails over
            the years, has fizzled (stalled), not been crushed.
        flank: violent share of participants (peak_violent_fraction) at or above which
            a campaign that is not primarily violent is reported as having a violent
            flank: it decides no outcome, but a success won beside a tenth of
            participants fighting is not reported as a plain nonviolent success.
    """

    collapse: float = 0.5
    violent_min: float = 0.02
    violent_majority: float = 0.5
    violent_window: int = 10
    quiet: float = 0.01
    quiet_window: int = 30
    crushed: float = 0.25
    mass_arrests: float = 0.25
    flank: float = 0.1


@dataclass(frozen=True)
class Decision:
    """An outcome and the step (row index of the trajectory) at which it was decided."""

    outcome: Outcome | None
    step: int | None


def _first_sustained(condition: np.ndarray, window: int) -> int | None:
    """Index at which `condition` has first held for `window` consecutive rows."""
    if window <= 0 or len(condition) < window:
        return None
    run = np.convolve(condition.astype(np.int64), np.ones(window, dtype=np.int64), "valid")
    hits = np.flatnonzero(run == window)
    return int(hits[0]) + window - 1 if hits.size else None


def peak_violent_fraction(
    trajectory: Mapping[str, np.ndarray], thresholds: Thresholds = Thresholds()
) -> float:
    """Largest violent share of participants over the steps with a sizeable violent flank.

    Steps where fewer than `violent_min` of citizens are violent are ignored, so a lone
    rioter in a quiet street does not make a campaign "violent". NAVCO codes a campaign
    as violent when violence was its primary method, and a violent flank separately; a
    value of at least `violent_majority` is the former.
    """
    part = np.asarray(trajectory["participation"], dtype=float)
    violent = np.asarray(trajectory["violent_share"], dtype=float)
    fraction = _violent_fraction(part, violent)[violent >= thresholds.violent_min]
    return float(fraction.max()) if fraction.size else 0.0


def _violent_fraction(participation: np.ndarray, violent: np.ndarray) -> np.ndarray:
    """Share of participants who are violent (0 where nobody participates)."""
    return np.divide(violent, participation, out=np.zeros_like(violent), where=participation > 0)


def classify(
    trajectory: Mapping[str, np.ndarray],
    final: bool = False,
    thresholds: Thresholds = Thresholds(),
) -> Decision:
    """Name the outcome of a (possibly unfinished) campaign.

    Args:
        trajectory: columns `participation` (active share of citizens), `violent_share`
            (violent share of citizens) and `regime_support`, one row per step; optional
            `demand_granted` (1 once a demand is granted), `jailed` (share of living
            citizens), `dead` (share of all citizens) and `repression_level`.
        final: True once the horizon is reached: undecided campaigns are then judged
            `suppressed` (quiet over the last window, after repression that jailed or
            killed at least `crushed` times the peak participation at some step, at a
            repression level of at least `mass_arrests`) or
            `stalled` (still mobilised, or faded without being crushed).
        thresholds: the named thresholds.

    Returns:
        The outcome (None while undecided) and the row at which it was decided.
    """
    part = np.asarray(trajectory["participation"], dtype=float)
    violent = np.asarray(trajectory["violent_share"], dtype=float)
    support = np.asarray(trajectory["regime_support"], dtype=float)
    th = thresholds
    violent_frac = _violent_fraction(part, violent)

    fell = np.flatnonzero(support <= th.collapse)
    granted = np.flatnonzero(np.asarray(trajectory.get("demand_granted", ()), dtype=float) > 0)
    # A reform campaign wins when its demand is granted; any campaign when the regime falls.
    won_at = min([int(x[0]) for x in (fell, granted) if x.size], default=None)
    war = (violent >= th.violent_min) & (violent_frac >= th.violent_majority)
    war_at = _first_sustained(war, th.violent_window)

    if war_at is not None and (won_at is None or war_at <= won_at):
        return Decision(Outcome.VIOLENT, war_at)
    if won_at is not None:
        # A regime toppled by a mostly violent uprising is a war's outcome, not civil
        # resistance succeeding (Libya 2011).
        if violent_frac[won_at] >= th.violent_majority and violent[won_at] >= th.violent_min:
            return Decision(Outcome.VIOLENT, won_at)
        return Decision(Outcome.SUCCESS, won_at)
    if not final or len(part) == 0:
        return Decision(None, None)
    last = len(part) - 1
    # A campaign that faded under mild policing, or was bought off, was not crushed.
    jailed = np.asarray(trajectory.get("jailed", np.ones(len(part))), dtype=float)
    dead = np.asarray(trajectory.get("dead", np.zeros(len(part))), dtype=float)
    repressed = (jailed + dead).max()
    level = np.asarray(trajectory.get("repression_level", np.ones(len(part))), dtype=float)
    crushed = (repressed > 0 and repressed >= th.crushed * part.max()
               and level.max() >= th.mass_arrests)
    if np.max(part[-th.quiet_window:]) <= th.quiet and crushed:
        return Decision(Outcome.SUPPRESSED, last)
    return Decision(Outcome.STALLED, last)


def reported(decision: Decision, stopped: bool, trajectory: Mapping[str, np.ndarray],
             thresholds: Thresholds = Thresholds()) -> Decision:
    """The outcome as reported: a campaign that stopped undecided is judged as at the horizon.

    Args:
        decision: the verdict so far (Decision(None, None) while undecided).
        stopped: whether the campaign has stopped stepping.
        trajectory: its recorded columns, read only when it is judged now.
        thresholds: the named thresholds.
    """
    if decision.outcome is None and stopped:
        return classify(trajectory, final=True, thresholds=thresholds)
    return decision

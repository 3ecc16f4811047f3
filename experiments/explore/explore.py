"""The strategy explorer: how much each choice of either side changes a campaign's odds.

For a setting (a catalogue case or a preset), `explore` runs `reps` base runs and, for
every lever and direction, the same runs again with only that lever moved: the same
seeds, the same drawn conditions and coefficients. The change in the chance of each
outcome is a paired difference, with Newcombe's 95% interval (intervals.py). A pair in
which either run raised is left out and counted (`n_errors`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from civres.errors import RunAborted
from civres.experiments.sweeps.runner import run_many
from civres.experiments.sweeps.tasks import spawn_seeds
from civres.model.vocabulary import Outcome

from .intervals import paired_difference, wilson
from .levers import Lever


@dataclass(frozen=True)
class Effect:
    """The change in one outcome's chance when one lever moves one way."""

    lever: str
    actor: str
    param: str
    label: str
    move: str
    value_before: float  # the lever's mean value over the pairs, before and after
    value_after: float
    outcome: str
    p_before: float
    p_after: float
    change: float
    low: float
    high: float
    n: int


@dataclass
class Exploration:
    """Everything `civres explore` reports: the base runs' odds and every lever's effect."""

    setting: str
    reps: int
    seed: int
    baseline: dict[str, dict[str, float]]  # outcome -> {p, low, high}
    effects: list[Effect]
    n_errors: int = 0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The exploration as JSON-ready data (explore.json)."""
        return {"setting": self.setting, "reps": self.reps, "seed": self.seed,
                "baseline": self.baseline, "n_errors": self.n_errors, "notes": self.notes,
                "effects": [asdict(e) for e in self.effects]}

    def table(self) -> pd.DataFrame:
        """One row per lever, move and outcome (explore.csv)."""
        return pd.DataFrame([asdict(e) for e in self.effects])

    def effect(self, lever: str, move: str, outcome: str) -> Effect:
        """One effect by its lever, move and outcome."""
        for e in self.effects:
            if (e.lever, e.move, e.outcome) == (lever, move, outcome):
                return e
        raise KeyError(f"no effect of {lever} {move} on {outcome}")


def explore(base_runs: list[dict[str, Any]], levers: list[Lever], seed: int,
            workers: int | None, setting: str = "", **run_many_options: Any) -> Exploration:
    """Run the base runs and every lever's moved runs in pairs; measure the effects.

    Args:
        base_runs: each base run's parameters (Params.to_dict()).
        levers: the levers to move.
        seed: the master seed; pair i's runs all use the i-th seed spawned from it.
        workers: local worker processes (default: all cores).
        setting: what was explored, in words.
        run_many_options: passed to run_many (tests swap the model).

    Raises:
        RunAborted: every base run failed.
    """
    n = len(base_runs)
    moves = [(lever, move) for lever in levers for move in lever.moves]
    params = list(base_runs) + [lever.moved(run, move) for lever, move in moves
                                for run in base_runs]
    seeds = spawn_seeds(seed, n) * (1 + len(moves))
    runs = run_many(params, seed, workers, seeds=seeds, **run_many_options)
    blocks = [runs.iloc[k * n:(k + 1) * n].reset_index(drop=True)
              for k in range(1 + len(moves))]
    base = blocks[0]
    base_ok = base["error"].isna().to_numpy()
    if not base_ok.any():
        raise RunAborted(f"all {n} base runs failed, first: {base.error.iloc[0]}")
    baseline = {}
    for outcome in Outcome:
        hits = int((base.outcome[base_ok] == outcome).sum())
        low, high = wilson(hits, int(base_ok.sum()))
        baseline[outcome.value] = {"p": hits / int(base_ok.sum()), "low": low, "high": high}
    effects = []
    for (lever, move), moved, k in zip(moves, blocks[1:], range(1, len(blocks)), strict=True):
        ok = base_ok & moved["error"].isna().to_numpy()
        before = np.array([run[lever.param] for run in base_runs], float)[ok]
        after = np.array([params[k * n + i][lever.param] for i in range(n)], float)[ok]
        for outcome in Outcome:
            was = (base.outcome[ok] == outcome).to_numpy()
            now = (moved.outcome[ok] == outcome).to_numpy()
            change, low, high = paired_difference(now, was)
            effects.append(Effect(
                lever.name, lever.actor.value, lever.param, lever.label, move,
                _mean(before), _mean(after), outcome.value, _mean(was), _mean(now),
                change, low, high, int(ok.sum())))
    failed = runs["error"].notna()
    result = Exploration(setting, n, seed, baseline, effects, int(failed.sum()))
    if failed.any():
        result.notes.append(f"{int(failed.sum())} of {len(runs)} runs raised (first: "
                            f"{runs.error[failed].iloc[0]}); their pairs are left out")
    return result


def _mean(values: np.ndarray) -> float:
    """A mean as a float (0 for no values: no pair was left)."""
    return float(np.mean(values)) if len(values) else 0.0


def strongest(result: Exploration, outcome: str = Outcome.SUCCESS) -> list[tuple[str, str]]:
    """The (lever, move) pairs ordered by the size of their effect on `outcome`."""
    rows = [e for e in result.effects if e.outcome == outcome]
    return [(e.lever, e.move) for e in sorted(rows, key=lambda e: -abs(e.change))]


def format_exploration(result: Exploration) -> str:
    """A readable table: the base odds, then each lever's change in each outcome's chance."""
    lines = [f"{result.setting}: {result.reps} paired runs per lever move, seed {result.seed}",
             "base odds          " + "  ".join(
                 f"{k} {v['p']:.0%} [{v['low']:.0%}, {v['high']:.0%}]"
                 for k, v in result.baseline.items()),
             "",
             f"{'lever':<20} {'move':<5} {'value':<11} " + " ".join(
                 f"{outcome.value:>21}" for outcome in Outcome)]
    seen: set[tuple[str, str]] = set()
    for e in result.effects:
        if (e.lever, e.move) in seen:
            continue
        seen.add((e.lever, e.move))
        cells = []
        for outcome in Outcome:
            x = result.effect(e.lever, e.move, outcome)
            cells.append(f"{x.change:+6.0%} [{x.low:+5.0%},{x.high:+5.0%}]".rjust(21))
        lines.append(f"{e.lever:<20} {e.move:<5} {_shown(e):<11} " + " ".join(cells))
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines)


def _shown(effect: Effect) -> str:
    """The lever's mean value before -> after (a switch: its share of runs on)."""
    return f"{effect.value_before:.2f}>{effect.value_after:.2f}"

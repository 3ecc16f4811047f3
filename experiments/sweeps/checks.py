"""Checks of a sweep's run table before it is analysed: schema, vocabulary, ranges.

A run table is analysed only if it matches its declared schema: every column of
`civres.experiments.sweeps.tasks.run_schema()` with its type, outcomes from
`civres.model.vocabulary.Outcome`,
run, point and replication ids consistent with the design, every parameter inside its
declared range and every summary column inside `RANGES`. The sweep's config comes from
its files' seals (or, for unsealed files, its manifest). `completeness` says how much of
the design the table holds: an incomplete sweep is analysed, but said to be incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from civres.errors import AnalysisError
from civres.model import Params
from civres.model.vocabulary import PILLAR_NAMES, Outcome

from .designs import ConfigError, SweepConfig, design_points, parse_config
from .store import MANIFEST_FILE, Results, read_manifest, to_pandas
from .tasks import run_schema

#: Declared ranges of the summary columns (inclusive; None: unbounded). Every numeric
#: column of model.summary.RUN_COLUMNS has one (a test checks), so a new summary column
#: needs its range stated here before a table holding it can be analysed.
_SHARE = (0.0, 1.0)
RANGES: dict[str, tuple[float | None, float | None]] = {
    "decided_step": (0, None),
    "steps": (0, None),
    "peak_participation": _SHARE,
    "peak_participation_pct": (0.0, 100.0),
    "peak_violent_share": _SHARE,
    "peak_violent_fraction": _SHARE,
    "security_defected_share": _SHARE,
    **{f"pillar_{name}": _SHARE for name in PILLAR_NAMES},
    "regime_support": _SHARE,
    "final_legitimacy": _SHARE,
    "arrests": (0, None),
    "killings": (0, None),
    "fell_step": (0, None),
    "battle_deaths": (0, None),
    "duration": (0, None),
    "seed": (0, None),
    "wall_s": (0.0, None),
}


@dataclass(frozen=True)
class Completeness:
    """How much of a sweep's design is in its run table."""

    runs_done: int
    runs_planned: int
    points_done: int  # points with every replication done
    points_planned: int

    @property
    def complete(self) -> bool:
        """Whether every planned run is in."""
        return self.runs_done >= self.runs_planned

    def mark(self) -> str:
        """The figures' title mark ('' when complete)."""
        if self.complete:
            return ""
        return (f"INCOMPLETE: {self.points_done} of {self.points_planned} points "
                f"({self.runs_done} of {self.runs_planned} runs)")


def completeness(runs: pd.DataFrame, config: SweepConfig) -> Completeness:
    """Runs and design points done, of those the design plans."""
    points = len(design_points(config))
    per_point = runs.groupby("point_id").size()
    done = int((per_point >= config.replications).sum())
    return Completeness(len(runs), points * config.replications, done, points)


def sweep_config(result_dir: Path, results: Results, notes: list[str]) -> SweepConfig:
    """The sweep's config: from its files' seals (or, for unsealed files, the manifest)."""
    manifest = read_manifest(result_dir)
    if results.identity is not None:
        if manifest is not None and (
                manifest.get("experiment") not in (None, results.identity["experiment"])
                or manifest.get("config") != results.identity.get("config")):
            notes.append(f"{result_dir}/{MANIFEST_FILE} describes another experiment than "
                         "its run files; the run files' own config is used")
        raw, where = results.identity.get("config"), "the run files' seals"
    else:
        if results.runs is not None:
            notes.append(f"{result_dir}: its files carry no seal (written by an older "
                         "civres): they cannot be checked for damage or mixing")
        raw, where = (manifest or {}).get("config"), MANIFEST_FILE
        if raw is None:
            raise AnalysisError(f"{result_dir} is not a sweep result folder (no sealed runs "
                                "and no readable manifest.json with its config)")
    try:
        return parse_config(raw, allow_large=True)
    except ConfigError as err:
        raise AnalysisError(f"{result_dir}: the config in {where}: {err}") from None
    except (KeyError, TypeError, ValueError, AttributeError):
        raise AnalysisError(f"{result_dir}: the config in {where} is unreadable") from None


def check_run_table(results: Results, config: SweepConfig, notes: list[str]) -> None:
    """Check a run table against its declared schema, vocabulary and ranges.

    Raises:
        AnalysisError: naming the first problems (column, run, value, what is allowed).

    """
    table = results.runs
    assert table is not None
    problems: list[str] = []
    schema = run_schema()
    missing = [f.name for f in schema if f.name not in table.column_names]
    for f in schema:
        if f.name in table.column_names and not table.schema.field(f.name).type.equals(
                f.type) and not (pa.types.is_null(table.schema.field(f.name).type)
                                 and results.identity is None):
            problems.append(f"column {f.name} is {table.schema.field(f.name).type}, "
                            f"declared {f.type}")
    if missing:
        if results.identity is None and {"run_id", "point_id", "outcome", "error"} <= set(
                table.column_names):
            notes.append(f"{results.out_dir}: the run table lacks {', '.join(missing)} "
                         "(written by an older civres)")
        else:
            problems.append(f"the run table lacks declared columns {', '.join(missing)}")
    if not problems:
        problems += _value_problems(table, config)
    if problems:
        shown = "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)"
                                           if len(problems) > 3 else "")
        raise AnalysisError(f"{results.out_dir}: the run table breaks its declared schema: "
                            f"{shown}")


def _value_problems(table: pa.Table, config: SweepConfig) -> list[str]:
    """Values outside the vocabulary or the declared ranges, one phrase each."""
    runs = to_pandas(table)
    problems = []
    ids = runs["run_id"]

    def report(column: str, bad: pd.Series, allowed: str) -> None:
        if bad.any():
            where = bad[bad].index[0]
            value = runs[column][where]
            value = value.item() if isinstance(value, np.generic) else value
            problems.append(f"run {ids[where]}: {column} {value!r} is not {allowed}")

    outcome = runs["outcome"]
    report("outcome", outcome.notna() & ~outcome.isin(list(Outcome)),
           "one of " + ", ".join(Outcome))
    planned = len(design_points(config)) * config.replications
    report("run_id", (ids < 0) | (ids >= planned), f"in [0, {planned})")
    if not problems:
        reps = config.replications
        report("point_id", runs["point_id"] != ids // reps, "run_id // replications")
        report("rep", runs["rep"] != ids % reps, "run_id % replications")
    bounds = {row["name"]: tuple(row["range"]) for row in Params.describe()
              if row["type"] != "bool"}
    for column, (lo, hi) in {**bounds, **RANGES}.items():
        if column not in table.column_names:
            continue
        values = table[column]
        # NaN is no number in range; null is a run that raised (its error says why)
        bad = (pc.is_nan(values) if pa.types.is_floating(values.type)
               else pa.chunked_array([np.zeros(len(values), dtype=bool)]))
        if lo is not None:
            bad = pc.or_(bad, pc.less(values, lo))
        if hi is not None:
            bad = pc.or_(bad, pc.greater(values, hi))
        report(column, pd.Series(pc.fill_null(bad, False).to_numpy(zero_copy_only=False)),
               f"in [{lo}, {'inf' if hi is None else hi}]")
    return problems

"""The app's tab "Sweeps": a sweep's results, browsed, and any of its runs replayed.

Open a sweep's folder (those under results/sweeps are listed; any other can be typed):
the most likely outcome over any two of its varied parameters (`civres analyze`'s map),
filters on the other varied parameters, the table of the runs shown, and any one of them
opened in the step-by-step view with its parameters and seed. A run table holds every
parameter and the seed of each run, so the replay is that run, as long as the model's
code is the sweep's: the tab says when it is not (the manifest's model digest).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import solara

from civres.errors import CivresError
from civres.experiments.analysis.analyze import outcome_map
from civres.experiments.sweeps.designs import Design, SweepConfig, parse_config
from civres.experiments.sweeps.store import has_results, load_runs, read_manifest
from civres.experiments.sweeps.tasks import code_fingerprint
from civres.model import Params
from civres.paths import REPOSITORY

from .export import png_bytes

#: Where the tab looks for sweeps to list.
SWEEPS = REPOSITORY / "results" / "sweeps"
#: The run table's columns the tab shows besides the varied parameters.
SHOWN = ("run_id", "point_id", "rep", "seed", "outcome", "decided_step",
         "peak_participation_pct", "security_defected_share")
ALL = "all"


@dataclass(frozen=True)
class Sweep:
    """An opened sweep: its folder, config and runs, and whether this model code ran it."""

    folder: Path
    config: SweepConfig
    runs: pd.DataFrame
    same_code: bool

    @property
    def varied(self) -> list[str]:
        """The varied parameters, in the config's order."""
        return list(self.config.vary)


def sweep_folders(root: Path = SWEEPS) -> list[str]:
    """The sweeps found directly under `root`, by folder name."""
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and has_results(p))


def open_sweep(folder: str | Path) -> Sweep:
    """Read a sweep's folder.

    Raises:
        ValueError: the folder holds no sweep results (or no manifest with its config).
    """
    folder = Path(folder)
    if not folder.is_dir() or not has_results(folder):
        raise ValueError(f"{folder}: no sweep results there (runs.parquet or chunks)")
    manifest = read_manifest(folder)
    if manifest is None or "config" not in manifest:
        raise ValueError(f"{folder}: no manifest.json with the sweep's config")
    config = parse_config(manifest["config"], allow_large=True)
    code = manifest.get("code", {}).get("model_sha256")
    return Sweep(folder, config, load_runs(folder),
                 same_code=code == code_fingerprint()["model_sha256"])


def filter_values(sweep: Sweep, name: str) -> list[Any]:
    """The values a filter on a varied parameter offers: the grid's, or none (sampled)."""
    if sweep.config.design is not Design.GRID:
        return []
    return sorted(sweep.runs[name].unique().tolist())


def filtered(sweep: Sweep, filters: dict[str, Any]) -> pd.DataFrame:
    """The runs whose varied parameters equal the filters' values (ALL: any)."""
    runs = sweep.runs
    for name, value in filters.items():
        if value != ALL:
            runs = runs[runs[name] == value]
    return runs


def map_png(sweep: Sweep, runs: pd.DataFrame, x: str, y: str | None) -> bytes:
    """The outcome map of these runs over x (and y), as `civres analyze` draws it."""
    return png_bytes(lambda path: outcome_map(runs, sweep.config, x, y, path))


def run_of(row: pd.Series) -> tuple[Params, int]:
    """A run's parameters and seed from its row of the run table."""
    values = {name: row[name] for name in Params.field_names()}
    values = {name: Params.coerce(name, value) for name, value in values.items()}
    return Params(**values), int(row["seed"])


@solara.component
def SweepTab(open_run) -> None:
    """The tab; ``open_run(params, seed, label)`` shows a run in the step view."""
    found = solara.use_memo(sweep_folders, [])
    path = solara.use_reactive(str(SWEEPS / found[0]) if found else "")
    sweep = solara.use_reactive(None)
    error = solara.use_reactive(None)

    def load() -> None:
        try:
            sweep.set(open_sweep(path.value))
            error.set(None)
        except (ValueError, OSError, CivresError) as err:  # damaged files: ResultsError
            sweep.set(None)
            error.set(str(err))

    with solara.Row(style={"align-items": "center"}):
        if found:
            solara.Select("sweeps in results/sweeps", values=found,
                          value=Path(path.value).name if path.value else None,
                          on_value=lambda name: path.set(str(SWEEPS / name)))
        solara.InputText("sweep folder", value=path, continuous_update=False)
        solara.Button("Open", color="primary", on_click=load)
    if error.value:
        solara.Error(error.value, classes=["civres-sweep-error"])
    if sweep.value is not None:
        SweepView(sweep.value, open_run)


@solara.component
def SweepView(sweep: Sweep, open_run) -> None:
    """One opened sweep: axes, filters, the map, the runs, and a run to open."""
    import reacton.ipywidgets as rw

    varied = sweep.varied
    x = solara.use_reactive(varied[0])
    y = solara.use_reactive(varied[1] if len(varied) > 1 else None)
    filters = solara.use_reactive({})
    chosen = solara.use_reactive(0)
    config = sweep.config
    solara.Text(f"{config.name}: design {config.design.value}, {len(sweep.runs)} runs, "
                f"varied {', '.join(varied)}" + ("" if sweep.same_code else
                "; made by other model code: a replayed run may differ"),
                classes=["civres-sweep-summary"])
    with solara.Row():
        solara.Select("x", values=varied, value=x)
        solara.Select("y", values=[v for v in varied if v != x.value], value=y)
    others = [v for v in varied if v not in (x.value, y.value)]
    active = {name: filters.value.get(name, ALL) for name in others}
    with solara.Row():
        for name in others:
            values = filter_values(sweep, name)
            if values:
                solara.Select(name, values=[ALL, *values], value=active[name],
                              on_value=lambda v, n=name: filters.set({**filters.value, n: v}))
    runs = filtered(sweep, active)
    png = solara.use_memo(lambda: map_png(sweep, runs, x.value, y.value),
                          [x.value, y.value, tuple(sorted(active.items()))])
    rw.Image(value=png, format="png", _dom_classes=["civres-sweep-map"],
             layout={"max_width": "100%"})
    shown = [c for c in (*SHOWN[:3], *varied, *SHOWN[3:]) if c in runs.columns]
    table = runs[shown].reset_index(drop=True)
    if len(table):
        with solara.Row(style={"padding-top": "30px", "align-items": "center"}):
            solara.SliderInt("row", value=chosen, min=0, max=len(table) - 1,
                             thumb_label="always")
            solara.Button("Open this run step by step", color="primary",
                          disabled=not 0 <= chosen.value < len(table),
                          on_click=lambda: open_run(*run_of(runs.iloc[chosen.value]),
                                                    f"sweep {config.name}"))
    solara.DataFrame(table, items_per_page=10)

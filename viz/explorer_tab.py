"""The app's tab "Explorer": which choices of the movement or the regime change the odds.

The computation is `civres explore`'s (experiments/explore): for a catalogue case or a
preset, the base runs and, for each lever moved one way at a time, the same runs with the
same seeds; the change in each outcome's chance with its 95% (Newcombe) interval, drawn as
a tornado chart. The tab runs it in a worker thread and offers the table (CSV), the
results (JSON), the chart (PNG) and the command line that gives the same numbers.
"""

from __future__ import annotations

import json
import shlex
from html import escape

import solara
import solara.lab

from civres.experiments.explore.explore import Exploration, explore, format_exploration
from civres.experiments.explore.figure import tornado_figure
from civres.experiments.explore.levers import LEVERS, chosen_levers
from civres.experiments.explore.setting import Setting
from civres.experiments.history.cases import load_cases
from civres.experiments.history.posterior import DEFAULT_POSTERIOR, load_posterior
from civres.model.presets import PRESETS

from .export import png_bytes

#: Base runs per setting: the slider's start and range (each lever move adds as many).
REPS, REPS_RANGE = 50, (10, 500)
KINDS = ("case", "preset")


def explore_command(kind: str, name: str, reps: int, seed: int, levers: list[str]) -> str:
    """The `civres explore` command line that gives the same numbers."""
    words = ["civres", "explore", f"--{kind}", name, "--reps", str(reps), "--seed", str(seed)]
    if levers and sorted(levers) != sorted(LEVERS):
        words += ["--levers", ",".join(levers)]
    return shlex.join(words)


def run_exploration(kind: str, name: str, reps: int, seed: int, levers: list[str],
                    workers: int | None = None) -> Exploration:
    """Explore a case (coefficients from the committed posterior) or a preset (defaults).

    The same choices as `civres explore` makes by default, so the numbers are its own.
    """
    if kind == "case":
        case = next(c for c in load_cases() if c.id == name)
        setting, posterior = Setting(case=case), load_posterior(DEFAULT_POSTERIOR)
    else:
        setting, posterior = Setting(preset=name), None
    base = setting.runs(reps, seed, posterior)
    return explore(base, chosen_levers(levers or None), seed, workers, setting=setting.label)


def tornado_png(result: Exploration) -> bytes:
    """The tornado chart of an exploration, as PNG bytes."""
    return png_bytes(lambda path: tornado_figure(result, path))


@solara.component
def ExplorerTab() -> None:
    """The tab: a setting, the levers, Run; then the chart, the table and downloads."""
    cases = solara.use_memo(lambda: [c.id for c in load_cases()], [])
    kind = solara.use_reactive(KINDS[0])
    case_id = solara.use_reactive(cases[0])
    preset = solara.use_reactive(next(iter(PRESETS)))
    reps = solara.use_reactive(REPS)
    seed = solara.use_reactive(1)
    levers = solara.use_reactive(list(LEVERS))
    result = solara.use_reactive(None)
    name = case_id.value if kind.value == "case" else preset.value
    command = explore_command(kind.value, name, reps.value, seed.value, levers.value)

    def run() -> None:
        result.set(None)
        result.set(run_exploration(kind.value, name, reps.value, seed.value, levers.value))

    task = solara.lab.use_task(run, dependencies=None, prefer_threaded=True)
    with solara.Row(style={"padding-top": "30px", "align-items": "center"}):
        solara.ToggleButtonsSingle(value=kind, values=list(KINDS))
        if kind.value == "case":
            solara.Select("case", values=cases, value=case_id)
        else:
            solara.Select("preset", values=list(PRESETS), value=preset)
        solara.SliderInt("base runs", value=reps, min=REPS_RANGE[0], max=REPS_RANGE[1],
                         step=10, thumb_label="always")
        solara.InputInt("seed", value=seed)
    solara.SelectMultiple("levers (each moved alone)", values=levers.value,
                          all_values=list(LEVERS), on_value=levers.set)
    moves = sum(len(LEVERS[n].moves) for n in levers.value or LEVERS)
    with solara.Row(style={"align-items": "center"}):
        solara.Button("Explore", color="primary", on_click=task, disabled=task.pending)
        solara.Text(f"{reps.value * (1 + moves)} runs; the same numbers as: {command}",
                    classes=["civres-explore-command"])
    if task.pending:
        solara.ProgressLinear(True)
    if task.error:
        solara.Error(f"The exploration failed: {task.exception}")
    if result.value is not None:
        ExplorationResults(result.value, command)


@solara.component
def ExplorationResults(result: Exploration, command: str) -> None:
    """The chart, the table in words and the downloads of one exploration."""
    import reacton.ipywidgets as rw

    png = solara.use_memo(lambda: tornado_png(result), [result])
    stem = "civres-explore-" + result.setting.replace(" ", "-")
    with solara.Row(gap="8px", classes=["civres-explore-export"]):
        solara.FileDownload(lambda: result.table().to_csv(index=False), f"{stem}.csv",
                            label="Effects (CSV)", mime_type="text/csv")
        solara.FileDownload(lambda: json.dumps(result.to_dict(), indent=2) + "\n",
                            f"{stem}.json", label="Results (JSON)",
                            mime_type="application/json")
        solara.FileDownload(png, f"{stem}.png", label="Chart (PNG)", mime_type="image/png")
        solara.FileDownload(command + "\n", f"{stem}.sh", label="Command line",
                            mime_type="text/plain")
    rw.Image(value=png, format="png", _dom_classes=["civres-tornado"],
             layout={"max_width": "100%"})
    solara.HTML(tag="pre", unsafe_innerHTML=escape(format_exploration(result)),
                classes=["civres-explore-table"])

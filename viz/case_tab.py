"""The app's tab "Case": a catalogue case beside its history and the model's runs of it.

Pick a case (or drop a case file of your own): its coded conditions and what happened
(outcome, duration, peak, defections, sources). Simulate it many times in the background
(the batched engine, with progress and a Stop button): outcome shares with 95%
intervals, fans of participation and regime support with the observed peak and end,
time to outcome against the observed duration, and a table of the runs, any of which
opens in the step-by-step view.

The runs are `civres explore --case ID --reps N --seed S`'s baseline runs (the same
parameters and seeds; see experiments/explore/ensemble.py).
"""

from __future__ import annotations

import threading
from html import escape

import solara
import solara.lab

from civres.errors import CaseFileError
from civres.experiments.explore.ensemble import Ensemble, observed_facts, simulate
from civres.experiments.explore.setting import Setting
from civres.experiments.history.cases import Case, load_cases, parse_cases
from civres.experiments.history.posterior import DEFAULT_POSTERIOR, load_posterior

from . import case_drawing

#: Runs per simulation: the slider's start and range.
RUNS, RUNS_RANGE = 100, (10, 1000)


def load_case_file(name: str, data: bytes) -> dict[str, Case]:
    """The cases of a user's case file (the catalogue's schema), keyed for the case list.

    A case is listed as "<id> (<file name>)", so it never hides a catalogue case.

    Raises:
        CaseFileError: the file is not UTF-8 text or not a valid case file (one line per
            problem).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CaseFileError(name, [f"not UTF-8 text (byte {err.start}); save it as UTF-8"]
                            ) from None
    return {f"{case.id} ({name})": case for case in parse_cases(text, source=name)}


def case_facts_html(case: Case) -> str:
    """The case's coding and what happened, as an HTML table (sources included)."""
    facts = observed_facts(case)
    rows = [("period", f"{case.start_year}-{case.end_year}"), ("country", case.country),
            ("regime type", case.regime_type.value), ("goal", case.goal.value),
            ("tactics", case.tactics.value)]
    rows += [(name.replace("_", " "), getattr(case.conditions, name).value)
             for name in case.conditions.__dataclass_fields__]
    observed = [("outcome", facts["outcome"]), ("duration", f"{facts['years']:g} years"),
                ("peak participation", "not known" if facts["peak_participation_pct"] is None
                 else f"{facts['peak_participation_pct']:g}% of the population"),
                ("security defections", {True: "yes", False: "no", None: "not known"}[
                    facts["security_defections"]])]
    cell = 'style="padding:1px 8px;border-bottom:1px solid #eee;text-align:left"'

    def table(title: str, pairs: list[tuple[str, str]]) -> str:
        body = "".join(f"<tr><td {cell}>{escape(k)}</td><td {cell}><b>{escape(str(v))}</b>"
                       "</td></tr>" for k, v in pairs)
        return (f'<h4 style="margin:8px 0 2px">{title}</h4><table style="border-collapse:'
                f'collapse;font-size:13px">{body}</table>')

    sources = "".join(f"<li>{escape(s)}</li>" for s in facts["sources"])
    return (f'<div class="civres-case-facts">{table("Coded at the start", rows)}'
            f'{table("What happened", observed)}'
            f'<h4 style="margin:8px 0 2px">Sources</h4><ul style="font-size:12px">{sources}'
            "</ul></div>")


def shares_line(ensemble: Ensemble) -> str:
    """The outcome shares in words: 'success 62% (52-71%), ...'."""
    parts = [f"{name} {s['p']:.0%} ({s['low']:.0%}-{s['high']:.0%})"
             for name, s in ensemble.outcome_shares().items()]
    return f"{len(ensemble.runs)} runs: " + ", ".join(parts)


@solara.component
def CaseTab(open_run) -> None:
    """The tab; ``open_run(params, seed, label)`` shows a run in the step-by-step view."""
    catalogue = solara.use_memo(lambda: {case.id: case for case in load_cases()}, [])
    loaded = solara.use_reactive({})
    file_error = solara.use_reactive(None)
    cases = {**catalogue, **loaded.value}
    posterior = solara.use_memo(lambda: load_posterior(DEFAULT_POSTERIOR), [])
    case_id = solara.use_reactive(next(iter(cases)))
    runs = solara.use_reactive(RUNS)
    seed = solara.use_reactive(1)
    result = solara.use_reactive(None)
    progress = solara.use_reactive((0, 0))
    stop = solara.use_memo(threading.Event, [])
    case = cases[case_id.value]

    def add_file(info) -> None:
        try:
            found = load_case_file(info["name"], info["data"])
        except CaseFileError as err:
            file_error.set(str(err))
            return
        file_error.set(None)
        loaded.set({**loaded.value, **found})
        case_id.set(next(iter(found)))
        result.set(None)

    def run_simulation() -> Ensemble:
        stop.clear()
        plan = Setting(case=case).runs(runs.value, seed.value, posterior)
        ensemble = simulate(plan, seed.value, label=f"case {case.id}",
                            on_progress=lambda done, n: progress.set((done, n)),
                            stop=stop.is_set)
        result.set(ensemble)
        return ensemble

    task = solara.lab.use_task(run_simulation, dependencies=None, prefer_threaded=True)

    with solara.Columns([4, 8]):
        with solara.Column():
            solara.Select("case", values=list(cases), value=case_id,
                          on_value=lambda v: (case_id.set(v), result.set(None)))
            solara.FileDrop(label="Or drop a case file here (TOML, the catalogue's schema)",
                            on_file=add_file, lazy=False)
            if file_error.value:
                solara.Error(file_error.value, classes=["civres-case-file-error"])
            solara.Text(case.name, classes=["civres-case-name"])
            solara.HTML(tag="div", unsafe_innerHTML=case_facts_html(case))
        with solara.Column():
            with solara.Row(style={"padding-top": "30px"}):  # room for the value label
                solara.SliderInt("runs", value=runs, min=RUNS_RANGE[0], max=RUNS_RANGE[1],
                                 step=10, thumb_label="always")
                solara.InputInt("seed", value=seed)
                solara.Button("Simulate", color="primary", on_click=task,
                              disabled=task.pending)
                solara.Button("Stop", on_click=stop.set, disabled=not task.pending)
            done, asked = progress.value
            if task.pending:
                solara.ProgressLinear(100 * done / asked if asked else True)
                solara.Text(f"simulating: {done} of {asked} runs",
                            classes=["civres-case-progress"])
            ensemble = result.value
            if task.error:
                solara.Error(f"The simulation failed: {task.exception}")
            if ensemble is not None and ensemble.runs:
                CaseResults(ensemble, case, open_run)
            elif not task.pending:
                key = case_id.value
                source = "" if key in catalogue else f"--cases {key[key.index('(') + 1:-1]} "
                solara.Info("Press Simulate to run the model on this case (the same runs as "
                            f"`civres explore {source}--case {case.id} --reps {runs.value} "
                            f"--seed {seed.value}`).", dense=True,
                            classes=["civres-case-command"])


@solara.component
def CaseResults(ensemble: Ensemble, case: Case, open_run) -> None:
    """The runs' outcome shares, fans and durations, and the table to open a run from."""
    import reacton.ipywidgets as rw

    facts = observed_facts(case)
    note = "" if ensemble.complete else f" (stopped: {len(ensemble.runs)} of {ensemble.asked})"
    solara.Text(shares_line(ensemble) + note, classes=["civres-case-summary"])
    pictures = solara.use_memo(lambda: (
        case_drawing.shares_png(ensemble, facts["outcome"]),
        case_drawing.fan_png(ensemble, facts["peak_participation_pct"], facts["years"]),
        case_drawing.duration_png(ensemble, facts["years"])), [ensemble])
    for png, name in zip(pictures, ("shares", "fan", "durations"), strict=True):
        rw.Image(value=png, format="png", _dom_classes=["civres-case-chart", f"civres-case-{name}"],
                 layout={"max_width": "100%"})
    chosen = solara.use_reactive(0)
    table = ensemble.table()
    stem = f"civres-case-{case.id}-runs{ensemble.asked}-seed{ensemble.seed}"
    with solara.Row(gap="8px", classes=["civres-case-export"]):
        solara.FileDownload(lambda: table.to_csv(index=False), f"{stem}.csv",
                            label="Runs (CSV)", mime_type="text/csv")
        for png, name in zip(pictures, ("shares", "fan", "durations"), strict=True):
            solara.FileDownload(png, f"{stem}-{name}.png", label=f"{name.title()} (PNG)",
                                mime_type="image/png")
    with solara.Row(style={"padding-top": "30px"}):  # room for the slider's value label
        solara.SliderInt("run", value=chosen, min=0, max=len(ensemble.runs) - 1,
                         thumb_label="always")
        solara.Button("Open this run step by step", color="primary",
                      on_click=lambda: open_run(ensemble.runs[chosen.value].params,
                                                ensemble.runs[chosen.value].seed,
                                                f"case: {case.id}"),
                      disabled=not 0 <= chosen.value < len(ensemble.runs))
    solara.DataFrame(table, items_per_page=10)

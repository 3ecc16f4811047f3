"""The app's panels: each a function of the model that SolaraViz re-renders every step.

SolaraViz wraps a plain function ``panel(model)`` in a component that re-renders when
the model steps or is reset. Hooks used here (``use_memo``) belong to that wrapper, so
each browser session keeps its own charts.
"""

from __future__ import annotations

from html import escape

import reacton.ipywidgets as rw
import solara

from civres.model import Outcome, Params
from civres.model.summary import outcome_qualifier

from . import drawing, export

#: The banner's kind of alert for each outcome (its words are Outcome.description).
_OUTCOME_ALERT = {Outcome.SUCCESS: solara.Success, Outcome.VIOLENT: solara.Error,
                  Outcome.SUPPRESSED: solara.Warning, Outcome.STALLED: solara.Warning}


def outcome(model) -> tuple[str | None, int | None]:
    """Return the outcome and the step it was decided, (None, None) while open."""
    decision = model.outcome_decision()
    return decision.outcome, decision.step


def campaign_state(model) -> str:
    """One line on the campaign's goal, concessions, armed flank and war, as of now."""
    p, reg = model.params, model.regime_state
    last = model.trajectory().iloc[-1]
    goal = "reform (a policy)" if p.reform_goal else "maximalist (the regime's end)"
    granted = "granted" if reg.granted else "not granted"
    war = (f"war: the rebels hold {reg.war_share:.0%} of the fighting"
           if reg.war_share > 0 else "no war")
    return (f"Goal {goal}, demand {granted}; armed flank {last['violent_share']:.1%} of "
            f"citizens; {war}{'; outside powers intervened' if reg.intervened else ''}; "
            f"mean fatigue {last['fatigue']:.2f}; week {model.steps} "
            f"(year {model.steps / 52:.1f}).")


def OutcomeBanner(model):
    """Show a coloured banner with the outcome and its step once decided; else progress."""
    if getattr(model, "input_error", None):
        solara.Error(f"Some settings were not applied: {model.input_error}. Running the "
                     "preset's parameters instead.", dense=True, classes=["civres-input-error"])
    name, step = outcome(model)
    solara.Text(campaign_state(model), classes=["civres-campaign-state"])
    if name is None:
        last = model.trajectory().iloc[-1]
        solara.Info(
            f"Week {model.steps}: under way, not decided yet. Participation "
            f"{last['participation']:.0%}, regime support {last['regime_support']:.2f}.",
            dense=True, icon=False, classes=["civres-outcome", "civres-undecided"],
        )
        return
    qualified = outcome_qualifier(model.run_summary())
    _OUTCOME_ALERT[name](
        f"Outcome: {name.upper()}, decided at week {step}: {Outcome(name).description}"
        + (f" ({qualified})." if qualified else "."),
        dense=True, classes=["civres-outcome", f"civres-outcome-{name}"],
    )


def GridPanel(model):
    """Show the outcome banner, the grid as one image, and its legend."""
    with solara.Column(gap="4px"):
        solara.Style(".civres-grid { image-rendering: pixelated; }")
        OutcomeBanner(model)
        width, height = model.shape
        solara.Text(f"Grid {width}x{height}, step {model.steps}, seed {model.seed}, "
                    f"preset {model.preset_name} (Page 1: the parameters in use and what "
                    "they mean)", classes=["civres-grid-caption"])
        rw.Image(value=drawing.grid_png(model), format="png",
                 _dom_classes=["civres-grid"], layout={"max_width": "100%"})
        solara.HTML(tag="div", unsafe_innerHTML=drawing.legend_html())


def _chart_panel(make_chart, css_class: str):
    """Make a panel that draws one LineChart of the model's trajectory."""

    def panel(model):
        chart = solara.use_memo(make_chart, [])
        rw.Image(value=chart.png(model.trajectory()), format="png",
                 _dom_classes=["civres-chart", css_class], layout={"max_width": "100%"})

    panel.__name__ = make_chart.__name__.replace("_chart", "").title() + "Chart"
    return panel


ParticipationChart = _chart_panel(drawing.participation_chart, "civres-participation")
PillarChart = _chart_panel(drawing.pillar_chart, "civres-pillars")
RegimeChart = _chart_panel(drawing.regime_chart, "civres-regime")


def ExportLinks(model):
    """Downloads of the run shown: its trajectory, its figure, the command that redoes it.

    The data are built when a button is pressed (callables), not at every render.
    """
    stem = f"civres-seed{model.seed}-week{model.steps}"
    with solara.Row(gap="8px", classes=["civres-export"]):
        solara.FileDownload(lambda: export.trajectory_csv(model), f"{stem}.csv",
                            label="Trajectory (CSV)", mime_type="text/csv")
        solara.FileDownload(lambda: export.figure_png(model), f"{stem}.png",
                            label="Figure (PNG)", mime_type="image/png")
        solara.FileDownload(lambda: export.run_command(model) + "\n", f"{stem}.sh",
                            label="Command line", mime_type="text/plain")
    solara.Text(f"Redo this run: {export.run_command(model)}",
                classes=["civres-run-command"])


def ParametersPanel(model):
    """Show the exports, then the parameters in use with meaning, range and source.

    Plain HTML, not solara.Markdown: Markdown loads KaTeX scripts that solara-assets
    does not ship, which breaks the page offline.
    """
    ExportLinks(model)
    cell = 'style="padding:2px 8px;border-bottom:1px solid #ddd;text-align:left"'
    head = "".join(f"<th {cell}>{h}</th>"
                   for h in ("parameter", "value", "default", "range", "meaning", "source"))
    rows = []
    for row in Params.describe():
        value = getattr(model.params, row["name"])
        mark = " <b>(set)</b>" if row["name"] in model.overrides else ""
        lo, hi = row["range"]
        cells = (row["name"], f"{escape(str(value))}{mark}", row["default"], f"[{lo}, {hi}]",
                 row["meaning"], row["source"])
        rows.append("<tr>" + "".join(
            f"<td {cell}>{c if i == 1 else escape(str(c))}</td>" for i, c in enumerate(cells)
        ) + "</tr>")
    solara.HTML(tag="div", unsafe_innerHTML=(
        f"<p>Preset <b>{escape(model.preset_name)}</b>, seed <b>{model.seed}</b>. "
        "<b>(set)</b> marks values set by the preset or a moved control; a change takes "
        "effect on Reset.</p>"
        f'<table class="civres-parameters" style="border-collapse:collapse;font-size:13px">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    ))


#: The panels in SolaraViz's (component, page) form: page 0 the campaign, 1 parameters.
PANELS = [
    (GridPanel, 0),
    (ParticipationChart, 0),
    (PillarChart, 0),
    (RegimeChart, 0),
    (ParametersPanel, 1),
]


def _item(i: int, x: int, y: int, w: int, h: int) -> dict:
    return {"i": i, "x": x, "y": y, "w": w, "h": h, "moved": False}


#: Initial layout of each page, in SolaraViz's draggable grid (12 columns, rows of 30
#: px with 10 px gaps): the grid panel on the left, the three charts stacked beside it.
LAYOUTS = {
    4: [_item(0, 0, 0, 7, 18), _item(1, 7, 0, 5, 6), _item(2, 7, 6, 5, 6),
        _item(3, 7, 12, 5, 6)],
    1: [_item(0, 0, 0, 12, 40)],
}


def grid_layout(num_components: int, fallback) -> list[dict]:
    """Return the initial layout of a page with `num_components` panels."""
    return [dict(item) for item in LAYOUTS[num_components]] if num_components in LAYOUTS \
        else fallback(num_components)

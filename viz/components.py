"""The page's parts: outcome banner, campaign state, downloads, parameter table.

viz/page.py lays them out.

What is read from a running model is read by pure functions (:func:`banner`,
:func:`campaign_state`, :func:`campaign_caption`) that the page calls under its lock, so
a frame never mixes two steps; the components draw what they return.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import solara

from civres.model import Outcome, Params
from civres.model.summary import outcome_qualifier

from . import export

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


@dataclass(frozen=True)
class Banner:
    """What the banner says: the outcome (None while open), its text, an input error."""

    outcome: str | None
    text: str
    state: str
    input_error: str | None = None


def banner(model) -> Banner:
    """The banner of the model as it stands: the outcome and its week once decided."""
    state = campaign_state(model)
    error = getattr(model, "input_error", None)
    name, step = outcome(model)
    if name is None:
        last = model.trajectory().iloc[-1]
        return Banner(None, f"Week {model.steps}: under way, not decided yet. Participation "
                            f"{last['participation']:.0%}, regime support "
                            f"{last['regime_support']:.2f}.", state, error)
    qualified = outcome_qualifier(model.run_summary())
    return Banner(name, f"Outcome: {name.upper()}, decided at week {step}: "
                        f"{Outcome(name).description}"
                        + (f" ({qualified})." if qualified else "."), state, error)


def campaign_caption(model) -> str:
    """The line under the banner: grid, week, seed and preset."""
    width, height = model.shape
    return (f"Grid {width}x{height}, step {model.steps}, seed {model.seed}, preset "
            f"{model.preset_name} (the Parameters tab: the parameters in use and what they "
            "mean)")


@solara.component
def OutcomeBanner(shown: Banner) -> None:
    """A coloured banner with the outcome and its week once decided; else progress."""
    if shown.input_error:
        solara.Error(f"Some settings were not applied: {shown.input_error}. Running the "
                     "preset's parameters instead.", dense=True, classes=["civres-input-error"])
    solara.Text(shown.state, classes=["civres-campaign-state"])
    if shown.outcome is None:
        solara.Info(shown.text, dense=True, icon=False,
                    classes=["civres-outcome", "civres-undecided"])
        return
    _OUTCOME_ALERT[shown.outcome](shown.text, dense=True,
                                  classes=["civres-outcome", f"civres-outcome-{shown.outcome}"])


@solara.component
def ExportLinks(model, lock) -> None:
    """Downloads of the run shown: its trajectory, its figure, the command that redoes it.

    The data are built when a button is pressed (callables), not at every render, under
    the page's lock (Play may be stepping the model).
    """
    def under_lock(make):
        def build():
            with lock:
                return make(model)
        return build

    stem = f"civres-seed{model.seed}-week{model.steps}"
    with solara.Row(gap="8px", classes=["civres-export"]):
        solara.FileDownload(under_lock(export.trajectory_csv), f"{stem}.csv",
                            label="Trajectory (CSV)", mime_type="text/csv")
        solara.FileDownload(under_lock(export.figure_png), f"{stem}.png",
                            label="Figure (PNG)", mime_type="image/png")
        solara.FileDownload(lambda: export.run_command(model) + "\n", f"{stem}.sh",
                            label="Command line", mime_type="text/plain")
    solara.Text(f"Redo this run: {export.run_command(model)}",
                classes=["civres-run-command"])


@solara.component
def ParametersTable(model) -> None:
    """The parameters in use, each with its group, unit, meaning, range and source.

    Plain HTML, not solara.Markdown: Markdown loads KaTeX scripts that solara-assets
    does not ship, which breaks the page offline.
    """
    cell = 'style="padding:2px 8px;border-bottom:1px solid #ddd;text-align:left"'
    head = "".join(f"<th {cell}>{h}</th>"
                   for h in ("group", "parameter", "value", "unit", "default", "range",
                             "meaning", "source"))
    rows = []
    for row in Params.describe():
        value = getattr(model.params, row["name"])
        mark = " <b>(set)</b>" if row["name"] in model.overrides else ""
        lo, hi = row["range"]
        cells = (row["group"], row["name"], f"{escape(str(value))}{mark}", row["unit"],
                 row["default"], f"[{lo}, {hi}]", row["meaning"], row["source"])
        rows.append("<tr>" + "".join(  # the value cell (2) is already escaped, with its mark
            f"<td {cell}>{c if i == 2 else escape(str(c))}</td>" for i, c in enumerate(cells)
        ) + "</tr>")
    solara.HTML(tag="div", unsafe_innerHTML=(
        f"<p>Preset <b>{escape(model.preset_name)}</b>, seed <b>{model.seed}</b>. "
        "<b>(set)</b> marks values set by the preset or a changed control; a change takes "
        "effect on Reset.</p>"
        f'<table class="civres-parameters" style="border-collapse:collapse;font-size:13px">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    ))

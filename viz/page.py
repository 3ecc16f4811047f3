"""The app's page: a run you can step, play and reset, with controls you can read.

Why our own page and not Mesa's SolaraViz (which the app used until 2026-12): SolaraViz
names its tabs "Page 0", "Page 1"; lays its controls out in one flat column with no
unit or help; builds the sidebar's values from the defaults, so after a case is picked
the controls do not show what the run uses; and its Play renders every step, so on a
busy machine renders queue up (the step count stood still for 30 s, Pause did not stop
it, and one session ended in "Too many renders triggered"). The model is the same Mesa
model; only the page around it is ours.

Play runs in a worker thread (``solara.lab.use_task``). It steps the model under the
session's lock and asks for a new frame only when the last one has been drawn
(``Session.frame_drawn``), so a slow browser or a loaded machine skips frames instead of
queueing renders. Pause stops the loop before its next step. Every picture is drawn from
the model under the same lock, so a frame never shows a half-done step.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import solara
import solara.lab

from . import drawing
from .adapter import (
    DEFAULT_PRESET,
    DEFAULT_SEED,
    MAIN_PARAMETERS,
    AppModel,
    changed,
    control,
    preset_values,
)
from .case_tab import CaseTab
from .components import (
    Banner,
    ExportLinks,
    OutcomeBanner,
    ParametersTable,
    banner,
    campaign_caption,
)
from .explorer_tab import ExplorerTab
from .presets import available_presets
from .sweep_tab import SweepTab

TITLE = "Civil resistance: a campaign against a regime and its pillars of support"
#: Names of the page's tabs, in order.
TABS = ("Campaign", "Case", "Explorer", "Sweeps", "Parameters")
#: Play's interval between steps (ms): its slider's start, lowest and highest values.
PLAY_INTERVAL_MS, PLAY_INTERVAL_RANGE = 100, (20, 1000)


@dataclass
class Session:
    """What one browser session keeps besides its reactive state.

    lock: held while the model steps and while a frame is drawn from it.
    frame_drawn: set once the page has drawn the latest frame; Play asks for a new one
        only then.
    play_token: which Play loop may step. Play, Pause and Reset each count it up under
        the lock, and a loop steps only while the token is the one it started with, so
        Pause stops it before its next step and a quick Pause-Play never leaves two
        loops running. A plain number, not the reactive `playing`: a reactive set in an
        event handler reached the loop's thread late, and the loop stepped up to three
        more times in the browser after Pause.
    frames: how many frames were asked for (see new_frame).
    charts: this session's charts (each keeps its figure between frames).
    """

    lock: threading.RLock = field(default_factory=threading.RLock)
    frame_drawn: threading.Event = field(default_factory=threading.Event)
    play_token: int = 0
    frames: int = 0
    charts: dict[str, drawing.LineChart] = field(default_factory=lambda: {
        "participation": drawing.participation_chart(), "pillars": drawing.pillar_chart(),
        "regime": drawing.regime_chart()})

    def new_frame(self, frame: solara.Reactive) -> None:
        """Ask the page for a new frame: ``frame`` gets a number it never had before.

        Counting up ``frame.value`` instead lost frames: the Play loop and Pause, in two
        threads, both set it to the same next number, so the second set changed nothing
        and the page went on showing a week before the last.
        """
        with self.lock:
            self.frames += 1
            number = self.frames
        frame.set(number)

    def next_token(self) -> int:
        """Stop any Play loop (call under the lock); return the token for a new one."""
        self.play_token += 1
        return self.play_token


@dataclass(frozen=True)
class Frame:
    """The pictures and words of one moment of the run, drawn under the session's lock."""

    steps: int
    running: bool
    banner: Banner
    caption: str
    grid_png: bytes
    chart_pngs: dict[str, bytes]


def draw_frame(model: AppModel, session: Session) -> Frame:
    """Draw the grid and the charts of the model as it stands now."""
    with session.lock:
        trajectory = model.trajectory()
        return Frame(steps=model.steps, running=model.running, banner=banner(model),
                     caption=campaign_caption(model), grid_png=drawing.grid_png(model),
                     chart_pngs={name: chart.png(trajectory)
                                 for name, chart in session.charts.items()})


def play_loop(model: solara.Reactive, playing: solara.Reactive, frame: solara.Reactive,
              interval_ms: solara.Reactive, session: Session, token: int,
              clock=time.monotonic, sleep=time.sleep) -> int:
    """Step the model until Pause, Reset or the campaign's end; return the steps taken.

    Pause and Reset stop it by a new ``session.play_token``.

    A new frame is asked for (``frame`` counts up) only once the page has drawn the last
    one, so the steps go on at the chosen interval while a slow page skips frames.
    """
    steps = 0
    while True:
        started = clock()
        with session.lock:  # Pause takes the lock too: no step begins after it returns
            if session.play_token != token or not model.value.running:
                break
            model.value.step()
        steps += 1
        if session.frame_drawn.is_set():
            session.frame_drawn.clear()
            session.new_frame(frame)
        sleep(max(0.0, interval_ms.value / 1000 - (clock() - started)))
    if session.play_token == token:  # ended by the campaign, not by Pause or Reset
        playing.set(False)
    session.new_frame(frame)  # the last step is always shown
    return steps


@solara.component
def RunButtons(model: solara.Reactive, playing: solara.Reactive, frame: solara.Reactive,
               interval_ms: solara.Reactive, session: Session, reset, shown: Frame) -> None:
    """Reset, Play / Pause and Step, the interval between steps, and the week shown."""

    def step() -> None:
        with session.lock:
            model.value.step()
        session.new_frame(frame)

    def play_or_pause() -> None:
        if playing.value:
            with session.lock:  # waits for a step under way; the loop stops before the next
                session.next_token()
            session.new_frame(frame)  # show the last step (frames may have been skipped)
            playing.set(False)
        else:
            with session.lock:
                session.next_token()  # the loop that Play starts steps with this token
            playing.set(True)

    solara.lab.use_task(
        lambda: play_loop(model, playing, frame, interval_ms, session, session.play_token)
        if playing.value else 0, dependencies=[playing.value], prefer_threaded=True)
    running = shown.running
    with solara.Row(justify="space-between"):
        solara.Button("Reset", color="primary", on_click=reset)
        solara.Button("Pause" if playing.value else "Play", color="primary",
                      on_click=play_or_pause,
                      disabled=not running and not playing.value)
        solara.Button("Step", color="primary", on_click=step,
                      disabled=playing.value or not running)
    with solara.Column(style={"padding-top": "30px"}):  # room for the value above the slider
        solara.SliderInt("Play: ms between steps", value=interval_ms,
                         min=PLAY_INTERVAL_RANGE[0], max=PLAY_INTERVAL_RANGE[1], step=10,
                         thumb_label="always")
    solara.Text(f"Week {shown.steps}", classes=["civres-week"])


@solara.component
def ParameterControl(name: str, value: Any, preset_value: Any, on_value) -> None:
    """One parameter: its control (value always shown), unit, help, and a changed mark."""
    spec = control(name, value)
    kind = spec["type"]
    # A slider's value label stands above it: room for it (padding: Column has ma-0).
    with solara.Column(gap="0px", style={"padding-top": "4px" if kind == "Checkbox" else "36px"}):
        if kind == "Checkbox":
            solara.Checkbox(label=name, value=bool(value), on_value=on_value)
        else:
            slider = solara.SliderInt if kind == "SliderInt" else solara.SliderFloat
            slider(name, value=value, min=spec["min"], max=spec["max"], step=spec["step"],
                   on_value=on_value, thumb_label="always")
        if changed(name, value, preset_value):
            solara.Text(f"changed from the preset's {preset_value}", classes=["civres-changed"],
                        style={"color": "#b35900", "font-size": "12px"})
        solara.Text(f"{spec['unit']}. {spec['help']}", classes=["civres-help"],
                    style={"color": "#666", "font-size": "12px", "line-height": "1.3"})


@solara.component
def Controls(values: solara.Reactive, preset_name: str) -> None:
    """Every parameter's control, in one collapsible group per actor."""
    preset = solara.use_memo(lambda: preset_values(preset_name), [preset_name])
    groups: dict[str, list[str]] = {}
    for name in values.value:
        groups.setdefault(control(name)["group"], []).append(name)
    for group, names in groups.items():
        moved = sum(changed(n, values.value[n], preset[n]) for n in names)
        summary = f"{group} ({len(names)})" + (f", {moved} changed" if moved else "")
        with solara.Details(summary=summary, expand=group == "movement"):
            for name in names:
                ParameterControl(name, values.value[name], preset[name],
                                 lambda v, n=name: values.set({**values.value, n: v}))


@solara.component
def CampaignTab(picture: Frame) -> None:
    """The banner, the grid and the three charts of the frame."""
    import reacton.ipywidgets as rw

    with solara.Columns([7, 5]):
        with solara.Column(gap="4px"):
            solara.Style(".civres-grid { image-rendering: pixelated; }")
            OutcomeBanner(picture.banner)
            solara.Text(picture.caption, classes=["civres-grid-caption"])
            rw.Image(value=picture.grid_png, format="png", _dom_classes=["civres-grid"],
                     layout={"max_width": "100%"})
            solara.HTML(tag="div", unsafe_innerHTML=drawing.legend_html())
        with solara.Column(gap="4px"):
            for name, png in picture.chart_pngs.items():
                rw.Image(value=png, format="png", _dom_classes=["civres-chart", f"civres-{name}"],
                         layout={"max_width": "100%"})


@solara.component
def Page(on_render=None) -> None:
    """The whole page: app bar, sidebar (run buttons, preset, seed, controls), tabs.

    ``on_render``, when given, is called with the model after each render (for tests
    and embedding: the page keeps its model to itself otherwise).
    """
    session = solara.use_memo(Session, [])
    preset = solara.use_reactive(DEFAULT_PRESET)
    seed_text = solara.use_reactive(DEFAULT_SEED)
    values = solara.use_reactive(solara.use_memo(lambda: preset_values(DEFAULT_PRESET), []))
    model = solara.use_reactive(solara.use_memo(
        lambda: AppModel(DEFAULT_PRESET, DEFAULT_SEED, **values.value), []))
    playing = solara.use_reactive(False)
    frame = solara.use_reactive(0)
    interval_ms = solara.use_reactive(PLAY_INTERVAL_MS)
    tab = solara.use_reactive(0)

    def reset() -> None:
        with session.lock:
            session.next_token()
            model.set(AppModel(preset.value, seed_text.value, **values.value))
        playing.set(False)
        session.new_frame(frame)

    def open_run(params, seed: int, label: str) -> None:
        """Show a run made elsewhere (a case's, a sweep's) step by step.

        The run's exact parameters and seed; ``label`` names a preset where there is
        one ("case: <id>").
        """
        name = label if label in available_presets() else DEFAULT_PRESET
        preset.set(name)
        values.set({n: getattr(params, n) for n in MAIN_PARAMETERS})
        seed_text.set(str(seed))
        with session.lock:
            session.next_token()
            model.set(AppModel(name, str(seed), params=params))
        playing.set(False)
        session.new_frame(frame)
        tab.set(0)

    def pick_preset(name: str) -> None:
        preset.set(name)
        values.set(preset_values(name))  # the controls move to the preset's values

    # Drawn again only for a new frame or model, not when a control moves.
    picture = solara.use_memo(lambda: draw_frame(model.value, session),
                              [frame.value, model.value])

    def drawn() -> None:  # after every render: ready for the next frame
        session.frame_drawn.set()
        if on_render is not None:
            on_render(model.value)

    solara.use_effect(drawn)

    # Solara puts a page in its AppLayout, which takes the title and the sidebar from here.
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        with solara.Card("Run"):
            RunButtons(model, playing, frame, interval_ms, session, reset, picture)
        with solara.Card("Setting (applied on Reset)"):
            solara.Select("preset or case", values=list(available_presets()),
                          value=preset.value, on_value=pick_preset)
            solara.InputText("seed (empty: a random one)", value=seed_text)
            Controls(values, preset.value)
    with solara.lab.Tabs(value=tab, lazy=True):
        with solara.lab.Tab(TABS[0]):
            CampaignTab(picture)
        with solara.lab.Tab(TABS[1]):
            CaseTab(open_run)
        with solara.lab.Tab(TABS[2]):
            ExplorerTab()
        with solara.lab.Tab(TABS[3]):
            SweepTab(open_run)
        with solara.lab.Tab(TABS[4]):
            ExportLinks(model.value, session.lock)
            ParametersTable(model.value)

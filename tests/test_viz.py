"""The browser app without a browser: controls, adapter, drawing, the page and `civres app`.

Pages are rendered with solara.render; buttons are clicked and sliders moved on the
widgets themselves.
"""

from __future__ import annotations

import io
import time

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pytest
import solara
from PIL import Image

from civres.model import Params
from civres.model.vocabulary import CitizenState
from civres.viz import drawing, presets
from civres.viz.adapter import MAIN_PARAMETERS, AppModel, build_params, parse_seed, preset_values
from civres.viz.page import TABS, Page

#: A setting that decides quickly: low legitimacy on a small grid (success in ~40 steps).
QUICK = {"width": 20, "height": 20, "legitimacy": 0.3}


@pytest.fixture
def render_page():
    """Render the app's page; return (rc, seen).

    seen holds the model after each render, seen[-1] being the one the page shows now.
    Pages are closed at the end (a playing page stops with its session).
    """
    opened = []

    def render():
        seen = []
        _, rc = solara.render(solara.AppLayout(children=[Page(on_render=seen.append)]),
                          handle_error=False)
        opened.append(rc)
        return rc, seen

    yield render
    for rc in opened:
        rc.close()


def button_labels(rc):
    return [w.children for w in rc.find(v.Btn).widgets]


def slider(rc, label):
    return rc.find(v.Slider, label=label).widget


def set_controls(rc, values):
    """Move sliders and tick boxes as a user would (each sends its value to the page)."""
    for name, value in values.items():
        if isinstance(value, bool):
            rc.find(v.Checkbox, label=name).widget.v_model = value
        else:
            slider(rc, name).v_model = value


def week(rc) -> str:
    return " ".join(map(str, rc.find(v.Html, class_="civres-week").widget.children))


def wait_for(condition, timeout=60.0):
    """Wait until condition() holds (the Play thread steps on its own); fail after timeout."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def button(rc, label):
    return rc.find(v.Btn, children=[label]).widget


def texts(rc, widget_type=v.Alert, **matching):
    """The text of each widget of that type (its string children; nested widgets aside)."""
    return [" ".join(c for c in w.children if isinstance(c, str))
            for w in rc.find(widget_type, **matching).widgets]


def png_pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


# ---------------------------------------------------------------- controls from Params
def test_every_parameter_has_a_control_from_params():
    from civres.viz.adapter import control
    described = {row["name"]: row for row in Params.describe()}
    assert sorted(MAIN_PARAMETERS) == sorted(described)   # every parameter, once
    for name in MAIN_PARAMETERS:
        row, spec = described[name], control(name)
        assert spec["value"] == row["default"] and spec["label"] == name
        assert (spec["unit"], spec["help"], spec["group"]) == (row["unit"], row["meaning"],
                                                              row["group"])
        if row["type"] == "bool":
            assert spec["type"] == "Checkbox"
            continue
        assert spec["type"] == ("SliderInt" if row["type"] == "int" else "SliderFloat")
        lo, hi = row["range"]
        assert spec["min"] == lo and spec["max"] <= hi
        assert spec["min"] <= spec["value"] <= spec["max"]
        # The browser snaps a slider to its steps: the value must be a step.
        positions = (row["default"] - lo) / spec["step"]
        assert abs(positions - round(positions)) < 1e-6, name


def test_a_slider_standing_at_a_preset_s_value_has_that_value_as_a_step():
    from civres.viz.adapter import control
    for name, value in preset_values("case: india-1947").items():
        spec = control(name, value)
        if spec["type"] == "SliderFloat":
            positions = (value - spec["min"]) / spec["step"]
            assert abs(positions - round(positions)) < 1e-6, name


def test_preset_dropdown_lists_presets_and_registered_sources(render_page):
    from civres.model.presets import PRESETS

    def listed():
        rc, _ = render_page()
        return rc.find(v.Select, label="preset or case").widget.items

    assert listed() == list(presets.available_presets())
    assert set(PRESETS) <= set(listed())

    def extra():
        return {"test-case-1989": {"legitimacy": 0.25}}

    presets.register_preset_source(extra)
    try:
        assert "test-case-1989" in listed()
        params, _ = build_params("test-case-1989", {})
        assert params.legitimacy == 0.25
        presets.register_preset_source(lambda: {"test-case-1989": {}})
        with pytest.raises(ValueError, match="defined twice"):
            presets.available_presets()
    finally:
        presets._SOURCES.clear()


# ---------------------------------------------------------------- adapter
def test_app_model_builds_params_from_the_controls_values():
    from mesa.experimental.scenarios import Scenario

    values = preset_values("default")
    model = AppModel("default", "7", scenario=Scenario(),
                     **{**values, "legitimacy": 0.35, "width": 30})
    assert model.scenario.rng == 7 and isinstance(model.scenario, Scenario)
    assert model.params.legitimacy == 0.35 and model.shape == (30, Params().height)
    assert model.input_error is None
    assert set(model.overrides) == {"legitimacy", "width"}


def test_controls_at_the_preset_s_values_keep_it_and_changed_ones_override_it():
    epstein = presets.available_presets()["epstein"]
    values = preset_values("epstein")
    model = AppModel("epstein", **values)
    assert model.params == Params(**epstein) and model.overrides == epstein
    changed = AppModel("epstein", **{**values, "legitimacy": 0.33})
    assert changed.params.legitimacy == 0.33
    assert changed.params.fixed_legitimacy == model.params.fixed_legitimacy
    assert changed.overrides == {**epstein, "legitimacy": 0.33}
    # a control at the default where the preset sets another value is a change too
    assert epstein["fixed_legitimacy"] is True
    back = AppModel("epstein", **{**values, "fixed_legitimacy": False})
    assert back.params.fixed_legitimacy is False


def test_a_control_moved_by_float_noise_is_not_an_override():
    # within 1e-9 of the default is the browser's noise, absolute (not relative) tolerance
    _, overrides = build_params("default", {"legitimacy": 0.8 + 1e-12,
                                            "arrest_constant": 2.3 + 5e-10})
    assert overrides == {}
    _, overrides = build_params("default", {"arrest_constant": 2.3 + 2e-9})
    assert overrides == {"arrest_constant": 2.300000002}
    # an override keeps nine decimals: more than a slider's steps, less than its noise
    params, overrides = build_params("default", {"legitimacy": 0.1234567891})
    assert overrides == {"legitimacy": 0.123456789} and params.legitimacy == 0.123456789


def test_bad_controls_are_reported_not_raised():
    model = AppModel(width=10, height=10, seed="not a number")  # vision 7 > limit on 10x10
    assert "seed" in model.input_error and "vision" in model.input_error
    assert model.params == Params() and model.seed == 0
    model.step()  # still a working model


def test_seed_box():
    assert parse_seed(" 42 ") == 42
    assert isinstance(parse_seed(""), int)
    for bad in ("4.2", "-1", "seven"):
        with pytest.raises(ValueError, match="whole number >= 0"):
            parse_seed(bad)
    negative = AppModel(seed="-1", **QUICK)  # the page shows the error and runs seed 0
    assert negative.seed == 0 and "seed must be" in negative.input_error
    a, b = AppModel(seed="7", **QUICK), AppModel(seed="7", **QUICK)
    for _ in range(5):
        a.step(), b.step()
    assert np.array_equal(a.citizens.state, b.citizens.state)


# ---------------------------------------------------------------- drawing
def test_grid_image_colours_each_cell_by_what_is_in_it():
    model = AppModel(**QUICK, seed="3")
    c, s = model.citizens, model.security
    c.state[:3] = (CitizenState.PROTESTING, CitizenState.VIOLENT, CitizenState.JAILED)
    s.defected[0] = True
    rgb = drawing.grid_rgb(model)
    width, height = model.shape
    assert rgb.shape == (height, width, 3)

    def pixel(flat):
        x, y = divmod(int(flat), height)
        return tuple(rgb[height - 1 - y, x])  # x to the right, y up

    assert pixel(c.pos[0]) == drawing.COLOURS["protesting (nonviolent)"]
    assert pixel(c.pos[1]) == drawing.COLOURS["violent"]
    assert pixel(c.pos[2]) == drawing.COLOURS["jailed"]
    assert pixel(c.pos[3]) == drawing.COLOURS["quiet citizen"]
    assert pixel(s.pos[0]) == drawing.COLOURS["security, defected"]
    if len(s.pos) > 1:
        assert pixel(s.pos[1]) == drawing.COLOURS["security, loyal"]
    empty = np.setdiff1d(np.arange(width * height), np.concatenate([c.pos, s.pos]))
    assert pixel(empty[0]) == drawing.COLOURS["empty"]
    # The PNG is the same picture, each cell a block of whole pixels.
    png = png_pixels(drawing.grid_png(model, pixels=100))
    scale = 100 // max(width, height)
    assert np.array_equal(png[::scale, ::scale], rgb)
    for label in drawing.COLOURS:
        assert label in drawing.legend_html()


def test_charts_draw_the_trajectory():
    model = AppModel(**QUICK)
    chart = drawing.participation_chart()
    first = chart.png(model.trajectory())
    for _ in range(5):
        model.step()
    later = png_pixels(chart.png(model.trajectory()))
    assert later.shape == png_pixels(first).shape
    assert not np.array_equal(later, png_pixels(first))


# ---------------------------------------------------------------- the page
def test_page_builds_with_named_tabs_grouped_controls_and_banner(render_page):
    rc, seen = render_page()
    for label in ("Reset", "Play", "Step"):
        button(rc, label)
    assert [w.children for w in rc.find(v.Tab).widgets] == [["Campaign"], ["Case"],
                                                             ["Explorer"], ["Sweeps"],
                                                             ["Parameters"]]
    headers = [str(w.children[0]) for w in rc.find(v.ExpansionPanelHeader).widgets]
    assert headers == ["movement (10)", "citizens (13)", "security forces (9)", "regime (17)",
                       "mechanisms (9)", "run (6)"]
    classes = {cls for w in rc.find(widgets.Image).widgets for cls in w._dom_classes}
    assert {"civres-grid", "civres-participation", "civres-pillars", "civres-regime"} <= classes
    sliders = {w.label: w for w in rc.find(v.Slider).widgets}
    assert {"legitimacy", "width", "repression"} <= set(sliders)
    assert all(w.thumb_label == "always" for w in sliders.values())  # the value always shows
    helps = texts(rc, v.Html, class_="civres-help")
    assert "level (0-1). regime legitimacy at the start (L)" in helps
    assert "loyalty per week. loyalty lost per step when ordered to repress a large " \
           "nonviolent crowd" in helps
    assert any("not decided yet" in t for t in texts(rc))
    assert seen[-1].steps == 0 and week(rc) == "Week 0"


def test_step_advances_the_model_and_redraws(render_page):
    rc, seen = render_page()
    grid = rc.find(widgets.Image, _dom_classes=("civres-grid",)).widget
    chart = rc.find(widgets.Image, _dom_classes=("civres-chart", "civres-participation")).widget
    before = (grid.value, chart.value)
    for _ in range(3):
        button(rc, "Step").click()
    assert seen[-1].steps == 3 and week(rc) == "Week 3"
    assert grid.value != before[0] and chart.value != before[1]
    assert any("Week 3:" in t for t in texts(rc))


def test_picking_a_case_moves_the_controls_and_a_changed_control_is_marked(render_page):
    rc, seen = render_page()
    case = "case: india-1947"
    rc.find(v.Select, label="preset or case").widget.v_model = case
    expected = preset_values(case)
    assert expected["legitimacy"] != Params().legitimacy
    assert slider(rc, "legitimacy").v_model == expected["legitimacy"]
    assert rc.find(v.Checkbox, label="reform_goal").widget.v_model == expected["reform_goal"]
    assert not rc.find(v.Html, class_="civres-changed").widgets
    slider(rc, "legitimacy").v_model = 0.42
    marks = texts(rc, v.Html, class_="civres-changed")
    assert f"changed from the preset's {expected['legitimacy']}" in marks
    assert "citizens (13), 1 changed" in [str(w.children[0])
                                          for w in rc.find(v.ExpansionPanelHeader).widgets]
    button(rc, "Reset").click()
    model = seen[-1]
    assert model.preset_name == case and model.params.legitimacy == 0.42
    assert model.params == Params(**{**presets.available_presets()[case], "legitimacy": 0.42})


def test_parameter_change_applies_on_reset(render_page):
    rc, seen = render_page()
    first = seen[-1]
    set_controls(rc, {"legitimacy": 0.42, "width": 25})
    seed_box = rc.find(v.TextField, label="seed (empty: a random one)").widget
    seed_box.v_model = "11"
    seed_box.fire_event("focusout", None)  # the box applies its text when it loses focus
    assert seen[-1] is first  # nothing changes before Reset
    button(rc, "Reset").click()
    model = seen[-1]
    assert model is not first and model.steps == 0
    assert model.params.legitimacy == 0.42 and model.shape == (25, Params().height)
    assert model.seed == 11
    assert all(getattr(model.params, n) == getattr(Params(), n)
               for n in Params.field_names() if n not in ("legitimacy", "width"))


def test_outcome_banner_once_decided(render_page):
    rc, seen = render_page()
    set_controls(rc, QUICK)
    button(rc, "Reset").click()
    for _ in range(Params().max_steps):
        if button(rc, "Step").disabled:
            break
        button(rc, "Step").click()
    model = seen[-1]
    assert not model.running and button(rc, "Play").disabled
    name, decided = model.summary()["outcome"], model.summary()["decided_step"]
    assert model.steps == decided  # steps after the decision are not run
    banner = rc.find(v.Alert, class_=f"civres-outcome civres-outcome-{name}").widget
    text = " ".join(map(str, banner.children))
    assert f"Outcome: {name.upper()}, decided at week {decided}" in text


def test_play_advances_and_pause_stops(render_page):
    rc, seen = render_page()
    slider(rc, "Play: ms between steps").v_model = 20
    button(rc, "Play").click()
    assert button(rc, "Step").disabled and button(rc, "Pause")
    wait_for(lambda: seen[-1].steps >= 5)
    button(rc, "Pause").click()
    stopped = seen[-1].steps          # Pause returns once no step is under way
    wait_for(lambda: week(rc) == f"Week {stopped}" and ["Play"] in button_labels(rc))
    assert not button(rc, "Step").disabled
    time.sleep(0.3)  # a step after Pause would show by now
    assert seen[-1].steps == stopped and week(rc) == f"Week {stopped}"
    button(rc, "Step").click()
    assert seen[-1].steps == stopped + 1


class _Box:
    """A stand-in for solara.Reactive: a value and its set()."""

    def __init__(self, value):
        self.value = value

    def set(self, value):
        self.value = value


class _Campaign:
    """A model that runs for `length` steps."""

    def __init__(self, length):
        self.steps, self.length = 0, length

    @property
    def running(self):
        return self.steps < self.length

    def step(self):
        self.steps += 1


def test_play_skips_frames_while_the_last_is_not_drawn_and_keeps_its_interval():
    from civres.viz.page import Session, play_loop

    session, sleeps, now = Session(), [], [0.0]
    model, playing, frame, interval = _Box(_Campaign(6)), _Box(True), _Box(0), _Box(100)

    def clock():
        now[0] += 0.03  # each step takes 30 ms of the 100 asked for
        return now[0]

    session.frame_drawn.set()   # the first frame is drawn, then no more
    taken = play_loop(model, playing, frame, interval, session, session.play_token,
                      clock=clock, sleep=sleeps.append)
    assert taken == 6 and model.value.steps == 6
    assert frame.value == 2     # one frame asked for while playing, one at the end
    assert sleeps == pytest.approx([0.07] * 6)
    assert playing.value is False


def test_play_asks_for_a_frame_each_step_when_each_is_drawn_and_stops_when_paused():
    from civres.viz.page import Session, play_loop

    session = Session()
    model, playing, interval = _Box(_Campaign(100)), _Box(True), _Box(0)
    token = session.next_token()

    class Drawn(_Box):  # the page draws each frame at once; Pause comes at frame 4
        def set(self, value):
            super().set(value)
            session.frame_drawn.set()
            if value == 4:
                session.next_token()   # what Pause and Reset do

    frame = Drawn(0)
    session.frame_drawn.set()
    assert play_loop(model, playing, frame, interval, session, token,
                     sleep=lambda s: None) == 4
    assert model.value.steps == 4 and frame.value == 5
    assert playing.value is True   # Pause sets it itself; a stopped loop leaves it be


def test_a_loop_from_an_earlier_play_never_steps_beside_the_new_one():
    from civres.viz.page import Session, play_loop

    session = Session()
    model, playing, frame, interval = _Box(_Campaign(100)), _Box(True), _Box(0), _Box(0)
    old = session.next_token()
    session.next_token()   # Pause, then Play again, before the old loop woke up
    assert play_loop(model, playing, frame, interval, session, old,
                     sleep=lambda s: None) == 0
    assert model.value.steps == 0


def test_play_runs_a_campaign_to_its_decision_and_stops(render_page):
    rc, seen = render_page()
    set_controls(rc, QUICK)
    slider(rc, "Play: ms between steps").v_model = 20
    button(rc, "Reset").click()
    button(rc, "Play").click()
    wait_for(lambda: not seen[-1].running and ["Play"] in button_labels(rc))
    model = seen[-1]
    assert button(rc, "Play").disabled and button(rc, "Step").disabled
    assert model.steps == model.summary()["decided_step"] and week(rc) == f"Week {model.steps}"
    assert any("Outcome:" in t for t in texts(rc))


def test_the_banner_says_a_campaign_never_formed(render_page):
    # a legitimate regime (0.97): nobody takes part, and the horizon comes in 40 weeks
    rc, seen = render_page()
    set_controls(rc, {**QUICK, "legitimacy": 0.97, "max_steps": 40})
    button(rc, "Reset").click()
    for _ in range(40):
        button(rc, "Step").click()
    model = seen[-1]
    assert model.summary()["formed"] is False
    text = " ".join(texts(rc))
    name = model.summary()["outcome"]
    assert f"Outcome: {name.upper()}, decided at week 40: " in text
    assert ("(the campaign never formed (participation never rose above 1% of citizens))."
            in text)


def test_a_finished_campaign_does_not_step_on():
    model = AppModel(**{**QUICK, "max_steps": 5})
    for _ in range(8):
        model.step()
    assert model.steps == 5 and not model.running and len(model.trajectory()) == 6


def test_bad_setting_shows_an_error_instead_of_breaking(render_page):
    rc, seen = render_page()
    slider(rc, "width").v_model = 8  # too small for vision 7
    button(rc, "Reset").click()
    assert seen[-1].input_error
    assert any("not applied" in t and "vision" in t for t in texts(rc))


def test_parameters_tab_lists_every_parameter_in_use(render_page):
    rc, seen = render_page()
    slider(rc, "legitimacy").v_model = 0.45
    button(rc, "Reset").click()
    rc.find(v.Tabs).widget.v_model = TABS.index("Parameters")
    table = [w for w in rc.find(solara.widgets.HTML).widgets
             if "civres-parameters" in (w.unsafe_innerHTML or "")]
    assert len(table) == 1
    html = table[0].unsafe_innerHTML
    for row in Params.describe():
        assert f">{row['name']}<" in html
    assert "0.45 <b>(set)</b>" in html
    assert ">security forces<" in html and ">loyalty per week<" in html


# ---------------------------------------------------------------- civres app
def test_cli_app_checks_its_arguments(capsys):
    from civres.cli import main

    assert main(["app", "--port", "0"]) == 2
    assert "--port" in capsys.readouterr().err
    assert main(["app", "--port", "http"]) == 2
    assert main(["app", "--host", "no-such-host.invalid"]) == 2


def test_cli_app_refuses_a_busy_port(capsys):
    import socket

    from civres.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert main(["app", "--port", str(busy.getsockname()[1])]) == 2
    assert "cannot listen" in capsys.readouterr().err


def test_server_command_is_local_offline_and_production():
    from civres.viz import serve

    parser = __import__("civres.cli", fromlist=["build_parser"]).build_parser()
    args = parser.parse_args(["app"])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    command = serve.server_command(args.host, args.port)
    assert command[1:4] == ["-m", "civres.viz.serve", "run"] and command[4].endswith("viz/app.py")
    assert {"--production", "--no-open"} <= set(command)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    env = serve.server_env({})
    assert env["SOLARA_ASSETS_PROXY"] == "True"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    # solara-assets installed and ipyvue/ipyvuetify below 3 (see viz/README.md).
    assert serve.environment_problems() == []


def test_app_module_page_renders_with_a_model_per_session():
    from civres.viz import app

    first, second = (solara.render(solara.AppLayout(children=[app.Page()]),
                                   handle_error=False)[1] for _ in range(2))
    try:
        button(first, "Step").click()
        assert week(first) == "Week 1" and week(second) == "Week 0"
    finally:
        first.close(), second.close()


# ---------------------------------------------------------------------------- export


def test_the_exported_command_line_redoes_the_run(tmp_path):
    import json
    import shlex

    from civres.cli import main
    from civres.viz import export

    model = AppModel(preset="success", seed="5", width=20, height=20, max_steps=30,
                     discipline=0.8125)
    model.run()
    command = export.run_command(model)
    words = shlex.split(command)
    assert words[:4] == ["civres", "run", "--seed", "5"]
    assert "--param" in words and "discipline=0.8125" in words and "width=20" in words
    assert main([*words[1:], "--json", "--out", str(tmp_path)]) == 0
    redone = json.loads((tmp_path / "manifest.json").read_text())
    assert redone["params"] == model.params.to_dict() and redone["seed"] == 5
    assert redone["summary"] == json.loads(json.dumps(model.summary()))
    assert (tmp_path / "trajectory.csv").read_text() == export.trajectory_csv(model)


def test_the_defaults_need_no_param_and_the_figure_is_a_png():
    from civres.viz import export

    model = AppModel(preset="default", seed="2", max_steps=3)
    model.run()
    assert export.run_command(model) == "civres run --seed 2 --param max_steps=3"
    assert export.figure_png(model)[:8] == b"\x89PNG\r\n\x1a\n"
    assert export.trajectory_csv(model).splitlines()[0].startswith("step,")


def test_the_parameters_tab_offers_the_downloads(render_page):
    rc, _ = render_page()
    rc.find(v.Tabs).widget.v_model = TABS.index("Parameters")
    shown = " ".join(str(c) for b in rc.find(v.Btn) for c in b.widget.children)
    for label in ("Trajectory (CSV)", "Figure (PNG)", "Command line"):
        assert label in shown
    assert texts(rc, v.Html, class_="civres-run-command") == [
        "Redo this run: civres run --seed 0"]


@pytest.mark.parametrize("lo, hi, default, step", [
    (0, 1, 0.8, 0.01),            # about a hundred positions, the default one of them
    (0, 20, 2.3, 0.1),
    (0, 0.5, 0.02, 0.001),        # a span below 1
    (0.5, 1, 0.6, 0.001),         # the span is hi - lo
    (0, 1, 0.123456789, 1e-8),    # finer at most six times
    (0.5, 0.5, 0.5, 0.01),        # no span at all
    (0.0025, 1.0025, 0.1025, 0.01),  # positions counted from lo (0.1 above it), not 0
])
def test_slider_steps_by_hand(lo, hi, default, step):
    from civres.viz.adapter import slider_step
    assert slider_step(lo, hi, default) == pytest.approx(step, rel=1e-9)


def test_controls_read_their_type_range_label_unit_and_help_from_params():
    from civres.viz.adapter import control
    movement = {"label": "movement", "value": True, "unit": "on / off", "group": "run",
                "help": "agents relocate to a random free cell within vision"}
    assert control("movement") == {**movement, "type": "Checkbox"}
    width = control("width")
    assert {k: width[k] for k in ("type", "value", "min", "max", "step", "label", "unit")} \
        == {"type": "SliderInt", "value": 40, "min": 5, "max": 200, "step": 1,
            "label": "width", "unit": "cells"}
    assert control("max_steps")["max"] == 2000      # the app's limit, above the default 520
    assert control("max_steps", 3000)["max"] == 3000  # a preset beyond it widens it
    assert control("citizen_vision")["max"] == 50   # no app limit: Params' own
    assert control("max_jail_term")["max"] == 10000
    legitimacy = control("legitimacy", 0.575)
    assert {k: legitimacy[k] for k in ("type", "value", "min", "max", "step", "group")} \
        == {"type": "SliderFloat", "value": 0.575, "min": 0.0, "max": 1.0, "step": 0.001,
            "group": "citizens"}


def test_preset_and_parameter_errors_word_for_word():
    with pytest.raises(ValueError) as error:
        build_params("nope", {})
    assert str(error.value).startswith("unknown preset 'nope'; allowed: default, epstein, ")
    with pytest.raises(ValueError) as error:
        build_params("default", {"nonsense": 1})
    assert str(error.value) == "unknown parameter 'nonsense'"


def test_an_empty_seed_box_draws_a_seed_below_2_to_the_31():
    seeds = [parse_seed("") for _ in range(50)]
    assert all(0 <= s < 2**31 for s in seeds) and max(seeds) > 1000


def test_the_app_falls_back_to_the_preset_then_the_defaults_and_says_why():
    from mesa.experimental.scenarios import Scenario

    from civres.model.presets import preset as make_preset
    small = dict(width=20, height=20)
    model = AppModel(preset="success", seed="x", legitimacy=5.0, **small)
    assert model.params == make_preset("success")      # the preset alone
    assert model.input_error.count("; ") == 1
    assert model.input_error.startswith("seed must be a whole number >= 0 (got 'x'); ")
    assert "legitimacy" in model.input_error
    unknown = AppModel(preset="nope")
    assert unknown.params == Params() and unknown.overrides == {}
    with_scenario = AppModel(scenario=Scenario(density=0.3), **small)
    assert with_scenario.scenario.density == 0.3


def test_a_replayed_run_keeps_its_exact_parameters_and_says_where_it_differs():
    from civres.viz.adapter import replayed_overrides
    case = "case: india-1947"
    preset = presets.available_presets()[case]
    params = Params(**{**preset, "legitimacy": 0.123456789012, "width": 30})
    assert replayed_overrides(case, params) == {**preset, "legitimacy": 0.123456789012,
                                                "width": 30}
    assert replayed_overrides("default", Params()) == {}
    model = AppModel(case, "9", params=params)
    assert model.params == params and model.seed == 9 and model.input_error is None
    assert model.overrides == replayed_overrides(case, params)
    unknown = AppModel("nope", "9", params=params)   # an unknown preset: said, not raised
    assert "unknown preset 'nope'" in unknown.input_error

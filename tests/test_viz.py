"""The browser app without a browser: controls, adapter, drawing, panels and `civres app`.

Pages are rendered with solara.render; buttons are clicked and sliders moved on the
widgets themselves.
"""

from __future__ import annotations

import io

import ipyvuetify as v
import ipywidgets as widgets
import numpy as np
import pytest
import solara
from mesa.visualization import SolaraViz
from PIL import Image

from civres.model import Params
from civres.model.vocabulary import CitizenState
from civres.viz import drawing, presets
from civres.viz.adapter import MAIN_PARAMETERS, AppModel, build_params, model_params, parse_seed
from civres.viz.components import PANELS

#: A setting that decides quickly: low legitimacy on a small grid (success in ~40 steps).
QUICK = {"width": 20, "height": 20, "legitimacy": 0.3}


@pytest.fixture
def render_page():
    """Render the app's page (as viz/app.py builds it) around a model.

    Returns (rc, seen): seen holds each model a panel received, seen[-1] being the one
    the page shows now. Pages are closed at the end: outside a server they share
    SolaraViz's update counter, so an open page would re-render with every later Step.
    """
    opened = []

    def render(model):
        seen = []

        def spy(m):
            seen.append(m)

        page = SolaraViz(model, components=[*PANELS, (spy, 0)], model_params=model_params())
        _, rc = solara.render(solara.AppLayout(children=[page]), handle_error=False)
        opened.append(rc)
        return rc, seen

    yield render
    for rc in opened:
        rc.close()


def button(rc, label):
    return rc.find(v.Btn, children=[label]).widget


def texts(rc, widget_type=v.Alert):
    return [" ".join(map(str, w.children)) for w in rc.find(widget_type).widgets]


def png_pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


# ---------------------------------------------------------------- controls from Params
def test_controls_come_from_params():
    described = {row["name"]: row for row in Params.describe()}
    controls = model_params()
    assert set(MAIN_PARAMETERS) <= set(described), "a control names an unknown parameter"
    assert list(controls)[:2] == ["preset", "seed"]
    for name in MAIN_PARAMETERS:
        row, control = described[name], controls[name]
        assert control["value"] == row["default"]
        if row["type"] == "bool":
            assert control["type"] == "Checkbox"
            continue
        assert control["type"] == ("SliderInt" if row["type"] == "int" else "SliderFloat")
        lo, hi = row["range"]
        assert control["min"] == lo and control["max"] <= hi
        assert control["min"] <= control["value"] <= control["max"]
        # The browser snaps a slider to its steps: the default must be a step.
        positions = (row["default"] - lo) / control["step"]
        assert abs(positions - round(positions)) < 1e-6, name


def test_preset_dropdown_lists_presets_and_registered_sources():
    from civres.model.presets import PRESETS

    assert controls_values() == list(presets.available_presets())
    assert set(PRESETS) <= set(controls_values())

    def extra():
        return {"test-case-1989": {"legitimacy": 0.25}}

    presets.register_preset_source(extra)
    try:
        assert "test-case-1989" in controls_values()
        params, _ = build_params("test-case-1989", {})
        assert params.legitimacy == 0.25
        presets.register_preset_source(lambda: {"test-case-1989": {}})
        with pytest.raises(ValueError, match="defined twice"):
            presets.available_presets()
    finally:
        presets._SOURCES.clear()


def controls_values():
    return model_params()["preset"]["values"]


# ---------------------------------------------------------------- adapter
def test_app_model_builds_params_from_flat_controls():
    from mesa.experimental.scenarios import Scenario

    defaults = {name: control["value"] for name, control in model_params().items()}
    # Mesa's Reset passes a scenario without a seed: the model keeps it, seeded.
    model = AppModel(**{**defaults, "legitimacy": 0.35, "width": 30, "seed": "7"},
                     scenario=Scenario())
    assert model.scenario.rng == 7 and isinstance(model.scenario, Scenario)
    assert model.params.legitimacy == 0.35 and model.shape == (30, Params().height)
    assert model.input_error is None
    assert set(model.overrides) == {"legitimacy", "width"}


def test_preset_is_the_start_and_moved_controls_override_it():
    defaults = {name: control["value"] for name, control in model_params().items()}
    model = AppModel(**{**defaults, "preset": "epstein"})
    assert model.params == Params(**presets.available_presets()["epstein"])
    moved = AppModel(**{**defaults, "preset": "epstein", "legitimacy": 0.33})
    assert moved.params.legitimacy == 0.33
    assert moved.params.fixed_legitimacy == model.params.fixed_legitimacy


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
def test_page_builds_with_grid_charts_controls_and_banner(render_page):
    rc, seen = render_page(AppModel(**QUICK))
    for label in ("Step", "Reset"):
        button(rc, label)
    classes = {cls for w in rc.find(widgets.Image).widgets for cls in w._dom_classes}
    assert {"civres-grid", "civres-participation", "civres-pillars", "civres-regime"} <= classes
    labels = {w.label for w in rc.find(v.Slider).widgets}
    assert {"legitimacy", "width", "repression"} <= labels
    assert any("not decided yet" in t for t in texts(rc))
    assert seen[-1].steps == 0


def test_step_advances_the_model_and_redraws(render_page):
    rc, seen = render_page(AppModel(**QUICK))
    grid = rc.find(widgets.Image, _dom_classes=("civres-grid",)).widget
    chart = rc.find(widgets.Image, _dom_classes=("civres-chart", "civres-participation")).widget
    before = (grid.value, chart.value)
    for _ in range(3):
        button(rc, "Step").click()
    assert seen[-1].steps == 3
    rc.find(v.Html, children=["Time: 3.0"]).assert_single()
    assert grid.value != before[0] and chart.value != before[1]
    assert any("Week 3:" in t for t in texts(rc))


def test_parameter_change_applies_on_reset(render_page):
    rc, seen = render_page(AppModel())
    first = seen[-1]
    rc.find(v.Slider, label="legitimacy").widget.v_model = 0.42
    rc.find(v.Slider, label="width").widget.v_model = 25
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
    rc, seen = render_page(AppModel(**QUICK))
    rc.find(v.Slider, label="Render Interval (steps)").widget.v_model = 10  # 10 steps a click
    button(rc, "Step").click()
    assert seen[-1].steps == 10 and seen[-1].running
    assert not any("Outcome:" in t for t in texts(rc))
    for _ in range(Params().max_steps // 10):
        if button(rc, "Step").disabled:
            break
        button(rc, "Step").click()
    model = seen[-1]
    assert not model.running
    name, decided = model.summary()["outcome"], model.summary()["decided_step"]
    assert model.steps == decided  # steps after the decision are not run
    banner = rc.find(v.Alert, class_=f"civres-outcome civres-outcome-{name}").widget
    text = " ".join(map(str, banner.children))
    assert f"Outcome: {name.upper()}, decided at week {decided}" in text


def test_the_banner_says_a_campaign_never_formed(render_page):
    # a legitimate regime (0.97): nobody takes part, and the horizon comes in 40 weeks
    model = AppModel(**{**QUICK, "legitimacy": 0.97, "max_steps": 40})
    model.run()
    assert model.summary()["formed"] is False
    rc, _ = render_page(model)
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
    rc, seen = render_page(AppModel())
    rc.find(v.Slider, label="width").widget.v_model = 8  # too small for vision 7
    button(rc, "Reset").click()
    assert seen[-1].input_error
    assert any("not applied" in t and "vision" in t for t in texts(rc))


def test_parameters_page_lists_every_parameter_in_use(render_page):
    rc, seen = render_page(AppModel(legitimacy=0.45))
    rc.find(v.Tabs).widget.v_model = 1
    table = [w for w in rc.find(solara.widgets.HTML).widgets
             if "civres-parameters" in (w.unsafe_innerHTML or "")]
    assert len(table) == 1
    for row in Params.describe():
        assert f">{row['name']}<" in table[0].unsafe_innerHTML
    assert "0.45 <b>(set)</b>" in table[0].unsafe_innerHTML


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

    first, second = (solara.render(solara.AppLayout(children=[app.App()]),
                                   handle_error=False)[1] for _ in range(2))
    try:
        button(first, "Step").click()
        first.find(v.Html, children=["Time: 1.0"]).assert_single()
        second.find(v.Html, children=["Time: 0.0"]).assert_single()
    finally:
        first.close(), second.close()
    assert app.page is not None


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


def test_the_parameters_page_offers_the_downloads(render_page):
    rc, _ = render_page(AppModel(**QUICK))
    rc.find(v.Tabs).widget.v_model = 1  # the parameters page
    shown = " ".join(str(c) for b in rc.find(v.Btn) for c in b.widget.children)
    for label in ("Trajectory (CSV)", "Figure (PNG)", "Command line"):
        assert label in shown
    command = " ".join(texts(rc, widget_type=v.Html))
    assert "Redo this run: civres run --seed 0" in command


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


def test_controls_read_their_type_range_and_label_from_params():
    from civres.viz.adapter import control
    assert control("movement") == {"type": "Checkbox", "value": True, "label": "movement"}
    assert control("width") == {"type": "SliderInt", "value": 40, "min": 5, "max": 200,
                                "step": 1, "label": "width"}
    assert control("max_steps")["max"] == 2000      # the app's limit, above the default 520
    assert control("citizen_vision")["max"] == 50   # no app limit: Params' own
    assert control("max_jail_term")["max"] == 10000
    assert control("legitimacy") == {"type": "SliderFloat", "value": 0.8, "min": 0.0,
                                     "max": 1.0, "step": 0.01, "label": "legitimacy"}
    controls = model_params()
    assert controls["preset"]["value"] == "default"
    assert controls["preset"]["label"] == "preset (the controls you move override it)"


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

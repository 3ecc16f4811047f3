"""The app's tab "Explorer": `civres explore` in the page, with the same numbers."""

from __future__ import annotations

import json
import shlex

import ipyvuetify as v
import ipywidgets as widgets
from page_helpers import open_tab, rendered_page, wait_for

from civres.cli import main
from civres.viz.explorer_tab import explore_command, run_exploration, tornado_png

SMALL = dict(kind="preset", name="default", reps=10, seed=3, levers=["discipline"])


def test_the_command_line_names_the_setting_and_only_chosen_levers():
    assert explore_command("case", "serbia-2000", 100, 1, []) == \
        "civres explore --case serbia-2000 --reps 100 --seed 1"
    from civres.experiments.explore.levers import LEVERS
    assert explore_command("preset", "default", 20, 0, list(LEVERS)) == \
        "civres explore --preset default --reps 20 --seed 0"
    assert explore_command("preset", "default", 20, 0, ["goal", "breadth"]) == \
        "civres explore --preset default --reps 20 --seed 0 --levers goal,breadth"


def test_the_tab_s_numbers_are_civres_explore_s(tmp_path, capsys):
    result = run_exploration(**SMALL, workers=1)
    words = shlex.split(explore_command(**{k: SMALL[k] for k in SMALL}))
    assert main([*words[1:], "--workers", "1", "--json", "--no-progress",
                 "--out", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "explore.json").read_text())
    assert written["baseline"] == json.loads(json.dumps(result.to_dict()))["baseline"]
    assert written["effects"] == json.loads(json.dumps(result.to_dict()))["effects"]
    assert tornado_png(result)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_tab_explores_a_preset_and_shows_the_chart_and_the_command():
    with rendered_page() as rc:
        open_tab(rc, "Explorer")
        rc.find(v.BtnToggle).widget.v_model = 1          # "preset"
        rc.find(v.Slider, label="base runs").widget.v_model = 10
        rc.find(v.Select, label="levers (each moved alone)").widget.v_model = ["discipline"]
        command = rc.find(v.Html, class_="civres-explore-command").widget.children[0]
        assert command.endswith("civres explore --preset default --reps 10 --seed 1 "
                                "--levers discipline")
        assert command.startswith("30 runs;")               # base, discipline down and up
        rc.find(v.Btn, children=["Explore"]).widget.click()
        wait_for(lambda: bool(rc.find(widgets.Image, _dom_classes=("civres-tornado",)).widgets),
                 timeout=300)
        labels = " ".join(str(c) for b in rc.find(v.Btn) for c in b.widget.children)
        for label in ("Effects (CSV)", "Results (JSON)", "Chart (PNG)", "Command line"):
            assert label in labels

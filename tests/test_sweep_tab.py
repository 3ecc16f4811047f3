"""The app's tab "Sweeps": a sweep's folder browsed, and its runs replayed."""

from __future__ import annotations

import ipyvuetify as v
import ipywidgets as widgets
import pytest
from page_helpers import open_tab, rendered_page

from civres.cli import main
from civres.model import CivilResistanceModel
from civres.viz.page import TABS
from civres.viz.sweep_tab import ALL, filter_values, filtered, open_sweep, run_of

CONFIG = """
[sweep]
name = "tab"
master_seed = 7
replications = 2
design = "grid"
[fixed]
width = 20
height = 20
citizen_vision = 3
security_vision = 3
max_steps = 40
[vary]
legitimacy = [0.3, 0.8]
security_loyalty = [0.5, 0.9]
discipline = [0.2, 0.9]
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A small grid sweep of three parameters (16 runs), run with the command line."""
    root = tmp_path_factory.mktemp("sweep")
    (root / "tab.toml").write_text(CONFIG)
    assert main(["sweep", str(root / "tab.toml"), "--out", str(root / "out"),
                 "--workers", "1", "--no-progress"]) == 0
    return root / "out"


def test_a_sweep_opens_with_its_config_runs_and_code(folder):
    sweep = open_sweep(folder)
    assert sweep.varied == ["legitimacy", "security_loyalty", "discipline"]
    assert len(sweep.runs) == 16 and sweep.same_code
    assert filter_values(sweep, "discipline") == [0.2, 0.9]
    some = filtered(sweep, {"discipline": 0.9, "legitimacy": ALL})
    assert len(some) == 8 and set(some.discipline) == {0.9}


def test_a_run_of_the_table_replays_in_the_model(folder):
    sweep = open_sweep(folder)
    for _, row in sweep.runs.head(4).iterrows():
        params, seed = run_of(row)
        assert params.legitimacy == row.legitimacy and params.width == 20
        model = CivilResistanceModel(params, rng=seed)
        model.run()
        summary = model.run_summary()
        assert (summary.outcome.value, summary.decided_step) == (row.outcome,
                                                                  row.decided_step)


def test_a_folder_without_a_sweep_is_a_one_line_error(tmp_path):
    with pytest.raises(ValueError, match="no sweep results there"):
        open_sweep(tmp_path)


def open_folder(rc, folder) -> None:
    """Type a folder into the Sweeps tab and press Open."""
    open_tab(rc, "Sweeps")
    box = rc.find(v.TextField, label="sweep folder").widget
    box.v_model = str(folder)
    box.fire_event("focusout", None)   # the box applies its text when it loses focus
    rc.find(v.Btn, children=["Open"]).widget.click()


def test_the_tab_opens_a_sweep_filters_it_and_opens_a_run(folder):
    seen = []
    with rendered_page(seen.append) as rc:
        open_folder(rc, folder)
        summary = rc.find(v.Html, class_="civres-sweep-summary").widget.children[0]
        assert summary == "tab: design grid, 16 runs, varied legitimacy, security_loyalty, " \
                          "discipline"
        image = rc.find(widgets.Image, _dom_classes=("civres-sweep-map",)).widget
        before = image.value
        rc.find(v.Select, label="discipline").widget.v_model = 0.9   # a filter
        assert rc.find(widgets.Image, _dom_classes=("civres-sweep-map",)).widget.value \
            != before
        rc.find(v.Slider, label="row").widget.v_model = 3
        rc.find(v.Btn, children=["Open this run step by step"]).widget.click()
        row = filtered(open_sweep(folder), {"discipline": 0.9}).iloc[3]
        params, seed = run_of(row)
        model = seen[-1]
        assert model.seed == seed and model.params == params
        assert rc.find(v.Tabs).widget.v_model == TABS.index("Campaign")


def test_the_tab_shows_why_a_folder_cannot_be_opened(tmp_path):
    with rendered_page() as rc:
        open_folder(rc, tmp_path)
        shown = " ".join(map(str, rc.find(v.Alert, class_="civres-sweep-error").widget.children))
        assert shown == f"{tmp_path}: no sweep results there (runs.parquet or chunks)"

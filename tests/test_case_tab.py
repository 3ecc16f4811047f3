"""The app's tab "Case": a case's coding and history beside the model's runs of it."""

from __future__ import annotations

import ipyvuetify as v
import ipywidgets as widgets
import pytest
from page_helpers import open_tab, rendered_page, wait_for

from civres.experiments.explore.ensemble import simulate
from civres.experiments.explore.setting import Setting
from civres.experiments.history.cases import load_cases
from civres.experiments.history.posterior import DEFAULT_POSTERIOR, load_posterior
from civres.viz import case_drawing
from civres.viz.case_tab import case_facts_html, shares_line
from civres.viz.page import TABS

CASE = "serbia-2000"
RUNS = 20


def the_case():
    return next(c for c in load_cases() if c.id == CASE)



@pytest.fixture(scope="module")
def ensemble():
    """The runs the tab simulates for the case with 20 runs and seed 1."""
    runs = Setting(case=the_case()).runs(RUNS, 1, load_posterior(DEFAULT_POSTERIOR))
    return simulate(runs, 1, label=f"case {CASE}")


def test_the_facts_give_the_coding_what_happened_and_the_sources():
    case = the_case()
    html = case_facts_html(case)
    assert "Coded at the start" in html and "What happened" in html
    assert f"{case.start_year}-{case.end_year}" in html
    assert f"<b>{case.conditions.security_cohesion.value}</b>" in html
    assert "security cohesion" in html and "armed groups" in html
    assert "<b>success</b>" in html and "<b>yes</b>" in html  # outcome, defections
    assert f"{case.observed.peak_participation_pct:g}% of the population" in html
    for source in case.observed.sources:
        assert source.replace("&", "&amp;").replace("'", "&#x27;")[:30] in html


def test_the_pictures_are_pngs_and_mark_what_was_observed(ensemble):
    for png in (case_drawing.shares_png(ensemble, "success"),
                case_drawing.fan_png(ensemble, 5.0, 1.0),
                case_drawing.duration_png(ensemble, 1.0)):
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert case_drawing.fan_png(ensemble, 5.0, 1.0) != case_drawing.fan_png(ensemble, None, None)
    assert case_drawing.shares_png(ensemble, "success") != case_drawing.shares_png(ensemble,
                                                                                   None)
    assert case_drawing.duration_png(ensemble, 1.0) != case_drawing.duration_png(ensemble, None)


def test_the_tab_simulates_the_case_and_opens_a_run_in_the_step_view(ensemble):
    seen = []
    with rendered_page(seen.append) as rc:
        open_tab(rc, "Case")
        rc.find(v.Select, label="case").widget.v_model = CASE
        rc.find(v.Slider, label="runs").widget.v_model = RUNS
        rc.find(v.Btn, children=["Simulate"]).widget.click()
        wait_for(lambda: bool(rc.find(v.Html, class_="civres-case-summary").widgets))
        shares = rc.find(v.Html, class_="civres-case-summary").widget
        assert shares.children == [shares_line(ensemble)]
        classes = {c for w in rc.find(widgets.Image).widgets for c in w._dom_classes}
        assert {"civres-case-shares", "civres-case-fan", "civres-case-durations"} <= classes
        labels = " ".join(str(c) for b in rc.find(v.Btn) for c in b.widget.children)
        for label in ("Runs (CSV)", "Shares (PNG)", "Fan (PNG)", "Durations (PNG)"):
            assert label in labels
        rc.find(v.Slider, label="run").widget.v_model = 3
        rc.find(v.Btn, children=["Open this run step by step"]).widget.click()
        run = ensemble.runs[3]
        wait_for(lambda: seen[-1].seed == run.seed)
        model = seen[-1]
        assert rc.find(v.Tabs).widget.v_model == TABS.index("Campaign")
        assert model.params == run.params and model.preset_name == f"case: {CASE}"
        model.run()
        assert model.run_summary() == run.summary   # the run counted is the run shown


def test_a_case_file_gives_its_cases_and_a_bad_one_says_why_in_one_line():
    from civres.experiments.history.cases import default_catalogue_path
    from civres.viz.case_tab import load_case_file

    text = default_catalogue_path().read_text(encoding="utf-8")
    found = load_case_file("mine.toml", text.encode())
    assert found[f"{CASE} (mine.toml)"] == the_case()   # listed apart from the catalogue's
    with pytest.raises(ValueError, match="^mine.toml.*not UTF-8 text") as not_text:
        load_case_file("mine.toml", b"\xff\xfe")
    assert "\n" not in str(not_text.value)
    with pytest.raises(ValueError, match="^bad.toml"):
        load_case_file("bad.toml", b"[[case]]\nid = 'x'\n")


def test_before_simulate_the_tab_gives_the_command_with_the_same_runs():
    with rendered_page() as rc:
        open_tab(rc, "Case")
        rc.find(v.Select, label="case").widget.v_model = CASE
        text = " ".join(map(str, rc.find(v.Alert, class_="civres-case-command").widget.children))
        assert f"`civres explore --case {CASE} --reps 100 --seed 1`" in text

"""The figures `civres facts` and `civres compare` save, read back from their artists.

Each figure must show what its numbers say: bar heights and widths, the published marks,
the observed outcome of each case, axis limits, labels and titles. The figures are caught
before they are written (save_figure swapped), then also written once to check the file.
"""

from __future__ import annotations

import matplotlib.colors as mcolors
import pytest

from civres.experiments.analysis import figures
from civres.experiments.history.cases import load_cases
from civres.experiments.history.compare import compare_cases, comparison_figure
from civres.experiments.history.facts import (
    PUBLISHED,
    facts,
    facts_figure,
    run_facts,
)
from civres.model import Outcome

SMALL = dict(width=20, height=20, citizen_vision=5, security_vision=5, max_steps=60)


@pytest.fixture
def caught(monkeypatch, tmp_path):
    """Swap save_figure: keep each figure, and still write it (to tmp_path)."""
    kept = []
    write = figures.save_figure

    def keep(fig, path, dpi=110):
        kept.append(fig)
        return write(fig, path, dpi=dpi)

    monkeypatch.setattr(figures, "save_figure", keep)
    return kept


def heights(ax):
    return [bar.get_height() for bar in ax.patches]


def test_the_facts_figure_shows_each_rate_and_the_published_marks(caught, tmp_path):
    result = facts(run_facts(24, seed=2, workers=1, **SMALL))
    path = facts_figure(result, tmp_path / "figures" / "facts.png")
    assert path == tmp_path / "figures" / "facts.png" and path.stat().st_size > 0
    fig, = caught
    left, right = fig.axes
    rates = [result.nonviolent_success, result.violent_success,
             result.success_with_defection, result.success_without_defection,
             result.success_low_learning, result.success_high_learning]
    assert heights(left) == pytest.approx([r or 0.0 for r in rates])
    assert [t.get_text() for t in left.get_xticklabels()] == [
        "nonviolent", "violent", "defections", "no defections", "low learning",
        "high learning"]
    marks = left.collections[0]  # the published rates, over the first two bars
    assert marks.get_offsets().tolist() == [
        [0, PUBLISHED["nonviolent_success"]], [1, PUBLISHED["violent_success"]]]
    assert marks.get_label() == "Chenoweth & Stephan 2011"
    assert [t.get_text() for t in left.get_legend().get_texts()] == [marks.get_label()]
    assert left.get_ylim() == (0, 1) and right.get_ylim() == (0, 1)
    assert left.get_ylabel() == "share of campaigns that succeeded"
    bins = result.success_by_participation
    assert heights(right) == pytest.approx([v or 0.0 for v in bins.values()])
    assert [t.get_text() for t in right.get_xticklabels()] == [
        ">=0%", ">=0.01%", ">=0.1%", ">=1%", ">=3.5%"]
    assert right.get_xlabel() == "peak participation, % of population"
    assert right.get_title() == "success by peak participation (3.5% rule)"
    assert fig.get_suptitle() == (
        f"Model aggregate facts over {result.n_runs} sampled campaigns")
    # the bars' colours tell the groups apart: nonviolent green, violent red, ...
    assert [mcolors.to_hex(bar.get_facecolor()) for bar in left.patches] == [
        mcolors.to_hex(c) for c in ("tab:green", "tab:red", "tab:purple", "tab:gray",
                                    "tab:blue", "tab:orange")]
    assert {mcolors.to_hex(bar.get_facecolor()) for bar in right.patches} == {
        mcolors.to_hex("tab:green")}


def test_the_facts_figure_is_laid_out_to_be_read(caught, tmp_path):
    # Its looks by hand: two panels side by side on a 10 x 4 inch page, the published
    # marks black dashes above the bars, the long labels turned, small legend and title.
    facts_figure(facts(run_facts(6, seed=2, workers=1, **SMALL)), tmp_path / "facts.png")
    fig, = caught
    left, right = fig.axes
    assert fig.get_size_inches().tolist() == pytest.approx([10, 4])
    a, b = left.get_position(), right.get_position()
    assert a.x1 < b.x0 and a.y0 == pytest.approx(b.y0) and a.y1 == pytest.approx(b.y1)
    marks = left.collections[0]
    assert mcolors.to_hex(marks.get_facecolor()[0]) == "#000000"
    assert marks.get_sizes().tolist() == [600] and marks.get_zorder() == 3
    dash = marks.get_paths()[0].vertices
    assert dash[:, 1] == pytest.approx([0, 0]) and abs(dash[0, 0] - dash[1, 0]) == 1  # "_"
    assert [t.get_rotation() for t in left.get_xticklabels()] == [30] * 6
    assert [t.get_rotation() for t in right.get_xticklabels()] == [0] * 5
    assert {t.get_rotation() for t in left.get_yticklabels()} == {0}  # only x is turned
    assert [t.get_fontsize() for t in left.get_legend().get_texts()] == [8]
    assert right.title.get_fontsize() == 10


def test_the_comparison_figure_stacks_each_cases_outcomes_and_marks_what_happened(
        caught, tmp_path):
    by_id = {case.id: case for case in load_cases()}
    cases = [by_id[i] for i in ("serbia-2000", "iran-1979", "lebanon-2005")]
    result = compare_cases(cases, 3, 5, 1, **SMALL)
    path = comparison_figure(result, tmp_path / "comparison.png")
    assert path.stat().st_size > 0
    fig, = caught
    ax, = fig.axes
    outcomes = list(Outcome)
    bars = ax.patches
    assert len(bars) == len(cases) * len(outcomes)
    for i, row in enumerate(result.cases):
        mine = bars[i * len(outcomes):(i + 1) * len(outcomes)]
        left = 0.0
        for bar, outcome in zip(mine, outcomes, strict=True):
            assert bar.get_y() + bar.get_height() / 2 == pytest.approx(i)  # row i
            assert bar.get_x() == pytest.approx(left)
            assert bar.get_width() == pytest.approx(row.distribution[outcome])
            assert mcolors.to_hex(bar.get_facecolor()) == mcolors.to_hex(outcome.colour)
            left += row.distribution[outcome]
        mark = ax.lines[i]  # the observed outcome, a square right of the bar
        assert mark.get_xydata().tolist() == [[1.03, i]] and mark.get_marker() == "s"
        assert mcolors.to_hex(mark.get_color()) == mcolors.to_hex(row.observed.colour)
        assert mark.get_clip_on() is False  # drawn outside the axes
    assert [t.get_text() for t in ax.get_yticklabels()] == [r.id for r in result.cases]
    assert ax.yaxis_inverted()  # the first case on top, as in the table
    assert ax.get_xlim() == (0, 1)
    assert ax.get_xlabel() == (
        "simulated outcome distribution (square at right: observed outcome)")
    s = result.summary
    assert ax.get_title() == (f"Catalogue: accuracy {s['accuracy']:.2f}, Brier "
                              f"{s['brier']:.3f} (base rates {s['brier_baseline']:.3f})")
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [str(o) for o in outcomes]
    assert fig.get_size_inches().tolist() == pytest.approx([8, 0.28 * 3 + 1.5])


def test_the_comparison_figure_is_laid_out_to_be_read(caught, tmp_path):
    # Its looks by hand: small case names, a smaller title, the legend of the four
    # outcomes in one row above the axes; one case is enough for a legend.
    case = next(c for c in load_cases() if c.id == "serbia-2000")
    comparison_figure(compare_cases([case], 2, 5, 1, **SMALL), tmp_path / "one.png")
    fig, = caught
    ax, = fig.axes
    assert [t.get_fontsize() for t in ax.get_yticklabels()] == [7]
    assert ax.title.get_fontsize() == 10
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [str(o) for o in Outcome]
    assert [t.get_fontsize() for t in legend.get_texts()] == [8] * 4
    assert legend._ncols == 4 and legend._loc == 8  # "lower center", at the anchor
    anchor = legend.get_bbox_to_anchor()
    fig.canvas.draw()
    x, y = ax.transAxes.inverted().transform((anchor.x0, anchor.y0))
    assert (x, y) == pytest.approx((0.5, 1.04))

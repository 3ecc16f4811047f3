"""The app's pictures, by hand: the grid image and the live charts' axes, layout and PNGs.

test_viz.py checks that the page shows them; these tests say what they look like: each
cell a block of whole pixels on grids of any shape, axes that grow in doubling steps, a
legend beside the axes and inside the figure, the static background drawn once per set
of limits, and PNGs encoded fast (zlib level 1) in RGB.
"""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from civres.experiments.analysis import panels
from civres.model.vocabulary import CitizenState
from civres.viz import drawing

CHARTS = [(drawing.participation_chart, panels.PARTICIPATION),
          (drawing.pillar_chart, panels.PILLARS),
          (drawing.regime_chart, panels.REGIME)]


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def zlib_level(png: bytes) -> int:
    """The FLEVEL bits of the first IDAT's zlib header: 0 is levels 0-1 (the fastest)."""
    start = png.index(b"IDAT") + 4
    return png[start + 1] >> 6


def trajectory(panel: panels.Panel, last: int, peak: float) -> pd.DataFrame:
    """Steps 0..last (none if last < 0), every series rising linearly to `peak`."""
    steps = np.arange(last + 1)
    ramp = steps / max(last, 1) * peak
    return pd.DataFrame({"step": steps, **{column: ramp for column, _ in panel.series}})


def fake_model(width: int, height: int, citizens: list[tuple[int, CitizenState]],
               security: list[tuple[int, bool]]):
    """What grid_rgb reads of a model: its shape, citizens' cells and states, officers'."""
    return SimpleNamespace(
        shape=(width, height),
        citizens=SimpleNamespace(pos=np.array([p for p, _ in citizens], dtype=np.int64),
                                 state=np.array([s for _, s in citizens], dtype=np.int8)),
        security=SimpleNamespace(pos=np.array([p for p, _ in security], dtype=np.int64),
                                 defected=np.array([d for _, d in security], dtype=bool)))


# ---------------------------------------------------------------- the grid
def test_a_two_by_one_grid_is_drawn_x_right_and_scaled_by_its_longest_side():
    # width 2, height 1: cell x=0 holds a protester, x=1 a defected officer
    model = fake_model(2, 1, [(0, CitizenState.PROTESTING)], [(1, True)])
    rgb = drawing.grid_rgb(model)
    assert rgb.shape == (1, 2, 3) and rgb.dtype == np.uint8
    assert tuple(rgb[0, 0]) == drawing.COLOURS["protesting (nonviolent)"]
    assert tuple(rgb[0, 1]) == drawing.COLOURS["security, defected"]
    image = decoded(drawing.grid_png(model, pixels=12))  # 12 // 2: blocks of 6 pixels
    assert image.mode == "RGB" and image.size == (12, 6)
    expected = np.repeat(np.repeat(rgb, 6, axis=0), 6, axis=1)
    assert np.array_equal(np.asarray(image), expected)


@pytest.mark.parametrize("pixels, scale", [(110, 5), (40, 2), (39, 1), (10, 1)])
def test_grid_cells_are_blocks_of_whole_pixels_never_below_one(pixels, scale):
    # a 20 x 20 grid: 110 pixels give blocks of 5 (not 5.5), 40 of 2, fewer than 40 of 1
    model = fake_model(20, 20, [(0, CitizenState.QUIET), (399, CitizenState.JAILED)],
                       [(21, False)])
    image = decoded(drawing.grid_png(model, pixels=pixels))
    assert image.size == (20 * scale, 20 * scale)
    rgb = drawing.grid_rgb(model)
    assert np.array_equal(np.asarray(image)[::scale, ::scale], rgb)
    assert tuple(rgb[19, 0]) == drawing.COLOURS["quiet citizen"]  # cell 0: x 0, y 0
    assert tuple(rgb[0, 19]) == drawing.COLOURS["jailed"]  # the last cell: x 19, y 19
    assert tuple(rgb[18, 1]) == drawing.COLOURS["security, loyal"]  # cell 21: x 1, y 1


def test_a_dead_citizen_leaves_no_mark():
    model = fake_model(3, 2, [(-1, CitizenState.PROTESTING), (5, CitizenState.VIOLENT)], [])
    rgb = drawing.grid_rgb(model)
    colours = {tuple(int(c) for c in px) for px in rgb.reshape(-1, 3)}
    assert colours == {drawing.COLOURS["empty"], drawing.COLOURS["violent"]}
    assert tuple(rgb[0, 2]) == drawing.COLOURS["violent"]  # cell 5: x 2, y 1 (the top row)


def test_pictures_are_encoded_fast():
    model = fake_model(4, 4, [(0, CitizenState.QUIET)], [])
    assert zlib_level(drawing.grid_png(model, pixels=40)) == 0
    chart = drawing.participation_chart()
    assert zlib_level(chart.png(trajectory(panels.PARTICIPATION, 10, 0.2))) == 0


def test_the_legend_reads_the_colours_in_order():
    html = drawing.legend_html()
    text = re.sub(r"<[^>]+>", "|", html)
    labels = [part.strip() for part in text.split("|") if part.strip()]
    assert labels == list(drawing.COLOURS)
    for colour in drawing.COLOURS.values():
        assert f"background:rgb{colour}" in html


# ---------------------------------------------------------------- the charts
@pytest.mark.parametrize("make, panel", CHARTS)
def test_a_chart_reads_as_its_panel_says(make, panel):
    chart = make()
    axes = chart.axes
    assert axes.get_title() == panel.title and axes.title.get_fontsize() == 11
    assert axes.get_xlabel() == "week" and axes.get_ylabel() == panel.ylabel
    gridline = axes.xaxis.get_gridlines()[0]
    assert gridline.get_visible() and gridline.get_alpha() == 0.3
    assert [line.get_label() for line in chart.lines] == [label for _, label in panel.series]
    for line, (column, _) in zip(chart.lines, panel.series, strict=True):
        style = panels.line_style(column)
        assert line.get_animated()  # drawn over the background, not into it
        assert line.get_linewidth() == style["lw"]
        if "color" in style:
            assert line.get_color() == style["color"]
        assert line.get_linestyle() == style.get("ls", "-")
    legend = axes.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [label for _, label in panel.series]
    assert legend.get_texts()[0].get_fontsize() == 8 and not legend.get_frame_on()


@pytest.mark.parametrize("make, panel", CHARTS)
def test_a_chart_is_416_by_216_pixels_with_its_legend_beside_the_axes(make, panel):
    chart = make()
    image = decoded(chart.png(trajectory(panel, 30, 0.5)))
    assert image.mode == "RGB" and image.size == (416, 216)  # 5.2 x 2.7 inches at 80 dpi
    renderer = chart.canvas.get_renderer()
    figure = chart.figure.bbox
    axes = chart.axes.get_window_extent(renderer)
    legend = chart.axes.get_legend().get_window_extent(renderer)
    assert axes.x1 < legend.x0 and legend.x1 <= figure.x1  # beside the axes, not clipped
    assert abs(legend.y1 - axes.y1) < 1  # its top level with the axes' top
    assert axes.x0 > 0.1 * figure.width and axes.y0 > 0.15 * figure.height  # room for labels
    title = chart.axes.title.get_window_extent(renderer)
    assert axes.y1 < title.y0 and title.y1 <= figure.y1
    # the axes' box in figure fractions: left 0.12, bottom 0.17, right 0.66, top 0.9
    assert chart.axes.get_position().bounds == pytest.approx((0.12, 0.17, 0.54, 0.73))


@pytest.mark.parametrize("last, peak, xlim, ytop", [
    (-1, 0.0, 50, 0.05),   # no rows yet: the first week limits, nothing to scale by
    (50, 0.3, 50, 0.4),    # 0.33 (a tenth above the peak) -> 0.05, 0.1, 0.2, 0.4
    (51, 0.04, 100, 0.05),  # one step past 50 doubles the x axis
    (60, 0.05, 100, 0.1),  # 0.055 is above 0.05
    (101, 0.9, 200, 1.0),  # a share never needs more than 1
])
def test_axes_grow_in_doubling_steps(last, peak, xlim, ytop):
    chart = drawing.participation_chart()  # the panel whose y axis grows with the data
    chart.png(trajectory(panels.PARTICIPATION, last, peak))
    assert chart.axes.get_xlim() == (0.0, xlim)
    assert chart.axes.get_ylim() == pytest.approx((0.0, ytop))


def test_a_fixed_axis_stays_fixed_however_small_the_data():
    chart = drawing.pillar_chart()
    chart.png(trajectory(panels.PILLARS, 120, 0.02))
    assert chart.axes.get_xlim() == (0.0, 200.0)
    assert chart.axes.get_ylim() == (0.0, 1.0)


def test_a_chart_keeps_the_fixed_limits_it_was_given():
    chart = drawing.LineChart("shares", [("participation", "participating")], "share",
                              ylim=(0.2, 0.6))
    chart.png(trajectory(panels.PARTICIPATION, 10, 0.9))
    assert chart.axes.get_ylim() == (0.2, 0.6)


def test_the_background_is_drawn_once_per_set_of_limits_and_blitting_changes_nothing():
    chart = drawing.participation_chart()
    draws = []
    full_draw = chart.canvas.draw
    chart.canvas.draw = lambda: (draws.append(1), full_draw())[1]
    chart.png(trajectory(panels.PARTICIPATION, 20, 0.3))
    later = chart.png(trajectory(panels.PARTICIPATION, 40, 0.3))  # the same limits
    assert len(draws) == 1
    fresh = drawing.participation_chart().png(trajectory(panels.PARTICIPATION, 40, 0.3))
    assert np.array_equal(np.asarray(decoded(later)), np.asarray(decoded(fresh)))
    chart.png(trajectory(panels.PARTICIPATION, 80, 0.3))  # the x axis doubles: drawn again
    assert len(draws) == 2

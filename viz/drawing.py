"""Pictures of the model's state, independent of the browser: the grid and the charts.

The grid is one RGB image built from the model's arrays (one pixel block per cell),
never one marker per agent, so drawing it costs about the same at any population.
The charts are matplotlib figures kept between steps: each step only replaces the
lines' data and encodes one PNG.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from civres.experiments.analysis import panels
from civres.experiments.analysis.panels import Panel
from civres.model.vocabulary import CITIZEN_COLOURS, SECURITY_COLOURS, CitizenState

_CITIZEN_LABEL = {CitizenState.QUIET: "quiet citizen",
                  CitizenState.PROTESTING: "protesting (nonviolent)",
                  CitizenState.VIOLENT: "violent", CitizenState.JAILED: "jailed"}
#: Legend of the grid: label -> RGB colour, in the order the legend shows them.
COLOURS: dict[str, tuple[int, int, int]] = {
    "empty": (245, 245, 245),
    **{label: CITIZEN_COLOURS[state] for state, label in _CITIZEN_LABEL.items()},
    "security, loyal": SECURITY_COLOURS["loyal"],
    "security, defected": SECURITY_COLOURS["defected"],
}
#: Longest side of the grid image in pixels (each cell a square block of whole pixels).
GRID_PIXELS = 480


def grid_rgb(model) -> np.ndarray:
    """Draw the grid as an RGB array, shape (height, width, 3): x to the right, y up."""
    width, height = model.shape
    palette = np.array(list(COLOURS.values()), dtype=np.uint8)
    index = {label: i for i, label in enumerate(COLOURS)}
    # Colour index of each state code (dead citizens have no cell).
    by_state = np.zeros(len(CitizenState), dtype=np.uint8)
    for code, label in _CITIZEN_LABEL.items():
        by_state[code] = index[label]
    cells = np.full(width * height, index["empty"], dtype=np.uint8)
    citizens, security = model.citizens, model.security
    alive = citizens.pos >= 0
    cells[citizens.pos[alive]] = by_state[citizens.state[alive]]
    cells[security.pos] = np.where(security.defected, index["security, defected"],
                                   index["security, loyal"])
    # Flat index is x * height + y: reshape to [x, y], then rows are y from the top.
    image = cells.reshape(width, height).T[::-1]
    return palette[image]


def grid_png(model, pixels: int = GRID_PIXELS) -> bytes:
    """Draw the grid as a PNG, each cell a square block of whole pixels."""
    rgb = grid_rgb(model)
    scale = max(1, pixels // max(rgb.shape[:2]))
    if scale > 1:
        rgb = np.repeat(np.repeat(rgb, scale, axis=0), scale, axis=1)
    buffer = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def legend_html() -> str:
    """Return the grid's legend as a line of coloured squares and labels (HTML)."""
    items = "".join(
        f'<span style="white-space:nowrap;margin-right:10px">'
        f'<span style="display:inline-block;width:11px;height:11px;margin-right:3px;'
        f'border:1px solid #999;background:rgb{colour}"></span>{label}</span> '
        for label, colour in COLOURS.items()
    )
    return f'<div class="civres-legend" style="font-size:12px;line-height:18px">{items}</div>'


class LineChart:
    """A small matplotlib line chart that redraws only its lines each step (blitting).

    Axes, ticks and legend are drawn once into a background and drawn again only when
    the axis limits change (they grow in doubling steps), so a step costs the lines
    and one PNG encoding.

    Args:
        title: the chart's title.
        series: (column, label) of each line, read from the model's trajectory.
        ylabel: the y axis label.
        ylim: fixed y limits, or None to grow the top limit with the data.

    """

    def __init__(self, title: str, series: Sequence[tuple[str, str]], ylabel: str,
                 ylim: tuple[float, float] | None = (0.0, 1.0)) -> None:
        """Create the figure, the axes and one empty line per series."""
        self.series = list(series)
        self.ylim = ylim
        self.figure = Figure(figsize=(5.2, 2.7), dpi=80)
        self.canvas = FigureCanvasAgg(self.figure)
        self.figure.subplots_adjust(left=0.12, right=0.66, top=0.9, bottom=0.17)
        self.axes = self.figure.add_subplot()
        self.axes.set_title(title, fontsize=11)
        self.axes.set_xlabel("week")
        self.axes.set_ylabel(ylabel)
        self.axes.grid(alpha=0.3)
        self.lines = [self.axes.plot([], [], label=label, animated=True,
                                     **panels.line_style(column))[0]
                      for column, label in series]
        self.axes.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                         borderaxespad=0.0, frameon=False)
        self._limits: tuple[float, float] | None = None
        self._background = None

    def _set_limits(self, xmax: float, ytop: float) -> None:
        """Set the axis limits and redraw the static background."""
        self.axes.set_xlim(0, xmax)
        self.axes.set_ylim(*(self.ylim if self.ylim is not None else (0.0, ytop)))
        self.canvas.draw()
        self._background = self.canvas.copy_from_bbox(self.figure.bbox)
        self._limits = (xmax, ytop)

    def png(self, trajectory) -> bytes:
        """Draw the trajectory's columns and return the chart as a PNG."""
        steps = trajectory["step"].to_numpy()
        values = [trajectory[column].to_numpy() for column, _ in self.series]
        last = int(steps[-1]) if len(steps) else 0
        xmax = float(_grown(last, 50))
        ytop = 1.0
        if self.ylim is None:
            peak = max((float(np.nanmax(v)) for v in values if len(v)), default=0.0)
            ytop = min(_grown(peak * 1.1, 0.05), 1.0)
        if self._limits != (xmax, ytop):
            self._set_limits(xmax, ytop)
        else:
            self.canvas.restore_region(self._background)
        for line, data in zip(self.lines, values, strict=True):
            line.set_data(steps, data)
            self.axes.draw_artist(line)
        rgba = np.asarray(self.canvas.buffer_rgba())
        buffer = io.BytesIO()
        Image.fromarray(rgba[..., :3]).save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


def _grown(value: float, start: float) -> float:
    """Return the smallest of start, 2 start, 4 start, ... that is at least value."""
    limit = start
    while limit < value:
        limit *= 2
    return limit


def panel_chart(panel: Panel) -> LineChart:
    """The live chart of one panel of the campaign figure (analysis.panels)."""
    return LineChart(panel.title, panel.series, panel.ylabel, panel.ylim)


def participation_chart() -> LineChart:
    """Participation, violent share, jail and fatigue of living citizens over time."""
    return panel_chart(panels.PARTICIPATION)


def pillar_chart() -> LineChart:
    """Loyalty of each pillar of support, and the regime's support, over time."""
    return panel_chart(panels.PILLARS)


def regime_chart() -> LineChart:
    """Legitimacy (the regime's and the citizens' view), repression, defections, war."""
    return panel_chart(panels.REGIME)

"""What the app exports of the run it shows: its trajectory, its figure, its command line.

Each is a pure function of the model, so the page builds a download only when asked and
a test can check what a user would get.
"""

from __future__ import annotations

import shlex
import tempfile
from collections.abc import Callable
from pathlib import Path

from civres.model import Params

_DEFAULTS = Params().to_dict()


def _shown(value: object) -> str:
    """A parameter value as `civres run --param` reads it back exactly."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def run_command(model) -> str:
    """The `civres run` command line that reproduces the model's run.

    Every parameter that differs from its default is given with --param (a case or a
    preset is a set of parameters, so the command does not depend on the app's preset
    list), and the seed; `civres run` then simulates the same campaign to its end.
    """
    words = ["civres", "run", "--seed", str(model.seed)]
    for name, value in model.params.to_dict().items():
        if value != _DEFAULTS[name]:
            words += ["--param", f"{name}={_shown(value)}"]
    return shlex.join(words)


def trajectory_csv(model) -> str:
    """The run's trajectory so far, as `civres run` writes trajectory.csv."""
    return model.trajectory().to_csv(index=False)


def png_bytes(draw: Callable[[Path], Path]) -> bytes:
    """The PNG that a figure function (which writes to the path it is given) draws."""
    with tempfile.TemporaryDirectory() as folder:
        return draw(Path(folder) / "figure.png").read_bytes()


def figure_png(model) -> bytes:
    """The run's campaign figure so far, as `civres run` draws campaign.png."""
    from civres.experiments.analysis.figures import campaign_figure

    return png_bytes(lambda path: campaign_figure(model.trajectory(), model.summary(), path))

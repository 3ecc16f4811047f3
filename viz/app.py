"""The browser app: `civres app` serves this module with `solara run`.

The page shows the grid (one image), the participation, pillar and regime charts and
the outcome banner; the sidebar has SolaraViz's Step / Play / Reset and the controls
built from Params (see viz/adapter.py). A parameter, preset or seed takes effect on
Reset.
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz

# Absolute imports: `solara run` executes this file as a script, not as part of the package.
from civres.model.mesa_adapter import install_initial_layout
from civres.viz.adapter import AppModel, model_params
from civres.viz.components import PANELS, grid_layout

# SolaraViz gives every panel the same size and takes no layout argument (see
# model/mesa_adapter.py): our panels start in grid_layout's places.
install_initial_layout(grid_layout)

TITLE = "Civil resistance: a campaign against a regime and its pillars of support"


@solara.component
def App():
    """SolaraViz around a model of this browser session's own.

    A model made at module level would be shared by every session (one visitor's Step
    or Play would move another's campaign); `use_memo` makes one per session instead.
    """
    model = solara.use_memo(AppModel, [])
    controls = solara.use_memo(model_params, [])
    return SolaraViz(model, components=PANELS, model_params=controls, name=TITLE,
                     play_interval=50)


page = App()

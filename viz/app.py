"""The browser app: `civres app` serves this module with `solara run`.

The page (viz/page.py) shows one run of the model: the grid, the participation, pillar
and regime charts and the outcome banner on the tab "Campaign"; the parameters in use
and the downloads on the tab "Parameters". The sidebar has Reset, Play / Pause and Step,
the preset or case, the seed, and every parameter's control grouped by actor. A
setting takes effect on Reset.
"""

from __future__ import annotations

# Absolute import: `solara run` executes this file as a script, not as part of the package.
from civres.viz.page import Page

__all__ = ["Page"]

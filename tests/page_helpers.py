"""Shared by the page's tests: the page rendered without a browser, a tab opened, waits."""

from __future__ import annotations

import time
from contextlib import contextmanager

import ipyvuetify as v
import solara

from civres.viz.page import TABS, Page


@contextmanager
def rendered_page(on_render=None):
    """The app's page in Solara's AppLayout (its sidebar renders only there); closed after."""
    _, rc = solara.render(solara.AppLayout(children=[Page(on_render=on_render)]),
                          handle_error=False)
    try:
        yield rc
    finally:
        rc.close()


def open_tab(rc, name: str) -> None:
    """Show one of the page's tabs, by name."""
    rc.find(v.Tabs).widget.v_model = TABS.index(name)


def wait_for(condition, timeout: float = 120.0) -> None:
    """Wait until condition() holds (a worker thread works on its own); fail after timeout."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)

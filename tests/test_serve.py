"""`civres app`'s server (viz/serve.py): Solara's own /resourcez diagnostics page is not
served (issue 10); the rest of Solara's routes are untouched."""

from __future__ import annotations

import asyncio

import pytest


@pytest.mark.filterwarnings("ignore::DeprecationWarning:websockets.*")
def test_resourcez_answers_404_before_solaras_own_route():
    from solara.server import starlette as solara_starlette
    from starlette.routing import Match

    from civres.viz import serve

    serve.hide_solara_routes()
    serve.hide_solara_routes()  # idempotent: one route, not two
    routes = solara_starlette.app.router.routes
    scope = {"type": "http", "path": "/resourcez", "method": "GET", "root_path": ""}
    first = next(r for r in routes if r.matches(scope)[0] == Match.FULL)
    response = asyncio.run(first.endpoint(None))
    assert response.status_code == 404
    assert sum(getattr(r, "path", None) == "/resourcez" for r in routes) == 2  # ours, theirs
    readyz = next(r for r in routes if r.matches({**scope, "path": "/readyz"})[0] == Match.FULL)
    assert readyz.endpoint.__name__ == "readyz"


def test_the_server_command_runs_solara_through_the_launcher():
    from civres.viz import serve

    command = serve.server_command("127.0.0.1", 8765)
    assert command[1:4] == ["-m", "civres.viz.serve", "run"]


def test_solaras_cookie_fallback_warning_is_left_out_of_the_log():
    import warnings

    from civres.viz import serve

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        serve.quiet_cookie_warning()
        warnings.warn(serve.COOKIE_WARNING + ", but according to the asgi framework ...",
                      UserWarning, stacklevel=1)
        warnings.warn("another warning", UserWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["another warning"]

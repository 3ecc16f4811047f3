"""`civres app`: serve the browser app (viz/app.py) with `solara run`, offline.

The server listens on 127.0.0.1 unless another host is asked for. It loads its page
scripts from the `solara-assets` package (Solara's asset proxy, which serves from the
installed copy and only goes to the CDN for a file it lacks), and Solara's usage
telemetry is switched off, so the page works without internet access.

Solara serves a diagnostics page of its own at /resourcez (threads, kernels, websocket
counts; no setting turns it off). It is not part of the app, so the server runs as
`python -m civres.viz.serve run ...`: Solara's own command line, with /resourcez
answering 404.

The command line (civres/cli.py) registers `civres app` and calls `serve_app`;
problems the user can fix are raised as `civres.errors.UsageError` (exit status 2).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import socket
import sys
import warnings
from pathlib import Path

from civres.errors import UsageError

APP = Path(__file__).with_name("app.py")
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765

#: Environment for the server: local page scripts, no telemetry.
SERVER_ENV = {
    "SOLARA_ASSETS_PROXY": "True",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
}


#: Solara's routes the app's server does not serve (answered with 404).
HIDDEN_ROUTES = ("/resourcez",)


def server_command(host: str, port: int) -> list[str]:
    """Return the command line that serves the app (`solara run`, via `solara_main`)."""
    return [sys.executable, "-m", "civres.viz.serve", "run", str(APP), "--host", host,
            "--port", str(port), "--production", "--no-open"]


def hide_solara_routes() -> None:
    """Answer 404 at HIDDEN_ROUTES in Solara's server (before it starts serving).

    `solara run --production` serves `solara.server.starlette:app` in this process (no
    reloader), so routes put first in that app's table take precedence over Solara's.
    """
    from solara.server import starlette as solara_starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def not_found(request: object) -> PlainTextResponse:
        return PlainTextResponse("Not Found", status_code=404)

    routes = solara_starlette.app.router.routes
    for path in HIDDEN_ROUTES:
        if not any(getattr(r, "endpoint", None) is not None and getattr(r, "path", None) == path
                   and getattr(r.endpoint, "__name__", "") == "not_found" for r in routes):
            routes.insert(0, Route(path, endpoint=not_found))


#: Solara's warning, on every page load from an address other than "localhost", that
#: its session cookie falls back to SameSite=Lax over plain http: fifteen lines in the
#: server's log for what the app wants (a local page, no iframe).
COOKIE_WARNING = "Cookies with samesite=none require https"


def quiet_cookie_warning() -> None:
    """Leave Solara's SameSite fallback warning out of the server's log."""
    warnings.filterwarnings("ignore", message=COOKIE_WARNING, category=UserWarning)


def solara_main(argv: list[str]) -> None:
    """Solara's command line (e.g. `run APP ...`) with HIDDEN_ROUTES hidden.

    The routes are changed when uvicorn starts serving: by then `solara run` has set up
    its app (importing Solara's server earlier would leave it without one).
    """
    import uvicorn
    from solara.__main__ import cli

    serve = uvicorn.Server.run

    def run(self: uvicorn.Server, *args: object, **kwargs: object) -> None:
        hide_solara_routes()
        return serve(self, *args, **kwargs)

    uvicorn.Server.run = run
    quiet_cookie_warning()
    cli(argv)


def server_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Return the server's environment: `base` (default os.environ) plus SERVER_ENV."""
    return {**(os.environ if base is None else base), **SERVER_ENV}


def environment_problems() -> list[str]:
    """List what in this installation would break the page, one line each."""
    problems = []
    if importlib.util.find_spec("solara") is None:
        problems.append("solara is not installed (pip install -e .)")
    if importlib.util.find_spec("solara_assets") is None:
        problems.append("solara-assets is not installed: the page would need internet "
                        "to load its scripts (pip install solara-assets)")
    for package in ("ipyvue", "ipyvuetify"):
        try:
            major = int(importlib.metadata.version(package).split(".")[0])
        except importlib.metadata.PackageNotFoundError:
            continue
        if major >= 3:
            problems.append(f"{package} {importlib.metadata.version(package)} is installed: "
                            f"offline the page is blank with it (its script is not in "
                            f"solara-assets); "
                            f"pip install '{package}<3'")
    return problems


def check_address(host: str, port: int) -> None:
    """Raise UsageError unless `host:port` is a valid, free address to listen on."""
    if not host.strip():
        raise UsageError("--host must not be empty")
    if not 1 <= port <= 65535:
        raise UsageError(f"--port must be in [1, 65535] (got {port})")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as err:
        raise UsageError(f"--host {host!r} is not an address of this machine ({err})") from None
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            raise UsageError(f"cannot listen on {host}:{port} ({err.strerror}); "
                             "choose another --port or --host") from None


def serve_app(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """Check the address and installation, print the address, then become the server.

    Raises:
        UsageError: the address is not valid or not free, or the installation would
            break the page.

    """
    check_address(host, port)
    problems = environment_problems()
    if problems:
        raise UsageError("; ".join(problems))
    if host in ("0.0.0.0", "::"):
        print(f"warning: --host {host} makes the app reachable from other machines",
              file=sys.stderr)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    shown = f"[{shown}]" if ":" in shown else shown
    print(f"civres app: open http://{shown}:{port}/ in a browser "
          "(starting, a few seconds; Ctrl-C stops it)", flush=True)
    command = server_command(host, port)
    if os.name == "posix":
        # Replace this process, so that its process id is the server's.
        os.execve(command[0], command, server_env())
    import subprocess

    return subprocess.call(command, env=server_env())


if __name__ == "__main__":
    solara_main(sys.argv[1:])

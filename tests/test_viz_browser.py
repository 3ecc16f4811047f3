"""End to end: `civres app` in a subprocess, driven in Debian's headless chromium.

Playwright for Python drives the system chromium (never a downloaded browser). The
server runs with its outbound HTTP(S) pointed at a dead proxy and the browser may only
reach the server, so the test also shows that the page works offline. Locally the test
skips when /usr/bin/chromium (or Playwright) is missing; with CI=true it fails instead.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
STEPS = 5
#: Legitimacy set with the keyboard before the second Reset, and how long Play may run.
LEGITIMACY, PLAY_S = 0.4, 25
#: Reading the bytes behind an <img> (a blob: URL) in the page, as a short digest.
# The widget shows its image through a blob URL that it revokes when the image is
# replaced; a redraw landing between reading img.src and fetching it makes the fetch
# fail (seen once in CI after Reset). Re-read src and try again: the newest image is
# the one wanted, and a page that never settles still fails after 5 s.
IMAGE_DIGEST_JS = """async (img) => {
    let last;
    for (let attempt = 0; attempt < 50; attempt++) {
        try {
            const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
            let h = 2166136261;
            for (const b of bytes) { h = Math.imul(h ^ b, 16777619) >>> 0; }
            return bytes.length + ':' + h;
        } catch (err) {
            last = err;
            await new Promise((resolve) => setTimeout(resolve, 100));
        }
    }
    throw last;
}"""


def reset_until_the_model_uses(page, text: str, tries: int = 5) -> None:
    """Press Reset until the parameters table (tab "Parameters") shows `text`.

    The slider's last value is shown in the browser (aria-valuenow) before it reaches the
    server; on a loaded machine a Reset pressed at once can overtake it, and the new model
    is built from the value before (seen once: 0.41 for 0.4, in a full `make test` beside
    another). So the condition waited for is the server's: the model built on Reset uses
    the value. A slider whose value never reaches the model still fails after `tries`.
    """
    from playwright.sync_api import expect

    for attempt in range(tries):
        page.get_by_role("button", name="Reset", exact=True).click()
        expect(page.locator(".civres-week")).to_have_text("Week 0", timeout=15_000)
        page.get_by_role("tab", name="Parameters").click()
        table = page.locator("table")
        try:
            expect(table).to_contain_text(text, timeout=5_000)
            return
        except AssertionError:
            if attempt == tries - 1:
                raise
            page.get_by_role("tab", name="Campaign").click()


def pick(page, label: str, option: str) -> None:
    """Choose an option of a Vuetify select by its label."""
    # the select's own <input> is hidden: click the field around it to open the menu
    page.get_by_label(label, exact=True).locator("xpath=..").click()
    page.get_by_role("option", name=option, exact=True).click()


def download_the_trajectory(page, expect) -> None:
    """The Parameters tab's first download: the run's trajectory as CSV."""
    page.get_by_role("tab", name="Parameters").click()
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="Trajectory (CSV)").click()
    text = Path(info.value.path()).read_text()
    assert text.startswith("step,") and len(text.splitlines()) > 1


def check_the_case_tab(page, expect) -> None:
    """A case's observed outcome beside the model's distribution over 100 runs."""
    page.get_by_role("tab", name="Case").click()
    pick(page, "case", "serbia-2000")
    expect(page.locator(".civres-case-facts")).to_contain_text("2000")
    page.get_by_role("button", name="Simulate", exact=True).click()
    expect(page.locator(".civres-case-summary")).to_contain_text("100 runs: success",
                                                                 timeout=120_000)
    expect(page.locator(".civres-case-facts")).to_contain_text("outcome")
    expect(page.locator("img.civres-case-fan")).to_be_visible()
    expect(page.get_by_role("button", name="Simulate", exact=True)).to_be_enabled(
        timeout=30_000)   # the task has ended: no progress bar in the screenshot
    page.screenshot(path=str(RESULTS / "app_case.png"), full_page=True)


def check_the_explorer_tab(page, expect) -> None:
    """The explorer on a case, ten base runs: the tornado chart and the table."""
    page.get_by_role("tab", name="Explorer").click()
    reps = page.get_by_role("slider", name="base runs", exact=True)
    reps.focus()
    reps.press("Home")
    expect(reps).to_have_attribute("aria-valuenow", "10")
    expect(page.locator(".civres-explore-command")).to_contain_text("--reps 10")
    page.get_by_role("button", name="Explore", exact=True).click()
    expect(page.locator("img.civres-tornado")).to_be_visible(timeout=300_000)
    expect(page.locator(".civres-explore-table")).to_contain_text("discipline")
    expect(page.get_by_role("button", name="Explore", exact=True)).to_be_enabled(
        timeout=30_000)
    page.screenshot(path=str(RESULTS / "app_explorer.png"), full_page=True)


def check_the_sweeps_tab(page, expect) -> None:
    """A committed sweep opened, its map shown, and one of its runs replayed."""
    page.get_by_role("tab", name="Sweeps").click()
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.locator("img.civres-sweep-map")).to_be_visible(timeout=60_000)
    expect(page.locator(".civres-sweep-summary")).to_contain_text("design grid")
    page.screenshot(path=str(RESULTS / "app_sweeps.png"), full_page=True)
    page.get_by_role("button", name="Open this run step by step").click()
    expect(page.get_by_role("tab", name="Campaign", selected=True)).to_be_visible(
        timeout=30_000)
    expect(page.locator(".civres-week")).to_have_text("Week 0")
    expect(page.locator(".civres-grid-caption")).to_contain_text("step 0")


def _unavailable(reason: str) -> None:
    """Skip, or fail under CI=true, where the browser test must run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but the browser test cannot run: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_server(proc: subprocess.Popen, url: str, log: Path, timeout: float = 60.0) -> str:
    """The page's HTML once the server answers; fails if the server exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.25)
    pytest.fail(f"server did not answer at {url} within {timeout} s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def browser_available():
    """Playwright's sync API, once chromium and Playwright are known to be there."""
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} not found (apt-get install -y chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        _unavailable("playwright (Python) is not installed")
    return sync_api


@pytest.fixture
def server(browser_available, tmp_path):
    """`civres app` on a free port, offline; stopped by its process group at the end."""
    port = _free_port()
    log = tmp_path / "server.log"
    dead_proxy = "http://127.0.0.1:9"  # nothing listens there: any CDN fetch fails
    env = {**os.environ, "HTTP_PROXY": dead_proxy, "HTTPS_PROXY": dead_proxy,
           "http_proxy": dead_proxy, "https_proxy": dead_proxy, "NO_PROXY": "127.0.0.1,localhost",
           "no_proxy": "127.0.0.1,localhost"}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "civres.cli", "app", "--host", "127.0.0.1",
             "--port", str(port)],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        html = _wait_for_server(proc, url, log)
        yield {"url": url, "html": html, "log": log, "port": port}
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    assert proc.poll() is not None, "server still running"


@pytest.mark.browser
def test_app_in_headless_chromium(browser_available, server, tmp_path):
    PlaywrightTimeout = browser_available.TimeoutError
    expect, sync_playwright = browser_available.expect, browser_available.sync_playwright

    # The address is printed, and the page's scripts come from this server, not a CDN.
    assert f"http://127.0.0.1:{server['port']}/" in server["log"].read_text()
    scripts = re.findall(r'<script[^>]*\bsrc="([^"]+)"', server["html"])
    assert scripts, "no <script src> in the page"
    assert all(not urlparse(src).netloc for src in scripts), scripts

    errors: list[str] = []
    outside: list[str] = []

    def local_only(route):
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000},
        )
        try:
            context.route("**/*", local_only)
            page = context.new_page()
            page.on("pageerror", lambda err: errors.append(str(err)))
            started = time.perf_counter()
            page.goto(server["url"])
            step = page.get_by_role("button", name="Step", exact=True)
            step.wait_for(timeout=30_000)
            grid = page.locator("img.civres-grid")
            chart = page.locator("img.civres-participation")
            grid.wait_for(timeout=30_000)
            load_s = time.perf_counter() - started

            # Start from a fresh model (each session has its own; Reset is harmless).
            week = page.locator(".civres-week")
            page.get_by_role("button", name="Reset", exact=True).click()
            expect(week).to_have_text("Week 0", timeout=15_000)
            expect(page.locator(".civres-grid-caption")).to_contain_text("step 0")
            grid_before = grid.evaluate(IMAGE_DIGEST_JS)
            chart_before = chart.evaluate(IMAGE_DIGEST_JS)

            step_times = []
            for k in range(1, STEPS + 1):
                src = grid.get_attribute("src")
                started = time.perf_counter()
                step.click()
                expect(week).to_have_text(f"Week {k}", timeout=15_000)
                expect(grid).not_to_have_attribute("src", src, timeout=15_000)
                step_times.append(time.perf_counter() - started)
            expect(page.locator(".civres-grid-caption")).to_contain_text(f"step {STEPS}")
            assert grid.evaluate(IMAGE_DIGEST_JS) != grid_before, "grid image did not change"
            assert chart.evaluate(IMAGE_DIGEST_JS) != chart_before, "chart did not change"
            expect(page.locator(".civres-outcome")).to_contain_text(f"Week {STEPS}")

            # Play advances the week and Pause stops it (the default campaign runs on).
            page.get_by_role("button", name="Play", exact=True).click()
            expect(week).not_to_have_text(f"Week {STEPS}", timeout=15_000)
            page.get_by_role("button", name="Pause", exact=True).click()
            play = page.get_by_role("button", name="Play", exact=True)
            expect(play).to_be_enabled(timeout=15_000)
            # Each widget's update is its own message: the button's label can arrive
            # before the week's last text. So wait for the week to settle (the same
            # text 0.7 s apart), at most 10 times; a Play that goes on never settles.
            paused_at = week.inner_text()
            for _ in range(10):
                page.wait_for_timeout(700)
                if week.inner_text() == paused_at:
                    break
                paused_at = week.inner_text()
            else:
                pytest.fail(f"the week still changed 7 s after Pause ({paused_at})")
            weeks_paused = int(paused_at.split()[1])
            assert weeks_paused > STEPS
            step.click()   # Step works again, from where Pause stopped
            expect(week).to_have_text(f"Week {weeks_paused + 1}", timeout=15_000)

            # Set legitimacy to 0.4 with the keyboard and Reset: the slider's value
            # reaches the new model; Play then runs the campaign (until it is decided,
            # for a screenshot with the outcome banner, or for at most PLAY_S seconds).
            page.get_by_text("citizens (13)", exact=True).click()  # open the group
            slider = page.get_by_role("slider", name="legitimacy", exact=True)
            slider.focus()
            for _ in range(100):  # one key at a time: each value goes through the server
                value = slider.get_attribute("aria-valuenow")
                if abs(float(value) - LEGITIMACY) < 1e-9:
                    break
                slider.press("ArrowLeft" if float(value) > LEGITIMACY else "ArrowRight")
                expect(slider).not_to_have_attribute("aria-valuenow", value)
            expect(slider).to_have_attribute("aria-valuenow", str(LEGITIMACY))
            reset_until_the_model_uses(page, f"{LEGITIMACY} (set)")
            page.get_by_role("tab", name="Campaign").click()
            grid.wait_for(timeout=15_000)
            page.get_by_role("button", name="Play", exact=True).click()
            decided = page.locator(".civres-outcome:not(.civres-undecided)")
            try:
                decided.wait_for(timeout=PLAY_S * 1000)
                expect(decided).to_contain_text("decided at week")
            except PlaywrightTimeout:
                # Not decided yet on a slow machine: pause (unless it just ended).
                try:
                    page.get_by_role("button", name="Pause", exact=True).click(timeout=3_000)
                except PlaywrightTimeout:
                    pass
            page.wait_for_timeout(500)
            RESULTS.mkdir(exist_ok=True)
            page.screenshot(path=str(RESULTS / "app.png"))

            download_the_trajectory(page, expect)
            check_the_case_tab(page, expect)
            check_the_explorer_tab(page, expect)
            check_the_sweeps_tab(page, expect)
        finally:
            context.close()

    assert not errors, f"page errors: {errors}"
    assert not outside, f"the page tried to reach other hosts: {outside}"
    # Every page script came from the installed solara-assets, none from the CDN.
    assert "Could not load URL" not in server["log"].read_text()
    step_times.sort()
    timing = {"page_load_s": round(load_s, 3), "step_s_median": round(step_times[STEPS // 2], 3),
              "step_s_all": [round(t, 3) for t in step_times], "grid": "40x40",
              "browser": "Debian chromium, headless"}
    (RESULTS / "app_browser_timing.json").write_text(json.dumps(timing, indent=2) + "\n")
    print(f"\nbrowser: page load {load_s:.2f} s; one Step (click to new grid image) "
          f"{timing['step_s_median']:.3f} s median of {STEPS}")

"""Real-browser fixtures: the dashboard as users start it, and headless Debian Chromium.

`medlyt dashboard` runs as a subprocess (exactly the command users type), and Debian's own
Chromium (/usr/bin/chromium, apt package `chromium`) is driven by Playwright. Playwright's own
browser downloads are never used: no `playwright install`, nothing fetched at test time.
Every request the page makes to anything but loopback is aborted, recorded and fails the test.
Screenshots land in $MEDLYT_TEST_ARTIFACTS, else <repo>/test-artifacts/.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("MEDLYT_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1400, "height": 1000}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "chrome-extension", "devtools"}
STARTUP_TIMEOUT_S = 60
LOG_TAIL_LINES = 40


def artifacts_dir() -> Path:
    folder = Path(os.environ.get("MEDLYT_TEST_ARTIFACTS") or REPO / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return (parts.hostname or "") in LOOPBACK_HOSTS


# ---- the dashboard server ------------------------------------------------------------------


class Dashboard:
    """One `medlyt dashboard --port P` subprocess with MEDLYT_HOME=home."""

    def __init__(self, home: Path, log_path: Path):
        self.home = Path(home)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        env = {**os.environ, "MEDLYT_HOME": str(self.home)}
        # Its own process group: `medlyt dashboard` execs Streamlit, and whatever Streamlit may
        # start goes down with it at teardown. Its output goes to a file (a pipe nobody reads
        # could fill up and stall the server).
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "medlyt.cli", "dashboard", "--port", str(self.port)],
                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=REPO, start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_healthy(self, timeout_s: float = STARTUP_TIMEOUT_S) -> float:
        """Seconds until /_stcore/health answers "ok"; fails with the server's log otherwise."""
        start = time.monotonic()
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200 and response.read().strip() == b"ok":
                        return time.monotonic() - start
            except OSError:
                pass
            if self.process.poll() is not None:
                pytest.fail(f"dashboard exited with {self.process.returncode} before it was healthy:\n{self.log()}")
            if time.monotonic() - start > timeout_s:
                pytest.fail(f"dashboard not healthy within {timeout_s:.0f} s:\n{self.log()}")
            time.sleep(0.25)

    def stop(self) -> None:
        """SIGTERM to the group, SIGKILL after 10 s; always reaped, never orphaned."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of the group (the server itself on a hung shutdown, or any child).
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)


@pytest.fixture
def dashboard(tmp_path, request):
    """Factory: dashboard(home) starts `medlyt dashboard` on a free loopback port with
    MEDLYT_HOME=home, waits until it is healthy and returns the Dashboard (its .url). A failed
    test's report ends with the end of each server's log."""
    started: list[Dashboard] = []

    def start(home: Path) -> Dashboard:
        server = Dashboard(home, tmp_path / f"dashboard-{len(started)}.log")
        started.append(server)
        server.wait_healthy()
        return server

    yield start
    for server in started:
        server.stop()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for server in started:
            print(f"--- the end of {server.log_path} ---", *server.log().splitlines()[-LOG_TAIL_LINES:], sep="\n")


# ---- the browser ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium, launched once per session through Playwright."""
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        pytest.fail(f"{CHROMIUM} missing: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                # Second fence behind the request routing: no host name resolves but loopback,
                # so nothing Chromium does on its own (updates, safe browsing, ...) leaves either.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                # The test starts a moment's playback from script, as a click would.
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield browser
        browser.close()


class BrowserPage:
    """A page plus what the test needs around it: screenshots and the blocked requests."""

    def __init__(self, page, blocked: list[str], console_errors: list[str]):
        self.page = page
        self.blocked = blocked
        self.console_errors = console_errors

    def wait_until_settled(self, timeout_ms: int = 30_000, quiet_ms: int = 500) -> None:
        """Wait until Streamlit has finished the current run and drawn everything: the script
        is not running, the connection is up, no element is still a loading skeleton or stale,
        and that has held for `quiet_ms`. Call it after waiting for the content an action
        should bring (right after a click the old page still looks settled)."""
        self.page.wait_for_function(
            """(quietMs) => {
                const app = document.querySelector('[data-testid="stApp"]');
                const settled = app && app.dataset.testScriptState === "notRunning"
                    && app.dataset.testConnectionState === "CONNECTED"
                    && !document.querySelector('[data-testid="stSkeleton"], [data-stale="true"]');
                if (!settled) { window.__medlytSettledSince = undefined; return false; }
                window.__medlytSettledSince ??= performance.now();
                return performance.now() - window.__medlytSettledSince >= quietMs;
            }""",
            arg=quiet_ms, polling=100, timeout=timeout_ms,
        )

    def screenshot(self, name: str, full_page: bool = True) -> Path:
        """Save a PNG under the artefacts directory. Streamlit scrolls inside its own main
        container, so for the whole page the viewport is stretched to the content's height
        (at most 8000 px) for the picture and put back afterwards."""
        path = artifacts_dir() / name
        if not full_page:
            self.page.screenshot(path=str(path))
            return path
        height = self.page.evaluate(
            """() => Math.max(document.documentElement.scrollHeight,
                ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebarContent"]')]
                    .map(e => e.scrollHeight))""")
        size = self.page.viewport_size
        self.page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 8000)})
        try:
            self.wait_until_settled()
            self.page.screenshot(path=str(path), full_page=True)
        finally:
            self.page.set_viewport_size(size)
        return path


@pytest.fixture
def browser_page(browser, request):
    """A fresh context and page (viewport 1400x1000) that may only talk to loopback.

    Non-loopback HTTP(S) requests and WebSockets are aborted and recorded; any of them fails
    the test at teardown. A failing test leaves `<test name>-failure.png` in the artefacts."""
    context = browser.new_context(viewport=VIEWPORT, locale="da-DK", service_workers="block")
    blocked: list[str] = []
    console_errors: list[str] = []
    refused: list[str] = []  # loopback answers over 400, for a failure's report

    def guard(route):
        blocked.append(route.request.url)
        route.abort("blockedbyclient")

    def guard_socket(ws):
        blocked.append(ws.url)
        ws.close()

    # Only what is not loopback is routed (and never reaches the network). The dashboard's own
    # requests go through uninterrupted: Chromium's downloads under request interception are
    # known to end "canceled" (microsoft/playwright#6573, #27575), and the report test's one
    # failure in CI ended that way (the cause not proven: it did not come back in 12 runs).
    context.route(lambda url: not is_loopback(url), guard)
    context.route_web_socket(lambda url: not is_loopback(url), guard_socket)
    page = context.new_page()
    page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    page.on("response", lambda r: refused.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    wrapped = BrowserPage(page, blocked, console_errors)
    yield wrapped

    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        from playwright.sync_api import Error as PlaywrightError

        # As the page is, without waiting for it to settle; a crashed page must not hide the failure.
        with contextlib.suppress(PlaywrightError):
            page.screenshot(path=str(artifacts_dir() / f"{request.node.name}-failure.png"), timeout=10_000)
        if refused:
            print("Loopback answers over 400:", *refused, sep="\n  ")
    context.close()
    assert not blocked, f"the page tried to reach beyond loopback: {blocked}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def trust_home(tmp_path, danish_dir):
    """A ready meeting, one with a single voice and one waiting for consent, for the pages' trust
    and accessibility checks."""
    from meetings.records import Participant
    from meetings.store import Store
    from tests.dashboard.conftest import AUDIO, PASSWORD, processed_meeting

    home = tmp_path / "home"
    with Store(home) as store:
        store.add_user("anne", "sagsbehandler", PASSWORD)
        store.add_user("olga", "observatør", PASSWORD)
        # Before the ready one: the picker opens on the newest meeting that can be shown.
        one_voice = processed_meeting(store, danish_dir / AUDIO, "Én stemme fundet", "anne", "olga", one_voice=True)
        ready = processed_meeting(store, danish_dir / AUDIO, "Opfølgning i browseren", "anne", "olga")
        waiting = store.create_meeting("Venter på samtykke", [
            Participant("sagsbehandler", "Sagsbehandler", user="anne"), Participant("borger", "Borger")],
            recorded_by="olga").id
    return {"home": home, "ready": ready, "waiting": waiting, "one_voice": one_voice, "password": PASSWORD}

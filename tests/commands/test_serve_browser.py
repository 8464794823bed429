"""`servicedeck serve --demo` in a real browser: Debian's chromium driven by Playwright (no browser download).

What the page shows is drawn on a canvas, so the test reads what the app sends to the browser (the terminal stream on
the page's websocket) to know the Documents tree and then the Tickets table are on screen, and keeps a screenshot.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
# The README's browser screenshot is refreshed only when asked (SERVICEDECK_SCREENSHOTS=1): a test run leaves the
# repository as it found it.
README_SHOT = Path(__file__).resolve().parents[2] / "screenshots" / "browser.png"
ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[PX^_].*?\x1b\\|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b.")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium here (Debian: apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"servicedeck serve stopped: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {timeout}s")


class Screen:
    """The text the app has sent to the page so far, escape sequences removed."""

    def __init__(self) -> None:
        self.chunks: list[str] = []

    def receive(self, payload: str | bytes) -> None:
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
        self.chunks.append(ESCAPES.sub("", text))

    def text(self) -> str:
        return "".join(self.chunks)

    def wait_for(self, page, *words: str, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if all(word in self.text() for word in words):
                return
            page.wait_for_timeout(200)
        missing = [w for w in words if w not in self.text()]
        raise AssertionError(f"the page never showed {missing}")


@pytest.fixture
def served():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", "--demo", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_app_in_a_browser_shows_documents_then_tickets(served, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    shot = README_SHOT if os.environ.get("SERVICEDECK_SCREENSHOTS") == "1" else tmp_path / "browser.png"
    screen = Screen()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 860})
            page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())  # no web fonts
            page.on("websocket", lambda ws: ws.on("framereceived", screen.receive))
            page.goto(served, wait_until="domcontentloaded")
            page.wait_for_selector("body.-first-byte", timeout=60_000)
            screen.wait_for(page, "Documents", "Tickets", "Workspaces")  # the tabs, and the tree's first level
            page.click("#terminal")
            page.keyboard.press("2")  # switch to Tickets
            screen.wait_for(page, "Subject")  # the ticket table's header
            page.wait_for_timeout(1500)  # let the table finish drawing before the picture
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert shot.stat().st_size > 10_000

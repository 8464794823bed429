"""What the snapshot tests share: a frozen world to open the app in, and pilot helpers that wait on the screen.

Scenes drive the app with keys only and wait on what the screen shows (never on a pane's attributes), so panes can
be reorganised freely: a scene breaks only when what a person sees changes, which is what a snapshot is for.

Regenerate every snapshot after an intended change of the UI: `.venv/bin/pytest tests/snapshots --snapshot-update`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import html
import inspect
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path, PurePath
from typing import ClassVar

import pytest
import time_machine
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from tui.app import ServiceDeckApp
from tui.drafts import DraftStore
from tui.http import Exchange, ExchangeLog
from tui.sandbox import Sandbox

SIZE = (140, 42)
# Every scene happens at this moment: the sandbox seeds its content relative to it and the panes print times
# ("5m ago", dates, the receive time of a queue message) against it.
FROZEN_AT = datetime(2026, 3, 9, 9, 30, tzinfo=UTC)
PORT_DIGITS = 5  # every usual ephemeral port range (Linux 32768-60999, BSD/macOS 49152-65535)


class SteadyExchangeLog(ExchangeLog):
    """The exchange log as the Exchanges tab reads it, without what differs from run to run or from machine to
    machine: durations show as 0 ms, and the HTTP library's version (user agent) and the compressions it offers
    (accept-encoding: more when brotli or zstandard happen to be installed) as fixed words."""

    def __iter__(self) -> Iterator[Exchange]:
        return iter([_steady(e) for e in super().__iter__()])

    def changed(self, exchange: Exchange) -> None:
        super().changed(_steady(exchange))


MACHINE_HEADERS = {"user-agent": "python-httpx", "accept-encoding": "gzip, deflate"}


def _steady(exchange: Exchange) -> Exchange:
    headers = [(k, MACHINE_HEADERS.get(k.lower(), v)) for k, v in exchange.request_headers]
    return dataclasses.replace(exchange, elapsed_ms=0.0, request_headers=headers)


def _css_paths(app_class: type[ServiceDeckApp]) -> list[str | PurePath]:
    paths = app_class.CSS_PATH
    return [] if paths is None else [paths] if isinstance(paths, (str, PurePath)) else list(paths)


class SnapshotDeckApp(ServiceDeckApp):
    """The real app on the sandbox's built-in profile. Its screenshots show the sandbox's port (random, free) as
    00000, so they compare equal from run to run."""

    # Textual reads CSS_PATH relative to the file of the class: point it back beside the app's own module.
    CSS_PATH: ClassVar[list[str | PurePath]] = [
        Path(inspect.getfile(ServiceDeckApp)).parent / path for path in _css_paths(ServiceDeckApp)
    ]

    def __init__(self, box: Sandbox, pane: str, drafts_dir: Path):
        super().__init__(
            box.profile(), drafts=DraftStore(drafts_dir), exchange_log=SteadyExchangeLog(), initial_pane=pane
        )
        self.strict_workers = True  # a bug in a background task fails the test
        self.theme = "textual-dark"  # whatever TEXTUAL_THEME says on this machine
        self.sandbox_address = f"127.0.0.1:{box.port}"

    def export_screenshot(self, *, title: str | None = None, simplify: bool = False) -> str:
        svg = super().export_screenshot(title=title, simplify=simplify)
        return svg.replace(self.sandbox_address, "127.0.0.1:" + "0" * PORT_DIGITS)


def _start_sandbox(data_dir: Path) -> Sandbox:
    """A sandbox whose port has PORT_DIGITS digits, so URLs (and the columns that show them) keep their width."""
    for attempt in range(20):
        box = Sandbox(data_dir=data_dir / f"sandbox-{attempt}", demo=False).start()
        if len(str(box.port)) == PORT_DIGITS:
            return box
        box.stop()
    raise RuntimeError(f"no free {PORT_DIGITS}-digit port after 20 tries")


@contextlib.contextmanager
def frozen_world(tmp_path: Path) -> Iterator[Sandbox]:
    """A fresh sandbox seeded at FROZEN_AT, with the clock stopped there, local time in UTC, and the home, config,
    state and data dirs under tmp_path.

    time-machine stops `time.time()` and `datetime.now()` for every thread (the sandbox's too) but not the monotonic
    clock that asyncio and Textual's timers run on, so the app runs as usual."""
    with contextlib.ExitStack() as stack:
        stack.callback(time.tzset)  # runs last, once TZ is back to what it was
        env = stack.enter_context(pytest.MonkeyPatch.context())
        env.setenv("TZ", "UTC0")  # POSIX form: needs no time zone database
        time.tzset()
        env.setenv("HOME", str(tmp_path / "home"))
        for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            env.setenv(var, str(tmp_path / var.lower()))
        env.delenv("NO_COLOR", raising=False)
        stack.enter_context(time_machine.travel(FROZEN_AT, tick=False))
        box = _start_sandbox(tmp_path)
        stack.callback(box.stop)
        yield box


def svg_text(svg: str) -> str:
    """The plain text of a screenshot."""
    matrix = re.search(r'<g class="terminal-[\w-]*matrix">(.*?)</g>', svg, re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "", matrix.group(1) if matrix else svg))
    return text.replace("\xa0", " ")


def _still_cursors(app: ServiceDeckApp) -> None:
    """Blinking cursors would make two screenshots differ by the moment they were taken."""
    for widget in [*app.screen.query(Input), *app.screen.query(TextArea)]:
        widget.cursor_blink = False


async def settle(
    pilot: Pilot[object],
    *shown: str,
    gone: tuple[str, ...] = (),
    quiet: float = 0.0,
    timeout: float = 20.0,
) -> str:
    """Wait until the screen shows every text of `shown` and none of `gone`, and then, with `quiet`, until it has
    not changed for that many seconds (late responses, refresh timers). Returns the screen's text."""
    app = pilot.app
    assert isinstance(app, ServiceDeckApp)
    end = time.monotonic() + timeout
    last, since = "", time.monotonic()
    while True:
        await pilot.pause()
        _still_cursors(app)
        svg = app.export_screenshot()
        text = svg_text(svg)
        now = time.monotonic()
        if svg != last:
            last, since = svg, now
        ready = all(s in text for s in shown) and not any(g in text for g in gone)
        if ready and now - since >= quiet:
            return text
        if now > end:
            missing = [s for s in shown if s not in text]
            present = [g for g in gone if g in text]
            raise AssertionError(
                f"the screen was not ready within {timeout}s (missing {missing}, still showing {present}):\n{text}"
            )
        await asyncio.sleep(0.05)


async def steady(pilot: Pilot[object], *shown: str, gone: tuple[str, ...] = ()) -> str:
    """The last wait of a scene: what it shows is there, and nothing has moved for a moment. Notifications are
    dismissed first: how many are still up would depend on how long the scene took."""
    pilot.app.clear_notifications()
    return await settle(pilot, *shown, gone=gone, quiet=0.3)


async def type_text(pilot: Pilot[object], text: str) -> None:
    """Type like a person: one key per character (newlines as enter)."""
    for char in text:
        await pilot.press("enter" if char == "\n" else char)


async def paste(pilot: Pilot[object], text: str) -> None:
    """Paste into the focused field as a terminal does: one bracketed paste, which the app hands to the focus."""
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()

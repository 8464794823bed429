"""Activity pane on 50,000 activities: the first page on screen, and an older page added while scrolling back.

Reference: a minimal Textual app written here, a list of stock `Static` widgets (one per activity: author, time, text)
in a `VerticalScroll`, fetching the same pages with the same client (`MaxClient.stream`, same page size). The pane and
the reference alternate in blocks, in this process; the sandbox runs in its own.

Run: `python -m tests.perf max`.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.perf.common import SandboxProcess, isolate_home, report, rss_mb
from tests.perf.frames import SIZE, Frames, until

ACTIVITIES = int(os.environ.get("MAX_ACTIVITIES", "50000"))
BLOCKS = int(os.environ.get("MAX_BLOCKS", "4"))
PER_BLOCK = 3


def _connection(base_url: str) -> Any:
    from tui.profiles import Connection
    from tui.sandbox.max.seed import ADMIN

    return Connection(kind="max", url=base_url + "/max", username=ADMIN[0], secret=ADMIN[1], secret_source="memory")


def reference_app(base_url: str, frames: Frames, page_size: int) -> Any:
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import Footer, Static

    from tui.services.max.client import MaxClient
    from tui.services.max.models import Activity, StreamView

    def item(activity: Activity) -> Static:
        when = activity.published.strftime("%Y-%m-%d %H:%M") if activity.published else ""
        return Static(Text.assemble((activity.actor.name, "bold"), "  ", (when, "dim"), "\n", activity.content))

    class ListReference(App[None]):
        def compose(self) -> ComposeResult:
            yield VerticalScroll()
            yield Footer()

        async def on_mount(self) -> None:
            connection = _connection(base_url)
            self.client = MaxClient.from_connection(connection, connection.secret)
            self.ids: list[str] = []
            await self.first_page()

        async def first_page(self) -> None:
            page = await self.client.stream(StreamView(), limit=page_size)
            scroll = self.query_one(VerticalScroll)
            await scroll.remove_children()
            await scroll.mount_all([item(a) for a in page])
            self.ids = [a.id for a in page]
            frames.mark()

        async def older_page(self) -> None:
            page = await self.client.stream(StreamView(), limit=page_size, before=self.ids[-1])
            scroll = self.query_one(VerticalScroll)
            await scroll.mount_all([item(a) for a in page])
            self.ids += [a.id for a in page]
            frames.mark()

    return ListReference()


async def reference_block(base_url: str, frames: Frames, first: list[float], older: list[float]) -> None:
    from tui.services.max.pane import ActivityPane

    app = reference_app(base_url, frames, ActivityPane.page_size)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: getattr(app, "ids", None))
        await pilot.pause(0.2)
        for _ in range(PER_BLOCK):
            first.append(await frames.timed(pilot, app.first_page))
            await pilot.pause(0.05)
        for _ in range(PER_BLOCK):
            older.append(await frames.timed(pilot, app.older_page))
            await pilot.pause(0.05)
        await app.client.aclose()


async def pane_block(base_url: str, frames: Frames, first: list[float], older: list[float]) -> float:
    from tui.app import ServiceDeckApp
    from tui.drafts import DraftStore
    from tui.http import ExchangeLog
    from tui.profiles import Profile
    from tui.services.max.pane import ActivityPane

    profile = Profile(name="bench", connections={"max": _connection(base_url)}, builtin=True)
    app = ServiceDeckApp(
        profile, drafts=DraftStore(Path(tempfile.mkdtemp()) / "d"), exchange_log=ExchangeLog(), initial_pane="max"
    )
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(ActivityPane)
        await until(lambda: pane.loaded and pane.stream.entries)
        await pilot.pause(0.3)
        for _ in range(PER_BLOCK):
            first.append(await frames.timed(pilot, pane.reload))
            await until(lambda: pane.loaded)
            await pilot.pause(0.05)
        for _ in range(PER_BLOCK):
            await until(lambda: not pane.loading_older)
            older.append(await frames.timed(pilot, pane.load_older))
            await pilot.pause(0.05)
        return rss_mb()


def main() -> None:
    home = isolate_home("servicedeck-bench-max-")
    started = time.perf_counter()
    with SandboxProcess(home / "sandbox", ["max"], {"activities": ACTIVITIES}) as sandbox:
        print(f"(sandbox seeded with {ACTIVITIES:,} activities in {time.perf_counter() - started:.0f} s)", flush=True)
        import tui.app  # noqa: F401 - imported once, outside the timings
        from tui.services.max.stream_view import ActivityStream

        frames = Frames()
        frames.after(ActivityStream, "set_entries")
        frames.after(ActivityStream, "append")
        pane_first: list[float] = []
        pane_older: list[float] = []
        reference_first: list[float] = []
        reference_older: list[float] = []
        rss = 0.0
        for _ in range(BLOCKS):
            asyncio.run(reference_block(sandbox.base_url, frames, reference_first, reference_older))
            rss = asyncio.run(pane_block(sandbox.base_url, frames, pane_first, pane_older))
        report(
            "MAX: first page (30 activities) on screen",
            pane_first,
            "ms",
            reference=reference_first,
            reference_name="stock Static list app, same client and page",
            target="<= 1.2x",
            limit=1.2,
        )
        report(
            "MAX: an older page (30) added while scrolling back",
            pane_older,
            "ms",
            reference=reference_older,
            reference_name="stock Static list app, same client and page",
            target="<= 1.2x",
            limit=1.2,
        )
        report("MAX: process memory (pane and reference apps ran here)", rss, "MB", target="< 150 MB", limit=150)


if __name__ == "__main__":
    main()

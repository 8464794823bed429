"""Tickets pane on 100,000 tickets: a page scrolled into view, and the app's memory after scrolling 50 pages.

Reference: a minimal Textual app written here, a stock `DataTable` that fetches the same page with the same client
(`CerbClient.search_tickets`, same query, sort, page size and expansions) and shows the same cells. The pane and the
reference alternate in blocks, in this process; the sandbox runs in its own.

Run: `python -m tests.perf cerb`.
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

TICKETS = int(os.environ.get("CERB_TICKETS", "100000"))
QUERY = "status:o"
BLOCKS = int(os.environ.get("CERB_BLOCKS", "4"))
PER_BLOCK = 4
JUMP = 7  # pages between two timed pages, so each one is fetched (never one the table prefetched)


def _connection(base_url: str) -> Any:
    from tui.profiles import Connection
    from tui.sandbox.cerb.seed import ACCESS_KEY, SECRET

    return Connection(
        kind="cerb", url=f"{base_url}/cerb/rest/", username=ACCESS_KEY, secret=SECRET, secret_source="memory"
    )


def reference_app(base_url: str, frames: Frames) -> Any:
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer

    from tui.services.cerb import render
    from tui.services.cerb.client import CerbClient
    from tui.services.cerb.table_view import COLUMNS, PAGE_SIZE, TABLE_EXPAND

    def cell(value: str | tuple[str, str]) -> Text:
        return Text(value[0], style=value[1]) if isinstance(value, tuple) else Text(value)

    class TableReference(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable(cursor_type="row")
            yield Footer()

        async def on_mount(self) -> None:
            table = self.query_one(DataTable)
            for column in COLUMNS:
                table.add_column(column.label, width=column.width)
            connection = _connection(base_url)
            self.client = CerbClient.from_connection(connection, connection.secret)
            await self.show_page(0)

        async def show_page(self, page: int) -> None:
            result = await self.client.search_tickets(
                QUERY, page=page + 1, limit=PAGE_SIZE, sort="updated", ascending=False, expand=TABLE_EXPAND
            )
            table = self.query_one(DataTable)
            table.clear()
            table.add_rows([[cell(c) for c in render.ticket_cells(t)] for t in result.tickets])
            frames.mark()

    return TableReference()


async def reference_block(base_url: str, frames: Frames, times: list[float], first_page: int) -> None:
    app = reference_app(base_url, frames)
    async with app.run_test(size=SIZE) as pilot:
        await until(lambda: hasattr(app, "client"))
        await pilot.pause(0.3)
        for n in range(PER_BLOCK):
            page = first_page + n * JUMP
            times.append(await frames.timed(pilot, lambda page=page: app.show_page(page)))
            await pilot.pause(0.05)
        await app.client.aclose()


async def pane_block(base_url: str, frames: Frames, times: list[float], first_page: int, *, memory: bool) -> float:
    from tui.app import ServiceDeckApp
    from tui.drafts import DraftStore
    from tui.http import ExchangeLog
    from tui.profiles import Profile
    from tui.services.cerb.pane import TicketsPane

    profile = Profile(name="bench", connections={"cerb": _connection(base_url)}, builtin=True)
    app = ServiceDeckApp(
        profile, drafts=DraftStore(Path(tempfile.mkdtemp()) / "d"), exchange_log=ExchangeLog(), initial_pane="cerb"
    )
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(TicketsPane)
        table = pane.table
        await until(lambda: table.current() is not None)
        if pane.filter_name != "open":  # the reference's query
            pane.action_filter("open")
            await pilot.pause(0.1)
            await until(lambda: table.current() is not None)
        await pilot.pause(0.3)
        for n in range(PER_BLOCK):
            page = first_page + n * JUMP
            times.append(await frames.timed(pilot, lambda page=page: setattr(table, "cursor", page * table.page_size)))
            await pilot.pause(0.05)
        if not memory:
            return 0.0
        for _ in range(50):  # then 50 pages down, each waited for, as a reader paging through
            table.cursor = min(table.total - 1, table.cursor + table.page_size)
            await until(lambda: table.current() is not None)
        await pilot.pause()
        return rss_mb()


def main() -> None:
    home = isolate_home("servicedeck-bench-cerb-")
    started = time.perf_counter()
    with SandboxProcess(home / "sandbox", ["cerb"], {"tickets": TICKETS}) as sandbox:
        print(f"(sandbox seeded with {TICKETS:,} tickets in {time.perf_counter() - started:.0f} s)", flush=True)
        import tui.app  # noqa: F401 - imported once, outside the timings
        from tui.widgets.paged_table import PagedTable

        frames = Frames()
        set_page = PagedTable.set_page

        def marked(table: PagedTable, page: int, *args: Any, **kwargs: Any) -> bool:
            result = set_page(table, page, *args, **kwargs)
            if page == table.cursor // table.page_size:  # the page in view, not a neighbour prefetched with it
                frames.mark()
            return result

        PagedTable.set_page = marked  # type: ignore[method-assign]
        pane_times: list[float] = []
        reference_times: list[float] = []
        rss = 0.0
        for block in range(BLOCKS):
            first = 3 + block * PER_BLOCK * JUMP
            asyncio.run(reference_block(sandbox.base_url, frames, reference_times, first))
            rss = asyncio.run(pane_block(sandbox.base_url, frames, pane_times, first, memory=block == BLOCKS - 1))
        report(
            "Cerb: a page of 50 tickets scrolled into view",
            pane_times,
            "ms",
            reference=reference_times,
            reference_name="stock DataTable app, same client and page",
            target="<= 1.2x",
            limit=1.2,
        )
        report(
            "Cerb: process memory after 50 more pages (pane and reference apps ran here)",
            rss,
            "MB",
            target="< 150 MB",
            limit=150,
        )


if __name__ == "__main__":
    main()

"""Tickets pane with 100,000 tickets: search + first page on screen, scrolling 50 pages, memory after that.

The reference is the official `cerbapi` client fetching the same page from the same sandbox in the same run.
Run: `.venv/bin/python -m tests.perf cerb`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

TICKETS = 100_000
QUERY = "status:o"
EXPAND = ["group_", "bucket_", "owner_"]  # what the table asks for


def main() -> None:
    home = tempfile.mkdtemp(prefix="servicedeck-bench-cerb-")
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        os.environ[var] = os.path.join(home, var.lower())

    from tests.perf.common import median_ms, report, rss_mb
    from tui.sandbox import Sandbox

    started = time.perf_counter()
    box = Sandbox(data_dir=Path(home) / "sandbox", kinds=["cerb"], scale={"tickets": TICKETS}).start()
    report(f"sandbox seeded with {TICKETS:,} tickets", (time.perf_counter() - started) * 1000, "ms", target="one-off")
    try:
        from cerbapi import Cerb

        from tui.services.cerb.pane import PAGE_SIZE

        connection = box.profile().connection("cerb")
        official = Cerb(connection.username, connection.secret, base=connection.url)
        official.search_records("ticket", f"{QUERY} sort:-updated", expand=EXPAND, limit=PAGE_SIZE, page=1)  # warm up
        reference = median_ms(
            lambda: official.search_records("ticket", f"{QUERY} sort:-updated", expand=EXPAND, limit=PAGE_SIZE, page=1),
            repeat=7,
        )
        asyncio.run(_client_page(connection, reference, PAGE_SIZE))
        asyncio.run(_pane(box, reference, PAGE_SIZE))
        report("memory after search + 50 pages (app + sandbox)", rss_mb(), "MB", target="< 150 MB")
    finally:
        box.stop()


async def _client_page(connection, reference: float, page_size: int) -> None:
    from tests.perf.common import report
    from tui.services.cerb.client import CerbClient

    async with CerbClient.from_connection(connection, connection.secret) as client:
        await client.search_tickets(QUERY, limit=page_size)  # warm up the pool
        times = []
        for _ in range(7):
            start = time.perf_counter()
            await client.search_tickets(QUERY, limit=page_size, expand=EXPAND)
            times.append((time.perf_counter() - start) * 1000)
    report(f"client: search + first page of {page_size}", statistics.median(times), "ms", reference=reference,
           reference_name="cerbapi same page", target="<= 1.5x cerbapi")


async def _pane(box, reference: float, page_size: int) -> None:
    from tests.conftest import wait_for
    from tests.perf.common import report
    from tui.app import ServiceDeckApp
    from tui.drafts import DraftStore
    from tui.http import ExchangeLog
    from tui.services.cerb.pane import TicketsPane

    app = ServiceDeckApp(box.profile(), drafts=DraftStore(Path(tempfile.mkdtemp()) / "d"), exchange_log=ExchangeLog(),
                         initial_pane="cerb")
    async with app.run_test(size=(140, 42)) as pilot:
        pane = app.query_one(TicketsPane)
        table = pane.table
        await wait_for(pilot, lambda: table.current() is not None, timeout=60)
        times = []
        for name in ("all", "waiting", "open", "all", "open"):  # every switch is a new search, first page on screen
            start = time.perf_counter()
            pane.action_filter(name)
            await wait_for(pilot, lambda: table.current() is not None and table.loaded_rows > 0, timeout=30, step=0.002)
            times.append((time.perf_counter() - start) * 1000)
        report("pane: search + first page on screen", statistics.median(times), "ms", reference=reference,
               reference_name="cerbapi same page", target="< 300 ms and <= 1.5x cerbapi")

        start = time.perf_counter()
        for _ in range(50):
            table.cursor = min(table.total - 1, table.cursor + page_size)
            await wait_for(pilot, lambda: table.current() is not None, timeout=30, step=0.002)
        elapsed = (time.perf_counter() - start) * 1000
        assert table.cursor >= 50 * page_size - 1, "did not get 50 pages down"
        report("pane: scroll 50 pages (each page on screen)", elapsed, "ms", target="smooth: ~1 fetch per page")
        report("pane: rows held after 50 pages", table.loaded_rows, "rows", target=f"<= {table.keep_pages * page_size}")


if __name__ == "__main__":
    main()

"""MAX Activity pane with 50,000 activities: first page on screen, 50 pages back, memory after.

Run: python -m tests.perf max
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from tests.perf.common import report, rss_mb

ACTIVITIES = 50_000
PAGES_BACK = 50


async def _measure(box) -> None:
    from tests.conftest import wait_for
    from tui.app import ServiceDeckApp
    from tui.drafts import DraftStore
    from tui.http import ExchangeLog
    from tui.services.max.client import MaxClient
    from tui.services.max.models import StreamView
    from tui.services.max.pane import ActivityPane

    connection = box.profile().connection("max")
    # reference: the same first page fetched by the bare client, no UI
    client = MaxClient.from_connection(connection, connection.secret)
    await client.stream(StreamView(), limit=ActivityPane.page_size)  # sign in, warm the pool
    fetches = []
    for _ in range(7):
        start = time.perf_counter()
        await client.stream(StreamView(), limit=ActivityPane.page_size)
        fetches.append((time.perf_counter() - start) * 1000)
    await client.aclose()
    fetch_ms = statistics.median(fetches)

    with tempfile.TemporaryDirectory() as tmp:
        app = ServiceDeckApp(
            box.profile(), drafts=DraftStore(Path(tmp)), exchange_log=ExchangeLog(limit=200), initial_pane="max"
        )
        async with app.run_test(size=(140, 42)) as pilot:
            pane = app.query_one(ActivityPane)
            await wait_for(pilot, lambda: pane.loaded and pane.stream.entries, timeout=30)
            # first page on screen: from reload to the page rendered, median of several
            times, cpu = [], []
            for _ in range(7):
                pane.loaded = False
                start, start_cpu = time.perf_counter(), time.process_time()
                pane.reload()
                while not (pane.loaded and pane.stream.entries):
                    await asyncio.sleep(0.001)
                await pilot.pause()  # let the screen draw it
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            report(
                "MAX first page on screen (50k activities)",
                statistics.median(times),
                "ms",
                reference=fetch_ms,
                reference_name="same page, bare client",
                target="< 200 ms",
            )
            # CPU of the whole process (app + sandbox thread): what the wall time would be on an idle machine
            report("MAX first page on screen, CPU time", statistics.median(cpu), "ms", target="< 200 ms")

            # scroll back: press End until 50 more pages are in, each loaded as the reader reaches the end
            start = time.perf_counter()
            loads = 0
            seen: set[str] = set(pane.stream.ids)
            while loads < PAGES_BACK:
                before = len(seen)
                await pilot.press("end")
                while pane.loading_older:
                    await asyncio.sleep(0.001)
                await pilot.pause()  # drawn
                seen.update(pane.stream.ids)
                if len(seen) > before:
                    loads += 1
            elapsed = (time.perf_counter() - start) * 1000
            report(
                f"MAX scroll {PAGES_BACK} pages back ({PAGES_BACK * pane.page_size} activities)",
                elapsed,
                "ms",
                reference=fetch_ms * PAGES_BACK,
                reference_name="50 bare fetches",
                target="smooth (per page ~ fetch)",
            )
            report(
                "MAX per page while scrolling back",
                elapsed / PAGES_BACK,
                "ms",
                reference=fetch_ms,
                reference_name="bare fetch",
                target="-",
            )
            report("MAX activities held in the window", len(pane.stream.entries), "n", target=f"<= {pane.max_entries}")
            report("MAX RSS after scrolling back (app + sandbox in one process)", rss_mb(), "MB", target="< 150 MB")


def main() -> None:
    from tui.sandbox import Sandbox

    baseline = rss_mb()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        box = Sandbox(data_dir=Path(tmp), kinds=["max"], scale={"activities": ACTIVITIES}).start()
        report("MAX sandbox seed + start (50k activities)", (time.perf_counter() - start) * 1000, "ms", target="-")
        try:
            report(
                "MAX RSS before the app (interpreter + sandbox)",
                rss_mb(),
                "MB",
                reference=baseline,
                reference_name="interpreter",
            )
            asyncio.run(_measure(box))
        finally:
            box.stop()


if __name__ == "__main__":
    main()

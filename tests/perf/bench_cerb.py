"""Tickets pane with 100,000 tickets: search + first page on screen, scrolling 50 pages, memory after that.

The sandbox runs in its own process, as a real Cerb would, so the app's timings and memory are the app's alone.
The reference is the official `cerbapi` client fetching the same page from the same server in the same run.
Run: `.venv/bin/python -m tests.perf cerb`.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TICKETS = 100_000
QUERY = "status:o"
EXPAND = ["group_", "bucket_", "owner_"]  # what the table asks for

SERVER = """
import sys
from pathlib import Path
from tui.sandbox import Sandbox
box = Sandbox(data_dir=Path(sys.argv[1]), port=int(sys.argv[2]), kinds=["cerb"], scale={"tickets": int(sys.argv[3])})
box.serve_forever()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(data: Path, port: int) -> subprocess.Popen:
    root = Path(__file__).resolve().parents[2]
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(data), str(port), str(TICKETS)],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    end = time.monotonic() + 300
    while time.monotonic() < end:
        if server.poll() is not None:
            raise RuntimeError(f"the sandbox stopped: {server.stderr.read().decode()[-500:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise TimeoutError("the sandbox did not start")


def main() -> None:
    home = tempfile.mkdtemp(prefix="servicedeck-bench-cerb-")
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_DATA_HOME"):
        os.environ[var] = os.path.join(home, var.lower())

    from tests.perf.common import median_ms, report, rss_mb
    from tui.profiles import Profile
    from tui.sandbox.cerb.seed import ACCESS_KEY, SECRET
    from tui.services.cerb.table_view import PAGE_SIZE

    port = _free_port()
    started = time.perf_counter()
    server = _start_server(Path(home) / "sandbox", port)
    report(
        f"sandbox seeded with {TICKETS:,} tickets, serving",
        (time.perf_counter() - started) * 1000,
        "ms",
        target="one-off",
    )
    try:
        from cerbapi import Cerb

        from tui.profiles import Connection

        connection = Connection(
            kind="cerb",
            url=f"http://127.0.0.1:{port}/cerb/rest/",
            username=ACCESS_KEY,
            secret=SECRET,
            secret_source="memory",
        )
        official = Cerb(connection.username, connection.secret, base=connection.url)

        def official_page():
            official.search_records("ticket", f"{QUERY} sort:-updated", expand=EXPAND, limit=PAGE_SIZE, page=1)

        official_page()  # warm up
        reference = median_ms(official_page, repeat=9)
        asyncio.run(_client_page(connection, reference, PAGE_SIZE))
        profile = Profile(name="bench", connections={"cerb": connection}, builtin=True)
        asyncio.run(_pane(profile, reference, PAGE_SIZE))
        report("memory of the app after search + 50 pages", rss_mb(), "MB", target="< 150 MB")
    finally:
        server.terminate()
        server.wait(timeout=15)


async def _client_page(connection, reference: float, page_size: int) -> None:
    from tests.perf.common import report
    from tui.services.cerb.client import CerbClient

    async with CerbClient.from_connection(connection, connection.secret) as client:
        await client.search_tickets(QUERY, limit=page_size, expand=EXPAND)  # warm up the pool
        times = []
        for _ in range(9):
            start = time.perf_counter()
            await client.search_tickets(QUERY, limit=page_size, expand=EXPAND)
            times.append((time.perf_counter() - start) * 1000)
    report(
        f"client: search + first page of {page_size}",
        statistics.median(times),
        "ms",
        reference=reference,
        reference_name="cerbapi same page",
        target="<= 1.5x cerbapi",
    )


async def _pane(profile, reference: float, page_size: int) -> None:
    from tests.conftest import wait_for
    from tests.perf.common import report
    from tui.app import ServiceDeckApp
    from tui.drafts import DraftStore
    from tui.http import ExchangeLog
    from tui.services.cerb.pane import TicketsPane

    app = ServiceDeckApp(
        profile, drafts=DraftStore(Path(tempfile.mkdtemp()) / "d"), exchange_log=ExchangeLog(), initial_pane="cerb"
    )
    async with app.run_test(size=(140, 42)) as pilot:
        pane = app.query_one(TicketsPane)
        table = pane.table
        await wait_for(pilot, lambda: table.current() is not None, timeout=60)
        times = []
        for name in ("all", "waiting", "open", "all", "open", "closed", "open"):  # each is a new search
            start = time.perf_counter()
            pane.action_filter(name)
            # on screen = the table rendered its first row of the new result (not merely fetched it)
            await wait_for(pilot, lambda: table.painted_generation == table.generation, timeout=30, step=0.002)
            times.append((table.painted_at - start) * 1000)
        report(
            "pane: search + first page on screen",
            statistics.median(times),
            "ms",
            reference=reference,
            reference_name="cerbapi same page",
            target="< 300 ms and <= 1.5x cerbapi",
        )

        start = time.perf_counter()
        for _ in range(50):
            table.cursor = min(table.total - 1, table.cursor + page_size)
            await wait_for(pilot, lambda: table.current() is not None, timeout=30, step=0.002)
        elapsed = (time.perf_counter() - start) * 1000
        assert table.cursor >= 50 * page_size - 1, "did not get 50 pages down"
        report(
            "pane: scroll 50 pages, each on screen (per page)",
            elapsed / 50,
            "ms",
            reference=reference,
            reference_name="cerbapi same page",
            target="about one page fetch",
        )
        report("pane: rows held after 50 pages", table.loaded_rows, "rows", target=f"<= {table.keep_pages * page_size}")


if __name__ == "__main__":
    main()

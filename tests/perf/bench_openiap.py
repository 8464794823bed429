"""Queues pane under a flood: the sandbox floods one queue with 200,000 messages.

Figures: the app's ingest rate against our client alone consuming the same flood (same run, same server), messages
lost (dropped-from-view is counted separately), resident memory growth while the app takes the flood, and the delay
from a key press (space: pause/resume) to the screen showing the change, while the flood runs.

The sandbox runs in a child process so that its CPU and memory are not counted as the app's.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tests.perf.common import report, rss_mb

FLOOD = int(os.environ.get("OPENIAP_BENCH_MESSAGES", "200000"))
FLOOD_QUEUE = "$sandbox.flood"  # a message here makes the sandbox flood a queue from inside the server
PROBE_EVERY = 0.15  # seconds between key presses while the flood runs
STALL_SECONDS = 20.0  # no new message for this long: the flood is over, whatever did not arrive is lost

SANDBOX_SCRIPT = """
import sys
from tui.sandbox import Sandbox
box = Sandbox(kinds=["openiap"]).start()
print(box.port, flush=True)
sys.stdin.read()  # until the benchmark closes our stdin
box.stop()
"""


def start_sandbox() -> tuple[subprocess.Popen, int]:
    root = Path(__file__).resolve().parents[2]
    child = subprocess.Popen(
        [sys.executable, "-c", SANDBOX_SCRIPT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=root, text=True
    )
    port = int(child.stdout.readline())
    # keep reading whatever it prints: a full pipe would block the server mid-flood
    threading.Thread(target=lambda: [None for _ in child.stdout], daemon=True).start()
    return child, port


def profile_for(port: int):
    from tui.profiles import Connection, Profile

    connection = Connection(
        kind="openiap", url=f"ws://127.0.0.1:{port}/ws/v2", username="admin", secret="admin", secret_source="memory"
    )
    return Profile(name="bench", connections={"openiap": connection}, builtin=True)


async def wait_all(count, n: int) -> float:
    """Wait until count() reaches n or stops moving; returns the time the last message arrived."""
    last, last_change = count(), time.perf_counter()
    while count() < n:
        await asyncio.sleep(0.02)
        now = count()
        if now != last:
            last, last_change = now, time.perf_counter()
        elif time.perf_counter() - last_change > STALL_SECONDS:
            break
    return last_change if count() < n else time.perf_counter()


async def client_alone(port: int, n: int) -> tuple[float, int]:
    """Our client consuming the flood with no UI, with the calls the pane makes (iterate, then take what waits)."""
    from tui.services.openiap.client import OpenIAPClient

    connection = profile_for(port).connection("openiap")
    client = OpenIAPClient.from_connection(connection, "admin")
    await client.connect()
    queue = "bench-client"
    subscription = await client.register_queue(queue)
    received = 0

    async def consume() -> None:
        nonlocal received
        async for _message in subscription:
            received += 1 + len(subscription.drain(2000))

    task = asyncio.create_task(consume())
    start = time.perf_counter()
    await client.queue_message(FLOOD_QUEUE, {"queue": queue, "n": n})
    end = await wait_all(lambda: received, n)
    task.cancel()
    await subscription.close()
    await client.aclose()
    return received / (end - start) if received else 0.0, received


async def app_under_flood(port: int, n: int) -> dict[str, float]:
    from textual import events

    from tests.conftest import wait_for
    from tui.app import ServiceDeckApp
    from tui.drafts import DraftStore
    from tui.http import ExchangeLog
    from tui.services.openiap.client import OpenIAPClient
    from tui.services.openiap.pane import QueuesPane

    tmp = Path(tempfile.mkdtemp(prefix="bench-openiap-"))
    app = ServiceDeckApp(
        profile_for(port),
        drafts=DraftStore(tmp / "drafts"),
        exchange_log=ExchangeLog(limit=200),
        initial_pane="openiap",
    )
    queue = "bench-app"
    out: dict[str, float] = {}
    async with app.run_test(size=(140, 42)) as pilot:
        pane = app.query_one(QueuesPane)
        await wait_for(pilot, lambda: pane.connection_state == "connected", timeout=30)
        pane._add("queue", queue)
        await wait_for(pilot, lambda: any(s.name == queue and s.status == "live" for s in pane.sources), timeout=30)
        source = next(s for s in pane.sources if s.name == queue)
        states: list[str] = []
        pane.client.on_state(lambda state, detail: states.append(f"{time.perf_counter():.1f} {state} {detail}"))
        tail = pane.queue_tail
        tail.view.focus()

        # every screen update, with whether the tail was paused when it was drawn
        frames: list[tuple[float, bool]] = []
        display = app._display

        def spy(screen, renderable):
            frames.append((time.perf_counter(), tail.paused))
            return display(screen, renderable)

        app._display = spy

        rss_before = rss_mb()
        rss_peak = rss_before
        latencies: list[float] = []
        flood_done = asyncio.Event()

        async def probe() -> None:
            """Press space while the flood runs; time until a frame shows the tail in the new state."""
            nonlocal rss_peak
            while not flood_done.is_set():
                try:
                    await asyncio.wait_for(flood_done.wait(), PROBE_EVERY)
                    break
                except TimeoutError:
                    pass
                rss_peak = max(rss_peak, rss_mb())
                want = not tail.paused
                pressed = time.perf_counter()
                app.post_message(events.Key("space", " "))
                deadline = pressed + 5
                while time.perf_counter() < deadline:
                    drawn = next((t for t, paused in reversed(frames) if t >= pressed and paused == want), None)
                    if drawn is not None:
                        latencies.append((drawn - pressed) * 1000)
                        break
                    await asyncio.sleep(0.001)
                else:
                    latencies.append(5000.0)

        # the client that asks for the flood is a separate one, as a producer elsewhere would be
        connection = profile_for(port).connection("openiap")
        producer = OpenIAPClient.from_connection(connection, "admin")
        await producer.connect()
        probing = asyncio.create_task(probe())
        start = time.perf_counter()
        await producer.queue_message(FLOOD_QUEUE, {"queue": queue, "n": n})
        end = await wait_all(lambda: source.count, n)
        flood_done.set()
        states.append("(end of flood)")
        await probing
        await producer.aclose()
        tail.set_paused(False)
        await pilot.pause()
        rss_peak = max(rss_peak, rss_mb())
        out = {
            "rate": source.count / (end - start) if source.count else 0.0,
            "reconnects": float(pane.reconnects),
            "states": [x for x in states],
            "subscription_received": float(getattr(source.subscription, "received", -1)),
            "received": float(source.count),
            "dropped_from_view": float(tail.buffer.dropped),
            "kept": float(len(tail.buffer.items)),
            "rss_growth": rss_peak - rss_before,
            "p95": statistics.quantiles(latencies, n=20)[-1]
            if len(latencies) >= 2
            else (latencies[0] if latencies else -1.0),
            "median": statistics.median(latencies) if latencies else -1.0,
            "probes": float(len(latencies)),
            "frames_per_s": len(frames) / max(1e-9, end - start),
        }
        app._display = display
    return out


def main() -> None:
    child, port = start_sandbox()
    try:
        reference_rate, reference_received = asyncio.run(client_alone(port, FLOOD))
        result = asyncio.run(app_under_flood(port, FLOOD))
    finally:
        child.stdin.close()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
    report(
        f"ingest rate, app tailing a {FLOOD:,}-message flood",
        result["rate"],
        "msg/s",
        reference=reference_rate,
        reference_name="our client alone, no UI",
        target=">= 50% of the client alone",
    )
    report(
        "messages lost by the app",
        FLOOD - result["received"],
        "msg",
        reference=float(FLOOD - reference_received),
        reference_name="lost by the client alone",
        target="0",
    )
    report(
        "dropped from view (bounded tail buffer, counted)",
        result["dropped_from_view"],
        "msg",
        reference=result["kept"],
        reference_name="kept in the buffer",
        target="informational",
    )
    report("resident memory growth while tailing the flood", result["rss_growth"], "MB", target="< 100 MB")
    report(
        f"key press to screen, p95 of {int(result['probes'])} presses during the flood",
        result["p95"],
        "ms",
        reference=result["median"],
        reference_name="median",
        target="p95 < 100 ms",
    )
    report("screen updates per second during the flood", result["frames_per_s"], "/s", target="informational (~5/s)")
    if result["received"] < FLOOD:
        # say where the messages went missing: before the pane (the client never delivered them) or in it
        print(
            f"   note: the client's subscription delivered {int(result['subscription_received']):,} of {FLOOD:,}; "
            f"connection states seen: {result['states'] or 'none'}",
            flush=True,
        )


if __name__ == "__main__":
    main()

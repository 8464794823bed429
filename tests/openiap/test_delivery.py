"""Delivery guarantees, measured: the sandbox runs in its own process (`python -m tui sandbox`) and is killed with
kill -9 and restarted five times while a producer publishes numbered messages in batches of 200 and a consumer tails
the queue. Every publish either is acknowledged or fails with a ServiceError (none is abandoned); every acknowledged
message arrives, and none arrives twice."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx

from tui.http import ServiceError
from tui.services.openiap.client import OpenIAPClient

ROOT = Path(__file__).resolve().parents[2]
BATCH = 200
BATCHES = 15
KILLS = 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SandboxProcess:
    """`python -m tui sandbox --port P --data DIR`, started, killed with SIGKILL and started again."""

    def __init__(self, port: int, data: Path):
        self.port = port
        self.data = data
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/v2"

    async def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui", "sandbox", "--port", str(self.port), "--data", str(self.data)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.starts += 1
        end = time.monotonic() + 30
        async with httpx.AsyncClient() as http:
            while True:
                assert self.process.poll() is None, "the sandbox exited while starting"
                try:
                    if (await http.get(f"http://127.0.0.1:{self.port}/", timeout=1)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < end, "the sandbox did not start"
                await asyncio.sleep(0.05)

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()


async def test_kill_9_five_times_while_publishing_loses_nothing_acknowledged_and_duplicates_nothing(tmp_path):
    server = SandboxProcess(free_port(), tmp_path)
    await server.start()
    options = {"request_timeout": 5.0, "backoff_start": 0.05, "backoff_cap": 0.3}
    consumer = OpenIAPClient(server.url, "admin", "admin", agent="consumer", **options)
    producer = OpenIAPClient(server.url, "admin", "admin", agent="producer", **options)
    received: list[int] = []
    acknowledged: set[int] = set()
    refused: set[int] = set()  # failed with a ServiceError: may or may not have been stored
    abandoned: list[str] = []
    try:
        subscription = await consumer.register_queue("delivery")
        await producer.connect()

        async def consume() -> None:
            async for message in subscription:
                received.append(message.data["n"])

        async def publish(n: int) -> None:
            try:
                await asyncio.wait_for(producer.queue_message("delivery", {"n": n}), 30)
            except ServiceError:
                refused.add(n)
            except BaseException as exc:  # anything else is a failure the caller could not handle
                abandoned.append(f"{n}: {type(exc).__name__}")
            else:
                acknowledged.add(n)

        async def kill_and_restart(rng: random.Random) -> None:
            for _ in range(KILLS):
                await asyncio.sleep(rng.uniform(0.3, 0.8))
                server.kill()
                await asyncio.sleep(rng.uniform(0.0, 0.3))
                await server.start()

        consuming = asyncio.create_task(consume())
        killing = asyncio.create_task(kill_and_restart(random.Random(12)))
        n = 0
        for _ in range(BATCHES):
            await asyncio.gather(*(publish(n + i) for i in range(BATCH)))
            n += BATCH
            await asyncio.sleep(0.05)
        await killing
        end = time.monotonic() + 30
        while not acknowledged <= set(received) and time.monotonic() < end:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # a duplicate would come now
        consuming.cancel()
    finally:
        await consumer.aclose()
        await producer.aclose()
        server.stop()

    counts = Counter(received)
    lost = sorted(acknowledged - set(received))
    duplicated = sorted(k for k, v in counts.items() if v > 1)
    print(
        f"\n{BATCHES * BATCH} published in batches of {BATCH}, {KILLS} kill -9: {len(acknowledged)} acknowledged, "
        f"{len(refused)} refused with an error ({len(refused & set(received))} of them arrived anyway), "
        f"{len(abandoned)} abandoned; {len(lost)} acknowledged lost, {len(duplicated)} duplicated, "
        f"{consumer.redelivered} second deliveries recognised"
    )
    assert server.starts == KILLS + 1
    assert abandoned == []
    assert len(acknowledged) + len(refused) == BATCHES * BATCH
    assert lost == []
    assert duplicated == []
    assert len(acknowledged) > BATCHES * BATCH // 2  # the test published through the restarts, not around them

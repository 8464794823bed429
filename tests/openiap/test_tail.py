"""Headless `servicedeck tail QUEUE`: JSON lines on stdout, one-line reasons on stderr, Ctrl-C exits 0."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

from tui.profiles import Connection, Profile, ProfileStore
from tui.services.openiap.client import OpenIAPClient
from tui.services.openiap.tail import run_tail

PROJECT = Path(__file__).resolve().parents[2]


def wait_until(predicate, timeout: float = 15.0, what: str = "") -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.02)


async def async_until(predicate, timeout: float = 10.0, what: str = "") -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.02)


async def send(connection: Connection, queue: str, *items) -> None:
    async with OpenIAPClient.from_connection(connection, connection.secret) as client:
        for index, item in enumerate(items):
            await client.queue_message(queue, item, correlation_id=f"c{index}")


async def test_run_tail_prints_one_json_line_per_message(connection, service):
    queue = f"tail-{uuid.uuid4().hex[:8]}"
    out, err = io.StringIO(), io.StringIO()
    task = asyncio.create_task(run_tail(connection, connection.secret, queue, out, err))
    await async_until(lambda: service.consumers(queue) == 1, what="tail registered")
    await send(connection, queue, {"order": 1, "text": "café"}, "not json at all", [1, 2, 3])
    await async_until(lambda: out.getvalue().count("\n") == 3, what="three lines")
    task.cancel()  # what Ctrl-C does to asyncio.run's main task
    assert await task == 0
    lines = out.getvalue().splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["data"] for r in records] == [{"order": 1, "text": "café"}, "not json at all", [1, 2, 3]]
    assert [r["seq"] for r in records] == [1, 2, 3]
    assert [r["correlation_id"] for r in records] == ["c0", "c1", "c2"]
    assert all(r["queue"] == queue and r["received_at"] > 0 for r in records)
    assert err.getvalue() == ""
    await async_until(lambda: service.consumers(queue) == 0, what="unregistered on exit")


async def test_temporary_queue_name_goes_to_stderr(connection, service):
    out, err = io.StringIO(), io.StringIO()
    task = asyncio.create_task(run_tail(connection, connection.secret, "", out, err))
    await async_until(lambda: "temporary queue" in err.getvalue(), what="queue name announced")
    name = err.getvalue().split()[-1]
    assert name.startswith("tmp.")
    await send(connection, name, {"x": 1})
    await async_until(lambda: out.getvalue().count("\n") == 1, what="a line")
    task.cancel()
    assert await task == 0


async def test_tail_survives_a_dropped_connection(connection, service):
    queue = f"tail-drop-{uuid.uuid4().hex[:8]}"
    out, err = io.StringIO(), io.StringIO()
    task = asyncio.create_task(run_tail(connection, connection.secret, queue, out, err))
    await async_until(lambda: service.consumers(queue) == 1, what="tail registered")
    assert service.drop_connections() >= 1
    await async_until(lambda: "Reconnected." in err.getvalue(), what="reconnect reported")
    await async_until(lambda: service.consumers(queue) == 1, what="registered again")
    await send(connection, queue, {"after": "drop"})
    await async_until(lambda: out.getvalue().count("\n") == 1, what="a line after the drop")
    task.cancel()
    assert await task == 0
    assert json.loads(out.getvalue())["data"] == {"after": "drop"}
    assert err.getvalue().splitlines()[0].startswith("Connection lost; retrying in")


async def test_refused_sign_in_exits_non_zero_with_one_line(connection):
    out, err = io.StringIO(), io.StringIO()
    code = await run_tail(connection, "wrong-password", "anything", out, err)
    assert code != 0
    assert err.getvalue() == "OpenIAP refused the username or password.\n"
    assert out.getvalue() == "" and "wrong-password" not in err.getvalue()


async def test_unreachable_server_exits_non_zero_with_one_line():
    out, err = io.StringIO(), io.StringIO()
    connection = Connection(kind="openiap", url="ws://127.0.0.1:9/ws/v2", username="admin")
    code = await run_tail(connection, "admin", "anything", out, err)
    assert code != 0
    assert err.getvalue().count("\n") == 1 and err.getvalue().startswith("Cannot connect to OpenIAP")


SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from tui.profiles import Connection
    from tui.services.openiap.tail import run_tail
    connection = Connection(kind="openiap", url=sys.argv[1], username="admin")
    sys.exit(asyncio.run(run_tail(connection, "admin", sys.argv[2], sys.stdout, sys.stderr)))
    """
)


def interrupt_after_lines(command: list[str], service, queue: str, connection: Connection, env=None):
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=PROJECT, env=env)
    try:
        wait_until(lambda: service.consumers(queue) == 1 or process.poll() is not None, what="tail subscribed")
        assert process.poll() is None, process.stderr.read()
        asyncio.run(send(connection, queue, {"n": 1}, {"n": 2}))
        lines = [process.stdout.readline(), process.stdout.readline()]
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    return code, lines, process.stderr.read()


def test_ctrl_c_exits_zero(connection, service):
    queue = f"sigint-{uuid.uuid4().hex[:8]}"
    code, lines, stderr = interrupt_after_lines(
        [sys.executable, "-c", SCRIPT, connection.url, queue], service, queue, connection
    )
    assert code == 0, stderr
    assert [json.loads(line)["data"] for line in lines] == [{"n": 1}, {"n": 2}]
    assert "Traceback" not in stderr


def test_servicedeck_tail_command(connection, service, tmp_path):
    config = tmp_path / "config"
    store = ProfileStore(config / "servicedeck" / "profiles.toml")
    store.save(
        Profile(
            name="tailtest",
            connections={
                "openiap": Connection(
                    kind="openiap",
                    url=connection.url,
                    username="admin",
                    secret_source="env",
                    secret_env="SERVICEDECK_TAIL_TEST_SECRET",
                )
            },
        )
    )
    env = {**os.environ, "XDG_CONFIG_HOME": str(config), "SERVICEDECK_TAIL_TEST_SECRET": "admin"}
    queue = f"cli-{uuid.uuid4().hex[:8]}"
    code, lines, stderr = interrupt_after_lines(
        [sys.executable, "-m", "tui", "tail", queue, "--profile", "tailtest"], service, queue, connection, env=env
    )
    assert code == 0, stderr
    assert [json.loads(line)["data"] for line in lines] == [{"n": 1}, {"n": 2}]

    env["SERVICEDECK_TAIL_TEST_SECRET"] = "wrong"
    refused = subprocess.run(
        [sys.executable, "-m", "tui", "tail", queue, "--profile", "tailtest"],
        capture_output=True,
        text=True,
        cwd=PROJECT,
        env=env,
        timeout=60,
    )
    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines() == ["OpenIAP refused the username or password."]
    assert refused.stdout == ""

"""`servicedeck queues …` against the OpenIAP sandbox: a real subprocess for the commands that wait on a queue."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid

from tests.commands.conftest import cli_env
from tui.profiles import sandbox_profile
from tui.services.openiap.client import OpenIAPClient

WORKITEM_KEYS = {"id", "name", "state", "wiq", "priority", "retries", "payload", "errormessage", "nextrun", "lastrun"}


def client_for(sandbox) -> OpenIAPClient:
    conn = sandbox_profile(sandbox.base_url).connections["openiap"]
    return OpenIAPClient.from_connection(conn, conn.secret)


async def cli(sandbox, *args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tui", *args, "--profile", "sandbox",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env=cli_env(sandbox.base_url),
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(stdin), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_publish_delivers_the_json_to_a_consumer(sandbox):
    queue = f"cli-{uuid.uuid4().hex[:8]}"
    async with client_for(sandbox) as consumer:
        subscription = await consumer.register_queue(queue)
        code, out, err = await cli(sandbox, "queues", "publish", queue, '{"order": 7, "text": "café"}')
        assert (code, out) == (0, ""), err
        assert f"Sent to {queue}." in err
        code, _, err = await cli(sandbox, "queues", "publish", queue, "-", stdin=b"[1, 2, 3]\n")
        assert code == 0, err
        received = [await asyncio.wait_for(anext(aiter(subscription)), 10) for _ in range(2)]
    assert [m.data for m in received] == [{"order": 7, "text": "café"}, [1, 2, 3]]


async def test_publish_wait_reply_prints_the_reply(sandbox):
    queue = f"rpc-{uuid.uuid4().hex[:8]}"
    async with client_for(sandbox) as responder:
        subscription = await responder.register_queue(queue)

        async def answer() -> None:
            async for message in subscription:
                await responder.queue_message(
                    message.replyto, {"echo": message.data}, correlation_id=message.correlation_id
                )

        task = asyncio.create_task(answer())
        try:
            code, out, err = await cli(sandbox, "queues", "publish", queue, '{"ping": 1}', "--wait-reply", "--json")
        finally:
            task.cancel()
    assert code == 0, err
    reply = json.loads(out)
    assert reply["data"] == {"echo": {"ping": 1}} and reply["correlation_id"]


async def test_publish_refuses_what_is_not_json(sandbox):
    code, out, err = await cli(sandbox, "queues", "publish", "anything", "{not json")
    assert code == 1 and out == "" and "not JSON" in err and err.count("\n") == 1


async def test_workitems_push_then_pop(sandbox):
    name = f"cli-{uuid.uuid4().hex[:8]}"
    code, out, err = await cli(
        sandbox, "queues", "workitems", "push", "default-wiq", "--name", name, "--payload", '{"n": 1}'
    )
    assert code == 0, err
    pushed = json.loads(out)
    assert set(pushed) == WORKITEM_KEYS and pushed["name"] == name and pushed["payload"] == {"n": 1}
    assert pushed["state"] == "new"
    for _ in range(50):  # the queue may hold older items: pop until ours comes
        code, out, err = await cli(sandbox, "queues", "workitems", "pop", "default-wiq")
        assert code == 0, err
        assert out, f"{name} never came out of the queue"
        popped = json.loads(out)
        if popped["id"] == pushed["id"]:
            break
    assert popped["state"] == "processing" and popped["payload"] == {"n": 1}


async def test_workitems_of_an_unknown_queue_is_one_line(sandbox):
    code, out, err = await cli(sandbox, "queues", "workitems", "pop", f"no-such-{uuid.uuid4().hex[:6]}")
    assert code == 1 and out == "" and err.startswith("servicedeck: ") and err.count("\n") == 1

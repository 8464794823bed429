"""The official OpenIAP Python client (openiap==0.0.37), unchanged, against the sandbox over the websocket.

It runs in a subprocess: its generated protobuf modules declare the same `openiap.*` message names as ours, and two
such files cannot share one protobuf descriptor pool.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
import uuid

import pytest

from tui.services.openiap.client import OpenIAPClient

# never imported here (see above): only checked for
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("openiap") is None, reason="the official client is in the test extra"
)

OFFICIAL_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from openiap.client import Client

    def emit(tag, value):
        print(tag, json.dumps(value, default=str), flush=True)

    async def main(url, queue, collection, echo_queue):
        client = Client(url)
        user = await asyncio.wait_for(client.Signin("admin", "admin"), 20)
        emit("SIGNIN", {"username": user.username, "roles": [r.name for r in user.roles], "jwt": bool(client.jwt)})

        got = asyncio.get_running_loop().create_future()
        async def on_message(c, message, payload):
            if not got.done():
                got.set_result({"queue": message.queuename, "payload": payload})
        registered = await asyncio.wait_for(client.RegisterQueue(queue, on_message), 10)
        await client.QueueMessage(queue, {"hello": "world"})
        emit("QUEUE", {"registered": registered, "message": await asyncio.wait_for(got, 10)})

        rows = await asyncio.wait_for(client.Query("entities", {"_type": "customer"}, top=3, orderby={"rank": 1}), 10)
        emit("QUERY", rows)

        events = asyncio.Queue()
        async def on_change(c, operation, document):
            await events.put({"operation": operation, "document": document})
        watch_id = await asyncio.wait_for(client.Watch(collection, [], on_change), 10)
        inserted = await asyncio.wait_for(client.InsertOne({"_type": "test", "name": "from official"}, collection), 10)
        event = await asyncio.wait_for(events.get(), 10)
        emit("WATCH", {"id": watch_id, "inserted": inserted, "event": event})

        pushed = await asyncio.wait_for(client.PushWorkitem("default-wiq", "official item", {"n": 7}, priority=1), 10)
        popped = await asyncio.wait_for(client.PopWorkitem("default-wiq"), 10)
        popped_state = popped.state
        popped.state = "successful"
        updated = await asyncio.wait_for(client.UpdateWorkitem(popped), 10)
        emit("WORKITEM", {"pushed": [pushed._id, pushed.state, pushed.wiq],
                          "popped": [popped._id, popped_state, json.loads(popped.payload)],
                          "updated": [updated._id, updated.state]})

        try:
            await asyncio.wait_for(client.Query("entities", {"n": {"$where": "1"}}), 10)
            emit("ERROR", None)
        except ValueError as error:
            emit("ERROR", str(error))

        done = asyncio.get_running_loop().create_future()
        async def echo(c, message, payload):
            if payload.get("stop"):
                done.set_result(True)
                return None
            return {"echo": payload}  # the official client sends this to replyto with the correlation id
        await asyncio.wait_for(client.RegisterQueue(echo_queue, echo), 10)
        emit("READY", echo_queue)
        await asyncio.wait_for(done, 30)

    asyncio.run(main(*sys.argv[1:]))
    """
)


async def test_official_client_against_the_sandbox(box, tmp_path):
    script = tmp_path / "official.py"
    script.write_text(OFFICIAL_SCRIPT)
    connection = box.profile().connections["openiap"]
    queue, collection, echo_queue = (f"{p}-{uuid.uuid4().hex[:8]}" for p in ("official", "officialcol", "echo"))
    process = subprocess.Popen(
        [sys.executable, str(script), connection.url, queue, collection, echo_queue],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    results: dict = {}
    client = OpenIAPClient.from_connection(connection, connection.secret)
    try:
        for line in process.stdout:
            tag, _, value = line.strip().partition(" ")
            if tag in ("SIGNIN", "QUEUE", "QUERY", "WATCH", "WORKITEM", "ERROR", "READY"):
                results[tag] = json.loads(value)
            if tag == "READY":
                # our client and theirs on the same broker: a request/reply through its callback
                reply = await client.rpc(echo_queue, {"ping": 1}, timeout=10)
                results["RPC"] = reply.data
                await client.queue_message(echo_queue, {"stop": True})
                break
        process.wait(timeout=30)
    finally:
        await client.aclose()
        if process.poll() is None:
            process.kill()
    stderr = process.stderr.read()
    assert process.returncode == 0, stderr[-2000:]

    assert results["SIGNIN"] == {"username": "admin", "roles": ["admins", "users"], "jwt": True}
    assert results["QUEUE"] == {"registered": queue, "message": {"queue": queue, "payload": {"hello": "world"}}}
    assert [row["rank"] for row in results["QUERY"]] == [1, 3, 5]
    watch = results["WATCH"]
    assert watch["id"] and len(watch["inserted"]["_id"]) == 24
    assert watch["event"]["operation"] == "insert" and watch["event"]["document"]["_id"] == watch["inserted"]["_id"]
    work = results["WORKITEM"]
    assert work["pushed"][1:] == ["new", "default-wiq"]
    assert work["popped"] == [work["pushed"][0], "processing", {"n": 7}]
    assert work["updated"] == [work["pushed"][0], "successful"]
    assert "unsupported query operator" in results["ERROR"]
    assert results["RPC"] == {"echo": {"ping": 1}}


# openiap 0.0.37 has no method of its own for work item queues, but its generated messages include
# AddWorkItemQueueRequest and its transport sends any envelope: the client's own parts, nothing of ours.
OFFICIAL_WIQ_SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    from openiap.client import Client
    from openiap.protowrap import protowrap
    from proto import base_pb2, workitems_pb2

    def emit(tag, value):
        print(tag, json.dumps(value, default=str), flush=True)

    async def main(url, name, done_name):
        client = Client(url)
        await asyncio.wait_for(client.Signin("admin", "admin"), 20)
        async def add(**settings):
            request = base_pb2.Envelope(command="addworkitemqueue")
            request.data.Pack(workitems_pb2.AddWorkItemQueueRequest(**settings))
            # its transport answers None for a reply type it has no decoder for; an error would raise
            await asyncio.wait_for(protowrap.RPC(client, request), 10)

        await add(name=done_name)
        await add(name=name, maxretries=5, retrydelay=30, initialdelay=2, success_wiq=done_name)
        rows = await asyncio.wait_for(client.Query("mq", {"_type": "workitemqueue", "name": name}), 10)
        queue = rows[0]
        emit("ADDED", {key: queue.get(key) for key in
                       ("_id", "name", "maxretries", "retrydelay", "initialdelay", "success_wiq")})
        pushed = await asyncio.wait_for(client.PushWorkitem(name, "first job", {"n": 1}), 10)
        emit("PUSHED", [pushed._id, pushed.wiq, pushed.wiqid])
        try:
            await asyncio.wait_for(client.PushWorkitem(name + "-missing", "lost job", {"n": 2}), 10)
            emit("MISSING", None)
        except Exception as error:
            emit("MISSING", str(error))

    asyncio.run(main(*sys.argv[1:]))
    """
)


async def test_official_client_adds_a_work_item_queue_our_client_then_manages(box, tmp_path):
    script = tmp_path / "official_wiq.py"
    script.write_text(OFFICIAL_WIQ_SCRIPT)
    connection = box.profile().connections["openiap"]
    name, done_name = f"official-wiq-{uuid.uuid4().hex[:8]}", f"official-done-{uuid.uuid4().hex[:8]}"
    process = subprocess.run(
        [sys.executable, str(script), connection.url, name, done_name], capture_output=True, text=True, timeout=60
    )
    assert process.returncode == 0, process.stderr[-2000:]
    results = {}
    for line in process.stdout.splitlines():  # the client prints lines of its own too
        tag, _, value = line.partition(" ")
        if tag in ("ADDED", "PUSHED", "MISSING"):
            results[tag] = json.loads(value)
    added = results["ADDED"]
    assert added["_id"] and added["name"] == name
    assert [added[k] for k in ("maxretries", "retrydelay", "initialdelay", "success_wiq")] == [5, 30, 2, done_name]
    assert results["PUSHED"][1:] == [name, added["_id"]]
    assert "not found" in results["MISSING"].lower()

    client = OpenIAPClient.from_connection(connection, connection.secret)
    try:
        queues = {q.name: q for q in await client.workitem_queues()}
        assert queues[name].id == added["_id"] and queues[name].maxretries == 5
        assert (await client.workitem_counts(queues[name])).get("new") == 1
        await client.delete_workitem_queue(queues[name], purge=True)
        await client.delete_workitem_queue(queues[done_name], purge=True)
        assert not {name, done_name} & {q.name for q in await client.workitem_queues()}
    finally:
        await client.aclose()

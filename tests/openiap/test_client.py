"""OpenIAPClient against the OpenIAP sandbox over a real websocket: every call, error replies, the exchange log."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import start_sandbox
from tui.http import (
    AuthError,
    BadRequestError,
    ConflictError,
    ExchangeLog,
    NotFoundError,
    ProtocolError,
    UnavailableError,
)
from tui.profiles import Connection
from tui.services.openiap.client import Collection, OpenIAPClient, QueueMessage, SignedInUser, WatchEvent, Workitem


@pytest.fixture
async def client(connection):
    log = ExchangeLog()
    client = OpenIAPClient.from_connection(connection, connection.secret, exchange_log=log)
    await client.connect()
    yield client
    await client.aclose()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def next_item(subscription, timeout: float = 5.0):
    return await asyncio.wait_for(subscription.__anext__(), timeout)


def test_sandbox_connection_shape(box):
    connection = box.profile().connections["openiap"]
    assert connection.url == box.base_url.replace("http", "ws") + "/ws/v2"
    assert (connection.username, connection.secret, connection.secret_source) == ("admin", "admin", "memory")


async def test_connect_and_check(connection):
    states: list[str] = []
    client = OpenIAPClient.from_connection(connection, connection.secret)
    unsubscribe = client.on_state(lambda state, detail: states.append(state))
    user = await client.connect()
    assert isinstance(user, SignedInUser)
    assert user.username == "admin" and "admins" in user.roles and len(user.id) == 24
    assert await client.check() == "Signed in as admin"
    assert client.state == "connected"
    assert states == ["connecting", "connected"]
    unsubscribe()
    await client.aclose()
    assert client.state == "disconnected"
    assert states == ["connecting", "connected"]  # unsubscribed: the close was not reported


async def test_jwt_sign_in(connection, client):
    token = client._jwt
    assert token.count(".") == 2
    jwt_connection = Connection(kind="openiap", url=connection.url, options={"auth": "jwt"})
    other = OpenIAPClient.from_connection(jwt_connection, token)
    try:
        assert await other.check() == "Signed in as admin"
    finally:
        await other.aclose()


async def test_wrong_password_is_an_auth_error(connection):
    client = OpenIAPClient(connection.url, "admin", "not-the-password")
    with pytest.raises(AuthError) as caught:
        await client.connect()
    assert str(caught.value) == "OpenIAP refused the username or password."
    assert "not-the-password" not in caught.value.readable
    assert client.state == "disconnected"
    await client.aclose()


async def test_bad_token_is_an_auth_error(connection):
    client = OpenIAPClient(connection.url, jwt="abc.def.ghi")
    with pytest.raises(AuthError, match="sign-in token"):
        await client.connect()
    await client.aclose()


async def test_unreachable_server_is_unavailable():
    client = OpenIAPClient("ws://127.0.0.1:9/ws/v2", "admin", "admin")
    with pytest.raises(UnavailableError, match="Cannot connect to OpenIAP"):
        await client.connect()
    assert client.state == "disconnected"
    await client.aclose()


async def test_not_a_websocket_is_a_protocol_error(box):
    client = OpenIAPClient(box.base_url.replace("http", "ws") + "/nothing-here", "admin", "admin")
    with pytest.raises((ProtocolError, UnavailableError)):
        await client.connect()
    await client.aclose()


async def test_request_timeout_is_unavailable(connection):
    client = OpenIAPClient(connection.url, "admin", "admin", request_timeout=0.5)
    await client.connect()
    try:
        # a rpc to a queue nobody consumes gets no reply
        with pytest.raises(UnavailableError, match="No reply"):
            await client.rpc(unique("nobody"), {"x": 1}, timeout=0.3)
    finally:
        await client.aclose()


async def test_queue_roundtrip(client):
    name = unique("roundtrip")
    subscription = await client.register_queue(name)
    assert subscription.queuename == name
    await client.queue_message(name, {"n": 1}, correlation_id="c1", replyto="somewhere")
    await client.queue_message(name, "plain text")
    first = await next_item(subscription)
    second = await next_item(subscription)
    assert isinstance(first, QueueMessage)
    assert (first.queuename, first.data, first.correlation_id, first.replyto, first.seq) == (
        name,
        {"n": 1},
        "c1",
        "somewhere",
        1,
    )
    assert first.raw == '{"n": 1}' and first.received_at > 0
    assert (second.data, second.seq) == ("plain text", 2)
    await subscription.close()
    # closed: the iterator ends
    with pytest.raises(StopAsyncIteration):
        await next_item(subscription)


async def test_messages_wait_for_a_consumer(client):
    name = unique("durable")
    for i in range(5):
        await client.queue_message(name, {"i": i})
    subscription = await client.register_queue(name)
    received = [(await next_item(subscription)).data["i"] for _ in range(5)]
    assert received == [0, 1, 2, 3, 4]
    await subscription.close()


async def test_fan_out_to_every_consumer(connection, client):
    name = unique("fanout")
    other = OpenIAPClient.from_connection(connection, connection.secret)
    await other.connect()
    try:
        mine = await client.register_queue(name)
        theirs = await other.register_queue(name)
        await client.queue_message(name, {"hello": "all"})
        assert (await next_item(mine)).data == {"hello": "all"}
        assert (await next_item(theirs)).data == {"hello": "all"}
    finally:
        await other.aclose()


async def test_temporary_queue_and_rpc(connection, client):
    service_queue = unique("service")
    worker = OpenIAPClient.from_connection(connection, connection.secret)
    await worker.connect()
    requests = await worker.register_queue(service_queue)

    async def serve_one():
        request = await next_item(requests)
        await worker.queue_message(request.replyto, {"echo": request.data}, correlation_id=request.correlation_id)

    server = asyncio.create_task(serve_one())
    try:
        reply = await client.rpc(service_queue, {"ask": 42}, timeout=5)
        assert reply.data == {"echo": {"ask": 42}}
        assert reply.queuename.startswith("tmp.")
        await server
        temp = await client.register_queue()
        assert temp.temporary and temp.queuename.startswith("tmp.") and temp.queuename != reply.queuename
    finally:
        server.cancel()
        await worker.aclose()


async def test_expired_messages_are_dropped(client):
    name = unique("expiring")
    await client.queue_message(name, {"old": True}, expiration=1)
    await asyncio.sleep(0.05)
    await client.queue_message(name, {"old": False})
    subscription = await client.register_queue(name)
    assert (await next_item(subscription)).data == {"old": False}


async def test_collections(client):
    collections = await client.list_collections()
    assert all(isinstance(c, Collection) for c in collections)
    assert {"entities", "workitems", "mq", "users"} <= {c.name for c in collections}
    assert await client.count("entities") >= 20
    customers = await client.query("entities", {"_type": "customer"}, top=5)
    assert 0 < len(customers) <= 5 and all(d["_type"] == "customer" for d in customers)


async def test_query_language(client):
    collection = unique("things")
    for i in range(10):
        await client.insert_one(
            collection,
            {
                "_type": "thing",
                "n": i,
                "name": f"Thing {i}",
                "tags": ["even" if i % 2 == 0 else "odd"],
                **({"extra": True} if i < 3 else {}),
            },
        )
    assert [d["n"] for d in await client.query(collection, {"n": {"$gte": 7}}, orderby={"n": 1})] == [7, 8, 9]
    assert [d["n"] for d in await client.query(collection, {"n": {"$in": [1, 4]}}, orderby={"n": 1})] == [1, 4]
    assert await client.count(collection, {"n": {"$ne": 0}}) == 9
    assert await client.count(collection, {"tags": "even"}) == 5
    assert await client.count(collection, {"extra": {"$exists": True}}) == 3
    assert await client.count(collection, {"name": {"$regex": "^thing [12]$", "$options": "i"}}) == 2
    assert await client.count(collection, {"$or": [{"n": 0}, {"n": {"$gt": 8}}]}) == 2
    assert await client.count(collection, {"$and": [{"n": {"$gt": 2}}, {"n": {"$lt": 5}}]}) == 2
    page = await client.query(collection, {}, orderby={"n": -1}, top=3, skip=2, projection={"n": 1})
    assert [d["n"] for d in page] == [7, 6, 5]
    assert set(page[0]) == {"_id", "n"}
    with pytest.raises(BadRequestError, match="unsupported query operator"):
        await client.query(collection, {"n": {"$where": "1"}})


async def test_insert_update_delete(client):
    collection = unique("crud")
    doc = await client.insert_one(collection, {"_type": "note", "text": "hello"})
    assert len(doc["_id"]) == 24 and doc["_created"] == doc["_modified"]
    doc["text"] = "changed"
    updated = await client.update_one(collection, doc)
    assert updated["text"] == "changed" and updated["_version"] == 1
    assert (await client.query(collection, {"_id": doc["_id"]}))[0]["text"] == "changed"
    with pytest.raises(ConflictError):
        await client.insert_one(collection, {"_id": doc["_id"], "text": "again"})
    with pytest.raises(NotFoundError):
        await client.update_one(collection, {"_id": "0" * 24, "text": "nobody"})
    assert await client.delete_one(collection, doc["_id"]) == 1
    assert await client.delete_one(collection, doc["_id"]) == 0
    assert await client.count(collection) == 0


async def test_watch_events(client):
    collection = unique("watched")
    watch = await client.watch(collection)
    doc = await client.insert_one(collection, {"_type": "x", "v": 1})
    doc["v"] = 2
    await client.update_one(collection, doc)
    await client.delete_one(collection, doc["_id"])
    events = [await next_item(watch) for _ in range(3)]
    assert all(isinstance(e, WatchEvent) for e in events)
    assert [e.operation for e in events] == ["insert", "update", "delete"]
    assert [e.document.get("v") for e in events] == [1, 2, 2]
    assert events[0].collection == collection and events[0].watch_id == watch.watch_id
    await watch.close()
    await client.insert_one(collection, {"_type": "x", "v": 3})
    with pytest.raises(StopAsyncIteration):
        await next_item(watch)


async def test_workitem_lifecycle(client):
    wiq = unique("wiq")
    await client.insert_one("mq", {"_type": "workitemqueue", "name": wiq, "maxretries": 2, "retrydelay": 0})
    low = await client.push_workitem(wiq, "low priority", {"n": 1}, priority=3)
    high = await client.push_workitem(wiq, "high priority", {"n": 2}, priority=1)
    later = await client.push_workitem(
        wiq, "later", {"n": 3}, priority=1, nextrun=datetime.now(UTC) + timedelta(hours=1)
    )
    assert isinstance(low, Workitem) and low.state == "new" and low.wiq == wiq and low.payload == {"n": 1}
    assert later.nextrun is not None and later.nextrun > datetime.now(UTC)

    popped = await client.pop_workitem(wiq)
    assert popped.id == high.id and popped.state == "processing" and popped.lastrun is not None
    done = await client.update_workitem(popped, state="successful")
    assert done.state == "successful"

    popped = await client.pop_workitem(wiq)
    assert popped.id == low.id
    retried = await client.update_workitem(popped, state="retry", errormessage="try again")
    assert (retried.state, retried.retries, retried.errormessage) == ("new", 1, "try again")
    popped = await client.pop_workitem(wiq)
    failed = await client.update_workitem(popped, state="retry")
    assert (failed.state, failed.retries) == ("failed", 2)  # maxretries reached

    assert await client.pop_workitem(wiq) is None  # only the future item is left
    listed = await client.workitems(wiq)
    assert {w.id for w in listed} == {low.id, high.id, later.id}
    assert [w.id for w in await client.workitems(wiq, state="successful")] == [high.id]


async def test_workitem_errors(client):
    with pytest.raises(NotFoundError, match="Work item queue"):
        await client.push_workitem(unique("missing-wiq"), "x", {})
    item = await client.push_workitem("default-wiq", "bad state", {})
    with pytest.raises(BadRequestError, match="Invalid state"):
        await client.update_workitem(item, state="sideways")


async def test_exchange_log_is_redacted(connection):
    log = ExchangeLog()
    client = OpenIAPClient.from_connection(connection, connection.secret, exchange_log=log)
    await client.connect()
    await client.query("entities", {}, top=1)
    token = client._jwt
    await client.aclose()
    entries = list(log)
    summaries = [e.note for e in entries]
    assert any(s.startswith("signin") for s in summaries) and any(s.startswith("signinreply") for s in summaries)
    assert any(s.startswith("query") for s in summaries) and any(s.startswith("queryreply") for s in summaries)
    everything = " ".join(e.request_body + e.response_body + e.url + e.note for e in entries)
    assert token and token not in everything
    assert '"password": "admin"' not in everything and "•••" in everything
    assert {e.method for e in entries} == {"SEND", "RECV"}


def test_client_does_not_import_textual():
    code = (
        "import sys, tui.services.openiap.client, tui.services.openiap.tail; "
        "assert 'textual' not in sys.modules, 'textual imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


async def test_a_flood_is_summarized_in_the_exchange_log(box, connection):
    log = ExchangeLog(limit=100_000)
    client = OpenIAPClient.from_connection(connection, connection.secret, exchange_log=log)
    await client.connect()
    try:
        name = unique("flooded")
        subscription = await client.register_queue(name)
        service = next(s for s in box.services if s.kind == "openiap")
        await asyncio.get_running_loop().run_in_executor(None, service.flood, name, 1000)
        received = []
        while len(received) < 1000:
            received.append(await next_item(subscription))
        assert [m.data["flood"] for m in received] == list(range(1, 1001))
        events = [e for e in log if e.note.startswith("queueevent")]
        assert 0 < len(events) < 1000  # the first ones one by one, the rest counted
        await asyncio.sleep(1.05)
        await client.count("entities")  # any later traffic flushes the count
        summaries = [e.note for e in log if "not logged one by one" in e.note]
        assert summaries and all("queueevent" in s for s in summaries)
        counted = sum(int(s.split(" and ")[1].split()[0]) for s in summaries)
        assert len(events) + counted == 1000
    finally:
        await client.aclose()


async def test_demo_activity(tmp_path_factory):
    demo = start_sandbox(tmp_path_factory, "openiap", demo=True)
    connection = demo.profile().connections["openiap"]
    client = OpenIAPClient.from_connection(connection, connection.secret)
    try:
        await client.connect()
        orders = await client.register_queue("demo")
        changes = await client.watch("demo")
        work = await client.watch("workitems")
        first, second = await next_item(orders), await next_item(orders)
        assert second.data["order"] == first.data["order"] + 1 and {"product", "qty", "price"} <= set(first.data)
        change = await next_item(changes, timeout=10)
        assert change.operation in ("insert", "update") and change.document["_type"] == "order"
        moved = await next_item(work, timeout=10)
        assert moved.document["wiq"] == "demo-wiq"
    finally:
        await client.aclose()
        demo.stop()


async def test_a_full_queue_drops_its_oldest_messages(tmp_path_factory):
    small = start_sandbox(tmp_path_factory, "openiap", scale={"openiap_queue_bound": 10})
    service = next(s for s in small.services if s.kind == "openiap")
    connection = small.profile().connections["openiap"]
    client = OpenIAPClient.from_connection(connection, connection.secret)
    try:
        await client.connect()
        for i in range(25):
            await client.queue_message("bounded", {"i": i})
        assert (service.waiting("bounded"), service.dropped("bounded")) == (10, 15)
        subscription = await client.register_queue("bounded")
        assert [(await next_item(subscription)).data["i"] for _ in range(10)] == list(range(15, 25))
    finally:
        await client.aclose()
        small.stop()


async def test_pings_are_answered(connection):
    log = ExchangeLog()
    client = OpenIAPClient(connection.url, "admin", "admin", exchange_log=log, ping_interval=0.05)
    await client.connect()
    try:
        end = asyncio.get_running_loop().time() + 5
        while not any(e.note.startswith("pong") for e in log):
            assert asyncio.get_running_loop().time() < end, "no pong"
            await asyncio.sleep(0.02)
        assert client.state == "connected"
    finally:
        await client.aclose()


async def test_one_queue_consumed_twice_by_one_client(box, client):
    service = next(s for s in box.services if s.kind == "openiap")
    name = unique("twice")
    first = await client.register_queue(name)
    second = await client.register_queue(name)
    await client.queue_message(name, {"n": 1})
    assert (await next_item(first)).data == {"n": 1} and (await next_item(second)).data == {"n": 1}
    await first.close()
    assert service.consumers(name) == 1  # still consumed by the other subscription
    await client.queue_message(name, {"n": 2})
    assert (await next_item(second)).data == {"n": 2}
    await second.close()
    assert service.consumers(name) == 0


async def test_unfiltered_query_pages_newest_first(client):
    collection = unique("paged")
    for i in range(5):
        await client.insert_one(collection, {"_type": "page", "i": i})
    assert [d["i"] for d in await client.query(collection, top=2, skip=1)] == [3, 2]
    assert [d["i"] for d in await client.query(collection, top=10)] == [4, 3, 2, 1, 0]
    assert set((await client.query(collection, top=1, projection={"i": 1}))[0]) == {"_id", "i"}

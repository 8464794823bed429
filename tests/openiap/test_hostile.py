"""The OpenIAP client against a hostile network: a server killed under load, poison messages, a desynchronised stream,
malformed replies. Nothing but the ServiceError family escapes, and the client tears the socket down and comes back."""

from __future__ import annotations

import asyncio
import gc
import json
import time
from typing import Any

import pytest

from tests.openiap.misbehaving import MisbehavingServer, Peer
from tui.http import ProtocolError, ServiceError
from tui.services.openiap.client import OpenIAPClient
from tui.services.openiap.wire import openiap_pb2 as pb


async def until(predicate, timeout: float = 10.0, what: str = "") -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout}s: {what or predicate}")
        await asyncio.sleep(0.01)


def counting(peer: Peer, envelope: pb.Envelope) -> None:
    """A well-behaved answer to count, registerqueue and unwatch / unregisterqueue."""
    if envelope.command == "count":
        peer.reply(envelope, pb.CountResponse(result=7))
    elif envelope.command == "registerqueue":
        request = pb.RegisterQueueRequest()
        envelope.data.Unpack(request)
        peer.reply(envelope, pb.RegisterQueueResponse(queuename=request.queuename or "tmp.1"))
    elif envelope.command == "watch":
        peer.reply(envelope, pb.WatchResponse(id=f"w{envelope.id}"))
    elif envelope.command == "unwatch":
        peer.reply(envelope, pb.UnWatchResponse())
    elif envelope.command == "unregisterqueue":
        peer.reply(envelope, pb.UnRegisterQueueResponse())


async def hammer(client: OpenIAPClient, seconds: float) -> tuple[int, list[BaseException]]:
    """Requests in flight all the time, for `seconds`: how many succeeded, and what the failures were."""
    ok = 0
    failures: list[BaseException] = []
    end = time.monotonic() + seconds

    async def one() -> None:
        nonlocal ok
        while time.monotonic() < end:
            try:
                assert await client.count("c") == 7
                ok += 1
            except Exception as exc:  # everything is collected and checked below
                failures.append(exc)
                await asyncio.sleep(0.01)

    await asyncio.gather(*(one() for _ in range(50)))
    return ok, failures


# -- a server killed under load ----------------------------------------------------------------------------------------


async def test_a_server_reset_under_load_fails_requests_as_service_errors_and_reconnects():
    async with MisbehavingServer(counting) as server:
        client = OpenIAPClient(server.url, "admin", "admin", request_timeout=3, backoff_start=0.05)
        await client.connect()
        try:
            load = asyncio.create_task(hammer(client, 1.5))
            await asyncio.sleep(0.3)
            server.peers[0].abort()
            ok, failures = await load
            assert all(isinstance(f, ServiceError) for f in failures), {type(f).__name__ for f in failures}
            assert server.connections == 2 and client.connected
            assert ok > 100
            assert await client.count("c") == 7
        finally:
            await client.aclose()


async def test_a_session_closed_under_us_is_torn_down_not_wedged():
    """httpx-ws closes its session when a write fails (the socket of a killed server), leaving the reader blocked on a
    stream nobody will ever wake; every send then raises wsproto's LocalProtocolError. The client must notice on its
    own, reconnect, and fail only with the ServiceError family."""
    async with MisbehavingServer(counting) as server:
        client = OpenIAPClient(server.url, "admin", "admin", request_timeout=3, backoff_start=0.05)
        await client.connect()
        try:
            assert client._ws is not None
            await client._ws.close()  # what httpx-ws does on a write error
            failures: list[BaseException] = []
            for _ in range(20):
                try:
                    await client.count("c")
                except Exception as exc:
                    failures.append(exc)
            assert all(isinstance(f, ServiceError) for f in failures), {type(f).__name__ for f in failures}
            await until(lambda: server.connections == 2 and client.connected, timeout=3, what="reconnected")
            assert await client.count("c") == 7
        finally:
            await client.aclose()


async def test_closing_a_watch_on_a_closing_socket_leaves_no_unretrieved_task_exception():
    seen: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda loop, context: seen.append(context))
    try:
        async with MisbehavingServer(counting) as server:
            client = OpenIAPClient(server.url, "admin", "admin", request_timeout=2, reconnect=False)
            await client.connect()
            try:
                watches = [await client.watch(f"c{n}") for n in range(8)]
                # the sends queue up behind one in progress (as under load), their callers give up, and then the
                # socket turns out to be closing
                async with client._send_lock:
                    closing = [asyncio.create_task(w.close()) for w in watches]
                    await asyncio.sleep(0.05)
                    for task in closing:
                        task.cancel()
                    assert client._ws is not None
                    await client._ws.close()
                await asyncio.gather(*closing, return_exceptions=True)
                await asyncio.sleep(0.1)
            finally:
                await client.aclose()
        gc.collect()
        await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert not [c for c in seen if "never retrieved" in str(c.get("message", ""))], seen


# -- poison messages ---------------------------------------------------------------------------------------------------


async def test_a_poison_message_is_delivered_raw_and_flagged_and_the_next_ones_arrive():
    deep = "[" * 50_000 + "]" * 50_000

    def handler(peer: Peer, envelope: pb.Envelope) -> None:
        counting(peer, envelope)
        if envelope.command == "registerqueue":
            peer.send("queueevent", pb.QueueEvent(queuename="poison", data=deep))
            for n in range(20):
                peer.send("queueevent", pb.QueueEvent(queuename="poison", data=json.dumps({"n": n})))

    async with MisbehavingServer(handler) as server:
        client = OpenIAPClient(server.url, "admin", "admin", request_timeout=3)
        await client.connect()
        try:
            subscription = await client.register_queue("poison")
            messages = [await asyncio.wait_for(subscription.__anext__(), 3) for _ in range(21)]
            assert messages[0].raw == deep and messages[0].data == deep and messages[0].malformed
            assert [m.data for m in messages[1:]] == [{"n": n} for n in range(20)]
            assert not any(m.malformed for m in messages[1:])
            assert server.connections == 1 and client.reconnects == 0
        finally:
            await client.aclose()


# -- a desynchronised stream -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param(b"\x05\x00\x00", id="three stray bytes"),
        pytest.param(b"\x08\x00\x00\x00" + b"\xff" * 8, id="an undecodable envelope"),
        pytest.param((2**32 - 1).to_bytes(4, "little"), id="a 4 GiB length"),
        pytest.param((65 * 2**20).to_bytes(4, "little") + b"x" * 1000, id="a frame over 64 MiB"),
    ],
)
async def test_a_desynchronised_stream_is_torn_down_and_reconnected(garbage: bytes):
    def handler(peer: Peer, envelope: pb.Envelope) -> None:
        if envelope.command == "count" and peer is peer.server.peers[0]:
            peer.send_raw(garbage)
        counting(peer, envelope)

    async with MisbehavingServer(handler) as server:
        client = OpenIAPClient(server.url, "admin", "admin", request_timeout=10, backoff_start=0.05)
        await client.connect()
        try:
            started = time.monotonic()
            with pytest.raises(ServiceError):
                await client.count("c")
                await client.count("c")  # stray bytes show only when the next frame comes
            assert time.monotonic() - started < 3, "not noticed: the request waited for its timeout"
            await until(lambda: server.connections == 2 and client.connected, timeout=3, what="reconnected")
            assert await client.count("c") == 7
        finally:
            await client.aclose()


async def test_bytes_that_never_make_a_frame_are_no_proof_of_life():
    """A frame whose body never completes: the ping goes unanswered behind it, and dribbled bytes are not life."""
    dribbling: list[asyncio.Task[None]] = []

    async def dribble(peer: Peer) -> None:
        while not peer.closed:
            peer.send_raw(b"\x00")
            await asyncio.sleep(0.02)

    def handler(peer: Peer, envelope: pb.Envelope) -> None:
        if envelope.command == "count" and peer is peer.server.peers[0]:
            peer.send_raw((60 * 2**20).to_bytes(4, "little"))
            dribbling.append(asyncio.create_task(dribble(peer)))
        counting(peer, envelope)

    async with MisbehavingServer(handler) as server:
        client = OpenIAPClient(server.url, "admin", "admin", request_timeout=0.5, ping_interval=0.2, backoff_start=0.05)
        await client.connect()
        try:
            with pytest.raises(ServiceError):
                await client.count("c")
            await until(lambda: server.connections == 2 and client.connected, timeout=5, what="reconnected")
            assert await client.count("c") == 7
        finally:
            for task in dribbling:
                task.cancel()
            await client.aclose()


# -- malformed replies -------------------------------------------------------------------------------------------------


def malformed(kind: str):
    def handler(peer: Peer, envelope: pb.Envelope) -> None:
        if kind == "empty":
            peer.reply(envelope, None)
        elif kind == "unknown type":
            body = pb.Envelope(command=envelope.command + "reply", rid=envelope.id, id="99")
            body.data.type_url = "type.googleapis.com/openiap.NoSuchReply"
            body.data.value = b"\x0a\x01x"
            data = body.SerializeToString()
            peer.send_raw(len(data).to_bytes(4, "little") + data)
        elif kind == "wrong type":
            peer.reply(envelope, pb.UnWatchResponse() if envelope.command == "count" else pb.CountResponse(result=1))
        elif kind == "non-object documents":
            if envelope.command in ("query",):
                peer.reply(envelope, pb.QueryResponse(results='[1, [2], "three"]'))
            elif envelope.command == "insertone":
                peer.reply(envelope, pb.InsertOneResponse(result="[1]"))
            elif envelope.command == "listcollections":
                peer.reply(envelope, pb.ListCollectionsResponse(results='{"name": 1}'))

    return handler


CALLS = {
    "register_queue": lambda c: c.register_queue(""),
    "count": lambda c: c.count("c"),
    "query": lambda c: c.query("c"),
    "insert_one": lambda c: c.insert_one("c", {"a": 1}),
    "list_collections": lambda c: c.list_collections(),
    "pop_workitem": lambda c: c.pop_workitem("q"),
    "push_workitem": lambda c: c.push_workitem("q", "n", {}),
    "watch": lambda c: c.watch("c"),
}


@pytest.mark.parametrize("kind", ["empty", "unknown type", "wrong type", "non-object documents"])
async def test_malformed_replies_are_service_errors(kind: str):
    async with MisbehavingServer(malformed(kind)) as server:
        client = OpenIAPClient(server.url, "admin", "admin", request_timeout=2, backoff_start=0.05)
        await client.connect()
        try:
            for name, call in CALLS.items():
                if kind == "empty" and name == "pop_workitem":
                    continue  # an empty pop reply means "nothing to do"
                if kind == "non-object documents" and name not in ("query", "insert_one", "list_collections"):
                    continue
                with pytest.raises(ServiceError) as caught:
                    await call(client)
                assert caught.type is not ServiceError or "OpenIAP" in str(caught.value), name
        finally:
            await client.aclose()


async def test_work_items_with_fields_of_the_wrong_type_are_protocol_errors():
    def handler(peer: Peer, envelope: pb.Envelope) -> None:
        documents = [{"_id": "1", "name": "x", "priority": "high", "retries": {"n": 1}}]
        peer.reply(envelope, pb.QueryResponse(results=json.dumps(documents)))

    async with MisbehavingServer(handler) as server:
        client = OpenIAPClient(server.url, "admin", "admin", request_timeout=2)
        await client.connect()
        try:
            with pytest.raises(ProtocolError):
                await client.workitems("q")
        finally:
            await client.aclose()


# -- the framing we send -----------------------------------------------------------------------------------------------


async def test_length_and_body_go_out_in_one_websocket_message():
    async with MisbehavingServer(counting) as server:
        async with OpenIAPClient(server.url, "admin", "admin", request_timeout=2) as client:
            for _ in range(5):
                assert await client.count("c") == 7
            messages = server.peers[0].messages
        assert len(messages) >= 6  # the sign-in and five counts
        for message in messages:
            size = int.from_bytes(message[:4], "little")
            assert len(message) == 4 + size
            envelope = pb.Envelope()
            envelope.ParseFromString(message[4:])
            assert envelope.command in ("signin", "count")


def test_the_tail_marks_a_malformed_message_and_the_inspector_says_why():
    from tui.services.openiap.inspector import message_document
    from tui.services.openiap.models import queue_message_from_pb
    from tui.services.openiap.render import MALFORMED_MARK, QueueMessageFormat

    deep = "[" * 50_000 + "]" * 50_000
    poison = queue_message_from_pb(pb.QueueEvent(queuename="q", data=deep), time.time(), 1)
    good = queue_message_from_pb(pb.QueueEvent(queuename="q", data='{"n": 1}'), time.time(), 2)
    line = "".join(segment.text for segment in QueueMessageFormat().segments(poison))
    assert MALFORMED_MARK in line and "[[[" in line
    assert MALFORMED_MARK not in "".join(segment.text for segment in QueueMessageFormat().segments(good))
    assert "malformed" in message_document(poison) and "malformed" not in message_document(good)

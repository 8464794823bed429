"""The sandbox broker as a durable one: named queues and their messages survive a restart (temporary ones do not),
each consumer's outbox is bounded, frames over the limit are refused before they are buffered, and a message sent
again after a crash is recognised by the client."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import httpx
import pytest
from httpx_ws import WebSocketDisconnect, aconnect_ws

from tests.openiap.misbehaving import MisbehavingServer, Peer
from tests.openiap.test_wire import RawSocket
from tui.sandbox import Sandbox
from tui.sandbox.openiap.connection import OUTBOX_LIMIT
from tui.services.openiap.client import OpenIAPClient
from tui.services.openiap.wire import openiap_pb2 as pb


async def until(predicate, timeout: float = 10.0, what: str = "") -> None:
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout}s: {what or predicate}")
        await asyncio.sleep(0.01)


def openiap(box: Sandbox):
    return next(s for s in box.services if s.kind == "openiap")


async def test_named_queues_and_their_messages_survive_a_restart_temporary_ones_do_not(tmp_path):
    first = Sandbox(data_dir=tmp_path, kinds=["openiap"]).start()
    url = first.profile().connections["openiap"].url
    try:
        async with OpenIAPClient(url, "admin", "admin") as client:
            temporary = await client.register_queue()
            consumed = await client.register_queue("kept-empty")
            for n in range(50):
                await client.queue_message("kept", {"n": n})
            await temporary.close()
            await consumed.close()
            temporary_name = temporary.queuename
    finally:
        await asyncio.to_thread(first.stop)
    second = Sandbox(data_dir=tmp_path, kinds=["openiap"]).start()
    try:
        service = openiap(second)
        assert service.waiting("kept") == 50
        assert "kept-empty" in service.server.broker.queues
        assert temporary_name not in service.server.broker.queues
        async with OpenIAPClient(second.profile().connections["openiap"].url, "admin", "admin") as client:
            subscription = await client.register_queue("kept")
            received = [(await asyncio.wait_for(subscription.__anext__(), 5)).data["n"] for _ in range(50)]
            assert received == list(range(50))
            await until(lambda: service.waiting("kept") == 0, what="all sent")
    finally:
        second.stop()
    third = Sandbox(data_dir=tmp_path, kinds=["openiap"]).start()
    try:
        assert openiap(third).waiting("kept") == 0  # sent messages are gone for good
    finally:
        third.stop()


async def test_a_consumer_that_does_not_read_holds_at_most_its_outbox(service, box):
    queue = f"slow-{uuid.uuid4().hex[:8]}"
    url = box.profile().connections["openiap"].url
    async with httpx.AsyncClient() as http, aconnect_ws(url, http) as ws:
        raw = RawSocket(ws)
        await raw.send("signin", pb.SigninRequest(username="admin", password="admin"), together=True)
        await raw.send("registerqueue", pb.RegisterQueueRequest(queuename=queue), together=True)
        await until(lambda: service.consumers(queue) == 1, what="registered")
        total = 20_000
        await asyncio.to_thread(service.flood, queue, total, {"pad": "x" * 1000})
        await asyncio.sleep(0.3)  # the writer fills the socket's buffers and stops
        peak = service.outbox_peak()
        assert 0 < peak <= OUTBOX_LIMIT
        assert service.waiting(queue) > total // 2  # the rest waits in the queue log, not in memory


async def test_a_huge_frame_from_a_stranger_is_refused_before_it_is_buffered(box):
    url = box.profile().connections["openiap"].url
    async with httpx.AsyncClient() as http, aconnect_ws(url, http) as ws:
        started = time.monotonic()
        await ws.send_bytes((2**32 - 1).to_bytes(4, "little") + b"x" * 65536)
        raw = RawSocket(ws)
        error = await raw.receive()  # why, then the socket closes
        assert error.command == "error"
        with pytest.raises(WebSocketDisconnect):
            await ws.receive_bytes(timeout=2)
        assert time.monotonic() - started < 3


async def test_a_frame_over_the_limit_from_a_signed_in_client_is_refused(box):
    url = box.profile().connections["openiap"].url
    async with httpx.AsyncClient() as http, aconnect_ws(url, http) as ws:
        raw = RawSocket(ws)
        await raw.send("signin", pb.SigninRequest(username="admin", password="admin"), together=True)
        assert (await raw.receive()).command == "signinreply"
        await ws.send_bytes((65 * 2**20).to_bytes(4, "little"))
        error = await raw.receive()
        assert error.command == "error"
        reply = pb.ErrorResponse()
        error.data.Unpack(reply)
        assert "over the limit" in reply.message
        with pytest.raises(WebSocketDisconnect):
            await ws.receive_bytes(timeout=2)


async def test_a_message_sent_again_after_a_crash_is_delivered_once():
    def handler(peer: Peer, envelope: pb.Envelope) -> None:
        if envelope.command == "registerqueue":
            peer.reply(envelope, pb.RegisterQueueResponse(queuename="q"))
            first = peer is peer.server.peers[0]
            for n in range(3) if first else range(2, 5):  # after the "restart", 2 comes again
                event = pb.Envelope(command="queueevent", id=f"q{n}", seq=peer.seq)
                peer.seq += 1
                event.data.Pack(pb.QueueEvent(queuename="q", data=json.dumps({"n": n})))
                body = event.SerializeToString()
                peer.send_raw(len(body).to_bytes(4, "little") + body)
            # the same data under another id is another message
            event = pb.Envelope(command="queueevent", id=f"other{len(peer.server.peers)}", seq=peer.seq)
            peer.seq += 1
            event.data.Pack(pb.QueueEvent(queuename="q", data=json.dumps({"n": 0})))
            body = event.SerializeToString()
            peer.send_raw(len(body).to_bytes(4, "little") + body)

    async with MisbehavingServer(handler, signin_config='{"stable_message_ids": true}') as server:
        client = OpenIAPClient(server.url, "admin", "admin", request_timeout=2, backoff_start=0.05)
        await client.connect()
        try:
            subscription = await client.register_queue("q")
            first = [(await asyncio.wait_for(subscription.__anext__(), 3)).data["n"] for _ in range(4)]
            server.peers[0].abort()
            second = [(await asyncio.wait_for(subscription.__anext__(), 3)).data["n"] for _ in range(3)]
            assert first == [0, 1, 2, 0] and second == [3, 4, 0]
            assert client.redelivered == 1
        finally:
            await client.aclose()


async def test_without_stable_ids_from_the_server_nothing_is_taken_for_a_second_delivery():
    def handler(peer: Peer, envelope: pb.Envelope) -> None:
        if envelope.command == "registerqueue":
            peer.reply(envelope, pb.RegisterQueueResponse(queuename="q"))
            for _ in range(2):  # a server numbering envelopes per connection: same id, same data, after a restart
                event = pb.Envelope(command="queueevent", id="7", seq=peer.seq)
                peer.seq += 1
                event.data.Pack(pb.QueueEvent(queuename="q", data='{"alive": true}'))
                body = event.SerializeToString()
                peer.send_raw(len(body).to_bytes(4, "little") + body)

    async with MisbehavingServer(handler) as server:
        async with OpenIAPClient(server.url, "admin", "admin", request_timeout=2) as client:
            subscription = await client.register_queue("q")
            for _ in range(2):
                assert (await asyncio.wait_for(subscription.__anext__(), 3)).data == {"alive": True}
            assert client.redelivered == 0

"""The client's own websocket frame reader against raw frames from a server: fragments, pings between them, a message
in many reads, a close after messages, and frames no server may send (which fail the connection with a close frame
naming the reason, after which the client comes back)."""

from __future__ import annotations

import asyncio
import time

import pytest
from wsproto.events import CloseConnection, Pong

from tests.openiap.misbehaving import MisbehavingServer, Peer
from tests.openiap.test_hostile import counting, until
from tui.services.openiap.client import OpenIAPClient, QueueSubscription
from tui.services.openiap.wire import openiap_pb2 as pb


def frame(payload: bytes, opcode: int = 0x2, *, fin: bool = True, rsv: int = 0, mask: bool = False) -> bytes:
    """One websocket frame as a server writes it (a masked one only to see it refused)."""
    first = (0x80 if fin else 0) | rsv | opcode
    bit = 0x80 if mask else 0
    size = len(payload)
    if size < 126:
        header = bytes([first, size | bit])
    elif size < 65536:
        header = bytes([first, 126 | bit]) + size.to_bytes(2, "big")
    else:
        header = bytes([first, 127 | bit]) + size.to_bytes(8, "big")
    if mask:
        key = b"\x11\x22\x33\x44"
        return header + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return header + payload


def queue_event(peer: Peer, data: str, queue: str = "q") -> bytes:
    """A queue event envelope with its length in front: the payload of one websocket message."""
    body = peer.envelope("queueevent", pb.QueueEvent(queuename=queue, data=data))
    return len(body).to_bytes(4, "little") + body


def spy(peer: Peer) -> list[object]:
    """Every websocket event the server receives from now on."""
    seen: list[object] = []
    original = peer._on_event

    async def recording(event: object) -> None:
        seen.append(event)
        await original(event)

    peer._on_event = recording  # type: ignore[method-assign]
    return seen


async def tailing(server: MisbehavingServer) -> tuple[OpenIAPClient, QueueSubscription, Peer, list[object]]:
    client = OpenIAPClient(server.url, "admin", "admin", request_timeout=5, backoff_start=0.05)
    await client.connect()
    subscription = await client.register_queue("q")
    peer = server.peers[-1]
    return client, subscription, peer, spy(peer)


async def next_message(subscription: QueueSubscription, timeout: float = 5.0) -> object:
    return (await asyncio.wait_for(anext(subscription), timeout)).data


async def test_fragments_with_a_ping_between_them_make_one_message_and_the_ping_is_answered():
    async with MisbehavingServer(counting) as server:
        client, subscription, peer, seen = await tailing(server)
        try:
            message = queue_event(peer, '{"n": 1}')
            peer.writer.write(
                frame(message[:3], fin=False)
                + frame(b"still there?", opcode=0x9)
                + frame(message[3:30], opcode=0x0, fin=False)
                + frame(message[30:], opcode=0x0)
                + frame(queue_event(peer, '{"n": 2}'))
            )
            assert await next_message(subscription) == {"n": 1}
            assert await next_message(subscription) == {"n": 2}
            await until(lambda: any(isinstance(e, Pong) and e.payload == b"still there?" for e in seen), 5, "pong")
            assert server.connections == 1
        finally:
            await client.aclose()


async def test_a_message_that_takes_many_reads_arrives_whole_between_small_ones():
    async with MisbehavingServer(counting) as server:
        client, subscription, peer, _ = await tailing(server)
        try:
            big = '{"blob": "' + "x" * 3_000_000 + '"}'
            stream = b"".join(frame(queue_event(peer, data)) for data in ('{"n": 1}', big, "3"))
            for start in range(0, len(stream), 50_000):  # in pieces, so that the reads cut frames anywhere
                peer.writer.write(stream[start : start + 50_000])
                await peer.writer.drain()
            assert await next_message(subscription) == {"n": 1}
            assert await next_message(subscription) == {"blob": "x" * 3_000_000}
            assert await next_message(subscription) == 3
        finally:
            await client.aclose()


async def test_messages_before_a_close_are_delivered_then_the_close_is_answered_and_the_client_comes_back():
    async with MisbehavingServer(counting) as server:
        client, subscription, peer, seen = await tailing(server)
        try:
            goodbye = frame((1001).to_bytes(2, "big") + b"going away", opcode=0x8)
            peer.writer.write(frame(queue_event(peer, "1")) + frame(queue_event(peer, "2")) + goodbye)
            assert await next_message(subscription) == 1
            assert await next_message(subscription) == 2
            await until(lambda: any(isinstance(e, CloseConnection) and e.code == 1001 for e in seen), 5, "close reply")
            await until(lambda: server.connections == 2 and client.connected, 5, "reconnected")
            server.peers[-1].writer.write(frame(queue_event(server.peers[-1], "3")))
            assert await next_message(subscription) == 3
        finally:
            await client.aclose()


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        pytest.param(lambda peer: frame(queue_event(peer, "1"), mask=True), 1002, id="a masked frame"),
        pytest.param(lambda peer: frame(queue_event(peer, "1"), rsv=0x40), 1002, id="a reserved bit"),
        pytest.param(lambda peer: frame(b'{"text": 1}', opcode=0x1), 1003, id="a text message"),
        pytest.param(lambda peer: frame(b"x", opcode=0x3), 1002, id="an unknown opcode"),
        pytest.param(lambda peer: frame(b"x", opcode=0x0), 1002, id="a continuation of nothing"),
        pytest.param(lambda peer: frame(b"x" * 126, opcode=0x9), 1002, id="a ping too long"),
        # only the header of a 1 TiB frame: refused as it is read, not after waiting for (or buffering) the body
        pytest.param(lambda peer: bytes([0x82, 127]) + (1 << 40).to_bytes(8, "big"), 1009, id="a frame over the limit"),
    ],
)
async def test_a_frame_no_server_may_send_fails_the_connection_with_a_reason_and_the_client_comes_back(bad, code):
    async with MisbehavingServer(counting) as server:
        client, subscription, peer, seen = await tailing(server)
        try:
            started = time.monotonic()
            peer.writer.write(frame(queue_event(peer, "1")) + bad(peer))
            assert await next_message(subscription) == 1  # what came before the bad frame
            await until(lambda: any(isinstance(e, CloseConnection) and e.code == code for e in seen), 5, "close")
            assert time.monotonic() - started < 3
            await until(lambda: server.connections == 2 and client.connected, 5, "reconnected")
            server.peers[-1].writer.write(frame(queue_event(server.peers[-1], "2")))
            assert await next_message(subscription) == 2
        finally:
            await client.aclose()

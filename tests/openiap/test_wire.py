"""The OpenIAP websocket wire as the sandbox speaks it: framing, seq, replies, errors, and the generated module."""

from __future__ import annotations

import re
import tomllib
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from httpx_ws import aconnect_ws

from tui.services.openiap.client import OpenIAPClient, QueueSubscription
from tui.services.openiap.wire import openiap_pb2 as pb

PROJECT = Path(__file__).resolve().parents[2]
GENERATED = PROJECT / "tui" / "services" / "openiap" / "wire" / "openiap_pb2.py"


class RawSocket:
    """A bare websocket speaking envelopes, to look at the wire without our client in between."""

    def __init__(self, ws):
        self.ws = ws
        self.seq = 0
        self.ids = 0
        self.frames: list[bytes] = []  # every websocket message received, as received

    async def send(self, command: str, message=None, *, together: bool = False, jwt: str = "") -> str:
        self.ids += 1
        envelope = pb.Envelope(command=command, id=str(self.ids), seq=self.seq, jwt=jwt)
        if message is not None:
            envelope.data.Pack(message)
        body = envelope.SerializeToString()
        length = len(body).to_bytes(4, "little")
        if together:
            await self.ws.send_bytes(length + body)
        else:
            await self.ws.send_bytes(length)
            await self.ws.send_bytes(body)
        self.seq += 1
        return envelope.id

    async def receive(self) -> pb.Envelope:
        length = await self.ws.receive_bytes(timeout=5)
        self.frames.append(length)
        size = int.from_bytes(length, "little")
        body = b""
        while len(body) < size:
            chunk = await self.ws.receive_bytes(timeout=5)
            self.frames.append(chunk)
            body += chunk
        envelope = pb.Envelope()
        envelope.ParseFromString(body)
        return envelope


@asynccontextmanager
async def raw_socket(box):
    # not a fixture: httpx-ws sessions must be entered and left in the same task
    url = box.profile().connections["openiap"].url
    async with httpx.AsyncClient() as http, aconnect_ws(url, http) as ws:
        yield RawSocket(ws)


def unpack(envelope: pb.Envelope, cls):
    message = cls()
    assert envelope.data.Unpack(message), envelope.data.type_url
    return message


async def test_signin_reply_framing_and_seq(box):
    async with raw_socket(box) as raw:
        request_id = await raw.send("signin", pb.SigninRequest(username="admin", password="admin"))
        reply = await raw.receive()
        assert reply.command == "signinreply" and reply.rid == request_id and reply.seq == 0
        assert reply.data.type_url == "type.googleapis.com/openiap.SigninResponse"
        signin = unpack(reply, pb.SigninResponse)
        assert signin.user.username == "admin" and signin.jwt.count(".") == 2
        # length and body arrive as two websocket messages: a 4-byte little-endian length, then exactly that many bytes
        assert len(raw.frames) == 2 and len(raw.frames[0]) == 4
        assert int.from_bytes(raw.frames[0], "little") == len(raw.frames[1])

        seqs = []
        for _ in range(5):
            await raw.send("ping", pb.PingRequest())
            pong = await raw.receive()
            assert pong.command == "pong"
            seqs.append(pong.seq)
        assert seqs == [1, 2, 3, 4, 5]  # per connection and direction, no gaps


async def test_length_and_body_in_one_message_is_accepted(box):
    async with raw_socket(box) as raw:
        await raw.send("signin", pb.SigninRequest(username="admin", password="admin"), together=True)
        assert (await raw.receive()).command == "signinreply"


async def test_errors_are_error_envelopes(box):
    async with raw_socket(box) as raw:
        request_id = await raw.send("query", pb.QueryRequest(collectionname="entities", query="{}"))
        error = await raw.receive()
        assert error.command == "error" and error.rid == request_id
        details = unpack(error, pb.ErrorResponse)
        assert (details.message, details.code) == ("Not signed in", 401)

        await raw.send("signin", pb.SigninRequest(username="admin", password="wrong"))
        refused = unpack(await raw.receive(), pb.ErrorResponse)
        assert refused.code == 401 and "password" in refused.message

        await raw.send("signin", pb.SigninRequest(username="admin", password="admin"))
        await raw.receive()
        await raw.send("frobnicate")
        unknown = unpack(await raw.receive(), pb.ErrorResponse)
        assert (unknown.message, unknown.code) == ("Unknown command frobnicate", 400)
        await raw.send("query", pb.QueryRequest(collectionname="entities", query="{not json"))
        assert unpack(await raw.receive(), pb.ErrorResponse).message == "query is not valid JSON"


async def test_a_jwt_on_the_envelope_authenticates_the_request(box):
    async with raw_socket(box) as raw:
        client = OpenIAPClient(box.profile().connections["openiap"].url, "admin", "admin")
        await client.connect()
        token = client._jwt
        await client.aclose()
        await raw.send("count", pb.CountRequest(collectionname="entities", query="{}"), jwt=token)
        reply = await raw.receive()
        assert reply.command == "countreply" and unpack(reply, pb.CountResponse).result >= 20


async def test_empty_pop_is_an_empty_pop_workitem_response(box):
    async with raw_socket(box) as raw:
        await raw.send("signin", pb.SigninRequest(username="admin", password="admin"))
        await raw.receive()
        await raw.send(
            "insertone",
            pb.InsertOneRequest(collectionname="mq", item='{"_type": "workitemqueue", "name": "empty-wiq"}'),
        )
        assert (await raw.receive()).command == "insertonereply"
        await raw.send("popworkitem", pb.PopWorkitemRequest(wiq="empty-wiq"))
        reply = await raw.receive()
        assert reply.command == "popworkitemreply"
        assert reply.data.type_url == "type.googleapis.com/openiap.PopWorkitemResponse" and reply.data.value == b""


async def test_queue_events_are_pushed(box):
    async with raw_socket(box) as raw:
        await raw.send("signin", pb.SigninRequest(username="admin", password="admin"))
        await raw.receive()
        await raw.send("registerqueue", pb.RegisterQueueRequest())
        temporary = unpack(await raw.receive(), pb.RegisterQueueResponse).queuename
        assert temporary.startswith("tmp.")
        await raw.send(
            "queuemessage",
            pb.QueueMessageRequest(queuename=temporary, data='{"x": 1}', correlationId="c9", replyto="r"),
        )
        first, second = await raw.receive(), await raw.receive()
        event = first if first.command == "queueevent" else second
        receipt = second if event is first else first
        assert receipt.command == "queuemessagereply"
        pushed = unpack(event, pb.QueueEvent)
        assert (pushed.queuename, pushed.data, pushed.correlationId, pushed.replyto) == (
            temporary,
            '{"x": 1}',
            "c9",
            "r",
        )
        assert event.rid == ""


class ChunkedSocket:
    """Feeds the client's reader the bytes of several envelopes cut at awkward places."""

    def __init__(self, chunks: list[bytes]):
        self.chunks = chunks

    async def receive_bytes(self):
        if not self.chunks:
            from httpx_ws import WebSocketDisconnect

            raise WebSocketDisconnect()
        return self.chunks.pop(0)


async def test_client_reads_the_socket_as_a_byte_stream():
    stream = b""
    for i in range(3):
        envelope = pb.Envelope(command="queueevent", seq=i)
        envelope.data.Pack(pb.QueueEvent(queuename="q", data=f'{{"i": {i}}}'))
        body = envelope.SerializeToString()
        stream += len(body).to_bytes(4, "little") + body
    chunks = [stream[:2], stream[2:40], stream[40:41], stream[41:]]  # lengths and bodies split and joined
    client = OpenIAPClient("ws://127.0.0.1:9/ws/v2")
    subscription = QueueSubscription(client._forget_queue, "q")
    client._queues["q"] = [subscription]
    await client._read_loop(ChunkedSocket(chunks))
    assert [message.raw for message in subscription.drain()] == ['{"i": 0}', '{"i": 1}', '{"i": 2}']


def test_field_numbers_follow_the_protocol():
    def numbers(message) -> dict[str, int]:
        return {f.name: f.number for f in message.DESCRIPTOR.fields}

    assert numbers(pb.Envelope) == {
        "command": 1,
        "priority": 2,
        "seq": 3,
        "id": 4,
        "rid": 5,
        "data": 6,
        "jwt": 7,
        "traceid": 8,
        "spanid": 9,
    }
    assert numbers(pb.QueueMessageRequest)["expiration"] == 8
    assert numbers(pb.Workitem)["errormessage"] == 17 and numbers(pb.Workitem)["_workspaceid"] == 20
    assert numbers(pb.WorkItemQueue) == {
        "maxretries": 6,
        "retrydelay": 7,
        "initialdelay": 8,
        "success_wiq": 11,
        "failed_wiq": 12,
        "_id": 13,
        "name": 15,
    }
    assert numbers(pb.PushWorkitemRequest)["priority"] == 10 and numbers(pb.SigninResponse)["config"] == 3
    assert pb.DESCRIPTOR.package == "openiap"


def test_generated_module_loads_on_the_oldest_supported_protobuf():
    """The gencode must not demand a newer protobuf runtime than pyproject accepts."""
    generated = re.search(r"Protobuf Python Version: (\d+)\.(\d+)\.(\d+)", GENERATED.read_text())
    assert generated, "openiap_pb2.py has no version header: regenerate it with regenerate.sh"
    dependencies = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]["dependencies"]
    floor = next(d for d in dependencies if d.startswith("protobuf"))
    minimum = tuple(int(x) for x in re.search(r">=\s*([\d.]+)", floor).group(1).split("."))
    gencode = tuple(int(x) for x in generated.groups())
    assert gencode[: len(minimum)] <= minimum, f"gencode {gencode} needs a newer runtime than {floor}"

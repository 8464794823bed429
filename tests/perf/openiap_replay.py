"""A replay producer for the tail benchmark, run as its own process: `python -m tests.perf.openiap_replay N`.

It answers sign-in and RegisterQueue like OpenFlow, then writes N queue events, encoded before anyone connected
(envelopes, lengths and websocket frames alike), to the socket as fast as the socket takes them. So the figure it
gives is the consumer's: the producer costs no more than a memcpy per message. Every connection gets the whole
replay. It prints its port on the first line and serves until its stdin closes.
"""

from __future__ import annotations

import asyncio
import json
import sys

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, BytesMessage, CloseConnection, Ping, Request

from tui.services.openiap.wire import openiap_pb2 as pb

QUEUE = "bench"
CHUNK = 1 << 20


def payload(i: int) -> str:
    return json.dumps({"n": i, "order": f"order-{i}", "product": "widget", "qty": i % 9 + 1, "price": 19.5})


def envelope_bodies(n: int, first_seq: int = 2) -> list[bytes]:
    """The queue events as envelope bodies (what the decode ceiling decodes too)."""
    bodies = []
    for i in range(n):
        envelope = pb.Envelope(command="queueevent", id=f"e{i}", seq=first_seq + i)
        envelope.data.Pack(pb.QueueEvent(queuename=QUEUE, data=payload(i), correlationId=f"c{i}"))
        bodies.append(envelope.SerializeToString())
    return bodies


def websocket_stream(bodies: list[bytes]) -> bytes:
    """Each envelope as one websocket message (4-byte length + body), framed by a server-side wsproto."""
    framer = WSConnection(ConnectionType.SERVER)
    framer.initiate_upgrade_connection(
        [(b"host", b"x"), (b"connection", b"upgrade"), (b"upgrade", b"websocket"), (b"sec-websocket-version", b"13"),
         (b"sec-websocket-key", b"dGhlIHNhbXBsZSBub25jZQ==")],
        b"/ws/v2",
    )  # fmt: skip
    for event in framer.events():
        if isinstance(event, Request):
            framer.send(AcceptConnection())
    return b"".join(framer.send(BytesMessage(len(b).to_bytes(4, "little") + b)) for b in bodies)


def reply(ws: WSConnection, command: str, rid: str, message: object, seq: int) -> bytes:
    envelope = pb.Envelope(command=command, rid=rid, id=f"r{seq}", seq=seq)
    envelope.data.Pack(message)  # type: ignore[arg-type]
    body = envelope.SerializeToString()
    return ws.send(BytesMessage(len(body).to_bytes(4, "little") + body))


async def serve(n: int) -> None:
    stream = websocket_stream(envelope_bodies(n))

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        ws = WSConnection(ConnectionType.SERVER)
        buffer = bytearray()
        seq = 0
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    return
                ws.receive_data(data)
                for event in ws.events():
                    if isinstance(event, Request):
                        writer.write(ws.send(AcceptConnection()))
                    elif isinstance(event, Ping):
                        writer.write(ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        return
                    elif isinstance(event, BytesMessage):
                        buffer += event.data
                while len(buffer) >= 4 and len(buffer) >= 4 + int.from_bytes(buffer[:4], "little"):
                    size = int.from_bytes(buffer[:4], "little")
                    envelope = pb.Envelope()
                    envelope.ParseFromString(bytes(buffer[4 : 4 + size]))
                    del buffer[: 4 + size]
                    if envelope.command == "signin":
                        user = pb.User(_id="u", name="Bench", username="admin")
                        writer.write(reply(ws, "signinreply", envelope.id, pb.SigninResponse(jwt="t", user=user), seq))
                        seq += 1
                    elif envelope.command == "registerqueue":
                        answer = pb.RegisterQueueResponse(queuename=QUEUE)
                        writer.write(reply(ws, "registerqueuereply", envelope.id, answer, seq))
                        await writer.drain()
                        for start in range(0, len(stream), CHUNK):  # as fast as the socket takes it
                            writer.write(stream[start : start + CHUNK])
                            await writer.drain()
                    elif envelope.command == "ping":
                        writer.write(reply(ws, "pong", envelope.id, pb.PingResponse(), seq))
                        seq += 1
                await writer.drain()
        except (ConnectionError, OSError):
            return
        finally:
            writer.transport.abort()

    server = await asyncio.start_server(connection, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))

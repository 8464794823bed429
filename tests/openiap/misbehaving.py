"""A small OpenIAP websocket server on 127.0.0.1 that misbehaves on request, to test the client against a hostile
network: it answers sign-in and ping like OpenFlow, and hands every other envelope to a test-supplied handler that
may reply, send garbage, declare huge frames or kill the socket with a reset.

Built on asyncio streams and wsproto (not on the sandbox) so that it can do what no correct server does.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Awaitable, Callable

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    Request,
    TextMessage,
)

from tui.services.openiap.wire import Message
from tui.services.openiap.wire import openiap_pb2 as pb

Handler = Callable[["Peer", pb.Envelope], Awaitable[None] | None]


class Peer:
    """One client connection as the misbehaving server sees it."""

    def __init__(self, server: MisbehavingServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.server = server
        self.reader = reader
        self.writer = writer
        self.ws = WSConnection(ConnectionType.SERVER)
        self.ids = 0
        self.seq = 0
        self.messages: list[bytes] = []  # every websocket message the client sent, as sent
        self._partial = b""
        self._stream = bytearray()
        self.closed = False

    # -- sending -------------------------------------------------------------------------------------------------------

    def send_raw(self, data: bytes) -> None:
        """One binary websocket message, whatever it holds."""
        if not self.closed:
            self.writer.write(self.ws.send(BytesMessage(data=data)))

    def envelope(self, command: str, message: Message | None = None, *, rid: str = "") -> bytes:
        self.ids += 1
        envelope = pb.Envelope(command=command, rid=rid, id=str(self.ids), seq=self.seq)
        self.seq += 1
        if message is not None:
            envelope.data.Pack(message)
        return envelope.SerializeToString()

    def send(self, command: str, message: Message | None = None, *, rid: str = "") -> None:
        body = self.envelope(command, message, rid=rid)
        self.send_raw(len(body).to_bytes(4, "little") + body)

    def reply(self, request: pb.Envelope, message: Message | None, command: str = "") -> None:
        self.send(command or request.command + "reply", message, rid=request.id)

    def abort(self) -> None:
        """Kill the connection with a TCP reset, as a server killed with kill -9 leaves it."""
        self.closed = True
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()

    # -- receiving -----------------------------------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            while not self.closed:
                data = await self.reader.read(65536)
                if not data:
                    break
                self.ws.receive_data(data)
                for event in self.ws.events():
                    await self._on_event(event)
                await self.writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self.closed = True
            self.writer.transport.abort()

    async def _on_event(self, event: object) -> None:
        if isinstance(event, Request):
            self.writer.write(self.ws.send(AcceptConnection()))
        elif isinstance(event, Ping):
            self.writer.write(self.ws.send(event.response()))
        elif isinstance(event, CloseConnection):
            self.writer.write(self.ws.send(event.response()))
            self.closed = True
        elif isinstance(event, (BytesMessage, TextMessage)):
            data = event.data if isinstance(event.data, bytes) else event.data.encode()
            self._partial += data
            if not event.message_finished:
                return
            message, self._partial = self._partial, b""
            self.messages.append(message)
            self._stream += message
            while len(self._stream) >= 4:
                size = int.from_bytes(self._stream[:4], "little")
                if len(self._stream) < 4 + size:
                    break
                envelope = pb.Envelope()
                envelope.ParseFromString(bytes(self._stream[4 : 4 + size]))
                del self._stream[: 4 + size]
                await self._on_envelope(envelope)

    async def _on_envelope(self, envelope: pb.Envelope) -> None:
        if envelope.command == "signin":
            self.reply(
                envelope,
                pb.SigninResponse(
                    jwt="token",
                    user=pb.User(_id="u1", name="Admin", username="admin"),
                    config=self.server.signin_config,
                ),
            )
            return
        if envelope.command in ("pong", "noop"):
            return
        if envelope.command == "ping" and self.server.answer_pings:
            self.reply(envelope, pb.PingResponse(), command="pong")
            return
        result = self.server.handler(self, envelope)
        if result is not None:
            await result


class MisbehavingServer:
    """`handler(peer, envelope)` gets every envelope but sign-in and ping; `peers` are the connections so far."""

    def __init__(self, handler: Handler | None = None, *, answer_pings: bool = True, signin_config: str = "{}"):
        self.handler: Handler = handler or (lambda peer, envelope: None)
        self.answer_pings = answer_pings
        self.signin_config = signin_config
        self.peers: list[Peer] = []
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{port}/ws/v2"

    @property
    def connections(self) -> int:
        return len(self.peers)

    async def __aenter__(self) -> MisbehavingServer:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for peer in self.peers:
            peer.closed = True
            peer.writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = Peer(self, reader, writer)
        self.peers.append(peer)
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await peer.run()
        finally:
            self._tasks.discard(task)

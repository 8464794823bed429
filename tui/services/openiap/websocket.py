"""The websocket the OpenIAP client reads: httpx-ws opens it (the upgrade, TLS, the pooled httpx client), and this
session class reads it without httpx-ws's background task and without wsproto's frame parser.

httpx-ws hands every websocket message from its reader task to the caller through an unbuffered stream: one task
switch per message, which alone capped a tail at ~20,000 messages a second; wsproto's receive side then cost more
than decoding the envelopes. Here the one task that reads the socket (the connection's reader) parses the frames of
what one read returned itself (RFC 6455 §5.2, client side: no extensions were negotiated, the server never masks)
and gets every whole message of it at once; an unfragmented binary frame, the usual case, costs one slice. Fragments,
pings (answered) and a close (answered, then reported) take the slow path. Anything a server may not send fails the
connection with a close frame saying why. Sending stays wsproto's, a single write under a lock.
"""

from __future__ import annotations

import contextlib
import struct
from collections.abc import AsyncGenerator
from typing import Any

import anyio
from httpx_ws import AsyncWebSocketSession, WebSocketDisconnect, WebSocketNetworkError
from wsproto.connection import ConnectionState
from wsproto.events import BytesMessage, CloseConnection, Pong

READ_BYTES = 1024 * 1024  # one read of the socket takes what the transport has, up to this much
BINARY_FINAL = 0x82  # FIN + binary: a whole message in one frame
OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
PROTOCOL_ERROR, UNSUPPORTED_DATA, INVALID_DATA, TOO_BIG = 1002, 1003, 1007, 1009
_u16 = struct.Struct("!H").unpack_from
_u64 = struct.Struct("!Q").unpack_from


class WebSocketProtocolViolation(WebSocketNetworkError):
    """The server sent what no websocket server may (a masked or reserved frame, a text message on this binary
    protocol, a message over the size limit): the connection is failed with `code`."""

    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


class StreamWebSocket(AsyncWebSocketSession):
    """`receive_messages()` returns every whole websocket message one read of the socket brought (at least one);
    `send_bytes()` writes one message. Only one task may read."""

    def __init__(self, stream: Any, **kwargs: Any):
        super().__init__(stream, **kwargs)
        self._send_lock = anyio.Lock()
        self._rest = bytearray()  # the start of a frame whose end has not come yet
        self._need = 0  # how many bytes `_rest` must hold before a frame can be whole
        self._fragments: list[bytes] = []  # the frames so far of a message that is not finished
        self._fragments_size = 0
        self._closed_by_server: CloseConnection | None = None
        self._violation: WebSocketProtocolViolation | None = None
        self.max_message_bytes = kwargs.get("max_message_size_bytes") or 64 * 1024 * 1024

    @contextlib.asynccontextmanager
    async def __asynccontextmanager__(self) -> AsyncGenerator[StreamWebSocket, None]:
        try:
            yield self
        finally:
            with anyio.CancelScope(shield=True):
                await self.close()

    async def receive_messages(self) -> list[bytes]:
        """Raises WebSocketDisconnect when the server closes, WebSocketNetworkError when the socket ends or the server
        broke the protocol (WebSocketProtocolViolation, after a close frame that says so)."""
        messages: list[bytes] = []
        while not messages:
            if self._violation is not None:
                raise self._violation
            if self._closed_by_server is not None:
                raise WebSocketDisconnect(self._closed_by_server.code, self._closed_by_server.reason)
            data = await self.stream.read(READ_BYTES)
            if not data:
                raise WebSocketNetworkError()
            if self._rest:
                # a frame is being put together: join only once enough for it has come (a big frame arrives in
                # many reads, and joining at every read would copy it over and over)
                self._rest += data
                if len(self._rest) < self._need:
                    continue
                data, self._rest = bytes(self._rest), bytearray()
            replies: list[bytes] = []
            try:
                used = self._parse(data, messages, replies)
            except WebSocketProtocolViolation as exc:
                await self._fail(exc)
                if not messages:
                    raise
                self._violation = exc  # the messages before the bad frame are good: they are handed over first
                break
            closed = self._server_closed()
            if used < len(data) and not closed:
                self._rest = bytearray(memoryview(data)[used:])
            for reply in replies:
                with contextlib.suppress(Exception):  # a pong or a close reply to a socket already going
                    await self._write(reply)
            if closed:
                break  # the messages before the close are handed over first; the next call says it closed
        return messages

    def _server_closed(self) -> bool:
        return self._closed_by_server is not None

    def _parse(self, data: bytes, messages: list[bytes], replies: list[bytes]) -> int:
        """Take every whole frame at the start of `data`; returns how many bytes were used."""
        pos = 0
        end = len(data)
        limit = self.max_message_bytes
        while end - pos >= 2:
            length = data[pos + 1]  # the mask bit and the 7-bit length
            if length < 126:
                start = pos + 2
            elif length == 126:
                start = pos + 4
                if start > end:
                    break
                length = _u16(data, pos + 2)[0]
            elif length == 127:
                start = pos + 10
                if start > end:
                    break
                length = _u64(data, pos + 2)[0]
            else:
                raise WebSocketProtocolViolation(PROTOCOL_ERROR, "The server masked a frame.")
            if length > limit:
                raise WebSocketProtocolViolation(TOO_BIG, "The server sent a message over the size limit.")
            stop = start + length
            if stop > end:
                self._need = stop - pos
                return pos
            if data[pos] == BINARY_FINAL and not self._fragments:
                messages.append(data[start:stop])
            else:
                self._frame(data[pos], data[start:stop], messages, replies)
                if self._closed_by_server is not None:
                    return stop  # nothing after a close counts
            pos = stop
        self._need = 0  # the next header is not whole yet: any new byte may complete it
        return pos

    def _frame(self, first: int, payload: bytes, messages: list[bytes], replies: list[bytes]) -> None:
        """Every frame but a whole binary message: fragments, control frames, and what a server may not send."""
        if first & 0x70:
            raise WebSocketProtocolViolation(PROTOCOL_ERROR, "The server set reserved bits of a frame.")
        final = bool(first & 0x80)
        opcode = first & 0x0F
        if opcode >= OP_CLOSE:
            if not final or len(payload) > 125:
                raise WebSocketProtocolViolation(PROTOCOL_ERROR, "The server sent a malformed control frame.")
            if opcode == OP_PING:
                if self.connection.state == ConnectionState.OPEN:
                    replies.append(self.connection.send(Pong(payload=payload)))
            elif opcode == OP_CLOSE:
                self._closed_by_server = self._close_event(payload)
                if self.connection.state == ConnectionState.OPEN:
                    replies.append(self.connection.send(self._closed_by_server.response()))
            elif opcode != OP_PONG:
                raise WebSocketProtocolViolation(PROTOCOL_ERROR, "The server sent an unknown control frame.")
            return
        if opcode == OP_TEXT:
            raise WebSocketProtocolViolation(UNSUPPORTED_DATA, "The protocol is binary; the server sent text.")
        if opcode == OP_CONTINUATION and not self._fragments:
            raise WebSocketProtocolViolation(PROTOCOL_ERROR, "The server continued a message it never began.")
        if opcode == OP_BINARY and self._fragments:
            raise WebSocketProtocolViolation(PROTOCOL_ERROR, "The server began a message inside another.")
        if opcode not in (OP_CONTINUATION, OP_BINARY):
            raise WebSocketProtocolViolation(PROTOCOL_ERROR, "The server sent an unknown frame.")
        self._fragments.append(payload)
        self._fragments_size += len(payload)
        if self._fragments_size > self.max_message_bytes:
            raise WebSocketProtocolViolation(TOO_BIG, "The server sent a message over the size limit.")
        if final:
            messages.append(b"".join(self._fragments))
            self._fragments.clear()
            self._fragments_size = 0

    @staticmethod
    def _close_event(payload: bytes) -> CloseConnection:
        if not payload:
            return CloseConnection(1005)  # "no status received"
        if len(payload) == 1:
            raise WebSocketProtocolViolation(PROTOCOL_ERROR, "The server sent a malformed close frame.")
        try:
            reason = payload[2:].decode("utf-8")
        except UnicodeDecodeError:
            raise WebSocketProtocolViolation(INVALID_DATA, "The server's close reason is not UTF-8.") from None
        return CloseConnection(_u16(payload)[0], reason)

    async def _fail(self, violation: WebSocketProtocolViolation) -> None:
        """Tell the server why the connection ends (best effort: it broke the protocol, it may not listen)."""
        self._rest = bytearray()
        self._fragments.clear()
        if self.connection.state == ConnectionState.OPEN:
            with contextlib.suppress(Exception):
                await self._write(self.connection.send(CloseConnection(violation.code, violation.reason[:100])))

    async def send_bytes(self, data: bytes) -> None:
        await self._write(self.connection.send(BytesMessage(data=data)))

    async def _write(self, data: bytes) -> None:
        async with self._send_lock:
            await self.stream.write(data)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        if self.connection.state == ConnectionState.OPEN:
            with contextlib.suppress(Exception):
                await self._write(self.connection.send(CloseConnection(code, reason)))
        with contextlib.suppress(Exception):
            await self.stream.aclose()

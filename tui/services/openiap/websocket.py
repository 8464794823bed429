"""The websocket the OpenIAP client reads: httpx-ws opens it (the upgrade, TLS, the pooled httpx client), and this
session class reads it without httpx-ws's background task.

httpx-ws hands every websocket message from its reader task to the caller through an unbuffered stream: one task
switch per message, which alone capped a tail at ~20,000 messages a second. Here the one task that reads the socket
(the connection's reader) parses what one read returned and gets every whole message of it at once. Sending stays a
single write under a lock. Pings from the server are answered in the read; a close from it ends the read.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator
from typing import Any

import anyio
from httpx_ws import AsyncWebSocketSession, WebSocketDisconnect, WebSocketNetworkError
from wsproto.connection import ConnectionState
from wsproto.events import BytesMessage, CloseConnection, Message, Ping, TextMessage

READ_BYTES = 64 * 1024  # one read of the socket takes up to this much


class StreamWebSocket(AsyncWebSocketSession):
    """`receive_messages()` returns every whole websocket message one read of the socket brought (at least one);
    `send_bytes()` writes one message. Only one task may read."""

    def __init__(self, stream: Any, **kwargs: Any):
        super().__init__(stream, **kwargs)
        self._send_lock = anyio.Lock()
        self._partial: list[bytes] = []  # the frames so far of a message that is not finished
        self._partial_size = 0
        self._closed_by_server: CloseConnection | None = None
        self.max_message_bytes = kwargs.get("max_message_size_bytes") or 64 * 1024 * 1024

    @contextlib.asynccontextmanager
    async def __asynccontextmanager__(self) -> AsyncGenerator[StreamWebSocket, None]:
        try:
            yield self
        finally:
            with anyio.CancelScope(shield=True):
                await self.close()

    async def receive_messages(self) -> list[bytes]:
        """Raises WebSocketDisconnect when the server closes, WebSocketNetworkError when the socket ends, and
        whatever wsproto raises for a stream that is not a websocket any more."""
        messages: list[bytes] = []
        while not messages:
            if self._closed_by_server is not None:
                raise WebSocketDisconnect(self._closed_by_server.code, self._closed_by_server.reason)
            data = await self.stream.read(READ_BYTES)
            if not data:
                raise WebSocketNetworkError()
            self.connection.receive_data(data)
            for event in self.connection.events():
                if isinstance(event, Message):
                    self._take(event, messages)
                elif isinstance(event, Ping):
                    await self._write(self.connection.send(event.response()))
                elif isinstance(event, CloseConnection):
                    # the messages before the close are handed over first; the next call says it closed
                    self._closed_by_server = event
                    with contextlib.suppress(Exception):
                        if self.connection.state == ConnectionState.REMOTE_CLOSING:
                            await self._write(self.connection.send(event.response()))
                    break
        return messages

    def _take(self, event: Message[Any], messages: list[bytes]) -> None:
        if isinstance(event, TextMessage):
            raise WebSocketNetworkError()  # the protocol is binary: text means the stream is not what we think
        data = bytes(event.data)
        if event.message_finished and not self._partial:
            messages.append(data)
            return
        self._partial.append(data)
        self._partial_size += len(data)
        if self._partial_size > self.max_message_bytes:
            raise WebSocketNetworkError()
        if event.message_finished:
            messages.append(b"".join(self._partial))
            self._partial.clear()
            self._partial_size = 0

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

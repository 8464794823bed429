"""One client's websocket as the server sees it: who signed in, and the ordered outbox a writer task sends from.

The broker keeps each outbox under OUTBOX_LIMIT queue messages (what does not fit waits in the queue log), and hears
from the writer through `on_sent` (a queue message went out: its row can go) and `on_room` (the outbox has room again).
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.websockets import WebSocket

from tui.services.openiap.wire import Message
from tui.services.openiap.wire import openiap_pb2 as pb


class Caller(Protocol):
    """Who a request acts as: a signed-in connection, or the demo activity. Handlers only read `user`."""

    @property
    def user(self) -> dict[str, Any] | None: ...


def display_name(caller: Caller) -> str:
    """The name stamped on documents as `_createdby` / `_modifiedby`."""
    user = caller.user or {}
    return str(user.get("name") or user.get("username") or "")


def username(caller: Caller) -> str:
    return str((caller.user or {}).get("username", ""))


OUTBOX_LIMIT = 1000  # queue messages handed to one connection and not yet written (a broker's prefetch)
REFILL_AT = OUTBOX_LIMIT // 2  # the writer asks for more when the outbox is down to this


@dataclass
class Outgoing:
    envelope: pb.Envelope
    queuename: str = ""  # set for a queue event: the queue it came from
    expires_at: float = 0.0
    message_seq: int = 0  # its row in the queue log, for a queue event


class ClientConnection:
    _ids = itertools.count(1)

    def __init__(self, websocket: WebSocket):
        self.websocket = websocket
        self.id = next(self._ids)
        self.user: dict[str, Any] | None = None
        self.agent = ""
        self.outbox: deque[Outgoing] = deque()
        self.ready = asyncio.Event()
        self.write_lock = asyncio.Lock()
        self.seq = 0
        self.closed = False
        self.queues: set[str] = set()
        self.watches: set[str] = set()
        self.queued = 0  # queue messages in the outbox
        self.on_sent: Callable[[ClientConnection, Outgoing], None] = lambda conn, item: None
        self.on_room: Callable[[ClientConnection], None] = lambda conn: None
        self._envelope_ids = itertools.count(1)

    def next_envelope_id(self) -> str:
        return str(next(self._envelope_ids))

    def push(
        self, command: str, message: Message, *, rid: str = "", queuename: str = "", expires_at: float = 0.0
    ) -> None:
        envelope = pb.Envelope(command=command, rid=rid, id=self.next_envelope_id())
        envelope.data.Pack(message)
        self.enqueue(Outgoing(envelope, queuename, expires_at))

    def enqueue(self, item: Outgoing) -> None:
        self.outbox.append(item)
        if item.message_seq:
            self.queued += 1
        self.ready.set()

    @property
    def room(self) -> int:
        """How many more queue messages the broker may hand to this connection now."""
        return OUTBOX_LIMIT - self.queued

    async def write_loop(self) -> None:
        """Send the outbox in order; seq is assigned here so it counts what was really sent, without gaps."""
        while not self.closed:
            if not self.outbox:
                self.ready.clear()
                await self.ready.wait()
                continue
            async with self.write_lock:
                if self.closed or not self.outbox:
                    continue
                item = self.outbox.popleft()
                item.envelope.seq = self.seq
                body = item.envelope.SerializeToString()
                try:
                    # length and body as two websocket messages: the official Python client reads them that way
                    await self.websocket.send_bytes(len(body).to_bytes(4, "little"))
                    await self.websocket.send_bytes(body)
                except Exception:
                    self.outbox.appendleft(item)
                    self.closed = True
                    return
                self.seq += 1
                if item.message_seq:
                    self.queued -= 1
                    self.on_sent(self, item)
            if self.queued <= REFILL_AT and (self.queued == REFILL_AT or not self.outbox):
                self.on_room(self)

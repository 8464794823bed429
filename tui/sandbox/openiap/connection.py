"""One client's websocket as the server sees it: who signed in, and the ordered outbox a writer task sends from."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
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


@dataclass
class Outgoing:
    envelope: pb.Envelope
    queuename: str = ""  # set for a queue event of a durable queue: it goes back to the queue if never sent
    expires_at: float = 0.0


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
        self.ready.set()

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

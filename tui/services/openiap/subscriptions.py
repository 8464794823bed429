"""Subscriptions: async iterators over a queue's messages or a collection's changes that outlive reconnects.

The client's reader task delivers into them; whoever iterates reads at its own pace. Closing one tells the client
(through `on_close`) to stop consuming on the server.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from tui.services.openiap.models import QueueMessage, WatchEvent, queue_message_from_pb, watch_event_from_pb
from tui.services.openiap.wire import openiap_pb2 as pb

ItemT = TypeVar("ItemT")
_CLOSED: Any = object()  # the end marker in a subscription's buffer
REMEMBERED = 20_000  # queue messages whose identity the client keeps, to recognise a second delivery


class RecentMessages:
    """The identities (queue, envelope id, hash of the data) of the last REMEMBERED queue messages.

    A broker that is killed after sending a message and before it could forget it sends it again after the restart.
    Used only with a server whose sign-in config says `stable_message_ids` (the sandbox: the envelope id is `q<seq>`
    on every delivery of a message, and never reused for another): elsewhere ids may be per-connection counters."""

    def __init__(self) -> None:
        self._seen: set[tuple[str, str, int]] = set()
        self._order: deque[tuple[str, str, int]] = deque()
        self.redelivered = 0

    def seen(self, queuename: str, envelope_id: str, data: str) -> bool:
        identity = (queuename, envelope_id, hash(data))
        if identity in self._seen:
            self.redelivered += 1
            return True
        self._seen.add(identity)
        self._order.append(identity)
        if len(self._order) > REMEMBERED:
            self._seen.discard(self._order.popleft())
        return False


class Subscription(Generic[ItemT]):
    """An unbounded in-order buffer between the reader task and whoever iterates."""

    def __init__(self) -> None:
        self._items: asyncio.Queue[ItemT] = asyncio.Queue()
        self.closed = False

    def _push(self, item: ItemT) -> None:
        if not self.closed:
            self._items.put_nowait(item)

    def __aiter__(self) -> Subscription[ItemT]:
        return self

    async def __anext__(self) -> ItemT:
        if self.closed and self._items.empty():
            raise StopAsyncIteration
        item = await self._items.get()
        if item is _CLOSED:
            self._items.put_nowait(_CLOSED)  # later readers stop too
            raise StopAsyncIteration
        return item

    @property
    def pending(self) -> int:
        """How many items are waiting to be read."""
        return self._items.qsize()

    def drain(self, limit: int = 10_000) -> list[ItemT]:
        """Everything waiting (up to `limit`) without waiting: lets a UI take messages in batches."""
        out: list[ItemT] = []
        while len(out) < limit:
            try:
                item = self._items.get_nowait()
            except asyncio.QueueEmpty:
                break
            if item is _CLOSED:
                self._items.put_nowait(_CLOSED)
                break
            out.append(item)
        return out

    def _finish(self) -> None:
        if not self.closed:
            self.closed = True
            self._items.put_nowait(_CLOSED)

    async def close(self) -> None:
        raise NotImplementedError


class QueueSubscription(Subscription[QueueMessage]):
    """Messages of one queue. `queuename` is the current name (a temporary queue gets a new one after a reconnect).

    With `on_message` set, messages go to that callback instead of the buffer (the client's request/reply queue)."""

    def __init__(self, on_close: Callable[[QueueSubscription], Awaitable[None]], requested_name: str):
        super().__init__()
        self._on_close = on_close
        self.requested_name = requested_name  # "" for a temporary queue
        self.queuename = requested_name
        self.received = 0
        self.on_message: Callable[[QueueMessage], None] | None = None

    @property
    def temporary(self) -> bool:
        return not self.requested_name

    def _deliver(self, event: pb.QueueEvent) -> None:
        self.received += 1
        message = queue_message_from_pb(event, time.time(), self.received)
        if self.on_message is not None:
            self.on_message(message)
        else:
            self._push(message)

    async def close(self) -> None:
        if self.closed:
            return
        self._finish()
        await self._on_close(self)


class WatchSubscription(Subscription[WatchEvent]):
    """Change events of one collection. `watch_id` is the server's current id for it (new after a reconnect)."""

    def __init__(self, on_close: Callable[[WatchSubscription], Awaitable[None]], collection: str, paths: list[str]):
        super().__init__()
        self._on_close = on_close
        self.collection = collection
        self.paths = paths
        self.watch_id = ""

    def _deliver(self, event: pb.WatchEvent) -> None:
        self._push(watch_event_from_pb(event, self.collection, time.time()))

    async def close(self) -> None:
        if self.closed:
            return
        self._finish()
        await self._on_close(self)

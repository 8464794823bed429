"""Subscriptions: async iterators over a queue's messages or a collection's changes that outlive reconnects.

The client's reader task delivers into them; whoever iterates reads at its own pace. Closing one tells the client
(through `on_close`) to stop consuming on the server.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from tui.services.openiap.models import QueueMessage, WatchEvent, watch_event_from_pb
from tui.services.openiap.wire import openiap_pb2 as pb

ItemT = TypeVar("ItemT")
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
    """An unbounded in-order buffer between the reader task and whoever iterates. Delivering is a deque append;
    a reader waiting for the next item is woken once, however many arrive before it runs."""

    def __init__(self) -> None:
        self._items: deque[ItemT] = deque()
        self._waiters: list[asyncio.Future[None]] = []
        self.closed = False

    def _push(self, item: ItemT) -> None:
        if not self.closed:
            self._items.append(item)
            if self._waiters:
                self._wake()

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def __aiter__(self) -> Subscription[ItemT]:
        return self

    async def __anext__(self) -> ItemT:
        while not self._items:
            if self.closed:
                raise StopAsyncIteration  # what came before the close was read first
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)  # cancelled: this reader waits no more
        return self._items.popleft()

    @property
    def pending(self) -> int:
        """How many items are waiting to be read."""
        return len(self._items)

    def drain(self, limit: int = 10_000) -> list[ItemT]:
        """Everything waiting (up to `limit`) without waiting: lets a UI take messages in batches."""
        items = self._items
        if len(items) <= limit:
            out = list(items)
            items.clear()
            return out
        popleft = items.popleft
        return [popleft() for _ in range(limit)]

    def _finish(self) -> None:
        if not self.closed:
            self.closed = True
            self._wake()

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
        self._deliver_all(event.queuename, [event])

    def _deliver_all(self, queuename: str, events: list[pb.QueueEvent]) -> None:
        """Messages of this subscription's queue, in order: the reader hands over a read's worth at once."""
        first = self.received + 1
        self.received += len(events)
        now = time.time()
        messages = [QueueMessage(event, queuename, now, seq) for seq, event in enumerate(events, first)]
        if self.on_message is not None:
            for message in messages:
                try:
                    self.on_message(message)
                except Exception:  # a callback that fails on one message still gets the next ones
                    pass
        elif not self.closed:
            self._items.extend(messages)
            if self._waiters:
                self._wake()

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

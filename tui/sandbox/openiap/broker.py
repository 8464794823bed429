"""Message queues: fan-out to every consumer, waiting messages while a queue has none, temporary reply queues.

A message to a named queue reaches every consumer registered on it; while it has none, messages wait in the queue
(bounded, oldest dropped first) and are delivered, in order, when one registers. Messages already handed to a
connection that drops before sending them go back to the queue. A temporary queue (`tmp.<hex>`) lives as long as
the connection that asked for it.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from tui.sandbox.openiap.connection import ClientConnection, Outgoing
from tui.sandbox.openiap.errors import RequestError
from tui.services.openiap.wire import openiap_pb2 as pb

QUEUE_BOUND = 100_000


@dataclass
class Queue:
    name: str
    temporary: bool = False
    owner: ClientConnection | None = None
    bound: int = QUEUE_BOUND
    consumers: list[ClientConnection] = field(default_factory=list)
    waiting: deque[Outgoing] = field(init=False)
    dropped: int = 0  # messages pushed out of a full queue

    def __post_init__(self) -> None:
        self.waiting = deque(maxlen=self.bound)

    def hold(self, item: Outgoing) -> None:
        if len(self.waiting) == self.waiting.maxlen:
            self.dropped += 1
        self.waiting.append(item)


class Broker:
    def __init__(self, queue_bound: int = QUEUE_BOUND):
        self.queue_bound = queue_bound
        self.queues: dict[str, Queue] = {}

    def register(self, conn: ClientConnection, name: str, rid: str) -> None:
        """Make `conn` a consumer of `name` (an empty name makes a temporary queue) and send it what was waiting."""
        if not name:
            name = "tmp." + secrets.token_hex(8)
            queue = self.queues[name] = Queue(name, temporary=True, owner=conn)
        else:
            existing = self.queues.get(name)
            if existing is None:
                queue = self.queues[name] = Queue(name, bound=self.queue_bound)
            elif existing.temporary and existing.owner is not conn:
                raise RequestError(f"queue {name} belongs to another connection", 403)
            else:
                queue = existing
        if conn not in queue.consumers:
            queue.consumers.append(conn)
        conn.queues.add(name)
        # the reply goes out before anything that waited in the queue
        conn.push("registerqueuereply", pb.RegisterQueueResponse(queuename=name), rid=rid)
        now = time.time()
        while queue.waiting:
            item = queue.waiting.popleft()
            if item.expires_at and item.expires_at < now:
                continue
            self._deliver(queue, item.envelope, item.expires_at)

    def unregister(self, conn: ClientConnection, name: str) -> None:
        queue = self.queues.get(name)
        if queue is not None and conn in queue.consumers:
            queue.consumers.remove(conn)
            if queue.temporary:
                del self.queues[name]
        conn.queues.discard(name)

    def route(self, request: pb.QueueMessageRequest) -> None:
        event = pb.QueueEvent(
            queuename=request.queuename,
            correlationId=request.correlationId,
            replyto=request.replyto,
            routingkey=request.routingkey,
            exchangename=request.exchangename,
            data=request.data,
        )
        envelope = pb.Envelope(command="queueevent")
        envelope.data.Pack(event)
        expires_at = time.time() + request.expiration / 1000 if request.expiration > 0 else 0.0
        queue = self.queues.get(request.queuename)
        if queue is None:
            if request.queuename.startswith("tmp."):
                return  # a temporary queue that is gone: like a broker, drop it
            queue = self.queues[request.queuename] = Queue(request.queuename, bound=self.queue_bound)
        self._deliver(queue, envelope, expires_at)

    def _deliver(self, queue: Queue, envelope: pb.Envelope, expires_at: float = 0.0) -> None:
        if not queue.consumers:
            if not queue.temporary:
                queue.hold(Outgoing(envelope, queue.name, expires_at))
            return
        durable = "" if queue.temporary else queue.name
        for consumer in queue.consumers:
            copy = pb.Envelope()
            copy.CopyFrom(envelope)
            copy.id = consumer.next_envelope_id()
            consumer.enqueue(Outgoing(copy, durable, expires_at))

    async def flood(self, queuename: str, n: int, data: dict[str, Any] | None = None) -> None:
        extra = dict(data or {})
        for i in range(1, n + 1):
            self.route(pb.QueueMessageRequest(queuename=queuename, data=json.dumps({"flood": i, "of": n, **extra})))
            if i % 2000 == 0:
                await asyncio.sleep(0)  # let the writers start sending

    def release(self, conn: ClientConnection) -> None:
        """A connection is gone: drop it as a consumer, end its temporary queues, and put the durable messages it
        never sent back at the front of their queues, oldest first."""
        for name in list(conn.queues):
            queue = self.queues.get(name)
            if queue is None:
                continue
            if conn in queue.consumers:
                queue.consumers.remove(conn)
            if queue.temporary:
                del self.queues[name]
        unsent: dict[str, list[Outgoing]] = {}
        for item in conn.outbox:
            if item.queuename:
                unsent.setdefault(item.queuename, []).append(item)
        conn.outbox.clear()
        for name, items in unsent.items():
            queue = self.queues.get(name)
            # with other consumers left, each of them already has its own copy (fan-out): nothing to return
            if queue is not None and not queue.consumers:
                queue.waiting.extendleft(reversed(items))
        conn.queues.clear()

    # -- introspection for tests (safe to call from another thread) ----------------------------------------------------

    def consumers(self, queuename: str) -> int:
        queue = self.queues.get(queuename)
        return len(queue.consumers) if queue is not None else 0

    def waiting(self, queuename: str) -> int:
        queue = self.queues.get(queuename)
        return len(queue.waiting) if queue is not None else 0

    def dropped(self, queuename: str) -> int:
        queue = self.queues.get(queuename)
        return queue.dropped if queue is not None else 0

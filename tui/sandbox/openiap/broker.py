"""Message queues: fan-out to every consumer, durable named queues, bounded outboxes, temporary reply queues.

Every message is stored in the queue log (SQLite, `queue_log.py`) before the publish is acknowledged, and stays
there until every consumer it was handed to has been sent it: named queues and what they hold survive a restart (a
kill -9 included). A message to a named queue reaches every consumer registered on it; while it has none, messages
wait (bounded, oldest dropped first) and are delivered, in order, when one registers. Each consumer is handed at
most OUTBOX_LIMIT messages ahead of its socket (a broker's prefetch): the rest wait in the log, so memory stays flat
under a flood. Messages handed to a connection that drops before sending them go back to the queue. A temporary
queue (`tmp.<hex>`) lives as long as the connection that asked for it.

A queue event's envelope id is `q<seq>`, the same on every delivery of that message: a consumer that was sent it
just before a crash (whose deletion did not make it to disk) can tell the second delivery from a new message.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from tui.sandbox.openiap.connection import ClientConnection, Outgoing
from tui.sandbox.openiap.errors import RequestError
from tui.sandbox.openiap.queue_log import TEMPORARY_PREFIX, QueueLog, Row
from tui.services.openiap.wire import openiap_pb2 as pb

QUEUE_BOUND = 100_000
FLOOD_BATCH = 2000
DELETE_BATCH = 500  # sent messages whose rows are deleted in one transaction
EVENT_TYPE_URL = "type.googleapis.com/openiap.QueueEvent"


@dataclass
class Queue:
    name: str
    temporary: bool = False
    owner: ClientConnection | None = None
    bound: int = QUEUE_BOUND
    consumers: list[ClientConnection] = field(default_factory=list)
    cursor: int = 0  # the highest seq handed to the consumers; rows past it wait
    waiting: int = 0  # rows past the cursor
    handed: dict[int, int] = field(default_factory=dict)  # seq -> copies handed out and not yet written
    dropped: int = 0  # messages pushed out of a full queue


def queue_event_envelope(seq: int, event: bytes) -> pb.Envelope:
    envelope = pb.Envelope(command="queueevent", id=f"q{seq}")
    envelope.data.type_url = EVENT_TYPE_URL
    envelope.data.value = event
    return envelope


class Broker:
    def __init__(self, log: QueueLog, queue_bound: int = QUEUE_BOUND):
        self.log = log
        self.queue_bound = queue_bound
        self.queues: dict[str, Queue] = {}
        self._written: list[int] = []  # rows whose every copy was sent, to delete
        for name, count in log.summary().items():
            self.queues[name] = Queue(name, bound=queue_bound, waiting=count)

    # -- consumers -----------------------------------------------------------------------------------------------------

    def attach(self, conn: ClientConnection) -> None:
        conn.on_sent = self._sent
        conn.on_room = self._refill

    def register(self, conn: ClientConnection, name: str, rid: str) -> None:
        """Make `conn` a consumer of `name` (an empty name makes a temporary queue) and send it what was waiting."""
        if not name:
            name = TEMPORARY_PREFIX + secrets.token_hex(8)
            queue = self.queues[name] = Queue(name, temporary=True, owner=conn, bound=self.queue_bound)
        else:
            existing = self.queues.get(name)
            if existing is None:
                queue = self._named(name)
            elif existing.temporary and existing.owner is not conn:
                raise RequestError(f"queue {name} belongs to another connection", 403)
            else:
                queue = existing
        if conn not in queue.consumers:
            queue.consumers.append(conn)
        conn.queues.add(name)
        # the reply goes out before anything that waited in the queue
        conn.push("registerqueuereply", pb.RegisterQueueResponse(queuename=name), rid=rid)
        self._pump(queue)

    def _named(self, name: str) -> Queue:
        queue = self.queues[name] = Queue(name, bound=self.queue_bound)
        if not name.startswith(TEMPORARY_PREFIX):
            self.log.create_queue(name)
        return queue

    def unregister(self, conn: ClientConnection, name: str) -> None:
        queue = self.queues.get(name)
        if queue is not None and conn in queue.consumers:
            queue.consumers.remove(conn)
            if queue.temporary:
                self._delete_queue(queue)
            elif not queue.consumers:
                self._rewind(queue, [])
        conn.queues.discard(name)

    # -- publishing ----------------------------------------------------------------------------------------------------

    def route(self, request: pb.QueueMessageRequest) -> None:
        """Store the message (committed before the caller acknowledges it) and hand it out."""
        queue = self.queues.get(request.queuename)
        if queue is None:
            if request.queuename.startswith(TEMPORARY_PREFIX):
                return  # a temporary queue that is gone: like a broker, drop it
            queue = self._named(request.queuename)
        event = pb.QueueEvent(
            queuename=request.queuename,
            correlationId=request.correlationId,
            replyto=request.replyto,
            routingkey=request.routingkey,
            exchangename=request.exchangename,
            data=request.data,
        ).SerializeToString()
        expires_at = time.time() + request.expiration / 1000 if request.expiration > 0 else 0.0
        seq = self.log.add(queue.name, event, expires_at)
        self._stored(queue, 1)
        if queue.waiting == 1 and self._room(queue) > 0:
            self._hand_out(queue, [(seq, event, expires_at)])  # nothing else waits: no need to read it back
        else:
            self._pump(queue)

    async def flood(self, queuename: str, n: int, data: dict[str, Any] | None = None) -> None:
        queue = self.queues.get(queuename) or self._named(queuename)
        extra = dict(data or {})
        for start in range(1, n + 1, FLOOD_BATCH):
            events = [
                pb.QueueEvent(queuename=queuename, data=json.dumps({"flood": i, "of": n, **extra})).SerializeToString()
                for i in range(start, min(n, start + FLOOD_BATCH - 1) + 1)
            ]
            self.log.add_many(queuename, events)
            self._stored(queue, len(events))
            self._pump(queue)
            await asyncio.sleep(0)  # let the writers start sending

    def _stored(self, queue: Queue, n: int) -> None:
        queue.waiting += n
        if queue.waiting > queue.bound:
            dropped = self.log.drop_oldest(queue.name, queue.cursor, queue.waiting - queue.bound)
            queue.waiting -= dropped
            queue.dropped += dropped

    # -- handing out ---------------------------------------------------------------------------------------------------

    @staticmethod
    def _room(queue: Queue) -> int:
        return min((c.room for c in queue.consumers), default=0)

    def _pump(self, queue: Queue) -> None:
        """Hand waiting messages to the consumers, as many as the fullest outbox has room for."""
        while queue.waiting > 0:
            room = self._room(queue)
            if room <= 0:
                return
            rows = self.log.read(queue.name, queue.cursor, room)
            if not rows:
                queue.waiting = 0
                return
            self._hand_out(queue, rows)

    def _hand_out(self, queue: Queue, rows: list[Row]) -> None:
        now = time.time()
        expired = []
        for seq, event, expires_at in rows:
            queue.cursor = seq
            queue.waiting -= 1
            if expires_at and expires_at < now:
                expired.append(seq)
                continue
            queue.handed[seq] = len(queue.consumers)
            for consumer in queue.consumers:
                consumer.enqueue(Outgoing(queue_event_envelope(seq, event), queue.name, expires_at, seq))
        self.log.delete(expired)

    def _sent(self, conn: ClientConnection, item: Outgoing) -> None:
        queue = self.queues.get(item.queuename)
        if queue is None:
            return
        left = queue.handed.get(item.message_seq, 0) - 1
        if left > 0:
            queue.handed[item.message_seq] = left
            return
        queue.handed.pop(item.message_seq, None)
        self._written.append(item.message_seq)
        if len(self._written) >= DELETE_BATCH:
            self._flush()

    def _refill(self, conn: ClientConnection) -> None:
        self._flush()
        for name in list(conn.queues):
            queue = self.queues.get(name)
            if queue is not None:
                self._pump(queue)

    def _flush(self) -> None:
        written, self._written = self._written, []
        self.log.delete(written)

    # -- connections and queues that end -------------------------------------------------------------------------------

    def release(self, conn: ClientConnection) -> None:
        """A connection is gone: drop it as a consumer, end its temporary queues, and give the messages it never
        sent back to their queues (when no other consumer has its own copy)."""
        unsent: dict[str, list[int]] = {}
        for item in conn.outbox:
            if item.message_seq:
                unsent.setdefault(item.queuename, []).append(item.message_seq)
        conn.outbox.clear()
        conn.queued = 0
        for name in list(conn.queues):
            queue = self.queues.get(name)
            if queue is None:
                continue
            if conn in queue.consumers:
                queue.consumers.remove(conn)
            if queue.temporary:
                self._delete_queue(queue)
                continue
            returned = []
            for seq in unsent.get(name, []):
                left = queue.handed.get(seq, 0) - 1
                if left > 0:
                    queue.handed[seq] = left
                elif queue.consumers:
                    queue.handed.pop(seq, None)
                    self._written.append(seq)  # every other consumer was sent its copy (fan-out)
                else:
                    returned.append(seq)
            if not queue.consumers:
                self._rewind(queue, returned)
        conn.queues.clear()
        self._flush()

    def _rewind(self, queue: Queue, returned: list[int]) -> None:
        """No consumer is left: what was handed out and not sent waits again, from the oldest."""
        self._flush()
        if returned:
            queue.cursor = min(queue.cursor, min(returned) - 1)
        queue.handed.clear()
        queue.waiting = self.log.count_after(queue.name, queue.cursor)

    def _delete_queue(self, queue: Queue) -> None:
        self.queues.pop(queue.name, None)
        self.log.delete_queue(queue.name)

    # -- introspection for tests (safe to call from another thread) ----------------------------------------------------

    def consumers(self, queuename: str) -> int:
        queue = self.queues.get(queuename)
        return len(queue.consumers) if queue is not None else 0

    def waiting(self, queuename: str) -> int:
        queue = self.queues.get(queuename)
        return queue.waiting if queue is not None else 0

    def dropped(self, queuename: str) -> int:
        queue = self.queues.get(queuename)
        return queue.dropped if queue is not None else 0

    def outbox_peak(self) -> int:
        """The most queue messages any connection has waiting in its outbox right now."""
        return max((c.queued for q in list(self.queues.values()) for c in list(q.consumers)), default=0)

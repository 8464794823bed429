"""The OpenIAP (OpenFlow) client: queues, request/reply, collection watches, documents and work items.

`OpenIAPClient` is the public API: `OpenIAPConnection` (socket, sign-in, reconnects), the one-request calls of
`OpenIAPCalls` (collections, work items and their queues), and here the subscriptions (queues, watches), which keep
going across reconnects. Every call returns the typed objects of `models.py`. Nothing here imports Textual.
"""

from __future__ import annotations

import asyncio
import json
import random
from types import TracebackType
from typing import Any, Self

from tui.http import ExchangeLog, ProtocolError
from tui.profiles import Connection
from tui.services.openiap.calls import OpenIAPCalls
from tui.services.openiap.errors import SERVICE, NoReplyError, suppress_service_errors
from tui.services.openiap.models import (
    Collection,
    QueueMessage,
    SignedInUser,
    WatchEvent,
    Workitem,
    WorkitemQueue,
)
from tui.services.openiap.subscriptions import QueueSubscription, RecentMessages, WatchSubscription
from tui.services.openiap.wire import Message
from tui.services.openiap.wire import openiap_pb2 as pb

__all__ = [
    "Collection",
    "NoReplyError",
    "OpenIAPClient",
    "QueueMessage",
    "QueueSubscription",
    "SignedInUser",
    "WatchEvent",
    "WatchSubscription",
    "Workitem",
    "WorkitemQueue",
]

UNCLAIMED_LIMIT = 10_000  # queue events kept per queue while its registration reply is on its way


class OpenIAPClient(OpenIAPCalls):
    service = SERVICE

    def __init__(self, url: str, username: str = "", password: str = "", **options: Any):
        """The connection's options (`jwt`, `exchange_log`, `request_timeout`, `reconnect`, backoff, ping) are
        `OpenIAPConnection`'s."""
        super().__init__(url, username, password, **options)
        # current server queue name -> its subscriptions (the same queue may be consumed twice by one client)
        self._queues: dict[str, list[QueueSubscription]] = {}
        self._watches: dict[str, WatchSubscription] = {}  # current server watch id -> subscription
        self._subscriptions: list[QueueSubscription] = []
        self._watch_subscriptions: list[WatchSubscription] = []
        self._unclaimed: dict[str, list[pb.QueueEvent]] = {}
        self._recent = RecentMessages()
        self._rpc_queue: QueueSubscription | None = None
        self._rpc_waiters: dict[str, asyncio.Future[QueueMessage]] = {}
        self._rpc_lock = asyncio.Lock()

    @property
    def redelivered(self) -> int:
        """Queue messages the server sent a second time, recognised and dropped."""
        return self._recent.redelivered

    @classmethod
    def from_connection(cls, connection: Connection, secret: str, *, exchange_log: ExchangeLog | None = None) -> Self:
        """`secret` is the password, or a JWT when the connection's options say `auth = "jwt"`."""
        if (connection.options or {}).get("auth") == "jwt":
            return cls(connection.url, connection.username, jwt=secret, exchange_log=exchange_log)
        return cls(connection.url, connection.username, secret, exchange_log=exchange_log)

    async def check(self) -> str:
        user = await self.connect()
        return f"Signed in as {user.username or user.name}"

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for subscription in list(self._subscriptions):
            subscription._finish()
        for watch in list(self._watch_subscriptions):
            watch._finish()
        self._subscriptions.clear()
        self._watch_subscriptions.clear()
        await super().aclose()

    # -- what the connection hands over ------------------------------------------------------------------------------

    async def _restore_subscriptions(self) -> None:
        self._queues.clear()
        self._watches.clear()
        self._unclaimed.clear()  # events of the old socket: their queues are registered again below
        for subscription in list(self._subscriptions):
            if not subscription.closed:
                await self._register_on_server(subscription)
        for watch in list(self._watch_subscriptions):
            if not watch.closed:
                await self._watch_on_server(watch)

    def _on_queue_events(self, events: list[pb.QueueEvent], ids: list[str] | None) -> None:
        """A read's queue events: each run of one queue goes to its subscriptions in one call."""
        if ids is not None:
            # each is checked for a second delivery: the server sent it again (it was killed before it could
            # forget it), and it was delivered already
            seen = self._recent.seen
            events = [e for e, i in zip(events, ids, strict=True) if not seen(e.queuename, i, e.data)]
        run: list[pb.QueueEvent] = []
        queuename = ""
        for event in events:
            name = event.queuename
            if name != queuename and run:
                self._deliver_run(queuename, run)
                run = []
            queuename = name
            run.append(event)
        if run:
            self._deliver_run(queuename, run)

    def _deliver_run(self, queuename: str, events: list[pb.QueueEvent]) -> None:
        subscriptions = self._queues.get(queuename)
        if not subscriptions:
            # messages for a queue whose registration reply we have not processed yet: keep them for a moment
            waiting = self._unclaimed.setdefault(queuename, [])
            waiting.extend(events[: max(0, UNCLAIMED_LIMIT - len(waiting))])
            return
        for subscription in subscriptions:
            try:
                subscription._deliver_all(queuename, events)
            except Exception:  # one subscription's failure must not keep the messages from the others
                self._traffic.note("RECV", f"{len(events)} queue messages for {queuename} could not be delivered")

    def _on_event(self, command: str, message: Message | None, envelope_id: str) -> None:
        if command == "watchevent" and isinstance(message, pb.WatchEvent):
            watch = self._watches.get(message.id)
            if watch is not None:
                watch._deliver(message)

    # -- queues --------------------------------------------------------------------------------------------------------

    async def register_queue(self, queuename: str = "") -> QueueSubscription:
        """Consume a queue; an empty name asks the server for a temporary queue (its name is on `.queuename`)."""
        subscription = QueueSubscription(self._forget_queue, queuename)
        await self._wait_online()
        await self._register_on_server(subscription)
        self._subscriptions.append(subscription)
        return subscription

    async def _register_on_server(self, subscription: QueueSubscription) -> None:
        reply = await self._request(
            "registerqueue",
            pb.RegisterQueueRequest(queuename=subscription.requested_name),
            pb.RegisterQueueResponse,
            wait_online=False,
        )
        queuename = reply.queuename or subscription.requested_name
        if not queuename:
            raise ProtocolError("OpenIAP made a temporary queue without a name.", service=SERVICE)
        self._detach_queue(subscription)
        subscription.queuename = queuename
        self._queues.setdefault(subscription.queuename, []).append(subscription)
        for event in self._unclaimed.pop(subscription.queuename, []):
            subscription._deliver(event)

    def _detach_queue(self, subscription: QueueSubscription) -> bool:
        """Stop routing to `subscription`; True when nothing else of this client consumes its queue any more."""
        subscriptions = self._queues.get(subscription.queuename)
        if not subscriptions or subscription not in subscriptions:
            return False
        subscriptions.remove(subscription)
        if subscriptions:
            return False
        del self._queues[subscription.queuename]
        return True

    async def _forget_queue(self, subscription: QueueSubscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)
        if self._detach_queue(subscription) and self._online.is_set():
            with suppress_service_errors():
                request = pb.UnRegisterQueueRequest(queuename=subscription.queuename)
                await self._request(
                    "unregisterqueue", request, pb.UnRegisterQueueResponse, wait_online=False, empty_ok=True
                )

    async def queue_message(
        self, queuename: str, data: Any, *, correlation_id: str = "", replyto: str = "", expiration: int = 0
    ) -> None:
        """Send `data` (JSON-encoded; a str is sent as a JSON string) to a queue. Waits for the server's receipt."""
        request = pb.QueueMessageRequest(
            queuename=queuename,
            data=json.dumps(data),
            correlationId=correlation_id,
            replyto=replyto,
            striptoken=True,
            expiration=expiration,
        )
        await self._request("queuemessage", request, pb.QueueMessageResponse, empty_ok=True)

    async def rpc(self, queuename: str, data: Any, *, timeout: float = 15.0) -> QueueMessage:
        """Send a message with a temporary reply queue and a correlation id; return the reply. NoReplyError when
        the message went out but no reply came within `timeout`."""
        async with self._rpc_lock:
            if self._rpc_queue is None or self._rpc_queue.closed:
                self._rpc_queue = await self.register_queue("")
                self._rpc_queue.on_message = self._rpc_reply
            reply_queue = self._rpc_queue.queuename
        correlation_id = f"{random.getrandbits(64):016x}"
        waiter: asyncio.Future[QueueMessage] = asyncio.get_running_loop().create_future()
        self._rpc_waiters[correlation_id] = waiter
        try:
            await self.queue_message(queuename, data, correlation_id=correlation_id, replyto=reply_queue)
            try:
                return await asyncio.wait_for(waiter, timeout)
            except TimeoutError:
                raise NoReplyError(queuename, timeout) from None
        finally:
            self._rpc_waiters.pop(correlation_id, None)

    def _rpc_reply(self, message: QueueMessage) -> None:
        # replies whose waiter is gone (timed out) are dropped: nobody is left to read them
        waiter = self._rpc_waiters.pop(message.correlation_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(message)

    # -- watches -------------------------------------------------------------------------------------------------------

    async def watch(self, collection: str, paths: list[str] | None = None) -> WatchSubscription:
        subscription = WatchSubscription(self._forget_watch, collection, list(paths or []))
        await self._wait_online()
        await self._watch_on_server(subscription)
        self._watch_subscriptions.append(subscription)
        return subscription

    async def _watch_on_server(self, subscription: WatchSubscription) -> None:
        reply = await self._request(
            "watch",
            pb.WatchRequest(collectionname=subscription.collection, paths=subscription.paths),
            pb.WatchResponse,
            wait_online=False,
        )
        if not reply.id:
            raise ProtocolError("OpenIAP started a watch without an id.", service=SERVICE)
        if self._watches.get(subscription.watch_id) is subscription:
            del self._watches[subscription.watch_id]
        subscription.watch_id = reply.id
        self._watches[reply.id] = subscription

    async def _forget_watch(self, subscription: WatchSubscription) -> None:
        if subscription in self._watch_subscriptions:
            self._watch_subscriptions.remove(subscription)
        if self._watches.get(subscription.watch_id) is subscription:
            del self._watches[subscription.watch_id]
            if self._online.is_set():
                with suppress_service_errors():
                    await self._request(
                        "unwatch",
                        pb.UnWatchRequest(id=subscription.watch_id),
                        pb.UnWatchResponse,
                        wait_online=False,
                        empty_ok=True,
                    )

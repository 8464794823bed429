"""OpenIAP (OpenFlow) client over the websocket transport: protobuf envelopes, sign-in, queues, watches, work items.

One websocket per client, opened with httpx-ws over a pooled `httpx.AsyncClient`. A supervisor task owns the socket
(httpx-ws sessions must be entered and left by the same task) and reads every frame; callers send through a lock so
a length/body pair is never interleaved, and wait on futures keyed by request id. When the socket drops, the client
signs in again with the JWT it was given, re-registers every queue and watch, and the iterators handed to callers keep
going. Nothing here imports Textual.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from httpx_ws import HTTPXWSException, WebSocketUpgradeError, aconnect_ws

from tui.http import (
    AuthError,
    BadRequestError,
    ConflictError,
    ExchangeLog,
    NotFoundError,
    ProtocolError,
    ServiceError,
    UnavailableError,
    literal_secrets,
    log_message,
    one_line,
    shared_tls_context,
)
from tui.services.openiap.wire import openiap_pb2 as pb

SERVICE = "OpenIAP"
AGENT = "servicedeck"
VERSION = "0.1.0"
PING_INTERVAL = 30.0
BACKOFF_START = 0.1
BACKOFF_CAP = 5.0
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
LOG_PER_SECOND = 100  # queue messages logged one by one per second; the rest are counted

# --------------------------------------------------------------------------------------------------------------------
# What callers get back: typed objects, never protobuf messages or raw dicts of the wire.
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class QueueMessage:
    queuename: str
    correlation_id: str
    replyto: str
    routingkey: str
    exchangename: str
    data: Any  # parsed JSON, or the raw string when it is not JSON
    raw: str
    received_at: float  # time.time() when it arrived
    seq: int  # arrival counter of its subscription, from 1


@dataclass
class WatchEvent:
    watch_id: str
    collection: str
    operation: str  # insert | update | replace | delete
    document: dict
    received_at: float


@dataclass
class Workitem:
    id: str
    name: str
    payload: Any
    priority: int
    state: str
    wiq: str
    wiqid: str
    retries: int
    errormessage: str
    nextrun: datetime | None
    lastrun: datetime | None
    username: str


@dataclass
class Collection:
    name: str
    type: str


@dataclass
class SignedInUser:
    id: str
    name: str
    username: str
    roles: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------------------------
# Conversions between the wire and the typed objects.
# --------------------------------------------------------------------------------------------------------------------


def parse_json_text(text: str) -> Any:
    """Queue data is a JSON string on the wire; anything that is not JSON is kept as the string it is."""
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _timestamp_to_datetime(message: Message, name: str) -> datetime | None:
    if not message.HasField(name):
        return None
    stamp = getattr(message, name)
    if stamp.seconds == 0 and stamp.nanos == 0:
        return None
    return stamp.ToDatetime(tzinfo=UTC)


def _parse_iso(value: Any) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def workitem_from_pb(item: pb.Workitem) -> Workitem:
    return Workitem(
        id=item._id,
        name=item.name,
        payload=parse_json_text(item.payload),
        priority=item.priority,
        state=item.state,
        wiq=item.wiq,
        wiqid=item.wiqid,
        retries=item.retries,
        errormessage=item.errormessage,
        nextrun=_timestamp_to_datetime(item, "nextrun"),
        lastrun=_timestamp_to_datetime(item, "lastrun"),
        username=item.username,
    )


def workitem_from_document(doc: dict) -> Workitem:
    """A work item as the `workitems` collection stores it (what a Query returns)."""
    return Workitem(
        id=str(doc.get("_id", "")),
        name=str(doc.get("name", "")),
        payload=doc.get("payload"),
        priority=int(doc.get("priority") or 0),
        state=str(doc.get("state", "")),
        wiq=str(doc.get("wiq", "")),
        wiqid=str(doc.get("wiqid", "")),
        retries=int(doc.get("retries") or 0),
        errormessage=str(doc.get("errormessage") or ""),
        nextrun=_parse_iso(doc.get("nextrun")),
        lastrun=_parse_iso(doc.get("lastrun")),
        username=str(doc.get("username") or doc.get("_createdby") or ""),
    )


def workitem_to_pb(item: Workitem) -> pb.Workitem:
    message = pb.Workitem(
        _id=item.id,
        name=item.name,
        payload=json.dumps(item.payload),
        priority=item.priority,
        state=item.state,
        wiq=item.wiq,
        wiqid=item.wiqid,
        retries=item.retries,
        errormessage=item.errormessage,
        username=item.username,
    )
    if item.nextrun is not None:
        message.nextrun.FromDatetime(item.nextrun)
    if item.lastrun is not None:
        message.lastrun.FromDatetime(item.lastrun)
    return message


def error_from_reply(message: str, code: int) -> ServiceError:
    """The server's ErrorResponse as one of the shared error classes, with a sentence a person can read."""
    text = (message or "the request failed").strip()
    lowered = text.lower()
    if code in (401, 403) or "access denied" in lowered or "not signed in" in lowered or "signin" in lowered:
        cls: type[ServiceError] = AuthError
    elif code == 404 or "not found" in lowered:
        cls = NotFoundError
    elif code == 409:
        cls = ConflictError
    elif code == 400:
        cls = BadRequestError
    else:
        cls = ServiceError
    sentence = text if text.endswith((".", "!", "?")) else text + "."
    return cls(f"OpenIAP refused the request: {sentence}", status=code or None, service=SERVICE)


def _unpack(envelope: pb.Envelope) -> Message | None:
    """The message inside an envelope's Any, by its type URL (`type.googleapis.com/openiap.<Name>`)."""
    type_url = envelope.data.type_url
    if not type_url:
        return None
    name = type_url.rsplit("/", 1)[-1].removeprefix("openiap.")
    cls = getattr(pb, name, None)
    if cls is None or not isinstance(cls, type):
        return None
    message = cls()
    try:
        message.ParseFromString(envelope.data.value)
    except DecodeError:
        raise ProtocolError("OpenIAP sent a message that could not be decoded.", service=SERVICE) from None
    return message


# --------------------------------------------------------------------------------------------------------------------
# Subscriptions: async iterators that outlive reconnects.
# --------------------------------------------------------------------------------------------------------------------

_CLOSED = object()


class _Subscription:
    """An unbounded in-order buffer between the reader task and whoever iterates."""

    def __init__(self, client: OpenIAPClient):
        self._client = client
        self._items: asyncio.Queue = asyncio.Queue()
        self.closed = False

    def _push(self, item: Any) -> None:
        if not self.closed:
            self._items.put_nowait(item)

    def __aiter__(self):
        return self

    async def __anext__(self):
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

    def drain(self, limit: int = 10_000) -> list:
        """Everything waiting (up to `limit`) without waiting: lets a UI take messages in batches."""
        out = []
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


class QueueSubscription(_Subscription):
    """Messages of one queue. `queuename` is the current name (a temporary queue gets a new one after a reconnect)."""

    def __init__(self, client: OpenIAPClient, requested_name: str):
        super().__init__(client)
        self.requested_name = requested_name  # "" for a temporary queue
        self.queuename = requested_name
        self.received = 0
        self._handler: Callable[[QueueMessage], None] | None = None

    @property
    def temporary(self) -> bool:
        return not self.requested_name

    def _deliver(self, event: pb.QueueEvent) -> None:
        self.received += 1
        message = QueueMessage(
            queuename=event.queuename,
            correlation_id=event.correlationId,
            replyto=event.replyto,
            routingkey=event.routingkey,
            exchangename=event.exchangename,
            data=parse_json_text(event.data),
            raw=event.data,
            received_at=time.time(),
            seq=self.received,
        )
        if self._handler is not None:
            self._handler(message)
        else:
            self._push(message)

    async def close(self) -> None:
        if self.closed:
            return
        self._finish()
        await self._client._forget_queue(self)


class WatchSubscription(_Subscription):
    """Change events of one collection. `watch_id` is the server's current id for it (new after a reconnect)."""

    def __init__(self, client: OpenIAPClient, collection: str, paths: list[str]):
        super().__init__(client)
        self.collection = collection
        self.paths = paths
        self.watch_id = ""

    def _deliver(self, event: pb.WatchEvent) -> None:
        document = parse_json_text(event.document)
        self._push(
            WatchEvent(
                watch_id=event.id,
                collection=self.collection,
                operation=event.operation,
                document=document if isinstance(document, dict) else {"value": document},
                received_at=time.time(),
            )
        )

    async def close(self) -> None:
        if self.closed:
            return
        self._finish()
        await self._client._forget_watch(self)


# --------------------------------------------------------------------------------------------------------------------
# The client.
# --------------------------------------------------------------------------------------------------------------------


class _ConnectionLost(Exception):
    pass


class OpenIAPClient:
    service = SERVICE

    def __init__(
        self,
        url: str,
        username: str = "",
        password: str = "",
        *,
        jwt: str = "",
        exchange_log: ExchangeLog | None = None,
        request_timeout: float = 15.0,
        reconnect: bool = True,
        agent: str = AGENT,
        backoff_start: float = BACKOFF_START,
        backoff_cap: float = BACKOFF_CAP,
        ping_interval: float = PING_INTERVAL,
    ):
        self.url = url
        self.username = username
        self._password = password
        self._jwt = jwt
        self._initial_jwt = jwt
        self.exchange_log = exchange_log
        self.request_timeout = request_timeout
        self.reconnect = reconnect
        self.agent = agent
        self.backoff_start = backoff_start
        self.backoff_cap = backoff_cap
        self.ping_interval = ping_interval

        self.state = "disconnected"
        self.user: SignedInUser | None = None
        self.reconnects = 0
        self._last_frame = (
            0.0  # monotonic time of the last frame received  # how many times the connection came back after a drop
        )

        self._state_listeners: list[Callable[[str, str], None]] = []
        self._http: httpx.AsyncClient | None = None
        self._ws = None
        self._send_lock = asyncio.Lock()
        self._send_seq = 0
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future] = {}
        self._rpc_waiters: dict[str, asyncio.Future] = {}
        # current server queue name -> its subscriptions (the same queue may be consumed twice by one client)
        self._queues: dict[str, list[QueueSubscription]] = {}
        self._watches: dict[str, WatchSubscription] = {}  # current server watch id -> subscription
        self._subscriptions: list[QueueSubscription] = []
        self._watch_subscriptions: list[WatchSubscription] = []
        self._log_window_start = 0.0
        self._log_window_count = 0
        self._log_suppressed: dict[str, int] = {}
        self._unclaimed: dict[str, list[pb.QueueEvent]] = {}
        self._setup_error: BaseException | None = None
        self._rpc_queue: QueueSubscription | None = None
        self._rpc_lock = asyncio.Lock()
        self._connect_lock = asyncio.Lock()
        self._online = asyncio.Event()  # set while a signed-in socket is up
        self._supervisor: asyncio.Task | None = None
        self._closing = False

    @classmethod
    def from_connection(cls, connection, secret: str, *, exchange_log: ExchangeLog | None = None) -> OpenIAPClient:
        """`secret` is the password, or a JWT when the connection's options say `auth = "jwt"`."""
        options = getattr(connection, "options", None) or {}
        if options.get("auth") == "jwt":
            return cls(connection.url, connection.username, jwt=secret, exchange_log=exchange_log)
        return cls(connection.url, connection.username, secret, exchange_log=exchange_log)

    # -- state ----------------------------------------------------------------------------------------------------------

    def on_state(self, callback: Callable[[str, str], None]) -> Callable[[], None]:
        """Call `callback(state, detail)` on every state change; returns a function that unsubscribes."""
        self._state_listeners.append(callback)
        return lambda: self._state_listeners.remove(callback) if callback in self._state_listeners else None

    def _set_state(self, state: str, detail: str = "") -> None:
        self.state = state
        for listener in list(self._state_listeners):
            try:
                listener(state, detail)
            except Exception:  # a broken listener must not break the connection
                pass

    @property
    def connected(self) -> bool:
        return self.state == "connected"

    @property
    def _secrets(self) -> tuple[str, ...]:
        return literal_secrets((self._password, self._jwt, self._initial_jwt), public=[self.username])

    # -- connecting -----------------------------------------------------------------------------------------------------

    async def connect(self) -> SignedInUser:
        """Open the websocket and sign in. Raises AuthError for refused credentials, UnavailableError otherwise."""
        async with self._connect_lock:
            if self._online.is_set() and self.user is not None:
                return self.user
            if self._supervisor is not None and not self._supervisor.done():
                # reconnecting already: wait for it rather than opening a second socket
                await self._wait_online()
                assert self.user is not None
                return self.user
            self._closing = False
            if self._http is None:
                self._http = httpx.AsyncClient(
                    timeout=httpx.Timeout(self.request_timeout, connect=5.0), verify=shared_tls_context()
                )
            ready: asyncio.Future = asyncio.get_running_loop().create_future()
            self._set_state("connecting", self.url)
            self._supervisor = asyncio.create_task(self._supervise(ready), name="openiap-connection")
            try:
                await ready
            except BaseException:
                self._supervisor.cancel()
                await asyncio.gather(self._supervisor, return_exceptions=True)
                self._supervisor = None
                self._set_state("disconnected", "")
                raise
            assert self.user is not None
            return self.user

    async def check(self) -> str:
        user = await self.connect()
        return f"Signed in as {user.username or user.name}"

    async def _supervise(self, ready: asyncio.Future) -> None:
        """Own the socket for the client's life: connect, read, and on a drop reconnect with backoff."""
        attempt = 0
        while not self._closing:
            error: ServiceError | None = None
            try:
                await self._run_connection(ready)
                attempt = 0  # it was up; a new drop starts the backoff from the beginning
            except ServiceError as exc:
                error = exc
            self._connection_lost()
            if self._closing:
                break
            if not ready.done():
                # the very first connection failed: report it to connect() and stop
                ready.set_exception(
                    error or UnavailableError(f"Cannot connect to OpenIAP at {self.url}.", service=SERVICE)
                )
                return
            if ready.cancelled() or ready.exception() is not None:
                return  # connect() was told why
            if isinstance(error, AuthError) and not self._password:
                # the token was refused and there is no password to fall back on: give up with the reason
                self._set_state("disconnected", error.message)
                return
            if not self.reconnect:
                self._set_state("disconnected", error.message if error else "The connection was closed.")
                return
            delay = min(self.backoff_cap, self.backoff_start * (2**attempt)) * (0.5 + random.random())
            attempt += 1
            self._set_state("reconnecting", f"Connection lost; retrying in {delay:.1f} s.")
            await asyncio.sleep(delay)

    async def _run_connection(self, ready: asyncio.Future) -> None:
        self._setup_error = None
        try:
            async with aconnect_ws(
                self.url,
                self._http,
                max_message_size_bytes=MAX_MESSAGE_BYTES,
                queue_size=4096,
                keepalive_ping_interval_seconds=None,
            ) as ws:
                self._ws = ws
                self._send_seq = 0
                self._unclaimed.clear()
                log_message(self.exchange_log, SERVICE, "SEND", self.url, "websocket opened", secrets=self._secrets)
                setup = asyncio.create_task(self._after_connect(ready))
                pinger = asyncio.create_task(self._ping_loop())
                reader = asyncio.create_task(self._read_loop(ws))
                try:
                    # the reader ends when the socket closes; the pinger ends when the socket is silent and dead
                    await asyncio.wait({reader, pinger}, return_when=asyncio.FIRST_COMPLETED)
                    if reader.done() and not reader.cancelled() and reader.exception() is not None:
                        raise reader.exception()
                finally:
                    reader.cancel()
                    setup.cancel()
                    pinger.cancel()
                    self._ws = None
                    with _suppress_all():
                        await asyncio.wait_for(ws.close(), 1.0)
        except BaseException as exc:
            raise _as_service_error(exc, self.url) from None
        if self._setup_error is not None:
            # the sign-in failed and closed the socket on purpose
            raise _as_service_error(self._setup_error, self.url)

    async def _after_connect(self, ready: asyncio.Future) -> None:
        """Sign in (with the JWT from the last sign-in when there is one) and restore queues and watches."""
        try:
            await self._signin()
            self._online.set()
            await self._restore_subscriptions()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            self._setup_error = exc
            if not ready.done():
                ready.set_exception(_as_service_error(exc, self.url))
            if self._ws is not None:
                with _suppress_all():
                    await asyncio.wait_for(self._ws.close(), 1.0)
            return
        first = not ready.done()
        if first:
            ready.set_result(None)
        else:
            self.reconnects += 1
        user = self.user.username if self.user else ""
        self._set_state("connected", f"Signed in as {user}")

    async def _signin(self) -> None:
        use_jwt = bool(self._jwt)
        request = pb.SigninRequest(agent=self.agent, version=VERSION, ping=True)
        if use_jwt:
            request.jwt = self._jwt
        else:
            request.username = self.username
            request.password = self._password
        try:
            reply = await self._request("signin", request, wait_online=False)
        except ServiceError as exc:
            if isinstance(exc, UnavailableError):
                raise
            if use_jwt and self._password and self._jwt != self._initial_jwt:
                # the token we were given on the last sign-in expired: sign in with the password again
                self._jwt = ""
                return await self._signin()
            what = "sign-in token" if use_jwt else "username or password"
            raise AuthError(f"OpenIAP refused the {what}.", service=SERVICE) from None
        self._jwt = reply.jwt or self._jwt
        user = reply.user
        self.user = SignedInUser(
            id=user._id, name=user.name, username=user.username, roles=[r.name for r in user.roles]
        )

    async def _restore_subscriptions(self) -> None:
        self._queues.clear()
        self._watches.clear()
        for subscription in list(self._subscriptions):
            if not subscription.closed:
                await self._register_on_server(subscription)
        for watch in list(self._watch_subscriptions):
            if not watch.closed:
                await self._watch_on_server(watch)

    def _connection_lost(self) -> None:
        was_online = self._online.is_set()
        self._online.clear()
        self._ws = None
        error = UnavailableError("The connection to OpenIAP was lost before it answered.", service=SERVICE)
        for future in list(self._pending.values()):
            if not future.done():
                future.set_exception(error)
        self._pending.clear()
        if was_online:
            log_message(self.exchange_log, SERVICE, "RECV", self.url, "websocket closed", secrets=self._secrets)

    async def _wait_online(self) -> None:
        if self._online.is_set():
            return
        if self._supervisor is None or self._supervisor.done():
            await self.connect()  # never connected, or gave up: try once more now
            return
        try:
            await asyncio.wait_for(self._online.wait(), self.request_timeout)
        except TimeoutError:
            raise UnavailableError(
                f"OpenIAP at {self.url} is not reachable; still trying to reconnect.", service=SERVICE
            ) from None

    async def _ping_loop(self) -> None:
        """Returns when the connection is dead: no pong and no other frame either. During a flood the pong waits
        behind thousands of messages, so any frame that arrives counts as proof of life."""
        while True:
            await asyncio.sleep(self.ping_interval)
            if not self._online.is_set() or time.monotonic() - self._last_frame < self.ping_interval:
                continue
            sent = time.monotonic()
            try:
                await self._request("ping", pb.PingRequest(), wait_online=False)
            except ServiceError:
                if self._last_frame > sent:
                    continue  # slow, not dead
                return

    # -- the wire ---------------------------------------------------------------------------------------------------------

    async def _send(self, envelope: pb.Envelope) -> None:
        # A sender cancelled between the length and the body would leave the stream out of step for good: the
        # pair is written by a shielded task that finishes even when its caller is cancelled.
        await asyncio.shield(self._send_framed(envelope))

    async def _send_framed(self, envelope: pb.Envelope) -> None:
        ws = self._ws
        if ws is None:
            raise _ConnectionLost()
        async with self._send_lock:
            if ws is not self._ws:
                raise _ConnectionLost()
            envelope.seq = self._send_seq
            body = envelope.SerializeToString()
            try:
                # the official clients read the length and the body as two websocket messages
                await ws.send_bytes(len(body).to_bytes(4, "little"))
                await ws.send_bytes(body)
            except (HTTPXWSException, httpx.TransportError, OSError, RuntimeError) as exc:
                raise _ConnectionLost() from exc
            self._send_seq += 1
        self._log("SEND", envelope)

    async def _request(
        self, command: str, message: Message, *, wait_online: bool = True, timeout: float | None = None
    ) -> Any:
        """Send one request and return the message of its reply; error replies raise ServiceError."""
        if wait_online:
            await self._wait_online()
        request_id = str(next(self._ids))
        envelope = pb.Envelope(command=command, id=request_id)
        envelope.data.Pack(message)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            try:
                await self._send(envelope)
            except _ConnectionLost:
                raise UnavailableError("The connection to OpenIAP was lost; try again.", service=SERVICE) from None
            try:
                return await asyncio.wait_for(future, timeout or self.request_timeout)
            except TimeoutError:
                raise UnavailableError(
                    f"OpenIAP did not answer {command} within {timeout or self.request_timeout:.0f} s.", service=SERVICE
                ) from None
        finally:
            self._pending.pop(request_id, None)

    async def _read_loop(self, ws) -> None:
        buffer = bytearray()
        while True:
            try:
                chunk = await ws.receive_bytes()
            except (HTTPXWSException, httpx.TransportError, OSError):
                return
            self._last_frame = time.monotonic()
            buffer += chunk
            # the socket is a byte stream: a length and its body may come in one message or in several
            while len(buffer) >= 4:
                size = int.from_bytes(buffer[:4], "little")
                if len(buffer) < 4 + size:
                    break
                body = bytes(buffer[4 : 4 + size])
                del buffer[: 4 + size]
                envelope = pb.Envelope()
                try:
                    envelope.ParseFromString(body)
                except DecodeError:
                    log_message(self.exchange_log, SERVICE, "RECV", self.url, "undecodable frame ignored")
                    continue
                await self._dispatch(envelope)

    async def _dispatch(self, envelope: pb.Envelope) -> None:
        self._log("RECV", envelope)
        command = envelope.command
        try:
            message = _unpack(envelope)
        except ProtocolError as exc:
            future = self._pending.get(envelope.rid)
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if envelope.rid and envelope.rid in self._pending:
            future = self._pending[envelope.rid]
            if future.done():
                return
            if command == "error":
                error = message if isinstance(message, pb.ErrorResponse) else pb.ErrorResponse()
                future.set_exception(error_from_reply(error.message, error.code))
            else:
                future.set_result(message)
            return
        if command == "queueevent" and isinstance(message, pb.QueueEvent):
            subscriptions = self._queues.get(message.queuename)
            if subscriptions:
                for subscription in subscriptions:
                    subscription._deliver(message)
            else:
                # a message for a queue whose registration reply we have not processed yet: keep it for a moment
                waiting = self._unclaimed.setdefault(message.queuename, [])
                if len(waiting) < 10_000:
                    waiting.append(message)
        elif command == "watchevent" and isinstance(message, pb.WatchEvent):
            watch = self._watches.get(message.id)
            if watch is not None:
                watch._deliver(message)
        elif command == "refreshtoken" and isinstance(message, pb.RefreshToken):
            if message.jwt:
                self._jwt = message.jwt
        elif command == "ping":
            reply = pb.Envelope(command="pong", rid=envelope.id, id=str(next(self._ids)))
            reply.data.Pack(pb.PingResponse())
            with _suppress_all():
                await self._send(reply)

    def _log(self, direction: str, envelope: pb.Envelope) -> None:
        if self.exchange_log is None:
            return
        self._roll_log_window()
        if envelope.command in ("queueevent", "queuemessagereply", "queuemessage"):
            self._log_window_count += 1
            if self._log_window_count > LOG_PER_SECOND:
                self._log_suppressed[envelope.command] = self._log_suppressed.get(envelope.command, 0) + 1
                return
        try:
            message = _unpack(envelope)
        except ProtocolError:
            message = None
        command = envelope.command
        ident = f"#{envelope.id}" if envelope.id else ""
        if envelope.rid:
            ident += f" re #{envelope.rid}"
        if isinstance(message, (pb.QueueEvent, pb.QueueMessageRequest)):
            # hot path: queue traffic can be thousands a second, so no generic JSON conversion
            summary = f"{command} {ident} {message.queuename}".strip()
            body = message.data
        elif isinstance(message, pb.ErrorResponse):
            summary = f"{command} {ident}: {one_line(message.message, 120)}"
            body = json.dumps({"message": message.message, "code": message.code})
        else:
            summary = f"{command} {ident}".strip()
            body = json_format.MessageToJson(message, preserving_proto_field_name=True, indent=None) if message else ""
        log_message(self.exchange_log, SERVICE, direction, self.url, summary, body, secrets=self._secrets)

    def _roll_log_window(self) -> None:
        """Queue traffic is logged one by one up to LOG_PER_SECOND entries a second, the rest counted and summarized.

        A flood of thousands of messages a second would otherwise cost more in logging than in receiving.
        """
        now = time.monotonic()
        if now - self._log_window_start < 1.0:
            return
        if self._log_suppressed:
            counts = ", ".join(f"{n} {c}" for c, n in sorted(self._log_suppressed.items()))
            log_message(self.exchange_log, SERVICE, "RECV", self.url, f"… and {counts} messages not logged one by one")
            self._log_suppressed.clear()
        self._log_window_start = now
        self._log_window_count = 0

    # -- queues ---------------------------------------------------------------------------------------------------------

    async def register_queue(self, queuename: str = "") -> QueueSubscription:
        """Consume a queue; an empty name asks the server for a temporary queue (its name is on `.queuename`)."""
        subscription = QueueSubscription(self, queuename)
        await self._wait_online()
        await self._register_on_server(subscription)
        self._subscriptions.append(subscription)
        return subscription

    async def _register_on_server(self, subscription: QueueSubscription) -> None:
        reply = await self._request(
            "registerqueue", pb.RegisterQueueRequest(queuename=subscription.requested_name), wait_online=False
        )
        self._detach_queue(subscription)
        subscription.queuename = reply.queuename or subscription.requested_name
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
        if self._detach_queue(subscription):
            if self._online.is_set():
                with _suppress_service_errors():
                    await self._request(
                        "unregisterqueue",
                        pb.UnRegisterQueueRequest(queuename=subscription.queuename),
                        wait_online=False,
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
        await self._request("queuemessage", request)

    async def rpc(self, queuename: str, data: Any, *, timeout: float = 15.0) -> QueueMessage:
        """Send a message with a temporary reply queue and a correlation id; return the reply."""
        async with self._rpc_lock:
            if self._rpc_queue is None or self._rpc_queue.closed:
                self._rpc_queue = await self.register_queue("")
                self._rpc_queue._handler = self._rpc_reply
        correlation_id = f"{random.getrandbits(64):016x}"
        waiter: asyncio.Future = asyncio.get_running_loop().create_future()
        self._rpc_waiters[correlation_id] = waiter
        try:
            await self.queue_message(queuename, data, correlation_id=correlation_id, replyto=self._rpc_queue.queuename)
            try:
                return await asyncio.wait_for(waiter, timeout)
            except TimeoutError:
                raise UnavailableError(
                    f"No reply from queue {queuename} within {timeout:.0f} s; is anything consuming it?",
                    service=SERVICE,
                ) from None
        finally:
            self._rpc_waiters.pop(correlation_id, None)

    def _rpc_reply(self, message: QueueMessage) -> None:
        # replies whose waiter is gone (timed out) are dropped: nobody is left to read them
        waiter = self._rpc_waiters.pop(message.correlation_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(message)

    # -- watches --------------------------------------------------------------------------------------------------------

    async def watch(self, collection: str, paths: list[str] | None = None) -> WatchSubscription:
        subscription = WatchSubscription(self, collection, list(paths or []))
        await self._wait_online()
        await self._watch_on_server(subscription)
        self._watch_subscriptions.append(subscription)
        return subscription

    async def _watch_on_server(self, subscription: WatchSubscription) -> None:
        reply = await self._request(
            "watch",
            pb.WatchRequest(collectionname=subscription.collection, paths=subscription.paths),
            wait_online=False,
        )
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
                with _suppress_service_errors():
                    await self._request("unwatch", pb.UnWatchRequest(id=subscription.watch_id), wait_online=False)

    # -- collections ----------------------------------------------------------------------------------------------------

    async def query(
        self,
        collection: str,
        query: dict | None = None,
        *,
        projection: dict | None = None,
        top: int = 100,
        skip: int = 0,
        orderby: dict | None = None,
    ) -> list[dict]:
        request = pb.QueryRequest(
            collectionname=collection,
            query=json.dumps(query or {}),
            projection=json.dumps(projection) if projection else "",
            top=top,
            skip=skip,
            orderby=json.dumps(orderby) if orderby else "",
        )
        reply = await self._request("query", request)
        results = self._json_reply(reply.results, "query")
        return results if isinstance(results, list) else []

    async def list_collections(self) -> list[Collection]:
        reply = await self._request("listcollections", pb.ListCollectionsRequest())
        results = self._json_reply(reply.results, "listcollections") or []
        return [
            Collection(name=str(r.get("name", "")), type=str(r.get("type", "collection")))
            for r in results
            if isinstance(r, dict)
        ]

    async def count(self, collection: str, query: dict | None = None) -> int:
        reply = await self._request("count", pb.CountRequest(collectionname=collection, query=json.dumps(query or {})))
        return int(reply.result)

    async def insert_one(self, collection: str, item: dict) -> dict:
        reply = await self._request("insertone", pb.InsertOneRequest(collectionname=collection, item=json.dumps(item)))
        return self._json_reply(reply.result, "insertone") or {}

    async def update_one(self, collection: str, item: dict) -> dict:
        reply = await self._request("updateone", pb.UpdateOneRequest(collectionname=collection, item=json.dumps(item)))
        return self._json_reply(reply.result, "updateone") or {}

    async def delete_one(self, collection: str, id: str) -> int:
        reply = await self._request("deleteone", pb.DeleteOneRequest(collectionname=collection, id=id))
        return int(reply.affectedrows)

    def _json_reply(self, text: str, command: str) -> Any:
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            raise ProtocolError(f"OpenIAP answered {command} with text that is not JSON.", service=SERVICE) from None

    # -- work items -----------------------------------------------------------------------------------------------------

    async def push_workitem(
        self, wiq: str, name: str, payload: Any, *, priority: int = 2, nextrun: datetime | None = None
    ) -> Workitem:
        request = pb.PushWorkitemRequest(wiq=wiq, name=name, payload=json.dumps(payload), priority=priority)
        if nextrun is not None:
            request.nextrun.FromDatetime(nextrun if nextrun.tzinfo else nextrun.replace(tzinfo=UTC))
        reply = await self._request("pushworkitem", request)
        return workitem_from_pb(reply.workitem)

    async def pop_workitem(self, wiq: str) -> Workitem | None:
        reply = await self._request("popworkitem", pb.PopWorkitemRequest(wiq=wiq))
        if reply is None or not reply.HasField("workitem") or not reply.workitem._id:
            return None
        return workitem_from_pb(reply.workitem)

    async def update_workitem(
        self, item: Workitem, *, state: str | None = None, errormessage: str = "", ignoremaxretries: bool = False
    ) -> Workitem:
        message = workitem_to_pb(item)
        if state is not None:
            message.state = state
        if errormessage:
            message.errormessage = errormessage
        reply = await self._request(
            "updateworkitem", pb.UpdateWorkitemRequest(workitem=message, ignoremaxretries=ignoremaxretries)
        )
        return workitem_from_pb(reply.workitem)

    async def workitems(self, wiq: str, state: str | None = None, top: int = 200) -> list[Workitem]:
        query: dict[str, Any] = {"_type": "workitem", "wiq": wiq}
        if state:
            query["state"] = state
        documents = await self.query("workitems", query, top=top, orderby={"_created": -1})
        return [workitem_from_document(d) for d in documents]

    # -- closing --------------------------------------------------------------------------------------------------------

    async def aclose(self) -> None:
        self._closing = True
        for subscription in list(self._subscriptions):
            subscription._finish()
        for watch in list(self._watch_subscriptions):
            watch._finish()
        self._subscriptions.clear()
        self._watch_subscriptions.clear()
        if self._ws is not None:
            with _suppress_all():
                await asyncio.wait_for(self._ws.close(), 1.0)
        if self._supervisor is not None:
            self._supervisor.cancel()
            await asyncio.gather(self._supervisor, return_exceptions=True)
            self._supervisor = None
        self._connection_lost()
        if self._http is not None:
            await self._http.aclose()
            self._http = None
        if self.state != "disconnected":
            self._set_state("disconnected", "Closed.")

    async def __aenter__(self) -> OpenIAPClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()


def _first(exc: BaseException) -> BaseException:
    """The first real exception inside (nested) exception groups, as anyio task groups wrap them."""
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    return exc


def _as_service_error(exc: BaseException, url: str) -> BaseException:
    """Transport failures as the shared error family; cancellation stays cancellation."""
    exc = _first(exc)
    if isinstance(exc, (ServiceError, asyncio.CancelledError, KeyboardInterrupt, SystemExit)):
        return exc
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, ConnectionRefusedError)):
        return UnavailableError(f"Cannot connect to OpenIAP at {url}.", service=SERVICE)
    if isinstance(exc, WebSocketUpgradeError):
        return ProtocolError(f"{url} did not accept a websocket; check that the URL ends with /ws/v2.", service=SERVICE)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return ProtocolError(f"{url} is not a ws:// or wss:// address.", service=SERVICE)
    return UnavailableError(f"The connection to OpenIAP at {url} failed ({type(exc).__name__}).", service=SERVICE)


class _suppress_all:
    """Best-effort cleanup: swallow anything but cancellation of the caller."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        return exc_type is not None and not issubclass(
            exc_type, (asyncio.CancelledError, KeyboardInterrupt, SystemExit)
        )

    async def __aenter__(self):
        return self

    async def __aexit__(self, exc_type, exc, tb):
        return self.__exit__(exc_type, exc, tb)


class _suppress_service_errors:
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        return exc_type is not None and issubclass(exc_type, ServiceError)

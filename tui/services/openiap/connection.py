"""The OpenIAP connection: one websocket, framed protobuf envelopes, sign-in, and a supervisor that reconnects.

One websocket per client, opened with httpx-ws over a pooled `httpx.AsyncClient`. A supervisor task owns the socket
(httpx-ws sessions must be entered and left by the same task) and reads every frame; callers send through a lock so
a length/body pair is never interleaved, and wait on futures keyed by request id. When the socket drops, the
connection signs in again with the JWT it was given and calls `_restore_subscriptions`, which the client overrides
to register its queues and watches again. Nothing here imports Textual.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Callable
from typing import Any

import httpx
from httpx_ws import AsyncWebSocketSession, HTTPXWSException, aconnect_ws

from tui.http import (
    AuthError,
    ExchangeLog,
    ProtocolError,
    ServiceError,
    UnavailableError,
    literal_secrets,
    shared_tls_context,
)
from tui.services.openiap.errors import SERVICE, as_service_error, error_from_reply, suppress_all
from tui.services.openiap.frames import FrameBuffer, length_prefix, unpack
from tui.services.openiap.models import SignedInUser
from tui.services.openiap.traffic_log import TrafficLog
from tui.services.openiap.wire import DecodeError, Message
from tui.services.openiap.wire import openiap_pb2 as pb

AGENT = "servicedeck"
VERSION = "0.1.0"
PING_INTERVAL = 30.0
BACKOFF_START = 0.1
BACKOFF_CAP = 5.0
MAX_MESSAGE_BYTES = 64 * 1024 * 1024

StateListener = Callable[[str, str], None]


class _ConnectionLost(Exception):
    pass


class OpenIAPConnection:
    """States: "disconnected", "connecting", "connected", "reconnecting"; `on_state` tells about every change."""

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
        self.reconnects = 0  # how many times the connection came back after a drop
        self._last_frame = 0.0  # monotonic time of the last frame received

        self._state_listeners: list[StateListener] = []
        self._traffic = TrafficLog(exchange_log, url, lambda: self._secrets)
        self._http: httpx.AsyncClient | None = None
        self._ws: AsyncWebSocketSession | None = None
        self._send_lock = asyncio.Lock()
        self._send_seq = 0
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[Any]] = {}
        self._setup_error: BaseException | None = None
        self._connect_lock = asyncio.Lock()
        self._online = asyncio.Event()  # set while a signed-in socket is up
        self._supervisor: asyncio.Task[None] | None = None
        self._close_requested = False

    # -- state ---------------------------------------------------------------------------------------------------------

    def on_state(self, callback: StateListener) -> Callable[[], None]:
        """Call `callback(state, detail)` on every state change; returns a function that unsubscribes."""
        self._state_listeners.append(callback)

        def unsubscribe() -> None:
            if callback in self._state_listeners:
                self._state_listeners.remove(callback)

        return unsubscribe

    def _set_state(self, state: str, detail: str = "") -> None:
        self.state = state
        for listener in list(self._state_listeners):
            try:
                listener(state, detail)
            except Exception:  # a broken listener must not break the connection
                pass

    def closing(self) -> bool:
        """aclose() was called: nothing reconnects any more (a call, not an attribute: it changes across awaits)."""
        return self._close_requested

    @property
    def connected(self) -> bool:
        return self.state == "connected"

    @property
    def _secrets(self) -> tuple[str, ...]:
        return literal_secrets((self._password, self._jwt, self._initial_jwt), public=[self.username])

    # -- connecting ----------------------------------------------------------------------------------------------------

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
            self._close_requested = False
            if self._http is None:
                self._http = httpx.AsyncClient(
                    timeout=httpx.Timeout(self.request_timeout, connect=5.0), verify=shared_tls_context()
                )
            ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
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

    async def _supervise(self, ready: asyncio.Future[None]) -> None:
        """Own the socket for the client's life: connect, read, and on a drop reconnect with backoff."""
        attempt = 0
        while not self.closing():
            error: ServiceError | None = None
            try:
                await self._run_connection(ready)
                attempt = 0  # it was up; a new drop starts the backoff from the beginning
            except ServiceError as exc:
                error = exc
            self._connection_lost()
            if self.closing():
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

    async def _run_connection(self, ready: asyncio.Future[None]) -> None:
        self._setup_error = None
        assert self._http is not None
        try:
            async with aconnect_ws(
                self.url,
                self._http,
                max_message_size_bytes=MAX_MESSAGE_BYTES,
                queue_size=4096,
                keepalive_ping_interval_seconds=None,
                session_class=AsyncWebSocketSession,
            ) as ws:
                self._ws = ws
                self._send_seq = 0
                self._traffic.note("SEND", "websocket opened")
                setup = asyncio.create_task(self._after_connect(ready))
                pinger = asyncio.create_task(self._ping_loop())
                reader = asyncio.create_task(self._read_loop(ws))
                try:
                    # the reader ends when the socket closes; the pinger ends when the socket is silent and dead
                    await asyncio.wait({reader, pinger}, return_when=asyncio.FIRST_COMPLETED)
                    failure = reader.exception() if reader.done() and not reader.cancelled() else None
                    if failure is not None:
                        raise failure
                finally:
                    reader.cancel()
                    setup.cancel()
                    pinger.cancel()
                    self._ws = None
                    with suppress_all():
                        await asyncio.wait_for(ws.close(), 1.0)
        except BaseException as exc:
            raise as_service_error(exc, self.url) from None
        if self._setup_error is not None:
            # the sign-in failed and closed the socket on purpose
            raise as_service_error(self._setup_error, self.url)

    async def _after_connect(self, ready: asyncio.Future[None]) -> None:
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
                ready.set_exception(as_service_error(exc, self.url))
            if self._ws is not None:
                with suppress_all():
                    await asyncio.wait_for(self._ws.close(), 1.0)
            return
        if not ready.done():
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
        """Called on every sign-in, before the state says "connected"; the client registers its queues again."""

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
            self._traffic.note("RECV", "websocket closed")

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

    # -- the wire ------------------------------------------------------------------------------------------------------

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
                await ws.send_bytes(length_prefix(body))
                await ws.send_bytes(body)
            except (HTTPXWSException, httpx.TransportError, OSError, RuntimeError) as exc:
                raise _ConnectionLost() from exc
            self._send_seq += 1
        self._traffic.envelope("SEND", envelope)

    async def _request(
        self, command: str, message: Message, *, wait_online: bool = True, timeout: float | None = None
    ) -> Any:
        """Send one request and return the message of its reply; error replies raise ServiceError."""
        if wait_online:
            await self._wait_online()
        request_id = str(next(self._ids))
        envelope = pb.Envelope(command=command, id=request_id)
        envelope.data.Pack(message)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
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

    async def _read_loop(self, ws: AsyncWebSocketSession) -> None:
        frames = FrameBuffer()
        while True:
            try:
                chunk = await ws.receive_bytes()
            except (HTTPXWSException, httpx.TransportError, OSError):
                return
            self._last_frame = time.monotonic()
            for body in frames.feed(chunk):
                envelope = pb.Envelope()
                try:
                    envelope.ParseFromString(body)
                except DecodeError:
                    self._traffic.note("RECV", "undecodable frame ignored")
                    continue
                await self._dispatch(envelope)

    async def _dispatch(self, envelope: pb.Envelope) -> None:
        self._traffic.envelope("RECV", envelope)
        command = envelope.command
        try:
            message = unpack(envelope)
        except ProtocolError as exc:
            pending = self._pending.get(envelope.rid)
            if pending is not None and not pending.done():
                pending.set_exception(exc)
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
        if command == "refreshtoken" and isinstance(message, pb.RefreshToken):
            if message.jwt:
                self._jwt = message.jwt
        elif command == "ping":
            reply = pb.Envelope(command="pong", rid=envelope.id, id=str(next(self._ids)))
            reply.data.Pack(pb.PingResponse())
            with suppress_all():
                await self._send(reply)
        else:
            self._on_event(command, message)

    def _on_event(self, command: str, message: Message | None) -> None:
        """A message the server pushed on its own (a queue or watch event); the client routes them."""

    # -- closing -------------------------------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the socket and stop reconnecting; safe to call twice."""
        self._close_requested = True
        if self._ws is not None:
            with suppress_all():
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

"""The OpenIAP connection: one websocket, sign-in, and a supervisor that reconnects.

One websocket per client, opened with httpx-ws over a pooled `httpx.AsyncClient`. A supervisor task owns the socket
(httpx-ws sessions must be entered and left by the same task) and reads every frame; requests, replies and pushed
messages go through the channel it builds on (channel.py). When the socket drops or the channel tears it down, the
connection signs in again with the JWT it was given and calls `_restore_subscriptions`, which the client overrides
to register its queues and watches again. Nothing here imports Textual.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Callable
from typing import Any

import httpx
from httpx_ws import aconnect_ws

from tui.http import (
    AuthError,
    ExchangeLog,
    ServiceError,
    UnavailableError,
    literal_secrets,
    shared_tls_context,
)
from tui.services.openiap.channel import EnvelopeChannel
from tui.services.openiap.errors import SERVICE, as_service_error, suppress_all
from tui.services.openiap.frames import MAX_FRAME_BYTES
from tui.services.openiap.models import SignedInUser
from tui.services.openiap.traffic_log import TrafficLog
from tui.services.openiap.websocket import StreamWebSocket
from tui.services.openiap.wire import openiap_pb2 as pb

AGENT = "servicedeck"
VERSION = "0.1.0"
PING_INTERVAL = 30.0
BACKOFF_START = 0.1
BACKOFF_CAP = 5.0

StateListener = Callable[[str, str], None]


class OpenIAPConnection(EnvelopeChannel):
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
        super().__init__(TrafficLog(exchange_log, url, lambda: self._secrets), request_timeout)
        self.url = url
        self.username = username
        self._password = password
        self._jwt = jwt
        self._initial_jwt = jwt
        self.exchange_log = exchange_log
        self.reconnect = reconnect
        self.agent = agent
        self.backoff_start = backoff_start
        self.backoff_cap = backoff_cap
        self.ping_interval = ping_interval

        self.state = "disconnected"
        self.user: SignedInUser | None = None
        self.reconnects = 0  # how many times the connection came back after a drop

        self._state_listeners: list[StateListener] = []
        self._http: httpx.AsyncClient | None = None
        self._setup_error: BaseException | None = None
        self._connect_lock = asyncio.Lock()
        self._supervisor: asyncio.Task[None] | None = None
        self._close_requested = False

    # -- state ---------------------------------------------------------------------------------------------------------

    def forbid_writes(self) -> None:
        """Read-only from now on: publishing, pushing and editing are refused before anything is sent."""
        self.read_only = True

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
            reason = error.message if error else self._broken_reason or "The connection was closed."
            if not self.reconnect:
                self._set_state("disconnected", reason)
                return
            delay = min(self.backoff_cap, self.backoff_start * (2**attempt)) * (0.5 + random.random())
            attempt += 1
            lost = self._broken_reason + " " if self._broken_reason else "Connection lost; "
            self._set_state("reconnecting", f"{lost}retrying in {delay:.1f} s.")
            await asyncio.sleep(delay)

    async def _run_connection(self, ready: asyncio.Future[None]) -> None:
        self._setup_error = None
        self._use_socket(None)
        assert self._http is not None
        try:
            async with aconnect_ws(
                self.url,
                self._http,
                max_message_size_bytes=MAX_FRAME_BYTES + 4,  # one envelope and its length
                queue_size=4096,
                keepalive_ping_interval_seconds=None,
                session_class=StreamWebSocket,
            ) as ws:
                self._use_socket(ws)
                self._traffic.note("SEND", "websocket opened")
                setup = asyncio.create_task(self._after_connect(ready))
                pinger = asyncio.create_task(self._ping_loop(ws))
                reader = asyncio.create_task(self._read_loop(ws))
                broken = asyncio.create_task(self._broken.wait())
                try:
                    # the reader ends when the socket closes; the pinger ends when the socket is silent and dead;
                    # `broken` when a send or the stream failed (httpx-ws may never wake the reader after that)
                    await asyncio.wait({reader, pinger, broken}, return_when=asyncio.FIRST_COMPLETED)
                    failure = reader.exception() if reader.done() and not reader.cancelled() else None
                    if failure is not None:
                        raise failure
                finally:
                    for task in (reader, setup, pinger, broken):
                        task.cancel()
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
            reply = await self._request("signin", request, pb.SigninResponse, wait_online=False)
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
        self.stable_message_ids = _server_config(reply.config).get("stable_message_ids") is True
        user = reply.user
        self.user = SignedInUser(
            id=user._id, name=user.name, username=user.username, roles=[r.name for r in user.roles]
        )

    def _on_token(self, jwt: str) -> None:
        self._jwt = jwt

    async def _restore_subscriptions(self) -> None:
        """Called on every sign-in, before the state says "connected"; the client registers its queues again."""

    def _connection_lost(self) -> None:
        was_online = self._online.is_set()
        self._online.clear()
        self._ws = None
        self._fail_pending()
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

    async def _ping_loop(self, ws: StreamWebSocket) -> None:
        """Returns when the connection is dead: no pong and no other envelope either. During a flood the pong waits
        behind thousands of messages, so any envelope that arrives counts as proof of life (bytes that do not make
        one do not: a stream out of step keeps sending them)."""
        while True:
            await asyncio.sleep(self.ping_interval)
            if not self._online.is_set() or time.monotonic() - self._last_frame < self.ping_interval:
                continue
            sent = time.monotonic()
            try:
                await self._request("ping", pb.PingRequest(), pb.PingResponse, wait_online=False, empty_ok=True)
            except ServiceError:
                if self._last_frame > sent:
                    continue  # slow, not dead
                self._tear_down(ws, "OpenIAP stopped answering.")
                return

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


def _server_config(text: str) -> dict[str, Any]:
    """The `config` of a sign-in reply: a JSON object of server settings; anything else counts as none."""
    try:
        value = json.loads(text) if text else {}
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}

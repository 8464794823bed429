"""The request/reply channel over one websocket: framed envelopes out (one websocket message each, under a lock),
frames in, replies matched to their requests by id and checked for their type, pushed messages handed on.

`OpenIAPConnection` (connection.py) builds on it: it opens the socket, signs in, supervises and reconnects. The
channel's rule is that nothing a server sends and nothing that happens to the socket reaches a caller as anything
but the ServiceError family: a failure of the socket or of the stream calls `_tear_down`, which fails the requests
in flight and wakes the supervisor. Nothing here imports Textual.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any, TypeVar

from httpx_ws import AsyncWebSocketSession

from tui.http import ProtocolError, ReadOnlyError, UnavailableError
from tui.services.openiap.errors import SERVICE, error_from_reply
from tui.services.openiap.frames import FrameBuffer, StreamOutOfStep, framed, reply_message, unpack
from tui.services.openiap.traffic_log import TrafficLog
from tui.services.openiap.websocket import StreamWebSocket
from tui.services.openiap.wire import DecodeError, Message
from tui.services.openiap.wire import openiap_pb2 as pb

ReplyT = TypeVar("ReplyT", bound=Message)
QUEUE_EVENT = "queueevent"
QUEUE_EVENT_URL = "type.googleapis.com/openiap.QueueEvent"


# The commands that change something on the server; every other one reads, signs in or subscribes.
WRITE_COMMANDS = frozenset(
    {
        "queuemessage", "insertone", "insertmany", "updateone", "updatedocument", "insertorupdateone", "deleteone",
        "deletemany", "pushworkitem", "pushworkitems", "popworkitem", "updateworkitem", "deleteworkitem",
        "addworkitemqueue", "updateworkitemqueue", "deleteworkitemqueue", "dropcollection", "createcollection",
    }
)  # fmt: skip


class _ConnectionLost(Exception):
    pass


def _retrieve(task: asyncio.Future[Any]) -> None:
    """A send whose caller gave up (cancelled) still ends with an outcome: take it, so asyncio does not log it."""
    if not task.cancelled():
        task.exception()


class EnvelopeChannel:
    """Requests, replies and pushed messages over the current socket (`_ws`, None while there is none)."""

    def __init__(self, traffic: TrafficLog, request_timeout: float):
        self.request_timeout = request_timeout
        self.read_only = False  # when set, the commands that change something are refused before they are sent
        self._traffic = traffic
        self._ws: StreamWebSocket | None = None
        self._send_lock = asyncio.Lock()
        self._send_seq = 0
        self._ids = itertools.count(1)
        self._pending: dict[str, _Pending] = {}
        self._online = asyncio.Event()  # set while a signed-in socket is up
        self._broken = asyncio.Event()  # set when the current socket was torn down
        self._broken_reason = ""
        self._last_frame = 0.0  # monotonic time of the last whole envelope received
        # the server says a queue message keeps its envelope id when it is sent again (the sandbox's broker does)
        self.stable_message_ids = False

    def _use_socket(self, ws: StreamWebSocket | None) -> None:
        """A new socket (or none): the sequence starts again and nothing is broken yet."""
        self._ws = ws
        self._send_seq = 0
        self._broken = asyncio.Event()
        self._broken_reason = ""

    async def _wait_online(self) -> None:
        """Return once a signed-in socket is up; the connection overrides it to reconnect when needed."""
        await self._online.wait()

    def _on_token(self, jwt: str) -> None:
        """The server sent a new sign-in token."""

    def _on_event(self, command: str, message: Message | None, envelope_id: str) -> None:
        """A message the server pushed on its own (a watch event, ...); the client routes them. Queue events go to
        `_on_queue_events`."""

    def _fail_pending(self) -> None:
        error = UnavailableError("The connection to OpenIAP was lost before it answered; try again.", service=SERVICE)
        for pending in list(self._pending.values()):
            if not pending.future.done():
                pending.future.set_exception(error)
        self._pending.clear()

    def _tear_down(self, ws: AsyncWebSocketSession, reason: str) -> None:
        """Give up on `ws` now: fail what is in flight, make new requests wait for the reconnect, and wake the
        supervisor (which closes the socket and connects again)."""
        if ws is not self._ws or self._broken.is_set():
            return
        self._broken_reason = reason
        self._traffic.note("RECV", reason)
        self._online.clear()
        self._ws = None
        self._fail_pending()
        self._broken.set()

    async def _send(self, envelope: pb.Envelope) -> None:
        # A sender cancelled in the middle of a write would leave the stream out of step for good: the envelope is
        # written by a shielded task that finishes even when its caller is cancelled (and whose outcome is taken).
        task = asyncio.ensure_future(self._send_framed(envelope))
        task.add_done_callback(_retrieve)
        await asyncio.shield(task)

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
                # one websocket message: OpenFlow reads a byte stream, and two messages cost a delayed-ACK round trip
                await ws.send_bytes(framed(body))
            except BaseException as exc:
                # wsproto's LocalProtocolError (a session httpx-ws closed), network errors, anything: the socket is
                # no longer usable, and waiting for the reader to notice may mean waiting forever
                self._tear_down(ws, "Sending to OpenIAP failed; the connection was closed.")
                if isinstance(exc, asyncio.CancelledError):
                    raise
                raise _ConnectionLost() from exc
            self._send_seq += 1
        self._traffic.envelope("SEND", envelope)

    async def _request(
        self,
        command: str,
        message: Message,
        reply: type[ReplyT],
        *,
        wait_online: bool = True,
        timeout: float | None = None,
        empty_ok: bool = False,
    ) -> ReplyT:
        """Send one request and return its reply, which must be a `reply`; error replies raise ServiceError.
        `empty_ok`: an empty reply means a default `reply` (e.g. "no work item")."""
        if self.read_only and command in WRITE_COMMANDS:
            raise ReadOnlyError(f"Read-only: {command} was not sent to OpenIAP.", service=SERVICE)
        if wait_online:
            await self._wait_online()
        request_id = str(next(self._ids))
        envelope = pb.Envelope(command=command, id=request_id)
        envelope.data.Pack(message)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = _Pending(future, command, reply, empty_ok)
        try:
            try:
                await self._send(envelope)
            except _ConnectionLost:
                raise UnavailableError("The connection to OpenIAP was lost; try again.", service=SERVICE) from None
            try:
                result: ReplyT = await asyncio.wait_for(future, timeout or self.request_timeout)
                return result
            except TimeoutError:
                raise UnavailableError(
                    f"OpenIAP did not answer {command} within {timeout or self.request_timeout:.0f} s.", service=SERVICE
                ) from None
        finally:
            self._pending.pop(request_id, None)

    async def _read_loop(self, ws: AsyncWebSocketSession) -> None:
        """Returns when the socket ends or the stream goes out of step; nothing a server sends makes it raise.

        Every envelope of one socket read is decoded and handed on in one go, with no turn of the event loop in
        between: a read is at most what the transport had (~256 KB, a few thousand envelopes, a few milliseconds),
        and the read itself gives the loop its turn (keys, redraws, the readers of what was delivered)."""
        frames = FrameBuffer()
        while True:
            try:
                # ours reads every message of a socket read at once; any other httpx-ws session, one at a time
                chunks = await ws.receive_messages() if isinstance(ws, StreamWebSocket) else [await ws.receive_bytes()]
            except asyncio.CancelledError:
                raise
            except Exception:  # httpx-ws, wsproto, the network: this socket is over either way
                return
            try:
                bodies = frames.feed_all(chunks)
            except StreamOutOfStep as exc:
                self._tear_down(ws, exc.message)
                return
            if bodies:
                if not self._take_envelopes(ws, bodies):
                    return
                self._last_frame = time.monotonic()  # only whole envelopes are proof of life
            await asyncio.sleep(0)  # let the readers of what was delivered in before the next read

    def _take_envelopes(self, ws: AsyncWebSocketSession, bodies: list[bytes]) -> bool:
        """Decode and hand on envelopes in order; False when the stream went out of step (the socket is torn down).

        The hot path, a queue event, is decoded inline (the envelope, then its QueueEvent), and a run of them is
        handed to `_on_queue_events` in one call. Everything else (replies, pings, tokens, watch events) goes through
        `_dispatch`, after the queue events before it."""
        parse_envelope = pb.Envelope.FromString
        parse_event = pb.QueueEvent.FromString
        traffic = self._traffic
        logging = traffic.exchange_log is not None
        allowance = traffic.queue_allowance()  # queue events logged one by one; the rest only counted
        skipped = 0
        pending = self._pending
        events: list[pb.QueueEvent] = []
        # the envelope ids of the events, only for a server whose ids say "sent again" (see RecentMessages)
        ids: list[str] | None = [] if self.stable_message_ids else None
        try:
            for body in bodies:
                try:
                    envelope = parse_envelope(body)
                except (DecodeError, RecursionError):
                    self._tear_down(ws, "OpenIAP sent a frame that is not an envelope; the stream is out of step.")
                    return False
                if (pending and envelope.rid in pending) or envelope.command != QUEUE_EVENT:
                    if events:
                        self._hand_on(events, ids)
                        events, ids = [], ([] if ids is not None else None)
                    if logging:
                        traffic.envelope("RECV", envelope)
                    self._dispatch(ws, envelope)
                    continue
                if allowance:
                    allowance -= 1
                    traffic.envelope("RECV", envelope)
                elif logging:
                    skipped += 1
                data = envelope.data
                if data.type_url != QUEUE_EVENT_URL:
                    if events:
                        self._hand_on(events, ids)
                        events, ids = [], ([] if ids is not None else None)
                    self._dispatch(ws, envelope)
                    continue
                try:
                    events.append(parse_event(data.value))
                except (DecodeError, RecursionError):
                    traffic.note("RECV", "an undecodable queueevent was ignored")
                    continue
                if ids is not None:
                    ids.append(envelope.id)
        finally:
            if events:  # what was decoded before the stream went out of step is good
                self._hand_on(events, ids)
            if skipped:
                traffic.skipped(QUEUE_EVENT, skipped)
        return True

    def _hand_on(self, events: list[pb.QueueEvent], ids: list[str] | None) -> None:
        try:
            self._on_queue_events(events, ids)
        except Exception:  # the client keeps one failed delivery from stopping the others; this is the last guard
            self._traffic.note("RECV", f"{len(events)} queue events could not be delivered and were dropped")

    def _on_queue_events(self, events: list[pb.QueueEvent], ids: list[str] | None) -> None:
        """Queue messages the server pushed, in order; the client routes them. `ids` are their envelope ids, given
        when `stable_message_ids` is set."""

    def _dispatch(self, ws: AsyncWebSocketSession, envelope: pb.Envelope) -> None:
        """Everything but the hot path: replies to requests, pings, tokens, pushed events of any other kind."""
        command = envelope.command
        pending = self._pending.get(envelope.rid) if envelope.rid else None
        if pending is not None:
            if not pending.future.done():
                self._answer(ws, pending, envelope)
            return
        try:
            message = unpack(envelope)
        except ProtocolError:
            self._traffic.note("RECV", f"an undecodable {command} was ignored")
            return
        if command == "refreshtoken" and isinstance(message, pb.RefreshToken):
            if message.jwt:
                self._on_token(message.jwt)
        elif command == "ping":
            reply = pb.Envelope(command="pong", rid=envelope.id, id=str(next(self._ids)))
            reply.data.Pack(pb.PingResponse())
            asyncio.ensure_future(self._send(reply)).add_done_callback(_retrieve)
        else:
            try:
                if command == QUEUE_EVENT and isinstance(message, pb.QueueEvent):
                    self._hand_on([message], [envelope.id] if self.stable_message_ids else None)
                else:
                    self._on_event(command, message, envelope.id)
            except Exception:  # a message that cannot be delivered must not stop the ones after it
                self._traffic.note("RECV", f"a {command} could not be delivered and was dropped")

    def _answer(self, ws: AsyncWebSocketSession, pending: _Pending, envelope: pb.Envelope) -> None:
        """Settle a request with its reply: the message, an error reply as ServiceError, or a ProtocolError."""
        if envelope.command == "error":
            try:
                error = unpack(envelope)
            except ProtocolError:
                error = None
            error = error if isinstance(error, pb.ErrorResponse) else pb.ErrorResponse()
            pending.future.set_exception(error_from_reply(error.message, error.code))
            return
        try:
            pending.future.set_result(
                reply_message(envelope, pending.reply, pending.command, empty_ok=pending.empty_ok)
            )
        except StreamOutOfStep as exc:
            pending.future.set_exception(exc)
            self._tear_down(ws, exc.message)
        except ProtocolError as exc:
            pending.future.set_exception(exc)


class _Pending:
    """A request waiting for its reply, and what the reply must be."""

    __slots__ = ("command", "empty_ok", "future", "reply")

    def __init__(self, future: asyncio.Future[Any], command: str, reply: type[Message], empty_ok: bool):
        self.future = future
        self.command = command
        self.reply = reply
        self.empty_ok = empty_ok

"""The OpenIAP sandbox: an OpenFlow-compatible websocket server (`/ws/v2`) backed by SQLite.

Sign in as `admin` / `admin` (or with the JWT a sign-in returns). What it serves:
- Message queues (`broker.py`, `queue_log.py`): fan-out to every consumer, messages wait (bounded at `QUEUE_BOUND`,
  oldest dropped first) while a queue has none; named queues and their messages are kept in SQLite and survive a
  restart; each consumer gets at most `OUTBOX_LIMIT` messages ahead of its socket. RegisterQueue with an empty name
  makes a temporary queue (`tmp.<hex>`, gone with its connection). `replyto` and `correlationId` travel with the
  message; `expiration` (ms) drops messages that waited too long.
- Frames: a declared length over `MAX_FRAME_BYTES` (`MAX_SIGNIN_FRAME_BYTES` before sign-in) closes the socket before
  anything of the frame is buffered.
- Collections in SQLite (`documents.py`, `store.py`, `query.py`): documents are JSON with a 24-hex `_id`, `_type`,
  `_created`, `_modified`. Query supports equality (also against array members), `$in`, `$nin`, `$gt`, `$gte`, `$lt`,
  `$lte`, `$ne`, `$eq`, `$regex` (+ `$options`), `$exists`, `$and`, `$or`, dotted paths, projection, orderby, top and
  skip. Watch pushes insert/update/delete events.
- Work item queues (`workitems.py`, `workitem_queues.py`): seeded `demo-wiq` and `default-wiq`; AddWorkItemQueue,
  UpdateWorkItemQueue (with `purge`: delete every item), DeleteWorkItemQueue and DeleteWorkitem as @openiap/nodeapi
  sends them (or insert `{"_type": "workitemqueue", "name": ..., "maxretries": 3}` into `mq`). Pushing to a queue
  that does not exist is refused ("Work item queue ... not found").

For tests and benchmarks, on the object `create()` returns (`OpenIAPSandbox`, found in `Sandbox.services`):
- `flood(queue, n, data=None)`: the server itself queues `n` messages to `queue` as fast as it can (fan-out or waiting
  as usual); each message's data is `{"flood": i, "of": n, **data}` with i from 1. Returns once all are queued.
  A client can ask the same with `queue_message("$sandbox.flood", {"queue": "q", "n": 1000})`.
- `drop_connections(agent=None)`: close every websocket (or only those whose sign-in `agent` matches) the way a network
  failure would; returns how many were dropped.
- `consumers(queue)`, `waiting(queue)`, `dropped(queue)`, `watch_count()`, `outbox_peak()`: what the server has now,
  to assert on.
- `ctx.scale`: `openiap_queue_bound` (default 100000) bounds every named queue; `openiap_docs` seeds that many
  documents into `entities` (at least 20).
With `ctx.demo` (servicedeck demo), `live` runs the demo activity of `seed.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tui.sandbox.common import BadRequest
from tui.sandbox.host import SandboxContext, ServiceSandbox
from tui.sandbox.openiap import legacy
from tui.sandbox.openiap.auth import make_token, read_token
from tui.sandbox.openiap.broker import QUEUE_BOUND, Broker
from tui.sandbox.openiap.connection import ClientConnection
from tui.sandbox.openiap.documents import Documents
from tui.sandbox.openiap.errors import RequestError
from tui.sandbox.openiap.query import Document, parse_json_arg
from tui.sandbox.openiap.queue_log import QueueLog
from tui.sandbox.openiap.seed import PASSWORD, USERNAME, DemoActivity, seed
from tui.sandbox.openiap.store import Store
from tui.sandbox.openiap.workitem_queues import WorkitemQueues
from tui.sandbox.openiap.workitems import Workitems
from tui.services.openiap.wire import DecodeError, Message
from tui.services.openiap.wire import openiap_pb2 as pb

FLOOD_QUEUE = "$sandbox.flood"
MAX_FRAME_BYTES = 64 * 1024 * 1024  # the largest envelope accepted from a signed-in client (as OpenIAP's clients)
MAX_SIGNIN_FRAME_BYTES = 64 * 1024  # before sign-in: a stranger declaring a huge frame must cost nothing
T = TypeVar("T")
# (the connection, the envelope, the request unpacked from it or None) -> the reply, or None when the handler replied
Handler = Callable[[ClientConnection, pb.Envelope, Any], Message | None]


class OpenIAPServer:
    def __init__(self, store: Store, log: QueueLog, queue_bound: int = QUEUE_BOUND):
        self.store = store
        self.broker = Broker(log, queue_bound)
        self.documents = Documents(store)
        self.workitems = Workitems(self.documents)
        self.workitem_queues = WorkitemQueues(self.workitems)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.connections: set[ClientConnection] = set()
        self.handlers: dict[str, Handler] = {
            "signin": self.signin,
            "ping": lambda conn, envelope, request: pb.PingResponse(),
            "registerqueue": self.register_queue,
            "unregisterqueue": self.unregister_queue,
            "queuemessage": self.queue_message,
            "query": lambda conn, envelope, request: self.documents.query(request),
            "count": lambda conn, envelope, request: self.documents.count(request),
            "listcollections": lambda conn, envelope, request: self.documents.list_collections(),
            "insertone": lambda conn, envelope, request: self.documents.insert_one(conn, request),
            "updateone": lambda conn, envelope, request: self.documents.update_one(conn, request),
            "deleteone": lambda conn, envelope, request: self.documents.delete_one(request),
            "watch": lambda conn, envelope, request: self.documents.watch(conn, request),
            "unwatch": lambda conn, envelope, request: self.documents.unwatch(conn, request),
            "pushworkitem": lambda conn, envelope, request: self.workitems.push(conn, request),
            "popworkitem": lambda conn, envelope, request: self.workitems.pop(conn, request),
            "updateworkitem": lambda conn, envelope, request: self.workitems.update(conn, request),
            "deleteworkitem": lambda conn, envelope, request: self.workitem_queues.delete_item(conn, request),
            "addworkitemqueue": lambda conn, envelope, request: self.workitem_queues.add(conn, request),
            "updateworkitemqueue": lambda conn, envelope, request: self.workitem_queues.update(conn, request),
            "deleteworkitemqueue": lambda conn, envelope, request: self.workitem_queues.delete(conn, request),
        }

    # -- the websocket -------------------------------------------------------------------------------------------------

    async def endpoint(self, websocket: WebSocket) -> None:
        self.loop = asyncio.get_running_loop()
        await websocket.accept()
        conn = ClientConnection(websocket)
        self.broker.attach(conn)
        self.connections.add(conn)
        writer = asyncio.create_task(conn.write_loop())
        buffer = bytearray()
        try:
            while not conn.closed:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                chunk = message.get("bytes")
                if chunk is None:
                    chunk = (message.get("text") or "").encode()
                buffer += chunk
                # a byte stream: the official clients send the length and the body as separate messages
                while len(buffer) >= 4:
                    size = int.from_bytes(buffer[:4], "little")
                    if size > (MAX_FRAME_BYTES if conn.user is not None else MAX_SIGNIN_FRAME_BYTES):
                        await self._refuse(conn, size)
                        return
                    if len(buffer) < 4 + size:
                        break
                    body = bytes(buffer[4 : 4 + size])
                    del buffer[: 4 + size]
                    self.handle(conn, body)
        except (WebSocketDisconnect, RuntimeError, OSError):
            pass
        finally:
            self.detach(conn)
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)

    async def _refuse(self, conn: ClientConnection, size: int) -> None:
        """A frame over the limit: say why and close, without reading any of it."""
        conn.push("error", pb.ErrorResponse(message=f"a frame of {size} bytes is over the limit", code=413))
        await asyncio.sleep(0.05)  # a moment for the writer to send the reason
        self.detach(conn)
        with contextlib.suppress(Exception):
            await conn.websocket.close(code=1009)

    def handle(self, conn: ClientConnection, body: bytes) -> None:
        envelope = pb.Envelope()
        try:
            envelope.ParseFromString(body)
        except DecodeError:
            conn.push("error", pb.ErrorResponse(message="could not decode the message", code=400))
            return
        command = envelope.command
        try:
            reply = self._dispatch(conn, envelope)
        except BadRequest as exc:  # a malformed query or JSON argument: the one place it becomes a 400 reply
            reply, command = pb.ErrorResponse(message=exc.message, code=400), "error"
        except RequestError as exc:
            reply, command = pb.ErrorResponse(message=exc.message, code=exc.code), "error"
        except sqlite3.Error as exc:
            reply, command = pb.ErrorResponse(message=f"database error: {exc}", code=500), "error"
        except Exception as exc:
            text = f"{command} failed: {type(exc).__name__}: {exc}"
            reply, command = pb.ErrorResponse(message=text, code=500), "error"
        if reply is None:
            return
        if command != "error":
            command = "pong" if command == "ping" else command + "reply"
        conn.push(command, reply, rid=envelope.id)

    def _dispatch(self, conn: ClientConnection, envelope: pb.Envelope) -> Message | None:
        command = envelope.command
        handler = self.handlers.get(command)
        if handler is None:
            if command in ("pong", "noop", "queuemessagereply", ""):
                return None
            raise RequestError(f"Unknown command {command}", 400)
        if command not in ("signin", "ping") and conn.user is None:
            claims = read_token(self.store.signing_key, envelope.jwt) if envelope.jwt else None
            if claims is None:
                raise RequestError("Not signed in", 401)
            conn.user = claims["user"]
        return handler(conn, envelope, self._unpack(envelope))

    @staticmethod
    def _unpack(envelope: pb.Envelope) -> Any:
        if not envelope.data.type_url:
            return None
        name = envelope.data.type_url.rsplit("/", 1)[-1].removeprefix("openiap.")
        cls = getattr(pb, name, None)
        if not (isinstance(cls, type) and issubclass(cls, Message)):
            raise RequestError(f"Unknown message type {name}", 400)
        read: Callable[[bytes], Message] = legacy.READERS.get(name, cls.FromString)  # a few have an older shape too
        try:
            return read(envelope.data.value)
        except DecodeError:
            raise RequestError(f"could not decode {name}", 400) from None

    def detach(self, conn: ClientConnection) -> None:
        """Forget a connection: its consumers, watches and temporary queues; unsent durable messages go back."""
        if conn not in self.connections:
            return
        self.connections.discard(conn)
        conn.closed = True
        conn.ready.set()
        self.broker.release(conn)
        self.documents.release(conn)

    async def drop(self, agent: str | None = None) -> int:
        """Close connections as a network failure would (after the message being written, nothing more is sent)."""
        dropped = 0
        for conn in list(self.connections):
            if agent is not None and conn.agent != agent:
                continue
            conn.closed = True
            async with conn.write_lock:  # let the message on the wire finish: no half frames
                self.detach(conn)
            with contextlib.suppress(Exception):
                await conn.websocket.close(code=1012)
            dropped += 1
        return dropped

    # -- sign-in -------------------------------------------------------------------------------------------------------

    def signin(self, conn: ClientConnection, envelope: pb.Envelope, request: pb.SigninRequest | None) -> Message:
        if request is None:
            raise RequestError("Signin needs a SigninRequest", 400)
        user = None
        if request.jwt:
            claims = read_token(self.store.signing_key, request.jwt)
            if claims is not None:
                user = self.store.user(claims["user"]["username"])
            if user is None:
                raise RequestError("Access denied: the token is invalid or has expired", 401)
        else:
            if request.username and self.store.check_password(request.username, request.password):
                user = self.store.user(request.username)
            if user is None:
                raise RequestError("Unknown username or password", 401)
        if not request.validateonly:
            conn.user = {"_id": user["_id"], "name": user["name"], "username": user["username"]}
            conn.agent = request.agent
        # stable_message_ids: a queue message keeps its envelope id on every delivery (see broker.py)
        config = json.dumps({"stable_message_ids": True})
        return pb.SigninResponse(jwt=make_token(self.store.signing_key, user), user=_user_pb(user), config=config)

    # -- queues --------------------------------------------------------------------------------------------------------

    def register_queue(
        self, conn: ClientConnection, envelope: pb.Envelope, request: pb.RegisterQueueRequest | None
    ) -> None:
        self.broker.register(conn, request.queuename if request else "", envelope.id)  # it sends its own reply

    def unregister_queue(
        self, conn: ClientConnection, envelope: pb.Envelope, request: pb.UnRegisterQueueRequest | None
    ) -> Message:
        self.broker.unregister(conn, request.queuename if request else "")
        return pb.UnRegisterQueueResponse()

    def queue_message(
        self, conn: ClientConnection, envelope: pb.Envelope, request: pb.QueueMessageRequest | None
    ) -> Message:
        if request is None or not (request.queuename or request.exchangename):
            raise RequestError("queuename is mandatory", 400)
        if not request.queuename:
            raise RequestError("exchanges are not supported by this server; send to a queue", 400)
        if request.queuename == FLOOD_QUEUE:
            spec = parse_json_arg(request.data, "data", {})
            if not isinstance(spec, dict) or not spec.get("queue"):
                raise RequestError('flood needs {"queue": name, "n": count}', 400)
            flood = self.broker.flood(str(spec["queue"]), int(spec.get("n", 1000)), spec.get("data"))
            asyncio.get_running_loop().create_task(flood)
        else:
            self.broker.route(request)
        return pb.QueueMessageResponse(
            queuename=request.queuename,
            correlationId=request.correlationId,
            replyto=request.replyto,
            routingkey=request.routingkey,
            exchangename=request.exchangename,
            data="",
        )

    # -- demo activity -------------------------------------------------------------------------------------------------

    async def live(self) -> None:
        self.loop = asyncio.get_running_loop()
        await DemoActivity(self.broker, self.workitems).run()


def _user_pb(user: Document) -> pb.User:
    return pb.User(
        _id=user["_id"],
        name=user.get("name", ""),
        username=user.get("username", ""),
        email=user.get("email", ""),
        roles=[pb.Role(_id=r.get("_id", ""), name=r.get("name", "")) for r in user.get("roles", [])],
    )


# -- what the sandbox host gets ----------------------------------------------------------------------------------------


@dataclass
class OpenIAPSandbox(ServiceSandbox):
    server: OpenIAPServer | None = None

    @property
    def _server(self) -> OpenIAPServer:
        assert self.server is not None, "create() always sets the server"
        return self.server

    def _run(self, make_coroutine: Callable[[], Coroutine[Any, Any, T]], timeout: float = 60.0) -> T | None:
        loop = self._server.loop
        if loop is None or not loop.is_running():
            return None
        return asyncio.run_coroutine_threadsafe(make_coroutine(), loop).result(timeout)

    def flood(self, queue: str, n: int, data: dict[str, Any] | None = None) -> None:
        """Queue `n` messages to `queue` from inside the server; returns when all are queued."""
        broker = self._server.broker
        if self._server.loop is None:
            # nobody has connected yet, so no consumer can exist: the messages simply wait in the queue
            asyncio.run(broker.flood(queue, n, data))
            return
        self._run(lambda: broker.flood(queue, n, data))

    def drop_connections(self, agent: str | None = None) -> int:
        """Close every websocket (or those whose sign-in agent matches) as a network failure would."""
        return self._run(lambda: self._server.drop(agent)) or 0

    def consumers(self, queue: str) -> int:
        return self._server.broker.consumers(queue)

    def waiting(self, queue: str) -> int:
        return self._server.broker.waiting(queue)

    def watch_count(self) -> int:
        return len(self._server.documents.watches)

    def dropped(self, queue: str) -> int:
        """How many messages a full queue pushed out (oldest first)."""
        return self._server.broker.dropped(queue)

    def outbox_peak(self) -> int:
        """The most queue messages any consumer has waiting in its outbox now (bounded by OUTBOX_LIMIT)."""
        return self._server.broker.outbox_peak()


def create(ctx: SandboxContext) -> OpenIAPSandbox:
    store = Store(ctx.db_path("openiap"))
    if store.is_empty:
        seed(store, ctx.scale)
    log = QueueLog(ctx.db_path("openiap"))
    server = OpenIAPServer(store, log, queue_bound=ctx.scale.get("openiap_queue_bound", QUEUE_BOUND))

    def close() -> None:
        log.close()
        store.close()

    def describe(base_url: str) -> str:
        return f"OpenIAP  {base_url.replace('http', 'ws', 1)}/ws/v2  ({USERNAME} / {PASSWORD})"

    return OpenIAPSandbox(
        kind="openiap",
        routes=[WebSocketRoute("/ws/v2", server.endpoint)],
        describe=describe,
        live=server.live if ctx.demo else None,
        close=close,
        server=server,
    )

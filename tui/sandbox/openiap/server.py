"""The OpenIAP sandbox: an OpenFlow-compatible websocket server (`/ws/v2`) backed by SQLite.

Sign in as `admin` / `admin` (or with the JWT a sign-in returns). What it serves:
- Message queues. A message to a named queue reaches every consumer registered on it (fan-out); while it has none,
  messages wait in the queue (bounded at `QUEUE_BOUND`, oldest dropped first) and are delivered, in order, when one
  registers. Messages already handed to a connection that drops before sending them go back to the queue.
  RegisterQueue with an empty name makes a temporary queue (`tmp.<hex>`) that lives as long as its connection.
  `replyto` and `correlationId` travel with the message; `expiration` (ms) drops messages that waited too long.
- Collections in SQLite: documents are JSON with a 24-hex `_id`, `_type`, `_created`, `_modified`. Query supports
  equality (also against array members), `$in`, `$nin`, `$gt`, `$gte`, `$lt`, `$lte`, `$ne`, `$eq`, `$regex` (+ `$options`),
  `$exists`, `$and`, `$or`, dotted paths, projection, orderby, top and skip. Watch pushes insert/update/delete events
  (watch `paths` are accepted and ignored).
- Work item queues: queue settings are `_type: "workitemqueue"` documents in `mq` (seeded: `demo-wiq`, `default-wiq`;
  create more by inserting `{"_type": "workitemqueue", "name": ..., "maxretries": 3}` into `mq`); items are
  `_type: "workitem"` documents in `workitems`, so `Query {"wiq": name}` lists them. Push -> `new`; Pop takes the
  lowest priority `new` item whose `nextrun` has come, making it `processing`; Update sets `successful`, `failed`,
  `processing` or `retry` (back to `new` with `retries + 1` after `retrydelay` seconds, or `failed` at `maxretries`).

For tests and benchmarks, on the object `create()` returns (`OpenIAPSandbox`, found in `Sandbox.services`):
- `flood(queue, n, data=None)`: the server itself queues `n` messages to `queue` as fast as it can (fan-out or waiting
  as usual); each message's data is `{"flood": i, "of": n, **data}` with i from 1. Returns once all are queued.
  A client can ask the same with `queue_message("$sandbox.flood", {"queue": "q", "n": 1000})`.
- `drop_connections(agent=None)`: close every websocket (or only those whose sign-in `agent` matches) the way a network
  failure would; returns how many were dropped.
- `consumers(queue)`, `waiting(queue)`, `dropped(queue)`, `watch_count()`: what the server has now, to assert on.
- `ctx.scale`: `openiap_queue_bound` (default 100000) bounds every named queue; `openiap_docs` seeds that many
  documents into `entities` (at least 20).
With `ctx.demo` (servicedeck demo), `live` publishes a few JSON orders a second to queue `demo`, moves work items along
in `demo-wiq` and inserts/updates documents in collection `demo`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import os
import random
import re
import secrets
import sqlite3
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.message import DecodeError, Message
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tui.profiles import Connection
from tui.sandbox.host import SandboxContext, ServiceSandbox
from tui.services.openiap.wire import openiap_pb2 as pb

USERNAME = "admin"
PASSWORD = "admin"
QUEUE_BOUND = 100_000
TOKEN_LIFETIME = 8 * 3600
FLOOD_QUEUE = "$sandbox.flood"
DEFAULT_MAXRETRIES = 3
BUILTIN_COLLECTIONS = ("entities", "mq", "users", "workitems")


class RequestError(Exception):
    """A request the server refuses; becomes an `error` envelope with ErrorResponse{message, code}."""

    def __init__(self, message: str, code: int = 500):
        super().__init__(message)
        self.message = message
        self.code = code


def now_utc() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def new_id() -> str:
    return secrets.token_hex(12)


# --------------------------------------------------------------------------------------------------------------------
# The query language: a Mongo-like subset evaluated in Python over JSON documents.
# --------------------------------------------------------------------------------------------------------------------

_MISSING = object()


def get_path(doc: Any, path: str) -> Any:
    value = doc
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool)
    return (isinstance(a, numbers) and isinstance(b, numbers)) or (isinstance(a, str) and isinstance(b, str))


def _equals(value: Any, expected: Any) -> bool:
    if value is _MISSING:
        return expected is None
    if isinstance(value, list) and not isinstance(expected, list):
        return any(_equals(v, expected) for v in value)
    return value == expected


def _compare(value: Any, op: str, operand: Any) -> bool:
    candidates = value if isinstance(value, list) else [value]
    for candidate in candidates:
        if candidate is _MISSING or not _comparable(candidate, operand):
            continue
        if (
            (op == "$gt" and candidate > operand)
            or (op == "$gte" and candidate >= operand)
            or (op == "$lt" and candidate < operand)
            or (op == "$lte" and candidate <= operand)
        ):
            return True
    return False


def _match_operators(value: Any, spec: dict) -> bool:
    for op, operand in spec.items():
        if op == "$eq":
            ok = _equals(value, operand)
        elif op == "$ne":
            ok = not _equals(value, operand)
        elif op in ("$gt", "$gte", "$lt", "$lte"):
            ok = _compare(value, op, operand)
        elif op == "$in":
            if not isinstance(operand, list):
                raise RequestError("$in needs an array", 400)
            ok = any(_equals(value, o) for o in operand)
        elif op == "$nin":
            if not isinstance(operand, list):
                raise RequestError("$nin needs an array", 400)
            ok = not any(_equals(value, o) for o in operand)
        elif op == "$exists":
            ok = (value is not _MISSING) == bool(operand)
        elif op == "$regex":
            flags = re.IGNORECASE if "i" in str(spec.get("$options", "")) else 0
            try:
                pattern = re.compile(str(operand), flags)
            except re.error:
                raise RequestError(f"invalid $regex {operand!r}", 400) from None
            texts = value if isinstance(value, list) else [value]
            ok = any(isinstance(t, str) and pattern.search(t) for t in texts)
        elif op == "$options":
            ok = True
        else:
            raise RequestError(f"unsupported query operator {op}", 400)
        if not ok:
            return False
    return True


def matches(doc: dict, query: dict) -> bool:
    for key, expected in query.items():
        if key == "$and":
            if not isinstance(expected, list) or not all(matches(doc, q) for q in expected):
                return False
        elif key == "$or":
            if not isinstance(expected, list) or not any(matches(doc, q) for q in expected):
                return False
        elif key.startswith("$"):
            raise RequestError(f"unsupported query operator {key}", 400)
        else:
            value = get_path(doc, key)
            if isinstance(expected, dict) and expected and all(k.startswith("$") for k in expected):
                if not _match_operators(value, expected):
                    return False
            elif not _equals(value, expected):
                return False
    return True


def _sort_key(value: Any) -> tuple:
    # documents missing the field sort first, then by type, so mixed types never raise
    if value is _MISSING or value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    return (4, json.dumps(value, sort_keys=True))


def project(doc: dict, projection: dict) -> dict:
    if not projection:
        return doc
    included = {k for k, v in projection.items() if v}
    if included:
        out = {k: v for k, v in doc.items() if k in included or k.split(".")[0] in included}
        if projection.get("_id", 1):
            out["_id"] = doc.get("_id")
        return out
    return {k: v for k, v in doc.items() if k not in projection}


def parse_orderby(text: str) -> list[tuple[str, int]]:
    if not text:
        return []
    try:
        spec = json.loads(text)
    except ValueError:
        spec = text  # a plain field name
    if spec is None:
        return []
    if isinstance(spec, str):
        return [(spec.lstrip("-"), -1 if spec.startswith("-") else 1)] if spec else []
    if isinstance(spec, dict):
        return [(k, -1 if v in (-1, "-1", "desc", "descending") else 1) for k, v in spec.items()]
    raise RequestError("orderby must be a field name or an object", 400)


def parse_json_arg(text: str, what: str, default: Any) -> Any:
    if not text:
        return default
    try:
        return json.loads(text)
    except ValueError:
        raise RequestError(f"{what} is not valid JSON", 400) from None


# --------------------------------------------------------------------------------------------------------------------
# Storage.
# --------------------------------------------------------------------------------------------------------------------


def _hash_password(password: str, salt: bytes) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 20_000).hex()


class Store:
    """Documents by collection, credentials and the token signing key, in one SQLite file."""

    def __init__(self, path, scale: dict[str, int] | None = None):
        new = not os.path.exists(path)
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.lock = threading.Lock()
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS docs (
                collection TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, seq INTEGER NOT NULL,
                PRIMARY KEY (collection, id));
            CREATE INDEX IF NOT EXISTS docs_by_seq ON docs (collection, seq);
            CREATE TABLE IF NOT EXISTS collections (name TEXT PRIMARY KEY);
            CREATE TABLE IF NOT EXISTS credentials (username TEXT PRIMARY KEY, salt TEXT NOT NULL, hash TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            """
        )
        row = self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM docs").fetchone()
        self._seq = itertools.count(row[0] + 1)
        if new or self.db.execute("SELECT COUNT(*) FROM credentials").fetchone()[0] == 0:
            self._seed(scale or {})
        self.signing_key = (
            self.db.execute("SELECT value FROM settings WHERE key = 'signing_key'").fetchone()[0].encode()
        )

    def close(self) -> None:
        self.db.close()

    # -- seeding ---------------------------------------------------------------------------------------------------------

    def _seed(self, scale: dict[str, int]) -> None:
        salt = secrets.token_bytes(16)
        stamp = iso(now_utc())
        admin_id = "5ce94386320b9ce0bc2c3d07"

        def base(doc: dict) -> dict:
            doc.setdefault("_id", new_id())
            doc.update(
                _created=stamp, _modified=stamp, _createdby="Administrator", _modifiedby="Administrator", _version=0
            )
            return doc

        docs: list[tuple[str, dict]] = [
            (
                "users",
                base(
                    {
                        "_id": admin_id,
                        "_type": "user",
                        "name": "Administrator",
                        "username": USERNAME,
                        "email": "admin@sandbox.invalid",
                        "roles": [
                            {"_id": "5a1702fa245d9013697656fb", "name": "admins"},
                            {"_id": "5a17f2bd6ba35bd8aa4ee3ab", "name": "users"},
                        ],
                    }
                ),
            ),
            (
                "mq",
                base(
                    {"_type": "workitemqueue", "name": "demo-wiq", "maxretries": 3, "retrydelay": 0, "initialdelay": 0}
                ),
            ),
            (
                "mq",
                base(
                    {
                        "_type": "workitemqueue",
                        "name": "default-wiq",
                        "maxretries": 3,
                        "retrydelay": 0,
                        "initialdelay": 0,
                    }
                ),
            ),
        ]
        customers = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Tyrell"]
        for i in range(max(20, scale.get("openiap_docs", 0))):
            docs.append(
                (
                    "entities",
                    base(
                        {
                            "_type": "customer" if i % 2 == 0 else "contact",
                            "name": f"{customers[i % len(customers)]} {i + 1}",
                            "rank": i + 1,
                            "city": ["Copenhagen", "Lisbon", "Oslo", "Berlin"][i % 4],
                        }
                    ),
                )
            )
        for i in range(5):
            docs.append(
                (
                    "demo",
                    base(
                        {
                            "_type": "order",
                            "name": f"Order {i + 1}",
                            "order": i + 1,
                            "status": "open",
                            "amount": round(10 + i * 7.5, 2),
                        }
                    ),
                )
            )
        for i in range(6):
            state = ["new", "new", "new", "successful", "failed", "processing"][i]
            docs.append(
                (
                    "workitems",
                    base(
                        {
                            "_type": "workitem",
                            "name": f"Invoice {i + 1}",
                            "payload": {"invoice": 1000 + i, "amount": 100 + 25 * i},
                            "priority": 2,
                            "state": state,
                            "wiq": "demo-wiq",
                            "wiqid": "",
                            "retries": 1 if state == "failed" else 0,
                            "nextrun": stamp,
                            "lastrun": stamp if state != "new" else None,
                            "username": USERNAME,
                            "errormessage": "Payment provider timed out" if state == "failed" else "",
                            "errorsource": "",
                            "errortype": "",
                            "success_wiq": "",
                            "failed_wiq": "",
                            "files": [],
                        }
                    ),
                )
            )
        with self.lock:
            self.db.execute("BEGIN")
            self.db.executemany(
                "INSERT OR REPLACE INTO docs (collection, id, doc, seq) VALUES (?, ?, ?, ?)",
                [(c, d["_id"], json.dumps(d), next(self._seq)) for c, d in docs],
            )
            self.db.executemany(
                "INSERT OR IGNORE INTO collections (name) VALUES (?)", [(c,) for c in {*BUILTIN_COLLECTIONS, "demo"}]
            )
            self.db.execute(
                "INSERT OR REPLACE INTO credentials VALUES (?, ?, ?)",
                (USERNAME, salt.hex(), _hash_password(PASSWORD, salt)),
            )
            self.db.execute("INSERT OR REPLACE INTO settings VALUES ('signing_key', ?)", (secrets.token_hex(32),))
            self.db.execute("COMMIT")

    # -- credentials -------------------------------------------------------------------------------------------------------

    def check_password(self, username: str, password: str) -> bool:
        row = self.db.execute("SELECT salt, hash FROM credentials WHERE username = ?", (username,)).fetchone()
        if row is None:
            return False
        return hmac.compare_digest(row[1], _hash_password(password, bytes.fromhex(row[0])))

    def user(self, username: str) -> dict | None:
        for doc in self.find("users", {"username": username}, top=1):
            return doc
        return None

    # -- documents ---------------------------------------------------------------------------------------------------------

    def all(self, collection: str) -> list[dict]:
        rows = self.db.execute("SELECT doc FROM docs WHERE collection = ? ORDER BY seq", (collection,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def get(self, collection: str, doc_id: str) -> dict | None:
        row = self.db.execute("SELECT doc FROM docs WHERE collection = ? AND id = ?", (collection, doc_id)).fetchone()
        return json.loads(row[0]) if row else None

    def find(
        self,
        collection: str,
        query: dict,
        *,
        orderby: list[tuple[str, int]] | None = None,
        top: int = 100,
        skip: int = 0,
        projection: dict | None = None,
    ) -> list[dict]:
        if not query and not orderby:
            # the common "browse a collection" case: let SQLite page, newest first, without parsing every document
            rows = self.db.execute(
                "SELECT doc FROM docs WHERE collection = ? ORDER BY seq DESC LIMIT ? OFFSET ?",
                (collection, top if top > 0 else -1, skip),
            ).fetchall()
            return [project(json.loads(r[0]), projection or {}) for r in rows]
        found = [d for d in self.all(collection) if matches(d, query)]
        if orderby:
            for key, direction in reversed(orderby):
                found.sort(key=lambda d: _sort_key(get_path(d, key)), reverse=direction < 0)
        else:
            found.reverse()  # newest first, as OpenFlow sorts by _created descending by default
        found = found[skip : skip + top] if top > 0 else found[skip:]
        return [project(d, projection or {}) for d in found]

    def count(self, collection: str, query: dict) -> int:
        if not query:
            return self.db.execute("SELECT COUNT(*) FROM docs WHERE collection = ?", (collection,)).fetchone()[0]
        return sum(1 for d in self.all(collection) if matches(d, query))

    def collections(self) -> list[str]:
        names = {r[0] for r in self.db.execute("SELECT name FROM collections")}
        names.update(r[0] for r in self.db.execute("SELECT DISTINCT collection FROM docs"))
        return sorted(names)

    def insert(self, collection: str, doc: dict, user: str) -> dict:
        stamp = iso(now_utc())
        doc = dict(doc)
        doc_id = str(doc.get("_id") or new_id())
        doc["_id"] = doc_id
        doc.setdefault("_type", "unknown")
        doc.update(_created=stamp, _modified=stamp, _createdby=user, _modifiedby=user, _version=0)
        with self.lock:
            try:
                self.db.execute(
                    "INSERT INTO docs (collection, id, doc, seq) VALUES (?, ?, ?, ?)",
                    (collection, doc_id, json.dumps(doc), next(self._seq)),
                )
            except sqlite3.IntegrityError:
                raise RequestError(f"a document with _id {doc_id} already exists in {collection}", 409) from None
            self.db.execute("INSERT OR IGNORE INTO collections (name) VALUES (?)", (collection,))
        return doc

    def replace(self, collection: str, doc: dict, user: str) -> dict:
        doc_id = str(doc.get("_id") or "")
        if not doc_id:
            raise RequestError("the item has no _id", 400)
        old = self.get(collection, doc_id)
        if old is None:
            raise RequestError(f"no document with _id {doc_id} in {collection}", 404)
        doc = dict(doc)
        doc["_created"] = old.get("_created")
        doc["_createdby"] = old.get("_createdby")
        doc.setdefault("_type", old.get("_type", "unknown"))
        doc.update(_modified=iso(now_utc()), _modifiedby=user, _version=int(old.get("_version") or 0) + 1)
        with self.lock:
            self.db.execute(
                "UPDATE docs SET doc = ? WHERE collection = ? AND id = ?", (json.dumps(doc), collection, doc_id)
            )
        return doc

    def delete(self, collection: str, doc_id: str) -> dict | None:
        old = self.get(collection, doc_id)
        if old is None:
            return None
        with self.lock:
            self.db.execute("DELETE FROM docs WHERE collection = ? AND id = ?", (collection, doc_id))
        return old


# --------------------------------------------------------------------------------------------------------------------
# Tokens: HS256 JWTs signed with a key kept in the database, so a token outlives a sandbox restart.
# --------------------------------------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(key: bytes, user: dict) -> str:
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    issued = int(time.time())
    claims = {
        "user": {"_id": user["_id"], "name": user["name"], "username": user["username"]},
        "iat": issued,
        "exp": issued + TOKEN_LIFETIME,
    }
    payload = _b64(json.dumps(claims).encode())
    signature = _b64(hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


def read_token(key: bytes, token: str) -> dict | None:
    try:
        header, payload, signature = token.split(".")
        expected = _b64(hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, signature):
            return None
        claims = json.loads(_unb64(payload))
    except (ValueError, TypeError):
        return None
    if claims.get("exp", 0) < time.time():
        return None
    return claims


# --------------------------------------------------------------------------------------------------------------------
# Connections and queues.
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class Outgoing:
    envelope: pb.Envelope
    queuename: str = ""  # set for a queue event of a durable queue: it goes back to the queue if never sent
    expires_at: float = 0.0


@dataclass
class Queue:
    name: str
    temporary: bool = False
    owner: ClientConnection | None = None
    bound: int = QUEUE_BOUND
    consumers: list[ClientConnection] = field(default_factory=list)
    waiting: deque = field(init=False)
    dropped: int = 0  # messages pushed out of a full queue

    def __post_init__(self):
        self.waiting = deque(maxlen=self.bound)

    def hold(self, item: Outgoing) -> None:
        if len(self.waiting) == self.waiting.maxlen:
            self.dropped += 1
        self.waiting.append(item)


class ClientConnection:
    _ids = itertools.count(1)

    def __init__(self, websocket: WebSocket):
        self.websocket = websocket
        self.id = next(self._ids)
        self.user: dict | None = None
        self.agent = ""
        self.outbox: deque[Outgoing] = deque()
        self.ready = asyncio.Event()
        self.write_lock = asyncio.Lock()
        self.seq = 0
        self.closed = False
        self.queues: set[str] = set()
        self.watches: set[str] = set()
        self._envelope_ids = itertools.count(1)

    def push(
        self, command: str, message: Message, *, rid: str = "", queuename: str = "", expires_at: float = 0.0
    ) -> None:
        envelope = pb.Envelope(command=command, rid=rid, id=str(next(self._envelope_ids)))
        envelope.data.Pack(message)
        self.outbox.append(Outgoing(envelope, queuename, expires_at))
        self.ready.set()

    async def write_loop(self) -> None:
        """Send the outbox in order; seq is assigned here so it counts what was really sent, without gaps."""
        while not self.closed:
            if not self.outbox:
                self.ready.clear()
                await self.ready.wait()
                continue
            async with self.write_lock:
                if self.closed or not self.outbox:
                    continue
                item = self.outbox.popleft()
                item.envelope.seq = self.seq
                body = item.envelope.SerializeToString()
                try:
                    # length and body as two websocket messages: the official Python client reads them that way
                    await self.websocket.send_bytes(len(body).to_bytes(4, "little"))
                    await self.websocket.send_bytes(body)
                except Exception:
                    self.outbox.appendleft(item)
                    self.closed = True
                    return
                self.seq += 1


@dataclass
class DemoActor:
    """Who the demo activity acts as: handlers only look at a connection's `user`."""

    user: dict = field(default_factory=lambda: {"_id": "", "name": "Demo", "username": "demo"})


class OpenIAPServer:
    def __init__(self, store: Store, queue_bound: int = QUEUE_BOUND):
        self.store = store
        self.queue_bound = queue_bound
        self.loop: asyncio.AbstractEventLoop | None = None
        self.connections: set[ClientConnection] = set()
        self.queues: dict[str, Queue] = {}
        self.watches: dict[str, tuple[ClientConnection, str]] = {}
        self.handlers: dict[str, Callable[[ClientConnection, pb.Envelope, Any], Message | None]] = {
            "signin": self.signin,
            "ping": self.ping,
            "registerqueue": self.register_queue,
            "unregisterqueue": self.unregister_queue,
            "queuemessage": self.queue_message,
            "query": self.query,
            "count": self.count,
            "listcollections": self.list_collections,
            "insertone": self.insert_one,
            "updateone": self.update_one,
            "deleteone": self.delete_one,
            "watch": self.watch,
            "unwatch": self.unwatch,
            "pushworkitem": self.push_workitem,
            "popworkitem": self.pop_workitem,
            "updateworkitem": self.update_workitem,
        }

    # -- the websocket ------------------------------------------------------------------------------------------------------

    async def endpoint(self, websocket: WebSocket) -> None:
        self.loop = asyncio.get_running_loop()
        await websocket.accept()
        conn = ClientConnection(websocket)
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

    def handle(self, conn: ClientConnection, body: bytes) -> None:
        envelope = pb.Envelope()
        try:
            envelope.ParseFromString(body)
        except DecodeError:
            conn.push("error", pb.ErrorResponse(message="could not decode the message", code=400))
            return
        command = envelope.command
        handler = self.handlers.get(command)
        try:
            if handler is None:
                if command in ("pong", "noop", "queuemessagereply", ""):
                    return
                raise RequestError(f"Unknown command {command}", 400)
            if command not in ("signin", "ping") and conn.user is None:
                claims = read_token(self.store.signing_key, envelope.jwt) if envelope.jwt else None
                if claims is None:
                    raise RequestError("Not signed in", 401)
                conn.user = claims["user"]
            request = self._unpack(envelope)
            reply = handler(conn, envelope, request)
        except RequestError as exc:
            conn.push("error", pb.ErrorResponse(message=exc.message, code=exc.code), rid=envelope.id)
            return
        except sqlite3.Error as exc:
            conn.push("error", pb.ErrorResponse(message=f"database error: {exc}", code=500), rid=envelope.id)
            return
        except Exception as exc:
            conn.push(
                "error",
                pb.ErrorResponse(message=f"{command} failed: {type(exc).__name__}: {exc}", code=500),
                rid=envelope.id,
            )
            return
        if reply is not None:
            conn.push("pong" if command == "ping" else command + "reply", reply, rid=envelope.id)

    @staticmethod
    def _unpack(envelope: pb.Envelope) -> Any:
        if not envelope.data.type_url:
            return None
        name = envelope.data.type_url.rsplit("/", 1)[-1].removeprefix("openiap.")
        cls = getattr(pb, name, None)
        if not isinstance(cls, type):
            raise RequestError(f"Unknown message type {name}", 400)
        message = cls()
        try:
            message.ParseFromString(envelope.data.value)
        except DecodeError:
            raise RequestError(f"could not decode {name}", 400) from None
        return message

    def detach(self, conn: ClientConnection) -> None:
        """Forget a connection: its consumers, watches and temporary queues; unsent durable messages go back."""
        if conn not in self.connections:
            return
        self.connections.discard(conn)
        conn.closed = True
        conn.ready.set()
        for name in list(conn.queues):
            queue = self.queues.get(name)
            if queue is None:
                continue
            if conn in queue.consumers:
                queue.consumers.remove(conn)
            if queue.temporary:
                del self.queues[name]
        # durable messages that never left: back to the front of their queue, oldest first
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
        for watch_id in conn.watches:
            self.watches.pop(watch_id, None)
        conn.queues.clear()
        conn.watches.clear()

    async def drop(self, agent: str | None = None) -> int:
        """Close connections as a network failure would (after the message being written, nothing more is sent)."""
        dropped = 0
        for conn in list(self.connections):
            if agent is not None and conn.agent != agent:
                continue
            conn.closed = True
            async with conn.write_lock:  # let the message on the wire finish: no half frames
                self.detach(conn)
            try:
                await conn.websocket.close(code=1012)
            except Exception:
                pass
            dropped += 1
        return dropped

    # -- auth ---------------------------------------------------------------------------------------------------------------

    def signin(self, conn: ClientConnection, envelope: pb.Envelope, request: pb.SigninRequest) -> Message:
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
        return pb.SigninResponse(jwt=make_token(self.store.signing_key, user), user=self._user_pb(user), config="{}")

    @staticmethod
    def _user_pb(user: dict) -> pb.User:
        return pb.User(
            _id=user["_id"],
            name=user.get("name", ""),
            username=user.get("username", ""),
            email=user.get("email", ""),
            roles=[pb.Role(_id=r.get("_id", ""), name=r.get("name", "")) for r in user.get("roles", [])],
        )

    def ping(self, conn: ClientConnection, envelope: pb.Envelope, request: Any) -> Message:
        return pb.PingResponse()

    def _username(self, conn: ClientConnection) -> str:
        return (conn.user or {}).get("name") or (conn.user or {}).get("username") or ""

    # -- queues -------------------------------------------------------------------------------------------------------------

    def register_queue(self, conn: ClientConnection, envelope: pb.Envelope, request: pb.RegisterQueueRequest) -> None:
        name = request.queuename if request else ""
        if not name:
            name = "tmp." + secrets.token_hex(8)
            queue = self.queues[name] = Queue(name, temporary=True, owner=conn)
        else:
            queue = self.queues.get(name)
            if queue is None:
                queue = self.queues[name] = Queue(name, bound=self.queue_bound)
            elif queue.temporary and queue.owner is not conn:
                raise RequestError(f"queue {name} belongs to another connection", 403)
        if conn not in queue.consumers:
            queue.consumers.append(conn)
        conn.queues.add(name)
        # the reply goes out before anything that waited in the queue
        conn.push("registerqueuereply", pb.RegisterQueueResponse(queuename=name), rid=envelope.id)
        now = time.time()
        while queue.waiting:
            item = queue.waiting.popleft()
            if item.expires_at and item.expires_at < now:
                continue
            self._deliver(queue, item.envelope, item.expires_at)
        return None

    def unregister_queue(
        self, conn: ClientConnection, envelope: pb.Envelope, request: pb.UnRegisterQueueRequest
    ) -> Message:
        name = request.queuename if request else ""
        queue = self.queues.get(name)
        if queue is not None and conn in queue.consumers:
            queue.consumers.remove(conn)
            if queue.temporary:
                del self.queues[name]
        conn.queues.discard(name)
        return pb.UnRegisterQueueResponse()

    def queue_message(self, conn: ClientConnection, envelope: pb.Envelope, request: pb.QueueMessageRequest) -> Message:
        if request is None or not (request.queuename or request.exchangename):
            raise RequestError("queuename is mandatory", 400)
        if not request.queuename:
            raise RequestError("exchanges are not supported by this server; send to a queue", 400)
        if request.queuename == FLOOD_QUEUE:
            spec = parse_json_arg(request.data, "data", {})
            if not isinstance(spec, dict) or not spec.get("queue"):
                raise RequestError('flood needs {"queue": name, "n": count}', 400)
            asyncio.get_running_loop().create_task(
                self.flood(str(spec["queue"]), int(spec.get("n", 1000)), spec.get("data"))
            )
        else:
            self.route(request)
        return pb.QueueMessageResponse(
            queuename=request.queuename,
            correlationId=request.correlationId,
            replyto=request.replyto,
            routingkey=request.routingkey,
            exchangename=request.exchangename,
            data="",
        )

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
            copy.id = str(next(consumer._envelope_ids))
            consumer.outbox.append(Outgoing(copy, durable, expires_at))
            consumer.ready.set()

    async def flood(self, queuename: str, n: int, data: dict | None = None) -> None:
        extra = dict(data or {})
        for i in range(1, n + 1):
            self.route(pb.QueueMessageRequest(queuename=queuename, data=json.dumps({"flood": i, "of": n, **extra})))
            if i % 2000 == 0:
                await asyncio.sleep(0)  # let the writers start sending

    # -- collections --------------------------------------------------------------------------------------------------------

    @staticmethod
    def _collection(name: str) -> str:
        if not name:
            raise RequestError("collectionname is mandatory", 400)
        return name

    def query(self, conn: ClientConnection, envelope: pb.Envelope, request: pb.QueryRequest) -> Message:
        collection = self._collection(request.collectionname)
        query = parse_json_arg(request.query, "query", {})
        projection = parse_json_arg(request.projection, "projection", {})
        if not isinstance(query, dict) or not isinstance(projection, (dict, type(None))):
            raise RequestError("query and projection must be JSON objects", 400)
        top = request.top if request.top > 0 else 100
        results = self.store.find(
            collection,
            query,
            orderby=parse_orderby(request.orderby),
            top=min(top, 10_000),
            skip=max(0, request.skip),
            projection=projection or {},
        )
        return pb.QueryResponse(results=json.dumps(results))

    def count(self, conn: ClientConnection, envelope: pb.Envelope, request: pb.CountRequest) -> Message:
        collection = self._collection(request.collectionname)
        query = parse_json_arg(request.query, "query", {})
        if not isinstance(query, dict):
            raise RequestError("query must be a JSON object", 400)
        return pb.CountResponse(result=self.store.count(collection, query))

    def list_collections(self, conn: ClientConnection, envelope: pb.Envelope, request: Any) -> Message:
        return pb.ListCollectionsResponse(
            results=json.dumps([{"name": n, "type": "collection"} for n in self.store.collections()])
        )

    def insert_one(self, conn: ClientConnection, envelope: pb.Envelope, request: pb.InsertOneRequest) -> Message:
        collection = self._collection(request.collectionname)
        item = parse_json_arg(request.item, "item", None)
        if not isinstance(item, dict):
            raise RequestError("item must be a JSON object", 400)
        doc = self.store.insert(collection, item, self._username(conn))
        self.notify(collection, "insert", doc)
        return pb.InsertOneResponse(result=json.dumps(doc))

    def update_one(self, conn: ClientConnection, envelope: pb.Envelope, request: pb.UpdateOneRequest) -> Message:
        collection = self._collection(request.collectionname)
        item = parse_json_arg(request.item, "item", None)
        if not isinstance(item, dict):
            raise RequestError("item must be a JSON object", 400)
        doc = self.store.replace(collection, item, self._username(conn))
        self.notify(collection, "update", doc)
        return pb.UpdateOneResponse(result=json.dumps(doc))

    def delete_one(self, conn: ClientConnection, envelope: pb.Envelope, request: pb.DeleteOneRequest) -> Message:
        collection = self._collection(request.collectionname)
        doc = self.store.delete(collection, request.id)
        if doc is not None:
            self.notify(collection, "delete", doc)
        return pb.DeleteOneResponse(affectedrows=1 if doc is not None else 0)

    # -- watches ------------------------------------------------------------------------------------------------------------

    def watch(self, conn: ClientConnection, envelope: pb.Envelope, request: pb.WatchRequest) -> Message:
        collection = self._collection(request.collectionname)
        watch_id = uuid.uuid4().hex
        self.watches[watch_id] = (conn, collection)
        conn.watches.add(watch_id)
        return pb.WatchResponse(id=watch_id)

    def unwatch(self, conn: ClientConnection, envelope: pb.Envelope, request: pb.UnWatchRequest) -> Message:
        entry = self.watches.get(request.id)
        if entry is not None and entry[0] is conn:
            del self.watches[request.id]
            conn.watches.discard(request.id)
        return pb.UnWatchResponse()

    def notify(self, collection: str, operation: str, doc: dict) -> None:
        text = None
        for watch_id, (conn, watched) in list(self.watches.items()):
            if watched != collection or conn.closed:
                continue
            text = text or json.dumps(doc)
            conn.push("watchevent", pb.WatchEvent(id=watch_id, operation=operation, document=text))

    # -- work items ---------------------------------------------------------------------------------------------------------

    def _wiq(self, name: str, wiq_id: str = "") -> dict:
        if wiq_id:
            doc = self.store.get("mq", wiq_id)
            if doc is not None and doc.get("_type") == "workitemqueue":
                return doc
        for doc in self.store.find("mq", {"_type": "workitemqueue", "name": name}, top=1):
            return doc
        raise RequestError(f"Work item queue {name or wiq_id} not found", 404)

    @staticmethod
    def _stamp(message: Message, name: str) -> str | None:
        if not message.HasField(name):
            return None
        stamp = getattr(message, name)
        if stamp.seconds == 0 and stamp.nanos == 0:
            return None
        return iso(stamp.ToDatetime(tzinfo=UTC))

    @staticmethod
    def workitem_pb(doc: dict) -> pb.Workitem:
        item = pb.Workitem(
            _id=doc["_id"],
            name=doc.get("name", ""),
            payload=json.dumps(doc.get("payload")),
            priority=int(doc.get("priority") or 0),
            state=doc.get("state", ""),
            wiq=doc.get("wiq", ""),
            wiqid=doc.get("wiqid", ""),
            retries=int(doc.get("retries") or 0),
            username=doc.get("username", ""),
            success_wiq=doc.get("success_wiq", ""),
            failed_wiq=doc.get("failed_wiq", ""),
            errormessage=doc.get("errormessage", "") or "",
            errorsource=doc.get("errorsource", "") or "",
            errortype=doc.get("errortype", "") or "",
        )
        for name in ("nextrun", "lastrun"):
            moment = parse_iso(doc.get(name))
            if moment is not None:
                getattr(item, name).FromDatetime(moment)
        return item

    def _create_workitem(
        self,
        conn: ClientConnection,
        wiq: dict,
        name: str,
        payload: Any,
        priority: int,
        nextrun: str | None,
        success_wiq: str = "",
        failed_wiq: str = "",
    ) -> dict:
        if nextrun is None:
            nextrun = iso(now_utc() + timedelta(seconds=int(wiq.get("initialdelay") or 0)))
        doc = {
            "_type": "workitem",
            "name": name or "workitem",
            "payload": payload,
            "priority": priority,
            "state": "new",
            "wiq": wiq["name"],
            "wiqid": wiq["_id"],
            "retries": 0,
            "nextrun": nextrun,
            "lastrun": None,
            "username": (conn.user or {}).get("username", ""),
            "errormessage": "",
            "errorsource": "",
            "errortype": "",
            "success_wiq": success_wiq or wiq.get("success_wiq", ""),
            "failed_wiq": failed_wiq or wiq.get("failed_wiq", ""),
            "files": [],
        }
        doc = self.store.insert("workitems", doc, self._username(conn))
        self.notify("workitems", "insert", doc)
        return doc

    def push_workitem(self, conn: ClientConnection, envelope: pb.Envelope, request: pb.PushWorkitemRequest) -> Message:
        if request is None or not (request.wiq or request.wiqid):
            raise RequestError("wiq or wiqid is mandatory", 400)
        wiq = self._wiq(request.wiq, request.wiqid)
        payload = parse_json_arg(request.payload, "payload", {})
        doc = self._create_workitem(
            conn,
            wiq,
            request.name,
            payload,
            request.priority or 2,
            self._stamp(request, "nextrun"),
            request.success_wiq,
            request.failed_wiq,
        )
        return pb.PushWorkitemResponse(workitem=self.workitem_pb(doc))

    def pop_workitem(self, conn: ClientConnection, envelope: pb.Envelope, request: pb.PopWorkitemRequest) -> Message:
        if request is None or not (request.wiq or request.wiqid):
            raise RequestError("wiq or wiqid is mandatory", 400)
        wiq = self._wiq(request.wiq, request.wiqid)
        now = now_utc()
        candidates = [
            d
            for d in self.store.all("workitems")
            if d.get("wiq") == wiq["name"] and d.get("state") == "new" and (parse_iso(d.get("nextrun")) or now) <= now
        ]
        if not candidates:
            return pb.PopWorkitemResponse()  # an empty Any value: "nothing to do"
        candidates.sort(key=lambda d: (int(d.get("priority") or 0), d.get("_created", "")))
        doc = candidates[0]
        doc.update(state="processing", lastrun=iso(now))
        doc = self.store.replace("workitems", doc, self._username(conn))
        self.notify("workitems", "update", doc)
        return pb.PopWorkitemResponse(workitem=self.workitem_pb(doc))

    def update_workitem(
        self, conn: ClientConnection, envelope: pb.Envelope, request: pb.UpdateWorkitemRequest
    ) -> Message:
        if request is None or not request.workitem._id:
            raise RequestError("workitem._id is mandatory", 400)
        item = request.workitem
        doc = self.store.get("workitems", item._id)
        if doc is None or doc.get("_type") != "workitem":
            raise RequestError(f"Work item {item._id} not found", 404)
        state = item.state or doc.get("state", "new")
        if state not in ("new", "processing", "successful", "failed", "retry"):
            raise RequestError(f"Invalid state {state}: use successful, failed, retry or processing", 400)
        wiq = self._wiq(doc.get("wiq", ""), doc.get("wiqid", ""))
        if item.name:
            doc["name"] = item.name
        if item.payload:
            doc["payload"] = parse_json_arg(item.payload, "payload", doc.get("payload"))
        if item.priority:
            doc["priority"] = item.priority
        doc["errormessage"] = item.errormessage
        doc["errorsource"] = item.errorsource
        doc["errortype"] = item.errortype
        if state == "retry":
            retries = int(doc.get("retries") or 0) + 1
            doc["retries"] = retries
            if retries >= int(wiq.get("maxretries") or DEFAULT_MAXRETRIES) and not request.ignoremaxretries:
                state = "failed"
            else:
                state = "new"
                doc["nextrun"] = iso(now_utc() + timedelta(seconds=int(wiq.get("retrydelay") or 0)))
        doc["state"] = state
        doc = self.store.replace("workitems", doc, self._username(conn))
        self.notify("workitems", "update", doc)
        follow = doc.get("success_wiq") if state == "successful" else doc.get("failed_wiq") if state == "failed" else ""
        if follow:
            try:
                self._create_workitem(
                    conn,
                    self._wiq(follow),
                    doc.get("name", ""),
                    doc.get("payload"),
                    int(doc.get("priority") or 2),
                    None,
                )
            except RequestError:
                pass  # a follow-up queue that does not exist: the item itself is still updated
        return pb.UpdateWorkitemResponse(workitem=self.workitem_pb(doc))

    # -- introspection for tests (safe to call from another thread) ------------------------------------------------------

    def consumers(self, queuename: str) -> int:
        queue = self.queues.get(queuename)
        return len(queue.consumers) if queue is not None else 0

    def waiting(self, queuename: str) -> int:
        queue = self.queues.get(queuename)
        return len(queue.waiting) if queue is not None else 0

    def watch_count(self) -> int:
        return len(self.watches)

    def dropped(self, queuename: str) -> int:
        queue = self.queues.get(queuename)
        return queue.dropped if queue is not None else 0

    # -- demo activity ------------------------------------------------------------------------------------------------------

    async def live(self) -> None:
        """A few queue messages a second, work items moving along, documents changing: something to look at."""
        self.loop = asyncio.get_running_loop()
        products = ["widget", "gadget", "sprocket", "gizmo", "doohickey"]
        system = DemoActor()
        tick = 0
        order = 0
        while True:
            await asyncio.sleep(0.3)
            tick += 1
            order += 1
            data = {
                "order": order,
                "product": random.choice(products),
                "qty": random.randint(1, 9),
                "price": round(random.uniform(2, 200), 2),
                "at": iso(now_utc()),
            }
            self.route(pb.QueueMessageRequest(queuename="demo", data=json.dumps(data), correlationId=f"order-{order}"))
            try:
                if tick % 7 == 0:
                    wiq = self._wiq("demo-wiq")
                    self._create_workitem(
                        system,
                        wiq,
                        f"Invoice {order}",
                        {"order": order, "amount": data["price"]},
                        random.randint(1, 3),
                        None,
                    )
                if tick % 7 == 3:
                    self._demo_work(system)
                if tick % 10 == 5:
                    self._demo_documents(system, order)
            except (RequestError, sqlite3.Error):
                pass

    def _demo_work(self, system: DemoActor) -> None:
        envelope = pb.Envelope()
        popped = self.pop_workitem(system, envelope, pb.PopWorkitemRequest(wiq="demo-wiq"))
        if not popped.HasField("workitem"):
            return
        item = popped.workitem
        item.state = random.choice(["successful", "successful", "retry", "failed"])
        if item.state != "successful":
            item.errormessage = "Upstream system did not answer"
        self.update_workitem(system, envelope, pb.UpdateWorkitemRequest(workitem=item))

    def _demo_documents(self, system: DemoActor, order: int) -> None:
        existing = self.store.find("demo", {"_type": "order", "status": "open"}, top=5)
        if existing and random.random() < 0.5:
            doc = random.choice(existing)
            doc["status"] = random.choice(["shipped", "paid", "open"])
            doc = self.store.replace("demo", doc, "Demo")
            self.notify("demo", "update", doc)
        else:
            doc = self.store.insert(
                "demo",
                {
                    "_type": "order",
                    "name": f"Order {order}",
                    "order": order,
                    "status": "open",
                    "amount": round(random.uniform(5, 500), 2),
                },
                "Demo",
            )
            self.notify("demo", "insert", doc)


# --------------------------------------------------------------------------------------------------------------------
# What the sandbox host gets.
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class OpenIAPSandbox(ServiceSandbox):
    server: OpenIAPServer | None = None

    def _run(self, make_coroutine, timeout: float = 60.0):
        loop = self.server.loop
        if loop is None or not loop.is_running():
            return None
        return asyncio.run_coroutine_threadsafe(make_coroutine(), loop).result(timeout)

    def flood(self, queue: str, n: int, data: dict | None = None) -> None:
        """Queue `n` messages to `queue` from inside the server; returns when all are queued."""
        if self.server.loop is None:
            # nobody has connected yet, so no consumer can exist: the messages simply wait in the queue
            asyncio.run(self.server.flood(queue, n, data))
            return
        self._run(lambda: self.server.flood(queue, n, data))

    def drop_connections(self, agent: str | None = None) -> int:
        """Close every websocket (or those whose sign-in agent matches) as a network failure would."""
        return self._run(lambda: self.server.drop(agent)) or 0

    def consumers(self, queue: str) -> int:
        return self.server.consumers(queue)

    def waiting(self, queue: str) -> int:
        return self.server.waiting(queue)

    def watch_count(self) -> int:
        return self.server.watch_count()

    def dropped(self, queue: str) -> int:
        """How many messages a full queue pushed out (oldest first)."""
        return self.server.dropped(queue)


def create(ctx: SandboxContext) -> OpenIAPSandbox:
    store = Store(ctx.db_path("openiap"), ctx.scale)
    server = OpenIAPServer(store, queue_bound=ctx.scale.get("openiap_queue_bound", QUEUE_BOUND))

    def connection(base_url: str) -> Connection:
        return Connection(
            kind="openiap",
            url=base_url.replace("http", "ws", 1) + "/ws/v2",
            username=USERNAME,
            secret=PASSWORD,
            secret_source="memory",
        )

    def describe(base_url: str) -> str:
        return f"OpenIAP  {base_url.replace('http', 'ws', 1)}/ws/v2  ({USERNAME} / {PASSWORD})"

    return OpenIAPSandbox(
        kind="openiap",
        routes=[WebSocketRoute("/ws/v2", server.endpoint)],
        connection=connection,
        describe=describe,
        live=server.live if ctx.demo else None,
        close=store.close,
        server=server,
    )

"""A faithful Cerb REST server for the sandbox, mounted at /cerb/rest/ and backed by SQLite.

It checks the `Cerb-Auth` signature the way the real server does (over the raw path the client sent, the query
sorted by key, the raw body and the md5 of the secret), answers controller errors with HTTP 200 and
`__status: error`, and pages and sorts searches in SQL, so 100,000 tickets cost no more than 100.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import random
import sqlite3
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.profiles import Connection
from tui.sandbox.cerb import query as q
from tui.sandbox.cerb.seed import ACCESS_KEY, CONVERSATIONS, SECRET, seed
from tui.sandbox.host import SandboxContext, ServiceSandbox

MOUNT = "/cerb"
VERSION = "10.4.12"
BUILD = "2024090301"
CLOCK_SKEW = 600  # seconds a request's Date may be off, as on the real server
STATUS_NAMES = {0: "open", 1: "waiting", 2: "closed", 3: "deleted"}
STATUS_IDS = {"o": 0, "open": 0, "w": 1, "waiting": 1, "c": 2, "closed": 2, "d": 3, "deleted": 3}

CONTEXTS = [
    ("cerberusweb.contexts.ticket", "Ticket", "ticket"),
    ("cerberusweb.contexts.message", "Message", "message"),
    ("cerberusweb.contexts.comment", "Comment", "comment"),
    ("cerberusweb.contexts.group", "Group", "group"),
    ("cerberusweb.contexts.bucket", "Bucket", "bucket"),
    ("cerberusweb.contexts.worker", "Worker", "worker"),
    ("cerberusweb.contexts.org", "Organization", "org"),
    ("cerberusweb.contexts.address", "Email Address", "address"),
]


class CerbError(Exception):
    """A controller error: HTTP 200 with `__status: error`, as Cerb sends it."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Unauthorized(Exception):
    pass


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    return Response(
        json.dumps(body, sort_keys=True, ensure_ascii=False),
        status_code=status,
        media_type="application/json; charset=utf-8",
    )


def sorted_query(raw: str) -> str:
    """Split on &, sort by key, keep each k=v exactly as sent."""
    parts = [p for p in raw.split("&") if p]
    return "&".join(sorted(parts, key=lambda p: p.split("=", 1)[0]))


def signature(verb: str, date: str, path: str, query: str, body: str, secret: str) -> str:
    secret_md5 = hashlib.md5(secret.encode()).hexdigest().lower()
    text = "\n".join([verb.upper(), date, path, sorted_query(query), body, secret_md5, ""])
    return hashlib.md5(text.encode("utf-8")).hexdigest()


class CerbStore:
    """The SQLite side: records as Cerb dictionaries."""

    def __init__(self, path, tickets: int):
        new = not path.exists()
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.lock = threading.Lock()
        if new:
            seed(self.db, tickets=tickets)

    def close(self) -> None:
        self.db.close()

    # -- lookups -----------------------------------------------------------------------------------------------------

    def one(self, sql: str, *params: Any) -> sqlite3.Row | None:
        return self.db.execute(sql, params).fetchone()

    def all(self, sql: str, *params: Any) -> list[sqlite3.Row]:
        return self.db.execute(sql, params).fetchall()

    def worker_for_key(self, access_key: str) -> tuple[int, str] | None:
        row = self.one("SELECT worker_id, secret FROM api_keys WHERE access_key = ?", access_key)
        return (row["worker_id"], row["secret"]) if row else None

    def worker_for_token(self, token: str) -> int | None:
        row = self.one("SELECT worker_id FROM oauth_tokens WHERE token = ? AND expires > ?", token, int(time.time()))
        return row["worker_id"] if row else None

    # -- dictionaries --------------------------------------------------------------------------------------------------

    def worker_dict(self, row: sqlite3.Row) -> dict[str, Any]:
        return {
            "_context": "cerberusweb.contexts.worker",
            "_type": "worker",
            "_label": f"{row['first_name']} {row['last_name']}",
            "id": row["id"],
            "first_name": row["first_name"],
            "last_name": row["last_name"],
            "full_name": f"{row['first_name']} {row['last_name']}",
            "email": row["email"],
            "address_address": row["email"],
            "title": row["title"],
            "is_superuser": row["is_superuser"],
            "is_disabled": row["is_disabled"],
            "at_mention_name": row["at_mention_name"],
            "updated": row["updated"],
        }

    def group_dict(self, row: sqlite3.Row) -> dict[str, Any]:
        return {
            "_context": "cerberusweb.contexts.group",
            "_type": "group",
            "_label": row["name"],
            "id": row["id"],
            "name": row["name"],
            "is_default": row["is_default"],
            "is_private": row["is_private"],
            "updated": row["updated"],
        }

    def bucket_dict(self, row: sqlite3.Row) -> dict[str, Any]:
        return {
            "_context": "cerberusweb.contexts.bucket",
            "_type": "bucket",
            "_label": row["name"],
            "id": row["id"],
            "name": row["name"],
            "group_id": row["group_id"],
            "group__context": "cerberusweb.contexts.group",
            "is_default": row["is_default"],
            "updated": row["updated"],
        }

    def org_dict(self, row: sqlite3.Row) -> dict[str, Any]:
        return {
            "_context": "cerberusweb.contexts.org",
            "_type": "org",
            "_label": row["name"],
            "id": row["id"],
            "name": row["name"],
            "city": row["city"],
            "country": row["country"],
            "website": row["website"],
            "updated": row["updated"],
        }

    def _lookup(self, table: str) -> dict[int, sqlite3.Row]:
        return {row["id"]: row for row in self.all(f"SELECT * FROM {table}")}

    def ticket_dicts(self, rows: list[sqlite3.Row], base_url: str, expand: set[str]) -> list[dict[str, Any]]:
        groups = self._lookup("groups") if "group_" in expand else {}
        buckets = self._lookup("buckets") if "bucket_" in expand else {}
        workers = self._lookup("workers") if "owner_" in expand else {}
        orgs = self._lookup("orgs") if "org_" in expand else {}
        out = []
        for row in rows:
            d: dict[str, Any] = {
                "_context": "cerberusweb.contexts.ticket",
                "_type": "ticket",
                "_label": f"[#{row['mask']}] {row['subject']}",
                "id": row["id"],
                "mask": row["mask"],
                "subject": row["subject"],
                "status": STATUS_NAMES[row["status_id"]],
                "status_id": row["status_id"],
                "importance": row["importance"],
                "group_id": row["group_id"],
                "group__context": "cerberusweb.contexts.group",
                "bucket_id": row["bucket_id"],
                "bucket__context": "cerberusweb.contexts.bucket",
                "owner_id": row["owner_id"],
                "owner__context": "cerberusweb.contexts.worker",
                "org_id": row["org_id"],
                "org__context": "cerberusweb.contexts.org",
                "created": row["created"],
                "updated": row["updated"],
                "closed": row["closed"],
                "initial_message_id": row["initial_message_id"],
                "latest_message_id": row["latest_message_id"],
                "num_messages": row["num_messages"],
                "url": f"{base_url}/profiles/ticket/{row['mask']}",
            }
            for prefix, table, build in (
                ("group_", groups, self.group_dict),
                ("bucket_", buckets, self.bucket_dict),
                ("owner_", workers, self.worker_dict),
                ("org_", orgs, self.org_dict),
            ):
                if prefix not in expand:
                    continue
                related = table.get(row[prefix + "id"])
                if related is None:
                    d[prefix + "_label"] = ""
                    continue
                for key, value in build(related).items():
                    if key in ("_context", "_type"):
                        continue
                    d[prefix + ("_label" if key == "_label" else key)] = value
            out.append(d)
        return out

    def message_dicts(self, rows: list[sqlite3.Row]) -> list[dict[str, Any]]:
        addresses = {
            r["id"]: r
            for r in self.all(
                f"SELECT * FROM addresses WHERE id IN ({','.join(str(int(r['sender_id'])) for r in rows) or '0'})"
            )
        }
        out = []
        for row in rows:
            sender = addresses.get(row["sender_id"])
            label = f"{sender['first_name']} {sender['last_name']}".strip() if sender else ""
            out.append(
                {
                    "_context": "cerberusweb.contexts.message",
                    "_type": "message",
                    "_label": label,
                    "id": row["id"],
                    "ticket_id": row["ticket_id"],
                    "ticket__context": "cerberusweb.contexts.ticket",
                    "sender_id": row["sender_id"],
                    "sender__context": "cerberusweb.contexts.address",
                    "sender__label": label,
                    "sender_email": sender["email"] if sender else "",
                    "worker_id": row["worker_id"],
                    "created": row["created"],
                    "is_outgoing": row["is_outgoing"],
                    "content": row["content"],
                }
            )
        return out

    def comment_dicts(self, rows: list[sqlite3.Row]) -> list[dict[str, Any]]:
        workers = self._lookup("workers")
        out = []
        for row in rows:
            author = workers.get(row["worker_id"])
            out.append(
                {
                    "_context": "cerberusweb.contexts.comment",
                    "_type": "comment",
                    "_label": row["comment"][:64],
                    "id": row["id"],
                    "comment": row["comment"],
                    "created": row["created"],
                    "author_id": row["worker_id"],
                    "author__context": "cerberusweb.contexts.worker",
                    "author__label": f"{author['first_name']} {author['last_name']}" if author else "",
                    "target_context": "cerberusweb.contexts.ticket",
                    "target_id": row["ticket_id"],
                }
            )
        return out

    # -- searching -----------------------------------------------------------------------------------------------------

    def search(
        self,
        table: str,
        filters: q.FilterSet,
        text: str,
        page: int,
        limit: int,
        sort: list[tuple[str, bool]] | None = None,
    ) -> tuple[list[sqlite3.Row], int, int, int]:
        try:
            parsed = q.parse(text, filters)
        except q.QueryError as exc:
            raise CerbError("ERROR_PARAM_INVALID", str(exc)) from None
        limit = parsed.limit or limit
        page = parsed.page or page
        limit = max(1, min(int(limit), 500))
        page = max(1, int(page))
        where = parsed.where_sql()
        total = self.one(f"SELECT COUNT(*) FROM {table} WHERE {where}", *parsed.params)[0]
        rows = self.all(
            f"SELECT * FROM {table} WHERE {where} ORDER BY {q.order_sql(parsed, filters, sort)} LIMIT ? OFFSET ?",
            *parsed.params,
            limit,
            (page - 1) * limit,
        )
        return rows, total, page, limit


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise CerbError("ERROR_PARAM_INVALID", f"The parameter '{name}' must be a number.") from None


class CerbSandbox:
    def __init__(self, ctx: SandboxContext):
        self.store = CerbStore(ctx.db_path("cerb"), tickets=ctx.scale.get("tickets", 300))

    # -- the one endpoint --------------------------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        try:
            worker_id = self.authenticate(request, body)
        except Unauthorized as exc:
            return json_response({"__status": "error", "message": f"Access denied! ({exc})"}, status=401)
        path = request.path_params["path"]
        fields: dict[str, str] = dict(request.query_params)
        if body and "json" not in request.headers.get("content-type", ""):
            fields.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        base = str(request.base_url).rstrip("/") + MOUNT
        try:
            with self.store.lock:
                payload = self.route(request.method, path, fields, worker_id, base)
        except CerbError as exc:
            return json_response(
                {
                    "__status": "error",
                    "__error": exc.code,
                    "message": exc.message,
                    "__version": VERSION,
                    "__build": BUILD,
                }
            )
        return json_response({"__status": "success", "__version": VERSION, "__build": BUILD, **payload})

    def authenticate(self, request: Request, body: bytes) -> int:
        bearer = request.headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            worker = self.store.worker_for_token(bearer[7:].strip())
            if worker is None:
                raise Unauthorized("Invalid credentials: token")
            return worker
        header = request.headers.get("cerb-auth") or request.headers.get("cerb5-auth")
        if not header or ":" not in header:
            raise Unauthorized("Invalid credentials: access key")
        access_key, _, given = header.partition(":")
        found = self.store.worker_for_key(access_key.strip())
        if found is None:
            raise Unauthorized("Invalid credentials: access key")
        worker_id, secret = found
        date = request.headers.get("x-date") or request.headers.get("date") or ""
        try:
            sent_at = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError, IndexError):
            raise Unauthorized("Invalid timestamp") from None
        if abs(time.time() - sent_at) > CLOCK_SKEW:
            raise Unauthorized("Invalid timestamp")
        # the path exactly as the client sent it (percent-escapes and all), which is what the client signed
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        signed_body = body.decode("utf-8", "replace") if request.method in ("POST", "PUT", "PATCH") else ""
        expected = signature(
            request.method,
            date,
            raw_path.decode("latin-1").split("?", 1)[0],
            request.scope.get("query_string", b"").decode("latin-1"),
            signed_body,
            secret,
        )
        if not hmac.compare_digest(expected, given.strip().lower()):
            raise Unauthorized("Invalid credentials: checksum")
        return worker_id

    def route(self, method: str, path: str, fields: dict[str, str], me: int, base: str) -> dict[str, Any]:
        if not path.endswith(".json"):
            raise CerbError("ERROR", f"Unknown command ({path})")
        parts = path[: -len(".json")].split("/")
        expand = {e.strip() for e in fields.get("expand", "").split(",") if e.strip()}
        s = self.store
        match method, parts:
            case "GET", ["contexts", "list"]:
                return {
                    "results": [
                        {"id": c, "name": n, "plugin_id": "cerberusweb.core", "alias": a} for c, n, a in CONTEXTS
                    ]
                }
            case "GET", ["workers", "me"]:
                return s.worker_dict(s.one("SELECT * FROM workers WHERE id = ?", me))
            case "GET", (["workers", wid] | ["records", "worker", wid]) if wid.isdigit():
                return self.get_one("workers", int(wid), s.worker_dict, "worker")
            case (("GET" | "POST"), ["tickets", "search"]):
                sort_by = fields.get("sortBy")
                sort = None
                if sort_by:
                    column = q.TICKETS.sorts.get(sort_by)
                    if column is None:
                        raise CerbError("ERROR_PARAM_INVALID", f"Cannot sort by '{sort_by}'.")
                    sort = [(column, fields.get("sortAsc", "1") not in ("0", "false"))]
                return self.ticket_search(fields, base, expand, default_limit=10, sort=sort)
            case "GET", ["records", "ticket", "search"]:
                return self.ticket_search(fields, base, expand, default_limit=10)
            case "GET", ["records", kind, "search"]:
                return self.record_search(kind, fields)
            case "GET", (["tickets", tid] | ["records", "ticket", tid]) if tid.isdigit():
                return self.ticket(int(tid), base, expand)
            case "PUT", ["tickets", tid] if tid.isdigit():
                return self.update_ticket(int(tid), self.legacy_changes(fields), base, expand)
            case "PUT", ["records", "ticket", tid] if tid.isdigit():
                return self.update_ticket(int(tid), self.record_changes(fields), base, expand)
            case "DELETE", (["tickets", tid] | ["records", "ticket", tid]) if tid.isdigit():
                self.update_ticket(int(tid), {"status_id": 3}, base, expand)
                return {"id": int(tid)}
            case "POST", ["tickets", "compose"]:
                return self.compose(fields, me, base, expand)
            case "POST", ["tickets", "reply"]:
                return self.reply(fields, me, base, expand)
            case "POST", ["tickets", tid, "comment"] if tid.isdigit():
                return self.comment(int(tid), fields, me)
            case "GET", ["records", kind, rid] if rid.isdigit():
                return self.record_get(kind, int(rid))
        raise CerbError("ERROR", f"Unknown command ({path})")

    # -- records -------------------------------------------------------------------------------------------------------

    def get_one(self, table: str, rid: int, build, label: str) -> dict[str, Any]:
        row = self.store.one(f"SELECT * FROM {table} WHERE id = ?", rid)
        if row is None:
            raise CerbError("ERROR_NOT_FOUND", f"Invalid {label} id '{rid}'")
        return build(row)

    def record_get(self, kind: str, rid: int) -> dict[str, Any]:
        s = self.store
        if kind == "group":
            return self.get_one("groups", rid, s.group_dict, "group")
        if kind == "bucket":
            return self.get_one("buckets", rid, s.bucket_dict, "bucket")
        if kind == "org":
            return self.get_one("orgs", rid, s.org_dict, "org")
        if kind == "message":
            return self.get_one("messages", rid, lambda r: s.message_dicts([r])[0], "message")
        if kind == "comment":
            return self.get_one("comments", rid, lambda r: s.comment_dicts([r])[0], "comment")
        raise CerbError("ERROR", f"Unknown command (records/{kind}/{rid})")

    def record_search(self, kind: str, fields: dict[str, str]) -> dict[str, Any]:
        s = self.store
        table, filters, build = {
            "message": ("messages", q.MESSAGES, s.message_dicts),
            "comment": ("comments", q.COMMENTS, s.comment_dicts),
            "group": ("groups", q.GROUPS, lambda rows: [s.group_dict(r) for r in rows]),
            "bucket": ("buckets", q.BUCKETS, lambda rows: [s.bucket_dict(r) for r in rows]),
            "worker": ("workers", q.WORKERS, lambda rows: [s.worker_dict(r) for r in rows]),
            "org": ("orgs", q.ORGS, lambda rows: [s.org_dict(r) for r in rows]),
        }.get(kind, (None, None, None))
        if table is None:
            raise CerbError("ERROR", f"Unknown command (records/{kind}/search)")
        rows, total, page, limit = s.search(
            table,
            filters,
            fields.get("q", ""),
            _int(fields.get("page", 1), "page"),
            _int(fields.get("limit", 10), "limit"),
        )
        results = build(rows)
        return {"results": results, "total": total, "count": len(results), "page": page, "limit": limit}

    # -- tickets -------------------------------------------------------------------------------------------------------

    def ticket_search(
        self,
        fields: dict[str, str],
        base: str,
        expand: set[str],
        default_limit: int,
        sort: list[tuple[str, bool]] | None = None,
    ) -> dict[str, Any]:
        rows, total, page, limit = self.store.search(
            "tickets",
            q.TICKETS,
            fields.get("q", ""),
            _int(fields.get("page", 1) or 1, "page"),
            _int(fields.get("limit", default_limit), "limit"),
            sort,
        )
        results = self.store.ticket_dicts(rows, base, expand)
        return {"results": results, "total": total, "count": len(results), "page": page, "limit": limit}

    def ticket_row(self, tid: int) -> sqlite3.Row:
        row = self.store.one("SELECT * FROM tickets WHERE id = ?", tid)
        if row is None:
            raise CerbError("ERROR_NOT_FOUND", f"Invalid ticket id '{tid}'")
        return row

    def ticket(self, tid: int, base: str, expand: set[str]) -> dict[str, Any]:
        return self.store.ticket_dicts([self.ticket_row(tid)], base, expand)[0]

    @staticmethod
    def legacy_changes(fields: dict[str, str]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for name in ("status_id", "owner_id", "group_id", "bucket_id", "importance", "org_id"):
            if name in fields:
                changes[name] = _int(fields[name], name)
        if "subject" in fields:
            changes["subject"] = fields["subject"]
        return changes

    @staticmethod
    def record_changes(fields: dict[str, str]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for key, value in fields.items():
            if not key.startswith("fields[") or not key.endswith("]"):
                continue
            name = key[len("fields[") : -1]
            if name == "status":
                if value.lower() not in STATUS_IDS:
                    raise CerbError("ERROR_PARAM_INVALID", f"'{value}' is not a valid status (o, w, c, d).")
                changes["status_id"] = STATUS_IDS[value.lower()]
            elif name in ("status_id", "owner_id", "group_id", "bucket_id", "importance", "org_id"):
                changes[name] = _int(value, name)
            elif name == "subject":
                changes["subject"] = value
            else:
                raise CerbError("ERROR_PARAM_INVALID", f"'{name}' is not a valid field.")
        return changes

    def validate(self, row: sqlite3.Row | None, changes: dict[str, Any]) -> dict[str, Any]:
        s = self.store
        if "status_id" in changes and changes["status_id"] not in STATUS_NAMES:
            raise CerbError(
                "ERROR_PARAM_INVALID", "'status_id' must be 0 (open), 1 (waiting), 2 (closed) or 3 (deleted)."
            )
        if changes.get("owner_id") and not s.one("SELECT 1 FROM workers WHERE id = ?", changes["owner_id"]):
            raise CerbError("ERROR_PARAM_INVALID", f"Invalid owner id '{changes['owner_id']}'")
        if "importance" in changes and not 0 <= changes["importance"] <= 100:
            raise CerbError("ERROR_PARAM_INVALID", "'importance' must be between 0 and 100.")
        if "subject" in changes and not changes["subject"].strip():
            raise CerbError("ERROR_PARAM_INVALID", "The subject cannot be empty.")
        if "group_id" in changes or "bucket_id" in changes:
            group_id = changes.get("group_id")
            bucket_id = changes.get("bucket_id")
            if group_id is None:
                if bucket_id:
                    bucket = s.one("SELECT * FROM buckets WHERE id = ?", bucket_id)
                    if bucket is None:
                        raise CerbError("ERROR_PARAM_INVALID", f"Invalid bucket id '{bucket_id}'")
                    group_id = bucket["group_id"]
                else:
                    group_id = row["group_id"] if row is not None else None
            if group_id is None or not s.one("SELECT 1 FROM groups WHERE id = ?", group_id):
                raise CerbError("ERROR_PARAM_INVALID", f"Invalid group id '{group_id}'")
            if not bucket_id:  # 0 = the group's inbox
                bucket_id = s.one("SELECT id FROM buckets WHERE group_id = ? AND is_default = 1", group_id)["id"]
            elif not s.one("SELECT 1 FROM buckets WHERE id = ? AND group_id = ?", bucket_id, group_id):
                raise CerbError("ERROR_PARAM_INVALID", f"Bucket '{bucket_id}' is not in group '{group_id}'")
            changes["group_id"], changes["bucket_id"] = group_id, bucket_id
        return changes

    def update_ticket(self, tid: int, changes: dict[str, Any], base: str, expand: set[str]) -> dict[str, Any]:
        row = self.ticket_row(tid)
        changes = self.validate(row, changes)
        if changes:
            now = int(time.time())
            changes["updated"] = now
            if changes.get("status_id") == 2 and row["status_id"] != 2:
                changes["closed"] = now
            names = list(changes)
            with self.store.db:
                self.store.db.execute(
                    f"UPDATE tickets SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
                    [changes[n] for n in names] + [tid],
                )
        return self.ticket(tid, base, expand)

    def _status_field(self, fields: dict[str, str]) -> int | None:
        value = fields.get("status")
        if value in (None, ""):
            return None
        if value.isdigit() and int(value) in STATUS_NAMES:
            return int(value)
        if value.lower() in STATUS_IDS:
            return STATUS_IDS[value.lower()]
        raise CerbError("ERROR_PARAM_INVALID", f"'{value}' is not a valid status (o, w, c).")

    def compose(self, fields: dict[str, str], me: int, base: str, expand: set[str]) -> dict[str, Any]:
        for name in ("group_id", "to", "subject", "content"):
            if not fields.get(name, "").strip():
                raise CerbError("ERROR_PARAM_REQUIRED", f"The '{name}' parameter is required.")
        changes = {
            "group_id": _int(fields["group_id"], "group_id"),
            "bucket_id": _int(fields.get("bucket_id", 0) or 0, "bucket_id"),
        }
        if fields.get("owner_id"):
            changes["owner_id"] = _int(fields["owner_id"], "owner_id")
        changes = self.validate(None, changes)
        status = self._status_field(fields)
        s, db, now = self.store, self.store.db, int(time.time())
        to = fields["to"].split(",")[0].strip()
        with db:
            address = s.one("SELECT id, org_id FROM addresses WHERE email = ?", to.lower())
            if address is None:
                local = to.split("@")[0]
                address_id = db.execute(
                    "INSERT INTO addresses (email, first_name, last_name, org_id) VALUES (?,?,?,0)",
                    (to.lower(), local.split(".")[0].title(), ""),
                ).lastrowid
                org_id = 0
            else:
                address_id, org_id = address["id"], address["org_id"]
            mask = self._new_mask(now)
            tid = db.execute(
                "INSERT INTO tickets (mask, subject, status_id, importance, group_id, bucket_id, owner_id, org_id, created,"
                " updated, closed, num_messages, first_wrote_address_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,1,?)",
                (
                    mask,
                    fields["subject"],
                    1 if status is None else status,
                    50,
                    changes["group_id"],
                    changes["bucket_id"],
                    changes.get("owner_id", 0),
                    org_id,
                    now,
                    now,
                    now if status == 2 else 0,
                    address_id,
                ),
            ).lastrowid
            mid = db.execute(
                "INSERT INTO messages (ticket_id, sender_id, worker_id, created, is_outgoing, content)"
                " VALUES (?,?,?,?,1,?)",
                (tid, me, me, now, fields["content"]),
            ).lastrowid
            db.execute("UPDATE tickets SET initial_message_id = ?, latest_message_id = ? WHERE id = ?", (mid, mid, tid))
        return self.ticket(tid, base, expand)

    def _new_mask(self, now: int) -> str:
        for n in range(1000):
            mask = f"NEW-{now % 100000:05d}-{n:03d}"
            if not self.store.one("SELECT 1 FROM tickets WHERE mask = ?", mask):
                return mask
        raise CerbError("ERROR", "Could not allocate a ticket mask.")

    def reply(self, fields: dict[str, str], me: int, base: str, expand: set[str]) -> dict[str, Any]:
        for name in ("message_id", "content"):
            if not fields.get(name, "").strip():
                raise CerbError("ERROR_PARAM_REQUIRED", f"The '{name}' parameter is required.")
        message = self.store.one("SELECT * FROM messages WHERE id = ?", _int(fields["message_id"], "message_id"))
        if message is None:
            raise CerbError("ERROR_NOT_FOUND", f"Invalid message id '{fields['message_id']}'")
        tid = message["ticket_id"]
        row = self.ticket_row(tid)
        changes: dict[str, Any] = {}
        if fields.get("owner_id", "") != "":
            changes["owner_id"] = _int(fields["owner_id"], "owner_id")
        if fields.get("bucket_id"):
            changes["bucket_id"] = _int(fields["bucket_id"], "bucket_id")
        changes = self.validate(row, changes)
        status = self._status_field(fields)
        # replying without a status leaves the ticket waiting for the customer, as Cerb's reply form does
        changes["status_id"] = 1 if status is None else status
        now = int(time.time())
        db = self.store.db
        with db:
            mid = db.execute(
                "INSERT INTO messages (ticket_id, sender_id, worker_id, created, is_outgoing, content)"
                " VALUES (?,?,?,?,1,?)",
                (tid, me, me, now, fields["content"]),
            ).lastrowid
            changes.update(latest_message_id=mid, num_messages=row["num_messages"] + 1, updated=now)
            if changes["status_id"] == 2:
                changes["closed"] = now
            names = list(changes)
            db.execute(
                f"UPDATE tickets SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
                [changes[n] for n in names] + [tid],
            )
        return self.ticket(tid, base, expand)

    def comment(self, tid: int, fields: dict[str, str], me: int) -> dict[str, Any]:
        self.ticket_row(tid)
        text = fields.get("comment", "")
        if not text.strip():
            raise CerbError("ERROR_PARAM_REQUIRED", "The 'comment' parameter is required.")
        now = int(time.time())
        with self.store.db:
            cid = self.store.db.execute(
                "INSERT INTO comments (ticket_id, worker_id, created, comment) VALUES (?,?,?,?)", (tid, me, now, text)
            ).lastrowid
        return {"ticket_id": tid, "comment_id": cid}

    # -- demo activity ---------------------------------------------------------------------------------------------------

    async def live(self) -> None:
        """For `servicedeck demo`: customers keep writing in: new tickets, and answers that reopen waiting ones."""
        rng = random.Random()
        while True:
            await asyncio.sleep(rng.uniform(15, 40))
            with self.store.lock:
                self.customer_writes(rng)

    def customer_writes(self, rng: random.Random) -> int:
        s, db, now = self.store, self.store.db, int(time.time())
        customer = s.one("SELECT * FROM addresses WHERE worker_id = 0 ORDER BY random() LIMIT 1")
        waiting = s.one("SELECT * FROM tickets WHERE status_id = 1 ORDER BY random() LIMIT 1")
        with db:
            if waiting is not None and rng.random() < 0.5:
                sender = s.one("SELECT * FROM addresses WHERE id = ?", waiting["first_wrote_address_id"]) or customer
                text = f"Thanks for getting back to me. One more question about this, though.\n\n{sender['first_name']}"
                mid = db.execute(
                    "INSERT INTO messages (ticket_id, sender_id, worker_id, created, is_outgoing, content)"
                    " VALUES (?,?,0,?,0,?)",
                    (waiting["id"], sender["id"], now, text),
                ).lastrowid
                db.execute(
                    "UPDATE tickets SET status_id = 0, updated = ?, latest_message_id = ?, num_messages = ?"
                    " WHERE id = ?",
                    (now, mid, waiting["num_messages"] + 1, waiting["id"]),
                )
                return waiting["id"]
            group_id, _, subject, script = CONVERSATIONS[rng.randrange(len(CONVERSATIONS))]
            org = s.one("SELECT name FROM orgs WHERE id = ?", customer["org_id"])
            fill = {
                "name": customer["first_name"],
                "worker": "",
                "org": org["name"] if org else "our company",
                "n": rng.randrange(10000, 99999),
            }
            inbox = s.one("SELECT id FROM buckets WHERE group_id = ? AND is_default = 1", group_id)["id"]
            tid = db.execute(
                "INSERT INTO tickets (mask, subject, status_id, importance, group_id, bucket_id, owner_id, org_id, created,"
                " updated, closed, num_messages, first_wrote_address_id) VALUES (?,?,0,50,?,?,0,?,?,?,0,1,?)",
                (
                    self._new_mask(now),
                    subject.format(**fill),
                    group_id,
                    inbox,
                    customer["org_id"],
                    now,
                    now,
                    customer["id"],
                ),
            ).lastrowid
            mid = db.execute(
                "INSERT INTO messages (ticket_id, sender_id, worker_id, created, is_outgoing, content)"
                " VALUES (?,?,0,?,0,?)",
                (tid, customer["id"], now, script[0][1].format(**fill)),
            ).lastrowid
            db.execute("UPDATE tickets SET initial_message_id = ?, latest_message_id = ? WHERE id = ?", (mid, mid, tid))
        return tid


def create(ctx: SandboxContext) -> ServiceSandbox:
    sandbox = CerbSandbox(ctx)
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    def connection(base_url: str) -> Connection:
        return Connection(
            kind="cerb", url=base_url + MOUNT + "/rest/", username=ACCESS_KEY, secret=SECRET, secret_source="memory"
        )

    def describe(base_url: str) -> str:
        return f"Cerb     {base_url}{MOUNT}/rest/  (access key {ACCESS_KEY} / secret {SECRET})"

    return ServiceSandbox(
        kind="cerb",
        routes=[Route(MOUNT + "/rest/{path:path}", sandbox.handle, methods=methods)],
        connection=connection,
        describe=describe,
        live=sandbox.live,
        close=sandbox.store.close,
    )

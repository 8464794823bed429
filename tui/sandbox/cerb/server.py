"""A faithful Cerb REST server for the sandbox, mounted at /cerb/rest/ and backed by SQLite (`store.py`).

It checks the `Cerb-Auth` signature the way the real server does (over the raw path the client sent, the query
sorted by key, the raw body and the md5 of the secret), answers controller errors with HTTP 200 and
`__status: error`, and pages and sorts searches in SQL, so 100,000 tickets cost no more than 100.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import random
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.profiles import Connection
from tui.sandbox.cerb import query as q
from tui.sandbox.cerb.activity import customer_writes
from tui.sandbox.cerb.records import (
    CONTEXTS,
    STATUS_IDS,
    STATUS_NAMES,
    Record,
    bucket_record,
    group_record,
    org_record,
    worker_record,
)
from tui.sandbox.cerb.seed import ACCESS_KEY, SECRET
from tui.sandbox.cerb.store import CerbError, CerbStore
from tui.sandbox.common import BadRequest, form_fields, int_param, json_reply
from tui.sandbox.host import SandboxContext, ServiceSandbox

MOUNT = "/cerb"
VERSION = "10.4.12"
BUILD = "2024090301"
CLOCK_SKEW = 600  # seconds a request's Date may be off, as on the real server
TICKET_FIELDS = ("status_id", "owner_id", "group_id", "bucket_id", "importance", "org_id")


class Unauthorized(Exception):
    pass


def error_reply(code: str, message: str) -> Response:
    """Cerb's controller error: HTTP 200, `__status: error`. Every refusal of a request ends up here."""
    return json_reply(
        {"__status": "error", "__error": code, "message": message, "__version": VERSION, "__build": BUILD}
    )


def sorted_query(raw: str) -> str:
    """Split on &, sort by key, keep each k=v exactly as sent."""
    parts = [p for p in raw.split("&") if p]
    return "&".join(sorted(parts, key=lambda p: p.split("=", 1)[0]))


def signature(verb: str, date: str, path: str, query: str, body: str, secret: str) -> str:
    secret_md5 = hashlib.md5(secret.encode()).hexdigest().lower()
    text = "\n".join([verb.upper(), date, path, sorted_query(query), body, secret_md5, ""])
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def number(value: str, name: str) -> int:
    """A number the request carries; unlike an optional parameter, an empty one is as wrong as a word."""
    if not value.strip():
        raise BadRequest(f"The parameter '{name}' must be a number, not {value!r}.")
    return int_param(value, name, 0)


def required(fields: dict[str, str], *names: str) -> None:
    for name in names:
        if not fields.get(name, "").strip():
            raise CerbError("ERROR_PARAM_REQUIRED", f"The '{name}' parameter is required.")


def status_field(fields: dict[str, str]) -> int | None:
    """The `status` of a compose or reply: a letter, a name or a number; None when not given."""
    value = fields.get("status")
    if value is None or value == "":
        return None
    if value.isdigit() and int(value) in STATUS_NAMES:
        return int(value)
    if value.lower() in STATUS_IDS:
        return STATUS_IDS[value.lower()]
    raise CerbError("ERROR_PARAM_INVALID", f"'{value}' is not a valid status (o, w, c).")


def legacy_changes(fields: dict[str, str]) -> dict[str, Any]:
    """`PUT tickets/1.json` with `status_id=2&owner_id=3`."""
    changes: dict[str, Any] = {name: number(fields[name], name) for name in TICKET_FIELDS if name in fields}
    if "subject" in fields:
        changes["subject"] = fields["subject"]
    return changes


def record_changes(fields: dict[str, str]) -> dict[str, Any]:
    """`PUT records/ticket/1.json` with `fields[status]=c&fields[owner_id]=3`."""
    changes: dict[str, Any] = {}
    for key, value in fields.items():
        if not key.startswith("fields[") or not key.endswith("]"):
            continue
        name = key[len("fields[") : -1]
        if name == "status":
            if value.lower() not in STATUS_IDS:
                raise CerbError("ERROR_PARAM_INVALID", f"'{value}' is not a valid status (o, w, c, d).")
            changes["status_id"] = STATUS_IDS[value.lower()]
        elif name in TICKET_FIELDS:
            changes[name] = number(value, name)
        elif name == "subject":
            changes["subject"] = value
        else:
            raise CerbError("ERROR_PARAM_INVALID", f"'{name}' is not a valid field.")
    return changes


def results(rows: list[Record], total: int, page: int, limit: int) -> Record:
    return {"results": rows, "total": total, "count": len(rows), "page": page, "limit": limit}


class CerbSandbox:
    def __init__(self, ctx: SandboxContext):
        self.store = CerbStore(ctx.db_path("cerb"), tickets=ctx.scale.get("tickets", 300))

    # -- the one endpoint ----------------------------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        try:
            worker_id = self.authenticate(request, body)
        except Unauthorized as exc:
            return json_reply({"__status": "error", "message": f"Access denied! ({exc})"}, status=401)
        fields: dict[str, str] = dict(request.query_params)
        if body and "json" not in request.headers.get("content-type", ""):
            fields.update(await form_fields(request))
        base = str(request.base_url).rstrip("/") + MOUNT
        try:
            with self.store.lock:
                payload = self.route(request.method, request.path_params["path"], fields, worker_id, base)
        except CerbError as exc:
            return error_reply(exc.code, exc.message)
        except BadRequest as exc:
            return error_reply("ERROR_PARAM_INVALID", exc.message)
        return json_reply({"__status": "success", "__version": VERSION, "__build": BUILD, **payload})

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
        raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
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

    def route(self, method: str, path: str, fields: dict[str, str], me: int, base: str) -> Record:
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
                return worker_record(s.must("SELECT * FROM workers WHERE id = ?", me))
            case "GET", (["workers", wid] | ["records", "worker", wid]) if wid.isdigit():
                return worker_record(s.record_row("workers", int(wid), "worker"))
            case (("GET" | "POST"), ["tickets", "search"]):
                sort_by = fields.get("sortBy")
                sort = None
                if sort_by:
                    column = q.TICKETS.sorts.get(sort_by)
                    if column is None:
                        raise CerbError("ERROR_PARAM_INVALID", f"Cannot sort by '{sort_by}'.")
                    sort = [(column, fields.get("sortAsc", "1") not in ("0", "false"))]
                return self.ticket_search(fields, base, expand, sort=sort)
            case "GET", ["records", "ticket", "search"]:
                return self.ticket_search(fields, base, expand)
            case "GET", ["records", kind, "search"]:
                return self.record_search(kind, fields)
            case "GET", (["tickets", tid] | ["records", "ticket", tid]) if tid.isdigit():
                return s.ticket(int(tid), base, expand)
            case "PUT", ["tickets", tid] if tid.isdigit():
                s.update_ticket(int(tid), legacy_changes(fields))
                return s.ticket(int(tid), base, expand)
            case "PUT", ["records", "ticket", tid] if tid.isdigit():
                s.update_ticket(int(tid), record_changes(fields))
                return s.ticket(int(tid), base, expand)
            case "DELETE", (["tickets", tid] | ["records", "ticket", tid]) if tid.isdigit():
                s.update_ticket(int(tid), {"status_id": 3})
                return {"id": int(tid)}
            case "POST", ["tickets", "compose"]:
                return s.ticket(self.compose(fields, me), base, expand)
            case "POST", ["tickets", "reply"]:
                return s.ticket(self.reply(fields, me), base, expand)
            case "POST", ["tickets", tid, "comment"] if tid.isdigit():
                return {"ticket_id": int(tid), "comment_id": s.add_comment(int(tid), me, fields.get("comment", ""))}
            case "GET", ["records", kind, rid] if rid.isdigit():
                return self.record_get(kind, int(rid))
        raise CerbError("ERROR", f"Unknown command ({path})")

    # -- records -------------------------------------------------------------------------------------------------------

    def record_get(self, kind: str, rid: int) -> Record:
        s = self.store
        if kind == "group":
            return group_record(s.record_row("groups", rid, "group"))
        if kind == "bucket":
            return bucket_record(s.record_row("buckets", rid, "bucket"))
        if kind == "org":
            return org_record(s.record_row("orgs", rid, "org"))
        if kind == "message":
            return s.messages([s.record_row("messages", rid, "message")])[0]
        if kind == "comment":
            return s.comments([s.record_row("comments", rid, "comment")])[0]
        raise CerbError("ERROR", f"Unknown command (records/{kind}/{rid})")

    def record_search(self, kind: str, fields: dict[str, str]) -> Record:
        s = self.store
        searchable: dict[str, tuple[str, q.FilterSet, Callable[[list[Any]], list[Record]]]] = {
            "message": ("messages", q.MESSAGES, s.messages),
            "comment": ("comments", q.COMMENTS, s.comments),
            "group": ("groups", q.GROUPS, lambda rows: [group_record(r) for r in rows]),
            "bucket": ("buckets", q.BUCKETS, lambda rows: [bucket_record(r) for r in rows]),
            "worker": ("workers", q.WORKERS, lambda rows: [worker_record(r) for r in rows]),
            "org": ("orgs", q.ORGS, lambda rows: [org_record(r) for r in rows]),
        }
        if kind not in searchable:
            raise CerbError("ERROR", f"Unknown command (records/{kind}/search)")
        table, filters, build = searchable[kind]
        rows, total, page, limit = s.search(
            table,
            filters,
            fields.get("q", ""),
            int_param(fields.get("page"), "page", 1),
            int_param(fields.get("limit"), "limit", 10),
        )
        return results(build(rows), total, page, limit)

    # -- tickets -------------------------------------------------------------------------------------------------------

    def ticket_search(
        self, fields: dict[str, str], base: str, expand: set[str], sort: list[tuple[str, bool]] | None = None
    ) -> Record:
        rows, total, page, limit = self.store.search(
            "tickets",
            q.TICKETS,
            fields.get("q", ""),
            int_param(fields.get("page"), "page", 1),
            int_param(fields.get("limit"), "limit", 10),
            sort,
        )
        return results(self.store.tickets(rows, base, expand), total, page, limit)

    def compose(self, fields: dict[str, str], me: int) -> int:
        required(fields, "group_id", "to", "subject", "content")
        changes = {
            "group_id": number(fields["group_id"], "group_id"),
            "bucket_id": int_param(fields.get("bucket_id"), "bucket_id", 0),
        }
        if fields.get("owner_id"):
            changes["owner_id"] = number(fields["owner_id"], "owner_id")
        to = fields["to"].split(",")[0].strip()
        return self.store.compose(me, changes, status_field(fields), to, fields["subject"], fields["content"])

    def reply(self, fields: dict[str, str], me: int) -> int:
        required(fields, "message_id", "content")
        changes: dict[str, Any] = {}
        if fields.get("owner_id", "") != "":
            changes["owner_id"] = number(fields["owner_id"], "owner_id")
        if fields.get("bucket_id"):
            changes["bucket_id"] = number(fields["bucket_id"], "bucket_id")
        message_id = number(fields["message_id"], "message_id")
        return self.store.reply(me, message_id, changes, status_field(fields), fields["content"])

    # -- demo activity -------------------------------------------------------------------------------------------------

    async def live(self) -> None:
        """For `servicedeck demo`: customers keep writing in: new tickets, and answers that reopen waiting ones."""
        rng = random.Random()
        while True:
            await asyncio.sleep(rng.uniform(15, 40))
            with self.store.lock:
                self.customer_writes(rng)

    def customer_writes(self, rng: random.Random) -> int:
        return customer_writes(self.store, rng)


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

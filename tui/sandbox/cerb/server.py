"""A faithful Cerb REST server for the sandbox, mounted at /cerb/rest/ and backed by SQLite (`store.py`).

It checks the `Cerb-Auth` signature the way the real server does (over the raw path the client sent, the query
sorted by key, the raw body and the md5 of the secret), answers controller errors with HTTP 200 and
`__status: error`, and pages and sorts searches in SQL, so 100,000 tickets cost no more than 100. What it answers,
error texts included, is compared with a real Cerb 10.4 by tests/real/cerb/test_conformance.py.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import random
import time
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tui.sandbox.cerb import query as q
from tui.sandbox.cerb.activity import customer_writes
from tui.sandbox.cerb.attachments import download, upload
from tui.sandbox.cerb.fields import CerbError, legacy_changes, mail_options, php_int, record_changes
from tui.sandbox.cerb.records import (
    CONTEXT_IDS,
    CONTEXTS,
    Build,
    Record,
    attachment_record,
    bucket_record,
    comment_record,
    group_record,
    message_record,
    org_record,
    ticket_record,
    worker_record,
)
from tui.sandbox.cerb.seed import ACCESS_KEY, SECRET
from tui.sandbox.cerb.store import CerbStore
from tui.sandbox.common import BadRequest, json_reply
from tui.sandbox.host import SandboxContext, ServiceSandbox

MOUNT = "/cerb"
VERSION = "10.4.12"
BUILD = 2024090301
CLOCK_SKEW = 600  # seconds a request's Date may be off, as on the real server

# record alias -> (table, query filters, how a row looks)
KINDS: dict[str, tuple[str, q.FilterSet, Build]] = {
    "ticket": ("tickets", q.TICKETS, ticket_record),
    "message": ("messages", q.MESSAGES, message_record),
    "comment": ("comments", q.COMMENTS, comment_record),
    "group": ("groups", q.GROUPS, group_record),
    "bucket": ("buckets", q.BUCKETS, bucket_record),
    "worker": ("workers", q.WORKERS, worker_record),
    "org": ("orgs", q.ORGS, org_record),
    "attachment": ("attachments", q.ATTACHMENTS, attachment_record),
}


class Unauthorized(Exception):
    pass


def error_reply(code: str, message: str) -> Response:
    """Cerb's controller error: HTTP 200, `__status: error`. Every refusal of a request ends up here."""
    return json_reply(
        {"__status": "error", "__version": VERSION, "__build": BUILD, "__error": code, "message": message}
    )


def sorted_query(raw: str) -> str:
    """Split on &, sort by key, keep each k=v exactly as sent."""
    parts = [p for p in raw.split("&") if p]
    return "&".join(sorted(parts, key=lambda p: p.split("=", 1)[0]))


def signature(verb: str, date: str, path: str, query: str, body: str, secret: str) -> str:
    secret_md5 = hashlib.md5(secret.encode()).hexdigest().lower()
    text = "\n".join([verb.upper(), date, path, sorted_query(query), body, secret_md5, ""])
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def results(rows: list[Record], total: int | str, page: int, limit: int) -> Record:
    return {"results": rows, "total": total, "count": len(rows), "page": page, "limit": limit}


def context_record(context: str, name: str, alias: str) -> Record:
    return {
        "alias": alias,
        "custom_fieldsets": [],
        "id": context,
        "name": name,
        "params": {"names": {name.lower(): "singular"}},
        "plugin_id": "cerberusweb.core",
    }


def first_address(to: str) -> str:
    """The first recipient of a `to` line ("Ana <ana@x.example>, bo@y.example" -> ana@x.example)."""
    first = to.split(",")[0].strip()
    if "<" in first and first.endswith(">"):
        first = first[first.index("<") + 1 : -1]
    return first.strip()


class CerbSandbox:
    def __init__(self, ctx: SandboxContext):
        self.store = CerbStore(ctx.db_path("cerb"), tickets=ctx.scale.get("tickets", 300))

    # -- the one endpoint ----------------------------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        try:
            worker_id = self.authenticate(request, body)
        except Unauthorized as exc:
            return json_reply({"__status": "error", "message": str(exc)}, status=401)
        fields: dict[str, str] = dict(request.query_params)
        pairs: list[tuple[str, str]] = []
        if body and "json" not in request.headers.get("content-type", ""):
            pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            fields.update(pairs)
        files = [v for k, v in pairs if k in ("file_id[]", "file_id")]
        base = str(request.base_url).rstrip("/") + MOUNT
        path = request.path_params["path"]
        try:
            with self.store.lock:
                if request.method == "GET" and path.startswith("attachments/") and path.endswith("/download.json"):
                    return download(self.store, path.split("/")[1])
                payload = self.route(request.method, path, fields, files, worker_id, base)
        except CerbError as exc:
            return error_reply(exc.code, exc.message)
        except BadRequest as exc:
            return error_reply("ERROR_PARAM_INVALID", exc.message)
        if payload is None:  # Cerb's dispatcher, not a controller: no code, no version
            return json_reply({"__status": "error", "message": f"Unknown command ({path})"})
        return json_reply({"__status": "success", "__version": VERSION, "__build": BUILD, **payload})

    def authenticate(self, request: Request, body: bytes) -> int:
        """The worker a request signs in as, checked in Cerb's order: bearer token, else date, key, signature."""
        bearer = request.headers.get("authorization", "")
        header = request.headers.get("cerb-auth") or request.headers.get("cerb5-auth")
        if bearer:
            worker = self.store.worker_for_token(bearer[7:].strip()) if bearer.lower().startswith("bearer ") else None
            if worker is None:
                raise Unauthorized("The resource owner or authorization server denied the request.")
            return worker
        if not header:
            raise Unauthorized("Unauthorized request")
        access_key, _, given = header.partition(":")
        date = request.headers.get("x-date") or request.headers.get("date") or ""
        try:
            sent_at = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError, IndexError):
            raise Unauthorized("Access denied! (Invalid timestamp)") from None
        if abs(time.time() - sent_at) > CLOCK_SKEW:
            raise Unauthorized("Access denied! (Invalid timestamp)")
        found = self.store.worker_for_key(access_key.strip())
        if found is None:
            raise Unauthorized("Access denied! (Invalid credentials: access key)")
        worker_id, secret = found
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
            raise Unauthorized("Access denied! (Invalid credentials: checksum)")
        return worker_id

    def route(
        self, method: str, path: str, fields: dict[str, str], files: list[str], me: int, base: str
    ) -> Record | None:
        """The reply's payload; None for a path Cerb has no controller for."""
        if not path.endswith(".json"):
            return None
        parts = path[: -len(".json")].split("/")
        expand = fields.get("expand", "")
        s = self.store
        match method, parts:
            case "GET", ["contexts", "list"]:
                return {"results": [context_record(*context) for context in CONTEXTS]}
            case "GET", ["workers", "me"]:
                return self.one("worker", me, base, expand)
            case "GET", ["workers", wid] if wid.isdigit():
                if s.row("workers", int(wid)) is None:
                    raise CerbError("ERROR", f"Invalid worker id '{int(wid)}'")
                return self.one("worker", int(wid), base, expand)
            case "GET", ["tickets", "search"]:
                raise CerbError("ERROR_NOT_IMPLEMENTED", "Not implemented.")
            case "POST", ["tickets", "search"]:
                found = self.search("ticket", fields, base, expand)
                found["total"] = str(found["total"])  # Cerb's legacy search sends its total as text
                return found
            case "GET", ["records", kind, "search"]:
                if kind not in KINDS:
                    raise CerbError("ERROR_NOT_FOUND", "Record not found.")
                return self.search(kind, fields, base, expand)
            case "GET", ["tickets", tid] if tid.isdigit():
                if s.row("tickets", int(tid)) is None:
                    raise CerbError("ERROR", f"Invalid ticket id '{int(tid)}'")
                return self.one("ticket", int(tid), base, expand)
            case "GET", ["records", kind, rid]:
                if kind not in KINDS or not rid.isdigit():
                    raise CerbError("ERROR_NOT_FOUND", "Record not found.")
                return self.one(kind, int(rid), base, expand)
            case "PUT", ["records", "ticket", tid] if tid.isdigit():
                s.update_ticket(int(tid), record_changes(fields))
                return self.one("ticket", int(tid), base, expand)
            case "PUT", ["tickets", tid] if tid.isdigit():
                s.update_ticket(int(tid), legacy_changes(fields), legacy=True)
                return self.one("ticket", int(tid), base, expand)
            case "DELETE", ["records", "ticket", tid] if tid.isdigit():
                s.update_ticket(int(tid), {"status_id": 3})
                return {}
            case "POST", ["tickets", "compose"]:
                return self.one("ticket", self.compose(fields, files, me), base, expand)
            case "POST", ["tickets", "reply"]:
                return self.one("ticket", self.reply(fields, files, me), base, expand)
            case "POST", ["tickets", tid, "comment"] if tid.isdigit():
                return {"ticket_id": int(tid), "comment_id": self.comment(int(tid), me, fields.get("comment", ""))}
            case "POST", ["records", "comment", "create"]:
                return self.one("comment", self.create_comment(fields), base, expand)
            case "POST", ["records", kind, "create"]:
                if kind not in KINDS:
                    raise CerbError("ERROR_NOT_FOUND", "Record not found.")
                raise CerbError("ERROR_NOT_IMPLEMENTED", "Not implemented.")  # the sandbox creates only comments
            case "POST", ["attachments", "upload"]:
                file_id, known = upload(s, fields)
                # Cerb's `file_id` is the number it made, or the text its database gave back for a known file
                return self.one("attachment", file_id, base, "") | {"file_id": str(file_id) if known else file_id}
            case "GET", ["attachments", aid] if aid.isdigit():
                if s.row("attachments", int(aid)) is None:
                    raise CerbError("ERROR", f"Invalid attachment id '{int(aid)}'")
                return self.one("attachment", int(aid), base, "") | {"file_id": int(aid)}
        if parts[0] in ("records", "tickets", "workers", "attachments", "contexts"):
            raise CerbError("ERROR_NOT_IMPLEMENTED", "Not implemented.")
        return None

    # -- records -------------------------------------------------------------------------------------------------------

    def one(self, kind: str, rid: int, base: str, expand: str) -> Record:
        table, _, build = KINDS[kind]
        row = self.store.row(table, rid)
        if row is None:
            raise CerbError("ERROR_NOT_FOUND", f"Invalid record {CONTEXT_IDS[kind]} #{rid}")
        return self.store.records(kind, [row], build, base, expand)[0]

    def search(self, kind: str, fields: dict[str, str], base: str, expand: str) -> Record:
        """One page of a record search. As Cerb: words for page or limit read as 0, and the page asked is echoed."""
        table, filters, build = KINDS[kind]
        page, limit = php_int(fields.get("page", "1")), php_int(fields.get("limit", "10"))
        sort = None
        if kind == "ticket" and fields.get("sortBy") in q.TICKETS.sorts:  # the legacy search's own sort
            sort = [(q.TICKETS.sorts[fields["sortBy"]], fields.get("sortAsc", "1") not in ("0", "false"))]
        rows, total = self.store.search(table, filters, fields.get("q", ""), page, limit, sort)
        return results(self.store.records(kind, rows, build, base, expand), total, page, max(1, min(limit, 500)))

    # -- writing -------------------------------------------------------------------------------------------------------

    def compose(self, fields: dict[str, str], files: list[str], me: int) -> int:
        for name in ("subject", "content"):
            if not fields.get(name, ""):
                raise CerbError("ERROR", f"The '{name}' parameter is required")
        group_id, bucket_id = php_int(fields.get("group_id")), php_int(fields.get("bucket_id"))
        if not group_id:
            raise CerbError("ERROR", "The 'group_id' parameter is required")
        if self.store.row("groups", group_id) is None:
            raise CerbError("ERROR", "The given 'group_id' parameter is invalid")
        if bucket_id:
            bucket = self.store.row("buckets", bucket_id)
            if bucket is None:
                raise CerbError("ERROR", "The given 'bucket_id' parameter is invalid")
            group_id = bucket["group_id"]  # the bucket says which group
        else:
            bucket_id = self.store.inbox(group_id)
        options = self.mail_options(fields, files, reply=False)
        to = first_address(fields.get("to", ""))
        return self.store.compose(me, group_id, bucket_id, to, fields["subject"], fields["content"], options)

    def reply(self, fields: dict[str, str], files: list[str], me: int) -> int:
        if not fields.get("content", ""):
            raise CerbError("ERROR", "The 'content' parameter is required")
        if not php_int(fields.get("message_id")):
            raise CerbError("ERROR", "The 'message_id' parameter is required")
        options = self.mail_options(fields, files, reply=True)
        return self.store.reply(me, php_int(fields["message_id"]), fields["content"], options)

    @staticmethod
    def mail_options(fields: dict[str, str], files: list[str], *, reply: bool) -> Any:
        options = mail_options(fields, files, reply=reply)
        reopen = fields.get("reopen_at", "").strip()
        if reopen and not options.reopen_at:
            try:
                options.reopen_at = q.moment(reopen, time.time())  # Cerb reads "tomorrow", "+4 hours"...
            except q.QueryError:
                pass
        return options

    def comment(self, tid: int, me: int, text: str) -> int:
        if self.store.row("tickets", tid) is None:
            raise CerbError("ERROR", f"Invalid ticket ID {tid}")
        if not text:
            raise CerbError("ERROR", "The 'comment' field is required.")
        return self.store.add_comment(tid, me, text)

    def create_comment(self, fields: dict[str, str]) -> int:
        """`records/comment/create.json` with `fields[target__context]`, `fields[target_id]`, `fields[author__context]`,
        `fields[author_id]` and `fields[comment]`; contexts by alias or id."""
        given = {k[len("fields[") : -1]: v for k, v in fields.items() if k.startswith("fields[") and k.endswith("]")}
        aliases = {**{alias: alias for alias in CONTEXT_IDS}, **{c: alias for alias, c in CONTEXT_IDS.items()}}
        target = given.get("target__context", "")
        if not target:
            raise CerbError("ERROR_PARAM_INVALID", "'context' is required.")
        if aliases.get(target) != "ticket":
            raise CerbError("ERROR_PARAM_INVALID", "'context' is not a valid context.")
        if not given.get("comment"):
            raise CerbError("ERROR_PARAM_INVALID", "'comment' is required.")
        if aliases.get(given.get("author__context", "")) != "worker":
            raise CerbError("ERROR_PARAM_INVALID", "'owner_context' is required.")
        target_id, author_id = php_int(given.get("target_id")), php_int(given.get("author_id"))
        return self.store.add_comment(target_id, author_id, given["comment"])

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

    def describe(base_url: str) -> str:
        return f"Cerb     {base_url}{MOUNT}/rest/  (access key {ACCESS_KEY} / secret {SECRET})"

    return ServiceSandbox(
        kind="cerb",
        routes=[Route(MOUNT + "/rest/{path:path}", sandbox.handle, methods=methods)],
        describe=describe,
        live=sandbox.live,
        close=sandbox.store.close,
    )

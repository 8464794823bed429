"""A faithful MAX server and its OAuth server, backed by SQLite.

Mounted at `/max` (the API) and `/oauth` (the password grant). Speaks the wire subset in the MAX notes: 24-hex ids
that grow with time, bare JSON lists newest first, `before`/`after` paging, `X-totalItems` on HEAD, the three X-Oauth
headers, and MAX's `{"objectType":"error",...}` error shape with its codes.

This module holds the routes; the data is in `store.py`, the demo content in `seed.py`, the OAuth server in
`oauth.py` and private conversations in `conversations.py`.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from tui.sandbox.common import base_url, int_param, json_object
from tui.sandbox.host import Sandbox, SandboxContext, ServiceSandbox
from tui.sandbox.max.conversations import ConversationRoutes
from tui.sandbox.max.oauth import OAuthServer
from tui.sandbox.max.reactions import ReactionRoutes
from tui.sandbox.max.replies import Endpoint, MaxError, counted, forbidden, guarded, not_found, object_content, reply
from tui.sandbox.max.seed import ADMIN, live_activity, post_as, seed
from tui.sandbox.max.store import Caller, MaxStore, context_hash, iso

USERNAME = re.compile(r"[a-z0-9._-]+")


def is_true(value: str | None) -> bool:
    """A query flag the way MAX's server reads one (pyramid's asbool)."""
    return (value or "").strip().lower() in ("true", "yes", "on", "y", "t", "1")


# unary + keeps SQLite from a multi-index OR plus a sort of everything: walking ids newest first and filtering stops
# as soon as the page is full, which is what a timeline wants
TIMELINE_SCOPE = (
    "(+actor=? OR +actor IN (SELECT followee FROM follows WHERE follower=?) "
    "OR +context IN (SELECT hash FROM subscriptions WHERE username=?))"
)


class MaxApi:
    """The routes under `/max`."""

    def __init__(self, store: MaxStore):
        self.store = store
        self.conversations = ConversationRoutes(store)
        self.reactions = ReactionRoutes(store)

    def routes(self) -> list[BaseRoute]:
        def route(path: str, endpoint: Endpoint, methods: list[str]) -> Route:
            return Route(path, guarded(endpoint), methods=methods)

        read = ["GET", "HEAD"]
        return [
            route("/info", self.info, ["GET"]),
            route("/people", self.people, [*read, "POST"]),
            route("/people/{username}", self.person, ["GET", "POST", "PUT"]),
            route("/people/{username}/timeline", self.timeline, read),
            route("/people/{username}/activities", self.user_activities, [*read, "POST"]),
            route("/people/{username}/subscriptions", self.subscriptions, [*read, "POST"]),
            # MAX 5 unsubscribes at the context; the older route under the person still works there
            route("/contexts/{hash}/subscriptions/{username}", self.unsubscribe, ["DELETE"]),
            route("/people/{username}/subscriptions/{hash}", self.unsubscribe, ["DELETE"]),
            route("/people/{username}/follows/{followee}", self.follow, ["POST", "DELETE"]),
            route("/contexts", self.contexts, [*read, "POST"]),
            route("/contexts/{hash}", self.context, ["GET"]),
            route("/contexts/{hash}/activities", self.context_activities, [*read, "POST"]),
            route("/activities/{id}", self.activity, ["GET", "DELETE"]),
            route("/activities/{id}/comments", self.comments, [*read, "POST"]),
            route("/activities/{id}/likes", self.reactions.likes, [*read, "POST"]),
            route("/activities/{id}/likes/{username}", self.reactions.unlike, ["DELETE"]),
            route("/activities/{id}/favorites", self.reactions.favorites, [*read, "POST"]),
            route("/activities/{id}/favorites/{username}", self.reactions.unfavorite, ["DELETE"]),
            route("/conversations", self.conversations.conversations, [*read, "POST"]),
            route("/conversations/{id}/messages", self.conversations.messages, [*read, "POST"]),
        ]

    async def info(self, request: Request) -> Response:
        return reply(
            {
                "max.oauth_server": f"{base_url(request)}/oauth",
                "max.stomp_server": f"{request.url.hostname}:61613",
                "max.server_id": "sandbox",
                "version": "5.0-sandbox",
            }
        )

    # -- people -------------------------------------------------------------------------------------------------------

    async def people(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        s = self.store
        if request.method == "POST":
            body = await json_object(request)
            return self._create_person(caller, str(body.get("username") or ""), body)
        with s.lock:
            pattern = f"%{request.query_params.get('username', '').lower()}%"
            if request.method == "HEAD":
                return counted(s.count("SELECT count(*) FROM people WHERE username LIKE ?", (pattern,)))
            limit = int_param(request.query_params.get("limit"), "limit", 100) or 100
            rows = s.all("SELECT * FROM people WHERE username LIKE ? ORDER BY username LIMIT ?", (pattern, limit))
            return reply([s.person_json(r) for r in rows])

    def _create_person(self, caller: Caller, username: str, body: dict[str, Any]) -> Response:
        s = self.store
        if not caller.manager:
            raise forbidden("You don't have permission to create people.")
        if not USERNAME.fullmatch(username or ""):
            raise MaxError(
                400, "ValidationError", "A person needs a username of lowercase letters, digits, dots or dashes."
            )
        with s.lock, s.db:
            row = s.one("SELECT * FROM people WHERE username=?", (username,))
            if row is not None:
                return reply(s.person_json(row), status=200)
            s.db.execute(
                "INSERT INTO people VALUES (?,?,?,0,?)",
                (username, str(body.get("displayName") or username), secrets.token_hex(8), time.time()),
            )
            return reply(s.person_json(s.person(username)), status=201)

    async def person(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        username = request.path_params["username"].lower()
        s = self.store
        if request.method == "POST":
            return self._create_person(caller, username, await json_object(request))
        if request.method == "PUT":
            if caller.username != username and not caller.manager:
                raise forbidden("You can only change your own profile.")
            body = await json_object(request)
            with s.lock, s.db:
                s.person(username)
                if body.get("displayName"):
                    s.db.execute(
                        "UPDATE people SET display_name=? WHERE username=?", (str(body["displayName"]), username)
                    )
        with s.lock:
            row = s.person(username)
            doc = s.person_json(row)
            doc["published"] = iso(row["published"])
            doc["following"] = [
                {"username": r[0], "objectType": "person"}
                for r in s.all("SELECT followee FROM follows WHERE follower=?", (username,))
            ]
            doc["subscribedTo"] = [s.context_json(r) for r in s.subscriptions_of(username)]
        return reply(doc)

    async def follow(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        username, followee = request.path_params["username"].lower(), request.path_params["followee"].lower()
        if username != caller.username and not caller.manager:
            raise forbidden("You can only follow people yourself.")
        s = self.store
        with s.lock, s.db:
            s.person(username)
            s.person(followee)
            if request.method == "DELETE":
                s.db.execute("DELETE FROM follows WHERE follower=? AND followee=?", (username, followee))
                return Response(status_code=204)
            created = s.db.execute("INSERT OR IGNORE INTO follows VALUES (?,?)", (username, followee)).rowcount
            return reply(s.person_json(s.person(followee)), status=201 if created else 200)

    # -- streams -------------------------------------------------------------------------------------------------------

    def _page(self, request: Request, caller: Caller, scope_sql: str, scope_args: tuple[Any, ...]) -> Response:
        s = self.store
        params = dict(request.query_params)
        # MAX reads every `keyword` given (keyword=a&keyword=b) and `favorites=true` as "the ones I favorited"
        params["keyword"] = " ".join(request.query_params.getlist("keyword"))
        params["favorites"] = caller.username if is_true(params.get("favorites")) else ""
        with s.lock:
            if request.method == "HEAD":
                return counted(s.count_activities(scope_sql, scope_args, params))
            return reply(s.render_activities(s.search(scope_sql, scope_args, params), caller))

    async def timeline(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        username = request.path_params["username"].lower()
        if username != caller.username and not caller.manager:
            raise forbidden("You can only read your own timeline.")
        with self.store.lock:
            self.store.person(username)
        return self._page(request, caller, TIMELINE_SCOPE, (username, username, username))

    async def user_activities(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        username = request.path_params["username"].lower()
        with self.store.lock:
            self.store.person(username)
        if request.method == "POST":
            if username != caller.username and not caller.manager:
                raise forbidden("You can only post as yourself.")
            return await self._post(request, caller, username, None)
        return self._page(request, caller, "actor=?", (username,))

    async def context_activities(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        h = request.path_params["hash"]
        with self.store.lock:
            self.store.context_row(h)
        if request.method == "POST":
            return await self._post(request, caller, caller.username, h)
        return self._page(request, caller, "context=?", (h,))

    async def _post(self, request: Request, caller: Caller, actor: str, context: str | None) -> Response:
        body = await json_object(request)
        obj, content = object_content(body)
        object_type = str(obj.get("objectType") or "note")
        if object_type not in ("note", "image", "file"):
            raise MaxError(400, "ValidationError", f"Unknown object type {object_type}.")
        s = self.store
        with s.lock:
            if context is None and body.get("contexts"):
                context = self._posted_context(body["contexts"])
            if context:
                s.context_row(context)
                subscribed = s.one("SELECT 1 FROM subscriptions WHERE username=? AND hash=?", (actor, context))
                if not subscribed and not caller.manager:
                    raise forbidden("You are not subscribed to this context; subscribe first to post in it.")
        aid, created = s.add_activity(
            actor, content.strip(), context=context, generator=body.get("generator"), object_type=object_type
        )
        with s.lock:
            return reply(s.activity_json(aid, caller), status=201 if created else 200)

    @staticmethod
    def _posted_context(contexts: Any) -> str:
        first = contexts[0] if isinstance(contexts, list) and contexts else None
        if not isinstance(first, dict):
            raise MaxError(400, "ValidationError", "contexts must be a list of context objects.")
        context = first.get("hash") or (context_hash(first["url"]) if first.get("url") else None)
        if not context:
            raise MaxError(400, "ValidationError", "A context needs a url or a hash.")
        return str(context)

    # -- contexts ------------------------------------------------------------------------------------------------------

    async def contexts(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        s = self.store
        if request.method == "POST":
            if not caller.manager:
                raise forbidden("You don't have permission to create contexts.")
            body = await json_object(request)
            url = body.get("url")
            if not isinstance(url, str) or not url:
                raise MaxError(400, "MissingField", "Required field url not found in the request.")
            h = context_hash(url)
            with s.lock, s.db:
                row = s.one("SELECT * FROM contexts WHERE hash=?", (h,))
                if row is not None:
                    return reply(s.context_json(row, True), status=200)
                s.db.execute(
                    "INSERT INTO contexts VALUES (?,?,?,?)", (h, url, str(body.get("displayName") or url), time.time())
                )
                return reply(s.context_json(s.context_row(h), True), status=201)
        with s.lock:
            if request.method == "HEAD":
                return counted(s.count("SELECT count(*) FROM contexts"))
            return reply([s.context_json(r, True) for r in s.all("SELECT * FROM contexts ORDER BY display_name")])

    async def context(self, request: Request) -> Response:
        self.store.caller(request.headers)
        with self.store.lock:
            return reply(self.store.context_json(self.store.context_row(request.path_params["hash"]), True))

    async def subscriptions(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        username = request.path_params["username"].lower()
        s = self.store
        if request.method == "POST":
            if username != caller.username and not caller.manager:
                raise forbidden("You can only subscribe yourself.")
            body = await json_object(request)
            obj = body["object"] if isinstance(body.get("object"), dict) else body
            url, h = obj.get("url"), obj.get("hash")
            if not url and not h:
                raise MaxError(400, "MissingField", "Required field object.url not found in the request.")
            h = h or context_hash(str(url))
            with s.lock, s.db:
                s.person(username)
                row = s.context_row(h)
                created = s.db.execute(
                    "INSERT OR IGNORE INTO subscriptions VALUES (?,?,?)", (username, h, time.time())
                ).rowcount
                return reply(s.context_json(row, True), status=201 if created else 200)
        with s.lock:
            s.person(username)
            rows = s.subscriptions_of(username)
            if request.method == "HEAD":
                return counted(len(rows))
            return reply([s.context_json(r, True) for r in rows])

    async def unsubscribe(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        username, h = request.path_params["username"].lower(), request.path_params["hash"]
        if username != caller.username and not caller.manager:
            raise forbidden("You can only unsubscribe yourself.")
        s = self.store
        with s.lock, s.db:
            s.person(username)
            s.context_row(h)
            gone = s.db.execute("DELETE FROM subscriptions WHERE username=? AND hash=?", (username, h)).rowcount
        if not gone:
            raise not_found(f"{username} is not subscribed to context {h}")
        return Response(status_code=204)

    # -- one activity --------------------------------------------------------------------------------------------------

    async def activity(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        aid = request.path_params["id"]
        s = self.store
        with s.lock:
            row = s.activity_row(aid)
            if request.method == "DELETE":
                if row["actor"] != caller.username and not caller.manager:
                    raise forbidden("You are not allowed to delete this activity.")
                s.delete_activity(aid)
                return Response(status_code=204)
            return reply(s.render_activities([row], caller)[0])

    async def comments(self, request: Request) -> Response:
        caller = self.store.caller(request.headers)
        aid = request.path_params["id"]
        s = self.store
        if request.method == "POST":
            body = await json_object(request)
            _, content = object_content(body)
            with s.lock, s.db:
                parent = s.activity_row(aid)
                now = time.time()
                cid = s.ids.make(now)
                s.db.execute(
                    "INSERT INTO comments VALUES (?,?,?,?,?)", (cid, aid, caller.username, content.strip(), now)
                )
                doc = {
                    "id": cid,
                    "objectType": "activity",
                    "verb": "comment",
                    "actor": s.person_json(s.person(caller.username)),
                    "object": {
                        "objectType": "comment",
                        "content": content.strip(),
                        "inReplyTo": [{"id": aid, "objectType": "activity"}],
                    },
                    "published": iso(now),
                    "contexts": s.render_activities([parent], caller)[0]["contexts"],
                    "generator": body.get("generator"),
                }
            return reply(doc, status=201)
        with s.lock:
            s.activity_row(aid)
            rows = s.all("SELECT * FROM comments WHERE activity=? ORDER BY id", (aid,))
            if request.method == "HEAD":
                return counted(len(rows))
            names = s.names({r["actor"] for r in rows})
            return reply([s.comment_json(r, names) for r in rows])


# --------------------------------------------------------------------------------------------------------------------
# The sandbox part the host runs, and the way tests reach it.
# --------------------------------------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class MaxSandbox(ServiceSandbox):
    """The MAX part of a running sandbox; tests reach it (revoke tokens, post as someone else) via `sandbox_for`."""

    store: MaxStore

    def post_as(self, username: str, content: str, context_url: str | None = None) -> str:
        """Post an activity directly (demo traffic, tests that need 'someone else' to post); returns its id."""
        return post_as(self.store, username, content, context_url)


def create(ctx: SandboxContext) -> MaxSandbox:
    store = MaxStore(ctx.db_path("max"), token_ttl=float(ctx.scale.get("max_token_ttl", 3600)))
    if store.fresh:
        seed(store, ctx.scale.get("activities", 3000))
    live_interval = float(ctx.scale.get("max_live_interval", 4))

    def describe(base_url: str) -> str:
        return f"MAX      {base_url}/max  ({ADMIN[0]} / {ADMIN[1]}; OAuth server {base_url}/oauth)"

    async def live() -> None:
        await live_activity(store, live_interval)

    return MaxSandbox(
        kind="max",
        routes=[Mount("/max", routes=MaxApi(store).routes()), Mount("/oauth", routes=OAuthServer(store).routes())],
        describe=describe,
        live=live if ctx.demo else None,
        close=store.close,
        store=store,
    )


def sandbox_for(sandbox: Sandbox) -> MaxSandbox:
    """The MAX part of a running `tui.sandbox.host.Sandbox`."""
    return next(s for s in sandbox.services if isinstance(s, MaxSandbox))

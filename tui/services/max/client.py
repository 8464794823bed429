"""An async MAX client: OAuth password grant, the three X-Oauth headers, a REST-ish resource accessor, typed helpers.

The resource accessor mirrors MAX's URL structure the way the `maxclient` REST-ish client does:

    await client.people["alice"].timeline.get(limit=20)
    await client.people["alice"].activities.post(object_content="Hello #world")   # nested as {"object": {...}}
    await client.activities[some_id].comments.post(object_content="Nice")

Collections are attributes, items are `[...]`; POST/PUT keywords become the JSON body on top of per-endpoint
defaults, with `key_subkey` keywords nested; GET/HEAD/DELETE keywords become the query string (`qs=` also works).
The typed helpers below it (`timeline`, `post`, `comment`, `like`, ...) are what the pane uses.

No Textual here: this module works from a plain script.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import re
from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from tui.http import (
    AuthError,
    BadRequestError,
    ExchangeLog,
    HttpConnection,
    HttpServiceClient,
    ProtocolError,
    ServiceError,
    error_for_status,
)

SERVICE = "MAX"
CLIENT_ID = "MAX"
SCOPE = "widgetcli"
GENERATOR = "servicedeck"

# --------------------------------------------------------------------------------------------------------------------
# Typed results.
# --------------------------------------------------------------------------------------------------------------------


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str = ""

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @classmethod
    def from_json(cls, doc: Any) -> Person:
        doc = doc if isinstance(doc, dict) else {}
        username = str(doc.get("username") or "")
        return cls(username=username, display_name=str(doc.get("displayName") or username))


@dataclass(frozen=True)
class Context:
    url: str
    hash: str
    display_name: str = ""

    @property
    def name(self) -> str:
        return self.display_name or self.url

    @classmethod
    def from_json(cls, doc: Any) -> Context:
        doc = doc if isinstance(doc, dict) else {}
        url = str(doc.get("url") or "")
        return cls(
            url=url,
            hash=str(doc.get("hash") or (context_hash(url) if url else "")),
            display_name=str(doc.get("displayName") or url),
        )


@dataclass(frozen=True)
class Comment:
    id: str
    actor: Person
    content: str
    published: datetime | None
    activity_id: str = ""

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Comment:
        # a comment comes either bare (in `replies`, GET comments) or as a verb:"comment" activity (POST comments)
        obj = doc.get("object") if isinstance(doc.get("object"), dict) else doc
        replied = obj.get("inReplyTo") or doc.get("inReplyTo") or []
        parent = replied[0].get("id", "") if replied and isinstance(replied[0], dict) else ""
        return cls(
            id=str(doc.get("id") or ""),
            actor=Person.from_json(doc.get("actor")),
            content=str(obj.get("content") or ""),
            published=parse_time(doc.get("published")),
            activity_id=parent,
        )


@dataclass
class Activity:
    id: str
    actor: Person
    content: str
    published: datetime | None
    verb: str = "post"
    object_type: str = "note"
    contexts: list[Context] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    comments_count: int = 0
    likes: list[Person] = field(default_factory=list)
    likes_count: int = 0
    liked: bool = False
    deletable: bool = False
    generator: str | None = None
    created: bool = True  # for a post: False when MAX answered 200 (the same content was already posted)

    @classmethod
    def from_json(cls, doc: Any) -> Activity:
        if not isinstance(doc, dict) or "id" not in doc:
            raise ProtocolError("MAX sent an activity without an id.", service=SERVICE)
        obj = doc.get("object") if isinstance(doc.get("object"), dict) else {}
        replies = doc.get("replies")
        if isinstance(replies, dict):  # some MAX versions wrap replies as {"items": [...], "totalItems": n}
            replies = replies.get("items", [])
        comments = [Comment.from_json(c) for c in replies or [] if isinstance(c, dict)]
        likes = [Person.from_json(p) for p in doc.get("likes") or [] if isinstance(p, dict)]
        return cls(
            id=str(doc["id"]),
            actor=Person.from_json(doc.get("actor")),
            content=str(obj.get("content") or ""),
            published=parse_time(doc.get("published")),
            verb=str(doc.get("verb") or "post"),
            object_type=str(obj.get("objectType") or "note"),
            contexts=[Context.from_json(c) for c in doc.get("contexts") or [] if isinstance(c, dict)],
            comments=comments,
            comments_count=int(doc.get("commentsCount", len(comments)) or 0),
            likes=likes,
            likes_count=int(doc.get("likesCount", len(likes)) or 0),
            liked=bool(doc.get("liked")),
            deletable=bool(doc.get("deletable")),
            generator=doc.get("generator"),
        )

    @property
    def hashtags(self) -> list[str]:
        return hashtags(self.content)


HASHTAG_RE = re.compile(r"(?<![\w&])#(\w+)", re.UNICODE)


def hashtags(text: str) -> list[str]:
    seen: list[str] = []
    for tag in HASHTAG_RE.findall(text):
        if tag.lower() not in seen:
            seen.append(tag.lower())
    return seen


def context_hash(url: str) -> str:
    """MAX names a context by the sha1 of its URL."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Message:
    id: str
    actor: Person
    content: str
    published: datetime | None
    conversation_id: str = ""

    @classmethod
    def from_json(cls, doc: Any) -> Message:
        doc = doc if isinstance(doc, dict) else {}
        obj = doc.get("object") if isinstance(doc.get("object"), dict) else {}
        contexts = doc.get("contexts") or [{}]
        return cls(
            id=str(doc.get("id") or ""),
            actor=Person.from_json(doc.get("actor")),
            content=str(obj.get("content") or ""),
            published=parse_time(doc.get("published")),
            conversation_id=str(contexts[0].get("id") or ""),
        )


@dataclass(frozen=True)
class Conversation:
    id: str
    display_name: str
    participants: tuple[Person, ...]
    messages: int = 0
    last_message: str = ""

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Conversation:
        last = doc.get("lastMessage") if isinstance(doc.get("lastMessage"), dict) else {}
        return cls(
            id=str(doc.get("id") or ""),
            display_name=str(doc.get("displayName") or ""),
            participants=tuple(Person.from_json(p) for p in doc.get("participants") or []),
            messages=int(doc.get("messages") or 0),
            last_message=str(last.get("content") or ""),
        )


@dataclass(frozen=True)
class StreamView:
    """Which stream to read: my timeline, one person's activities, a context's stream, or a hashtag on my timeline."""

    kind: str = "timeline"  # "timeline" | "user" | "context" | "hashtag"
    value: str = ""  # username, context hash, or hashtag (without #)
    label: str = ""  # what to call it on screen (a display name, a context title)

    @property
    def title(self) -> str:
        if self.kind == "user":
            return f"Activities of {self.label or self.value}"
        if self.kind == "context":
            return f"Context: {self.label or self.value}"
        if self.kind == "hashtag":
            return f"#{self.value} on my timeline"
        return "My timeline"


# --------------------------------------------------------------------------------------------------------------------
# Errors: MAX's shape is {"objectType": "error", "error": "<Name>", "error_description": "..."}.
# --------------------------------------------------------------------------------------------------------------------


def error_from_response(response: httpx.Response) -> ServiceError | None:
    if response.status_code < 400:
        return None
    try:
        doc = response.json()
    except ValueError:
        return None  # not MAX's shape: the generic mapping says what it was
    if not isinstance(doc, dict) or not (doc.get("error") or doc.get("error_description")):
        return None
    name = str(doc.get("error") or "")
    description = str(doc.get("error_description") or name).strip()
    if description and description[-1] not in ".!?":
        description += "."
    cls = error_for_status(response.status_code)
    if response.status_code == 401:
        return AuthError(f"MAX did not accept the sign-in: {description}", status=401, service=SERVICE)
    if response.status_code == 403:
        return AuthError(
            f"MAX refused: {description}",
            status=403,
            service=SERVICE,
            hint="You are signed in but not allowed to do that.",
        )
    return cls(f"MAX: {description}", status=response.status_code, service=SERVICE)


# --------------------------------------------------------------------------------------------------------------------
# OAuth: the password grant, then three headers on every request, a fresh token on 401.
# --------------------------------------------------------------------------------------------------------------------


class MaxAuth(httpx.Auth):
    """Adds X-Oauth-Token/-Username/-Scope; on a 401, asks the OAuth server for a new token once and retries."""

    def __init__(self, client: MaxClient):
        self.client = client

    def _sign(self, request: httpx.Request, token: str) -> None:
        request.headers["X-Oauth-Token"] = token
        request.headers["X-Oauth-Username"] = self.client.username.lower()
        request.headers["X-Oauth-Scope"] = SCOPE

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        token = await self.client.ensure_token()
        self._sign(request, token)
        response = yield request
        if response.status_code == 401 and self.client.can_renew:
            await response.aread()
            token = await self.client.renew_token(stale=token)
            self._sign(request, token)
            yield request

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        raise RuntimeError("MaxClient is async only")


# --------------------------------------------------------------------------------------------------------------------
# The REST-ish resource accessor.
# --------------------------------------------------------------------------------------------------------------------

# Per-endpoint defaults, keyed by (route with {} for items, method). Keywords are merged on top, recursively.
DEFAULTS: dict[tuple[str, str], dict[str, Any]] = {
    ("people/{}/activities", "post"): {"object": {"objectType": "note"}, "generator": GENERATOR},
    ("contexts/{}/activities", "post"): {"object": {"objectType": "note"}, "generator": GENERATOR},
    ("activities/{}/comments", "post"): {"object": {"objectType": "comment"}},
    ("contexts", "post"): {"objectType": "context"},
    ("people/{}/subscriptions", "post"): {"object": {"objectType": "context"}},
    ("conversations", "post"): {"object": {"objectType": "message"}},
    ("conversations/{}/messages", "post"): {"object": {"objectType": "message"}},
}
HEX40 = re.compile(r"[0-9a-f]{40}")
ROOT_COLLECTIONS = frozenset(
    {"people", "activities", "contexts", "conversations", "messages", "info", "admin", "security", "hashtags"}
)


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def nest(kwargs: dict[str, Any]) -> dict[str, Any]:
    """`object_content="x"` -> {"object": {"content": "x"}} (also `object.content`)."""
    out: dict[str, Any] = {}
    for key, value in kwargs.items():
        parts = re.split(r"[._]", key)
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ValueError(f"{key} nests into a value that is not an object")
        node[parts[-1]] = value
    return out


class Resource:
    """A lazy URL: attributes add a collection segment, `[item]` adds an item; methods send the request."""

    def __init__(self, client: MaxClient, segments: tuple[str, ...] = (), route: tuple[str, ...] = ()):
        self._client = client
        self._segments = segments
        self._route = route

    def __getattr__(self, name: str) -> Resource:
        if name.startswith("_"):
            raise AttributeError(name)
        return Resource(self._client, (*self._segments, name), (*self._route, name))

    def __getitem__(self, item: str) -> Resource:
        item = str(item)
        if self._segments and self._segments[-1] == "contexts" and not HEX40.fullmatch(item):
            item = context_hash(item)  # contexts are addressed by the hash of their URL
        return Resource(self._client, (*self._segments, item), (*self._route, "{}"))

    @property
    def path(self) -> str:
        return "/" + "/".join(_quote(s) for s in self._segments)

    def defaults(self, method: str) -> dict[str, Any]:
        return copy.deepcopy(DEFAULTS.get(("/".join(self._route), method.lower()), {}))

    def __repr__(self) -> str:
        return f"<MAX resource {self.path}>"

    async def _send(self, method: str, *, qs: dict[str, Any] | None = None, data: Any = None, **kwargs: Any) -> Any:
        params = dict(qs or {})
        body = None
        if method in ("POST", "PUT"):
            body = data if data is not None else merge(self.defaults(method), nest(kwargs))
        else:
            params.update(kwargs)
        response = await self._client.request(method, self.path, params=params or None, json=body)
        return self._client.decode(response)

    async def get(self, **kwargs: Any) -> Any:
        return await self._send("GET", **kwargs)

    async def post(self, **kwargs: Any) -> Any:
        return await self._send("POST", **kwargs)

    async def put(self, **kwargs: Any) -> Any:
        return await self._send("PUT", **kwargs)

    async def delete(self, **kwargs: Any) -> Any:
        return await self._send("DELETE", **kwargs)

    async def head(self, **kwargs: Any) -> int:
        """HEAD on a collection: how many items it holds (MAX's X-totalItems header)."""
        params = dict(kwargs.pop("qs", None) or {}, **kwargs)
        response = await self._client.request("HEAD", self.path, params=params or None)
        total = response.headers.get("X-totalItems")
        if total is None or not total.isdigit():
            raise ProtocolError("MAX did not say how many items there are (no X-totalItems header).", service=SERVICE)
        return int(total)


def _quote(segment: str) -> str:
    return quote(segment, safe="@.-_~")


# --------------------------------------------------------------------------------------------------------------------
# The client.
# --------------------------------------------------------------------------------------------------------------------


class MaxClient(HttpServiceClient):
    def __init__(
        self,
        url: str,
        username: str,
        password: str = "",
        *,
        token: str = "",
        oauth_server: str = "",
        exchange_log: ExchangeLog | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.url = url.rstrip("/")
        self.username = username.strip().lower()
        self._password = password
        self._token = token
        self.oauth_server = oauth_server.rstrip("/")
        self._token_lock = asyncio.Lock()
        self.token_fetches = 0  # how many times we asked the OAuth server (tests read it to see a renewal happen)
        self.http = HttpConnection(
            self.url + "/",
            service=SERVICE,
            auth=MaxAuth(self),
            headers={"Accept": "application/json"},
            exchange_log=exchange_log,
            secrets=[password, token],
            public=[self.username],
            error_from_response=error_from_response,
            transport=transport,
        )

    @classmethod
    def from_connection(cls, connection: Any, secret: str, *, exchange_log: ExchangeLog | None = None) -> MaxClient:
        options = getattr(connection, "options", {}) or {}
        return cls(
            connection.url,
            connection.username,
            secret,
            oauth_server=str(options.get("oauth_server", "")),
            token=str(options.get("token", "")),
            exchange_log=exchange_log,
        )

    # -- the generic accessor -------------------------------------------------------------------------------------------

    def __getattr__(self, name: str) -> Resource:
        # only MAX's top-level collections: a typo or a probe like hasattr(client, "x") must not become a URL
        if name not in ROOT_COLLECTIONS:
            raise AttributeError(
                f"MaxClient has no attribute {name!r} (and /{name} is not a MAX collection; use client[{name!r}])"
            )
        return Resource(self, (name,), (name,))

    def __getitem__(self, path: str) -> Resource:
        """`client["people/alice/timeline"]` for paths held as strings."""
        parts = tuple(p for p in path.strip("/").split("/") if p)
        return Resource(self, parts, parts)

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.request(method, path.lstrip("/"), **kwargs)

    def decode(self, response: httpx.Response) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        return self.http.json(response)

    # -- sign-in --------------------------------------------------------------------------------------------------------

    @property
    def can_renew(self) -> bool:
        return bool(self._password)

    async def discover(self) -> str:
        """Ask MAX where its OAuth server is (`GET /info`, no auth needed)."""
        if not self.oauth_server:
            info = self.http.json(await self.http.request("GET", "info", auth=None))
            server = info.get("max.oauth_server") if isinstance(info, dict) else None
            if not server:
                raise ProtocolError(
                    f"{self.url} answered /info without an OAuth server; is this a MAX server?", service=SERVICE
                )
            self.oauth_server = str(server).rstrip("/")
        return self.oauth_server

    async def ensure_token(self) -> str:
        if self._token:
            return self._token
        return await self.renew_token(stale="")

    async def renew_token(self, stale: str) -> str:
        """Fetch a token with the password grant; concurrent callers that saw the same stale token share one fetch."""
        async with self._token_lock:
            if self._token and self._token != stale:
                return self._token
            if not self._password:
                raise AuthError(
                    "MAX needs a new sign-in token, and this connection has no password to get one.", service=SERVICE
                )
            server = await self.discover()
            response = await self.http.request(
                "POST",
                server + "/token",
                auth=None,
                data={
                    "grant_type": "password",
                    "client_id": CLIENT_ID,
                    "scope": SCOPE,
                    "username": self.username,
                    "password": self._password,
                },
                expected=range(400, 500),
            )
            self.token_fetches += 1
            if response.status_code >= 400:
                raise AuthError(
                    f"MAX's sign-in server refused the username or password for {self.username}.",
                    status=response.status_code,
                    service=SERVICE,
                )
            doc = self.http.json(response)
            token = (doc.get("access_token") or doc.get("oauth_token")) if isinstance(doc, dict) else None
            if not token:
                raise ProtocolError("MAX's sign-in server answered without a token.", service=SERVICE)
            self._token = str(token)
            self.http.secrets = tuple({*self.http.secrets, self._token})
            return self._token

    async def check(self) -> str:
        me = await self.person(self.username)
        return f"Signed in to MAX as {me.name} ({me.username})."

    # -- typed helpers: streams -----------------------------------------------------------------------------------------

    @staticmethod
    def _paging(limit: int, before: str | None, after: str | None, **filters: Any) -> dict[str, Any]:
        if before and after:
            raise BadRequestError("Ask for activities before an id or after it, not both.", service=SERVICE)
        params: dict[str, Any] = {"limit": limit}
        if before:
            params["before"] = before
        if after:
            params["after"] = after
        params.update({k: v for k, v in filters.items() if v})
        return params

    async def _activities(self, resource: Resource, params: dict[str, Any]) -> list[Activity]:
        docs = await resource.get(qs=params)
        if not isinstance(docs, list):
            raise ProtocolError("MAX answered a collection with something that is not a list.", service=SERVICE)
        return [Activity.from_json(d) for d in docs]

    async def timeline(
        self,
        username: str = "",
        *,
        limit: int = 20,
        before: str | None = None,
        after: str | None = None,
        hashtag: str = "",
        keyword: str = "",
    ) -> list[Activity]:
        """A person's timeline (theirs, people they follow, contexts they subscribe to), newest first."""
        params = self._paging(limit, before, after, hashtag=hashtag.lstrip("#"), keyword=keyword)
        return await self._activities(self.people[username or self.username].timeline, params)

    async def user_activities(
        self, username: str, *, limit: int = 20, before: str | None = None, after: str | None = None
    ) -> list[Activity]:
        return await self._activities(self.people[username].activities, self._paging(limit, before, after))

    async def context_activities(
        self, context: str, *, limit: int = 20, before: str | None = None, after: str | None = None
    ) -> list[Activity]:
        """A context's stream; `context` is its hash or its URL."""
        return await self._activities(self.contexts[context].activities, self._paging(limit, before, after))

    def _stream_resource(self, view: StreamView) -> tuple[Resource, dict[str, Any]]:
        if view.kind == "user":
            return self.people[view.value].activities, {}
        if view.kind == "context":
            return self.contexts[view.value].activities, {}
        if view.kind == "hashtag":
            return self.people[self.username].timeline, {"hashtag": view.value.lstrip("#")}
        return self.people[self.username].timeline, {}

    async def stream(
        self, view: StreamView, *, limit: int = 20, before: str | None = None, after: str | None = None
    ) -> list[Activity]:
        """One page of any view."""
        resource, filters = self._stream_resource(view)
        return await self._activities(resource, self._paging(limit, before, after, **filters))

    async def count(self, view: StreamView) -> int:
        resource, filters = self._stream_resource(view)
        return await resource.head(**filters)

    # -- typed helpers: single activities -------------------------------------------------------------------------------

    async def activity(self, activity_id: str) -> Activity:
        return Activity.from_json(await self.activities[activity_id].get())

    async def post(self, content: str, *, context: str = "", username: str = "") -> Activity:
        """Post a note, in a context (URL or hash) if given. MAX answers 200 instead of 201 for a repeat."""
        if not content.strip():
            raise BadRequestError("There is nothing to post.", service=SERVICE)
        if context:
            resource = self.contexts[context].activities
        else:
            resource = self.people[username or self.username].activities
        response = await self.request(
            "POST", resource.path, json=merge(resource.defaults("post"), nest({"object_content": content}))
        )
        activity = Activity.from_json(self.decode(response))
        activity.created = response.status_code == 201
        return activity

    async def delete_activity(self, activity_id: str) -> None:
        await self.activities[activity_id].delete()

    async def comments(self, activity_id: str) -> list[Comment]:
        docs = await self.activities[activity_id].comments.get()
        if not isinstance(docs, list):
            raise ProtocolError("MAX answered the comments with something that is not a list.", service=SERVICE)
        return [Comment.from_json(d) for d in docs if isinstance(d, dict)]

    async def comment(self, activity_id: str, content: str) -> Comment:
        if not content.strip():
            raise BadRequestError("There is nothing to send.", service=SERVICE)
        doc = await self.activities[activity_id].comments.post(object_content=content)
        comment = Comment.from_json(doc)
        return (
            comment
            if comment.activity_id
            else Comment(comment.id, comment.actor, comment.content, comment.published, activity_id)
        )

    async def like(self, activity_id: str) -> bool:
        """Like an activity; True if this created the like, False if it was already liked (MAX answers 200)."""
        response = await self.request("POST", self.activities[activity_id].likes.path, json={})
        return response.status_code == 201

    async def unlike(self, activity_id: str) -> None:
        await self.activities[activity_id].likes[self.username].delete()

    # -- typed helpers: private conversations --------------------------------------------------------------------------

    async def conversations_list(self) -> list[Conversation]:
        return [Conversation.from_json(d) for d in await self.conversations.get() or [] if isinstance(d, dict)]

    async def start_conversation(self, participants: list[str], content: str, title: str = "") -> Message:
        context: dict[str, Any] = {"objectType": "conversation", "participants": participants}
        if title:
            context["displayName"] = title
        doc = await self.conversations.post(
            data={"object": {"objectType": "message", "content": content}, "contexts": [context]}
        )
        return Message.from_json(doc)

    async def messages(self, conversation_id: str) -> list[Message]:
        return [Message.from_json(d) for d in await self.conversations[conversation_id].messages.get() or []]

    async def send_message(self, conversation_id: str, content: str) -> Message:
        return Message.from_json(await self.conversations[conversation_id].messages.post(object_content=content))

    # -- typed helpers: contexts and people -----------------------------------------------------------------------------

    async def contexts_list(self) -> list[Context]:
        return [Context.from_json(d) for d in await self.contexts.get() or []]

    async def context(self, context: str) -> Context:
        return Context.from_json(await self.contexts[context].get())

    async def create_context(self, url: str, display_name: str = "") -> Context:
        return Context.from_json(await self.contexts.post(url=url, displayName=display_name or url))

    async def subscriptions(self, username: str = "") -> list[Context]:
        return [Context.from_json(d) for d in await self.people[username or self.username].subscriptions.get() or []]

    async def subscribe(self, context_url: str, username: str = "") -> Context:
        return Context.from_json(
            await self.people[username or self.username].subscriptions.post(object_url=context_url)
        )

    async def person(self, username: str) -> Person:
        return Person.from_json(await self.people[username].get())

    async def people_list(self, query: str = "", limit: int = 100) -> list[Person]:
        docs = await self.people.get(qs={"username": query, "limit": limit} if query else {"limit": limit})
        return [Person.from_json(d) for d in docs or []]

    async def create_person(self, username: str, display_name: str = "") -> Person:
        return Person.from_json(await self.people.post(username=username, displayName=display_name or username))


__all__ = [
    "Activity",
    "Comment",
    "Context",
    "Conversation",
    "MaxClient",
    "Message",
    "Person",
    "Resource",
    "StreamView",
    "context_hash",
    "hashtags",
    "parse_time",
]

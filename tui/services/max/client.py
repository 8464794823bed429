"""An async MAX client: OAuth password grant, the three X-Oauth headers, a REST-ish resource accessor, typed helpers.

    await client.people["alice"].timeline.get(limit=20)       # the generic accessor (see `resource.py`)
    await client.timeline(limit=20)                           # a typed helper: a list of `Activity`

The typed helpers (`timeline`, `post`, `comment`, `like`, ...) are what the pane uses; the values they return are in
`models.py`, made from replies checked against MAX's wire shapes (`wire.py`), so a reply of the wrong shape is a
`ProtocolError` naming the request. Signing requests is in `auth.py`, MAX's error shape in `errors.py`. No Textual
here: this module works from a plain script.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from tui.http import (
    AuthError,
    BadRequestError,
    ExchangeLog,
    HttpConnection,
    HttpServiceClient,
    ProtocolError,
    redact_url,
)
from tui.services.max.auth import CLIENT_ID, SCOPE, MaxAuth, is_sendable_token, is_web_address
from tui.services.max.errors import error_from_response
from tui.services.max.models import (
    SERVICE,
    Activity,
    Comment,
    Context,
    Conversation,
    Message,
    Person,
    StreamView,
)
from tui.services.max.resource import ROOT_COLLECTIONS, Resource, merge, nest
from tui.services.max.wire import (
    ActivityWire,
    CommentWire,
    ContextWire,
    ConversationWire,
    FavoriteWire,
    InfoWire,
    MessageWire,
    PersonWire,
    TokenWire,
    checked,
)

if TYPE_CHECKING:
    from tui.profiles import Connection

T = TypeVar("T")


def _consume_failure(fetch: asyncio.Future[str]) -> None:
    """Mark a failed fetch's error as seen: when every caller gave up before it ended, nobody else reads it."""
    if not fetch.cancelled():
        fetch.exception()


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
        self._token_fetch: asyncio.Future[str] | None = None  # the sign-in under way, shared by its callers
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
    def from_connection(
        cls, connection: Connection, secret: str, *, exchange_log: ExchangeLog | None = None
    ) -> MaxClient:
        options = connection.options or {}
        return cls(
            connection.url,
            connection.username,
            secret,
            oauth_server=str(options.get("oauth_server", "")),
            token=str(options.get("token", "")),
            exchange_log=exchange_log,
        )

    # -- the generic accessor ------------------------------------------------------------------------------------------

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

    async def _get(self, resource: Resource, shape: type[T], **kwargs: Any) -> T:
        """GET a resource and check the reply is `shape` (a `ProtocolError` naming the request if not)."""
        return checked(await resource.get(**kwargs), shape, f"GET {resource.path}")

    async def _post(self, resource: Resource, shape: type[T], **kwargs: Any) -> T:
        return checked(await resource.post(**kwargs), shape, f"POST {resource.path}")

    # -- sign-in -------------------------------------------------------------------------------------------------------

    @property
    def can_renew(self) -> bool:
        return bool(self._password)

    async def discover(self) -> str:
        """Ask MAX where its OAuth server is (`GET /info`, no auth needed)."""
        if not self.oauth_server:
            info = self.http.json(await self.http.request("GET", "info", auth=None))
            server = (checked(info, InfoWire, "GET /info").oauth_server or "").strip().rstrip("/")
            if not server:
                where = redact_url(self.url, self.http.secrets)
                raise ProtocolError(
                    f"{where} answered /info without an OAuth server; is this a MAX server?", service=SERVICE
                )
            if not is_web_address(server):
                raise ProtocolError("MAX named an OAuth server whose address is not a web address.", service=SERVICE)
            self.oauth_server = server
        return self.oauth_server

    async def ensure_token(self) -> str:
        if self._token:
            return self._token
        return await self.renew_token(stale="")

    async def renew_token(self, stale: str) -> str:
        """Fetch a token with the password grant. Concurrent callers that saw the same stale token share one fetch,
        and its failure: a sign-in server that does not answer costs them one deadline, not one each in turn."""
        if self._token and self._token != stale:
            return self._token
        if self._token_fetch is None or self._token_fetch.done():
            self._token_fetch = asyncio.ensure_future(self._fetch_token())
            self._token_fetch.add_done_callback(_consume_failure)
        # shielded: a caller that gives up (its own deadline) does not cancel the fetch the others wait for
        return await asyncio.shield(self._token_fetch)

    async def _fetch_token(self) -> str:
        if not self._password:
            raise AuthError(
                "MAX needs a new sign-in token, and this connection has no password to get one.", service=SERVICE
            )
        server = await self.discover()
        response = await self.http.request(
            "POST",
            server + "/token",
            auth=None,
            reads=True,  # signing in changes nothing: it goes out in read-only mode too
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
        answer = checked(self.http.json(response), TokenWire, "POST /token")
        token = answer.access_token or answer.oauth_token
        if not token:
            raise ProtocolError("MAX's sign-in server answered without a token.", service=SERVICE)
        if not is_sendable_token(token):
            raise ProtocolError("MAX's sign-in server answered with a token that cannot be sent back.", service=SERVICE)
        self._token = token
        self.http.secrets = tuple({*self.http.secrets, self._token})
        return self._token

    async def check(self) -> str:
        me = await self.person(self.username)
        return f"Signed in to MAX as {me.name} ({me.username})."

    # -- typed helpers: streams ----------------------------------------------------------------------------------------

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
        return [Activity.from_wire(w) for w in await self._get(resource, list[ActivityWire], qs=params)]

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
        if view.kind == "search":
            return self.people[self.username].timeline, {"keyword": view.keywords}
        if view.kind == "favorites":
            return self.people[self.username].timeline, {"favorites": "true"}
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

    # -- typed helpers: single activities ------------------------------------------------------------------------------

    async def activity(self, activity_id: str) -> Activity:
        return Activity.from_wire(await self._get(self.activities[activity_id], ActivityWire))

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
        activity = Activity.from_wire(checked(self.decode(response), ActivityWire, f"POST {resource.path}"))
        activity.created = response.status_code == 201
        return activity

    async def delete_activity(self, activity_id: str) -> None:
        await self.activities[activity_id].delete()

    async def comments(self, activity_id: str) -> list[Comment]:
        return [Comment.from_wire(w) for w in await self._get(self.activities[activity_id].comments, list[CommentWire])]

    async def comment(self, activity_id: str, content: str) -> Comment:
        if not content.strip():
            raise BadRequestError("There is nothing to send.", service=SERVICE)
        comment = Comment.from_wire(
            await self._post(self.activities[activity_id].comments, CommentWire, object_content=content)
        )
        return (
            comment
            if comment.activity_id
            else Comment(comment.id, comment.actor, comment.content, comment.published, activity_id)
        )

    async def like(self, activity_id: str) -> bool:
        """Like an activity; True if this created the like, False if it was already liked (MAX answers 200)."""
        response = await self.request("POST", self.activities[activity_id].likes.path, json={})
        self.decode(response)  # a JSON answer, not a portal's HTML page that happens to say 200
        return response.status_code == 201

    async def unlike(self, activity_id: str) -> None:
        await self.activities[activity_id].likes[self.username].delete()

    async def favorite(self, activity_id: str) -> bool:
        """Mark an activity a favorite; True if this made it one, False if it already was (MAX answers 200)."""
        resource = self.activities[activity_id].favorites
        response = await self.request("POST", resource.path, json={})
        checked(self.decode(response), FavoriteWire, f"POST {resource.path}")
        return response.status_code == 201

    async def unfavorite(self, activity_id: str) -> None:
        resource = self.activities[activity_id].favorites[self.username]
        answer = await resource.delete()
        if answer is not None:  # MAX answers the unfavorite activity; an empty 204 would do as well
            checked(answer, FavoriteWire, f"DELETE {resource.path}")

    # -- typed helpers: private conversations --------------------------------------------------------------------------

    async def conversations_list(self) -> list[Conversation]:
        return [Conversation.from_wire(w) for w in await self._get(self.conversations, list[ConversationWire])]

    async def start_conversation(self, participants: list[str], content: str, title: str = "") -> Message:
        context: dict[str, Any] = {"objectType": "conversation", "participants": participants}
        if title:
            context["displayName"] = title
        data = {"object": {"objectType": "message", "content": content}, "contexts": [context]}
        return Message.from_wire(await self._post(self.conversations, MessageWire, data=data))

    async def messages(self, conversation_id: str, *, limit: int = 50, before: str | None = None) -> list[Message]:
        """A conversation's messages, newest first (MAX answers 10 unless asked for more)."""
        resource = self.conversations[conversation_id].messages
        qs = self._paging(limit, before, None)
        return [Message.from_wire(w) for w in await self._get(resource, list[MessageWire], qs=qs)]

    async def send_message(self, conversation_id: str, content: str) -> Message:
        resource = self.conversations[conversation_id].messages
        return Message.from_wire(await self._post(resource, MessageWire, object_content=content))

    # -- typed helpers: contexts and people ----------------------------------------------------------------------------

    async def contexts_list(self) -> list[Context]:
        return [Context.from_wire(w) for w in await self._get(self.contexts, list[ContextWire])]

    async def context(self, context: str) -> Context:
        return Context.from_wire(await self._get(self.contexts[context], ContextWire))

    async def create_context(self, url: str, display_name: str = "") -> Context:
        return Context.from_wire(await self._post(self.contexts, ContextWire, url=url, displayName=display_name or url))

    async def subscriptions(self, username: str = "") -> list[Context]:
        resource = self.people[username or self.username].subscriptions
        return [Context.from_wire(w) for w in await self._get(resource, list[ContextWire])]

    async def subscribe(self, context_url: str, username: str = "") -> Context:
        resource = self.people[username or self.username].subscriptions
        return Context.from_wire(await self._post(resource, ContextWire, object_url=context_url))

    async def unsubscribe(self, context: str, username: str = "") -> None:
        """Stop following a context (its hash or URL): MAX 5's `DELETE /contexts/{hash}/subscriptions/{username}`."""
        await self.contexts[context].subscriptions[username or self.username].delete()

    async def person(self, username: str) -> Person:
        return Person.from_wire(await self._get(self.people[username], PersonWire))

    async def people_list(self, query: str = "", limit: int = 100) -> list[Person]:
        qs = {"username": query, "limit": limit} if query else {"limit": limit}
        return [Person.from_wire(w) for w in await self._get(self.people, list[PersonWire], qs=qs)]

    async def create_person(self, username: str, display_name: str = "") -> Person:
        wire = await self._post(self.people, PersonWire, username=username, displayName=display_name or username)
        return Person.from_wire(wire)

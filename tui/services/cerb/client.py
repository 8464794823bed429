"""An async client for Cerb's REST API: signed requests, readable errors, typed records.

No Textual here: use it from a script as well as from the app.

    async with CerbClient("https://cerb.example.com/rest/", "ACCESS_KEY", "SECRET") as cerb:
        page = await cerb.search_tickets("status:o group.id:2", limit=25)
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

import httpx

from tui.http import (
    AuthError,
    BadRequestError,
    ConflictError,
    ExchangeLog,
    HttpConnection,
    HttpServiceClient,
    NotFoundError,
    ProtocolError,
    ServiceError,
)

SERVICE = "Cerb"
STATUS_IDS = {"open": 0, "waiting": 1, "closed": 2, "deleted": 3}
STATUS_NAMES = {v: k for k, v in STATUS_IDS.items()}
STATUS_LETTERS = {"open": "o", "waiting": "w", "closed": "c", "deleted": "d"}
TICKET_EXPAND = ("group_", "bucket_", "owner_", "org_")

# --------------------------------------------------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------------------------------------------------


def sign(verb: str, date: str, path: str, query: str, body: str, secret: str) -> str:
    """Cerb's request signature: md5 over verb, date, path, sorted query, body and md5(secret), each line ended."""
    pairs = sorted((p for p in query.split("&") if p), key=lambda p: p.split("=", 1)[0])
    secret_md5 = hashlib.md5(secret.encode("utf-8")).hexdigest().lower()
    text = "\n".join([verb.upper(), date, path, "&".join(pairs), body, secret_md5, ""])
    return hashlib.md5(text.encode("utf-8")).hexdigest()


class CerbSignatureAuth(httpx.Auth):
    """Signs each request with `Cerb-Auth: <access key>:<signature>` over the exact path, query and body sent."""

    requires_request_body = True

    def __init__(self, access_key: str, secret: str, *, clock: Callable[[], str] | None = None):
        self.access_key = access_key
        self._secret = secret
        # RFC 2822 in GMT; the server allows 10 minutes of clock difference
        self._clock = clock or (lambda: formatdate(usegmt=True))

    def __repr__(self) -> str:  # never show the secret
        return f"CerbSignatureAuth(access_key={self.access_key!r})"

    def auth_flow(self, request: httpx.Request):
        date = self._clock()
        raw = request.url.raw_path.decode("ascii")
        path, _, query = raw.partition("?")
        body = request.content.decode("utf-8") if request.method in ("POST", "PUT", "PATCH") else ""
        request.headers["Date"] = date
        request.headers["Cerb-Auth"] = (
            f"{self.access_key}:{sign(request.method, date, path, query, body, self._secret)}"
        )
        yield request


class BearerAuth(httpx.Auth):
    """An OAuth2 access token, the alternative to a signed access key."""

    def __init__(self, token: str):
        self._token = token

    def __repr__(self) -> str:
        return "BearerAuth()"

    def auth_flow(self, request: httpx.Request):
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


# --------------------------------------------------------------------------------------------------------------------
# Errors: Cerb answers most failures with HTTP 200 and `__status: error`.
# --------------------------------------------------------------------------------------------------------------------


class TicketChanged(ConflictError):
    """The ticket changed on the server since it was loaded; `differences` says how, `current` is the fresh copy."""

    def __init__(self, current: Ticket, differences: list[tuple[str, str, str]]):
        what = ", ".join(name for name, _, _ in differences) or "its update time"
        super().__init__(
            f"Ticket {current.mask} was changed on the server since you opened it ({what}).",
            hint="Review the changes, then apply yours again or keep theirs.",
            service=SERVICE,
        )
        self.current = current
        self.differences = differences


def _readable_denial(message: str) -> ServiceError:
    lowered = message.lower()
    if "timestamp" in lowered:
        return AuthError(
            "Cerb refused the request because this computer's clock differs from the server's by more than 10 minutes.",
            hint="Set the system clock right (enable network time), then reload.",
            status=401,
            service=SERVICE,
        )
    if "checksum" in lowered:
        return AuthError(
            "Cerb refused the access key and secret: the request signature did not match.",
            hint="Check the secret of this connection in the profile.",
            status=401,
            service=SERVICE,
        )
    if "access key" in lowered:
        return AuthError(
            "Cerb does not know this access key.",
            hint="Check the access key of this connection in the profile.",
            status=401,
            service=SERVICE,
        )
    if "token" in lowered:
        return AuthError(
            "Cerb refused the OAuth token; it may have expired.",
            hint="Get a new token and update the profile.",
            status=401,
            service=SERVICE,
        )
    return AuthError(f"Cerb refused the credentials ({message or 'access denied'}).", status=401, service=SERVICE)


def cerb_error(response: httpx.Response) -> ServiceError | None:
    """Map Cerb's error replies (HTTP 200 with `__status: error`, and 401/403) to one readable exception."""
    status = response.status_code
    content = response.content
    if status < 400 and b'"error"' not in content:  # cheap test before parsing a big success reply twice
        return None
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return None  # not Cerb JSON: the generic handling says what came instead
    message = str(body.get("message") or "").strip()
    if status in (401, 403):
        return _readable_denial(message)
    if body.get("__status") != "error":
        return None
    code = str(body.get("__error") or "ERROR")
    detail = message.rstrip(".") or code
    if code == "ERROR_NOT_FOUND":
        return NotFoundError(f"Cerb could not find that: {detail}.", service=SERVICE, status=status)
    if code in ("ERROR_PARAM_INVALID", "ERROR_PARAM_REQUIRED"):
        return BadRequestError(f"Cerb did not accept the request: {detail}.", service=SERVICE, status=status)
    if code == "ERROR_PERMISSIONS":
        return AuthError(
            f"This worker is not allowed to do that in Cerb: {detail}.",
            hint="Ask a Cerb administrator for the permission.",
            service=SERVICE,
            status=status,
        )
    if message.startswith("Unknown command"):
        return ProtocolError(
            f"Cerb does not support this request ({detail}).",
            hint="The server may be an older Cerb version, or the URL may not end in /rest/.",
            service=SERVICE,
            status=status,
        )
    return ServiceError(f"Cerb reported an error: {detail}.", service=SERVICE, status=status)


# --------------------------------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Worker:
    id: int
    first_name: str
    last_name: str
    email: str = ""
    title: str = ""

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Worker:
        return cls(
            int(d["id"]),
            str(d.get("first_name") or ""),
            str(d.get("last_name") or ""),
            str(d.get("email") or d.get("address_address") or ""),
            str(d.get("title") or ""),
        )


@dataclass(frozen=True)
class Group:
    id: int
    name: str

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Group:
        return cls(int(d["id"]), str(d.get("name") or d.get("_label") or ""))


@dataclass(frozen=True)
class Bucket:
    id: int
    group_id: int
    name: str
    is_default: bool = False

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Bucket:
        return cls(
            int(d["id"]),
            int(d.get("group_id") or 0),
            str(d.get("name") or d.get("_label") or ""),
            bool(int(d.get("is_default") or 0)),
        )


@dataclass(frozen=True)
class Ticket:
    id: int
    mask: str
    subject: str
    status: str  # open, waiting, closed, deleted
    importance: int
    group_id: int
    bucket_id: int
    owner_id: int  # 0 = unassigned
    created: int
    updated: int  # Unix seconds; what conflict detection compares
    group_name: str = ""
    bucket_name: str = ""
    owner_name: str = ""
    org_id: int = 0
    org_name: str = ""
    closed: int = 0
    initial_message_id: int = 0
    latest_message_id: int = 0
    num_messages: int = 0
    url: str = ""

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Ticket:
        status = d.get("status")
        if status not in STATUS_IDS:
            status = STATUS_NAMES.get(int(d.get("status_id") or 0), "open")
        return cls(
            id=int(d["id"]),
            mask=str(d.get("mask") or ""),
            subject=str(d.get("subject") or ""),
            status=status,
            importance=int(d.get("importance") or 0),
            group_id=int(d.get("group_id") or 0),
            bucket_id=int(d.get("bucket_id") or 0),
            owner_id=int(d.get("owner_id") or 0),
            created=int(d.get("created") or 0),
            updated=int(d.get("updated") or 0),
            group_name=str(d.get("group_name") or d.get("group__label") or ""),
            bucket_name=str(d.get("bucket_name") or d.get("bucket__label") or ""),
            owner_name=str(d.get("owner__label") or ""),
            org_id=int(d.get("org_id") or 0),
            org_name=str(d.get("org_name") or d.get("org__label") or ""),
            closed=int(d.get("closed") or 0),
            initial_message_id=int(d.get("initial_message_id") or 0),
            latest_message_id=int(d.get("latest_message_id") or 0),
            num_messages=int(d.get("num_messages") or 0),
            url=str(d.get("url") or ""),
        )

    @property
    def where(self) -> str:
        return f"{self.group_name or self.group_id} / {self.bucket_name or self.bucket_id}"

    def differences(self, other: Ticket) -> list[tuple[str, str, str]]:
        """What a person would call a change, from self (as loaded) to other (as now): (what, before, after)."""
        out = []
        for label, attr in (
            ("subject", "subject"),
            ("status", "status"),
            ("owner", "owner_name"),
            ("group / bucket", "where"),
            ("importance", "importance"),
            ("messages", "num_messages"),
        ):
            before, after = getattr(self, attr), getattr(other, attr)
            if attr == "owner_name":
                before, after = (
                    before or ("nobody" if not self.owner_id else f"#{self.owner_id}"),
                    after or ("nobody" if not other.owner_id else f"#{other.owner_id}"),
                )
            if before != after:
                out.append((label, str(before), str(after)))
        return out


@dataclass(frozen=True)
class TicketPage:
    tickets: list[Ticket]
    total: int
    page: int
    limit: int


@dataclass(frozen=True)
class Message:
    id: int
    ticket_id: int
    sender: str
    sender_email: str
    created: int
    content: str
    is_outgoing: bool
    worker_id: int = 0

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Message:
        return cls(
            int(d["id"]),
            int(d.get("ticket_id") or 0),
            str(d.get("sender__label") or d.get("_label") or ""),
            str(d.get("sender_email") or ""),
            int(d.get("created") or 0),
            str(d.get("content") or ""),
            bool(int(d.get("is_outgoing") or 0)),
            int(d.get("worker_id") or 0),
        )


@dataclass(frozen=True)
class Comment:
    id: int
    ticket_id: int
    author: str
    created: int
    text: str

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Comment:
        return cls(
            int(d["id"]),
            int(d.get("target_id") or 0),
            str(d.get("author__label") or ""),
            int(d.get("created") or 0),
            str(d.get("comment") or ""),
        )


@dataclass(frozen=True)
class Conversation:
    """A ticket with its messages and comments, in time order."""

    ticket: Ticket
    entries: list[Message | Comment] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------------------------------------------------


class CerbClient(HttpServiceClient):
    def __init__(
        self,
        base_url: str,
        access_key: str = "",
        secret: str = "",
        *,
        token: str = "",
        exchange_log: ExchangeLog | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        **kwargs: Any,
    ):
        if not base_url.endswith("/"):
            base_url += "/"
        self.base_url = base_url
        self.access_key = access_key
        self.server_version = ""
        auth: httpx.Auth = BearerAuth(token) if token else CerbSignatureAuth(access_key, secret)
        self.http = HttpConnection(
            base_url,
            service=SERVICE,
            auth=auth,
            exchange_log=exchange_log,
            secrets=[secret, token],
            error_from_response=cerb_error,
            transport=transport,
            headers={"Accept": "application/json"},
            **kwargs,
        )
        self._me: Worker | None = None

    @classmethod
    def from_connection(cls, connection: Any, secret: str, *, exchange_log: ExchangeLog | None = None) -> CerbClient:
        if connection.options.get("auth") == "oauth":  # the profile holds an OAuth2 access token instead
            return cls(connection.url, connection.username, token=secret, exchange_log=exchange_log)
        return cls(connection.url, connection.username, secret, exchange_log=exchange_log)

    # -- plumbing -------------------------------------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        endpoint: str,
        *,
        params: Iterable[tuple[str, Any]] | None = None,
        data: Iterable[tuple[str, Any]] | None = None,
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {}
        if params:
            kwargs["params"] = [(k, str(v)) for k, v in params]
        if data is not None:
            # encoded here, not by httpx, so the signed body is exactly the body sent
            kwargs["content"] = httpx.QueryParams([(k, str(v)) for k, v in data]).__str__().encode()
            kwargs["headers"] = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        response = await self.http.request(method, f"{endpoint}.json", **kwargs)
        body = self.http.json(response)
        if not isinstance(body, dict):
            raise ProtocolError("Cerb sent a reply that is not a JSON object.", service=SERVICE)
        if body.get("__version"):
            self.server_version = str(body["__version"])
        return body

    @staticmethod
    def _results(body: dict[str, Any]) -> list[dict[str, Any]]:
        results = body.get("results")
        if isinstance(results, dict):  # older Cerb versions key results by id
            results = list(results.values())
        return [r for r in results or [] if isinstance(r, dict)]

    async def _search_all(self, uri: str, query: str, limit: int = 250, expand: str = "") -> list[dict[str, Any]]:
        """Every page of a record search (for the short lists: a conversation, groups, workers)."""
        out: list[dict[str, Any]] = []
        page = 1
        while True:
            params: list[tuple[str, Any]] = [("limit", limit), ("page", page), ("q", query)]
            if expand:
                params.insert(0, ("expand", expand))
            body = await self._call("GET", f"records/{uri}/search", params=params)
            results = self._results(body)
            out.extend(results)
            if not results or len(out) >= int(body.get("total") or 0) or len(results) < limit:
                return out
            page += 1

    # -- who ------------------------------------------------------------------------------------------------------------

    async def current_worker(self) -> Worker:
        self._me = Worker.from_dict(await self._call("GET", "workers/me"))
        return self._me

    async def me(self) -> Worker:
        return self._me or await self.current_worker()

    async def check(self) -> str:
        worker = await self.current_worker()
        version = f" on Cerb {self.server_version}" if self.server_version else ""
        return f"Signed in as {worker.name} ({worker.email}){version}"

    # -- tickets --------------------------------------------------------------------------------------------------------

    async def search_tickets(
        self,
        query: str = "",
        *,
        page: int = 1,
        limit: int = 50,
        sort: str = "updated",
        ascending: bool = False,
        expand: Iterable[str] = TICKET_EXPAND,
    ) -> TicketPage:
        """One page (1-based) of tickets matching Cerb's query language; `total` counts every match."""
        q = query.strip()
        if sort:  # the explicit sort goes last, so it wins over a sort: typed in the query
            q = f"{q} sort:{'' if ascending else '-'}{sort}".strip()
        body = await self._call(
            "GET",
            "records/ticket/search",
            params=[
                ("expand", ",".join(expand)),
                ("limit", limit),
                ("page", page),
                ("q", q),
            ],
        )
        tickets = [Ticket.from_dict(d) for d in self._results(body)]
        return TicketPage(
            tickets, int(body.get("total") or 0), int(body.get("page") or page), int(body.get("limit") or limit)
        )

    async def get_ticket(self, ticket_id: int, *, expand: Iterable[str] = TICKET_EXPAND) -> Ticket:
        body = await self._call("GET", f"records/ticket/{int(ticket_id)}", params=[("expand", ",".join(expand))])
        return Ticket.from_dict(body)

    async def update_ticket(
        self,
        ticket_id: int,
        *,
        status: str | None = None,
        owner_id: int | None = None,
        group_id: int | None = None,
        bucket_id: int | None = None,
        importance: int | None = None,
        subject: str | None = None,
        expected_updated: int | None = None,
        loaded: Ticket | None = None,
    ) -> Ticket:
        """Change a ticket. With `loaded` (the copy the person saw), first check nobody changed it on the server since;
        if they did, raise `TicketChanged` listing what changed instead of overwriting it."""
        if loaded is not None:
            current = await self.get_ticket(ticket_id)
            differences = loaded.differences(current)
            # `updated` has one-second resolution, so a change in the same second shows only in the fields
            if current.updated != (expected_updated or loaded.updated) or differences:
                raise TicketChanged(current, differences)
        fields: list[tuple[str, Any]] = []
        if status is not None:
            if status not in STATUS_LETTERS:
                raise BadRequestError(
                    f"'{status}' is not a ticket status (open, waiting, closed or deleted).", service=SERVICE
                )
            fields.append(("fields[status]", STATUS_LETTERS[status]))
        for name, value in (
            ("owner_id", owner_id),
            ("group_id", group_id),
            ("bucket_id", bucket_id),
            ("importance", importance),
            ("subject", subject),
        ):
            if value is not None:
                fields.append((f"fields[{name}]", value))
        fields.sort()
        body = await self._call(
            "PUT", f"records/ticket/{int(ticket_id)}", params=[("expand", ",".join(TICKET_EXPAND))], data=fields
        )
        return Ticket.from_dict(body)

    async def compose(
        self,
        *,
        group_id: int,
        to: str,
        subject: str,
        content: str,
        bucket_id: int | None = None,
        owner_id: int | None = None,
        status: str | None = None,
        markdown: bool = False,
    ) -> Ticket:
        data: list[tuple[str, Any]] = [("content", content), ("group_id", group_id), ("subject", subject), ("to", to)]
        if bucket_id is not None:
            data.append(("bucket_id", bucket_id))
        if owner_id is not None:
            data.append(("owner_id", owner_id))
        if status is not None:
            data.append(("status", STATUS_LETTERS.get(status, status)))
        if markdown:
            data.append(("content_format", "markdown"))
        body = await self._call("POST", "tickets/compose", params=[("expand", ",".join(TICKET_EXPAND))], data=data)
        return Ticket.from_dict(body)

    async def reply(
        self, ticket: Ticket | int, content: str, *, status: str | None = None, owner_id: int | None = None
    ) -> Ticket:
        """Reply to a ticket's latest message (pass the Ticket, or a message id)."""
        message_id = ticket.latest_message_id if isinstance(ticket, Ticket) else int(ticket)
        data: list[tuple[str, Any]] = [("content", content), ("message_id", message_id)]
        if status is not None:
            data.append(("status", STATUS_LETTERS.get(status, status)))
        if owner_id is not None:
            data.append(("owner_id", owner_id))
        body = await self._call("POST", "tickets/reply", params=[("expand", ",".join(TICKET_EXPAND))], data=data)
        return Ticket.from_dict(body)

    async def comment(self, ticket_id: int, text: str) -> int:
        """Add an internal comment; returns its id."""
        body = await self._call("POST", f"tickets/{int(ticket_id)}/comment", data=[("comment", text)])
        return int(body.get("comment_id") or 0)

    async def messages(self, ticket_id: int) -> list[Message]:
        # a real Cerb loads message bodies and sender names only when asked to expand them
        found = await self._search_all("message", f"ticket.id:{int(ticket_id)} sort:created", expand="content,sender_")
        return [Message.from_dict(d) for d in found]

    async def comments(self, ticket_id: int) -> list[Comment]:
        found = await self._search_all("comment", f"on.ticket:(id:{int(ticket_id)})", expand="author_")
        return [Comment.from_dict(d) for d in found]

    async def conversation(self, ticket_id: int) -> Conversation:
        """The ticket, its messages and its comments, fetched together and merged in time order."""
        ticket, messages, comments = await asyncio.gather(
            self.get_ticket(ticket_id), self.messages(ticket_id), self.comments(ticket_id)
        )
        entries: list[Message | Comment] = [*messages, *comments]
        entries.sort(key=lambda e: (e.created, 0 if isinstance(e, Message) else 1, e.id))
        return Conversation(ticket, entries)

    # -- the small records ----------------------------------------------------------------------------------------------

    async def groups(self) -> list[Group]:
        return [Group.from_dict(d) for d in await self._search_all("group", "sort:name")]

    async def buckets(self, group_id: int | None = None) -> list[Bucket]:
        query = f"group.id:{int(group_id)}" if group_id is not None else ""
        return [Bucket.from_dict(d) for d in await self._search_all("bucket", query)]

    async def workers(self) -> list[Worker]:
        return [Worker.from_dict(d) for d in await self._search_all("worker", "")]

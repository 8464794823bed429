"""An async client for Cerb's REST API: signed requests, readable errors, typed records.

No Textual here: use it from a script as well as from the app.

    async with CerbClient("https://cerb.example.com/rest/", "ACCESS_KEY", "SECRET") as cerb:
        page = await cerb.search_tickets("status:o group.id:2", limit=25)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tui.http import BadRequestError, ExchangeLog, HttpConnection, HttpServiceClient, expect, redact_text
from tui.services.cerb.errors import SERVICE, TicketChanged, cerb_error
from tui.services.cerb.models import (
    STATUS_IDS,
    STATUS_LETTERS,
    Attachment,
    Bucket,
    Comment,
    Conversation,
    Group,
    Message,
    Ticket,
    TicketPage,
    Worker,
)
from tui.services.cerb.query_check import UnknownFilter, unknown_filters
from tui.services.cerb.transfer import Progress, download_to, upload_fields
from tui.services.cerb.wire import (
    AttachmentRecord,
    BucketRecord,
    CommentAdded,
    CommentRecord,
    Envelope,
    GroupRecord,
    MessageRecord,
    SearchReply,
    TicketRecord,
    WorkerRecord,
)

if TYPE_CHECKING:
    import httpx  # imported by the connection with the first request (see tui.http.connection)

    from tui.profiles import Connection

TICKET_EXPAND = ("group_", "bucket_", "owner_", "org_")
# a message's body, its sender as `Name <email>`, and the worker who wrote it (outgoing mail is sent from the group's
# address): a real Cerb sends none of these unless asked
MESSAGE_EXPAND = "content,sender__label,worker__label"
WORKER_EXPAND = "address_"  # a worker's email: a real Cerb sends it only in the expanded address
Param = tuple[str, str | int]  # a query parameter or a form field, in the order sent
FULL_PAGE = 250  # records per request when every page of a search is read
MAX_PAGES = 40  # of a "get them all" search: 10,000 records, so a server that never says "last page" cannot loop us
Shape = TypeVar("Shape")


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

        def make_auth() -> httpx.Auth:  # with the connection's httpx client, on the first request
            from tui.services.cerb.auth import BearerAuth, CerbSignatureAuth

            return BearerAuth(token) if token else CerbSignatureAuth(access_key, secret)

        self.http = HttpConnection(
            base_url,
            service=SERVICE,
            make_auth=make_auth,
            exchange_log=exchange_log,
            secrets=[secret, token],
            error_from_response=cerb_error,
            transport=transport,
            headers={"Accept": "application/json"},
            **kwargs,
        )
        self._me: Worker | None = None

    @classmethod
    def from_connection(
        cls, connection: Connection, secret: str, *, exchange_log: ExchangeLog | None = None
    ) -> CerbClient:
        if connection.options.get("auth") == "oauth":  # the profile holds an OAuth2 access token instead
            return cls(connection.url, connection.username, token=secret, exchange_log=exchange_log)
        return cls(connection.url, connection.username, secret, exchange_log=exchange_log)

    # -- plumbing ------------------------------------------------------------------------------------------------------

    async def _call(
        self,
        method: str,
        endpoint: str,
        *,
        params: Iterable[Param] | None = None,
        data: Iterable[Param] | None = None,
    ) -> dict[str, Any]:
        """The reply of one request, checked to be a Cerb reply (a JSON object); Cerb's errors raised as such."""
        kwargs: dict[str, Any] = {}
        if params:
            kwargs["params"] = [(k, str(v)) for k, v in params]
        if data is not None:
            import httpx

            # encoded here, not by httpx, so the signed body is exactly the body sent
            kwargs["content"] = str(httpx.QueryParams([(k, str(v)) for k, v in data])).encode()
            kwargs["headers"] = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        response = await self.http.request(method, f"{endpoint}.json", **kwargs)
        body: dict[str, Any] = self.http.json(response)
        envelope = expect(body, Envelope, service=SERVICE, what=f"{method} {endpoint}")
        if envelope.version:
            self.server_version = str(envelope.version)
        return body

    async def _fetch(
        self,
        shape: type[Shape],
        method: str,
        endpoint: str,
        *,
        params: Iterable[Param] | None = None,
        data: Iterable[Param] | None = None,
    ) -> Shape:
        """The reply of one request as `shape` (see `wire.py`), or a `ProtocolError` saying what was wrong with it."""
        body = await self._call(method, endpoint, params=params, data=data)
        return expect(body, shape, service=SERVICE, what=f"{method} {endpoint}")

    async def _search_all(self, uri: str, shape: type[SearchReply[Shape]], query: str, expand: str = "") -> list[Shape]:
        """Every page of a record search (for the short lists: a conversation, groups, workers)."""
        out: list[Shape] = []
        limit = FULL_PAGE
        for page in range(1, MAX_PAGES + 1):
            params: list[Param] = [("limit", limit), ("page", page), ("q", query)]
            if expand:
                params.insert(0, ("expand", expand))
            reply = await self._fetch(shape, "GET", f"records/{uri}/search", params=params)
            results = reply.records
            out.extend(results)
            if not results or len(out) >= (reply.total or 0) or len(results) < limit:
                break
        return out

    # -- who -----------------------------------------------------------------------------------------------------------

    async def current_worker(self) -> Worker:
        self._me = Worker.from_record(
            await self._fetch(WorkerRecord, "GET", "workers/me", params=[("expand", WORKER_EXPAND)])
        )
        return self._me

    async def me(self) -> Worker:
        return self._me or await self.current_worker()

    async def check(self) -> str:
        worker = await self.current_worker()
        version = f" on Cerb {self.server_version}" if self.server_version else ""
        # names come from the server: one that echoes the secret back must not get it shown
        return redact_text(f"Signed in as {worker.name} ({worker.email}){version}", self.http.secrets)

    # -- tickets -------------------------------------------------------------------------------------------------------

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
        reply = await self._fetch(
            SearchReply[TicketRecord],
            "GET",
            "records/ticket/search",
            params=[
                ("expand", ",".join(expand)),
                ("limit", limit),
                ("page", page),
                ("q", q),
            ],
        )
        tickets = [Ticket.from_record(r) for r in reply.records]
        if not tickets and page == 1 and (unknown := unknown_filters(query)):
            raise UnknownFilter(unknown)  # Cerb itself matches nothing and says nothing
        return TicketPage(tickets, reply.total or 0, reply.page or page, reply.limit or limit)

    async def ticket_pages(
        self,
        query: str = "",
        *,
        limit: int = FULL_PAGE,
        sort: str = "updated",
        ascending: bool = False,
        expand: Iterable[str] = TICKET_EXPAND,
    ) -> AsyncIterator[TicketPage]:
        """Every page of a ticket search, in order, each asked for once the previous one is used (an export of
        100,000 tickets holds one page in memory). Stops at the last page the server's total names: Cerb answers a
        page past the last with the last one again."""
        previous: list[int] = []
        page = 1
        while True:
            found = await self.search_tickets(
                query, page=page, limit=limit, sort=sort, ascending=ascending, expand=expand
            )
            ids = [t.id for t in found.tickets]
            if not ids or ids == previous:  # a server that ignores `page` sends the same page over and over
                return
            yield found
            served = found.limit or limit
            if len(ids) < served or page * served >= found.total:
                return
            previous, page = ids, page + 1

    async def get_ticket(self, ticket_id: int, *, expand: Iterable[str] = TICKET_EXPAND) -> Ticket:
        record = await self._fetch(
            TicketRecord, "GET", f"records/ticket/{int(ticket_id)}", params=[("expand", ",".join(expand))]
        )
        return Ticket.from_record(record)

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
        reopen_at: int | None = None,
        spam_training: str | None = None,
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
        fields: list[Param] = []
        if status is not None:
            if status not in STATUS_LETTERS:
                raise BadRequestError(
                    f"'{status}' is not a ticket status (open, waiting, closed or deleted).", service=SERVICE
                )
            fields.append(("fields[status]", STATUS_LETTERS[status]))
        for name, value in (
            ("owner_id", owner_id),
            ("group_id", group_id),
            ("bucket_id", bucket_id or None),  # 0, "the group's inbox": Cerb moves a ticket there given the group alone
            ("importance", importance),
            ("subject", subject),
            ("reopen_date", reopen_at),  # Unix seconds; 0 = no reopen date
            ("spam_training", spam_training),  # "S" spam, "N" not spam
        ):
            if value is not None:
                fields.append((f"fields[{name}]", value))
        fields.sort()
        record = await self._fetch(
            TicketRecord,
            "PUT",
            f"records/ticket/{int(ticket_id)}",
            params=[("expand", ",".join(TICKET_EXPAND))],
            data=fields,
        )
        return Ticket.from_record(record)

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
        cc: str = "",
        bcc: str = "",
        file_ids: Iterable[int] = (),
        reopen_at: int | None = None,
    ) -> Ticket:
        data: list[Param] = [("content", content), ("group_id", group_id), ("subject", subject), ("to", to)]
        if bucket_id is not None:
            data.append(("bucket_id", bucket_id))
        if owner_id is not None:
            data.append(("owner_id", owner_id))
        data += mail_fields(status, cc, bcc, file_ids, reopen_at)
        if markdown:
            data.append(("content_format", "markdown"))
        record = await self._fetch(
            TicketRecord, "POST", "tickets/compose", params=[("expand", ",".join(TICKET_EXPAND))], data=data
        )
        return Ticket.from_record(record)

    async def reply(
        self,
        ticket: Ticket | int,
        content: str,
        *,
        status: str | None = None,
        owner_id: int | None = None,
        cc: str = "",
        bcc: str = "",
        file_ids: Iterable[int] = (),
        reopen_at: int | None = None,
    ) -> Ticket:
        """Reply to a ticket's latest message (pass the Ticket, or a message id). `status` is what the ticket becomes
        once the reply is sent; without it Cerb opens the ticket. `file_ids`: files uploaded with `upload`."""
        message_id = ticket.latest_message_id if isinstance(ticket, Ticket) else int(ticket)
        data: list[Param] = [("content", content), ("message_id", message_id)]
        data += mail_fields(status, cc, bcc, file_ids, reopen_at)
        if owner_id is not None:
            data.append(("owner_id", owner_id))
        record = await self._fetch(
            TicketRecord, "POST", "tickets/reply", params=[("expand", ",".join(TICKET_EXPAND))], data=data
        )
        return Ticket.from_record(record)

    async def comment(self, ticket_id: int, text: str) -> int:
        """Add an internal comment; returns its id."""
        added = await self._fetch(CommentAdded, "POST", f"tickets/{int(ticket_id)}/comment", data=[("comment", text)])
        return added.comment_id

    async def messages(self, ticket_id: int) -> list[Message]:
        # a real Cerb loads message bodies and sender names only when asked to expand them
        found = await self._search_all(
            "message", SearchReply[MessageRecord], f"ticket.id:{int(ticket_id)} sort:created", expand=MESSAGE_EXPAND
        )
        return [Message.from_record(r) for r in found]

    async def comments(self, ticket_id: int) -> list[Comment]:
        found = await self._search_all(
            "comment", SearchReply[CommentRecord], f"on.ticket:(id:{int(ticket_id)})", expand="author_"
        )
        return [Comment.from_record(r) for r in found]

    async def conversation(self, ticket_id: int) -> Conversation:
        """The ticket, its messages and its comments, fetched together and merged in time order."""
        ticket, messages, comments, any_files = await asyncio.gather(
            self.get_ticket(ticket_id),
            self.messages(ticket_id),
            self.comments(ticket_id),
            self._search_all("attachment", SearchReply[AttachmentRecord], f"on.message:(ticket.id:{int(ticket_id)})"),
        )
        files = await self.attachments([m.id for m in messages]) if any_files else {}
        entries: list[Message | Comment] = [*messages, *comments]
        entries.sort(key=lambda e: (e.created, 0 if isinstance(e, Message) else 1, e.id))
        return Conversation(ticket, entries, files)

    # -- files ---------------------------------------------------------------------------------------------------------

    async def attachments(self, message_ids: Iterable[int]) -> dict[int, list[Attachment]]:
        """The files attached to each of these messages: message id -> its files (Cerb's attachment records do not
        say which message they belong to, so each message is asked)."""
        ids = [int(m) for m in message_ids]
        found = await asyncio.gather(
            *(
                self._search_all("attachment", SearchReply[AttachmentRecord], f"on.message:(id:{m}) sort:id")
                for m in ids
            )
        )
        return {
            m: [Attachment.from_record(r) for r in records] for m, records in zip(ids, found, strict=True) if records
        }

    async def upload(self, path: Path) -> Attachment:
        """Upload a file, to attach it to a reply or a new ticket by its id (`file_ids`)."""
        record = await self._fetch(AttachmentRecord, "POST", "attachments/upload", data=upload_fields(path))
        return Attachment.from_record(record)

    async def download(self, attachment: Attachment, folder: Path, *, progress: Progress | None = None) -> Path:
        """Save a file into `folder` under a safe name (never outside it, never over another file); returns where."""
        return await download_to(
            self.http, f"attachments/{int(attachment.id)}/download.json", attachment, folder, progress
        )

    # -- the small records ---------------------------------------------------------------------------------------------

    async def groups(self) -> list[Group]:
        return [Group.from_record(r) for r in await self._search_all("group", SearchReply[GroupRecord], "sort:name")]

    async def buckets(self, group_id: int | None = None) -> list[Bucket]:
        query = f"group.id:{int(group_id)}" if group_id is not None else ""
        return [Bucket.from_record(r) for r in await self._search_all("bucket", SearchReply[BucketRecord], query)]

    async def workers(self) -> list[Worker]:
        found = await self._search_all("worker", SearchReply[WorkerRecord], "", expand=WORKER_EXPAND)
        return [Worker.from_record(r) for r in found]


def mail_fields(status: str | None, cc: str, bcc: str, file_ids: Iterable[int], reopen_at: int | None) -> list[Param]:
    """The options of a reply or a new ticket. Cerb reads `status` as a number (a letter would be read as 0: open)."""
    data: list[Param] = []
    if status is not None:
        if status not in STATUS_IDS:
            raise BadRequestError(f"'{status}' is not a ticket status (open, waiting or closed).", service=SERVICE)
        data.append(("status", STATUS_IDS[status]))
    if cc.strip():
        data.append(("cc", cc.strip()))
    if bcc.strip():
        data.append(("bcc", bcc.strip()))
    data += [("file_id[]", int(f)) for f in file_ids]
    if reopen_at:
        data.append(("reopen_at", int(reopen_at)))
    return data

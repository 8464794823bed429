"""Writing on tickets: what the reply, comment and new-ticket editors send, and what the ticket view says about drafts.

The editors (`dialogs.TicketEditor`) keep the text as a draft until a send succeeds; the senders here decide what a
send does, and may refuse with a `ServiceError` whose text the editor shows (the draft stays).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui.drafts import DraftStore
from tui.http import BadRequestError, ConflictError
from tui.services.cerb import render
from tui.services.cerb.client import CerbClient
from tui.services.cerb.dialogs import TicketEditor
from tui.services.cerb.models import Conversation, Group, Ticket
from tui.widgets.dialogs import Field

DRAFT_KINDS = (("reply", "r"), ("comment", "c"))  # what can be drafted on a ticket, and the key that continues it
REPLY_STATUSES = [("Waiting for the customer", "waiting"), ("Open", "open"), ("Closed", "closed")]
REPLY_STATUS = "waiting"  # what Cerb's own reply form sets unless the worker chose otherwise


def file_paths(text: str) -> list[Path]:
    """The files named in an "Attach" field: comma-separated paths, `~` for the home folder."""
    return [Path(p.strip()).expanduser() for p in text.split(",") if p.strip()]


def reply_fields(draft: dict[str, Any]) -> list[Field]:
    """A reply's options: the ticket's status once it is sent, copies, and files to attach."""
    return [
        Field(
            "status", "Then the ticket is", draft.get("status") or REPLY_STATUS, kind="select", choices=REPLY_STATUSES
        ),
        Field("cc", "Cc", str(draft.get("cc", "")), placeholder="colleague@example.com, …"),
        Field("bcc", "Bcc", str(draft.get("bcc", ""))),
        Field("attach", "Attach files", str(draft.get("attach", "")), placeholder="~/report.pdf, ~/screenshot.png"),
    ]


class ReplySender:
    """Sends a reply. A reply written without reading a message that arrived meanwhile is lost work of another kind:
    stop once, let the pane show the new message (`arrived`), and send on the second try."""

    def __init__(self, client: CerbClient, ticket: Ticket, arrived: Callable[[Ticket], None]):
        self._client = client
        self._ticket = ticket
        self._seen_messages = ticket.num_messages
        self._arrived = arrived

    async def __call__(self, values: dict[str, Any]) -> Ticket:
        current = await self._client.get_ticket(self._ticket.id)
        if current.num_messages > self._seen_messages:
            self._seen_messages = current.num_messages
            self._arrived(current)
            raise ConflictError(
                f"A new message arrived on [#{current.mask}] since you opened it.",
                hint="Read it in the conversation (it is reloaded), then press ctrl+s again to send anyway.",
            )
        # each file is uploaded first (a failure stops here, with the draft kept), then named by the reply
        file_ids = [(await self._client.upload(path)).id for path in file_paths(str(values.get("attach") or ""))]
        return await self._client.reply(
            current,
            values["body"],
            status=str(values.get("status") or REPLY_STATUS),
            cc=str(values.get("cc") or ""),
            bcc=str(values.get("bcc") or ""),
            file_ids=file_ids,
        )


class CommentSender:
    """Adds an internal comment; the result is the ticket commented on."""

    def __init__(self, client: CerbClient, ticket: Ticket):
        self._client = client
        self._ticket = ticket

    async def __call__(self, values: dict[str, Any]) -> Ticket:
        await self._client.comment(self._ticket.id, values["body"])
        return self._ticket


class NewTicketSender:
    """Creates a ticket from the composer's fields: to, subject, group, and the body as its first message."""

    def __init__(self, client: CerbClient):
        self._client = client

    async def __call__(self, values: dict[str, Any]) -> Ticket:
        missing = [
            label
            for name, label in (("to", "To"), ("subject", "Subject"), ("group_id", "Group"))
            if not str(values.get(name) or "").strip()
        ]
        if missing:
            raise BadRequestError(f"{' and '.join(missing)} cannot be empty.")
        return await self._client.compose(
            group_id=int(values["group_id"]),
            to=values["to"].strip(),
            subject=values["subject"].strip(),
            content=values["body"],
        )


def new_ticket_fields(draft: dict[str, Any], groups: list[Group]) -> list[Field]:
    """The composer's fields, filled from a draft; the group defaults to the first one."""
    return [
        Field("to", "To", str(draft.get("to", "")), placeholder="customer@example.com"),
        Field("subject", "Subject", str(draft.get("subject", ""))),
        Field(
            "group_id",
            "Group",
            draft.get("group_id") or (groups[0].id if groups else ""),  # a select's value: a group id
            kind="select",
            choices=[(g.name, g.id) for g in groups],
        ),
    ]


def draft_notes(drafts: DraftStore, key_of: Callable[[str], str]) -> list[str]:
    """One line per unsent reply or comment kept for a ticket (`key_of(what)` is its draft key)."""
    notes = []
    for what, key in DRAFT_KINDS:
        draft = drafts.load(key_of(what))
        if draft is not None:
            saved = render.relative_time(int(draft.saved_at))
            notes.append(f"An unsent {what} from {saved} is kept: press {key} to continue it.")
    return notes


def ticket_editor(
    what: str,
    ticket: Ticket,
    *,
    client: CerbClient,
    drafts: DraftStore,
    draft_key: str,
    conversation: Conversation | None,
    arrived: Callable[[Ticket], None],
) -> TicketEditor:
    """The editor of a reply (`what` = "reply") or an internal comment on `ticket`, continuing its draft if any."""
    draft = drafts.load(draft_key)
    reply = what == "reply"
    return TicketEditor(
        f"Reply to [#{ticket.mask}]" if reply else f"Internal comment on [#{ticket.mask}]",
        drafts=drafts,
        draft_key=draft_key,
        send=ReplySender(client, ticket, arrived) if reply else CommentSender(client, ticket),
        fields=reply_fields(draft.data if draft else {}) if reply else None,
        body=str(draft.data.get("body", "")) if draft else "",
        context=render.editor_context(ticket, conversation),
        send_label="Send reply" if reply else "Add comment",
        focus_body=True,
    )


def new_ticket_editor(client: CerbClient, drafts: DraftStore, draft_key: str, groups: list[Group]) -> TicketEditor:
    draft = drafts.load(draft_key)
    data = draft.data if draft else {}
    return TicketEditor(
        "New ticket",
        drafts=drafts,
        draft_key=draft_key,
        send=NewTicketSender(client),
        fields=new_ticket_fields(data, groups),
        body=str(data.get("body", "")),
        send_label="Create and send",
    )

"""The shape of Cerb's JSON replies, as msgspec Structs: what the client checks every reply against.

Only what the client reads is described; other keys are ignored. Cerb leaves out what a record does not have (and
some versions send `null` for it), so all but a record's `id` and a search's `results` is optional; numbers may come
as strings (PHP), which `expect` accepts. A reply of another shape (`null`, a list where a record belongs, a missing
id, a number too large for Cerb's 64-bit columns, a date before 1970 or after 9999) becomes a `ProtocolError` naming
the request.
`models.py` turns these into the typed records the pane uses.
"""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from msgspec import Meta, Struct, field

Int = Annotated[int, Meta(ge=-(2**63), le=2**63 - 1)]  # what Cerb's database can hold
Timestamp = Annotated[int, Meta(ge=0, le=253_402_300_799)]  # Unix seconds a date can be shown for (up to 9999)
Text = str | None  # missing, or null on some versions: the model reads it as ""


class Envelope(Struct):
    """What every Cerb reply is: a JSON object, perhaps naming the server's version."""

    version: str | int | float | None = field(default=None, name="__version")


class ErrorReply(Struct):
    """Cerb's error reply (HTTP 200 with `__status: error`, or 401/403)."""

    status: Text = field(default=None, name="__status")
    code: str | int | None = field(default=None, name="__error")
    message: Text = None


class WorkerRecord(Struct):
    id: Int
    first_name: Text = None
    last_name: Text = None
    email: Text = None
    address_address: Text = None  # where the email is when `expand=address_` (a real Cerb sends no `email`)
    title: Text = None


class GroupRecord(Struct):
    id: Int
    name: Text = None
    label: Text = field(default=None, name="_label")


class BucketRecord(Struct):
    id: Int
    group_id: Int | None = None
    name: Text = None
    label: Text = field(default=None, name="_label")
    is_default: bool | None = None  # 0/1, "0"/"1" or true/false


class TicketRecord(Struct):
    id: Int
    mask: Text = None
    subject: Text = None
    status: Text = None  # open, waiting, closed, deleted; older versions send only `status_id`
    status_id: Int | None = None
    importance: Int | None = None
    group_id: Int | None = None
    bucket_id: Int | None = None
    owner_id: Int | None = None
    org_id: Int | None = None
    created: Timestamp | None = None
    updated: Timestamp | None = None
    closed: Timestamp | None = None
    initial_message_id: Int | None = None
    latest_message_id: Int | None = None
    num_messages: Int | None = None
    url: Text = None
    reopen_date: Timestamp | None = None
    spam_training: Text = None
    # the related records' names, flattened in by `expand=group_,bucket_,owner_,org_`
    group_name: Text = None
    group_label: Text = field(default=None, name="group__label")
    bucket_name: Text = None
    bucket_label: Text = field(default=None, name="bucket__label")
    owner_label: Text = field(default=None, name="owner__label")
    org_name: Text = None
    org_label: Text = field(default=None, name="org__label")


class MessageRecord(Struct):
    id: Int
    ticket_id: Int | None = None
    sender_label: Text = field(default=None, name="sender__label")  # "Name <email>", or the email alone
    label: Text = field(default=None, name="_label")
    sender_email: Text = None
    worker_label: Text = field(default=None, name="worker__label")  # who wrote an outgoing message
    created: Timestamp | None = None
    content: Text = None
    is_outgoing: bool | None = None
    worker_id: Int | None = None


class CommentRecord(Struct):
    id: Int
    target_id: Int | None = None
    author_label: Text = field(default=None, name="author__label")
    created: Timestamp | None = None
    comment: Text = None


R = TypeVar("R")


class SearchReply(Struct, Generic[R]):
    """One page of a record search; older Cerb versions key `results` by id instead of listing them."""

    results: list[R] | dict[str, R]
    total: Int | None = None
    page: Int | None = None
    limit: Int | None = None

    @property
    def records(self) -> list[R]:
        return list(self.results.values()) if isinstance(self.results, dict) else self.results


class CommentAdded(Struct):
    comment_id: Int


class AttachmentRecord(Struct):
    id: Int
    name: Text = None
    mime_type: Text = None
    size: Int | None = None
    updated: Timestamp | None = None

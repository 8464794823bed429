"""Cerb's records as typed, immutable objects: what the client returns and the pane shows.

Each `from_record` reads a record whose shape the client already checked (`wire.py`), filling in what older servers
leave out (a missing label, a status given only as `status_id`), so nothing above the client ever handles a raw dict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tui.services.cerb.wire import (
    AttachmentRecord,
    BucketRecord,
    CommentRecord,
    GroupRecord,
    MessageRecord,
    TicketRecord,
    WorkerRecord,
)

STATUS_IDS = {"open": 0, "waiting": 1, "closed": 2, "deleted": 3}
STATUS_NAMES = {v: k for k, v in STATUS_IDS.items()}
STATUS_LETTERS = {"open": "o", "waiting": "w", "closed": "c", "deleted": "d"}
SPAM_TRAINING = {"S": "spam", "N": "not spam"}  # how Cerb marks a ticket trained as spam or not; "" untrained

_NAMED_ADDRESS = re.compile(r"^\s*(?P<name>.*?)\s*<(?P<email>[^<>]*)>\s*$")


def parse_address(label: str) -> tuple[str, str]:
    """`Ana Lima <ana@x.example>` -> ("Ana Lima", "ana@x.example"); `ana@x.example` -> ("", "ana@x.example")."""
    match = _NAMED_ADDRESS.match(label)
    if match:
        return match.group("name").strip().strip('"'), match.group("email").strip()
    label = label.strip()
    return ("", label) if "@" in label else (label, "")


Difference = tuple[str, str, str]  # (what, before, after), as a person would say it


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
    def from_record(cls, r: WorkerRecord) -> Worker:
        return cls(r.id, r.first_name or "", r.last_name or "", r.email or r.address_address or "", r.title or "")


@dataclass(frozen=True)
class Group:
    id: int
    name: str

    @classmethod
    def from_record(cls, r: GroupRecord) -> Group:
        return cls(r.id, r.name or r.label or "")


@dataclass(frozen=True)
class Bucket:
    id: int
    group_id: int
    name: str
    is_default: bool = False

    @classmethod
    def from_record(cls, r: BucketRecord) -> Bucket:
        return cls(r.id, r.group_id or 0, r.name or r.label or "", bool(r.is_default))


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
    reopen_at: int = 0  # when a waiting ticket opens again by itself (snoozed); 0 = never
    spam_training: str = ""  # "S" trained as spam, "N" as not spam, "" untrained

    @classmethod
    def from_record(cls, r: TicketRecord) -> Ticket:
        status = r.status if r.status is not None and r.status in STATUS_IDS else None
        if status is None:
            status = STATUS_NAMES.get(r.status_id or 0, "open")
        return cls(
            id=r.id,
            mask=r.mask or "",
            subject=r.subject or "",
            status=status,
            importance=r.importance or 0,
            group_id=r.group_id or 0,
            bucket_id=r.bucket_id or 0,
            owner_id=r.owner_id or 0,
            created=r.created or 0,
            updated=r.updated or 0,
            group_name=r.group_name or r.group_label or "",
            bucket_name=r.bucket_name or r.bucket_label or "",
            owner_name=r.owner_label or "",
            org_id=r.org_id or 0,
            org_name=r.org_name or r.org_label or "",
            closed=r.closed or 0,
            initial_message_id=r.initial_message_id or 0,
            latest_message_id=r.latest_message_id or 0,
            num_messages=r.num_messages or 0,
            url=r.url or "",
            reopen_at=r.reopen_date or 0,
            spam_training=r.spam_training or "",
        )

    @property
    def where(self) -> str:
        return f"{self.group_name or self.group_id} / {self.bucket_name or self.bucket_id}"

    @property
    def owner_or_nobody(self) -> str:
        """The owner as a person reads it in a list of changes: a name, `#7` when the name is not loaded, or nobody."""
        return self.owner_name or ("nobody" if not self.owner_id else f"#{self.owner_id}")

    def differences(self, other: Ticket) -> list[Difference]:
        """What a person would call a change, from self (as loaded) to other (as now): (what, before, after)."""
        compared: list[tuple[str, object, object]] = [
            ("subject", self.subject, other.subject),
            ("status", self.status, other.status),
            ("owner", self.owner_or_nobody, other.owner_or_nobody),
            ("group / bucket", self.where, other.where),
            ("importance", self.importance, other.importance),
            ("messages", self.num_messages, other.num_messages),
        ]
        return [(label, str(before), str(after)) for label, before, after in compared if before != after]


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
    def from_record(cls, r: MessageRecord) -> Message:
        """Cerb labels a sender `Name <email>` (or the bare email); an outgoing message is sent from the group's
        address, so it is named after the worker who wrote it."""
        name, email = parse_address(r.sender_label or r.label or "")
        if r.is_outgoing and r.worker_label:
            name = r.worker_label
        return cls(
            r.id,
            r.ticket_id or 0,
            name,
            r.sender_email or email,
            r.created or 0,
            r.content or "",
            bool(r.is_outgoing),
            r.worker_id or 0,
        )


@dataclass(frozen=True)
class Comment:
    id: int
    ticket_id: int
    author: str
    created: int
    text: str

    @classmethod
    def from_record(cls, r: CommentRecord) -> Comment:
        return cls(r.id, r.target_id or 0, r.author_label or "", r.created or 0, r.comment or "")


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message."""

    id: int
    name: str
    mime_type: str
    size: int

    @classmethod
    def from_record(cls, r: AttachmentRecord) -> Attachment:
        return cls(r.id, r.name or f"attachment-{r.id}", r.mime_type or "application/octet-stream", r.size or 0)


@dataclass(frozen=True)
class Conversation:
    """A ticket with its messages and comments, in time order."""

    ticket: Ticket
    entries: list[Message | Comment] = field(default_factory=list)
    attachments: dict[int, list[Attachment]] = field(default_factory=dict)  # message id -> its files

"""Cerb's records as typed, immutable objects: what the client returns and the pane shows.

Each `from_record` reads a record whose shape the client already checked (`wire.py`), filling in what older servers
leave out (a missing label, a status given only as `status_id`), so nothing above the client ever handles a raw dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.services.cerb.wire import BucketRecord, CommentRecord, GroupRecord, MessageRecord, TicketRecord, WorkerRecord

STATUS_IDS = {"open": 0, "waiting": 1, "closed": 2, "deleted": 3}
STATUS_NAMES = {v: k for k, v in STATUS_IDS.items()}
STATUS_LETTERS = {"open": "o", "waiting": "w", "closed": "c", "deleted": "d"}

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
        return cls(
            r.id,
            r.ticket_id or 0,
            r.sender_label or r.label or "",
            r.sender_email or "",
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
class Conversation:
    """A ticket with its messages and comments, in time order."""

    ticket: Ticket
    entries: list[Message | Comment] = field(default_factory=list)

"""Cerb's records as typed, immutable objects: what the client returns and the pane shows.

Each `from_dict` reads Cerb's record dictionary, tolerating what older servers leave out (a missing label, a status
given only as `status_id`), so nothing above the client ever handles a raw dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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

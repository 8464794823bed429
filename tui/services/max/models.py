"""MAX's objects as typed values: people, contexts, activities, comments, conversations and messages, plus which
stream a pane shows. Each is made `from_wire`, from a reply already checked against its shape in `wire.py`, so a
value here never holds a surprise: fields the server left out get a default, never a KeyError.

No Textual and no HTTP here: these are plain values.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tui.services.max.wire import (
    SERVICE,
    ActivityWire,
    CommentWire,
    ContextWire,
    ConversationWire,
    MessageWire,
    PersonWire,
    RepliesWire,
)

__all__ = ["SERVICE", "Activity", "Comment", "Context", "Conversation", "Message", "Person", "StreamView"]

HASHTAG_RE = re.compile(r"(?<![\w&])#(\w+)", re.UNICODE)


def parse_time(value: str | None) -> datetime | None:
    """An ISO time as an aware datetime (a time without a zone is UTC), or None for anything that is not one.

    Years at the ends of the calendar are refused: turning them into local time would overflow."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if not 1 < when.year < 9999:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Person:
    username: str
    display_name: str = ""

    @property
    def name(self) -> str:
        return self.display_name or self.username

    @classmethod
    def from_wire(cls, wire: PersonWire) -> Person:
        return cls(username=wire.username, display_name=wire.display_name or wire.username)


@dataclass(frozen=True)
class Context:
    url: str
    hash: str
    display_name: str = ""

    @property
    def name(self) -> str:
        return self.display_name or self.url

    @classmethod
    def from_wire(cls, wire: ContextWire) -> Context:
        url = wire.url
        return cls(
            url=url,
            hash=wire.hash or (context_hash(url) if url else ""),
            display_name=wire.display_name or url,
        )


@dataclass(frozen=True)
class Comment:
    id: str
    actor: Person
    content: str
    published: datetime | None
    activity_id: str = ""

    @classmethod
    def from_wire(cls, wire: CommentWire) -> Comment:
        # a comment comes either bare (in `replies`, GET comments) or as a verb:"comment" activity (POST comments)
        obj = wire.object
        content = obj.content if obj is not None else wire.content
        replied = (obj.in_reply_to if obj is not None else None) or wire.in_reply_to or []
        return cls(
            id=wire.id,
            actor=Person.from_wire(wire.actor),
            content=content or "",
            published=parse_time(wire.published),
            activity_id=(replied[0].id or "") if replied else "",
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
    favorites_count: int = 0
    favorited: bool = False
    deletable: bool = False
    generator: str | None = None
    created: bool = True  # for a post: False when MAX answered 200 (the same content was already posted)

    @classmethod
    def from_wire(cls, wire: ActivityWire) -> Activity:
        obj = wire.object
        replies = wire.replies.items if isinstance(wire.replies, RepliesWire) else wire.replies
        comments = [Comment.from_wire(c) for c in replies or ()]
        likes = [Person.from_wire(p) for p in wire.likes or ()]
        return cls(
            id=wire.id,
            actor=Person.from_wire(wire.actor),
            content=(obj.content if obj is not None else None) or "",
            published=parse_time(wire.published),
            verb=wire.verb or "post",
            object_type=(obj.object_type if obj is not None else None) or "note",
            contexts=[Context.from_wire(c) for c in wire.contexts or ()],
            comments=comments,
            comments_count=len(comments) if wire.comments_count is None else wire.comments_count,
            likes=likes,
            likes_count=len(likes) if wire.likes_count is None else wire.likes_count,
            liked=bool(wire.liked),
            favorites_count=wire.favorites_count or 0,
            favorited=bool(wire.favorited),
            deletable=bool(wire.deletable),
            generator=wire.generator,
        )

    @property
    def hashtags(self) -> list[str]:
        return hashtags(self.content)


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
    def from_wire(cls, wire: MessageWire) -> Message:
        obj = wire.object
        return cls(
            id=wire.id,
            actor=Person.from_wire(wire.actor),
            content=(obj.content if obj is not None else None) or "",
            published=parse_time(wire.published),
            conversation_id=(wire.contexts[0].id or "") if wire.contexts else "",
        )


@dataclass(frozen=True)
class Conversation:
    id: str
    display_name: str
    participants: tuple[Person, ...]
    messages: int = 0
    last_message: str = ""
    last_published: datetime | None = None
    unread: int | None = None  # None: the server does not count unread messages
    group: bool = False

    @property
    def name(self) -> str:
        return self.display_name or ", ".join(p.name for p in self.participants) or self.id

    def others(self, username: str) -> list[Person]:
        return [p for p in self.participants if p.username != username]

    @classmethod
    def from_wire(cls, wire: ConversationWire) -> Conversation:
        last = wire.last_message
        return cls(
            id=wire.id,
            display_name=wire.display_name or "",
            participants=tuple(Person.from_wire(p) for p in wire.participants or ()),
            messages=wire.messages or 0,
            last_message=(last.content if last is not None else None) or "",
            last_published=parse_time(last.published) if last is not None else None,
            unread=wire.unread_messages,
            group="group" in (wire.tags or ()),
        )


@dataclass(frozen=True)
class StreamView:
    """Which stream to read: my timeline, one person's activities, a context's stream, a hashtag or keywords on my
    timeline, or my favorites."""

    kind: str = "timeline"  # "timeline" | "user" | "context" | "hashtag" | "search" | "favorites"
    value: str = ""  # username, context hash, hashtag (without #), or the keywords searched for
    label: str = ""  # what to call it on screen (a display name, a context title)

    @property
    def title(self) -> str:
        if self.kind == "user":
            return f"Activities of {self.label or self.value}"
        if self.kind == "context":
            return f"Context: {self.label or self.value}"
        if self.kind == "hashtag":
            return f"#{self.value} on my timeline"
        if self.kind == "search":
            return f"“{self.value}” on my timeline"
        if self.kind == "favorites":
            return "My favorites"
        return "My timeline"

    @property
    def keywords(self) -> list[str]:
        """The words of a search, each sent as its own `keyword` (MAX matches every one)."""
        return self.value.split() if self.kind == "search" else []

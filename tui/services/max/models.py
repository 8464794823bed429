"""MAX's objects as typed values: people, contexts, activities, comments, conversations and messages, each read from
MAX's JSON leniently (a missing field gets a default, never a KeyError), plus which stream a pane shows.

No Textual and no HTTP here: these are plain values.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tui.http import ProtocolError

SERVICE = "MAX"
HASHTAG_RE = re.compile(r"(?<![\w&])#(\w+)", re.UNICODE)


def as_object(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one: MAX's optional sub-objects come and go between versions."""
    return value if isinstance(value, dict) else {}


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
        doc = as_object(doc)
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
        doc = as_object(doc)
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
        obj = doc["object"] if isinstance(doc.get("object"), dict) else doc
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
        obj = as_object(doc.get("object"))
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
        doc = as_object(doc)
        obj = as_object(doc.get("object"))
        contexts = doc.get("contexts") or [{}]
        return cls(
            id=str(doc.get("id") or ""),
            actor=Person.from_json(doc.get("actor")),
            content=str(obj.get("content") or ""),
            published=parse_time(doc.get("published")),
            conversation_id=str(as_object(contexts[0]).get("id") or ""),
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
        last = as_object(doc.get("lastMessage"))
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

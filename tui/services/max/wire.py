"""MAX's replies as they travel: msgspec Structs describing the JSON, checked by `expect` before anything reads them.

A reply that does not fit (a `null` where an activity belongs, a list instead of an object, an activity without an id,
a count that is not a whole number) becomes one `ProtocolError` naming the request and the place. What the client
cannot work without is required (ids, the actor's username); the rest may be missing or `null`, because MAX's optional
sub-objects come and go between versions. Unknown keys are ignored. `models.py` turns these into the typed values
the pane uses.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

import msgspec

from tui.http import expect

SERVICE = "MAX"

T = TypeVar("T")

Id = Annotated[str, msgspec.Meta(min_length=1)]
Count = Annotated[int, msgspec.Meta(ge=0, le=2**53)]  # a count past this is not a count (JSON's safe integers)


def checked(value: Any, shape: type[T], what: str) -> T:
    """`value` (decoded JSON) as `shape`, or a `ProtocolError` naming `what` was asked ("GET /people/alice")."""
    return expect(value, shape, service=SERVICE, what=what)


class Wire(msgspec.Struct, rename="camel", gc=False):
    """A JSON object of MAX's: snake_case here, camelCase on the wire."""


class PersonWire(Wire):
    username: Id
    display_name: str | None = None


class ContextWire(Wire):
    url: str
    hash: str | None = None
    display_name: str | None = None


class ObjectWire(Wire):
    """An activity's or a message's `object`: what was posted."""

    object_type: str | None = None
    content: str | None = None


class Reference(Wire):
    """`{"id": ..., "objectType": ...}`: an activity a comment replies to, the conversation a message is in."""

    id: str | None = None


class CommentObjectWire(ObjectWire):
    in_reply_to: list[Reference] | None = None


class CommentWire(Wire):
    """A comment comes bare (in `replies`, GET comments) or as a verb:"comment" activity (POST comments), where the
    text and the activity it replies to are in `object`."""

    id: Id
    actor: PersonWire
    content: str | None = None
    published: str | None = None
    in_reply_to: list[Reference] | None = None
    object: CommentObjectWire | None = None


class RepliesWire(Wire):
    """Some MAX versions wrap replies as {"items": [...], "totalItems": n}."""

    items: list[CommentWire] | None = None


class ActivityWire(Wire):
    id: Id
    actor: PersonWire
    object: ObjectWire | None = None
    published: str | None = None
    verb: str | None = None
    contexts: list[ContextWire] | None = None
    replies: list[CommentWire] | RepliesWire | None = None
    comments_count: Count | None = None
    likes: list[PersonWire] | None = None
    likes_count: Count | None = None
    liked: bool | None = None
    favorites_count: Count | None = None
    favorited: bool | None = None
    deletable: bool | None = None
    generator: str | None = None


class FavoriteObjectWire(Wire):
    """The `object` of the activity MAX answers a favorite or an unfavorite with: the activity's favorites now."""

    favorites_count: Count | None = None
    favorited: bool | None = None


class FavoriteWire(Wire):
    object: FavoriteObjectWire | None = None


class LastMessageWire(Wire):
    content: str | None = None
    published: str | None = None


class ConversationWire(Wire):
    id: Id
    display_name: str | None = None
    participants: list[PersonWire] | None = None
    messages: Count | None = None
    unread_messages: Count | None = None  # the sandbox counts them; None where a server does not
    last_message: LastMessageWire | None = None
    tags: list[str] | None = None


class MessageWire(Wire):
    id: Id
    actor: PersonWire
    object: ObjectWire | None = None
    published: str | None = None
    contexts: list[Reference] | None = None


class InfoWire(Wire):
    """`GET /info`: where the OAuth server is."""

    oauth_server: str | None = msgspec.field(default=None, name="max.oauth_server")


class TokenWire(Wire, rename=None):
    """The OAuth server's answer to the password grant (older servers say `oauth_token`)."""

    access_token: str | None = None
    oauth_token: str | None = None


class ErrorWire(Wire, rename=None):
    """`{"objectType": "error", "error": "<Name>", "error_description": "..."}`."""

    error: str | None = None
    error_description: str | None = None

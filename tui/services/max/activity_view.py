"""The activity reader: one activity in full (markdown rendered) with its likes and comments.

The reader loads what it shows through the client it is given. What changes things (comment, like, favorite, delete)
belongs to the pane that opened it, so the reader asks for it with a message to that pane; the pane answers by calling
`show_updated`, `reload` or `dismiss` on the reader. The reader never imports the pane.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.http import ServiceError
from tui.services.max.client import MaxClient
from tui.services.max.models import Activity, Comment
from tui.services.max.render import comment_renderable, likes_line, reader_body, reader_title
from tui.widgets.read_only import GuardsWrites


class ActivityScreen(GuardsWrites, Screen[None]):
    DEFAULT_CSS = """
    ActivityScreen { layout: vertical; }
    ActivityScreen #reader-title { background: $primary-background; padding: 0 1; height: 1; text-style: bold; }
    ActivityScreen #reader-body { height: 1fr; padding: 1 2; }
    ActivityScreen #reader-activity { margin-bottom: 1; }
    ActivityScreen #reader-likes { color: $text-muted; margin-bottom: 1; }
    ActivityScreen #reader-comments-title { text-style: bold; border-top: solid $accent; padding-top: 1; }
    ActivityScreen .comment { padding-left: 2; }
    """
    WRITE_ACTIONS = frozenset({"comment", "like", "favorite", "delete"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="max.reader-back"),
        Binding("c", "comment", "Comment", id="max.reader-comment"),
        Binding("l", "like", "Like/unlike", id="max.reader-like"),
        Binding("f", "favorite", "Favorite", id="max.reader-favorite"),
        Binding("d", "delete", "Delete", id="max.reader-delete"),
        Binding("r", "reload", "Refresh", id="max.reader-refresh"),
    ]

    class Request(Message):
        """The reader asks its pane to act on the activity; the pane answers by calling back the reader."""

        def __init__(self, reader: ActivityScreen, activity: Activity):
            super().__init__()
            self.reader = reader
            self.activity = activity

    class CommentRequested(Request):
        """Open the comment editor; once sent, `reload` the reader."""

    class LikeRequested(Request):
        """Like or unlike; then `show_updated` with the new state."""

    class FavoriteRequested(Request):
        """Mark or unmark as a favorite; then `show_updated` with the new state."""

    class DeleteRequested(Request):
        """Confirm and delete; then `dismiss` the reader."""

    class Loaded(Request):
        """The reader has a fresher copy of the activity: the stream may show it too."""

    def __init__(self, activity: Activity, *, client: MaxClient, pane: MessagePump):
        super().__init__()
        self.activity = activity
        self.client = client
        self.requests_to = pane  # where the reader's requests go; typed as a message pump so no import is needed
        self.comments: list[Comment] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="reader-title")
        with VerticalScroll(id="reader-body"):
            yield Static(id="reader-activity")
            yield Static(id="reader-likes")
            yield Static("Comments", id="reader-comments-title")
            yield Vertical(id="reader-comments")
        yield Footer()

    def on_mount(self) -> None:
        self.show_activity()
        self.query_one("#reader-body").focus()
        self.reload()

    def show_activity(self) -> None:
        self.query_one("#reader-title", Static).update(reader_title(self.activity))
        self.query_one("#reader-activity", Static).update(reader_body(self.activity))
        self.query_one("#reader-likes", Static).update(likes_line(self.activity))

    def show_updated(self, activity: Activity) -> None:
        self.activity = activity
        self.show_activity()

    async def show_comments(self) -> None:
        box = self.query_one("#reader-comments", Vertical)
        await box.remove_children()
        comments = self.comments or []
        self.query_one("#reader-comments-title", Static).update(f"Comments ({len(comments)})   c to add one")
        if not comments:
            await box.mount(Static(Text("No comments yet.", style=Style(dim=True)), classes="comment"))
            return
        await box.mount_all(Static(comment_renderable(c), classes="comment") for c in comments)

    @work(exclusive=True, group="max-reader")
    async def reload(self) -> None:
        """Fetch the activity and its comments again."""
        try:
            self.activity = await self.client.activity(self.activity.id)
            self.comments = await self.client.comments(self.activity.id)
        except ServiceError as exc:
            self.notify(f"Could not load the activity: {exc.readable}", severity="error", timeout=8)
            return
        self.show_activity()
        await self.show_comments()
        self.requests_to.post_message(self.Loaded(self, self.activity))

    def action_reload(self) -> None:
        self.reload()

    def action_close(self) -> None:
        self.dismiss()

    def action_comment(self) -> None:
        self.requests_to.post_message(self.CommentRequested(self, self.activity))

    def action_like(self) -> None:
        self.requests_to.post_message(self.LikeRequested(self, self.activity))

    def action_favorite(self) -> None:
        self.requests_to.post_message(self.FavoriteRequested(self, self.activity))

    def action_delete(self) -> None:
        self.requests_to.post_message(self.DeleteRequested(self, self.activity))

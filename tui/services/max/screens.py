"""The activity reader (an activity with its comments) and the editor for posts and comments.

The editor keeps what is typed as a draft on disk at every change, discards it only once the server accepted the
text, and stays open with the error when a send fails, so nothing typed is ever lost.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Group
from rich.markdown import Markdown
from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Select, Static, TextArea

from tui.drafts import DraftStore
from tui.http import ServiceError
from tui.services.max.client import Activity, Comment, Context
from tui.services.max.render import as_markdown, content_text, highlight_hashtags, relative_time

if TYPE_CHECKING:
    from tui.services.max.pane import ActivityPane

NO_CONTEXT = "__timeline__"


class ComposeScreen(ModalScreen[bool]):
    """Write a post or a comment. ctrl+s sends; Escape closes and keeps the draft."""

    DEFAULT_CSS = """
    ComposeScreen { align: center middle; }
    ComposeScreen > .composer { width: 80%; max-width: 110; height: auto; border: thick $accent; background: $surface; padding: 1 2; }
    ComposeScreen .title { text-style: bold; margin-bottom: 1; }
    ComposeScreen .note { color: $text-muted; }
    ComposeScreen TextArea { height: 10; }
    ComposeScreen #compose-error { color: $error; margin-top: 1; height: auto; }
    ComposeScreen .buttons { height: auto; margin-top: 1; align-horizontal: right; }
    ComposeScreen .buttons Button { margin-left: 1; width: auto; }
    ComposeScreen .buttons .note { width: 1fr; height: 3; content-align: left middle; }
    """
    BINDINGS = [
        Binding("escape", "close", "Close (keeps the draft)", id="max.compose-close"),
        Binding("ctrl+s", "send", "Send", priority=True, id="max.compose-send"),
    ]

    def __init__(
        self,
        title: str,
        *,
        drafts: DraftStore,
        draft_key: str,
        send: Callable[[str, str], Awaitable[None]],
        contexts: list[Context] | None = None,
        context: str = "",
        note: str = "",
    ):
        super().__init__()
        self.title_text = title
        self.drafts = drafts
        self.draft_key = draft_key
        self.send_text = send
        self.contexts = contexts
        self.initial_context = context
        self.note = note
        self.restored = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="composer"):
            yield Static(self.title_text, classes="title")
            if self.note:
                yield Static(self.note, classes="note")
            if self.contexts is not None:
                choices = [("My timeline (no context)", NO_CONTEXT)] + [(c.name, c.hash) for c in self.contexts]
                yield Select(choices, value=self.initial_context or NO_CONTEXT, allow_blank=False, id="compose-context")
            yield TextArea("", id="compose-text", soft_wrap=True)
            yield Static("", id="compose-error")
            with Horizontal(classes="buttons"):
                yield Static("Markdown and #hashtags welcome.  ", classes="note")
                yield Button("Close (esc)", id="compose-cancel")
                yield Button("Send (ctrl+s)", id="compose-send", variant="primary")

    def on_mount(self) -> None:
        area = self.query_one("#compose-text", TextArea)
        draft = self.drafts.load(self.draft_key)
        if draft and draft.data.get("text"):
            area.load_text(draft.data["text"])
            area.move_cursor(area.document.end)
            if self.contexts is not None and draft.data.get("context"):
                select = self.query_one("#compose-context", Select)
                if any(c.hash == draft.data["context"] for c in self.contexts):
                    select.value = draft.data["context"]
            self.restored = True
            saved = datetime.fromtimestamp(draft.saved_at).strftime("%H:%M")
            self.show_error(f"Restored your unsent draft from {saved}.", error=False)
        area.focus()

    @property
    def text(self) -> str:
        return self.query_one("#compose-text", TextArea).text

    @property
    def context_hash(self) -> str:
        if self.contexts is None:
            return ""
        value = self.query_one("#compose-context", Select).value
        return "" if value in (NO_CONTEXT, Select.BLANK) else str(value)

    def _save_draft(self) -> None:
        if self.text.strip():
            self.drafts.save(self.draft_key, {"text": self.text, "context": self.context_hash})
        else:
            self.drafts.discard(self.draft_key)

    @on(TextArea.Changed)
    def _text_changed(self) -> None:
        self._save_draft()

    @on(Select.Changed)
    def _context_changed(self) -> None:
        if self.is_mounted:
            self._save_draft()

    def show_error(self, text: str, error: bool = True) -> None:
        status = self.query_one("#compose-error", Static)
        status.update(Text(text, style=Style(color="red") if error else Style(dim=True)))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "compose-send":
            self.action_send()
        else:
            self.action_close()

    def action_close(self) -> None:
        self._save_draft()
        self.dismiss(False)

    def action_send(self) -> None:
        if not self.text.strip():
            self.show_error("Write something first.")
            return
        self._save_draft()
        self._send()

    @work(exclusive=True, group="max-send")
    async def _send(self) -> None:
        button = self.query_one("#compose-send", Button)
        button.disabled = True
        self.show_error("Sending…", error=False)
        try:
            await self.send_text(self.text.strip(), self.context_hash)
        except ServiceError as exc:
            self.show_error(f"Not sent: {exc.readable} Your text is kept as a draft.")
            return
        except Exception as exc:  # never a traceback: say what happened, keep the draft
            self.show_error(f"Not sent ({type(exc).__name__}: {exc}). Your text is kept as a draft.")
            return
        finally:
            button.disabled = False
        self.drafts.discard(self.draft_key)
        self.dismiss(True)


def comment_renderable(comment: Comment) -> Group:
    head = Text()
    head.append(comment.actor.name, Style(bold=True))
    head.append(f"  @{comment.actor.username} · {relative_time(comment.published)}", Style(dim=True))
    return Group(head, content_text(comment.content), Text(""))


class ActivityScreen(Screen):
    """One activity in full (markdown rendered) with its likes and comments."""

    DEFAULT_CSS = """
    ActivityScreen { layout: vertical; }
    ActivityScreen #reader-title { background: $primary-background; padding: 0 1; height: 1; text-style: bold; }
    ActivityScreen #reader-body { height: 1fr; padding: 1 2; }
    ActivityScreen #reader-activity { margin-bottom: 1; }
    ActivityScreen #reader-likes { color: $text-muted; margin-bottom: 1; }
    ActivityScreen #reader-comments-title { text-style: bold; border-top: solid $accent; padding-top: 1; }
    ActivityScreen .comment { padding-left: 2; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Back", id="max.reader-back"),
        Binding("c", "comment", "Comment", id="max.reader-comment"),
        Binding("l", "like", "Like/unlike", id="max.reader-like"),
        Binding("d", "delete", "Delete", id="max.reader-delete"),
        Binding("r", "refresh", "Refresh", id="max.reader-refresh"),
    ]

    def __init__(self, pane: ActivityPane, activity: Activity):
        super().__init__()
        self.pane = pane
        self.activity = activity
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
        self.action_refresh()

    def show_activity(self) -> None:
        a = self.activity
        title = Text()
        title.append(f"{a.actor.name} (@{a.actor.username})")
        title.append(f" · {relative_time(a.published)}")
        if a.published:
            title.append(f" · {a.published.astimezone().strftime('%Y-%m-%d %H:%M')}")
        if a.contexts:
            title.append(" · in " + ", ".join(c.name for c in a.contexts))
        self.query_one("#reader-title", Static).update(title)
        tags = Text("Hashtags: " + " ".join(f"#{t}" for t in a.hashtags), style=Style(dim=True))
        highlight_hashtags(tags)
        body = (
            Group(Markdown(as_markdown(a.content), hyperlinks=True), tags)
            if a.hashtags
            else Markdown(as_markdown(a.content))
        )
        self.query_one("#reader-activity", Static).update(body)
        likes = Text()
        likes.append(f"♥ {a.likes_count} ", Style(color="red", bold=True) if a.liked else None)
        names = ", ".join(p.name for p in a.likes[:8]) + (" and others" if len(a.likes) > 8 else "")
        likes.append(f"like{'s' if a.likes_count != 1 else ''}" + (f": {names}" if names else ""))
        if a.liked:
            likes.append("  (you like this; l to unlike)")
        self.query_one("#reader-likes", Static).update(likes)

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
    async def action_refresh(self) -> None:
        client = self.pane.client
        try:
            self.activity = await client.activity(self.activity.id)
            self.comments = await client.comments(self.activity.id)
        except ServiceError as exc:
            self.notify(f"Could not load the activity: {exc.readable}", severity="error", timeout=8)
            return
        self.show_activity()
        await self.show_comments()
        self.pane.stream.update_activity(self.activity)

    def action_close(self) -> None:
        self.dismiss()

    def action_comment(self) -> None:
        self.pane.compose_comment(self.activity, on_sent=lambda: self.action_refresh())

    def action_like(self) -> None:
        self.pane.toggle_like(self.activity, on_done=self._liked)

    def _liked(self, activity: Activity) -> None:
        self.activity = activity
        self.show_activity()

    def action_delete(self) -> None:
        self.pane.confirm_delete(self.activity, on_deleted=self.dismiss)

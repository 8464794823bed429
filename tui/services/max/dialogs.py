"""The Activity pane's dialogs: the post and comment editor, the prompts that choose a stream, the delete question.

The editor keeps what is typed as a draft on disk at every change, discards it only once the server accepted the
text, and stays open with the error when a send fails, so nothing typed is ever lost. It sends through the client
call it is given and dismisses with what the server answered; the pane shows the result.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Select, Static, TextArea

from tui.drafts import DraftStore
from tui.http import ServiceError, one_line
from tui.services.max.client import MaxClient
from tui.services.max.models import Activity, Comment, Context, StreamView
from tui.services.max.render import as_markdown
from tui.widgets.dialogs import ConfirmDialog, Field, FormDialog

NO_CONTEXT = "__timeline__"
SentT = TypeVar("SentT")


class ComposeScreen(ModalScreen[SentT | None], Generic[SentT]):
    """Write a post or a comment. ctrl+s sends with `send(text, context hash)` and dismisses with what it returned;
    Escape closes (dismisses with None) and keeps the draft."""

    DEFAULT_CSS = """
    ComposeScreen { align: center middle; }
    ComposeScreen > .composer {
        width: 80%; max-width: 110; height: auto; border: thick $accent; background: $surface; padding: 1 2;
    }
    ComposeScreen .title { text-style: bold; margin-bottom: 1; }
    ComposeScreen .note { color: $text-muted; }
    ComposeScreen TextArea { height: 10; }
    ComposeScreen #compose-error { color: $error; margin-top: 1; height: auto; }
    ComposeScreen .buttons { height: auto; margin-top: 1; align-horizontal: right; }
    ComposeScreen .buttons Button { margin-left: 1; width: auto; }
    ComposeScreen .buttons .note { width: 1fr; height: 3; content-align: left middle; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close (keeps the draft)", id="max.compose-close"),
        Binding("ctrl+s", "send", "Send", priority=True, id="max.compose-send"),
    ]

    def __init__(
        self,
        title: str,
        *,
        drafts: DraftStore,
        draft_key: str,
        send: Callable[[str, str], Awaitable[SentT]],
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
        return "" if value in (NO_CONTEXT, Select.NULL) else str(value)

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
        self.dismiss(None)

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
            sent = await self.send_text(self.text.strip(), self.context_hash)
        except ServiceError as exc:
            self.show_error(f"Not sent: {exc.readable} Your text is kept as a draft.")
            return
        except Exception as exc:  # a bug, not the server: never a traceback nor a class name, and the draft stays
            self.log.error("sending failed", repr(exc))  # for the developer console only
            self.show_error("Not sent: something unexpected went wrong. Your text is kept as a draft.")
            return
        finally:
            button.disabled = False
        self.drafts.discard(self.draft_key)
        self.dismiss(sent)


ViewPrompt = tuple[FormDialog, Callable[[dict[str, Any] | None], StreamView | None]]


def person_prompt(current: Activity | None) -> ViewPrompt:
    """Ask whose activities to show, suggesting the highlighted activity's author."""

    def to_view(values: dict[str, Any] | None) -> StreamView | None:
        username = str((values or {}).get("username", "")).strip().lstrip("@").lower()
        if not username:
            return None
        label = current.actor.name if current and current.actor.username == username else username
        return StreamView("user", username, label)

    suggestion = current.actor.username if current else ""
    dialog = FormDialog(
        "One person's activities", [Field("username", "Username", suggestion, placeholder="alice")], submit="Show"
    )
    return dialog, to_view


def hashtag_prompt(current: Activity | None) -> ViewPrompt:
    """Ask which hashtag to filter my timeline by, suggesting the highlighted activity's first one."""

    def to_view(values: dict[str, Any] | None) -> StreamView | None:
        tag = str((values or {}).get("hashtag", "")).strip().lstrip("#").lower()
        return StreamView("hashtag", tag) if tag else None

    suggestion = current.hashtags[0] if current and current.hashtags else ""
    dialog = FormDialog(
        "Filter my timeline by a hashtag",
        [Field("hashtag", "Hashtag", suggestion, placeholder="release")],
        submit="Filter",
    )
    return dialog, to_view


def search_prompt(current: StreamView) -> ViewPrompt:
    """Ask which words to search my timeline for (every word must be in an activity), suggesting the last search."""

    def to_view(values: dict[str, Any] | None) -> StreamView | None:
        words = " ".join(str((values or {}).get("keywords", "")).split())
        return StreamView("search", words) if words else None

    dialog = FormDialog(
        "Search my timeline",
        [Field("keywords", "Words", current.value if current.kind == "search" else "", placeholder="staging cluster")],
        submit="Search",
        note="Activities that hold every word.",
    )
    return dialog, to_view


def new_conversation_form(participants: str = "", title: str = "", message: str = "") -> FormDialog:
    """Who to write to, an optional title, and the first message: a conversation starts with its first message."""
    return FormDialog(
        "New conversation",
        [
            Field("participants", "With (usernames, separated by commas or spaces)", participants, placeholder="alice"),
            Field("title", "Title (optional; a conversation with one person is called by their name)", title),
            Field("message", "Message", message, kind="multiline"),
        ],
        submit="Send",
    )


def usernames(text: str) -> list[str]:
    """`"@alice, bob  carla"` -> ["alice", "bob", "carla"]: what a person types into "With"."""
    seen: list[str] = []
    for name in text.replace(",", " ").split():
        name = name.strip().lstrip("@").lower()
        if name and name not in seen:
            seen.append(name)
    return seen


def subscribe_form() -> FormDialog:
    return FormDialog(
        "Follow a context",
        [Field("url", "The context's address", placeholder="http://intranet.example.com/communities/design")],
        submit="Follow",
        note="Its activities join your timeline.",
    )


def context_prompt(contexts: list[Context], suggestion: str) -> ViewPrompt:
    """Ask which of these contexts' stream to show."""
    names = {c.hash: c.name for c in contexts}

    def to_view(values: dict[str, Any] | None) -> StreamView | None:
        value = str((values or {}).get("context") or "")
        return StreamView("context", value, names.get(value, value)) if value else None

    choices = [(c.name, c.hash) for c in contexts]
    dialog = FormDialog(
        "A context's stream", [Field("context", "Context", suggestion, kind="select", choices=choices)], submit="Show"
    )
    return dialog, to_view


def post_composer(
    client: MaxClient, drafts: DraftStore, draft_key: str, contexts: list[Context], context: str
) -> ComposeScreen[Activity]:
    return ComposeScreen(
        "New post",
        drafts=drafts,
        draft_key=draft_key,
        send=lambda text, context_hash: client.post(text, context=context_hash),
        contexts=contexts,
        context=context,
    )


def comment_composer(
    client: MaxClient, drafts: DraftStore, draft_key: str, activity: Activity
) -> ComposeScreen[Comment]:
    return ComposeScreen(
        f"Comment on {activity.actor.name}'s post",
        drafts=drafts,
        draft_key=draft_key,
        send=lambda text, _context: client.comment(activity.id, text),
        note=one_line(as_markdown(activity.content), 80),
    )


def delete_confirmation(activity: Activity) -> ConfirmDialog:
    preview = one_line(as_markdown(activity.content), 60)
    return ConfirmDialog(f"Delete your post “{preview}”? This cannot be undone.", confirm="Delete", danger=True)

"""Private conversations: the list (unread counts first in each row, the newest conversation on top), one
conversation with its messages and a line to write the next one, and starting a conversation with people.

What is typed into a conversation is a draft on disk at every key until the server accepted it, like posts and
comments; a send that fails leaves the text where it was, with the reason. An open conversation checks for new
messages every few seconds; the list is read again whenever a conversation is closed (its unread count is gone).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.drafts import DraftStore
from tui.http import ServiceError
from tui.services.max.client import MaxClient
from tui.services.max.dialogs import new_conversation_form, usernames
from tui.services.max.models import Conversation, Message
from tui.services.max.render import conversation_row, message_renderable
from tui.widgets.key_footer import KeyFooter
from tui.widgets.read_only import GuardsWrites

SCREEN_CSS = """
{name} {{ layout: vertical; }}
{name} .screen-title {{ background: $primary-background; padding: 0 1; height: 1; text-style: bold; }}
{name} .screen-note {{ color: $text-muted; padding: 0 1; height: auto; }}
"""


class ConversationScreen(Screen[None]):
    DEFAULT_CSS = (
        SCREEN_CSS.format(name="ConversationScreen")
        + """
    ConversationScreen #messages { height: 1fr; padding: 0 2; }
    ConversationScreen #message-input { margin: 0 1; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back (keeps the draft)", id="max.conversation-back"),
        Binding("ctrl+r", "reload", "Refresh", id="max.conversation-refresh"),
    ]
    poll_interval = 5.0  # seconds between checks for new messages

    def __init__(self, conversation: Conversation, *, client: MaxClient, drafts: DraftStore, draft_key: str):
        super().__init__()
        self.conversation = conversation
        self.client = client
        self.drafts = drafts
        self.draft_key = draft_key
        self.messages: list[Message] | None = None  # oldest first, once loaded

    def compose(self) -> ComposeResult:
        others = ", ".join(p.name for p in self.conversation.others(self.client.username))
        title = self.conversation.name + (f" · with {others}" if others and others != self.conversation.name else "")
        yield Static(Text(title), classes="screen-title")
        yield VerticalScroll(id="messages")
        yield Static("", classes="screen-note", id="conversation-status")
        draft = self.drafts.load(self.draft_key)
        text = str(draft.data.get("text", "")) if draft else ""
        yield Input(text, placeholder="Write a message; enter sends it", id="message-input", select_on_focus=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self.reload()
        self.set_interval(self.poll_interval, self.reload)

    @property
    def draft_text(self) -> str:
        return self.query_one(Input).value

    def _status(self, text: str, error: bool = False) -> None:
        self.query_one("#conversation-status", Static).update(Text(text, style="red" if error else ""))

    @work(exclusive=True, group="max-conversation")
    async def reload(self) -> None:
        try:
            newest_first = await self.client.messages(self.conversation.id)
        except ServiceError as exc:
            self._status(f"Could not load the messages: {exc.readable}", error=True)
            return
        fresh = list(reversed(newest_first))
        if self.messages is not None and [m.id for m in fresh] == [m.id for m in self.messages]:
            return  # nothing new: leave the screen (and where the reader scrolled) alone
        self.messages = fresh
        await self.show_messages()

    async def show_messages(self) -> None:
        box = self.query_one("#messages", VerticalScroll)
        await box.remove_children()
        me = self.client.username
        if not self.messages:
            await box.mount(Static("No messages yet."))
        else:
            await box.mount_all(Static(message_renderable(m, m.actor.username == me)) for m in self.messages)
        box.scroll_end(animate=False)

    def action_reload(self) -> None:
        self.reload()

    def action_close(self) -> None:
        self.dismiss()

    @on(Input.Changed, "#message-input")
    def _keep_draft(self, event: Input.Changed) -> None:
        if event.value.strip():
            self.drafts.save(self.draft_key, {"text": event.value})
        else:
            self.drafts.discard(self.draft_key)

    @on(Input.Submitted, "#message-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.send(event.value.strip())

    @work(exclusive=True, group="max-conversation-send")
    async def send(self, text: str) -> None:
        self._status("Sending…")
        try:
            sent = await self.client.send_message(self.conversation.id, text)
        except ServiceError as exc:
            self._status(f"Not sent: {exc.readable} Your text is kept as a draft.", error=True)
            return
        self.drafts.discard(self.draft_key)
        field = self.query_one(Input)
        if field.value.strip() == text:
            field.value = ""
        self._status("")
        self.messages = [*(self.messages or []), sent]
        await self.show_messages()


class ConversationsScreen(GuardsWrites, Screen[None]):
    DEFAULT_CSS = (
        SCREEN_CSS.format(name="ConversationsScreen")
        + """
    ConversationsScreen OptionList, ConversationsScreen OptionList:focus { height: 1fr; border: none; }
    """
    )
    WRITE_ACTIONS = frozenset({"new"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Back", id="max.conversations-back"),
        Binding("n", "new", "New conversation", id="max.conversations-new", tooltip="Write to one or more people"),
        Binding("r", "reload", "Refresh", id="max.conversations-refresh"),
    ]

    def __init__(self, *, client: MaxClient, drafts: DraftStore, draft_key: Callable[[str], str]):
        super().__init__()
        self.client = client
        self.drafts = drafts
        self.draft_key = draft_key  # a conversation id -> the key of its draft
        self.conversations: list[Conversation] | None = None

    def compose(self) -> ComposeResult:
        yield Static("Conversations", classes="screen-title")
        yield Static("Loading…", classes="screen-note", id="conversations-note")
        yield OptionList(id="conversations-list")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.reload()

    def on_screen_resume(self) -> None:
        if self.conversations is not None:
            self.reload()  # back from a conversation: its unread count is gone, maybe a new message came

    def _note(self, text: str) -> None:
        self.query_one("#conversations-note", Static).update(Text(text))

    @work(exclusive=True, group="max-conversations")
    async def reload(self) -> None:
        try:
            conversations = await self.client.conversations_list()
        except ServiceError as exc:
            self._note(f"Could not list your conversations: {exc.readable}")
            return
        options = self.query_one(OptionList)
        keep = options.highlighted
        self.conversations = conversations
        options.clear_options()
        options.add_options([Option(conversation_row(c), id=c.id) for c in conversations])
        if conversations:
            options.highlighted = min(keep or 0, len(conversations) - 1)
        unread = sum(c.unread or 0 for c in conversations)
        if not conversations:
            self._note("No conversations yet. Press n to write to someone.")
        else:
            counted = f"{unread} unread · " if unread else ""
            self._note(f"{counted}enter opens a conversation · n starts a new one")

    def action_reload(self) -> None:
        self.reload()

    def action_close(self) -> None:
        self.dismiss()

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = next((c for c in self.conversations or [] if c.id == event.option.id), None)
        if chosen is not None:
            self.open(chosen)

    def open(self, conversation: Conversation) -> None:
        screen = ConversationScreen(
            conversation, client=self.client, drafts=self.drafts, draft_key=self.draft_key(conversation.id)
        )
        self.app.push_screen(screen)

    def action_new(self) -> None:
        self.ask_new()

    def ask_new(self, values: dict[str, Any] | None = None) -> None:
        form = new_conversation_form(**(values or {}))

        def answered(answer: dict[str, Any] | None) -> None:
            if answer is not None:
                self.start(answer)

        self.app.push_screen(form, answered)

    @work(exclusive=True, group="max-conversations-start")
    async def start(self, values: dict[str, Any]) -> None:
        people = usernames(str(values.get("participants") or ""))
        text = str(values.get("message") or "").strip()
        title = str(values.get("title") or "").strip()
        problem = "Name at least one person to write to." if not people else "" if text else "Write a message first."
        if not problem:
            try:
                message = await self.client.start_conversation(people, text, title)
            except ServiceError as exc:
                problem = f"Not sent: {exc.readable}"
        if problem:  # back to the form with everything typed, and the reason
            self.notify(problem, severity="error", markup=False)
            self.ask_new({"participants": " ".join(people), "title": title, "message": text})
            return
        await self.reload().wait()
        opened = next((c for c in self.conversations or [] if c.id == message.conversation_id), None)
        self.open(opened or Conversation(message.conversation_id, title or ", ".join(people), ()))

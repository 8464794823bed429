"""The ticket view: the ticket's properties, a note about unsent drafts, and the conversation (messages and comments).

It only shows what the pane hands it; loading and changing tickets is the pane's work.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from tui.services.cerb import render
from tui.services.cerb.models import Conversation, Ticket


class ConversationView(Vertical):
    DEFAULT_CSS = """
    ConversationView { height: 1fr; }
    ConversationView #cerb-props { height: auto; padding: 0 1; border-bottom: solid $panel-lighten-2; }
    ConversationView #cerb-draft-note { height: auto; padding: 0 1; background: $warning 20%; display: none; }
    ConversationView #cerb-draft-note.shown { display: block; }
    ConversationView #cerb-conversation { height: 1fr; padding: 0 1; }
    ConversationView #cerb-progress { height: auto; padding: 0 1; color: $text-muted; display: none; }
    ConversationView #cerb-progress.shown { display: block; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="cerb-props")
        yield Static("", id="cerb-draft-note")
        with VerticalScroll(id="cerb-conversation"):
            yield Static("", id="cerb-conversation-body")
        yield Static("", id="cerb-progress")

    def show_ticket(self, ticket: Ticket) -> None:
        self.query_one("#cerb-props", Static).update(render.properties(ticket))

    def show_loading(self) -> None:
        self.query_one("#cerb-conversation-body", Static).update(Text("Loading the conversation…", style="dim"))

    def show_conversation(self, conversation: Conversation) -> None:
        self.query_one("#cerb-conversation-body", Static).update(render.conversation(conversation))

    def show_failure(self, text: str) -> None:
        self.query_one("#cerb-conversation-body", Static).update(Text(text, style="red"))

    def show_draft_notes(self, notes: list[str]) -> None:
        note = self.query_one("#cerb-draft-note", Static)
        note.update("\n".join(notes))
        note.set_class(bool(notes), "shown")

    def show_progress(self, text: str) -> None:
        """A download's progress under the conversation; empty hides it."""
        line = self.query_one("#cerb-progress", Static)
        line.update(Text(text))
        line.set_class(bool(text), "shown")

    def focus_conversation(self) -> None:
        self.query_one("#cerb-conversation").focus()

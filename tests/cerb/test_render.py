"""How a ticket's conversation is shown to the person writing on it."""

from __future__ import annotations

from tui.services.cerb import render
from tui.services.cerb.models import Comment, Conversation, Message, Ticket


def test_the_editor_quotes_the_last_message_not_a_later_comment():
    ticket = Ticket(7, "ABC-1", "Refund", "open", 50, 1, 1, 0, 0, 10)
    message = Message(1, 7, "Dana Customer", "dana@example.com", 5, "Please refund me.", False)
    comment = Comment(2, 7, "Jamie Torres", 6, "Checking with billing.")
    shown = render.editor_context(ticket, Conversation(ticket, [message, comment])).plain
    assert "Dana Customer wrote:" in shown and "Please refund me." in shown
    assert "billing" not in shown
    other = Ticket(8, "ABC-2", "Other", "open", 50, 1, 1, 0, 0, 10)
    assert "wrote" not in render.editor_context(other, Conversation(ticket, [message])).plain

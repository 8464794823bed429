"""How a ticket's conversation is shown to the person writing on it, and how its times read."""

from __future__ import annotations

import io
from datetime import datetime

from rich.console import Console

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


NOW = 1_788_000_000  # 2026-08-29, a fixed "now" for the times below


def test_a_date_is_printed_once():
    long_ago = NOW - 90 * 86400
    day = datetime.fromtimestamp(long_ago).strftime("%Y-%m-%d")
    shown = render.when(long_ago, now=NOW)
    assert shown == datetime.fromtimestamp(long_ago).strftime("%Y-%m-%d %H:%M")
    assert shown.count(day) == 1
    far_ahead = NOW + 90 * 86400
    assert render.when(far_ahead, now=NOW).count(datetime.fromtimestamp(far_ahead).strftime("%Y-%m-%d")) == 1


def test_recent_and_coming_moments_say_how_far_they_are():
    assert render.when(NOW - 2 * 86400, now=NOW).endswith("(2d ago)")
    assert render.when(NOW - 300, now=NOW).endswith("(5m ago)")
    assert render.when(NOW - 10, now=NOW).endswith("(just now)")
    # a snoozed ticket opens again in the future: not "just now"
    assert render.when(NOW + 3 * 86400 + 60, now=NOW).endswith("(in 3d)")
    assert render.relative_time(NOW + 4 * 3600, now=NOW) == "in 4h"
    assert render.relative_time(NOW - 3 * 3600, now=NOW) == "3h ago"


def test_a_ticket_updated_long_ago_shows_its_date_once():
    ticket = Ticket(7, "ABC-1", "Refund", "open", 50, 1, 1, 0, 1_700_000_000, 1_700_000_000)
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(render.properties(ticket))
    day = datetime.fromtimestamp(1_700_000_000).strftime("%Y-%m-%d")
    assert console.export_text().count(day) == 2  # created and updated: once each

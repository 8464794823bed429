"""Screenshot scenes of the Tickets pane: the table with filters, a conversation, the reply editor and its options,
a conflict, snoozing, and a bulk change of selected tickets; the table and the keys list (`?`) at 80x24 too."""

from __future__ import annotations

from tests.conftest import wait_for


def _pane(pilot):
    from tui.services.cerb.pane import TicketsPane

    return pilot.app.query_one(TicketsPane)


async def _table(pilot):
    pane = _pane(pilot)
    await wait_for(pilot, lambda: pane.table.total > 0 and pane.table.current() is not None, timeout=20)
    return pane


async def _open_a_conversation(pilot):
    """A ticket with a full conversation (three messages) is the nicest thing to show."""
    pane = await _table(pilot)
    pane.action_filter("all")
    pane.search_text = "messages.count:3"
    pane.run_query()
    await wait_for(pilot, lambda: pane.search_text and pane.table.current() is not None, timeout=20)
    await pilot.press("enter")
    await wait_for(pilot, lambda: pane.conversation is not None, timeout=20)
    return pane


async def tickets(pilot) -> None:
    await _table(pilot)
    await pilot.press("down", "down", "down")
    await pilot.pause(0.2)


async def tickets_conversation(pilot) -> None:
    await _open_a_conversation(pilot)
    await pilot.pause(0.2)


async def tickets_reply(pilot) -> None:
    from textual.widgets import TextArea

    from tui.services.cerb.dialogs import TicketEditor

    await _open_a_conversation(pilot)
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, TicketEditor))
    body = pilot.app.screen.query_one("#editor-body", TextArea)
    body.insert(
        "Hi,\n\nThanks for the details. I've checked the account and the fix is live now; "
        "could you try again and tell us how it goes?\n\nBest,\nJamie"
    )
    await pilot.pause(0.5)  # the draft is saved while typing


async def tickets_conflict(pilot) -> None:
    from tui.services.cerb.client import CerbClient
    from tui.services.cerb.dialogs import ConflictDialog

    pane = await _open_a_conversation(pilot)
    ticket = pane.open_ticket
    connection = pilot.app.profile.connection("cerb")
    async with CerbClient.from_connection(connection, connection.secret) as someone_else:
        await someone_else.update_ticket(ticket.id, status="waiting", owner_id=3, importance=90)
    await pilot.press("x")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConflictDialog), timeout=20)
    await pilot.pause(0.2)


async def tickets_reply_options(pilot) -> None:
    """A reply that closes the ticket once sent, with a copy to a colleague and a file attached."""
    from textual.widgets import Input, Select, TextArea

    from tui.services.cerb.dialogs import TicketEditor

    await _open_a_conversation(pilot)
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, TicketEditor))
    editor = pilot.app.screen
    editor.query_one("#field-status", Select).value = "closed"
    editor.query_one("#field-cc", Input).value = "priya@support.example"
    editor.query_one("#field-attach", Input).value = "~/invoices/INV-2024-0612.pdf"
    editor.query_one("#editor-body", TextArea).insert(
        "Hi,\n\nThe corrected invoice is attached; I've copied Priya from billing.\n"
        "I'm closing this ticket, but just reply if anything is still off.\n\nBest,\nJamie"
    )
    await pilot.pause(0.5)


async def tickets_snooze(pilot) -> None:
    """z on a ticket: until when it waits before opening again by itself."""
    from textual.widgets import Input

    from tui.services.cerb.dialogs import SnoozeDialog

    await _open_a_conversation(pilot)
    await pilot.press("z")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, SnoozeDialog))
    pilot.app.screen.query_one("#snooze-when", Input).value = "friday 10:00"
    await pilot.pause(0.3)


async def tickets_bulk(pilot) -> None:
    """Four tickets selected (space, shift+down), then x: one confirmation for all of them."""
    from tui.widgets.dialogs import ConfirmDialog

    pane = await _table(pilot)
    await pilot.press("down", "space", "space", "down", "shift+down")
    await wait_for(pilot, lambda: len(pane.query_one("#cerb-list").selected) == 4)
    await pilot.press("x")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))
    await pilot.pause(0.3)


SMALL = (80, 24)  # the smallest usual terminal


async def keys_list(pilot) -> None:
    """`?` over the ticket table: every key of the pane and of the app, searchable."""
    from tui.widgets.keys_screen import KeysScreen

    await _table(pilot)
    await pilot.press("question_mark")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, KeysScreen))
    await pilot.pause(0.3)


SCENES = [
    ("tickets", tickets),
    ("tickets-conversation", tickets_conversation),
    ("tickets-reply", tickets_reply),
    ("tickets-conflict", tickets_conflict),
    ("tickets-reply-options", tickets_reply_options),
    ("tickets-snooze", tickets_snooze),
    ("tickets-bulk", tickets_bulk),
    ("tickets-80x24", tickets, SMALL),
    ("keys-80x24", keys_list, SMALL),
]

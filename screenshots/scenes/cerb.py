"""Screenshot scenes of the Tickets pane: the table with filters, a conversation, the reply editor, a conflict."""

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


SCENES = [
    ("tickets", tickets),
    ("tickets-conversation", tickets_conversation),
    ("tickets-reply", tickets_reply),
    ("tickets-conflict", tickets_conflict),
]

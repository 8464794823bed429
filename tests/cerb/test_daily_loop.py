"""What a helpdesk agent does all day, in the Tickets pane: on the sandbox and, when configured, on a real Cerb.

Each test makes its own tickets (a real Cerb keeps every earlier run's) and finds them by a subject of its own.
"""

from __future__ import annotations

import time

from textual.widgets import Input, Select, TextArea

from tests.cerb.test_pane import SIZE, loaded_tickets
from tests.conftest import make_app, wait_for
from tui.services.cerb import pane as pane_module
from tui.services.cerb.client import CerbClient
from tui.services.cerb.dialogs import PickDialog, SnoozeDialog, TicketEditor
from tui.widgets.dialogs import ConfirmDialog


async def make_tickets(client: CerbClient, count: int) -> tuple[str, list]:
    """`count` new open tickets sharing a subject nobody else has; returns the subject and the tickets."""
    subject = f"Daily loop {time.time_ns()}"
    group = (await client.groups())[0]
    tickets = []
    for n in range(count):
        tickets.append(
            await client.compose(
                group_id=group.id, to="agent.tests@example.com", subject=subject, content=f"Message {n}", status="open"
            )
        )
    return subject, tickets


async def showing(pilot, subject: str, count: int):
    """The pane, its table searching for `subject` (every status), once the `count` tickets are loaded."""
    pane = pilot.app.query_one("#pane-cerb")
    await wait_for(pilot, lambda: pane.table.current() is not None)
    pane.filter_name = "all"
    pane.search_text = f'subject:"{subject}"'
    pane.sort_key, pane.sort_ascending = "mask", True
    pane.run_query()
    await wait_for(pilot, lambda: pane.table.total == count and len(loaded_tickets(pane)) == count)
    return pane


async def test_reply_with_status_cc_and_a_file_then_download_it(cerb_server, tmp_path, other_client, monkeypatch):
    subject, (ticket,) = await make_tickets(other_client, 1)
    attachment = tmp_path / "report.txt"
    attachment.write_text("the quarterly numbers\n")
    monkeypatch.setattr(pane_module, "DOWNLOADS", tmp_path / "downloads")
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb")
    async with app.run_test(size=SIZE) as pilot:
        pane = await showing(pilot, subject, 1)
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.conversation is not None)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketEditor))
        editor = app.screen
        status = editor.query_one("#field-status", Select)
        assert status.value == "waiting"  # as Cerb's own reply form
        status.value = "closed"
        editor.query_one("#field-cc", Input).value = "colleague@example.com"
        editor.query_one("#field-attach", Input).value = str(attachment)
        editor.query_one("#editor-body", TextArea).text = "Here are the numbers."
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, TicketEditor), timeout=20)
        on_server = await other_client.get_ticket(ticket.id)
        assert on_server.status == "closed" and on_server.num_messages == 2
        files = await other_client.attachments([on_server.latest_message_id])
        assert [f.name for f in files[on_server.latest_message_id]] == ["report.txt"]

        # the conversation lists the file; d downloads it
        await wait_for(pilot, lambda: pane.conversation is not None and pane.conversation.attachments)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, PickDialog))
        await pilot.press("enter")
        saved = tmp_path / "downloads" / "report.txt"
        await wait_for(pilot, lambda: saved.exists(), timeout=20)
        assert saved.read_text() == "the quarterly numbers\n"


async def test_snooze_until_a_moment(cerb_server, tmp_path, other_client):
    subject, (ticket,) = await make_tickets(other_client, 1)
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb")
    async with app.run_test(size=SIZE) as pilot:
        await showing(pilot, subject, 1)
        await pilot.press("z")
        await wait_for(pilot, lambda: isinstance(app.screen, SnoozeDialog))
        app.screen.query_one("#snooze-when", Input).value = "soonish"
        app.screen.query_one("#snooze-when", Input).focus()
        await pilot.press("enter")
        assert isinstance(app.screen, SnoozeDialog)  # not a moment: it says why and stays
        app.screen.query_one(Input).value = "in 4 h"
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, SnoozeDialog))
        expected = time.time() + 4 * 3600
        await wait_for(pilot, lambda: app.query_one("#pane-cerb").table.current().data.status == "waiting")
        on_server = await other_client.get_ticket(ticket.id)
        assert on_server.status == "waiting" and abs(on_server.reopen_at - expected) < 120


async def test_next_and_previous_ticket_from_inside_a_ticket(cerb_server, tmp_path, other_client):
    subject, tickets = await make_tickets(other_client, 3)
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb")
    async with app.run_test(size=SIZE) as pilot:
        pane = await showing(pilot, subject, 3)
        order = [t.id for t in loaded_tickets(pane)]
        assert sorted(order) == sorted(t.id for t in tickets)
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.conversation is not None and pane.open_ticket.id == order[0])
        await pilot.press("n")
        await wait_for(pilot, lambda: pane.open_ticket.id == order[1] and pane.conversation is not None)
        assert pane.in_ticket_view and pane.conversation.ticket.id == order[1]
        await pilot.press("n", "n")  # the last one: it stays there and says so
        await wait_for(pilot, lambda: pane.open_ticket.id == order[2])
        await pilot.press("p")
        await wait_for(pilot, lambda: pane.open_ticket.id == order[1])
        await pilot.press("right_square_bracket")  # the filter keys still switch the filter, back on the table
        await wait_for(pilot, lambda: not pane.in_ticket_view)


async def test_bulk_triage_with_one_confirmation_and_a_summary(cerb_server, tmp_path, other_client):
    subject, tickets = await make_tickets(other_client, 4)
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb")
    notes: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        pane = await showing(pilot, subject, 4)
        original = app.notify
        app.notify = lambda message, **kw: (notes.append(str(message)), original(message, **kw))[1]
        await pilot.press("space", "space")  # the first two, the cursor moving on
        await pilot.press("shift+down")  # the third and the fourth
        await wait_for(pilot, lambda: len(pane.query_one("#cerb-list").selected) == 4)
        assert "4 selected" in str(pane.query_one("#cerb-count").render())
        # a colleague changes one of them meanwhile: that one is refused, not overwritten
        colleague_changed = loaded_tickets(pane)[3]
        await other_client.update_ticket(colleague_changed.id, importance=99)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "4 tickets" in app.screen.question
        await pilot.press("y")
        await wait_for(pilot, lambda: any("refused" in n for n in notes), timeout=20)
        summary = next(n for n in notes if "refused" in n)
        assert summary.startswith("3 tickets: status → closed.") and f"[#{colleague_changed.mask}]" in summary
        states = {t.id: (await other_client.get_ticket(t.id)).status for t in tickets}
        assert sorted(states.values()) == ["closed", "closed", "closed", "open"]
        assert states[colleague_changed.id] == "open"

        # owner for the selected ones: one picker, one confirmation
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, PickDialog))
        colleague = cerb_server.others[0]
        app.screen.query_one("#pick").highlighted = next(
            i for i, (_, value) in enumerate(app.screen.options) if value == colleague.id
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: any(n.startswith("4 tickets: owner") for n in notes), timeout=20)
        assert {(await other_client.get_ticket(t.id)).owner_id for t in tickets} == {colleague.id}


async def test_spam_not_spam_and_delete(cerb_server, tmp_path, other_client):
    subject, (ticket,) = await make_tickets(other_client, 1)
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb")
    async with app.run_test(size=SIZE) as pilot:
        pane = await showing(pilot, subject, 1)
        await pilot.press("exclamation_mark")
        await wait_for(pilot, lambda: pane.table.current().data.spam_training == "S")
        assert (await other_client.get_ticket(ticket.id)).spam_training == "S"
        await pilot.press("H")
        await wait_for(pilot, lambda: pane.table.current().data.spam_training == "N")
        assert (await other_client.get_ticket(ticket.id)).spam_training == "N"

        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("n")  # not after all
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmDialog))
        assert (await other_client.get_ticket(ticket.id)).status == "open"
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: pane.table.current().data.status == "deleted")
        assert (await other_client.get_ticket(ticket.id)).status == "deleted"

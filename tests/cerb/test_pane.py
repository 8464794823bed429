"""The Tickets pane driven with keys, against the sandbox over real sockets."""

from __future__ import annotations

import io
import time

from rich.console import Console
from textual.widgets import Input, Static, TextArea

from tests.conftest import make_app, start_sandbox, wait_for
from tui.drafts import DraftStore
from tui.services.cerb.dialogs import ConflictDialog, PickDialog, TicketEditor

SIZE = (140, 42)


def pane_of(app):
    return app.query_one("#pane-cerb")


async def started(pilot):
    pane = pane_of(pilot.app)
    await wait_for(pilot, lambda: pane.table.total > 0 and pane.table.current() is not None)
    return pane


def as_text(renderable) -> str:
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def loaded_tickets(pane):
    return [pane.table.row(i).data for i in range(pane.table.total) if pane.table.row(i) is not None]


async def test_filters_search_and_count(cerb_server, tmp_path, other_client):
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        assert all(t.status == "open" for t in loaded_tickets(pane))
        expected_open = (await other_client.search_tickets("status:o", limit=1)).total
        assert pane.table.total == expected_open
        assert f"{expected_open:,} tickets" in str(pane.query_one("#cerb-count", Static).render())

        await pilot.press("right_square_bracket")  # -> waiting
        await wait_for(pilot, lambda: pane.filter_name == "waiting" and pane.table.current() is not None)
        assert loaded_tickets(pane) and all(t.status == "waiting" for t in loaded_tickets(pane))

        await pilot.press("slash")
        search = pane.query_one("#cerb-search", Input)
        assert search.has_focus
        search.value = 'subject:"*refund*"'
        await pilot.press("enter")
        expected = (await other_client.search_tickets('status:w subject:"*refund*"', limit=1)).total
        await wait_for(pilot, lambda: pane.table.total == expected and pane.table.current() is not None)
        assert all("efund" in t.subject and t.status == "waiting" for t in loaded_tickets(pane))

        search.value = "bogus:filter"
        await pilot.press("slash", "enter")
        await wait_for(pilot, lambda: "Unknown search filter" in pane.query_error)

        pane.search_text = ""
        pane.action_filter("unassigned")
        await wait_for(pilot, lambda: pane.filter_name == "unassigned" and pane.table.current() is not None)
        assert all(t.owner_id == 0 for t in loaded_tickets(pane))

        pane.action_filter("mine")
        await wait_for(pilot, lambda: pane.filter_name == "mine" and pane.table.current() is not None)
        me = cerb_server.me.id
        assert pane.table.total == (await other_client.search_tickets(f"owner.id:{me}", limit=1)).total
        assert all(t.owner_id == me for t in loaded_tickets(pane))

        pane.action_filter("all")
        await wait_for(pilot, lambda: pane.table.current() is not None and pane.table.total >= expected_open)
        await pilot.press("s")  # sort: updated -> mask, ascending
        await wait_for(pilot, lambda: pane.sort_key == "mask" and pane.table.current() is not None)
        masks = [t.mask for t in loaded_tickets(pane)]
        assert masks == sorted(masks)


async def test_paging_far_down_loads_only_what_is_seen(tmp_path_factory, tmp_path):
    box = start_sandbox(tmp_path_factory, "cerb", scale={"tickets": 5000})
    try:
        app = make_app(box.profile(), tmp_path, pane="cerb")
        async with app.run_test(size=SIZE) as pilot:
            pane = await started(pilot)
            pane.action_filter("all")
            await wait_for(pilot, lambda: pane.table.total == 5000 and pane.table.current() is not None)
            assert pane.table.loaded_rows <= 100
            await pilot.press("end")
            await wait_for(pilot, lambda: pane.table.cursor == 4999 and pane.table.current() is not None)
            last = pane.table.current().data
            assert all(last.updated <= t.updated for t in loaded_tickets(pane))  # newest first: the end is the oldest
            assert pane.table.loaded_rows <= pane.table.keep_pages * pane.table.page_size
            for _ in range(3):
                await pilot.press("pageup")
            await wait_for(pilot, lambda: pane.table.current() is not None)
            assert pane.table.cursor < 4999 - 60
            await pilot.press("home")
            await wait_for(pilot, lambda: pane.table.current() is not None)
            assert pane.table.cursor == 0
    finally:
        box.stop()


async def test_triage_keys_on_the_table_and_in_the_ticket_view(cerb_server, tmp_path, other_client):
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        pane.action_filter("unassigned")
        await wait_for(pilot, lambda: pane.filter_name == "unassigned" and pane.table.current() is not None)
        ticket = pane.table.current().data

        await pilot.press("a")  # assign to me
        await wait_for(pilot, lambda: pane.table.current().data.owner_id == cerb_server.me.id)
        assert (await other_client.get_ticket(ticket.id)).owner_name == cerb_server.me.name

        await pilot.press("plus")
        await wait_for(pilot, lambda: pane.table.current().data.importance == min(100, ticket.importance + 10))

        await pilot.press("m")  # move: a picker of group / bucket
        await wait_for(pilot, lambda: isinstance(app.screen, PickDialog))
        # a bucket that is not the group's inbox, in another group than the ticket's
        target, (label, _) = next(
            (i, option)
            for i, option in enumerate(app.screen.options)
            if option[1][0] != ticket.group_id and not option[0].endswith(" / Inbox")
        )
        group_name, bucket_name = label.split(" / ", 1)
        app.screen.query_one("#pick").highlighted = target
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.table.current().data.bucket_name == bucket_name)
        moved = await other_client.get_ticket(ticket.id)
        assert (moved.group_name, moved.bucket_name) == (group_name, bucket_name)

        await pilot.press("enter")  # the ticket view: same keys work there
        await wait_for(pilot, lambda: pane.in_ticket_view and pane.conversation is not None)
        await pilot.press("w")
        await wait_for(pilot, lambda: pane.open_ticket.status == "waiting")
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, PickDialog))
        colleague = cerb_server.others[0]
        target = next(i for i, (_, value) in enumerate(app.screen.options) if value == colleague.id)
        app.screen.query_one("#pick").highlighted = target
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.open_ticket.owner_id == colleague.id)
        await pilot.press("x")
        await wait_for(pilot, lambda: pane.open_ticket.status == "closed")
        on_server = await other_client.get_ticket(ticket.id)
        assert (on_server.status, on_server.owner_name) == ("closed", colleague.name)
        await pilot.press("escape")
        assert not pane.in_ticket_view
        assert pane.table.current().data.status == "closed"  # the row shows the change without a reload


async def test_reply_and_comment_from_the_ticket_view(cerb_server, tmp_path, other_client):
    drafts = DraftStore(tmp_path / "drafts")
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        ticket = pane.table.current().data
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.conversation is not None)
        before = len(pane.conversation.entries)

        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketEditor))
        await pilot.press(*"Solved")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, TicketEditor))
        await wait_for(pilot, lambda: pane.conversation is not None and len(pane.conversation.entries) == before + 1)
        assert pane.conversation.entries[-1].content == "Solved"
        assert drafts.load(pane.draft_key(ticket.id, "reply")) is None
        assert (await other_client.get_ticket(ticket.id)).num_messages == ticket.num_messages + 1

        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketEditor))
        await pilot.press(*"Internal")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: pane.conversation is not None and len(pane.conversation.entries) == before + 2)
        assert [c.text for c in await other_client.comments(ticket.id)][-1] == "Internal"


async def test_compose_a_new_ticket(cerb_server, tmp_path, other_client):
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb")
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketEditor))
        editor = app.screen
        editor.query_one("#field-to", Input).value = "new.customer@example.com"
        subject = f"Composed from the pane {time.time_ns()}"  # a real Cerb keeps every earlier run's tickets
        editor.query_one("#field-subject", Input).value = subject
        editor.query_one("#editor-body", TextArea).text = "Hello there"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, TicketEditor))
        found = await other_client.search_tickets(f'subject:"{subject}"')
        assert found.total == 1 and found.tickets[0].num_messages == 1


async def test_conflict_is_detected_when_the_ticket_changed_underneath(cerb_server, tmp_path, other_client):
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await pilot.press("down", "down")
        await wait_for(pilot, lambda: pane.table.current() is not None)
        ticket = pane.table.current().data
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.conversation is not None)
        # someone else changes it after we loaded it
        someone = next(w for w in cerb_server.others if w.id != ticket.owner_id)
        owner_name = someone.name
        await other_client.update_ticket(ticket.id, status="waiting", owner_id=someone.id)

        await pilot.press("x")  # close it: must not overwrite blindly
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog))
        shown = as_text(app.screen.body)
        assert "status" in shown and "waiting" in shown and owner_name in shown
        await pilot.press("k")  # keep theirs
        await wait_for(pilot, lambda: not isinstance(app.screen, ConflictDialog))
        assert (await other_client.get_ticket(ticket.id)).status == "waiting"
        assert pane.open_ticket.status == "waiting"  # the view now shows the server's version

        await other_client.update_ticket(ticket.id, importance=5)
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog))
        await pilot.press("a")  # apply mine anyway
        await wait_for(pilot, lambda: pane.open_ticket.status == "closed")
        after = await other_client.get_ticket(ticket.id)
        assert (after.status, after.importance) == ("closed", 5)


async def test_a_failed_send_keeps_the_draft(tmp_path_factory, tmp_path):
    box = start_sandbox(tmp_path_factory, "cerb")
    drafts = DraftStore(tmp_path / "drafts")
    stopped = False
    try:
        app = make_app(box.profile(), tmp_path, pane="cerb", drafts=drafts)
        async with app.run_test(size=SIZE) as pilot:
            pane = await started(pilot)
            ticket = pane.table.current().data
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, TicketEditor))
            await pilot.press(*"Important")
            box.stop()  # the server goes away before the send
            stopped = True
            await pilot.press("ctrl+s")
            error = app.screen.query_one("#editor-error", Static)
            await wait_for(pilot, lambda: "Not sent" in str(error.render()))
            assert "kept as a draft" in str(error.render())
            assert isinstance(app.screen, TicketEditor)
            draft = drafts.load(pane.draft_key(ticket.id, "reply"))
            assert draft is not None and draft.data["body"] == "Important"
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, TicketEditor))
            assert drafts.load(pane.draft_key(ticket.id, "reply")) is not None
    finally:
        if not stopped:
            box.stop()


async def test_a_draft_survives_restarting_the_app(cerb_server, tmp_path):
    drafts = DraftStore(tmp_path / "drafts")
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await pilot.press("end")
        await wait_for(pilot, lambda: pane.table.current() is not None)
        ticket = pane.table.current().data
        key = pane.draft_key(ticket.id, "reply")
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketEditor))
        await pilot.press(*"Halfway")
        await wait_for(pilot, lambda: drafts.load(key) is not None and drafts.load(key).data["body"] == "Halfway")
        # the app goes away with the editor still open (a crash, a closed terminal)

    app = make_app(cerb_server.profile(), tmp_path, pane="cerb", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        pane.open_ticket_view(ticket)
        await wait_for(pilot, lambda: pane.conversation is not None)
        note = pane.query_one("#cerb-draft-note", Static)
        assert note.has_class("shown") and "unsent reply" in str(note.render())
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketEditor))
        assert app.screen.query_one("#editor-body", TextArea).text == "Halfway"


async def test_a_reply_stops_once_when_a_new_message_arrived(cerb_server, tmp_path, other_client):
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await pilot.press("down", "down", "down", "down")
        ticket = pane.table.current().data
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.conversation is not None)
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketEditor))
        await pilot.press(*"Mine")
        await other_client.reply(ticket, "Theirs")  # a colleague answers first
        await pilot.press("ctrl+s")
        error = app.screen.query_one("#editor-error", Static)
        await wait_for(pilot, lambda: "new message arrived" in str(error.render()))
        assert isinstance(app.screen, TicketEditor)
        await wait_for(
            pilot, lambda: pane.conversation is not None and pane.conversation.entries[-1].content == "Theirs"
        )
        await pilot.press("ctrl+s")  # read it; send anyway
        await wait_for(pilot, lambda: not isinstance(app.screen, TicketEditor))
        contents = [m.content for m in await other_client.messages(ticket.id)]
        assert contents[-2:] == ["Theirs", "Mine"]


async def test_edit_the_subject(cerb_server, tmp_path, other_client):
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        ticket = pane.table.current().data
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen.query("#field-subject"))
        field = app.screen.query_one("#field-subject", Input)
        await wait_for(pilot, lambda: field.has_focus)
        field.value = "A clearer subject"
        await pilot.press("enter")
        await wait_for(pilot, lambda: pane.table.current().data.subject == "A clearer subject")
        assert (await other_client.get_ticket(ticket.id)).subject == "A clearer subject"


def test_every_palette_command_names_a_pane_action():
    from tui.services.cerb.pane import TicketsPane

    for title, action in TicketsPane.COMMANDS:
        name = action.split("(", 1)[0]
        assert title.startswith("Tickets: ") and callable(getattr(TicketsPane, f"action_{name}", None)), action


async def test_palette_command_switches_the_filter(cerb_server, tmp_path):
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        app.run_pane_action(pane, "filter('closed')")
        await wait_for(pilot, lambda: pane.filter_name == "closed" and pane.table.current() is not None)
        assert all(t.status == "closed" for t in loaded_tickets(pane))


async def test_a_server_gone_mid_scroll_is_not_hammered(tmp_path_factory, tmp_path):
    from tui.http import ExchangeLog

    box = start_sandbox(tmp_path_factory, "cerb")
    log = ExchangeLog()
    stopped = False
    try:
        app = make_app(box.profile(), tmp_path, pane="cerb", exchange_log=log)
        async with app.run_test(size=SIZE) as pilot:
            pane = await started(pilot)
            pane.action_filter("all")
            await wait_for(pilot, lambda: pane.filter_name == "all" and pane.table.current() is not None)
            box.stop()
            stopped = True
            await pilot.press("end")
            await wait_for(pilot, lambda: pane.table._failed, timeout=20)
            asked = len(log)
            window = 2.5
            start = time.monotonic()
            while time.monotonic() - start < window:  # repaints must not ask again
                pane.table.refresh()
                await pilot.pause(0.1)
            window = time.monotonic() - start
            since = list(log)[asked:]
            # what the pane sends while the server is gone: only its sign-in probes, as the backoff spaces them
            assert all(e.url.endswith("/workers/me.json") for e in since), [e.url for e in since]
            probes_allowed = int(window / min(pane.RECOVERY_DELAYS)) + 1
            assert len(since) <= probes_allowed * (1 + pane.client.http.retries)
            assert pane.table.current() is None and pane.query_error == ""  # the first page is still fine
    finally:
        if not stopped:
            box.stop()


async def test_a_draft_is_on_disk_as_soon_as_it_is_typed(cerb_server, tmp_path):
    drafts = DraftStore(tmp_path / "drafts")
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        ticket = pane.table.current().data
        for what, key in (("reply", "r"), ("comment", "c")):
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, TicketEditor))
            await pilot.press(*"Typed")
            draft = drafts.load(pane.draft_key(ticket.id, what))  # no waiting for any timer
            assert draft is not None and draft.data["body"] == "Typed", what
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, TicketEditor))
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, TicketEditor))
        await pilot.press(*"Subj")  # the first empty field has the focus: To
        await pilot.press("tab", *"Subject")
        draft = drafts.load(app.screen.draft_key)
        assert draft is not None and (draft.data["to"], draft.data["subject"]) == ("Subj", "Subject")


async def test_a_refused_search_leaves_the_bar_green_not_connecting(cerb_server, tmp_path):
    from tui.widgets.connection_bar import ConnectionBar

    app = make_app(cerb_server.profile(), tmp_path, pane="cerb")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        bar = app.query_one(ConnectionBar)
        await wait_for(pilot, lambda: bar.state_of("cerb") == "ok")
        await pilot.press("slash", *"colour:blue", "enter")
        await wait_for(pilot, lambda: "Unknown search filter" in pane.query_error)
        await pilot.pause(0.2)
        assert bar.state_of("cerb") == "ok"

"""The Tickets pane in read-only mode (every writing key hidden and refused, nothing but reads sent), and its export:
every ticket of the current search, all pages, streamed to JSON lines or CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest
from textual.widgets import Button, Input, Select

from tests.cerb.test_pane import SIZE, loaded_tickets, pane_of, started
from tests.conftest import make_app, wait_for
from tui.services.cerb import keys, table_view
from tui.services.cerb.dialogs import ConflictDialog
from tui.services.cerb.writing import ticket_editor
from tui.widgets.connection_bar import ConnectionBar
from tui.widgets.export import ExportScreen
from tui.widgets.keys_screen import key_rows
from tui.widgets.read_only import READ_ONLY_SENTENCE

# The pane's keys and palette actions that change nothing on the server; every other one must be in WRITE_ACTIONS.
READ_ACTIONS = {
    "focus_search",
    "filter",
    "cycle_filter",
    "cycle_sort",
    "reverse_sort",
    "clear_selection",
    "step_ticket",
    "download",
    "back",
}


def action_name(action: str) -> str:
    return action.partition("(")[0]


WRITE_BINDINGS = [b for b in keys.BINDINGS if action_name(b.action) in keys.WRITE_ACTIONS]
WRITE_COMMANDS = [action for _, action in keys.COMMANDS if action_name(action) in keys.WRITE_ACTIONS]


def keys_of(app) -> set[str]:
    return {what for _, _, what in key_rows(app.screen, app._place_of)}


def writing_keys_shown(app) -> set[tuple[str, str]]:
    """The (key, description) of each writing binding the footer and the keys list would show."""
    shown = {(key, what) for _, keys_, what in key_rows(app.screen, app._place_of) for key in keys_.split(", ")}
    return {(app.get_key_display(b), b.description) for b in WRITE_BINDINGS} & shown


def test_every_key_and_command_of_the_pane_is_known_to_write_or_not():
    actions = {action_name(b.action) for b in keys.BINDINGS} | {action_name(a) for _, a in keys.COMMANDS}
    assert actions == keys.WRITE_ACTIONS | READ_ACTIONS, "a new key: add its action to WRITE_ACTIONS or READ_ACTIONS"
    assert {action_name(b.action) for b in WRITE_BINDINGS} == keys.WRITE_ACTIONS  # each has a key to walk


async def test_read_only_hides_and_refuses_every_writing_key_and_command_and_sends_only_reads(
    cerb_server, tmp_path, other_client
):
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb")
    app._read_only_asked = True
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        assert "READ-ONLY" in str(app.query_one(ConnectionBar).render())
        await pilot.press("space", "space")  # two selected: a bulk change would be asked for
        assert len(pane.query_one(table_view.TicketTableView).selected) == 2
        shown_before = loaded_tickets(pane)

        for place in ("table", "ticket view"):
            shown = keys_of(app)
            assert "Search" in shown, place  # the keys that only look stay
            assert not writing_keys_shown(app), place
            for binding in WRITE_BINDINGS:
                for key in binding.key.split(","):
                    await pilot.press(key)
                    await pilot.pause(0.05)
                    assert len(app.screen_stack) == 1, (place, key, app.screen)
            if place == "table":
                await pilot.press("enter")
                await wait_for(pilot, lambda: pane.in_ticket_view and pane.conversation is not None)

        for action in WRITE_COMMANDS:  # the palette's way in
            app.clear_notifications()
            await app.open_pane_action("cerb", action)
            await pilot.pause(0.05)
            assert len(app.screen_stack) == 1, action
            assert [n.message for n in app._notifications] == [READ_ONLY_SENTENCE], action

        # an editor or a conflict left open when read-only came on: their writing keys and buttons refuse too
        ticket = pane.open_ticket
        key = pane.draft_key(ticket.id, "reply")
        editor = ticket_editor(
            "reply",
            ticket,
            client=pane.client,
            drafts=pane.context.drafts,
            draft_key=key,
            conversation=pane.conversation,
            arrived=lambda _: None,
        )
        await app.push_screen(editor)
        await pilot.press(*"Not sent")
        assert "Send" not in keys_of(app)
        await pilot.press("ctrl+s")
        await pilot.pause(0.1)
        assert app.screen is editor
        editor.query_one("#send", Button).press()
        await pilot.pause(0.1)
        assert app.screen is editor and READ_ONLY_SENTENCE in str(editor.query_one("#editor-error").render())
        assert pane.context.drafts.load(key).data["body"] == "Not sent"
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(app.screen_stack) == 1)

        answers: list[str | None] = []
        await app.push_screen(ConflictDialog("[#X] changed", "theirs"), answers.append)
        assert "Apply mine anyway" not in keys_of(app) and "Keep theirs" in keys_of(app)
        await pilot.press("a")
        app.screen.query_one("#apply", Button).press()
        await pilot.pause(0.1)
        assert isinstance(app.screen, ConflictDialog)
        await pilot.press("k")
        await wait_for(pilot, lambda: answers == ["keep"])

    sent = {(e.method, e.url.split("?")[0]) for e in app.exchange_log if not e.is_message}
    assert {method for method, _ in sent} <= {"GET", "HEAD"}, sorted(sent)
    for before in shown_before[:3]:
        assert (await other_client.get_ticket(before.id)).updated == before.updated


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
async def test_the_ticket_list_exports_every_page_of_the_current_search(
    cerb_server, tmp_path, other_client, monkeypatch, fmt
):
    monkeypatch.setattr(table_view, "EXPORT_PAGE", 4)  # several pages, even on a small server
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        pane.action_filter("all")
        await pilot.press("s")  # by mask, ascending: the export keeps the table's order
        await wait_for(pilot, lambda: pane.filter_name == "all" and pane.sort_key == "mask")
        await wait_for(pilot, lambda: pane.table.current() is not None)
        expected = await other_client.search_tickets("", limit=1)
        assert expected.total > 4

        await pilot.press("ctrl+x")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        assert app.screen.query_one("#export-path", Input).value.rsplit("/", 1)[-1].startswith("tickets-")
        target = tmp_path / f"tickets.{fmt}"
        app.screen.query_one("#export-format", Select).value = fmt
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, ExportScreen), timeout=30)
        assert any(f"Exported {expected.total:,} tickets to" in n.message for n in app._notifications)

    text = target.read_text()
    if fmt == "jsonl":
        rows = [json.loads(line) for line in text.splitlines()]
        assert {"id", "mask", "subject", "status", "owner_name", "group_name", "updated"} <= set(rows[0])
        assert isinstance(rows[0]["id"], int)
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
        assert {"id", "mask", "subject", "status", "owner_name"} <= set(rows[0])
    assert len(rows) == expected.total and len({row["id"] for row in rows}) == expected.total
    masks = [row["mask"] for row in rows]
    assert masks == sorted(masks)
    pages = [e for e in app.exchange_log if "records/ticket/search" in e.url and "limit=4" in e.url]
    assert len(pages) == -(-expected.total // 4)


async def test_the_export_asks_for_a_page_only_once_the_previous_one_is_written(
    cerb_server, tmp_path, other_client, monkeypatch
):
    monkeypatch.setattr(table_view, "EXPORT_PAGE", 3)
    app = make_app(cerb_server.profile(), tmp_path, pane="cerb")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        source = pane_of(app).export_source()
        assert source.what == "open tickets" and source.total == pane.table.total

        def export_pages() -> int:
            return sum("records/ticket/search" in e.url and "limit=3" in e.url for e in app.exchange_log)

        rows = source.rows()
        first = [await anext(rows) for _ in range(3)]
        assert export_pages() == 1
        fourth = await anext(rows)
        assert export_pages() == 2
        await rows.aclose()
    exported = [*first, fourth]
    assert len({row["id"] for row in exported}) == 4 and all(row["status"] == "open" for row in exported)

"""Read-only mode in the Queues pane: every writing key (publish, replay, work items and their queues, collection
edits) is neither shown nor run, the palette refuses in one sentence, and no writing command reaches the server.
Export: the tail on screen, as its filter shows it, to JSON lines or CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest
from textual.widgets import Input, OptionList, Select, TextArea

from tests.conftest import make_app, wait_for
from tests.openiap.test_pane import SIZE, messages_in, publish, tail_queue, unique
from tui.http import ReadOnlyError
from tui.services.openiap.channel import WRITE_COMMANDS
from tui.services.openiap.client import WorkitemQueue
from tui.services.openiap.dialogs import DocumentEditor, WorkitemQueuesDialog
from tui.services.openiap.message_actions import publish_dialog
from tui.widgets.export import ExportScreen
from tui.widgets.keys_screen import key_rows
from tui.widgets.read_only import READ_ONLY_SENTENCE

PANE_WRITES = {"Publish", "Replay"}
QUEUES_DIALOG_WRITES = {"Create", "Edit", "Purge", "Delete"}
WORKITEM_WRITES = {"Push item", "Pop next", "Successful", "Failed", "Retry", "Edit item", "Delete item"}
COLLECTION_WRITES = {"New document", "Edit", "Delete"}


def keys_of(app) -> set[str]:
    return {what for _, _, what in key_rows(app.screen, app._place_of)}


async def press_each(pilot, keys: str, screen) -> None:
    """Press every key; none may open anything (a form, a confirmation) on top of `screen`."""
    for key in keys:
        await pilot.press(key)
        await pilot.pause(0.1)
        assert pilot.app.screen is screen, key


def sent_commands(app) -> list[str]:
    return [e.note.split()[0] for e in app.exchange_log if e.method == "SEND" and e.note]


async def scene(other) -> tuple[str, str, str]:
    """A queue, a work item queue with two items, a collection with one document: all of them for this test only."""
    queue, wiq, collection = unique("ro-queue"), unique("ro-wiq"), unique("ro-docs")
    await other.add_workitem_queue(WorkitemQueue(wiq))
    for n in range(2):
        await other.push_workitem(wiq, f"job{n}", {"n": n})
    await other.insert_one(collection, {"_type": "seed", "name": "kept"})
    return queue, wiq, collection


async def test_read_only_hides_and_refuses_every_writing_key_and_sends_no_writing_command(box, other, tmp_path):
    queue, wiq, collection = await scene(other)
    app = make_app(box.profile(), tmp_path, pane="openiap")
    app._read_only_asked = True
    async with app.run_test(size=SIZE) as pilot:
        # the pane: publish and replay; following a queue still works (it only reads)
        pane = await tail_queue(pilot, queue)
        tail = pane.queue_tail
        await publish(other, queue, 1)
        await wait_for(pilot, lambda: len(messages_in(tail)) == 1)
        tail.view.focus()
        await pilot.press("up")
        assert not PANE_WRITES & keys_of(app) and {"Copy", "Tail queue", "Work items"} <= keys_of(app)
        await press_each(pilot, "pr", app.screen)
        for action in ("publish", "replay"):
            await app.open_pane_action("openiap", action)
            await pilot.pause(0.1)
            assert len(app.screen_stack) == 1, action
        assert [n.message for n in app._notifications].count(READ_ONLY_SENTENCE) == 2
        await pilot.press("c")  # copying is reading
        assert json.loads(app.clipboard)["queuename"] == queue

        # the work item queues dialog: following one works, managing them does not
        pane.focus()
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkitemQueuesDialog) and app.screen.loads > 0)
        dialog = app.screen
        dialog.query_one(OptionList).highlighted = [q.name for q in dialog.queues].index(wiq)
        dialog.query_one(OptionList).focus()
        assert not QUEUES_DIALOG_WRITES & keys_of(app)
        assert "purge" not in str(dialog.query_one(".hint").render())
        await press_each(pilot, "cepx", dialog)
        await pilot.press("enter")
        view = pane.workitems_view
        await wait_for(pilot, lambda: view.wiq == wiq and len(view.items) == 2)

        # the work items view
        view.table.focus()
        assert not WORKITEM_WRITES & keys_of(app) and "By state" in keys_of(app)
        assert "n push" not in str(view.query_one("#wi-header").render())
        await press_each(pilot, "nosftex", app.screen)

        # the collections browser
        await pilot.press("b")
        browser = pane.collections_view
        await wait_for(pilot, lambda: browser.loaded)
        listing = browser.query_one("#col-list", OptionList)
        listing.highlighted = listing.get_option_index(collection)
        await pilot.press("enter")
        await wait_for(pilot, lambda: [d.get("name") for d in browser.documents] == ["kept"])
        browser.query_one("#col-results").focus()
        assert not COLLECTION_WRITES & keys_of(app)
        await press_each(pilot, "nex", app.screen)

        # the editors, should one be open when read-only is turned on: their save key is gone too
        client = app.clients["openiap"]
        publisher = publish_dialog(client, pane.context, pane.sources, f"queue:{queue}", 1.0)
        await app.push_screen(publisher)
        publisher.query_one("#publish-payload", TextArea).text = '{"sent": true}'
        assert "Send" not in keys_of(app)
        await press_each(pilot, ["ctrl+s"], publisher)
        await pilot.press("escape")

        async def save(document):
            return await client.insert_one(collection, document)

        editor = DocumentEditor("A new document", {"name": "new"}, save)
        await app.push_screen(editor)
        assert "Save" not in keys_of(app)
        await press_each(pilot, ["ctrl+s"], editor)
        await pilot.press("escape")
        with pytest.raises(ReadOnlyError):
            await client.queue_message(queue, {"not": "sent"})

    assert {e.method for e in app.exchange_log if not e.is_message} <= {"GET", "HEAD"}
    commands = sent_commands(app)
    assert {"signin", "registerqueue", "query"} <= set(commands) and not WRITE_COMMANDS & set(commands)
    # and the server says the same: nothing changed
    assert sorted((i.name, i.state) for i in await other.workitems(wiq)) == [("job0", "new"), ("job1", "new")]
    assert [d["name"] for d in await other.query(collection, {})] == ["kept"]
    assert wiq in {q.name for q in await other.workitem_queues()}


async def test_the_writing_keys_show_when_not_read_only(box, other, tmp_path):
    queue, wiq, _ = await scene(other)
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await tail_queue(pilot, queue)
        await publish(other, queue, 1)
        await wait_for(pilot, lambda: len(messages_in(pane.queue_tail)) == 1)
        pane.queue_tail.view.focus()
        assert PANE_WRITES <= keys_of(app)
        pane._add("wiq", wiq)
        await wait_for(pilot, lambda: len(pane.workitems_view.items) == 2)
        pane.workitems_view.table.focus()
        assert WORKITEM_WRITES <= keys_of(app)
    assert "pushworkitem" not in sent_commands(app)  # nothing pressed, nothing written


# -- export ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
async def test_the_tail_exports_as_its_filter_shows_it(box, other, tmp_path, fmt):
    queue = unique("export")
    fruits = ["apple", "banana", "cherry", "banana split"]
    app = make_app(box.profile(), tmp_path, pane="openiap")
    async with app.run_test(size=SIZE) as pilot:
        pane = await tail_queue(pilot, queue)
        tail = pane.queue_tail
        await publish(other, queue, 4, lambda i: {"fruit": fruits[i]})
        await wait_for(pilot, lambda: len(messages_in(tail)) == 4)
        tail.apply_filter("banana")
        await wait_for(pilot, lambda: len(messages_in(tail)) == 2)
        tail.view.focus()
        await pilot.press("ctrl+x")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        assert app.screen.source.what == "queue messages" and app.screen.source.total == 2
        target = tmp_path / f"out.{fmt}"
        app.screen.query_one("#export-format", Select).value = fmt
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, ExportScreen))
        assert any("Exported 2 queue messages" in n.message for n in app._notifications)

        # the work items and collections views have nothing to export: the app says what can be
        await pilot.press("b")
        await pilot.press("ctrl+x")
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ExportScreen)
        assert any("Nothing to export here" in n.message for n in app._notifications)

    text = target.read_text()
    if fmt == "jsonl":
        rows = [json.loads(line) for line in text.splitlines()]
        assert [r["data"] for r in rows] == [{"fruit": "banana"}, {"fruit": "banana split"}]
        assert [r["correlationId"] for r in rows] == ["c-1", "c-3"] and {r["queuename"] for r in rows} == {queue}
        assert rows[0]["malformed"] is False and rows[0]["received"].endswith("+00:00")
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [json.loads(r["data"]) for r in rows] == [{"fruit": "banana"}, {"fruit": "banana split"}]
        assert list(rows[0]) == [
            "received", "queuename", "correlationId", "replyto", "routingkey", "exchangename", "data", "malformed"
        ]  # fmt: skip
        assert rows[1]["correlationId"] == "c-3"

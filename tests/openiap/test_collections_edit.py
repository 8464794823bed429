"""The collections browser changes documents: insert and edit as JSON (checked before anything is sent, a refusal
keeps the editor open), delete after asking; a watch on the collection streams each change."""

from __future__ import annotations

import json

from textual.widgets import DataTable, Static, TextArea

from tests.conftest import make_app, wait_for
from tests.openiap.conftest import client_for
from tests.openiap.test_pane import SIZE, messages_in, source, started, unique
from tui.services.openiap.dialogs import DocumentEditor, parse_document
from tui.widgets.dialogs import ConfirmDialog


def test_the_editor_checks_the_json_before_sending():
    assert parse_document('{"a": 1}') == {"a": 1}
    for text, why in (('{"a": ', "Not valid JSON"), ("[1, 2]", "JSON object"), ('{"_id": "b"}', "Keep")):
        try:
            parse_document(text, keep_id="a" if "_id" in text else "")
        except ValueError as exc:
            assert why in str(exc)
        else:
            raise AssertionError(f"{text!r} was accepted")


async def editor_text(pilot, text: str) -> DocumentEditor:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, DocumentEditor))
    editor = pilot.app.screen
    editor.query_one("#doc-text", TextArea).text = text
    return editor


async def test_insert_edit_and_delete_a_document_with_the_watch_showing_each(box, tmp_path):
    collection = unique("edited")
    other = client_for(box)
    await other.connect()
    try:
        await other.insert_one(collection, {"_type": "seed", "name": "existing"})
        app = make_app(box.profile(), tmp_path, pane="openiap")
        async with app.run_test(size=SIZE) as pilot:
            pane = await started(pilot)
            pane._add("watch", collection)
            await wait_for(pilot, lambda: (s := source(pane, "watch", collection)) is not None and s.status == "live")
            await pilot.press("b")
            view = pane.collections_view
            await wait_for(pilot, lambda: view.loaded)
            listing = view.query_one("#col-list")
            listing.highlighted = listing.get_option_index(collection)
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(view.documents) == 1)
            table = view.query_one("#col-results", DataTable)
            table.focus()

            await pilot.press("n")
            editor = await editor_text(pilot, '{"_type": "note", "name": "new one"')  # broken: stays open
            await pilot.press("ctrl+s")
            assert "Not valid JSON" in str(editor.query_one("#doc-status", Static).render())
            editor.query_one("#doc-text", TextArea).text = '{"_type": "note", "name": "new one", "size": 1}'
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: any(d.get("name") == "new one" for d in view.documents))
            inserted = next(d for d in view.documents if d.get("name") == "new one")
            assert view.selected_document() == inserted  # the cursor follows what was saved

            await pilot.press("e")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, DocumentEditor))
            changed = dict(inserted, size=2)
            changed.pop("_id")
            editor = await editor_text(pilot, json.dumps(changed))  # the _id is gone: refused
            await pilot.press("ctrl+s")
            assert "Keep" in str(editor.query_one("#doc-status", Static).render())
            editor.query_one("#doc-text", TextArea).text = json.dumps(dict(inserted, size=2))
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: any(d.get("size") == 2 for d in view.documents))

            await pilot.press("x")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog))
            assert inserted["_id"] in pilot.app.screen.question
            await pilot.press("y")
            await wait_for(pilot, lambda: [d.get("name") for d in view.documents] == ["existing"])
            assert await other.query(collection, {"_id": inserted["_id"]}) == []

            tail = pane.watch_tail
            await wait_for(pilot, lambda: [e.operation for e in messages_in(tail)] == ["insert", "update", "delete"])
            assert all(e.document.get("_id") == inserted["_id"] for e in messages_in(tail))
    finally:
        await other.aclose()

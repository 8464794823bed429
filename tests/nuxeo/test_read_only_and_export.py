"""Read-only mode and export in the Documents pane: every writing key hidden and refused, nothing but reads sent;
the current search exported whole, every page of it."""

from __future__ import annotations

import csv
import io
import json
import uuid

import pytest
from textual.widgets import Input, Select

from tests.conftest import make_app, wait_for
from tui.http import ReadOnlyError
from tui.services.nuxeo.client import NuxeoClient
from tui.services.nuxeo.dialogs import SearchDialog
from tui.services.nuxeo.pane import DocumentsPane
from tui.widgets.export import ExportScreen
from tui.widgets.keys_screen import key_rows

SIZE = (140, 45)


def keys_of(app) -> set[str]:
    return {what for _, _, what in key_rows(app.screen, app._place_of)}


async def started(pilot) -> DocumentsPane:
    pane = pilot.app.query_one(DocumentsPane)
    await wait_for(pilot, lambda: pane.root_loaded and pane.document_tree.root.children)
    return pane


async def test_read_only_hides_and_refuses_every_writing_key_and_sends_only_reads(box, tmp_path, client):
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    app._read_only_asked = True
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        workspaces = await client.get("/default-domain/workspaces")
        pane.reveal(workspaces.path)
        await wait_for(
            pilot, lambda: pane.selected_node() is not None and pane.selected_node().data.doc.uid == workspaces.uid
        )
        bindings = {b.action: (b.key.split(",")[0], b.description) for b in DocumentsPane.BINDINGS}
        assert set(DocumentsPane.WRITE_ACTIONS) <= set(bindings)
        shown = keys_of(app)
        for action in sorted(DocumentsPane.WRITE_ACTIONS):
            key, description = bindings[action]
            assert description not in shown, action
            await pilot.press(key)
            await pilot.pause(0.2)
            assert len(app.screen_stack) == 1, action  # no form, no confirmation opened
            app._notifications.clear()
            await app.open_pane_action("nuxeo", action)
            await pilot.pause(0.2)
            messages = [n.message for n in app._notifications]
            assert messages == ["Read-only: servicedeck changes nothing on the servers in this mode."], action
        # reading still works: search (and automation operations that only read)
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchDialog))
        await pilot.press(*"Apollo", "enter")
        await wait_for(pilot, lambda: len(app.screen.docs) > 0)
        await pilot.press("escape")
        nuxeo = app.clients["nuxeo"]
        assert isinstance(nuxeo, NuxeoClient)
        await nuxeo.execute("Document.Fetch", params={"value": workspaces.uid}, reads=True)
        with pytest.raises(ReadOnlyError):
            await nuxeo.delete(workspaces.uid)
    sent = [(e.method, e.url) for e in app.exchange_log if not e.is_message]
    assert {m for m, _ in sent} <= {"GET", "HEAD", "POST"}
    assert all(url.endswith("/site/automation/Document.Fetch") for m, url in sent if m == "POST")
    assert (await client.get(workspaces.uid)).uid == workspaces.uid


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
async def test_the_search_results_export_every_page(box, tmp_path, client, fmt):
    word = f"export{uuid.uuid4().hex[:6]}"
    folder = await client.create(
        "/default-domain/workspaces", type="Folder", name=f"x-{word}", properties={"dc:title": "Export here"}
    )
    for index in range(230):  # more than one export page and more than one search dialog page
        await client.create(folder.uid, type="Note", name=f"n{index}", properties={"dc:title": f"{word} {index}"})
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await pilot.press("ctrl+x")
        await pilot.pause(0.2)
        assert not isinstance(app.screen, ExportScreen)  # no search yet: nothing to export
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchDialog))
        await pilot.press(*word, "enter")
        await wait_for(pilot, lambda: len(app.screen.docs) == 50)  # the dialog holds the first page only
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is not None and not isinstance(app.screen, SearchDialog))
        pane.document_tree.focus()
        await pilot.press("ctrl+x")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
        target = tmp_path / f"out.{fmt}"
        app.screen.query_one("#export-format", Select).value = fmt
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, ExportScreen), timeout=20)
    text = target.read_text()
    rows = list(csv.DictReader(io.StringIO(text))) if fmt == "csv" else [json.loads(x) for x in text.splitlines()]
    assert len(rows) == 230
    assert {row["title"] for row in rows} == {f"{word} {index}" for index in range(230)}
    assert all(row["path"].startswith(folder.path + "/") and "raw" not in row for row in rows)
    assert any("Exported 230" in n.message for n in app._notifications)

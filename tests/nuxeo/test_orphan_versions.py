"""What a real Nuxeo sends that the client once refused: a version whose live document was deleted (kept until a
clean-up, with no path and no parent), read by the client and shown by the search without pretending it has a place in
the tree; and a result count Nuxeo stopped counting (-2)."""

from __future__ import annotations

import uuid

from textual.widgets import Input

from tests.conftest import make_app, wait_for
from tui.services.nuxeo.dialogs import SearchDialog
from tui.services.nuxeo.pane import DocumentsPane


async def orphan_version(client, workspace):
    doc = await client.create(
        workspace.uid, type="Note", name=f"gone-{uuid.uuid4().hex[:6]}", properties={"dc:title": "Gone"}
    )
    await client.update(doc.uid, {"dc:description": "v1"}, versioning="minor")
    (version,) = await client.versions(doc.uid)
    await client.delete(doc.uid)
    return version


async def test_the_client_reads_a_version_whose_document_was_deleted(client, workspace):
    version = await orphan_version(client, workspace)
    page = await client.query(f"SELECT * FROM Document WHERE ecm:isVersion = 1 AND ecm:uuid = '{version.uid}'")
    (found,) = page.entries
    assert found.uid == version.uid and found.is_version and found.path == ""
    assert (await client.get(version.uid)).version_label == version.version_label


async def test_searching_it_says_it_is_in_no_folder(box, tmp_path, client, workspace):
    version = await orphan_version(client, workspace)
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=(140, 45)) as pilot:
        pane = app.query_one(DocumentsPane)
        await wait_for(pilot, lambda: pane.root_loaded)
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchDialog))
        dialog = app.screen
        dialog.query_one("#search-input", Input).value = f"SELECT * FROM Document WHERE ecm:uuid = '{version.uid}'"
        await pilot.press("enter")
        await wait_for(pilot, lambda: [d.uid for d in dialog.docs] == [version.uid])
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: any("in no folder" in str(n.message) for n in app._notifications))


def test_a_count_nuxeo_stopped_counting_is_read_as_unknown():
    """Nuxeo's page providers that stop counting at a limit report -2 ("not counted"), as -1 means "unknown"."""
    from tui.services.nuxeo.models import DocumentPage
    from tui.services.nuxeo.wire import PageWire, checked

    raw = {"entity-type": "documents", "entries": [], "resultsCount": -2, "isNextPageAvailable": True}
    page = DocumentPage.from_wire(checked(raw, PageWire, "GET test"), raw)
    assert page.total_size == 0 and page.entries == []

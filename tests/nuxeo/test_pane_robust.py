"""The Documents pane when the server misbehaves or goes away: one readable sentence, no "connecting…" left, keys still
work; when the server comes back, the pane finds out by itself and loads again. Drafts reach the disk on every key;
a download's default name is safe whatever name the server gives the file."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from textual.widgets import Input, TextArea

from tests.conftest import make_app, wait_for
from tests.hostile import CLASS_NAME, MODES, HostileServer, quicken
from tui.drafts import DraftStore
from tui.profiles import Connection, Profile
from tui.sandbox import Sandbox
from tui.services.nuxeo.client import NuxeoClient
from tui.services.nuxeo.dialogs import EditDocumentDialog, SearchDialog
from tui.services.nuxeo.pane import DocumentsPane
from tui.widgets.connection_bar import ConnectionBar
from tui.widgets.dialogs import FormDialog

SIZE = (140, 45)
DEADLINE = 1.5


@pytest.fixture(scope="module")
def server():
    with HostileServer() as running:
        yield running


@pytest.fixture
def quick_clients(monkeypatch):
    quicken(monkeypatch, NuxeoClient, DEADLINE)


def error_notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications if n.severity == "error"]


def root_label(pane: DocumentsPane) -> str:
    return str(pane.document_tree.root.label)


async def test_a_hostile_server_gets_one_readable_sentence_and_the_pane_stays_usable(
    server, quick_clients, tmp_path, monkeypatch
):
    """Every mode in turn, in one app (ctrl+r loads the tree again): each ends with a sentence, never a spinner."""
    monkeypatch.setattr(DocumentsPane, "RECOVERY_DELAYS", (60.0,))  # no probe between the modes: ctrl+r drives
    connection = Connection(
        kind="nuxeo", url=server.url + "/nuxeo", username="Administrator", secret="Pw-s3cret", secret_source="memory"
    )
    modes = sorted(MODES)
    server.set_mode(modes[0])
    app = make_app(Profile(name="hostile", connections={"nuxeo": connection}, builtin=True), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(DocumentsPane)
        bar = app.query_one(ConnectionBar)
        for mode in modes:
            server.set_mode(mode)
            if mode != modes[0]:  # the first load is already on its way
                app.clear_notifications()
                await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: error_notes(app) and "connecting" not in root_label(pane))
            for note in error_notes(app):
                assert note.startswith("Could not load the document tree: "), (mode, note)
                assert "\n" not in note and len(note) < 500 and not CLASS_NAME.search(note), (mode, note)
                assert "Pw-s3cret" not in note
            assert "not connected" in root_label(pane), mode
            assert bar.state_of("nuxeo") == "error", mode
            assert not CLASS_NAME.search(bar.states["nuxeo"][1]), (mode, bar.states["nuxeo"])
            assert not pane.root_loaded
            await pilot.press("slash")  # keys still work: the search opens and closes
            await wait_for(pilot, lambda: isinstance(app.screen, SearchDialog))
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, SearchDialog))


async def test_the_pane_notices_the_server_go_and_come_back_and_reloads(tmp_path_factory, tmp_path, monkeypatch):
    monkeypatch.setattr(DocumentsPane, "RECOVERY_DELAYS", (0.2, 0.5))
    data_dir = tmp_path_factory.mktemp("nuxeo-restarted")
    box = Sandbox(data_dir=data_dir, kinds=["nuxeo"]).start()
    try:
        app = make_app(box.profile(), tmp_path, pane="nuxeo")
        async with app.run_test(size=SIZE) as pilot:
            pane = app.query_one(DocumentsPane)
            bar = app.query_one(ConnectionBar)
            await wait_for(pilot, lambda: pane.root_loaded and bar.states["nuxeo"] == ("ok", "Administrator"))
            root = pane.document_tree.root
            box.stop()
            await pilot.press("r")  # reload the root folder: nobody answers
            await wait_for(pilot, lambda: bar.state_of("nuxeo") == "error")
            failed = root.data.folder
            box = Sandbox(port=box.port or 0, data_dir=data_dir, kinds=["nuxeo"]).start()  # same port, same data
            # no key pressed: the bar turns back by itself, names who is signed in again, and the tree is reloaded
            await wait_for(pilot, lambda: bar.states["nuxeo"] == ("ok", "Administrator"), timeout=15)
            await wait_for(pilot, lambda: root.data.folder is not failed and root.data.folder.complete)
            assert [child.data.doc.path for child in root.children] == ["/default-domain"]
    finally:
        box.stop()


async def test_every_key_typed_in_the_editor_is_in_the_draft_file_at_once(box, tmp_path, client, workspace):
    doc = await client.create(workspace.uid, type="Note", name="drafty", properties={"dc:title": "Drafty"})
    drafts = DraftStore(tmp_path / "drafts")
    app = make_app(box.profile(), tmp_path, pane="nuxeo", drafts=drafts)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(DocumentsPane)
        await wait_for(pilot, lambda: pane.root_loaded)
        pane.reveal(doc.path)
        await wait_for(pilot, lambda: pane.selected_node() is not None and pane.selected_doc().uid == doc.uid)
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, EditDocumentDialog))
        form = app.screen
        title = form.query_one("#field-dc-title", Input)
        title.focus()
        await pilot.pause()
        await pilot.press("end", "!")
        assert "Drafty!" in draft_files(drafts)  # on disk now, not after some timer
        form.query_one("#field-dc-description", TextArea).focus()
        await pilot.pause()
        await pilot.press("n", "o", "w")
        assert '"dc:description": "now"' in draft_files(drafts)


def draft_files(drafts: DraftStore) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in drafts.root.glob("*.json"))


async def test_a_download_is_offered_under_a_safe_name_whatever_the_server_calls_the_file(
    box, tmp_path, client, workspace
):
    """The default path used to be ~/Downloads/ + the server's name as it was: "../../.bashrc" and all."""
    doc = await client.create(workspace.uid, type="File", name="odd", properties={"dc:title": "Odd"})
    batch = (await client.http.request("POST", "api/v1/upload")).json()["batchId"]
    await client.http.request(
        "POST",
        f"api/v1/upload/{batch}/0",
        content=b"not what it seems",
        headers={"X-File-Name": quote("../../.bash\x1brc\u202e"), "Content-Type": "text/plain"},
    )
    await client.update(doc.uid, {"file:content": {"upload-batch": batch, "upload-fileId": "0"}})
    assert (await client.get(doc.uid)).blob.name == "../../.bash\x1brc\u202e"  # the server keeps the name as given
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(DocumentsPane)
        await wait_for(pilot, lambda: pane.root_loaded)
        pane.reveal(doc.path)
        await wait_for(pilot, lambda: pane.selected_node() is not None and pane.selected_doc().uid == doc.uid)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, FormDialog))
        assert app.screen.query_one("#field-dest", Input).value == str(Path("~/Downloads") / "bashrc")
        await pilot.press("escape")

"""The trash, as Nuxeo's Web UI keeps it: `d` trashes (z undoes), `t` lists the folder's trash to restore or delete
for good behind a confirmation that names the document and what goes with it."""

from __future__ import annotations

import pytest

from tests.conftest import make_app, wait_for
from tests.nuxeo.test_pane import cursor_path, reveal, started
from tui.http import NotFoundError
from tui.services.nuxeo.trash_view import TrashScreen
from tui.widgets.dialogs import ConfirmDialog

SIZE = (140, 45)


async def test_the_client_trashes_restores_and_lists_the_trash(client, workspace):
    doc = await client.create(workspace.uid, type="Note", name="n", properties={"dc:title": "Note"})
    trashed = await client.trash(doc.uid)
    assert trashed.is_trashed and (await client.get(doc.uid)).is_trashed
    assert [d.uid for d in (await client.trashed_children(workspace.uid)).entries] == [doc.uid]
    restored = await client.untrash(doc.uid)
    assert not restored.is_trashed and not (await client.trashed_children(workspace.uid)).entries
    assert await client.descendant_count(workspace.path) == 1


async def test_trash_then_undo_from_the_notification(box, tmp_path, client, workspace):
    doc = await client.create(workspace.uid, type="Note", name="n", properties={"dc:title": "Keep me"})
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, doc.path)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: pane.document_tree.node_for_uid(doc.uid) is None)
        assert (await client.get(doc.uid)).is_trashed
        assert any("z puts it back" in n.message for n in app._notifications)
        await pilot.press("z")
        await wait_for(pilot, lambda: cursor_path(pane) == doc.path)
        assert not (await client.get(doc.uid)).is_trashed


async def test_the_trash_view_restores_and_deletes_for_good_after_naming_what_goes(box, tmp_path, client, workspace):
    folder = await client.create(workspace.uid, type="Folder", name="old", properties={"dc:title": "Old stuff"})
    for index in range(3):
        await client.create(folder.uid, type="Note", name=f"n{index}", properties={"dc:title": f"Old {index}"})
    note = await client.create(workspace.uid, type="Note", name="back", properties={"dc:title": "Bring back"})
    await client.trash(folder.uid)
    await client.trash(note.uid)
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, workspace.path)
        folder_node = pane.document_tree.cursor_node
        await pilot.press("space")
        await wait_for(pilot, lambda: folder_node.data.folder.complete)
        assert pane.document_tree.node_for_uid(note.uid) is None  # trashed documents are not in the tree
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TrashScreen) and len(app.screen.docs) == 2)
        trash = app.screen
        assert [d.title for d in trash.docs] == ["Bring back", "Old stuff"]
        await pilot.press("r")  # the first: "Bring back"
        await wait_for(pilot, lambda: len(trash.docs) == 1)
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        question = app.screen.question
        assert "Old stuff" in question and folder.path in question and "3 documents inside it" in question
        assert "cannot be undone" in question
        await pilot.press("n")  # not this time
        await wait_for(pilot, lambda: app.screen is trash)
        assert (await client.get(folder.uid)).is_trashed
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: not trash.docs)
        await pilot.press("escape")
        await wait_for(pilot, lambda: pane.document_tree.node_for_uid(note.uid) is not None)
        with pytest.raises(NotFoundError):
            await client.get(folder.uid)
        assert not (await client.get(note.uid)).is_trashed


async def test_read_only_hides_the_trash_views_writing_keys(box, tmp_path, client, workspace):
    note = await client.create(workspace.uid, type="Note", name="n", properties={"dc:title": "Trashed"})
    await client.trash(note.uid)
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    app._read_only_asked = True
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, workspace.path)
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TrashScreen) and len(app.screen.docs) == 1)
        for key in ("r", "D"):
            await pilot.press(key)
            await pilot.pause(0.2)
            assert isinstance(app.screen, TrashScreen) and len(app.screen.docs) == 1
        await pilot.press("escape")
    assert (await client.get(note.uid)).is_trashed
    assert {e.method for e in app.exchange_log if not e.is_message} <= {"GET", "HEAD"}

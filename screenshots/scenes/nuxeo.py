"""Screenshot scenes of the Documents pane: the tree with details, the property editor, search results, the operation
runner, a folder's trash and a document's versions."""

from __future__ import annotations

from tests.conftest import wait_for


def _pane(pilot):
    from tui.services.nuxeo.pane import DocumentsPane

    return pilot.app.query_one(DocumentsPane)


SAMPLE = "/default-domain/workspaces/Projects/Apollo/requirements"


async def _sample_document(pane):
    """A file with some text, a few folders deep: the nicest thing to show in the details."""
    from tui.http import NotFoundError

    try:
        return await pane.client.get(SAMPLE)
    except NotFoundError:
        page = await pane.client.search(
            "SELECT * FROM File WHERE ecm:path STARTSWITH '/default-domain/workspaces'", page_size=1
        )
        return page.entries[0] if page.entries else None


async def documents(pilot) -> None:
    """The tree opened down to a note, its details on the right (every other scene starts from here)."""
    pane = _pane(pilot)
    await wait_for(pilot, lambda: pane.root_loaded, timeout=20)
    doc = await _sample_document(pane)
    if doc is not None:
        pane.reveal(doc.path)
        await wait_for(pilot, lambda: pane.details.doc is not None and pane.details.doc.uid == doc.uid, timeout=20)
    # the details refresh with every schema once the cursor rests; give that request time to land
    await pilot.pause(0.6)


async def documents_edit(pilot) -> None:
    from tui.services.nuxeo.dialogs import EditDocumentDialog

    await documents(pilot)
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, EditDocumentDialog), timeout=20)
    # down to the typed editors: the subjects list (one per line), the dates, and the versioning choice below them
    subjects = next(w for w in pilot.app.screen.query("*") if w.id and w.id.endswith("subjects"))
    subjects.focus()
    await pilot.pause(0.1)
    subjects.scroll_visible(top=True, animate=False)
    await pilot.pause(0.1)
    subjects.parent.scroll_relative(y=-2, animate=False)  # and its label above it
    await pilot.press(*"requirements", "enter", *"platform")
    await pilot.pause(0.2)


async def documents_search(pilot) -> None:
    from tui.services.nuxeo.dialogs import SearchDialog

    await documents(pilot)
    word = "Apollo"  # the seeded project: its folder, notes and files all match
    await pilot.press("slash")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, SearchDialog))
    dialog = pilot.app.screen
    dialog.query_one("#search-input").value = word
    await pilot.press("enter")
    await wait_for(pilot, lambda: not dialog.searching and dialog.last_page is not None, timeout=20)
    await pilot.press("down")
    await pilot.pause(0.2)


async def documents_operation(pilot) -> None:
    from tui.services.nuxeo.dialogs import OperationDialog

    await documents(pilot)
    await pilot.press("o")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, OperationDialog), timeout=20)
    await pilot.press(*"Document.")
    await pilot.press("down")
    await pilot.pause(0.2)


async def documents_trash(pilot) -> None:
    """The sample's folder's trash, holding a note trashed a moment ago."""
    from tui.services.nuxeo.trash_view import TrashScreen

    await documents(pilot)
    pane = _pane(pilot)
    folder = SAMPLE.rsplit("/", 1)[0]
    note = await pane.client.create(
        folder, type="Note", name="old-minutes", properties={"dc:title": "Old meeting minutes"}
    )
    await pane.client.trash(note.uid)
    await pilot.press("t")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, TrashScreen) and pilot.app.screen.docs, timeout=20)
    await pilot.pause(0.2)


async def documents_versions(pilot) -> None:
    """The sample's versions after two minor saves and a major one, the document locked meanwhile."""
    from tui.services.nuxeo.versions_view import VersionsScreen

    await documents(pilot)
    pane = _pane(pilot)
    doc = pane.details.doc
    if doc is None:
        return
    for option, title in (("minor", "Requirements (draft)"), ("minor", "Requirements (review)"), ("major", None)):
        doc = await pane.client.update(doc.uid, {"dc:title": title or doc.title}, versioning=option)
    await pane.client.lock_document(doc.uid)
    pane.show_updated(await pane.client.get(doc.uid))
    await pilot.press("V")
    await wait_for(
        pilot, lambda: isinstance(pilot.app.screen, VersionsScreen) and pilot.app.screen.versions, timeout=20
    )
    await pilot.pause(0.2)


SCENES = [
    ("documents", documents),
    ("documents-edit", documents_edit),
    ("documents-search", documents_search),
    ("documents-operation", documents_operation),
    ("documents-trash", documents_trash),
    ("documents-versions", documents_versions),
]

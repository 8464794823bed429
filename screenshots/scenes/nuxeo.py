"""Screenshot scenes of the Documents pane: the tree with details, the editor, search results, the operation runner."""

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


SCENES = [
    ("documents", documents),
    ("documents-edit", documents_edit),
    ("documents-search", documents_search),
    ("documents-operation", documents_operation),
]

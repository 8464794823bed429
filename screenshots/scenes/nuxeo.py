"""Screenshot scenes of the Documents pane: the tree with details, the editor, search results, the operation runner."""

from __future__ import annotations

from textual.screen import ModalScreen

from tests.conftest import wait_for


def _pane(pilot):
    from tui.services.nuxeo.pane import DocumentsPane

    return pilot.app.query_one(DocumentsPane)


async def _back_to_the_pane(pilot) -> None:
    while isinstance(pilot.app.screen, ModalScreen):
        await pilot.press("escape")
        await pilot.pause()


async def _sample_document(pane):
    """A Note with some text in a workspace: the nicest thing to show in the details."""
    for query in (
        "SELECT * FROM Note WHERE ecm:path STARTSWITH '/default-domain/workspaces' ORDER BY dc:title",
        "SELECT * FROM File WHERE ecm:path STARTSWITH '/default-domain/workspaces' ORDER BY dc:title",
        "SELECT * FROM Document WHERE ecm:path STARTSWITH '/default-domain/workspaces' ORDER BY dc:title",
    ):
        page = await pane.client.search(query, page_size=5)
        if page.entries:
            return page.entries[0]
    return None


async def documents(pilot) -> None:
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

    await _back_to_the_pane(pilot)
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, EditDocumentDialog), timeout=20)
    await pilot.pause(0.2)


async def documents_search(pilot) -> None:
    from tui.services.nuxeo.dialogs import SearchDialog

    await _back_to_the_pane(pilot)
    pane = _pane(pilot)
    word = ((pane.details.doc.title if pane.details.doc else "") or "document").split()[0]
    await pilot.press("slash")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, SearchDialog))
    dialog = pilot.app.screen
    dialog.query_one("#search-input").value = word
    await pilot.press("enter")
    await wait_for(pilot, lambda: not dialog.loading and dialog.last_page is not None, timeout=20)
    await pilot.press("down")
    await pilot.pause(0.2)


async def documents_operation(pilot) -> None:
    from tui.services.nuxeo.dialogs import OperationDialog

    await _back_to_the_pane(pilot)
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

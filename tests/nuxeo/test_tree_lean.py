"""The document tree's per-document cost: a folder opened by the user shows open with its first page in one go, and a
listed document keeps one copy of what repeats from one document to the next."""

from __future__ import annotations

from textual.widgets import Tree

from tests.conftest import make_app, wait_for
from tests.nuxeo.test_pane import SIZE, big_folder, reveal, started
from tui.services.nuxeo.models import Document
from tui.services.nuxeo.tree_view import listed


async def test_a_folder_opened_with_a_key_shows_open_with_its_first_page(box, tmp_path, client):
    path, total = await big_folder(client)
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    children_when_opened: list[int] = []

    def posted(message: object) -> None:  # at the moment the tree says the folder opened
        if isinstance(message, Tree.NodeExpanded) and message.node.data.doc and message.node.data.doc.path == path:
            children_when_opened.append(len(message.node.children))

    async with app.run_test(size=SIZE, message_hook=posted) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, path)
        folder = pane.document_tree.cursor_node
        assert folder is not None and not folder.is_expanded and not folder.children
        await pilot.press("space")
        await wait_for(pilot, lambda: folder.is_expanded and children_when_opened)
        assert children_when_opened[0] == 101  # its first page and the "load more" line, at the moment it opened
        assert f"of {total:,}" in str(folder.children[-1].label)
        await pilot.press("space")  # and closes again at once, as any open folder does
        assert not folder.is_expanded


async def test_listed_documents_share_what_repeats_and_keep_no_raw_json(client):
    path, _ = await big_folder(client)
    page = await client.children(path, page_size=50)
    first, second = (listed(doc) for doc in page.entries[:2])
    assert first.raw == {} and first.context_parameters == {}
    assert first.facets is second.facets and first.parent_ref is second.parent_ref and first.type is second.type
    assert first.properties["dc:title"] is first.title  # one copy of the title, not two
    assert (first.title, first.path, first.author, first.modified) == (
        page.entries[0].title,
        page.entries[0].path,
        page.entries[0].author,
        page.entries[0].modified,
    )
    assert not hasattr(first, "__dict__") and "uid" in Document.__slots__

"""The document tree's cost per page and per frame: a page of a hundred documents invalidates the tree once (not once
per line), a label goes in as it is (not split and copied), and a frame works out the widget's style once (not once per
line) while drawing exactly what the stock `Tree` draws."""

from __future__ import annotations

from textual.widgets import Tree

from tests.conftest import make_app, wait_for
from tests.nuxeo.test_pane import SIZE, big_folder, reveal, started
from tui.services.nuxeo.tree_view import DocumentTree, FolderState, node_data


async def test_a_page_invalidates_the_tree_once_and_keeps_its_labels(box, tmp_path, client, monkeypatch):
    path, _ = await big_folder(client)
    page = await client.children(path, page_size=100)
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        tree = pane.document_tree
        folder = tree.root.children[0]
        invalidations = 0
        stock = Tree._invalidate

        def counted(self: Tree[object]) -> None:
            nonlocal invalidations
            invalidations += 1
            stock(self)

        monkeypatch.setattr(Tree, "_invalidate", counted)
        state = FolderState()
        node_data(folder).folder = state
        folder.remove_children()
        invalidations = 0
        tree.append_page(folder, page.entries, state)
        assert invalidations == 1
        assert len(folder.children) == len(page.entries) + 1  # and the "load more" line
        label = folder.children[0].label
        node = folder.add_leaf(label)
        assert node.label is label  # one line already: not split into lines and copied


async def test_a_frame_works_out_the_style_once_and_draws_what_the_stock_tree_draws(box, tmp_path, client, monkeypatch):
    path, _ = await big_folder(client)
    app = make_app(box.profile(), tmp_path, pane="nuxeo")
    async with app.run_test(size=SIZE) as pilot:
        pane = await started(pilot)
        await reveal(pilot, pane, path)
        await pilot.press("space")
        tree = pane.document_tree
        await wait_for(pilot, lambda: len(tree.cursor_node.children) > tree.size.height)
        await pilot.pause()
        lines = range(tree.size.height)
        tree._line_cache.clear()
        stock = [list(Tree.render_line(tree, y)) for y in lines]
        tree._line_cache.clear()  # drawn again, not taken from the lines just cached
        tree._frame_style = tree.rich_style  # as `render_lines` sets it for the frame
        mine = [list(tree.render_line(y)) for y in lines]
        tree._frame_style = None
        assert mine == stock
        first_child = tree.cursor_node.children[0].label.plain
        assert any(first_child in "".join(segment.text for segment in line) for line in mine)  # the page is drawn

        looked_up = 0
        style_of = DocumentTree.rich_style

        def counted(self: DocumentTree):
            nonlocal looked_up
            looked_up += 1
            return style_of.fget(self)

        monkeypatch.setattr(DocumentTree, "rich_style", property(counted))
        tree._line_cache.clear()
        tree.render_lines(tree.region.reset_offset)
        assert looked_up == 1

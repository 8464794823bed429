"""Filling the document tree from the server: a folder's children a page at a time (100), the next page fetched as
the cursor nears the end of what is loaded, so a folder of ten thousand documents opens as fast as one of ten; and
opening the tree down to a path (search results, moves)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.widgets.tree import TreeNode

from tui.http import ServiceError
from tui.services.nuxeo.client import NuxeoClient
from tui.services.nuxeo.first_screen import PAGE_SIZE
from tui.services.nuxeo.models import DocumentPage
from tui.services.nuxeo.tree_view import DocumentTree, FolderState, NodeData, node_data
from tui.widgets.pane import ServicePane


class FolderLoader:
    """Fetches pages of children into `tree` for `pane` (whose client, workers and notifications it uses)."""

    def __init__(self, pane: ServicePane[NuxeoClient], tree: DocumentTree, on_page: Callable[[], None]):
        self.pane = pane
        self.tree = tree
        self.on_page = on_page  # a page arrived: the connection works

    def request(
        self, node: TreeNode[NodeData], *, only_if_empty: bool = False, auto: bool = False
    ) -> asyncio.Future[bool] | None:
        """Start fetching the next page of `node`'s children now. Returns the future of that fetch (True when the page
        is in), the one already on its way, or None when there is nothing to fetch. An `auto` request (the cursor
        came near the end) does not retry a folder that just failed: the user does, with enter on its error line."""
        state = node.data.folder if node.data is not None else None
        if state is None:
            return None
        if state.pending is not None:
            return state.pending
        if state.complete or (only_if_empty and state.loaded and not state.error) or (auto and state.error):
            return None
        state.error = ""
        state.pending = asyncio.get_running_loop().create_future()  # set now, so a second request joins this one
        self.tree.refresh_more(node)
        self.pane.run_worker(self._fetch(node, state), group="nuxeo-children", exit_on_error=False)
        return state.pending

    async def load(self, node: TreeNode[NodeData], *, only_if_empty: bool = False) -> bool:
        """Fetch the next page of `node`'s children (or wait for the one already on its way). False if it failed."""
        if node.data is None or node.data.folder is None:
            return False
        future = self.request(node, only_if_empty=only_if_empty)
        return True if future is None else await asyncio.shield(future)

    async def _fetch(self, node: TreeNode[NodeData], state: FolderState) -> None:
        ok = False
        data = node_data(node)
        try:
            pages = [state.next_page]
            if state.shifted and state.next_page > 0:
                # Documents were removed from this folder since the last page: server offsets moved back, so read the
                # previous page again (duplicates are skipped) rather than silently skip a document.
                pages.insert(0, state.next_page - 1)
            for number in pages:
                page = await self.pane.client.children(
                    data.doc.uid if data.doc else "/", page=number, page_size=PAGE_SIZE
                )
                if node.data is None or node.data.folder is not state:
                    return  # the folder was reloaded meanwhile; this page belongs to the old listing
                if number == state.next_page:
                    self.apply_page(node, state, page)
                else:
                    self.tree.append_page(node, page.entries, state)
            state.shifted = False
            ok = True
            self.on_page()
        except Exception as exc:
            title = data.doc.title if data.doc else "this folder"
            self.pane.report(exc, f"load the documents in {title}")
            if node.data is not None and node.data.folder is state:
                self.tree.show_failure(node, state, exc.message if isinstance(exc, ServiceError) else "unexpected")
        finally:  # also when cancelled: whoever waits on this page must not wait forever
            future, state.pending = state.pending, None
            if future is not None and not future.done():
                future.set_result(ok)
            if node.data is not None and node.data.folder is state:
                self.tree.refresh_more(node)

    def apply_page(self, node: TreeNode[NodeData], state: FolderState, page: DocumentPage) -> None:
        state.total = page.total_size
        state.next_page = page.page_index + 1
        state.loaded += len(page.entries)
        state.complete = (
            not page.is_next_page_available
            or not page.entries
            or (page.total_size >= 0 and state.loaded >= page.total_size)
        )
        self.tree.append_page(node, page.entries, state)

    async def reveal(self, path: str) -> TreeNode[NodeData] | None:
        """Expand the ancestors of `path` (loading pages as needed) and put the cursor on it."""
        tree = self.tree
        node = tree.root
        for part in [p for p in path.strip("/").split("/") if p]:
            node.expand()
            if not await self.load(node, only_if_empty=True):
                return None
            child = tree.find_child(node, name=part)
            while child is None and not folder_complete(node):
                if not await self.load(node):
                    return None
                child = tree.find_child(node, name=part)
            if child is None:
                self.pane.notify(
                    f"{path} is not in the tree any more; it may have been moved or deleted.",
                    severity="warning",
                    markup=False,  # a path is text
                )
                return None
            node = child
        tree.focus()
        tree.select_line_of(node)
        return node


def folder_complete(node: TreeNode[NodeData]) -> bool:
    """Every child of this folder is listed (a document that is not a folder has none to list)."""
    state = node_data(node).folder
    return state is None or state.complete

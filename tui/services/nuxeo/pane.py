"""The Documents pane: browse a Nuxeo repository as a tree, read and edit documents, search, transfer files, run
automation operations.

The pane holds the tree and the details side by side and keeps them in step; what it is made of lives beside it:
paging folders in (`folder_loader.py`), the tree and details views, editing (`edit_flow.py`), file transfers
(`transfers.py`), new/move/operation forms (`document_flows.py`), and `form_flow.py`, the one way every form here
meets a failure. Those action modules (and the dialogs and Textual widgets they bring) are imported by the action
that first needs them, not with the pane: start-up imports only what the tree and the details show.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from tui.http import ServiceError
from tui.services.nuxeo import keys
from tui.services.nuxeo.client import NuxeoClient
from tui.services.nuxeo.details_view import DocumentDetails
from tui.services.nuxeo.first_screen import root_and_first_page
from tui.services.nuxeo.folder_loader import FolderLoader
from tui.services.nuxeo.lock_version_keys import LockAndVersionKeys
from tui.services.nuxeo.models import Document, DocumentPage, Operation
from tui.services.nuxeo.render import document_label
from tui.services.nuxeo.tree_view import PREFETCH_DISTANCE, DocumentTree, FolderState, NodeData, node_data
from tui.widgets.pane import PaneContext, ServicePane

if TYPE_CHECKING:
    from tui.widgets.export_source import ExportSource


class DocumentsPane(LockAndVersionKeys, ServicePane[NuxeoClient]):
    kind = "nuxeo"
    DEFAULT_CSS = """
    DocumentsPane #nuxeo-body { height: 1fr; }
    DocumentsPane .nuxeo-transfer { height: 1; padding: 0 1; background: $boost; }
    DocumentsPane .nuxeo-transfer Label { width: auto; margin-right: 2; }
    """
    WRITE_ACTIONS = keys.WRITE_ACTIONS
    BINDINGS: ClassVar[list[BindingType]] = keys.BINDINGS
    COMMANDS: ClassVar[list[tuple[str, str]]] = keys.COMMANDS

    def __init__(self, client: NuxeoClient, context: PaneContext, **kwargs: Any):
        super().__init__(client, context, **kwargs)
        self.connected = False
        self.root_loaded = False
        self._operations: list[Operation] | None = None
        self._search_state: tuple[str, DocumentPage | None, list[Document]] = ("", None, [])
        self._stop_following: Callable[[], None] = lambda: None
        self.last_trashed: Document | None = None  # what `z` restores

    # -- layout --------------------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="nuxeo-body"):
            tree = DocumentTree(Text("/"), NodeData(folder=FolderState()), id="nuxeo-tree")
            tree.guide_depth = 3
            self.folders = FolderLoader(self, tree, on_page=self._connected_ok)
            tree.before_expand = lambda node: self.folders.request(node, only_if_empty=True)
            yield tree
            yield DocumentDetails(id="nuxeo-details")
        # the progress bar row is mounted only while a file transfer runs

    @property
    def document_tree(self) -> DocumentTree:
        return self.query_one("#nuxeo-tree", DocumentTree)

    @property
    def details(self) -> DocumentDetails:
        return self.query_one("#nuxeo-details", DocumentDetails)

    # -- loading -------------------------------------------------------------------------------------------------------

    def on_first_show(self) -> None:
        self.document_tree.focus()  # now, not after the load: the footer redraws its keys once, during the first frame
        self.load_root()

    def reload(self) -> None:
        if not self.root_loaded:
            self.load_root()
        else:
            self.action_reload_folder()

    @work(exclusive=True, group="nuxeo-root", exit_on_error=False)
    async def load_root(self) -> None:
        tree = self.document_tree
        self.set_state("connecting")
        # A label rather than Textual's loading overlay: the overlay is a widget with an animation, mounted during the
        # app's first frame, which is exactly when start-up time is spent.
        tree.root.set_label(Text.assemble("/ ", ("connecting…", "italic dim")))
        first_answers, self.first_answers = self.first_answers, None  # sent by the app as it started, if it did
        try:
            root_doc, first = await (first_answers or root_and_first_page(self.client))
        except Exception as exc:
            tree.root.set_label(Text.assemble("/ ", ("not connected: ctrl+r to retry", "italic red")))
            self.connected = False
            self.set_state("error", exc.message if isinstance(exc, ServiceError) else "something unexpected went wrong")
            self.report(exc, "load the document tree")
            return
        tree.clear()
        state = FolderState()
        tree.root.data = NodeData(doc=root_doc, folder=state)
        tree.root.set_label(document_label(root_doc))
        self.folders.apply_page(tree.root, state, first)
        tree.root.expand()
        self.root_loaded = True
        self._connected_ok()
        tree.move_cursor(tree.root)
        # A fresh repository has a single domain under the root: open it so the first screen shows something useful.
        # After the frame that shows the root: opening it sends this process's first request, which first imports
        # the HTTP stack (tui.first_answers), and the root's answers should not wait for that.
        children = tree.root.children
        if len(children) == 1 and node_data(children[0]).folder is not None and children[0].allow_expand:
            self.call_after_refresh(children[0].expand)

    @on(events.Mount)
    def _follow_connection(self) -> None:
        self._stop_following = self.client.on_state(self._connection_changed)

    @on(events.Unmount)
    def _stop_following_connection(self) -> None:
        self._stop_following()

    def _connection_changed(self, state: str, detail: str) -> None:
        # The base pane shows the failure and the recovery; once the server answers again, the next page that
        # arrives says who is signed in, as the first one did.
        if state == "error":
            self.connected = False

    def _connected_ok(self) -> None:
        if not self.connected:
            self.connected = True
            self.set_state("ok", self.client.username or "signed in")

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        # Usually already started by the tree itself (see DocumentTree.before_expand); this covers programmatic expands.
        self.folders.request(event.node, only_if_empty=True, auto=True)

    async def load_page(self, node: TreeNode[NodeData], *, only_if_empty: bool = False) -> bool:
        """Fetch the next page of `node`'s children (or wait for the one already on its way). False if it failed."""
        return await self.folders.load(node, only_if_empty=only_if_empty)

    # -- selection and details -----------------------------------------------------------------------------------------

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[NodeData]) -> None:
        node = event.node
        data = node.data
        if data is None:
            return
        if data.more_for is not None:
            self.folders.request(data.more_for, auto=True)
            return
        if data.doc is not None:
            self.details.show(data.doc)
            self.fetch_details(node)
        parent = node.parent
        state = parent.data.folder if parent is not None and parent.data is not None else None
        if parent is not None and state is not None and not state.complete:
            # Look from the end: the cursor is usually near it when this matters, and the folder may hold thousands.
            if node in parent.children[-(PREFETCH_DISTANCE + 2) :]:
                self.folders.request(parent, auto=True)

    def on_tree_node_selected(self, event: Tree.NodeSelected[NodeData]) -> None:
        data = event.node.data
        if data is not None and data.more_for is not None:
            self.folders.request(data.more_for)

    @work(exclusive=True, group="nuxeo-details", exit_on_error=False)
    async def fetch_details(self, node: TreeNode[NodeData]) -> None:
        # Wait until the cursor rests: scrolling through a folder must not fire a request per line.
        await asyncio.sleep(0.2)
        doc = node_data(node).doc
        if doc is None:
            return
        try:
            full = await self.client.get(doc.uid, schemas="*", enrichers=("children",))
        except ServiceError:
            return  # the listing's copy is already shown; a failed refresh of it is not worth a notification
        if self.document_tree.cursor_node is node and node.data is not None:
            self.document_tree.replace_document(node, full)
            self.details.show(full)

    def show_cursor_details(self) -> None:
        """After the tree changed under the cursor (a document left it), the details show where the cursor is now:
        the tree only says so when the cursor's line number changes."""
        node = self.document_tree.cursor_node
        doc = node.data.doc if node is not None and node.data is not None else None
        if node is not None and doc is not None:
            self.details.show(doc)
            self.fetch_details(node)
        else:
            self.details.clear()

    def selected_node(self) -> TreeNode[NodeData] | None:
        node = self.document_tree.cursor_node
        if node is None or node.data is None or node.data.doc is None:
            return None
        return node

    def selected_doc(self) -> Document | None:
        node = self.selected_node()
        if node is None:
            self.notify("Select a document first.", severity="warning")
            return None
        return node_data(node).doc

    def folder_node(self) -> TreeNode[NodeData] | None:
        """The selected folder, or the folder holding the selected document."""
        node = self.document_tree.cursor_node
        while node is not None and (node.data is None or node.data.folder is None):
            node = node.parent
        return node

    def action_toggle_raw(self) -> None:
        raw = self.details.toggle_raw()
        self.notify("Showing the raw JSON." if raw else "Showing the properties.", timeout=2)

    def action_reload_folder(self) -> None:
        node = self.folder_node()
        if node is None:
            self.load_root()
            return
        self.reload_folder(node)

    def reload_folder(self, node: TreeNode[NodeData]) -> None:
        if node.is_root and not self.root_loaded:
            self.load_root()
            return
        node_data(node).folder = FolderState()
        self.document_tree.move_cursor(node)
        node.remove_children()
        node.expand()
        self.run_worker(self._reload_folder(node), group="nuxeo-reload", exit_on_error=False)

    async def _reload_folder(self, node: TreeNode[NodeData]) -> None:
        if await self.load_page(node):
            doc = node_data(node).doc
            if doc is not None:
                self.fetch_details(node)
            self.notify(f"Reloaded {doc.title if doc else '/'}.", timeout=2, markup=False)

    # -- revealing a path (search results, moves) ----------------------------------------------------------------------

    @work(exclusive=True, group="nuxeo-reveal", exit_on_error=False)
    async def reveal(self, path: str) -> TreeNode[NodeData] | None:
        return await self.reveal_path(path)

    async def reveal_path(self, path: str) -> TreeNode[NodeData] | None:
        """Expand the ancestors of `path` (loading pages as needed) and put the cursor on it."""
        if not self.root_loaded:
            return None
        return await self.folders.reveal(path)

    def show_updated(self, doc: Document) -> None:
        """A document changed here (edit, upload): its tree line and, if it is selected, the details follow."""
        tree = self.document_tree
        node = tree.node_for_uid(doc.uid)
        if node is not None:
            tree.replace_document(node, doc)
            if tree.cursor_node is node:
                self.details.show(doc)
                self.fetch_details(node)

    # -- editing -------------------------------------------------------------------------------------------------------

    def action_edit(self) -> None:
        doc = self.selected_doc()
        if doc is not None:
            self.edit_document(doc)

    def action_direct_edit(self) -> None:
        from tui.services.nuxeo import direct_edit

        direct_edit.start(self, self.selected_doc(), self.show_updated)

    @work(exclusive=True, group="nuxeo-edit", exit_on_error=False)
    async def edit_document(self, doc: Document) -> None:
        from tui.services.nuxeo.edit_flow import edit_document

        new_doc = await edit_document(self, doc)
        if new_doc is not None:
            self.show_updated(new_doc)

    # -- create, delete, move ------------------------------------------------------------------------------------------

    def action_create(self) -> None:
        folder = self.folder_node()
        if folder is None or node_data(folder).doc is None:
            self.notify("Select a folder first.", severity="warning")
            return
        self.create_document(folder)

    @work(exclusive=True, group="nuxeo-create", exit_on_error=False)
    async def create_document(self, folder: TreeNode[NodeData]) -> None:
        parent = node_data(folder).doc
        if parent is None:
            return
        from tui.services.nuxeo.document_flows import ask_new_document

        doc = await ask_new_document(self, parent)
        if doc is None:
            return
        node = self.document_tree.add_new_document(folder, doc)
        self.notify(f"Created {doc.title} in {parent.path}.", timeout=3, markup=False)
        if node is not None:
            self.document_tree.select_line_of(node)

    def action_delete(self) -> None:
        node = self.selected_node()
        if node is None:
            self.notify("Select a document first.", severity="warning")
            return
        if node.is_root:
            self.notify("The root cannot be deleted.", severity="warning")
            return
        self.delete_document(node)

    @work(exclusive=True, group="nuxeo-delete", exit_on_error=False)
    async def delete_document(self, node: TreeNode[NodeData]) -> None:
        """`d` moves to the trash, as Nuxeo's Web UI does (`z` restores it); deleting for good is the trash view's."""
        doc = node_data(node).doc
        if doc is None:
            return
        from tui.services.nuxeo.document_flows import ask_trash

        if not await ask_trash(self, doc):
            return
        self.document_tree.remove_document(node)
        self.show_cursor_details()
        self.last_trashed = doc
        self.notify(f"Moved {doc.title} to the trash: z puts it back, t shows the trash.", timeout=8, markup=False)

    def action_undo_trash(self) -> None:
        if self.last_trashed is None:
            self.notify("Nothing was moved to the trash here.", severity="warning")
            return
        self.restore_trashed(self.last_trashed)

    @work(exclusive=True, group="nuxeo-delete", exit_on_error=False)
    async def restore_trashed(self, doc: Document) -> None:
        from tui.services.nuxeo.document_flows import restore

        restored = await restore(self, doc)
        if restored is None:
            return
        self.last_trashed = None
        self.put_back([restored])
        self.notify(f"Restored {restored.title}.", timeout=3, markup=False)
        await self.reveal_path(restored.path)

    def put_back(self, docs: list[Document]) -> None:
        """Restored documents show again in their folder, when it is in the tree."""
        for doc in docs:
            folder = self.document_tree.node_for_uid(doc.parent_ref)
            if folder is not None:
                self.document_tree.add_new_document(folder, doc)

    def action_trash(self) -> None:
        folder = self.folder_node()
        doc = node_data(folder).doc if folder is not None else None
        if doc is None:
            self.notify("Select a folder first.", severity="warning")
            return
        from tui.services.nuxeo.trash_view import TrashScreen

        self.app.push_screen(TrashScreen(self.client, doc), lambda restored: self.put_back(restored or []))

    def action_move(self) -> None:
        node = self.selected_node()
        if node is None:
            self.notify("Select a document first.", severity="warning")
            return
        if node.is_root:
            self.notify("The root cannot be moved.", severity="warning")
            return
        self.move_document(node)

    @work(exclusive=True, group="nuxeo-move", exit_on_error=False)
    async def move_document(self, node: TreeNode[NodeData]) -> None:
        doc = node_data(node).doc
        if doc is None:
            return
        from tui.services.nuxeo.document_flows import ask_move

        moved = await ask_move(self, doc)
        if moved is None:
            return
        self.document_tree.remove_document(node)
        target_node = self.document_tree.node_for_uid(moved.parent_ref)
        target_state = node_data(target_node).folder if target_node is not None else None
        if target_node is not None and target_state is not None and (target_state.loaded or target_state.complete):
            self.document_tree.add_new_document(target_node, moved)  # a listed folder shows it now, not after a reload
        elif target_node is not None:
            self.document_tree.count_child(target_node, +1)
        self.show_cursor_details()
        self.notify(f"Moved to {moved.path}.", timeout=3, markup=False)
        await self.reveal_path(moved.path)

    # -- search --------------------------------------------------------------------------------------------------------

    def action_search(self) -> None:
        self.search_documents()

    @work(exclusive=True, group="nuxeo-search", exit_on_error=False)
    async def search_documents(self) -> None:
        from tui.services.nuxeo.dialogs import SearchDialog

        query, page, docs = self._search_state
        dialog = SearchDialog(
            lambda text, number: self.client.search(text, page=number, page_size=50), query, page, docs
        )
        doc = await self.app.push_screen_wait(dialog)
        self._search_state = (dialog.query_text, dialog.last_page, dialog.docs)
        if doc is not None and not doc.path:  # a version of a deleted document: Nuxeo keeps it, in no folder
            self.notify(f"{doc.title} is a version of a deleted document: it is in no folder.", markup=False)
        elif doc is not None:
            await self.reveal_path(doc.path)

    def export_source(self) -> ExportSource | None:
        query, page, _ = self._search_state
        if not query:
            return None
        from tui.services.nuxeo.export import search_export

        return search_export(self.client, query, page.total_size if page is not None else None)

    # -- files ---------------------------------------------------------------------------------------------------------

    def action_download(self) -> None:
        doc = self.selected_doc()
        if doc is None:
            return
        if doc.blob is None:
            self.notify(f"{doc.title} has no main file to download.", severity="warning", markup=False)
            return
        self.download_file(doc)

    @work(exclusive=True, group="nuxeo-download", exit_on_error=False)
    async def download_file(self, doc: Document) -> None:
        from tui.services.nuxeo.transfers import download

        saved = await download(self, doc)
        if saved is not None:
            self.notify(f"Saved {saved}.", timeout=5, markup=False)

    def action_upload(self) -> None:
        node = self.selected_node()
        if node is None:
            self.notify("Select a document or a folder first.", severity="warning")
            return
        self.upload_file(node)

    @work(exclusive=True, group="nuxeo-upload", exit_on_error=False)
    async def upload_file(self, node: TreeNode[NodeData]) -> None:
        doc = node_data(node).doc
        if doc is None:
            return
        from tui.services.nuxeo.transfers import upload

        uploaded = await upload(self, doc)
        if uploaded is None:
            return
        updated, path = uploaded
        if doc.is_folderish:
            new_node = self.document_tree.add_new_document(node, updated)
            if new_node is not None:
                self.document_tree.select_line_of(new_node)
        else:
            self.show_updated(updated)
        self.notify(f"Uploaded {path.name} to {updated.path}.", timeout=4, markup=False)

    # -- automation ----------------------------------------------------------------------------------------------------

    def action_operation(self) -> None:
        self.run_operation(self.selected_node())

    @work(exclusive=True, group="nuxeo-operation", exit_on_error=False)
    async def run_operation(self, node: TreeNode[NodeData] | None) -> None:
        if self._operations is None:
            try:
                self._operations = await self.client.operations()
            except Exception as exc:
                self.report(exc, "list the automation operations")
                return
        from tui.services.nuxeo.document_flows import run_operation

        await run_operation(self, self._operations, node_data(node).doc if node is not None else None)

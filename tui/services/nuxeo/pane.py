"""The Documents pane: browse a Nuxeo repository as a tree, read and edit documents, search, transfer files, run
automation operations.

Folders load lazily a page at a time (100 children), and the next page is fetched as the cursor nears the end of what is
loaded, so a folder of ten thousand documents opens as fast as one of ten.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Label, ProgressBar, Tree
from textual.widgets.tree import TreeNode

from tui.http import ConflictError, ServiceError
from tui.widgets.dialogs import ConfirmDialog, Field, FormDialog
from tui.widgets.pane import ServicePane

from .dialogs import (
    ConflictDialog,
    EditDocumentDialog,
    OperationDialog,
    ResultDialog,
    SaveResult,
    SearchDialog,
    operation_fields,
)
from .widgets import PAGE_SIZE, PREFETCH_DISTANCE, DocumentDetails, DocumentTree, FolderState, NodeData, document_label

# Properties a person never edits by hand: the server maintains them.
READ_ONLY_PROPERTIES = {
    "dc:creator",
    "dc:created",
    "dc:modified",
    "dc:lastContributor",
    "dc:contributors",
    "dc:issued",
    "dc:valid",
    "dc:expired",
    "uid:uid",
    "uid:major_version",
    "uid:minor_version",
    "common:icon",
    "common:icon-expanded",
    "note:mime_type",
}
LONG_TEXT_PROPERTIES = {"dc:description", "note:note"}
PROPERTY_LABELS = {
    "dc:title": "Title",
    "dc:description": "Description",
    "dc:source": "Source",
    "dc:rights": "Rights",
    "dc:format": "Format",
    "dc:language": "Language",
    "dc:coverage": "Coverage",
    "dc:nature": "Nature",
    "note:note": "Note text",
}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}T")
NEW_DOCUMENT_TYPES = ["Folder", "Workspace", "Note", "File", "OrderedFolder", "Section"]


def editable_keys(doc: Any) -> list[str]:
    """dc:title and dc:description first, then every other simple string property the server does not maintain."""
    keys = ["dc:title", "dc:description"]
    for key, value in doc.properties.items():
        if key in keys or key in READ_ONLY_PROPERTIES:
            continue
        if isinstance(value, str) and not _DATE.match(value):
            keys.append(key)
        elif value is None and key.startswith(("dc:", "note:")) and key not in ("dc:subjects",):
            keys.append(key)
    return keys


def text_of(value: Any) -> str:
    return "" if value is None else str(value)


class EditSession:
    """One document being edited: what the form started from, and the change token the save must carry."""

    def __init__(self, doc: Any, keys: list[str], draft_key: str):
        self.doc = doc
        self.keys = keys
        self.draft_key = draft_key
        self.original = {k: text_of(doc.properties.get(k)) for k in keys}
        self.token = doc.change_token


class DocumentsPane(ServicePane):
    kind = "nuxeo"

    DEFAULT_CSS = """
    DocumentsPane #nuxeo-body { height: 1fr; }
    DocumentsPane .nuxeo-transfer { height: 1; padding: 0 1; background: $boost; }
    DocumentsPane .nuxeo-transfer Label { width: auto; margin-right: 2; }
    """

    BINDINGS = [
        Binding("e", "edit", "Edit", id="nuxeo.edit", tooltip="Edit the title, description and other text properties"),
        Binding("n", "create", "New", id="nuxeo.create", tooltip="Create a document in the selected folder"),
        Binding("d", "delete", "Delete", id="nuxeo.delete", tooltip="Delete the selected document (asks first)"),
        Binding(
            "m", "move", "Move/rename", id="nuxeo.move", tooltip="Move the selected document or give it a new name"
        ),
        Binding("slash", "search", "Search", id="nuxeo.search", tooltip="Search by words or NXQL"),
        Binding("s", "download", "Download", id="nuxeo.download", tooltip="Download the main file of the document"),
        Binding("u", "upload", "Upload", id="nuxeo.upload", tooltip="Attach a local file (or add it to the folder)"),
        Binding(
            "o", "operation", "Operation", id="nuxeo.operation", tooltip="Run an automation operation on the selection"
        ),
        Binding("j", "toggle_raw", "Raw JSON", id="nuxeo.raw", tooltip="Switch between properties and the raw JSON"),
        Binding("r", "reload_folder", "Reload", id="nuxeo.reload", tooltip="Reload the selected folder"),
    ]

    COMMANDS: list[tuple[str, str]] = [
        ("Documents: edit the selected document", "edit"),
        ("Documents: new document in the selected folder", "create"),
        ("Documents: delete the selected document", "delete"),
        ("Documents: move or rename the selected document", "move"),
        ("Documents: search (words or NXQL)", "search"),
        ("Documents: download the main file", "download"),
        ("Documents: upload a file", "upload"),
        ("Documents: run an automation operation", "operation"),
        ("Documents: toggle raw JSON", "toggle_raw"),
        ("Documents: reload the selected folder", "reload_folder"),
    ]

    def __init__(self, client: Any, context: Any, **kwargs: Any):
        super().__init__(client, context, **kwargs)
        self.connected = False
        self.root_loaded = False
        self._operations: list[Any] | None = None
        self._search_state: tuple[str, Any, list[Any]] = ("", None, [])
        self._details_token = 0

    # -- layout ---------------------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="nuxeo-body"):
            tree = DocumentTree(Text("/"), NodeData(folder=FolderState()), id="nuxeo-tree")
            tree.guide_depth = 3
            tree.before_expand = lambda node: self.request_page(node, only_if_empty=True)
            yield tree
            yield DocumentDetails(id="nuxeo-details")
        # the progress bar row is mounted only while a file transfer runs

    @property
    def tree(self) -> DocumentTree:
        return self.query_one("#nuxeo-tree", DocumentTree)

    @property
    def details(self) -> DocumentDetails:
        return self.query_one("#nuxeo-details", DocumentDetails)

    # -- loading --------------------------------------------------------------------------------------------------------

    def on_first_show(self) -> None:
        self.tree.focus()  # now, not after the load: the footer redraws its keys once, during the first frame
        self.load_root()

    def reload(self) -> None:
        if not self.root_loaded:
            self.load_root()
        else:
            self.action_reload_folder()

    @work(exclusive=True, group="nuxeo-root", exit_on_error=False)
    async def load_root(self) -> None:
        tree = self.tree
        self.set_state("connecting")
        # A label rather than Textual's loading overlay: the overlay is a widget with an animation, mounted during the
        # app's first frame, which is exactly when start-up time is spent.
        tree.root.set_label(Text.assemble("/ ", ("connecting…", "italic dim")))
        try:
            root_doc, first = await asyncio.gather(
                self.client.get("/", schemas="dublincore", enrichers=("children",)),
                self.client.children("/", page=0, page_size=PAGE_SIZE),
            )
        except Exception as exc:
            tree.root.set_label(Text.assemble("/ ", ("not connected: ctrl+r to retry", "italic red")))
            self.set_state("error", readable(exc))
            self.report(exc, "load the document tree")
            return
        tree.clear()
        state = FolderState()
        tree.root.data = NodeData(doc=root_doc, folder=state)
        tree.root.set_label(document_label(root_doc))
        self._apply_page(tree.root, state, first)
        tree.root.expand()
        self.root_loaded = True
        self._connected_ok()
        tree.move_cursor(tree.root)
        # A fresh repository has a single domain under the root: open it so the first screen shows something useful.
        children = tree.root.children
        if len(children) == 1 and children[0].data.folder is not None and children[0].allow_expand:
            children[0].expand()

    def _connected_ok(self) -> None:
        if not self.connected:
            self.connected = True
            self.set_state("ok", getattr(self.client, "username", "") or "signed in")

    def on_tree_node_expanded(self, event: Tree.NodeExpanded) -> None:
        # Usually already started by the tree itself (see DocumentTree.before_expand); this covers programmatic expands.
        self.request_page(event.node, only_if_empty=True)

    def request_page(self, node: TreeNode[NodeData], *, only_if_empty: bool = False) -> asyncio.Future | None:
        """Start fetching the next page of `node`'s children now. Returns the future of that fetch (True when the page
        is in), the one already on its way, or None when there is nothing to fetch."""
        state = node.data.folder if node.data is not None else None
        if state is None:
            return None
        if state.pending is not None:
            return state.pending
        if state.complete or (only_if_empty and state.loaded):
            return None
        state.pending = asyncio.get_running_loop().create_future()  # set now, so a second request joins this one
        self.tree.refresh_more(node)
        self.run_worker(self._fetch_page(node, state), group="nuxeo-children", exit_on_error=False)
        return state.pending

    async def load_page(self, node: TreeNode[NodeData], *, only_if_empty: bool = False) -> bool:
        """Fetch the next page of `node`'s children (or wait for the one already on its way). False if it failed."""
        if node.data is None or node.data.folder is None:
            return False
        future = self.request_page(node, only_if_empty=only_if_empty)
        return True if future is None else await asyncio.shield(future)

    async def _fetch_page(self, node: TreeNode[NodeData], state: FolderState) -> None:
        ok = False
        try:
            pages = [state.next_page]
            if state.shifted and state.next_page > 0:
                # Documents were removed from this folder since the last page: server offsets moved back, so read the
                # previous page again (duplicates are skipped) rather than silently skip a document.
                pages.insert(0, state.next_page - 1)
            for number in pages:
                page = await self.client.children(
                    node.data.doc.uid if node.data.doc else "/", page=number, page_size=PAGE_SIZE
                )
                if node.data is None or node.data.folder is not state:
                    return  # the folder was reloaded meanwhile; this page belongs to the old listing
                if number == state.next_page:
                    self._apply_page(node, state, page)
                else:
                    self.tree.append_page(node, page.entries, state)
            state.shifted = False
            ok = True
            self._connected_ok()
        except Exception as exc:
            title = node.data.doc.title if node.data is not None and node.data.doc else "this folder"
            self.report(exc, f"load the documents in {title}")
        finally:  # also when cancelled: whoever waits on this page must not wait forever
            future, state.pending = state.pending, None
            if future is not None and not future.done():
                future.set_result(ok)
            if node.data is not None and node.data.folder is state:
                self.tree.refresh_more(node)

    def _apply_page(self, node: TreeNode[NodeData], state: FolderState, page: Any) -> None:
        state.total = page.total_size
        state.next_page = page.page_index + 1
        state.loaded += len(page.entries)
        state.complete = (
            not page.is_next_page_available
            or not page.entries
            or (page.total_size >= 0 and state.loaded >= page.total_size)
        )
        self.tree.append_page(node, page.entries, state)

    def load_more(self, folder: TreeNode[NodeData]) -> None:
        self.request_page(folder)

    # -- selection and details ------------------------------------------------------------------------------------------

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        node = event.node
        data = node.data
        if data is None:
            return
        if data.is_more:
            self.load_more(data.more_for)
            return
        if data.doc is not None:
            self.details.show(data.doc)
            self.fetch_details(node)
        parent = node.parent
        if (
            parent is not None
            and parent.data is not None
            and parent.data.folder is not None
            and not parent.data.folder.complete
        ):
            siblings = parent.children
            # Look from the end: the cursor is usually near it when this matters, and the folder may hold thousands.
            tail = siblings[-(PREFETCH_DISTANCE + 2) :]
            if node in tail:
                self.load_more(parent)

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        data = event.node.data
        if data is not None and data.is_more:
            self.load_more(data.more_for)

    @work(exclusive=True, group="nuxeo-details", exit_on_error=False)
    async def fetch_details(self, node: TreeNode[NodeData]) -> None:
        # Wait until the cursor rests: scrolling through a folder must not fire a request per line.
        await asyncio.sleep(0.2)
        doc = node.data.doc
        try:
            full = await self.client.get(doc.uid, schemas="*", enrichers=("children",))
        except ServiceError:
            return  # the listing's copy is already shown; a failed refresh of it is not worth a notification
        if self.tree.cursor_node is node and node.data is not None:
            self.tree.replace_document(node, full)
            self.details.show(full)

    def selected_node(self) -> TreeNode[NodeData] | None:
        node = self.tree.cursor_node
        if node is None or node.data is None or node.data.doc is None:
            return None
        return node

    def selected_doc(self) -> Any:
        node = self.selected_node()
        if node is None:
            self.notify("Select a document first.", severity="warning")
            return None
        return node.data.doc

    def folder_node(self) -> TreeNode[NodeData] | None:
        """The selected folder, or the folder holding the selected document."""
        node = self.tree.cursor_node
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
        node.data.folder = FolderState()
        self.tree.move_cursor(node)
        node.remove_children()
        node.expand()
        self.run_worker(self._reload_folder(node), group="nuxeo-reload", exit_on_error=False)

    async def _reload_folder(self, node: TreeNode[NodeData]) -> None:
        if await self.load_page(node):
            if node.data.doc is not None:
                self.fetch_details(node)
            self.notify(f"Reloaded {node.data.doc.title if node.data.doc else '/'}.", timeout=2)

    # -- revealing a path (search results, moves) ------------------------------------------------------------------------

    @work(exclusive=True, group="nuxeo-reveal", exit_on_error=False)
    async def reveal(self, path: str) -> TreeNode[NodeData] | None:
        return await self.reveal_path(path)

    async def reveal_path(self, path: str) -> TreeNode[NodeData] | None:
        """Expand the ancestors of `path` (loading pages as needed) and put the cursor on it."""
        tree = self.tree
        node = tree.root
        if not self.root_loaded:
            return None
        for part in [p for p in path.strip("/").split("/") if p]:
            node.expand()
            if not await self.load_page(node, only_if_empty=True):
                return None
            child = tree.find_child(node, name=part)
            while child is None and not node.data.folder.complete:
                if not await self.load_page(node):
                    return None
                child = tree.find_child(node, name=part)
            if child is None:
                self.notify(
                    f"{path} is not in the tree any more; it may have been moved or deleted.", severity="warning"
                )
                return None
            node = child
        tree.focus()
        tree.select_line_of(node)
        return node

    # -- editing --------------------------------------------------------------------------------------------------------

    def action_edit(self) -> None:
        doc = self.selected_doc()
        if doc is not None:
            self.edit_document(doc)

    @work(exclusive=True, group="nuxeo-edit", exit_on_error=False)
    async def edit_document(self, doc: Any) -> None:
        try:
            fresh = await self.client.get(doc.uid, schemas="*")
        except Exception as exc:
            self.report(exc, f"open {doc.title} for editing")
            return
        keys = editable_keys(fresh)
        session = EditSession(fresh, keys, self.context.draft_key("nuxeo", fresh.uid))
        values = dict(session.original)
        note = ""
        draft = self.context.drafts.load(session.draft_key)
        if draft is not None and draft.data.get("values"):
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(draft.saved_at))
            restore = await self.app.push_screen_wait(
                ConfirmDialog(
                    f"Restore draft? You have unsaved edits of “{fresh.title}” from {when}.", confirm="Restore draft"
                )
            )
            if restore:
                for key, value in draft.data["values"].items():
                    if key not in keys:
                        keys.append(key)
                        session.original.setdefault(key, text_of(fresh.properties.get(key)))
                    values[key] = value
                note = "Your draft is restored. Save (ctrl+s) to keep it, Escape to discard it."
            else:
                self.context.drafts.discard(session.draft_key)
        note = note or "What you type is kept as a draft until you save (ctrl+s) or discard it (Escape)."
        labels = {k: PROPERTY_LABELS.get(k, k) + ("" if k not in PROPERTY_LABELS else f"  ({k})") for k in keys}
        dialog = EditDocumentDialog(
            f"Edit {fresh.title}  ({fresh.path})",
            keys,
            labels,
            values,
            session.original,
            multiline=LONG_TEXT_PROPERTIES,
            save=lambda form, props: self._save_edit(session, form, props, labels),
            on_change=lambda props: self._keep_draft(session, props),
            on_discard=lambda: self.context.drafts.discard(session.draft_key),
            note=note,
        )
        result = await self.app.push_screen_wait(dialog)
        if not result:
            return
        outcome, new_doc = result
        if new_doc is not None:
            self._show_updated(new_doc)
        if outcome == "saved":
            self.notify(f"Saved {new_doc.title if new_doc else fresh.title}.", timeout=3)
        elif outcome == "reloaded":
            self.notify("Showing their version. Your edits are kept as a draft: press e to get them back.", timeout=8)

    def _keep_draft(self, session: EditSession, props: dict[str, str]) -> None:
        if props == session.original:
            self.context.drafts.discard(session.draft_key)
            return
        self.context.drafts.save(
            session.draft_key,
            {
                "uid": session.doc.uid,
                "path": session.doc.path,
                "title": session.doc.title,
                "change_token": session.token,
                "values": props,
            },
        )

    async def _save_edit(
        self, session: EditSession, form: EditDocumentDialog, props: dict[str, str], labels: dict[str, str]
    ) -> SaveResult:
        changed = {k: v for k, v in props.items() if v != session.original.get(k)}
        if not changed:
            self.context.drafts.discard(session.draft_key)
            return ("saved", None)
        self._keep_draft(session, props)  # on disk before the request: a crash mid-save loses nothing
        try:
            doc = await self.client.update(session.doc.uid, changed, change_token=session.token)
        except ConflictError:
            return await self._resolve_conflict(session, form, props, labels)
        except Exception as exc:
            form.show_error(f"Not saved: {readable(exc)} Your text is still here (and kept as a draft).")
            return ("stay", None)
        self.context.drafts.discard(session.draft_key)
        return ("saved", doc)

    async def _resolve_conflict(
        self, session: EditSession, form: EditDocumentDialog, props: dict[str, str], labels: dict[str, str]
    ) -> SaveResult:
        try:
            theirs_doc = await self.client.get(session.doc.uid, schemas="*")
        except Exception as exc:
            form.show_error(f"Not saved: someone changed it, and their version could not be read: {readable(exc)}")
            return ("stay", None)
        theirs = {k: text_of(theirs_doc.properties.get(k)) for k in session.keys}
        choice = await self.app.push_screen_wait(
            ConflictDialog(session.doc.title, list(props), labels, theirs, props, who=theirs_doc.author or "")
        )
        if choice == "reload":
            # yours stays on disk as a draft, now based on their version (offered back on the next `e`)
            self.context.drafts.save(
                session.draft_key,
                {
                    "uid": session.doc.uid,
                    "path": session.doc.path,
                    "title": session.doc.title,
                    "change_token": theirs_doc.change_token,
                    "values": props,
                },
            )
            return ("reloaded", theirs_doc)
        if choice == "overwrite":
            try:
                doc = await self.client.update(session.doc.uid, props, change_token=None)
            except Exception as exc:
                form.show_error(f"Not saved: {readable(exc)} Your text is still here (and kept as a draft).")
                return ("stay", None)
            self.context.drafts.discard(session.draft_key)
            return ("saved", doc)
        form.show_error("Not saved yet: the document changed on the server. Save again to see the choices.")
        return ("stay", None)

    def _show_updated(self, doc: Any) -> None:
        node = self.tree.node_for_uid(doc.uid)
        if node is not None:
            self.tree.replace_document(node, doc)
            if self.tree.cursor_node is node:
                self.details.show(doc)
                self.fetch_details(node)

    # -- create, delete, move -------------------------------------------------------------------------------------------

    def action_create(self) -> None:
        folder = self.folder_node()
        if folder is None or folder.data.doc is None:
            self.notify("Select a folder first.", severity="warning")
            return
        self.create_document(folder)

    @work(exclusive=True, group="nuxeo-create", exit_on_error=False)
    async def create_document(self, folder: TreeNode[NodeData]) -> None:
        parent = folder.data.doc
        values = {"type": "Folder", "name": "", "title": ""}
        error = ""
        while True:
            fields = [
                Field("type", "Type", values["type"], kind="select", choices=[(t, t) for t in NEW_DOCUMENT_TYPES]),
                Field("title", "Title", values["title"]),
                Field("name", "Name in the path (optional: made from the title)", values["name"]),
            ]
            note = f"In {parent.path}" + (f"\n[b red]{error}[/]" if error else "")
            answer = await self.app.push_screen_wait(FormDialog("New document", fields, submit="Create", note=note))
            if answer is None:
                return
            values = {k: (v or "") for k, v in answer.items()}
            name = values["name"].strip() or slug(values["title"])
            if not name:
                error = "Give the document a title or a name."
                continue
            try:
                doc = await self.client.create(
                    parent.uid,
                    type=values["type"] or "Folder",
                    name=name,
                    properties={"dc:title": values["title"].strip() or name},
                )
            except Exception as exc:
                error = f"Not created: {readable(exc)}"
                continue
            break
        node = self.insert_document(folder, doc)
        self.notify(f"Created {doc.title} in {parent.path}.", timeout=3)
        if node is not None:
            self.tree.select_line_of(node)

    def insert_document(self, folder: TreeNode[NodeData], doc: Any) -> TreeNode[NodeData] | None:
        state = folder.data.folder
        if state is None:
            return None
        folder.allow_expand = True
        folder.expand()  # an unloaded folder loads its first page now; the new document is not shown twice (uids)
        if state.total is not None:
            state.total += 1
        return self.tree.insert_document(folder, doc, state)

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
        doc = node.data.doc
        what = "folder and everything in it" if doc.is_folderish else "document"
        sure = await self.app.push_screen_wait(
            ConfirmDialog(f"Delete the {what} “{doc.title}” ({doc.path})?", confirm="Delete", danger=True)
        )
        if not sure:
            return
        try:
            await self.client.delete(doc.uid)
        except Exception as exc:
            self.report(exc, f"delete {doc.title}")
            return
        self.remove_node(node)
        self.context.drafts.discard(self.context.draft_key("nuxeo", doc.uid))
        self.notify(f"Deleted {doc.title}.", timeout=3)

    def remove_node(self, node: TreeNode[NodeData]) -> None:
        tree = self.tree
        parent = node.parent
        after = node.next_sibling or node.previous_sibling or parent
        if parent is not None and parent.data is not None and parent.data.folder is not None:
            state = parent.data.folder
            state.shifted = True
            state.forget(node.data.doc.uid)
            if state.total:
                state.total -= 1
        node.remove()
        if parent is not None:
            tree.refresh_more(parent)
        if after is not None and after.data is not None and not after.data.is_more:
            tree.select_line_of(after)

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
        doc = node.data.doc
        parent_path = doc.path.rsplit("/", 1)[0] or "/"
        values = {"target": parent_path, "name": doc.name}
        error = ""
        while True:
            fields = [Field("target", "Into folder (path)", values["target"]), Field("name", "Name", values["name"])]
            note = f"Move or rename {doc.path}" + (f"\n[b red]{error}[/]" if error else "")
            answer = await self.app.push_screen_wait(FormDialog("Move / rename", fields, submit="Move", note=note))
            if answer is None:
                return
            values = {k: (v or "").strip() for k, v in answer.items()}
            target = values["target"] or parent_path
            if target != "/":
                target = "/" + target.strip("/")
            name = values["name"] or doc.name
            if target == parent_path and name == doc.name:
                self.notify("Nothing to do: same folder, same name.", timeout=3)
                return
            try:
                moved = await self.client.move(doc.uid, target, name if name != doc.name else None)
            except Exception as exc:
                error = f"Not moved: {readable(exc)}"
                continue
            break
        self.remove_node(node)
        target_node = self.tree.node_for_uid(moved.parent_ref)
        if target_node is not None and target_node.data.folder is not None and target_node.data.folder.loaded:
            self.insert_document(target_node, moved)  # a folder already listed shows it now, not after a reload
        self.notify(f"Moved to {moved.path}.", timeout=3)
        await self.reveal_path(moved.path)

    # -- search ---------------------------------------------------------------------------------------------------------

    def action_search(self) -> None:
        self.search_documents()

    @work(exclusive=True, group="nuxeo-search", exit_on_error=False)
    async def search_documents(self) -> None:
        query, page, docs = self._search_state
        dialog = SearchDialog(
            lambda text, number: self.client.search(text, page=number, page_size=50), query, page, docs
        )
        doc = await self.app.push_screen_wait(dialog)
        self._search_state = (dialog.query_text, dialog.last_page, dialog.docs)
        if doc is not None:
            await self.reveal_path(doc.path)

    # -- files ----------------------------------------------------------------------------------------------------------

    def action_download(self) -> None:
        doc = self.selected_doc()
        if doc is None:
            return
        if not doc.has_blob or doc.blob is None:
            self.notify(f"{doc.title} has no main file to download.", severity="warning")
            return
        self.download_file(doc)

    @work(exclusive=True, group="nuxeo-download", exit_on_error=False)
    async def download_file(self, doc: Any) -> None:
        blob = doc.blob
        dest_text = str(Path("~/Downloads") / (blob.name or doc.name))
        error = ""
        while True:
            note = f"{blob.name}, {blob.mime_type}, {blob.length:,} bytes" + (f"\n[b red]{error}[/]" if error else "")
            answer = await self.app.push_screen_wait(
                FormDialog(
                    "Download the main file", [Field("dest", "Save as", dest_text)], submit="Download", note=note
                )
            )
            if answer is None:
                return
            dest_text = (answer["dest"] or "").strip()
            if not dest_text:
                error = "Say where to save it."
                continue
            dest = Path(dest_text).expanduser()
            if dest.is_dir():
                dest = dest / (blob.name or doc.name)
            if dest.exists():
                if not await self.app.push_screen_wait(
                    ConfirmDialog(f"{dest} exists. Replace it?", confirm="Replace", danger=True)
                ):
                    continue
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                saved = await self.transfer(
                    f"Downloading {blob.name}",
                    blob.length,
                    lambda progress: self.client.download(doc.uid, dest, progress=progress),
                )
            except OSError as exc:
                error = f"Cannot write there: {exc.strerror or exc}."
                continue
            except Exception as exc:
                error = f"Download failed: {readable(exc)}"
                continue
            break
        self.notify(f"Saved {saved}.", timeout=5)

    async def transfer(self, label: str, total: int | None, run) -> Any:
        """Run a download/upload with the progress bar showing; the bar hides when it ends, whatever happened."""
        bar = ProgressBar(total=total or None, show_eta=True)
        bar_row = Horizontal(Label(label), bar, classes="nuxeo-transfer")  # one row per transfer: two can run at once
        await self.mount(bar_row)

        def progress(done: int, size: int | None = None) -> None:
            bar.update(total=size or total or None, progress=done)

        try:
            return await run(progress)
        finally:
            await bar_row.remove()

    def action_upload(self) -> None:
        node = self.selected_node()
        if node is None:
            self.notify("Select a document or a folder first.", severity="warning")
            return
        self.upload_file(node)

    @work(exclusive=True, group="nuxeo-upload", exit_on_error=False)
    async def upload_file(self, node: TreeNode[NodeData]) -> None:
        doc = node.data.doc
        into_folder = doc.is_folderish
        what = f"Add a file to {doc.path}" if into_folder else f"Attach a file as the main file of {doc.title}"
        path_text = ""
        error = ""
        while True:
            note = what + (f"\n[b red]{error}[/]" if error else "")
            answer = await self.app.push_screen_wait(
                FormDialog(
                    "Upload a file",
                    [Field("path", "Local file", path_text, placeholder="~/report.pdf")],
                    submit="Upload",
                    note=note,
                )
            )
            if answer is None:
                return
            path_text = (answer["path"] or "").strip()
            path = Path(path_text).expanduser()
            if not path.is_file():
                error = f"There is no file at {path}."
                continue
            if not into_folder and doc.has_blob and doc.blob is not None:
                if not await self.app.push_screen_wait(
                    ConfirmDialog(f"Replace {doc.blob.name} on {doc.title} with {path.name}?", confirm="Replace")
                ):
                    return
            try:
                size = path.stat().st_size
                if into_folder:
                    target = await self.client.create(
                        doc.uid, type="File", name=slug(path.stem) or "file", properties={"dc:title": path.name}
                    )
                else:
                    target = doc
                updated = await self.transfer(
                    f"Uploading {path.name}",
                    size,
                    lambda progress: self.client.attach(target.uid, path, progress=progress),
                )
            except Exception as exc:
                error = f"Upload failed: {readable(exc)}"
                continue
            break
        if into_folder:
            new_node = self.insert_document(node, updated)
            if new_node is not None:
                self.tree.select_line_of(new_node)
        else:
            self._show_updated(updated)
        self.notify(f"Uploaded {path.name} to {updated.path}.", timeout=4)

    # -- automation -----------------------------------------------------------------------------------------------------

    def action_operation(self) -> None:
        self.run_operation(self.selected_node())

    @work(exclusive=True, group="nuxeo-operation", exit_on_error=False)
    async def run_operation(self, node: TreeNode[NodeData] | None) -> None:
        doc = node.data.doc if node is not None else None
        if self._operations is None:
            try:
                self._operations = await self.client.operations()
            except Exception as exc:
                self.report(exc, "list the automation operations")
                return
        op = await self.app.push_screen_wait(OperationDialog(self._operations, doc.path if doc else ""))
        if op is None:
            return
        fields, names = operation_fields(op)
        inputs = [s.lower() for s in op.signature[::2]]
        use_input = doc is not None and (not inputs or any(i.startswith("document") for i in inputs))
        error = ""
        values: dict[str, Any] = {}
        while True:
            if fields:
                for f in fields:
                    if f.name in values and values[f.name] is not None:
                        f.value = values[f.name]
                on_what = f"Input: {doc.path}" if use_input else "No input document"
                note = f"{op.description or op.label or ''}\n{on_what}" + (f"\n[b red]{error}[/]" if error else "")
                answer = await self.app.push_screen_wait(
                    FormDialog(f"Run {op.id}", fields, submit="Run", note=note.strip())
                )
                if answer is None:
                    return
                values = answer
            params = {names[k]: v for k, v in values.items() if v not in (None, "")}
            try:
                result = await self.client.execute(op.id, input=f"doc:{doc.path}" if use_input else None, params=params)
            except Exception as exc:
                if not fields:
                    self.report(exc, f"run {op.id}")
                    return
                error = f"Failed: {readable(exc)}"
                continue
            break
        await self.app.push_screen_wait(ResultDialog(f"{op.id} result", result))


def slug(text: str) -> str:
    """A path segment from a title, the way Nuxeo makes names: lower case, dashes, nothing odd."""
    name = re.sub(r"[^a-z0-9]+", "-", text.strip().lower()).strip("-")
    return name[:64]


def readable(exc: BaseException) -> str:
    if isinstance(exc, ServiceError):
        return exc.readable
    return f"{type(exc).__name__}: {exc}"


__all__ = ["DocumentsPane", "editable_keys"]

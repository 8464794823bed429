"""The document tree: a `Tree` whose folders fill in a page at a time, with a "load more" line while more remain.

What a folder knows of its children (`FolderState`) lives on its node; fetching pages is `folder_loader.py`'s job.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widgets import Tree
from textual.widgets._tree import _TreeLine
from textual.widgets.tree import TreeNode

from tui.services.nuxeo.models import Document
from tui.services.nuxeo.render import document_label

# A folder opened by the user shows open once its first page is in (one frame with its children, rather than an empty
# open folder first, then another), or after this many seconds if the server is slow.
OPEN_AT_THE_LATEST = 0.15
# Highlighting a node this close to the end of what is loaded fetches the next page before the user gets there.
PREFETCH_DISTANCE = 10

# What a tree line keeps of a listed document. The details panel fetches the whole document when the cursor rests on
# it, so ten thousand listed documents cost a few hundred bytes each rather than their whole JSON (twice: raw + parsed).
LISTED_PROPERTIES = ("dc:title", "dc:description", "dc:modified", "dc:creator", "dc:lastContributor", "file:content")
# Values that repeat from one listed document to the next (types, states, the parent's uid, user names, facet lists):
# one copy each, rather than one per document as JSON decoding makes them.
_SHARED_TEXTS: dict[str, str] = {}
_SHARED_LISTS: dict[tuple[str, ...], list[str]] = {}


def shared(text: str) -> str:
    return _SHARED_TEXTS.setdefault(text, text) if len(_SHARED_TEXTS) < 10_000 else text


def shared_list(items: list[str]) -> list[str]:
    """One list object per distinct content (treated as read-only, as the tree never changes a listed document's)."""
    key = tuple(items)
    found = _SHARED_LISTS.get(key)
    if found is None:
        if len(_SHARED_LISTS) >= 1_000:
            return items
        found = _SHARED_LISTS[key] = [shared(item) for item in items]
    return found


def listed(doc: Document) -> Document:
    """A light copy of a document for the tree: no raw JSON, only the properties the label and summary use, repeated
    values shared."""
    props = doc.properties
    kept: dict[str, Any] = {}
    for key in LISTED_PROPERTIES:
        if key in props:
            value = props[key]
            if value == doc.title:
                value = doc.title
            elif value == doc.last_modified:
                value = doc.last_modified
            elif isinstance(value, str) and key in ("dc:creator", "dc:lastContributor"):
                value = shared(value)
            kept[shared(key)] = value
    return replace(
        doc,
        type=shared(doc.type),
        state=shared(doc.state),
        repository=shared(doc.repository),
        parent_ref=shared(doc.parent_ref),
        change_token=shared(doc.change_token) if doc.change_token is not None else None,
        facets=shared_list(doc.facets),
        permissions=shared_list(doc.permissions),
        properties=kept,
        context_parameters={},
        raw={},
        lock_owner=shared(doc.lock_owner),
        version_label=shared(doc.version_label),
    )


@dataclass
class FolderState:
    """What the tree knows about a folder's children: how many are loaded, how many exist, whether a page is on its
    way."""

    loaded: int = 0  # entries received from the server (its offset for the next page)
    total: int | None = None
    next_page: int = 0
    complete: bool = False
    pending: asyncio.Future[bool] | None = None  # while a page is being fetched: True once it is in
    shifted: bool = False  # children were removed here since the last page, so server offsets moved back
    error: str = ""  # the last page could not be loaded: the "more" line says so, and enter on it tries again
    uids: set[str] = field(
        default_factory=set
    )  # what is in the tree, so a re-read or a new document is never shown twice

    @property
    def fetching(self) -> bool:
        return self.pending is not None

    def forget(self, uid: str) -> None:
        self.uids.discard(uid)


@dataclass(slots=True)  # one per tree line: ten thousand in a big folder
class NodeData:
    """Data behind one tree line: a document, or the "load more" line at the end of a partly loaded folder."""

    doc: Document | None = None
    folder: FolderState | None = None  # set for folderish documents
    more_for: TreeNode[NodeData] | None = None  # set on a "load more" line: the folder node it loads into
    width_of: Text | None = None  # the label whose width `width` is (see `DocumentTree.get_label_width`)
    width: int = 0

    @property
    def is_more(self) -> bool:
        return self.more_for is not None


def node_data(node: TreeNode[NodeData]) -> NodeData:
    """The data of a tree line: every line of a DocumentTree has some (the root's is given when the tree is made)."""
    data = node.data
    if data is None:
        raise LookupError(f"The tree line {node.id} has no document data.")
    return data


def more_label(state: FolderState) -> Text:
    if state.error and not state.fetching:
        return Text(f"⚠ could not load: {state.error} (enter retries)", style="italic red")
    total = f"{state.total:,}" if state.total is not None else "?"
    verb = "loading…" if state.fetching else "load more"
    return Text(f"… {verb} ({state.loaded:,} of {total})", style="italic cyan")


class DocumentTree(Tree[NodeData]):
    """A `Tree` of documents whose folders fill in a page at a time."""

    DEFAULT_CSS = """
    DocumentTree { width: 45%; min-width: 30; height: 1fr; border-right: solid $primary-background; }
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Called with a folder node the moment the user opens it, before the NodeExpanded message makes its way up:
        # the page request leaves a few message hops (and maybe a frame) sooner.
        # It returns the page's future when it started (or joined) one.
        self.before_expand: Callable[[TreeNode[NodeData]], object] | None = None
        self._opening: set[int] = set()  # ids of folders that open when their first page is in
        self._adding = False  # while a page goes in: one invalidation at its end rather than one per line
        self._frame_style: Style | None = None  # the widget's style, worked out once per frame (see `render_lines`)

    def process_label(self, label: str | Text) -> Text:
        """A document's label is one line already: kept as it is, rather than split into lines and copied (the stock
        version does both for every line added)."""
        if isinstance(label, Text) and "\n" not in label.plain:
            return label
        return super().process_label(label)

    def _invalidate(self) -> None:
        if not self._adding:
            super()._invalidate()

    def render_lines(self, crop: Region) -> list[Strip]:
        """The stock `render_line` works out the widget's style (a walk up every ancestor) for each line; it cannot
        change within one frame, so it is worked out once here."""
        self._frame_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    def render_line(self, y: int) -> Strip:
        if self._frame_style is None:
            return super().render_line(y)
        scroll_x, scroll_y = self.scroll_offset
        return self._render_line(y + scroll_y, scroll_x, scroll_x + self.size.width, self._frame_style)

    def _toggle_node(self, node: TreeNode[NodeData]) -> None:
        if node._id in self._opening:  # toggled again before it opened
            self._opening.discard(node._id)
            return
        if self.before_expand is not None and node.allow_expand and not node.is_expanded:
            page = self.before_expand(node)
            if isinstance(page, asyncio.Future) and not page.done():
                self._opening.add(node._id)
                page.add_done_callback(lambda _: self._open(node))
                self.set_timer(OPEN_AT_THE_LATEST, lambda: self._open(node))
                return
        super()._toggle_node(node)

    def _open(self, node: TreeNode[NodeData]) -> None:
        if node._id in self._opening:
            self._opening.discard(node._id)
            if self._tree_nodes.get(node._id) is node:  # still in the tree
                node.expand()

    def get_label_width(self, node: TreeNode[NodeData]) -> int:
        # The stock version renders every label on every rebuild; with ten thousand lines that is most of the cost of
        # loading a page. A label's width only changes when the label does.
        label, data = node._label, node.data
        if data is None:
            width = label.cell_len
        elif data.width_of is label:
            width = data.width
        else:
            width = data.width = label.cell_len
            data.width_of = label
        return width + (2 if node._allow_expand else 0)

    def _build(self) -> None:
        """The stock rebuild, leaner: it runs after every page, over every visible line (ten thousand in a big folder).

        Same result as `Tree._build` (one `_TreeLine` per visible node, node line numbers, virtual size, cursor kept),
        with cached label widths and one width computation per sibling group instead of per line."""
        lines: list[_TreeLine[NodeData]] = []
        append = lines.append
        guide_depth = self.guide_depth
        label_width = self.get_label_width
        widest = 0

        def add_children(
            path: list[TreeNode[NodeData]], children: list[TreeNode[NodeData]], all_last: bool = False
        ) -> None:
            nonlocal widest
            if not children:
                return
            last_index = len(children) - 1
            indent = len(path) * guide_depth  # `_TreeLine._get_guide_width` of a line whose path is path + [child]
            group_widest = 0
            for index, child in enumerate(children):
                child_path = [*path, child]
                child._line = len(lines)
                append(_TreeLine(child_path, all_last or index == last_index))
                width = label_width(child)
                if width > group_widest:
                    group_widest = width
                if child._expanded and child._children:
                    add_children(child_path, child._children)
            widest = max(widest, indent + group_widest)

        root = self.root
        if self.show_root:
            root._line = 0
            append(_TreeLine([root], True))
            widest = label_width(root)
            if root._expanded:
                add_children([root], root._children)
        else:
            add_children([], root._children, all_last=True)  # as the stock build marks hidden-root children
        self._tree_lines_cached = lines
        self.virtual_size = Size(widest if lines else self.size.width, len(lines))
        if self.cursor_line != -1:
            if self.cursor_node is not None:
                self.cursor_line = self.cursor_node._line
            if self.cursor_line >= len(lines):
                self.cursor_line = -1

    def add_document(self, parent: TreeNode[NodeData], doc: Document) -> TreeNode[NodeData]:
        folder = FolderState() if doc.is_folderish else None
        expandable = folder is not None and doc.child_count != 0
        if folder is not None and doc.child_count == 0:
            folder.total = 0
            folder.complete = True
        return parent.add(document_label(doc), NodeData(doc=listed(doc), folder=folder), allow_expand=expandable)

    def append_page(
        self, folder: TreeNode[NodeData], docs: list[Document], state: FolderState
    ) -> TreeNode[NodeData] | None:
        """Add a page of children under `folder`, keep one "load more" line at the end while more remain.

        Returns the first new node. If the cursor was on the old "load more" line it moves to that first new node, so
        the user carries on reading where they were (and the cursor never rides the "more" line down, which would
        trigger the next load by itself)."""
        old_more = self.more_node(folder)
        cursor_was_on_more = old_more is not None and self.cursor_node is old_more
        if old_more is not None:
            old_more._remove()  # the internal removal: the tree is rebuilt once below rather than once per change
        first: TreeNode[NodeData] | None = None
        self._adding = True
        try:
            for doc in docs:
                # a listing holds trashed documents: the trash view shows them
                if doc.uid in state.uids or doc.is_trashed:
                    continue
                state.uids.add(doc.uid)
                node = self.add_document(folder, doc)
                first = first or node
            if not state.complete:
                folder.add_leaf(more_label(state), NodeData(more_for=folder))
        finally:
            self._adding = False
        self._invalidate()
        if cursor_was_on_more:
            self.select_line_of(first or self.more_node(folder) or folder)
        return first

    def insert_document(self, folder: TreeNode[NodeData], doc: Document, state: FolderState) -> TreeNode[NodeData]:
        """A document created here: shown at the end of what is loaded (before "load more")."""
        if doc.uid in state.uids:
            existing = self.find_child(folder, uid=doc.uid)
            if existing is not None:
                return existing
        state.uids.add(doc.uid)
        more = self.more_node(folder)
        node = self.add_document(folder, doc)
        if more is not None:
            # keep "load more" last
            folder._children.remove(more)
            folder._children.append(more)
            self._invalidate()
        return node

    def add_new_document(self, folder: TreeNode[NodeData], doc: Document) -> TreeNode[NodeData] | None:
        """A document created in (or moved into) `folder`: the folder opens and shows it."""
        state = node_data(folder).folder
        if state is None:
            return None
        folder.allow_expand = True
        folder.expand()  # an unloaded folder loads its first page now; the new document is not shown twice (uids)
        if state.total is not None:
            state.total += 1
        self.count_child(folder, +1)
        return self.insert_document(folder, doc, state)

    def remove_document(self, node: TreeNode[NodeData]) -> None:
        """Take a deleted or moved document out of the tree; the cursor goes to a neighbour."""
        parent = node.parent
        after = node.next_sibling or node.previous_sibling or parent
        state = parent.data.folder if parent is not None and parent.data is not None else None
        doc = node_data(node).doc
        if state is not None and doc is not None:
            state.shifted = True  # the server's offsets for the next page moved back by one
            state.forget(doc.uid)
            if state.total:
                state.total -= 1
        node.remove()
        if parent is not None:
            self.count_child(parent, -1)
            self.refresh_more(parent)
        if after is not None and after.data is not None and after.data.more_for is None:
            self.select_line_of(after)

    def count_child(self, folder: TreeNode[NodeData], delta: int) -> None:
        """A child came or went: the folder's count on its line follows (when the count is known)."""
        doc = node_data(folder).doc
        if doc is not None and doc.child_count is not None:
            folder_doc = replace(doc, child_count=max(0, doc.child_count + delta))
            node_data(folder).doc = folder_doc
            folder.set_label(document_label(folder_doc))

    def show_failure(self, folder: TreeNode[NodeData], state: FolderState, reason: str) -> None:
        """A page of `folder` could not be loaded: an error line where its children go, which enter retries."""
        state.error = reason
        if self.more_node(folder) is None:
            folder.add_leaf(more_label(state), NodeData(more_for=folder))

    def select_line_of(self, node: TreeNode[NodeData]) -> None:
        """Move the cursor to a node that may have been added a moment ago (its line is only known after a rebuild)."""
        self._tree_lines  # noqa: B018 - property access rebuilds the line index when it is stale
        self.move_cursor(node)
        self.scroll_to_node(node, animate=False)

    def more_node(self, folder: TreeNode[NodeData]) -> TreeNode[NodeData] | None:
        children = folder.children
        if children and children[-1].data is not None and children[-1].data.is_more:
            return children[-1]
        return None

    def refresh_more(self, folder: TreeNode[NodeData]) -> None:
        more = self.more_node(folder)
        state = node_data(folder).folder
        if more is not None and state is not None:
            more.set_label(more_label(state))

    def find_child(self, folder: TreeNode[NodeData], *, uid: str = "", name: str = "") -> TreeNode[NodeData] | None:
        for child in folder.children:
            doc = child.data.doc if child.data else None
            if doc is None:
                continue
            if (uid and doc.uid == uid) or (name and doc.name == name):
                return child
        return None

    def node_for_uid(self, uid: str) -> TreeNode[NodeData] | None:
        for node in self._tree_nodes.values():
            if node.data is not None and node.data.doc is not None and node.data.doc.uid == uid:
                return node
        return None

    def replace_document(self, node: TreeNode[NodeData], doc: Document) -> None:
        node_data(node).doc = listed(doc)
        node.set_label(document_label(doc))

"""The pieces of the Documents pane: the lazily paged document tree and the details panel."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.widgets import Static, Tree
from textual.widgets._tree import _TreeLine
from textual.widgets.tree import TreeNode

from tui.widgets.json_view import JsonView

PAGE_SIZE = 100
# Highlighting a node this close to the end of what is loaded fetches the next page before the user gets there.
PREFETCH_DISTANCE = 10

# One cell wide each, from blocks every terminal font has (emoji are two cells in some terminals and one in others,
# which breaks the tree's columns).
TYPE_ICONS = {
    "Root": "⌂",
    "Domain": "◆",
    "WorkspaceRoot": "◇",
    "SectionRoot": "◇",
    "TemplateRoot": "◇",
    "Workspace": "▣",
    "Section": "§",
    "Folder": "▤",
    "OrderedFolder": "▤",
    "Collection": "◫",
    "File": "≡",
    "Note": "¶",
    "Picture": "▨",
    "Video": "►",
    "Audio": "♪",
}


def type_icon(doc_type: str, folderish: bool = False) -> str:
    return TYPE_ICONS.get(doc_type, "▤" if folderish else "≡")


def human_size(length: int | None) -> str:
    if length is None:
        return ""
    size = float(length)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return ""


# What a tree line keeps of a listed document. The details panel fetches the whole document when the cursor rests on
# it, so ten thousand listed documents cost a few hundred bytes each rather than their whole JSON (twice: raw + parsed).
LISTED_PROPERTIES = ("dc:title", "dc:description", "dc:modified", "dc:creator", "dc:lastContributor", "file:content")


def listed(doc: Any) -> Any:
    """A light copy of a document for the tree (no raw JSON, only the properties the label and summary use)."""
    props = doc.properties
    children = doc.context_parameters.get("children")
    return replace(
        doc,
        properties={k: props[k] for k in LISTED_PROPERTIES if k in props},
        context_parameters={"children": children} if children is not None else {},
        raw={},
    )


@dataclass
class FolderState:
    """What the tree knows about a folder's children: how many are loaded, how many exist, whether a page is on its way."""

    loaded: int = 0  # entries received from the server (its offset for the next page)
    total: int | None = None
    next_page: int = 0
    complete: bool = False
    pending: Any = None  # asyncio.Future while a page is being fetched
    shifted: bool = False  # children were removed here since the last page, so server offsets moved back
    uids: set[str] = field(
        default_factory=set
    )  # what is in the tree, so a re-read or a new document is never shown twice

    @property
    def loading(self) -> bool:
        return self.pending is not None

    def forget(self, uid: str) -> None:
        self.uids.discard(uid)


@dataclass(slots=True)  # one per tree line: ten thousand in a big folder
class NodeData:
    """Data behind one tree line: a document, or the "load more" line at the end of a partly loaded folder."""

    doc: Any = None  # tui.services.nuxeo.client.Document
    folder: FolderState | None = None  # set for folderish documents
    more_for: TreeNode | None = None  # set on a "load more" line: the folder node it loads into

    @property
    def is_more(self) -> bool:
        return self.more_for is not None


def document_label(doc: Any) -> Text:
    folderish = bool(getattr(doc, "is_folderish", False))
    title = doc.title or doc.name or doc.path
    if doc.path == "/":
        title = "/"
    label = Text.assemble(type_icon(doc.type, folderish), " ", (title, "bold" if folderish else ""))
    count = getattr(doc, "child_count", None)
    if folderish and count is not None:
        label.append(f" ({count:,})", style="dim")
    if doc.state and doc.state not in ("project", "undefined"):
        label.append(f" [{doc.state}]", style="italic dim")
    return label


def more_label(state: FolderState) -> Text:
    total = f"{state.total:,}" if state.total is not None else "?"
    verb = "loading…" if state.loading else "load more"
    return Text(f"… {verb} ({state.loaded:,} of {total})", style="italic cyan")


class DocumentTree(Tree[NodeData]):
    """A `Tree` of documents whose folders fill in a page at a time."""

    DEFAULT_CSS = """
    DocumentTree { width: 45%; min-width: 30; height: 1fr; border-right: solid $primary-background; }
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._label_widths: dict[int, tuple[Text, int]] = {}
        # Called with a folder node the moment the user opens it, before the NodeExpanded message makes its way up:
        # the page request leaves a few message hops (and maybe a frame) sooner.
        self.before_expand: Any = None

    def _toggle_node(self, node: TreeNode[NodeData]) -> None:
        if self.before_expand is not None and node.allow_expand and not node.is_expanded:
            self.before_expand(node)
        super()._toggle_node(node)

    def get_label_width(self, node: TreeNode[NodeData]) -> int:
        # The stock version renders every label on every rebuild; with ten thousand lines that is most of the cost of
        # loading a page. A label's width only changes when the label does.
        label = node._label
        cached = self._label_widths.get(node._id)
        if cached is None or cached[0] is not label:
            cached = (label, label.cell_len)
            self._label_widths[node._id] = cached
        return cached[1] + (2 if node._allow_expand else 0)

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

    def add_document(self, parent: TreeNode[NodeData], doc: Any) -> TreeNode[NodeData]:
        folderish = bool(doc.is_folderish)
        data = NodeData(doc=listed(doc), folder=FolderState() if folderish else None)
        expandable = folderish and doc.child_count != 0
        if folderish and doc.child_count == 0:
            data.folder.total = 0
            data.folder.complete = True
        return parent.add(document_label(doc), data, allow_expand=expandable)

    def append_page(self, folder: TreeNode[NodeData], docs: list[Any], state: FolderState) -> TreeNode[NodeData] | None:
        """Add a page of children under `folder`, keep one "load more" line at the end while more remain.

        Returns the first new node. If the cursor was on the old "load more" line it moves to that first new node, so
        the user carries on reading where they were (and the cursor never rides the "more" line down, which would
        trigger the next load by itself)."""
        old_more = self.more_node(folder)
        cursor_was_on_more = old_more is not None and self.cursor_node is old_more
        if old_more is not None:
            old_more._remove()  # the internal removal: the tree is rebuilt once below rather than once per change
        first: TreeNode[NodeData] | None = None
        for doc in docs:
            if doc.uid in state.uids:
                continue
            state.uids.add(doc.uid)
            node = self.add_document(folder, doc)
            first = first or node
        if not state.complete:
            folder.add_leaf(more_label(state), NodeData(more_for=folder))
        self._invalidate()
        if cursor_was_on_more:
            self.select_line_of(first or self.more_node(folder) or folder)
        return first

    def insert_document(self, folder: TreeNode[NodeData], doc: Any, state: FolderState) -> TreeNode[NodeData]:
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
        if more is not None and folder.data.folder is not None:
            more.set_label(more_label(folder.data.folder))

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

    def replace_document(self, node: TreeNode[NodeData], doc: Any) -> None:
        node.data.doc = listed(doc)
        node.set_label(document_label(doc))


class DocumentDetails(Vertical):
    """Title, type, path, state, dates and author of one document, then its properties (or raw JSON) highlighted."""

    DEFAULT_CSS = """
    DocumentDetails { width: 1fr; height: 1fr; padding: 0 1; }
    DocumentDetails #doc-summary { height: auto; margin-bottom: 1; }
    DocumentDetails #doc-json-title { color: $text-muted; text-style: bold; }
    """

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.doc: Any = None
        self.raw = False

    def compose(self) -> ComposeResult:
        yield Static("Select a document on the left.", id="doc-summary")
        yield Static("", id="doc-json-title")
        yield JsonView(id="doc-json")

    def show(self, doc: Any) -> None:
        self.doc = doc
        self._redraw()

    def toggle_raw(self) -> bool:
        self.raw = not self.raw
        self._redraw()
        return self.raw

    def _redraw(self) -> None:
        doc = self.doc
        if doc is None:
            return
        self.query_one("#doc-summary", Static).update(summary_table(doc))
        if self.raw:
            title, value = "Raw JSON (j: properties)", doc.raw or "Loading the whole document…"
        else:
            title, value = "Properties (j: raw JSON)", doc.properties
        self.query_one("#doc-json-title", Static).update(title)
        self.query_one("#doc-json", JsonView).show(value)


def summary_table(doc: Any) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold dim", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("Title", Text(doc.title or doc.name or "", style="bold"))
    grid.add_row("Type", f"{type_icon(doc.type, doc.is_folderish)} {doc.type}")
    grid.add_row("Path", doc.path)
    grid.add_row("State", doc.state or "")
    grid.add_row("Modified", format_time(doc.modified or doc.last_modified))
    grid.add_row("Author", doc.author or "")
    if doc.is_folderish and doc.child_count is not None:
        grid.add_row("Children", f"{doc.child_count:,}")
    blob = doc.blob
    if blob is not None:
        grid.add_row("File", f"{blob.name}  {blob.mime_type}  {human_size(blob.length)}  (s: download)")
    if doc.description:
        grid.add_row("Description", doc.description)
    return grid


def format_time(value: str | None) -> str:
    if not value:
        return ""
    # "2024-05-01T10:11:12.000Z" -> "2024-05-01 10:11:12 UTC": readable without losing precision a person cares about
    text = value.replace("T", " ")
    if text.endswith("Z"):
        text = text[:-1].split(".")[0] + " UTC"
    return text

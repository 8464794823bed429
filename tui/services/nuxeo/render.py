"""How the Documents pane draws documents and operations: type icons, tree labels, the details summary, an
operation's description (Rich renderables and the text helpers they use)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from tui.services.nuxeo.locks_versions import lock_text
from tui.services.nuxeo.models import Document, Operation, readable_time

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


# One cell, like the type icons: a locked document's owner follows it in the tree ("⊘jdoe").
LOCK_MARK = "⊘"


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


def document_label(doc: Document) -> Text:
    folderish = doc.is_folderish
    title = doc.title or doc.name or doc.path
    if doc.path == "/":
        title = "/"
    label = Text.assemble(type_icon(doc.type, folderish), " ", (title, "bold" if folderish else ""))
    count = doc.child_count
    if folderish and count is not None:
        label.append(f" ({count:,})", style="dim")
    if doc.state and doc.state not in ("project", "undefined"):
        label.append(f" [{doc.state}]", style="italic dim")
    if doc.version_label and doc.version_label != "0.0":  # a document never versioned says nothing
        label.append(f" v{doc.version_label}", style="dim")
    if doc.lock_owner:
        label.append(f" {LOCK_MARK}{doc.lock_owner}", style="red")
    return label


def version_summary(doc: Document) -> str:
    """The version label said in words: 0.1+ is "changed since version 0.1"; a version is read-only."""
    label = doc.version_label
    if doc.is_version:
        return f"{label} (a version: read-only)"
    if label.endswith("+"):
        return f"{label} (changed since version {label[:-1]})"
    if label == "0.0":
        return "0.0 (no version yet)"
    return label


def summary_table(doc: Document) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold dim", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("Title", Text(doc.title or doc.name or "", style="bold"))
    # every value is the server's text: Text, never a str (which Rich would read as markup)
    grid.add_row("Type", Text(f"{type_icon(doc.type, doc.is_folderish)} {doc.type}"))
    grid.add_row("Path", Text(doc.path))
    grid.add_row("State", Text(doc.state))
    grid.add_row("Modified", Text(readable_time(doc.modified or doc.last_modified)))
    grid.add_row("Author", Text(doc.author))
    if doc.version_label or doc.is_version:
        grid.add_row("Version", Text(version_summary(doc)))
    if doc.lock_owner:
        grid.add_row("Locked by", Text(lock_text(doc), style="red"))
    if doc.is_folderish and doc.child_count is not None:
        grid.add_row("Children", f"{doc.child_count:,}")
    blob = doc.blob
    if blob is not None:
        grid.add_row("File", Text(f"{blob.name}  {blob.mime_type}  {human_size(blob.length)}  (s: download)"))
    if doc.description:
        grid.add_row("Description", Text(doc.description))
    return grid


def operation_details(op: Operation) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column()
    grid.add_row(Text(op.id, style="bold"))
    meta = "  ".join(x for x in (op.category, op.label) if x)
    if meta:
        grid.add_row(Text(meta, style="dim"))
    if op.aliases:
        grid.add_row(Text("aliases: " + ", ".join(op.aliases), style="dim"))
    if op.signature:
        pairs = [f"{a} → {b}" for a, b in zip(op.signature[::2], op.signature[1::2], strict=False)]
        grid.add_row(Text("input → output: " + ", ".join(pairs), style="dim"))
    if op.description:
        grid.add_row("")
        grid.add_row(Text(op.description))
    grid.add_row("")
    if not op.params:
        grid.add_row(Text("No parameters.", style="italic"))
    else:
        params = Table(box=None, show_header=True, header_style="bold", expand=True, padding=(0, 1))
        params.add_column("Parameter", no_wrap=True)
        params.add_column("Type", style="cyan", no_wrap=True)
        params.add_column("Description", ratio=1)
        for p in sorted(op.params, key=lambda p: (p.order, p.name)):
            name = Text(p.name + (" *" if p.required else ""), style="bold" if p.required else "")
            desc = p.description or ""
            if p.values:
                desc = (desc + " " if desc else "") + "one of: " + ", ".join(map(str, p.values))
            params.add_row(name, Text(p.type or ""), Text(desc))
        grid.add_row(params)
    grid.add_row("")
    grid.add_row(Text("Enter: fill in the parameters and run", style="italic dim"))
    return grid

"""A document's versions, as Nuxeo keeps them: the list (label, date, who), enter to read one (read-only, its
properties as the details panel shows a document), `r` to restore it onto the document behind a confirmation that
names the label. The pane's `V` key opens it (`lock_version_keys.py`), importing this module on first use."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.http import ServiceError
from tui.services.nuxeo.client import NuxeoClient
from tui.services.nuxeo.details_view import DocumentDetails
from tui.services.nuxeo.models import Document, readable_time
from tui.widgets.dialogs import DIALOG_CSS, ConfirmDialog
from tui.widgets.key_footer import KeyFooter
from tui.widgets.read_only import GuardsWrites


def restore_question(doc: Document, version: Document) -> str:
    return (
        f"Restore version {version.version_label} of “{doc.title or doc.name}”? Its properties replace the "
        f"document's current ones (a version already kept stays in this list)."
    )


def version_line(version: Document) -> Text:
    line = Text.assemble(
        (f"{version.version_label:>6}", "bold"),
        "  ",
        (readable_time(version.modified), "dim"),
        "  ",
        version.author,
    )
    line.no_wrap, line.overflow = True, "ellipsis"  # one line per version, however long the name
    return line


class VersionsScreen(GuardsWrites, ModalScreen[Document | None]):
    """The versions of one document; dismisses with the document after a restore (None when nothing changed)."""

    DEFAULT_CSS = (
        "VersionsScreen { align: center middle; }\n"
        + DIALOG_CSS
        + """
    VersionsScreen .dialog { height: 90%; max-width: 160; width: 90%; }
    VersionsScreen #versions-body { height: 1fr; }
    VersionsScreen #versions-list { width: 58; height: 1fr; }
    VersionsScreen #version-details { width: 1fr; }
    VersionsScreen #versions-status { color: $text-muted; height: auto; }
    """
    )
    WRITE_ACTIONS = frozenset({"restore"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "view", "View", id="nuxeo.versions-view", show=True),
        Binding("r", "restore", "Restore", id="nuxeo.versions-restore"),
        Binding("escape", "close", "Close"),
    ]

    def __init__(self, client: NuxeoClient, doc: Document):
        super().__init__()
        self.client = client
        self.doc = doc
        self.versions: list[Document] = []  # newest first
        self.viewed: Document | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Versions of “{self.doc.title or self.doc.name}” ({self.doc.path})", classes="title")
            with Horizontal(id="versions-body"):
                yield OptionList(id="versions-list")
                yield DocumentDetails(id="version-details", placeholder="The highlighted version shows here.")
            yield Static("Loading…", id="versions-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#versions-list", OptionList).focus()
        self.load()

    @work(exclusive=True, group="nuxeo-versions")
    async def load(self) -> None:
        try:
            versions = await self.client.versions(self.doc.uid)
        except ServiceError as exc:
            self._status(Text(exc.readable, style="red"))
            return
        self.versions = list(reversed(versions))
        listing = self.query_one("#versions-list", OptionList)
        listing.clear_options()
        listing.add_options(Option(version_line(v)) for v in self.versions)
        if self.versions:
            listing.highlighted = 0
            count = len(self.versions)
            self._status(
                Text(f"{count:,} version{'s' if count != 1 else ''}. Enter shows one; r restores it onto the document.")
            )
        else:
            self._status(Text("No versions yet: saving with a minor or major version makes one."))

    def _status(self, text: Text) -> None:
        self.query_one("#versions-status", Static).update(text)

    def current(self) -> Document | None:
        index = self.query_one("#versions-list", OptionList).highlighted
        return self.versions[index] if index is not None and 0 <= index < len(self.versions) else None

    @on(OptionList.OptionHighlighted, "#versions-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """The highlighted version shows beside the list as the cursor moves (the read is cancelled if it moves on)."""
        event.stop()
        self.action_view()

    @on(OptionList.OptionSelected, "#versions-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_view()

    def action_view(self) -> None:
        version = self.current()
        if version is not None:
            self.view(version)

    @work(exclusive=True, group="nuxeo-version-view", exit_on_error=False)
    async def view(self, version: Document) -> None:
        try:
            full = await self.client.get(version.uid)  # every property, as the details panel shows a document
        except ServiceError as exc:
            self._status(Text(f"Could not read version {version.version_label}: {exc.readable}", style="red"))
            return
        self.viewed = full
        self.query_one("#version-details", DocumentDetails).show(full)
        self._status(Text(f"Version {full.version_label}, read-only. r restores it onto the document."))

    def action_restore(self) -> None:
        version = self.current()
        if version is not None:
            self.restore(version)

    @work(exclusive=True, group="nuxeo-version-restore", exit_on_error=False)
    async def restore(self, version: Document) -> None:
        question = restore_question(self.doc, version)
        if not await self.app.push_screen_wait(ConfirmDialog(question, confirm=f"Restore {version.version_label}")):
            return
        try:
            restored = await self.client.restore_version(self.doc.uid, version.uid)
        except ServiceError as exc:
            self._status(Text(f"Could not restore version {version.version_label}: {exc.readable}", style="red"))
            return
        self.notify(f"Restored version {version.version_label} of {restored.title}.", timeout=4, markup=False)
        self.dismiss(restored)

    def action_close(self) -> None:
        self.dismiss(None)

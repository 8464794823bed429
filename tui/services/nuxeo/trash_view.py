"""A folder's trash, as Nuxeo's Web UI keeps it: the documents moved there with `d`, to restore (`r`) or delete for
good (`D`, behind a confirmation that names the document and how many documents inside it go too)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.http import ServiceError
from tui.services.nuxeo.client import NuxeoClient
from tui.services.nuxeo.models import Document
from tui.services.nuxeo.render import type_icon
from tui.widgets.dialogs import DIALOG_CSS, ConfirmDialog
from tui.widgets.key_footer import KeyFooter
from tui.widgets.read_only import GuardsWrites


def delete_forever_question(doc: Document, inside: int) -> str:
    with_it = f", with the {inside:,} document{'s' if inside != 1 else ''} inside it," if inside else ""
    return f"Delete “{doc.title or doc.name}” ({doc.path}){with_it} for good? This cannot be undone."


class TrashScreen(GuardsWrites, ModalScreen[list[Document]]):
    """The trashed documents of one folder; dismisses with the documents restored (the tree shows them again)."""

    DEFAULT_CSS = (
        "TrashScreen { align: center middle; }\n"
        + DIALOG_CSS
        + """
    TrashScreen .dialog { height: 80%; }
    TrashScreen #trash-list { height: 1fr; }
    TrashScreen #trash-status { color: $text-muted; height: auto; }
    """
    )
    WRITE_ACTIONS = frozenset({"restore", "delete_forever"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "restore", "Restore", id="nuxeo.trash-restore"),
        Binding("D", "delete_forever", "Delete for good", id="nuxeo.trash-delete"),
        Binding("escape", "close", "Close"),
    ]

    def __init__(self, client: NuxeoClient, folder: Document):
        super().__init__()
        self.client = client
        self.folder = folder
        self.docs: list[Document] = []
        self.restored: list[Document] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"Trash of {self.folder.path}", classes="title", markup=False)
            yield OptionList(id="trash-list")
            yield Static("Loading…", id="trash-status")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#trash-list", OptionList).focus()
        self.load()

    @work(exclusive=True, group="nuxeo-trash")
    async def load(self) -> None:
        docs: list[Document] = []
        try:
            page_number = 0
            while True:  # a folder's trash is short; read it whole
                page = await self.client.trashed_children(self.folder.uid, page=page_number)
                docs.extend(page.entries)
                if not page.entries or not page.is_next_page_available:
                    break
                page_number += 1
        except ServiceError as exc:
            self._status(Text(exc.readable, style="red"))
            return
        self.docs = docs
        self._fill()

    def _fill(self) -> None:
        listing = self.query_one("#trash-list", OptionList)
        highlighted = listing.highlighted
        listing.clear_options()
        listing.add_options(
            Option(
                Text.assemble(
                    type_icon(d.type, d.is_folderish), " ", (d.title or d.name, "bold"), "  ", (d.path, "dim")
                )
            )
            for d in self.docs
        )
        if self.docs:
            listing.highlighted = min(highlighted or 0, len(self.docs) - 1)
            self._status(Text(f"{len(self.docs):,} in the trash. r restores; D deletes for good."))
        else:
            self._status(Text("The trash of this folder is empty."))

    def _status(self, text: Text) -> None:
        self.query_one("#trash-status", Static).update(text)

    def current(self) -> Document | None:
        index = self.query_one("#trash-list", OptionList).highlighted
        return self.docs[index] if index is not None and 0 <= index < len(self.docs) else None

    def action_restore(self) -> None:
        doc = self.current()
        if doc is not None:
            self.restore(doc)

    @work(exclusive=True, group="nuxeo-trash-change", exit_on_error=False)
    async def restore(self, doc: Document) -> None:
        try:
            restored = await self.client.untrash(doc.uid)
        except ServiceError as exc:
            self._status(Text(f"Could not restore {doc.title}: {exc.readable}", style="red"))
            return
        self.restored.append(restored)
        self.docs = [d for d in self.docs if d.uid != doc.uid]
        self._fill()
        self.notify(f"Restored {restored.title} to {restored.path}.", timeout=3, markup=False)

    def action_delete_forever(self) -> None:
        doc = self.current()
        if doc is not None:
            self.delete_forever(doc)

    @work(exclusive=True, group="nuxeo-trash-change", exit_on_error=False)
    async def delete_forever(self, doc: Document) -> None:
        try:
            inside = await self.client.descendant_count(doc.path) if doc.is_folderish else 0
        except ServiceError as exc:
            self._status(Text(f"Could not count what {doc.title} holds: {exc.readable}", style="red"))
            return
        question = delete_forever_question(doc, inside)
        if not await self.app.push_screen_wait(ConfirmDialog(question, confirm="Delete for good", danger=True)):
            return
        try:
            await self.client.delete(doc.uid)
        except ServiceError as exc:
            self._status(Text(f"Could not delete {doc.title}: {exc.readable}", style="red"))
            return
        self.docs = [d for d in self.docs if d.uid != doc.uid]
        self._fill()
        self.notify(f"Deleted {doc.title} for good.", timeout=3, markup=False)

    def action_close(self) -> None:
        self.dismiss(self.restored)

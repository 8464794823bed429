"""Insert or edit one document of a collection as JSON: checked before it is sent (a JSON object; an edit keeps
its `_id`), saved with ctrl+s; a refusal from the server keeps the editor open with what was typed."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from tui.http import ServiceError
from tui.widgets.dialogs import DIALOG_CSS
from tui.widgets.read_only import GuardsWrites

Document = dict[str, Any]
SaveFn = Callable[[Document], Awaitable[Document]]


def parse_document(text: str, *, keep_id: str = "") -> Document:
    """The editor's text as a document, or a ValueError saying what to fix."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"Not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}.") from None
    except RecursionError:
        raise ValueError("Nested too deeply to be a document.") from None
    if not isinstance(value, dict):
        raise ValueError('A document is a JSON object: {"name": "..."}.')
    if keep_id and value.get("_id") != keep_id:
        raise ValueError(f'Keep "_id": "{keep_id}": it says which document this is.')
    return value


class DocumentEditor(GuardsWrites, ModalScreen[Document | None]):
    """Dismisses with the document as the server saved it, or None when cancelled."""

    DEFAULT_CSS = (
        "DocumentEditor { align: center middle; }\n"
        + DIALOG_CSS
        + """
    DocumentEditor .dialog { max-width: 110; height: 80%; }
    DocumentEditor #doc-text { height: 1fr; }
    DocumentEditor #doc-status { height: auto; }
    """
    )
    WRITE_ACTIONS = frozenset({"save"})  # the key; the button reaches the client, which refuses in read-only mode
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "save", "Save", priority=True),
    ]

    def __init__(self, title: str, document: Document, save: SaveFn, *, keep_id: str = ""):
        super().__init__()
        self.title_text = title
        self.initial = json.dumps(document, indent=2, ensure_ascii=False)
        self.save_document = save
        self.keep_id = keep_id
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="title", markup=False)
            yield TextArea(self.initial, id="doc-text", soft_wrap=True, tab_behavior="indent")
            yield Static("ctrl+s saves · escape cancels", id="doc-status", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save (ctrl+s)", id="save", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#doc-text", TextArea).focus()

    @property
    def text(self) -> str:
        return self.query_one("#doc-text", TextArea).text

    def show_error(self, text: str) -> None:
        status = self.query_one("#doc-status", Static)
        status.update(text)
        status.add_class("error")

    def action_save(self) -> None:
        if self.saving:
            return
        try:
            document = parse_document(self.text, keep_id=self.keep_id)
        except ValueError as exc:
            self.show_error(f"Not saved: {exc}")
            return
        self.saving = True
        self.query_one("#doc-status", Static).update("Saving…")
        self._save(document)

    @work(group="document-save")
    async def _save(self, document: Document) -> None:
        try:
            saved = await self.save_document(document)
        except ServiceError as exc:
            self.show_error(f"Not saved: {exc.readable}")
            return
        finally:
            self.saving = False
        self.dismiss(saved)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

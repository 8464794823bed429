"""The details panel of the Documents pane: a summary of one document, then its properties or raw JSON."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.services.nuxeo.models import Document
from tui.services.nuxeo.render import summary_table
from tui.widgets.json_view import JsonView


class DocumentDetails(Vertical):
    """Title, type, path, state, dates and author of one document, then its properties (or raw JSON) highlighted."""

    DEFAULT_CSS = """
    DocumentDetails { width: 1fr; height: 1fr; padding: 0 1; }
    DocumentDetails #doc-summary { height: auto; margin-bottom: 1; }
    DocumentDetails #doc-json-title { color: $text-muted; text-style: bold; }
    """

    def __init__(self, *, placeholder: str = "Select a document on the left.", **kwargs: Any):
        super().__init__(**kwargs)
        self.placeholder = placeholder  # what shows while no document is
        self.doc: Document | None = None
        self.raw = False

    def compose(self) -> ComposeResult:
        yield Static(self.placeholder, id="doc-summary")
        yield Static("", id="doc-json-title")
        yield JsonView(id="doc-json")

    def show(self, doc: Document) -> None:
        self.doc = doc
        self._redraw()

    def clear(self) -> None:
        """Nothing selected (the document shown is gone): say so, rather than show what no longer exists."""
        self.doc = None
        self.query_one("#doc-summary", Static).update(self.placeholder)
        self.query_one("#doc-json-title", Static).update("")
        self.query_one("#doc-json", JsonView).show({})

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

"""Searching documents by words or NXQL, page after page, and picking one to open in the tree."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.http import ServiceError
from tui.services.nuxeo.models import Document, DocumentPage
from tui.services.nuxeo.render import type_icon
from tui.widgets.dialogs import DIALOG_CSS


class SearchDialog(ModalScreen[Document | None]):
    """Full text or NXQL; results listed with their paths, Enter opens one in the tree (dismisses with the document)."""

    DEFAULT_CSS = (
        "SearchDialog { align: center middle; }\n"
        + DIALOG_CSS
        + """
    SearchDialog .dialog { height: 90%; }
    SearchDialog #search-results { height: 1fr; min-height: 5; }
    SearchDialog #search-status { color: $text-muted; height: auto; margin: 1 0 0 0; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Close")]

    def __init__(
        self,
        search: Callable[[str, int], Awaitable[DocumentPage]],
        query: str = "",
        page: DocumentPage | None = None,
        docs: list[Document] | None = None,
    ):
        super().__init__()
        self._search = search
        self.query_text = query
        self.docs: list[Document] = list(docs or [])
        self.last_page = page
        self.searching = False  # a page of results is on its way

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Search documents", classes="title")
            yield Input(
                self.query_text, placeholder="Words to find, or NXQL: SELECT * FROM Document WHERE …", id="search-input"
            )
            yield Static("Enter searches; ↓ then Enter opens a result in the tree.", id="search-status")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        self.query_one("#search-results", OptionList).can_focus = bool(self.docs)
        if self.docs:
            self._fill(self.docs, self.last_page)
        self.query_one("#search-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if text:
            self.query_text = text
            self.docs = []
            self.run_search(text, 0)

    def on_key(self, event: events.Key) -> None:
        if event.key == "down" and self.focused is self.query_one("#search-input", Input):
            results = self.query_one("#search-results", OptionList)
            if results.option_count:
                results.focus()
                if results.highlighted is None:
                    results.highlighted = 0
                event.stop()

    @work(exclusive=True, group="nuxeo-search")
    async def run_search(self, text: str, page: int) -> None:
        status = self.query_one("#search-status", Static)
        self.searching = True
        status.update("Searching…")
        try:
            result = await self._search(text, page)
        except ServiceError as exc:
            status.update(Text(exc.readable, style="red"))
            return
        except Exception as exc:  # a bug: one sentence here, the details in the log
            self.log.error("search failed", repr(exc))
            status.update(Text("Could not search: something unexpected went wrong. Try again.", style="red"))
            return
        finally:
            self.searching = False
        self.docs.extend(result.entries)
        self._fill(self.docs, result)

    def _fill(self, docs: list[Document], page: DocumentPage | None) -> None:
        self.last_page = page
        results = self.query_one("#search-results", OptionList)
        highlighted = results.highlighted
        results.clear_options()
        options = []
        for index, doc in enumerate(docs):
            prompt = Text.assemble(
                type_icon(doc.type, doc.is_folderish), " ", (doc.title or doc.name, "bold"), "  ", (doc.path, "dim")
            )
            options.append(Option(prompt, id=f"r{index}"))
        total = page.total_size if page is not None else len(docs)
        if page is not None and page.is_next_page_available:
            options.append(Option(Text(f"… more results ({len(docs):,} of {total:,})", style="italic cyan"), id="more"))
        results.add_options(options)
        # An empty list takes no focus (tab skips it): the next query is typed straight away.
        results.can_focus = bool(options)
        if not options and self.focused is results:
            self.query_one("#search-input", Input).focus()
        if highlighted is not None and highlighted < results.option_count:
            results.highlighted = highlighted
        noun = "result" if total == 1 else "results"
        # plain Text: what was typed (NXQL has brackets) must not be read as markup
        self.query_one("#search-status", Static).update(
            Text(f"{total:,} {noun} for {self.query_text!r}" if docs else f"No documents match {self.query_text!r}.")
        )

    @on(OptionList.OptionHighlighted, "#search-results")
    def _near_end(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id == "more":
            self._more()

    @on(OptionList.OptionSelected, "#search-results")
    def _open(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == "more":
            self._more()
        elif event.option.id and event.option.id.startswith("r"):
            self.dismiss(self.docs[int(event.option.id[1:])])

    def _more(self) -> None:
        page = self.last_page
        if page is not None and page.is_next_page_available and not self.searching:
            self.run_search(self.query_text, page.page_index + 1)

    def action_cancel(self) -> None:
        self.dismiss(None)

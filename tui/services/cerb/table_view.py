"""The ticket table: one Cerb search, paged from the server as it scrolls into view, sorted by a column.

The pane says what to search (`run_query`); this view loads the pages and reports back with messages: `Loaded` when a
page of the current search arrived, `LoadFailed` when one could not be loaded.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from tui.http import ServiceError
from tui.services.cerb import keys, render
from tui.services.cerb.client import CerbClient
from tui.services.cerb.first_screen import FILTERS, PAGE_SIZE, TABLE_EXPAND
from tui.services.cerb.models import Ticket, TicketPage
from tui.widgets.export_source import ExportSource
from tui.widgets.paged_table import Column, PagedTable, Row

FILTER_NAMES = [name for name, _, _ in FILTERS]
FILTER_LABELS = {name: label for name, label, _ in FILTERS}

EXPORT_PAGE = 250  # tickets per request when an export reads every page of the search

# Narrow terminals: the subject keeps 28 cells at least; group and owner shrink first, then columns hide, the least
# telling first (group / bucket, importance, owner, updated, status). The mask is how a ticket is named: it stays.
COLUMNS = [
    Column("mask", "Mask", 15, priority=100),
    Column("subject", "Subject", min_width=28, priority=90),
    Column("status", "Status", 8, priority=80),
    Column("group", "Group / bucket", 24, min_width=14, priority=30),
    Column("owner", "Owner", 14, min_width=10, priority=50),
    Column("importance", "Imp", 4, priority=40),
    Column("updated", "Updated", 10, priority=60),
]
SORTABLE = ["updated", "mask", "subject", "status", "group", "owner", "importance"]


def filters_text(active: str) -> Text:
    text = Text()
    for name, label, _ in FILTERS:
        text.append(f" {label} ", style="reverse bold" if name == active else "")
        text.append(" ")
    # "? keys" first: on a narrow terminal the rest of the line is cut off, and that one leads to all the others
    text.append("   ? keys · [ ] filter · / search · s sort · space select · enter open", style="dim")
    return text


def list_name(filter_name: str) -> str:
    """What a filter's list is called in a sentence: "open tickets", "my tickets", "tickets" (all of them)."""
    return {"all": "tickets", "mine": "my tickets"}.get(filter_name, f"{FILTER_LABELS[filter_name].lower()} tickets")


def count_text(total: int, filter_name: str, search_text: str, sort_key: str, ascending: bool) -> str:
    """`1,234 tickets · open · “refund” · by updated ▼`"""
    parts = [f"{total:,} tickets", FILTER_LABELS[filter_name].lower()]
    if search_text.strip():
        parts.append(f"“{search_text.strip()}”")
    parts.append(f"by {sort_key} {'▲' if ascending else '▼'}")
    return " · ".join(parts)


class SearchBar(Vertical):
    """Above the table and the ticket view: the search field, the count of matches, and the quick filters."""

    DEFAULT_CSS = """
    SearchBar { height: auto; }
    SearchBar #cerb-bar { height: 1; }
    SearchBar #cerb-search { width: 1fr; height: 1; border: none; padding: 0 1; background: $boost; }
    SearchBar #cerb-search:focus { background: $accent 30%; }
    SearchBar #cerb-count { width: 1fr; max-width: 64; padding: 0 1; color: $text-muted; text-align: right; }
    SearchBar #cerb-filters { height: 1; padding: 0 1; }
    """

    def __init__(self, filter_name: str, **kwargs: Any):
        super().__init__(**kwargs)
        self._filter_name = filter_name
        self._count = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="cerb-bar"):
            yield Input(placeholder='/ search: status:o group.id:2 subject:"*refund*"', id="cerb-search")
            yield Static("", id="cerb-count")
        yield Static(filters_text(self._filter_name), id="cerb-filters")

    @property
    def search_field(self) -> Input:
        return self.query_one("#cerb-search", Input)

    def show_query(self, filter_name: str, search_text: str) -> None:
        self.query_one("#cerb-filters", Static).update(filters_text(filter_name), layout=False)
        if self.search_field.value != search_text:
            self.search_field.value = search_text

    def show_count(self, text: str) -> None:
        # only on change: each update repaints the bar, and scrolling would otherwise update it once per page
        if text != self._count:
            self._count = text
            self.query_one("#cerb-count", Static).update(text, layout=False)


class TicketTableView(Vertical):
    """The table, and which of its tickets are selected for a bulk change (space, shift+arrows)."""

    DEFAULT_CSS = "TicketTableView { height: 1fr; }"
    BINDINGS: ClassVar[list[BindingType]] = keys.TABLE_BINDINGS

    class SelectionChanged(Message):
        """Tickets were selected or unselected; `count` are selected now."""

        def __init__(self, count: int):
            super().__init__()
            self.count = count

    class Loaded(Message):
        """A page of the current search arrived; `total` counts every match."""

        def __init__(self, total: int):
            super().__init__()
            self.total = total

    class LoadFailed(Message):
        """A page of the current search could not be loaded; `first_page` when nothing of it is shown."""

        def __init__(self, error: ServiceError, first_page: bool):
            super().__init__()
            self.error = error
            self.first_page = first_page

    def __init__(self, client: CerbClient, search_text: Callable[[], Awaitable[str]], **kwargs: Any):
        super().__init__(**kwargs)
        self._client = client
        self._search_text = search_text  # the full Cerb query, asked for each page (it may need the signed-in worker)
        self._sort_key = "updated"
        self._sort_ascending = False
        self.selected: dict[int, Ticket] = {}  # by id, the newest copy seen

    def compose(self) -> ComposeResult:
        table = PagedTable(COLUMNS, page_size=PAGE_SIZE, id="cerb-table")
        table.sorted_key, table.sorted_ascending = self._sort_key, self._sort_ascending
        table.empty_text = "Loading…"
        yield table

    @property
    def table(self) -> PagedTable:
        return self.query_one("#cerb-table", PagedTable)

    def run_query(self, sort_key: str, ascending: bool, first_page: Awaitable[TicketPage] | None = None) -> None:
        """Start over: a new filter, search or sort. Pages of the old query still in flight are ignored.
        `first_page`: the answer to this search's first page, already asked for (as the app starts)."""
        self.workers.cancel_group(self, "cerb-pages")
        self.clear_selection()
        self._sort_key, self._sort_ascending = sort_key, ascending
        table = self.table
        table.sorted_key, table.sorted_ascending = sort_key, ascending
        generation = table.reset(0)
        table.empty_text = "Loading…"
        self.run_worker(self._load_page(generation, 0, first_page), group="cerb-pages")

    @on(PagedTable.PageNeeded)
    def _page_needed(self, event: PagedTable.PageNeeded) -> None:
        event.stop()
        if event.generation == self.table.generation:
            self.run_worker(self._load_page(event.generation, event.page), group="cerb-pages")

    async def _load_page(self, generation: int, page: int, answer: Awaitable[TicketPage] | None = None) -> None:
        table = self.table
        try:
            result = (
                await answer
                if answer is not None
                else await self._client.search_tickets(
                    await self._search_text(),
                    page=page + 1,
                    limit=PAGE_SIZE,
                    sort=self._sort_key,
                    ascending=self._sort_ascending,
                    expand=TABLE_EXPAND,
                )
            )
        except ServiceError as exc:
            table.page_failed(page)
            if generation == table.generation:
                if page == 0:
                    table.empty_text = exc.message
                    table.refresh()
                self.post_message(self.LoadFailed(exc, first_page=page == 0))
            return
        rows = [Row(t.id, render.ticket_cells(t, t.id in self.selected), t) for t in result.tickets]
        if table.set_page(page, rows, generation=generation, total=result.total):
            table.empty_text = "No tickets match." if not result.total else ""
            self.post_message(self.Loaded(result.total))

    def export_source(self, what: str) -> ExportSource:
        """Every ticket of the current search in the table's order, all its pages (not only the ones loaded), asked
        for a page at a time as the file is written; each row is a `Ticket`'s fields."""
        sort_key, ascending = self._sort_key, self._sort_ascending

        async def rows() -> AsyncIterator[dict[str, Any]]:
            query = await self._search_text()
            async for page in self._client.ticket_pages(query, limit=EXPORT_PAGE, sort=sort_key, ascending=ascending):
                for ticket in page.tickets:
                    yield asdict(ticket)

        return ExportSource(what, rows, total=self.table.total or None)

    # -- selection -----------------------------------------------------------------------------------------------------

    def show_ticket(self, ticket: Ticket) -> None:
        """Draw a ticket's row anew (a change, or its selection)."""
        if ticket.id in self.selected:
            self.selected[ticket.id] = ticket
        self.table.replace_row(ticket.id, render.ticket_cells(ticket, ticket.id in self.selected), ticket)

    def _select(self, ticket: Ticket, on: bool) -> None:
        if on:
            self.selected[ticket.id] = ticket
        else:
            self.selected.pop(ticket.id, None)
        self.show_ticket(ticket)

    def _changed(self) -> None:
        self.post_message(self.SelectionChanged(len(self.selected)))

    def action_toggle_selected(self) -> None:
        row = self.table.current()
        if row is not None:
            self._select(row.data, row.data.id not in self.selected)
            self.table.action_cursor(1)
            self._changed()

    def action_extend_selection(self, step: int) -> None:
        """Shift+arrow: the row under the cursor and the next one are selected."""
        row = self.table.current()
        if row is None:
            return
        self._select(row.data, True)
        self.table.action_cursor(step)
        following = self.table.current()
        if following is not None:
            self._select(following.data, True)
        self._changed()

    def action_select_loaded(self) -> None:
        for index in range(self.table.total):
            row = self.table.row(index)
            if row is not None:
                self._select(row.data, True)
        self._changed()

    def clear_selection(self) -> None:
        selected, self.selected = list(self.selected.values()), {}
        for ticket in selected:
            self.show_ticket(ticket)
        if selected:
            self._changed()

"""The Exchanges tab: every request and response of every service, secrets already redacted, copyable as curl.

Oldest at the top, newest at the bottom, like a log that follows: new rows are added (never the whole table rebuilt)
in batches a few times a second while the tab is shown. The view follows the newest row unless the person moves
away from it; then a line counts the newer rows and `end` follows again. `/` filters on text, `s` on a service,
`space` pauses.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from tui.http import Exchange, ExchangeLog
from tui.widgets.exchange_detail import detail, matches, row_cells

FLUSH_SECONDS = 0.2
COLUMNS = ("time", "service", "method", "status", "ms", "what")  # labels, also the keys of the cells
SERVICES = ("", "Nuxeo", "Cerb", "MAX", "OpenIAP")  # "" is every service


class ExchangeTable(DataTable[str | Text]):
    """Home and end go to the first and the last exchange (a plain table scrolls sideways)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "scroll_top", "First", show=False),
        Binding("end", "scroll_bottom", "Newest", show=False),
    ]


class ExchangeLogView(Vertical):
    DEFAULT_CSS = """
    ExchangeLogView { height: 1fr; }
    ExchangeLogView > #exchange-filter { display: none; }
    ExchangeLogView.filtering > #exchange-filter { display: block; }
    ExchangeLogView > ExchangeTable { height: 2fr; }
    ExchangeLogView > #exchange-status { height: 1; background: $panel; color: $text-muted; padding: 0 1; }
    ExchangeLogView > #exchange-detail { height: 3fr; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="exchanges.filter"),
        Binding("s", "next_service", "Service", id="exchanges.service"),
        Binding("space", "pause", "Pause", id="exchanges.pause"),
        Binding("c", "copy_curl", "Copy as curl", id="exchanges.copy-curl"),
        Binding("b", "copy_body", "Copy response", id="exchanges.copy-body"),
    ]

    def __init__(self, log: ExchangeLog):
        super().__init__()
        self.exchange_log = log
        self.words = ""
        self.service = ""
        self.paused = False
        self.following = True
        self.newer = 0  # rows added below while the person looks elsewhere
        self._rows: dict[int, Exchange] = {}  # what the table shows, by exchange id, in table order
        self._pending: dict[int, Exchange] = {}  # added to the log since the last flush
        self._completed: dict[int, Exchange] = {}  # shown, and changed since (their answer came)
        self._filled = False
        self._focus_when_built = False

    def _parts(self) -> list[Widget]:
        """The tab's widgets, mounted the first time it is shown: start-up builds nobody's hidden table."""
        table = ExchangeTable(id="exchange-table", cursor_type="row", zebra_stripes=True)
        for label in COLUMNS:
            table.add_column(label, key=label)
        detail = VerticalScroll(
            Static("Select an exchange to see its headers and bodies.", id="exchange-body"), id="exchange-detail"
        )
        return [
            Input(placeholder="filter: words that every exchange shown contains", id="exchange-filter"),
            table,
            Static("", id="exchange-status"),
            detail,
        ]

    def on_mount(self) -> None:
        self._unsubscribe = self.exchange_log.subscribe(self._changed)
        self.set_interval(FLUSH_SECONDS, self._flush)

    def on_unmount(self) -> None:
        self._unsubscribe()

    @property
    def table(self) -> ExchangeTable:
        return self.query_one(ExchangeTable)

    def _changed(self, exchange: Exchange) -> None:
        if exchange.id in self._rows:
            self._completed[exchange.id] = exchange
        else:
            self._pending[exchange.id] = exchange

    def _wanted(self, exchange: Exchange) -> bool:
        return (not self.service or exchange.service == self.service) and matches(exchange, self.words)

    # -- keeping the table up to date -------------------------------------------------------------------------------

    async def on_show(self) -> None:
        if not self._filled:  # the first look: built now, not while the app starts
            await self.mount_all(self._parts())
            self._rebuild()
            if self._focus_when_built:
                self.focus_table()
        self._flush()

    def _showing(self) -> bool:
        """Laid out in the visible tab (a hidden tab's table waits: its updates pile up and land on show)."""
        return self.display and self.region.height > 0

    def _rebuild(self) -> None:
        table = self.table
        table.clear()
        self._rows.clear()
        self._pending.clear()
        self._completed.clear()
        self._filled = True
        for exchange in self.exchange_log:
            if self._wanted(exchange):
                self._add_row(table, exchange)
        self.newer = 0
        if self.following or table.cursor_row >= table.row_count:
            self._follow()
        self._show_status()

    def _add_row(self, table: ExchangeTable, exchange: Exchange) -> None:
        self._rows[exchange.id] = exchange
        table.add_row(*row_cells(exchange), key=str(exchange.id))

    def _flush(self) -> None:
        if not self._filled or not self._showing():
            return
        table = self.table
        self._drop_evicted(table)
        for exchange in self._completed.values():
            if exchange.id in self._rows:
                self._rows[exchange.id] = exchange
                cells = row_cells(exchange)
                table.update_cell(str(exchange.id), "status", cells[3])
                table.update_cell(str(exchange.id), "ms", cells[4])
        self._completed.clear()
        if self.paused:
            self._show_status()
            return
        added = [e for e in self._pending.values() if self._wanted(e)]
        self._pending.clear()
        for exchange in added:
            self._add_row(table, exchange)
        if added:
            if self.following:
                self._follow()
            else:
                self.newer += len(added)
        self._show_status()

    def _drop_evicted(self, table: ExchangeTable) -> None:
        """Rows whose exchange the log has let go of (it keeps a bounded number) leave the table too."""
        if len(self._rows) + len(self._pending) <= len(self.exchange_log):
            return
        kept = {e.id for e in self.exchange_log}
        for exchange_id in [i for i in self._rows if i not in kept]:
            del self._rows[exchange_id]
            table.remove_row(str(exchange_id))
        for exchange_id in [i for i in self._pending if i not in kept]:
            del self._pending[exchange_id]

    def _follow(self) -> None:
        table = self.table
        self.following, self.newer = True, 0
        if table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)

    def _show_status(self) -> None:
        parts = [f"{len(self._rows):,} shown"]
        if self.words:
            parts.append(f"filter “{self.words}”")
        parts.append(f"service {self.service or 'all'} (s)")
        if self.paused:
            parts.append(f"paused: {len(self._pending):,} new (space resumes)")
        elif not self.following and self.newer:
            parts.append(f"+{self.newer:,} newer (end follows)")
        elif self.following:
            parts.append("following the newest")
        self.query_one("#exchange-status", Static).update(Text("  ·  ".join(parts)))

    # -- the person -------------------------------------------------------------------------------------------------

    def focus_table(self) -> None:
        if not self._filled:
            self._focus_when_built = True
            return
        self.table.focus(scroll_visible=False)

    def selected(self) -> Exchange | None:
        table = self.table
        if not self._rows or table.cursor_row is None or table.cursor_row >= table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return self._rows.get(int(key)) if key is not None else None

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        table = self.table
        at_end = event.cursor_row >= table.row_count - 1
        if at_end and not self.following:
            self.following, self.newer = True, 0
        elif not at_end:
            self.following = False
        self._show_status()
        exchange = self.selected()
        if exchange is not None:
            self.query_one("#exchange-body", Static).update(detail(exchange))

    def action_filter(self) -> None:
        self.add_class("filtering")
        self.query_one("#exchange-filter", Input).focus()

    @on(Input.Changed, "#exchange-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.words = event.value.strip()
        self._rebuild()

    @on(Input.Submitted, "#exchange-filter")
    def _filter_done(self) -> None:
        self.focus_table()

    def key_escape(self) -> None:
        if self.has_class("filtering"):
            self.query_one("#exchange-filter", Input).value = ""
            self.remove_class("filtering")
            self.focus_table()

    def action_next_service(self) -> None:
        self.service = SERVICES[(SERVICES.index(self.service) + 1) % len(SERVICES)]
        self._rebuild()

    def action_pause(self) -> None:
        self.paused = not self.paused
        self._flush()
        self._show_status()

    def action_copy_curl(self) -> None:
        exchange = self.selected()
        if exchange is not None:
            self.app.copy_to_clipboard(exchange.as_curl())
            self.notify("Copied as a curl command (secrets stay redacted: fill them in).")

    def action_copy_body(self) -> None:
        exchange = self.selected()
        if exchange is not None:
            self.app.copy_to_clipboard(exchange.response_body)
            self.notify("Copied the response body.")

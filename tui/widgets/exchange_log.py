"""The Exchanges tab: every request and response of every service, secrets already redacted, copyable as curl."""

from __future__ import annotations

import time
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tui.http import Exchange, ExchangeLog
from tui.widgets.json_view import highlighted

REFRESH_SECONDS = 0.25


def status_text(exchange: Exchange) -> Text:
    if exchange.status is None:
        if exchange.method in ("SEND", "RECV"):
            return Text(exchange.method.lower(), style="cyan")
        return Text(exchange.error[:20] or "…", style="red" if exchange.error else "dim")
    style = "green" if exchange.status < 300 else "yellow" if exchange.status < 400 else "red"
    return Text(str(exchange.status), style=style)


def shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def detail_renderables(exchange: Exchange) -> list[RenderableType]:
    lines: list[RenderableType] = [Text(f"{exchange.method} {exchange.url}", style="bold")]
    status = exchange.status if exchange.status is not None else "-"
    meta = f"status {status} · {exchange.elapsed_ms:.0f} ms · {exchange.service}"
    for extra in (exchange.note, exchange.error):
        if extra:
            meta += f" · {extra}"
    lines.append(Text(meta, style="dim"))
    for title, headers, body in (
        ("Request", exchange.request_headers, exchange.request_body),
        ("Response", exchange.response_headers, exchange.response_body),
    ):
        if not headers and not body:
            continue
        lines.append(Text(f"\n{title}", style="bold underline"))
        for key, value in headers:
            lines.append(Text.assemble((f"{key}: ", "cyan"), value))
        if body:
            lines.append(Text(""))
            lines.append(highlighted(body) if body.lstrip()[:1] in ("{", "[") else Text(body))
    return lines


class ExchangeLogView(Vertical):
    """Newest first. Refreshes on a timer (not per exchange) so a busy pane never floods the screen with redraws."""

    DEFAULT_CSS = """
    ExchangeLogView { height: 1fr; }
    ExchangeLogView > DataTable { height: 2fr; }
    ExchangeLogView > #exchange-detail { height: 3fr; border-top: solid $accent; overflow-y: auto; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "copy_curl", "Copy as curl", id="exchanges.copy-curl"),
        Binding("b", "copy_body", "Copy response", id="exchanges.copy-body"),
    ]

    def __init__(self, log: ExchangeLog):
        super().__init__()
        self.exchange_log = log
        self._dirty = True
        self._shown: list[Exchange] = []

    def compose(self) -> ComposeResult:
        table: DataTable[str | Text] = DataTable(id="exchange-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("time", "service", "method", "url", "status", "ms")
        yield table
        yield Static("Select an exchange to see its headers and bodies.", id="exchange-detail")

    def on_mount(self) -> None:
        self._unsubscribe = self.exchange_log.subscribe(self._changed)
        self.set_interval(REFRESH_SECONDS, self._refresh_if_dirty)

    def on_unmount(self) -> None:
        self._unsubscribe()

    def _changed(self, exchange: Exchange) -> None:
        self._dirty = True

    def _refresh_if_dirty(self) -> None:
        if not self._dirty or not self._showing:
            return
        self._dirty = False
        table = self.query_one(DataTable)
        selected = self.selected()
        self._shown = list(reversed(list(self.exchange_log)))
        table.clear()
        for exchange in self._shown:
            table.add_row(
                time.strftime("%H:%M:%S", time.localtime(exchange.started)),
                exchange.service,
                exchange.method,
                shorten(f"{exchange.note}  {exchange.url}" if exchange.note else exchange.url, 90),
                status_text(exchange),
                f"{exchange.elapsed_ms:.0f}" if exchange.status is not None else "",
                key=str(exchange.id),
            )
        if selected is not None and any(e.id == selected.id for e in self._shown):
            table.move_cursor(row=table.get_row_index(str(selected.id)), animate=False)

    @property
    def _showing(self) -> bool:
        """Laid out in the visible tab (a hidden tab's table is not rebuilt)."""
        return self.display and self.region.height > 0

    def on_show(self) -> None:
        self._dirty = True
        self._refresh_if_dirty()

    def focus_table(self) -> None:
        self.query_one(DataTable).focus(scroll_visible=False)

    def selected(self) -> Exchange | None:
        table = self.query_one(DataTable)
        if not self._shown or table.cursor_row is None or table.cursor_row >= len(self._shown):
            return None
        return self._shown[table.cursor_row]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        exchange = self.selected()
        if exchange is not None:
            self.query_one("#exchange-detail", Static).update(Group(*detail_renderables(exchange)))

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

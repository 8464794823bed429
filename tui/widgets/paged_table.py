"""A table over a server-side result set: it knows the total, fetches pages as they scroll into view.

A `DataTable` keeps every row it was given; this widget keeps a handful of pages and renders only the visible
lines (`render_line`), so 100,000 rows cost the same as 100. The owner answers `PageNeeded` by calling
`set_page(...)`; rows not loaded yet show as "loading…" until then. Jumping to the end loads only the last page.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

Cell = str | tuple[str, str]  # text, or (text, rich style)


@dataclass(frozen=True)
class Column:
    """One column. When the table is too narrow for every column at its width, columns first shrink to their
    `min_width`, then the columns of lowest `priority` hide (the rightmost first among equals), so what matters
    most keeps a readable width, as a terminal resource browser does it."""

    key: str
    label: str
    width: int | None = None  # None: flexible, takes the room the other columns leave
    min_width: int | None = None  # narrowest before columns hide; default: `width`, or 8 for a flexible column
    priority: int = 0  # the higher, the longer it stays on screen

    @property
    def narrowest(self) -> int:
        if self.min_width is not None:
            return self.min_width
        return self.width if self.width is not None else 8


def column_widths(columns: Sequence[Column], width: int) -> list[int]:
    """How wide each column is drawn in a line `width` cells wide; 0 for a column hidden for want of room.

    Hide (least important first) until every column left fits at its narrowest; then fixed columns grow back to
    their width, the most important first; what is left goes to the flexible columns."""
    room = width - 1  # the line starts with a space
    shown = list(range(len(columns)))
    while len(shown) > 1 and sum(columns[i].narrowest + 1 for i in shown) > room:
        shown.remove(min(shown, key=lambda i: (columns[i].priority, -i)))
    widths = [0] * len(columns)
    for i in shown:
        widths[i] = columns[i].narrowest
    spare = room - sum(widths[i] + 1 for i in shown)
    for i in sorted(shown, key=lambda i: (-columns[i].priority, i)):
        full = columns[i].width
        if full is not None and spare > 0:
            grow = min(spare, max(0, full - widths[i]))
            widths[i] += grow
            spare -= grow
    flexible = [i for i in shown if columns[i].width is None]
    for n, i in enumerate(flexible):
        share = spare // len(flexible) + (1 if n < spare % len(flexible) else 0)
        widths[i] = max(1, widths[i] + share)
    return widths


@dataclass
class Row:
    key: Hashable
    cells: Sequence[Cell]
    data: Any = None  # the record behind the row, for the owner


class PagedTable(ScrollView, can_focus=True):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "paged-table--header",
        "paged-table--cursor",
        "paged-table--loading",
        "paged-table--sorted",
    }
    DEFAULT_CSS = """
    PagedTable { height: 1fr; overflow-x: hidden; }
    PagedTable > .paged-table--header { text-style: bold; background: $panel; }
    PagedTable > .paged-table--sorted { text-style: bold underline; background: $panel; }
    PagedTable > .paged-table--cursor { background: $accent 40%; }
    PagedTable:focus > .paged-table--cursor { background: $accent; color: $text; }
    PagedTable > .paged-table--loading { color: $text-muted; text-style: italic; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown,space", "page(1)", "Page down", show=False),
        Binding("home,g", "jump(0)", "First", show=False),
        Binding("end,G", "jump(-1)", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    cursor = reactive(0, always_update=True)

    class PageNeeded(Message):
        def __init__(self, table: PagedTable, page: int, generation: int):
            super().__init__()
            self.table = table
            self.page = page  # 0-based
            self.generation = generation

    class RowSelected(Message):
        def __init__(self, table: PagedTable, index: int, row: Row):
            super().__init__()
            self.table = table
            self.index = index
            self.row = row

    class HeaderClicked(Message):
        def __init__(self, table: PagedTable, column: Column):
            super().__init__()
            self.table = table
            self.column = column

    def __init__(self, columns: Sequence[Column], *, page_size: int = 50, keep_pages: int = 12, **kwargs: Any):
        super().__init__(**kwargs)
        self.columns = list(columns)
        self.page_size = page_size
        self.keep_pages = keep_pages
        self.total = 0
        self.generation = 0
        self.sorted_key: str | None = None
        self.sorted_ascending = True
        self.empty_text = "Nothing here."
        self._pages: dict[int, list[Row]] = {}
        self._requested: set[int] = set()
        self._failed: set[int] = set()
        self.failed_text = "not loaded (reload to try again)"
        self._styles: dict[str, Style] = {}
        self._look_cache: dict[str, Style] | None = None
        self._lines: dict[tuple[int, bool, int], Strip] = {}  # rendered rows; cleared whenever rows change
        self._layout: tuple[int, list[int]] = (-1, [])  # column widths for the last width drawn
        # when the current query's first real row was rendered (for benchmarks and tests: "on screen", not "fetched")
        self.painted_generation = -1
        self.painted_at = 0.0

    # -- data -------------------------------------------------------------------------------------------------------

    def reset(self, total: int = 0) -> int:
        """Forget every row (a new query); returns the new generation, which stale pages are recognised by."""
        self.generation += 1
        self._pages.clear()
        self._lines.clear()
        self._requested.clear()
        self._failed.clear()
        self.set_total(total)
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        return self.generation

    def set_total(self, total: int) -> None:
        self.total = max(0, total)
        self.virtual_size = Size(self.size.width, self.total + 1)  # +1: the header line
        if self.cursor >= self.total:
            self.cursor = max(0, self.total - 1)
        self.refresh()

    def set_page(self, page: int, rows: list[Row], *, generation: int | None = None, total: int | None = None) -> bool:
        """Store a fetched page; ignored (False) when it belongs to an older query."""
        if generation is not None and generation != self.generation:
            return False
        self._requested.discard(page)
        self._pages[page] = rows
        self._lines.clear()
        if total is not None and total != self.total:
            self.set_total(total)
        self._evict()
        self.refresh()
        return True

    def page_failed(self, page: int) -> None:
        """A fetch failed: show it on those rows and do not ask again until the next `reset` (a reload),
        so a server that is down does not get asked on every repaint."""
        self._requested.discard(page)
        self._failed.add(page)
        self._lines.clear()
        self.refresh()

    def row(self, index: int) -> Row | None:
        page = self._pages.get(index // self.page_size)
        if page is None:
            return None
        offset = index % self.page_size
        return page[offset] if offset < len(page) else None

    def current(self) -> Row | None:
        return self.row(self.cursor) if self.total else None

    def replace_row(self, key: Hashable, cells: Sequence[Cell], data: Any = None) -> bool:
        """Update a loaded row in place (after an edit), wherever it is."""
        for rows in self._pages.values():
            for i, row in enumerate(rows):
                if row.key == key:
                    rows[i] = Row(key, cells, data if data is not None else row.data)
                    self._lines.clear()
                    self.refresh()
                    return True
        return False

    @property
    def loaded_rows(self) -> int:
        return sum(len(rows) for rows in self._pages.values())

    def _evict(self) -> None:
        if len(self._pages) <= self.keep_pages:
            return
        here = self.cursor // self.page_size
        for page in sorted(self._pages, key=lambda p: abs(p - here), reverse=True)[
            : len(self._pages) - self.keep_pages
        ]:
            del self._pages[page]

    def _want(self, page: int) -> None:
        if (
            page < 0
            or page * self.page_size >= self.total
            or page in self._pages
            or page in self._requested
            or page in self._failed
        ):
            return
        self._requested.add(page)
        self.post_message(self.PageNeeded(self, page, self.generation))

    def _prefetch(self) -> None:
        """Ask for every page that is on screen, and the next one, so scrolling on rarely waits."""
        top = int(self.scroll_offset.y)
        bottom = top + max(1, self.size.height)
        for page in range(top // self.page_size, bottom // self.page_size + 2):
            self._want(page)

    # -- rendering --------------------------------------------------------------------------------------------------

    def _widths(self) -> list[int]:
        """Each column's width at the current size, 0 when it is hidden (computed once per width: every line asks)."""
        width = self.scrollable_content_region.width or self.size.width
        if self._layout[0] != width:
            self._layout = (width, column_widths(self.columns, width))
        return self._layout[1]

    def shown_columns(self) -> list[tuple[Column, int]]:
        """The columns on screen at the current width, with their widths."""
        return [(column, w) for column, w in zip(self.columns, self._widths(), strict=True) if w]

    def _style(self, spec: str) -> Style:
        style = self._styles.get(spec)
        if style is None:
            style = self._styles[spec] = Style.parse(spec) if spec else Style()
        return style

    def _look(self) -> dict[str, Style]:
        """The component styles, computed once per style change (asking the DOM for them per line is slow)."""
        if self._look_cache is None:
            self._look_cache = {
                "base": self.rich_style,
                "header": self.get_component_rich_style("paged-table--header"),
                "sorted": self.get_component_rich_style("paged-table--sorted"),
                "cursor": self.get_component_rich_style("paged-table--cursor"),
                "loading": self.get_component_rich_style("paged-table--loading"),
            }
        return self._look_cache

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._look_cache = None
        self._lines.clear()

    def _on_focus(self, event: events.Focus) -> None:
        super()._on_focus(event)
        self.notify_style_update()
        self.refresh()

    def _on_blur(self, event: events.Blur) -> None:
        super()._on_blur(event)
        self.notify_style_update()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        look = self._look()
        if y == 0:
            return self._header(width, look)
        index = int(self.scroll_offset.y) + y - 1
        if index >= self.total:
            if self.total == 0 and y == 2:
                return Strip([Segment(set_cell_size(f" {self.empty_text}", width), look["loading"])])
            return Strip.blank(width, look["base"])
        row = self.row(index)
        on_cursor = index == self.cursor
        base = look["cursor"] if on_cursor else look["base"]
        if row is None:
            page = index // self.page_size
            self._want(page)
            text = f" {self.failed_text}" if page in self._failed else " loading…"
            return Strip([Segment(set_cell_size(text, width), base + look["loading"])])
        if self.painted_generation != self.generation:
            self.painted_generation, self.painted_at = self.generation, time.perf_counter()
        key = (index, on_cursor, width)
        strip = self._lines.get(key)
        if strip is None:
            if len(self._lines) > 2000:
                self._lines.clear()
            strip = self._lines[key] = self._row_strip(row, width, base, on_cursor)
        return strip

    def _header(self, width: int, look: dict[str, Style]) -> Strip:
        header = look["header"]
        segments = [Segment(" ", header)]
        for column, w in self.shown_columns():
            label, style = column.label, header
            if column.key == self.sorted_key:
                label, style = f"{label} {'▲' if self.sorted_ascending else '▼'}", look["sorted"]
            segments.append(Segment(set_cell_size(_fit(label, w), w), style))
            segments.append(Segment(" ", header))
        return Strip(segments).adjust_cell_length(width, header)

    def _row_strip(self, row: Row, width: int, base: Style, on_cursor: bool) -> Strip:
        segments = [Segment(" ", base)]
        # a row may carry fewer cells than there are columns: the rest of the line stays blank
        for cell, w in zip(row.cells, self._widths(), strict=False):
            if not w:
                continue  # a hidden column
            text, spec = (cell, "") if isinstance(cell, str) else cell
            text = _fit(text, w)
            # on the cursor line the cursor's colours win, so every cell stays readable
            style = base + self._style(spec) if spec and not on_cursor else base
            segments.append(Segment(set_cell_size(text, w), style))
            segments.append(Segment(" ", base))
        return Strip(segments).adjust_cell_length(width, base)

    # -- movement ---------------------------------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        visible = max(1, self.size.height - 1)
        top = int(self.scroll_offset.y)
        if new < top:
            self.scroll_to(y=new, animate=False)
        elif new >= top + visible:
            self.scroll_to(y=new - visible + 1, animate=False)
        self.refresh()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._prefetch()

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, self.total + 1)
        self._prefetch()

    def action_cursor(self, delta: int) -> None:
        if self.total:
            self.cursor = min(self.total - 1, max(0, self.cursor + delta))

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 2))

    def action_jump(self, where: int) -> None:
        if self.total:
            self.cursor = self.total - 1 if where < 0 else 0

    def action_select(self) -> None:
        row = self.current()
        if row is not None:
            self.post_message(self.RowSelected(self, self.cursor, row))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            x = event.x - 1
            for column, w in self.shown_columns():
                if x < w + 1:
                    self.post_message(self.HeaderClicked(self, column))
                    return
                x -= w + 1
            return
        index = int(self.scroll_offset.y) + event.y - 1
        if 0 <= index < self.total:
            self.cursor = index
            if event.chain >= 2:
                self.action_select()


def _fit(text: str, width: int) -> str:
    """`text` cut to `width` cells, with an ellipsis where it was cut."""
    return set_cell_size(text, max(0, width - 1)) + "…" if cell_len(text) > width else text

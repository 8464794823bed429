"""The activity stream widget: a ScrollView that renders only the lines on screen, over a bounded window of activities.

Each activity is a block: a header (who, when, where), its content wrapped to the width, a footer (comments, likes)
and a blank line. Content lines are rendered once per width and cached; header and footer are cheap one-liners
rendered when drawn, so relative times and like counts stay current without relaying out anything.

The window is bounded (`max_entries`): loading older activities past the bound drops the newest ones from the top
(and remembers there is more above); prepending past it drops the oldest. Prepending keeps what the reader is
looking at in place.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.services.max.models import Activity
from tui.services.max.render import content_text, relative_time

GUTTER = 2
TAIL_LINES = 2  # room under the oldest activity for a line saying whether more is coming
MAX_CONTENT_LINES = 8
PREVIEW_CHARS = 4000  # of an activity's content rendered in the stream: far more than its lines can show


class ActivityStream(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    ActivityStream { height: 1fr; background: $surface; }
    ActivityStream > .activity-stream--cursor { background: $boost; }
    ActivityStream > .activity-stream--gutter { color: $accent; }
    ActivityStream:focus > .activity-stream--cursor { background: $accent 20%; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"activity-stream--cursor", "activity-stream--gutter"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Next", show=False, id="max.next"),
        Binding("up,k", "cursor_up", "Previous", show=False, id="max.previous"),
        Binding("pagedown", "page_down", "Page down", show=False, id="max.page-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="max.page-up"),
        Binding("home,g", "first", "First", show=False, id="max.first"),
        Binding("end,G", "last", "Last", show=False, id="max.last"),
        Binding("enter", "open", "Open", id="max.open", tooltip="Read the activity and its comments"),
    ]

    class Opened(Message):
        def __init__(self, activity: Activity):
            super().__init__()
            self.activity = activity

    class NearEnd(Message):
        """The reader is close to the oldest activity held: time to load older ones."""

    class NearTop(Message):
        """The reader is at the top of a window that dropped newer activities: time to load them back."""

    def __init__(self, *, max_entries: int = 1000, **kwargs: Any):
        super().__init__(**kwargs)
        self.max_entries = max_entries
        self.entries: list[Activity] = []
        self.ids: set[str] = set()
        self.cursor = 0
        self.has_newer_above = False  # activities newer than entries[0] exist but were dropped from the window
        self.dropped = 0  # how many activities the window has dropped, for the curious
        self._content: dict[str, list[Strip]] = {}
        self._offsets: list[int] = []  # first line of each entry
        self._total = 0
        self._width = 0
        self.empty_text = "Nothing here yet."
        self.tail_text = ""
        self._paint_styles: tuple[Style, Style, Style] | None = None
        self._paint_now: datetime | None = None
        self._edge_cache: dict[tuple[object, ...], Strip] = {}  # headers and footers, keyed by everything they show

    # -- the window ----------------------------------------------------------------------------------------------------

    @property
    def current(self) -> Activity | None:
        return self.entries[self.cursor] if 0 <= self.cursor < len(self.entries) else None

    def index_of(self, activity_id: str) -> int:
        for i, a in enumerate(self.entries):
            if a.id == activity_id:
                return i
        return -1

    def set_tail(self, text: str) -> None:
        if text != self.tail_text:
            self.tail_text = text
            self.refresh()

    def set_entries(self, activities: list[Activity]) -> None:
        self.entries = list(activities[: self.max_entries])
        self.ids = {a.id for a in self.entries}
        self._content.clear()
        self.cursor = 0
        self.has_newer_above = False
        self._relayout()
        self.scroll_to(y=0, animate=False, immediate=True, force=True)
        self.refresh()

    def append(self, older: list[Activity]) -> int:
        """Add older activities at the bottom; returns how many were new to the window."""
        fresh = [a for a in older if a.id not in self.ids]
        if not fresh:
            return 0
        self.entries.extend(fresh)
        self.ids.update(a.id for a in fresh)
        overflow = len(self.entries) - self.max_entries
        if overflow > 0:
            self._drop_top(overflow)
        self._relayout()
        self.refresh()
        return len(fresh)

    def _drop_top(self, count: int) -> None:
        # what is dropped is above the reader: move the view up by its height so nothing on screen moves
        height = self._offsets[count] if count < len(self._offsets) else self._total
        for a in self.entries[:count]:
            self.ids.discard(a.id)
            self._content.pop(a.id, None)
        del self.entries[:count]
        self.cursor = max(0, self.cursor - count)
        self.has_newer_above = True
        self.dropped += count
        self._relayout()
        self.scroll_to(y=max(0, self.scroll_y - height), animate=False, immediate=True, force=True)

    def prepend(self, newer: list[Activity]) -> int:
        """Add newer activities at the top without moving what is on screen; returns how many were new."""
        fresh = sorted({a.id: a for a in newer if a.id not in self.ids}.values(), key=lambda a: a.id, reverse=True)
        if not fresh:
            return 0
        before_total = self._total
        self.entries[:0] = fresh
        self.ids.update(a.id for a in fresh)
        self.cursor += len(fresh) if self.entries[len(fresh) :] else 0
        overflow = len(self.entries) - self.max_entries
        if overflow > 0:
            for a in self.entries[-overflow:]:
                self.ids.discard(a.id)
                self._content.pop(a.id, None)
            del self.entries[-overflow:]
            self.cursor = min(self.cursor, len(self.entries) - 1)
            self.dropped += overflow
        self._relayout()
        added = self._offsets[len(fresh)] if len(fresh) < len(self._offsets) else self._total - before_total
        self.scroll_to(y=self.scroll_y + max(0, added), animate=False, immediate=True, force=True)
        self.refresh()
        return len(fresh)

    def update_activity(self, activity: Activity) -> None:
        i = self.index_of(activity.id)
        if i >= 0:
            old = self.entries[i]
            self.entries[i] = activity
            if old.content != activity.content:
                self._content.pop(activity.id, None)
                self._relayout()
            self.refresh()

    def drop_activity(self, activity_id: str) -> None:
        """Take one activity out of the window (it was deleted). Not `remove`: that is Textual's, for the widget."""
        i = self.index_of(activity_id)
        if i >= 0:
            del self.entries[i]
            self.ids.discard(activity_id)
            self._content.pop(activity_id, None)
            self.cursor = min(self.cursor, max(0, len(self.entries) - 1))
            self._relayout()
            self.refresh()

    # -- layout --------------------------------------------------------------------------------------------------------

    def _content_lines(self, activity: Activity) -> list[Strip]:
        lines = self._content.get(activity.id)
        if lines is None:
            width = max(10, self._width - GUTTER - 1)
            console = self.app.console
            # only the start is shown: rendering a whole 2 MB post (a server may send one) would freeze the stream
            cut = len(activity.content) > PREVIEW_CHARS
            rendered = console.render_lines(
                content_text(activity.content[:PREVIEW_CHARS]), console.options.update_width(width), pad=False
            )
            if len(rendered) > MAX_CONTENT_LINES or cut:
                rendered = [*rendered[: MAX_CONTENT_LINES - 1], [Segment("… (enter to read it all)", Style(dim=True))]]
            lines = [Strip(line) for line in rendered] or [Strip([Segment("(empty)", Style(dim=True))])]
            self._content[activity.id] = lines
        return lines

    def _relayout(self) -> None:
        width = self.scrollable_content_region.width or self.size.width
        if width != self._width:
            self._width = width
            self._content.clear()
        offsets, y = [], 0
        if self._width:
            for activity in self.entries:
                offsets.append(y)
                y += len(self._content_lines(activity)) + 3
        self._offsets, self._total = offsets, y
        self.virtual_size = Size(self._width, max(y + TAIL_LINES, 1))

    def on_mount(self) -> None:
        self.set_interval(30, self.refresh)  # relative times ("5 min ago") move on by themselves

    def on_resize(self, event: events.Resize) -> None:
        # a new width rewraps every block; keep the highlighted one in view (a banner appearing only shortens us)
        self._relayout()
        if self.current is not None:
            self.scroll_to_cursor()

    # -- drawing -------------------------------------------------------------------------------------------------------

    def _header(self, a: Activity, width: int, now: datetime) -> Strip:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(a.actor.name, Style(bold=True))
        text.append(f"  @{a.actor.username}", Style(dim=True))
        text.append(f" · {relative_time(a.published, now)}", Style(dim=True))
        if a.contexts:
            text.append(" · in ", Style(dim=True))
            text.append(", ".join(c.name for c in a.contexts), Style(color="green"))
        return self._one_line(text, width)

    def _footer(self, a: Activity, width: int) -> Strip:
        text = Text(no_wrap=True, overflow="ellipsis", style=Style(dim=True))
        comments = a.comments_count
        text.append(f"{comments} comment{'s' if comments != 1 else ''}")
        text.append(" · ")
        text.append(f"♥ {a.likes_count}", Style(color="red", bold=True, dim=False) if a.liked else None)
        text.append(f" like{'s' if a.likes_count != 1 else ''}")
        if a.liked:
            text.append(" (you like this)")
        if a.favorited:
            text.append(" · ")
            text.append("★ favorite", Style(color="yellow", bold=True, dim=False))
        return self._one_line(text, width)

    def _one_line(self, text: Text, width: int) -> Strip:
        text.truncate(width, overflow="ellipsis")
        return Strip(list(text.render(self.app.console)))

    def render_lines(self, crop: Region) -> list[Strip]:
        # styles are looked up once per paint, not once per line: the lookup costs more than drawing the line
        self._paint_styles = (
            self.rich_style,
            self.get_component_rich_style("activity-stream--gutter"),
            self.get_component_rich_style("activity-stream--cursor"),
        )
        self._paint_now = datetime.now(UTC)
        if len(self._edge_cache) > 400:
            self._edge_cache.clear()
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        line = int(self.scroll_y) + y
        base, gutter_style, cursor_style = self._paint_styles or (self.rich_style, None, None)
        if not self.entries:
            if y == 1:
                return Strip([Segment("  " + self.empty_text, Style(dim=True))]).crop_extend(0, width, base)
            return Strip.blank(width, base)
        if line >= self._total or not self._offsets:
            if line == self._total and self.tail_text:  # below the oldest: "loading older…" or "start of the stream"
                return Strip([Segment("  " + self.tail_text, Style(dim=True, italic=True))]).crop_extend(0, width, base)
            return Strip.blank(width, base)
        i = bisect_right(self._offsets, line) - 1
        a = self.entries[i]
        local = line - self._offsets[i]
        content = self._content_lines(a)
        body_width = max(1, width - GUTTER)
        if local == 0:
            now = self._paint_now or datetime.now(UTC)
            header_key: tuple[object, ...] = ("h", a.id, body_width, relative_time(a.published, now))
            strip = self._edge_cache.get(header_key) or self._edge_cache.setdefault(
                header_key, self._header(a, body_width, now)
            )
        elif local <= len(content):
            strip = content[local - 1]
        elif local == len(content) + 1:
            footer_key: tuple[object, ...] = (
                "f",
                a.id,
                body_width,
                a.comments_count,
                a.likes_count,
                a.liked,
                a.favorited,
            )
            strip = self._edge_cache.get(footer_key) or self._edge_cache.setdefault(
                footer_key, self._footer(a, body_width)
            )
        else:
            strip = Strip([])
        selected = i == self.cursor and local <= len(content) + 1
        gutter = Segment("▌ " if selected else "  ", gutter_style if selected else None)
        strip = Strip([gutter, *strip]).crop_extend(0, width, None)
        if selected and cursor_style is not None:
            strip = strip.apply_style(cursor_style)
        return strip.apply_style(base)

    # -- moving --------------------------------------------------------------------------------------------------------

    def _block(self, i: int) -> tuple[int, int]:
        start = self._offsets[i]
        end = self._offsets[i + 1] if i + 1 < len(self._offsets) else self._total
        return start, end

    def scroll_to_cursor(self, top: bool = False) -> None:
        if not self.entries or not self._offsets:
            return
        start, end = self._block(self.cursor)
        height = self.scrollable_content_region.height or self.size.height
        if top or start < self.scroll_y:
            target = start
        elif end > self.scroll_y + height:
            target = max(start, end - height)
        else:
            return
        self.scroll_to(y=target, animate=False, immediate=True, force=True)

    def move_cursor(self, index: int) -> None:
        if not self.entries:
            return
        self.cursor = max(0, min(index, len(self.entries) - 1))
        self.scroll_to_cursor()
        self.refresh()
        self.check_edges()

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        if self.cursor == 0:
            self.check_edges(at_top=True)
        self.move_cursor(self.cursor - 1)

    def action_page_down(self) -> None:
        height = self.scrollable_content_region.height or self.size.height
        self._jump_lines(height)

    def action_page_up(self) -> None:
        height = self.scrollable_content_region.height or self.size.height
        self._jump_lines(-height)

    def _jump_lines(self, lines: int) -> None:
        if not self._offsets:
            return
        target = self._offsets[self.cursor] + lines
        target = max(0, min(target, self._total - 1))
        self.move_cursor(bisect_right(self._offsets, target) - 1)

    def action_first(self) -> None:
        self.move_cursor(0)
        self.check_edges(at_top=True)

    def action_last(self) -> None:
        self.move_cursor(len(self.entries) - 1)

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Opened(self.current))

    def on_click(self, event: events.Click) -> None:
        if not self._offsets:
            return
        line = int(self.scroll_y) + event.y
        if line >= self._total:
            return
        i = bisect_right(self._offsets, line) - 1
        if i == self.cursor and event.chain >= 2:
            self.action_open()
        self.move_cursor(i)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self.check_edges()

    def check_edges(self, at_top: bool = False) -> None:
        if not self.entries:
            return
        height = self.scrollable_content_region.height or self.size.height
        if self._total - (self.scroll_y + height) < 2 * height or self.cursor >= len(self.entries) - 5:
            self.post_message(self.NearEnd())
        if self.has_newer_above and (at_top or (self.scroll_y <= 0 and self.cursor == 0)):
            self.post_message(self.NearTop())

"""The live tail: a view that draws only the visible lines, and the panel around it (status line, `/` filter).

Nothing here touches a widget per message: whoever appends to the buffer calls `TailPanel.arrived()`, which makes
sure one flush is on its way; the flush copies what arrived into the view's rows in one go, ~50 ms after a burst
started (at most ~20 screen updates a second, ~5 while a flood goes on), or a second after the last one when
messages only trickle in (every screen update has a fixed cost, ~5-10 ms here, most of the pane's CPU at a few
messages a second; a message after a quiet spell is drawn at once). With nothing arriving there is no timer at all.
While the tail is held (paused with space, or scrolled up by the user) the rows stay frozen and the status counts
"+N new".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

from tui.services.openiap.collector import FLOOD_PAUSE
from tui.services.openiap.render import TailFormat
from tui.services.openiap.tail_buffer import DEFAULT_LIMIT, TailBuffer, TailMarker

FLUSH_INTERVAL = 0.05  # at most ~20 screen updates a second, however fast messages arrive...
FLOOD_INTERVAL = 0.2  # ...and ~5 while a flood goes on (each costs ~10 ms here: time the reader of the flood wants)
TRICKLE_INTERVAL = 1.0  # when messages trickle in, they are drawn together once a second...
BURST = 64  # ...unless this many are waiting: a screen update costs the same for one line as for a screenful


class TailView(ScrollView, can_focus=True):
    """Draws `rows` (a snapshot of the buffer) one Strip per visible line; a cursor picks a row to inspect."""

    DEFAULT_CSS = """
    TailView { height: 1fr; background: $surface; overflow-x: hidden; overflow-y: scroll; }
    TailView:focus { background-tint: $foreground 4%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "first", "First", show=False),
        Binding("end,G", "follow", "Follow", show=False),
        Binding("enter", "inspect", "Inspect"),
    ]

    class Held(Message):
        """The user moved away from the end (held=True) or came back to it (held=False)."""

        def __init__(self, view: TailView, held: bool):
            super().__init__()
            self.view = view
            self.held = held

    class Inspect(Message):
        def __init__(self, view: TailView, item: Any, open_inspector: bool):
            super().__init__()
            self.view = view
            self.item = item
            self.open_inspector = open_inspector

    def __init__(self, fmt: TailFormat[Any], **kwargs: Any):
        super().__init__(**kwargs)
        self.fmt = fmt
        self.rows: list[Any] = []
        self.cursor: int | None = None  # None while following the end
        self._cache: dict[int, tuple[Any, int, Strip]] = {}
        self._cursor_style = Style(reverse=True)
        self._base_style = Style()  # the view's own style, looked up once per render pass (it is not cheap)
        self._line_width = 0

    # -- content ------------------------------------------------------------------------------------------------------

    def set_rows(self, rows: list[Any], *, follow: bool) -> None:
        self.rows = rows
        if len(self._cache) > 512:  # the cache only needs what was drawn recently (a few screens)
            self._cache.clear()
        size = Size(self.size.width, len(rows))
        if size != self.virtual_size:
            # Only the tail's own content grew: skip the layout pass a `virtual_size` change would ask for (at 20
            # updates a second it would repaint the whole screen each time), and update the scrollbar directly.
            self.set_reactive(Widget.virtual_size, size)
            self._scroll_update(size)
        if follow:
            self.scroll_to(y=max(0, len(rows) - self.scrollable_content_region.height), animate=False, immediate=True)
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    @property
    def selected(self) -> Any | None:
        if self.cursor is not None and 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    def line_text(self, index: int) -> str:
        """The plain text of a row as drawn (tests and screenshots read it)."""
        return "".join(s.text for s in self._segments(self.rows[index]))

    def _strip(self, item: Any, width: int) -> Strip:
        """The drawn line of an entry at this width, cached (a flood redraws the same lines many times)."""
        key = id(item)
        cached = self._cache.get(key)
        if cached is not None and cached[0] is item and cached[1] == width:
            return cached[2]
        base = self._base_style
        strip = Strip(self._segments(item)).crop_extend(0, width, base).apply_style(base)
        self._cache[key] = (item, width, strip)
        return strip

    def _segments(self, item: Any) -> list[Segment]:
        return self.fmt.marker_segments(item) if isinstance(item, TailMarker) else self.fmt.segments(item)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._base_style = self.rich_style
        self._line_width = self.scrollable_content_region.width or self.size.width
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self._line_width
        index = self.scroll_offset.y + y
        if index >= len(self.rows):
            return Strip.blank(width, self._base_style)
        strip = self._strip(self.rows[index], width)
        if index == self.cursor:
            strip = strip.apply_style(self._cursor_style)
        return strip

    # -- moving -------------------------------------------------------------------------------------------------------

    def _move(self, index: int) -> None:
        if not self.rows:
            return
        index = max(0, min(len(self.rows) - 1, index))
        was_following = self.cursor is None
        self.cursor = index
        self.scroll_to_region_of(index)
        self.refresh()
        if was_following:
            self.post_message(self.Held(self, True))
        self.post_message(self.Inspect(self, self.rows[index], open_inspector=False))

    def scroll_to_region_of(self, index: int) -> None:
        height = self.scrollable_content_region.height or 1
        top = self.scroll_offset.y
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)

    def _current(self) -> int:
        return len(self.rows) - 1 if self.cursor is None else self.cursor

    def action_cursor_up(self) -> None:
        self._move(self._current() - (0 if self.cursor is None else 1))

    def action_cursor_down(self) -> None:
        if self.cursor is not None:
            self._move(self.cursor + 1)

    def action_page_up(self) -> None:
        self._move(self._current() - max(1, self.scrollable_content_region.height - 1))

    def action_page_down(self) -> None:
        if self.cursor is not None:
            self._move(self.cursor + max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self._move(0)

    def action_follow(self) -> None:
        self.cursor = None
        self.refresh()
        self.post_message(self.Held(self, False))

    def action_inspect(self) -> None:
        if self.cursor is None:
            self._move(len(self.rows) - 1)
        item = self.selected
        if item is not None:
            self.post_message(self.Inspect(self, item, open_inspector=True))

    # -- the mouse ----------------------------------------------------------------------------------------------------

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        # scrolling up is how a person says "let me read": hold the tail where it is
        if self.cursor is None and self.rows:
            self.cursor = min(len(self.rows) - 1, self.scroll_offset.y + self.scrollable_content_region.height - 1)
            self.post_message(self.Held(self, True))

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        # scrolling back down to the end is how a person says "carry on": follow again
        if self.cursor is not None:
            self.call_after_refresh(self._follow_if_at_end)

    def _follow_if_at_end(self) -> None:
        if self.cursor is not None and self.scroll_offset.y >= self.max_scroll_y:
            self.action_follow()

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self.rows):
            self._move(index)
            if event.chain >= 2:
                self.action_inspect()


# -- the panel: status line + view + filter bar ----------------------------------------------------------------------


class TailPanel(Vertical):
    """A live stream: buffer, view, status ("live", "paused +N new", dropped, filter) and the `/` filter bar."""

    DEFAULT_CSS = """
    TailPanel { height: 1fr; }
    TailPanel > .tail-status { height: 1; background: $panel; padding: 0 1; }
    TailPanel > .tail-filter { display: none; height: 3; border: tall $accent; }
    TailPanel.filtering > .tail-filter { display: block; }
    """

    def __init__(
        self, fmt: TailFormat[Any], *, heading: str, limit: int = DEFAULT_LIMIT, empty_hint: str = "", **kwargs: Any
    ):
        super().__init__(**kwargs)
        self.fmt = fmt
        self.heading = heading
        self.empty_hint = empty_hint
        self.buffer = TailBuffer(fmt.haystack, limit=limit)
        self.paused = False  # space
        self.scrolled = False  # the user moved up
        self.new_while_held = 0
        self.connection_note = ""  # e.g. "reconnecting…", shown instead of "live" until cleared
        self.connection_state = ""  # the client's, as last told by the pane
        self._flushed_received = -1
        self._flushed_at = 0.0
        self._flush_timer: Timer | None = None
        self._flush_soon = False  # the flush on its way is the quick one (a burst waits)
        self.flooding = False  # the last flush found a burst
        # after a flush drew what arrived (the pane updates its counts in the same screen update)
        self.on_drawn: Callable[[TailPanel], None] = lambda panel: None
        self._status_text = ""
        self.flushes = 0

    @property
    def held(self) -> bool:
        return self.paused or self.scrolled

    def compose(self) -> ComposeResult:
        yield Static("", classes="tail-status")
        yield TailView(self.fmt, classes="tail-view")
        yield Input(
            placeholder="filter: text or regular expression (Enter keeps it, Escape clears it)", classes="tail-filter"
        )

    @property
    def view(self) -> TailView:
        return self.query_one(TailView)

    @property
    def status(self) -> Static:
        return self.query_one(".tail-status", Static)

    def on_mount(self) -> None:
        self.flush()

    # -- the timer ----------------------------------------------------------------------------------------------------

    def arrived(self) -> None:
        """Something went into the buffer: make sure a flush is on its way, FLUSH_INTERVAL after the last one
        when BURST entries wait (FLOOD_INTERVAL when the last flush found a burst too), else TRICKLE_INTERVAL
        after it. Cheap when one is already on its way (a flood calls this for every batch)."""
        waiting = self.buffer.received - self._flushed_received
        if waiting <= 0 or not self.is_mounted:
            return
        burst = waiting >= BURST
        if self._flush_timer is not None:
            if self._flush_soon or not burst:
                return
            self._flush_timer.stop()  # a burst came while the slow flush waited: bring it forward
        since = time.monotonic() - self._flushed_at
        self._flush_soon = burst
        delay = ((FLOOD_INTERVAL if self.flooding else FLUSH_INTERVAL) if burst else TRICKLE_INTERVAL) - since
        self._flush_timer = self.set_timer(max(0.001, delay), self._flush_due, name="tail-flush")
        if burst and not self.flooding:
            self._note_flood(waiting)  # from the first burst on, not from the flush after it

    def _flush_due(self) -> None:
        self._flush_timer = None
        self.flush()

    def flush(self) -> None:
        """Bring the screen up to date with the buffer, whatever arrived (one screen update for all of it)."""
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        self._note_flood(self.buffer.received - self._flushed_received)
        self._flushed_received = self.buffer.received
        self._flushed_at = time.monotonic()
        new = self.buffer.catch_up()
        if self.held:
            self.new_while_held += new
        else:
            self.view.set_rows(list(self.buffer.visible()), follow=True)
            self.flushes += 1
        self.update_status()
        self.on_drawn(self)
        if self.flooding and self._flush_timer is None:
            # a flood that stops dead sends nothing more to say so: look again in a moment
            self._flush_soon = False
            self._flush_timer = self.set_timer(TRICKLE_INTERVAL, self._flush_due, name="tail-flush")

    def _note_flood(self, arrived: int) -> None:
        """A burst since the last flush: a flood is on, and the collector waits for it to end (collector.py)."""
        if arrived >= BURST:
            FLOOD_PAUSE.hold(self)
            self.flooding = True
        elif self.flooding:
            FLOOD_PAUSE.release(self)
            self.flooding = False

    def on_unmount(self) -> None:
        FLOOD_PAUSE.release(self)

    def update_status(self) -> None:
        text = Text()
        if self.connection_note:
            # not "live" while the connection is down, whatever the tail itself is doing
            down = self.connection_state == "disconnected"
            text.append(f"{'○' if down else '◌'} {self.connection_note}", style="bold red" if down else "bold yellow")
            if self.held:
                text.append("  ")
        if self.paused:
            text.append("❚❚ paused", style="bold yellow")
        elif self.scrolled:
            text.append("↑ holding (End follows)", style="bold yellow")
        elif not self.connection_note:
            text.append("● live", style="bold green")
        if self.held and self.new_while_held:
            text.append(f"  +{self.new_while_held:,} new", style="bold reverse yellow")
        b = self.buffer
        text.append(f"   {b.messages:,} received", style="dim")
        if b.dropped:
            text.append(f" · last {b.limit:,} kept · {b.dropped:,} dropped from view", style="yellow")
        if b.filter is not None:
            text.append(f"   filter {b.filter.describe()}: {b.matched_messages:,} shown", style="cyan")
        if not b.received and self.empty_hint:
            text.append(f"   {self.empty_hint}", style="italic dim")
        plain = text.plain
        if plain != self._status_text:
            self._status_text = plain
            self.status.update(text, layout=False)  # one line of fixed size: no layout pass needed

    # -- holding ------------------------------------------------------------------------------------------------------

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if not self.held:
            self.resume()
        self.update_status()

    def resume(self) -> None:
        self.paused = self.scrolled = False
        self.new_while_held = 0
        self.view.cursor = None
        self.view.set_rows(list(self.buffer.visible()), follow=True)
        self.update_status()

    def on_tail_view_held(self, event: TailView.Held) -> None:
        event.stop()
        if event.held:
            self.scrolled = True
            self.update_status()
        else:
            self.scrolled = False
            if not self.paused:
                self.resume()
            else:
                self.update_status()

    # -- filter -------------------------------------------------------------------------------------------------------

    def open_filter(self) -> None:
        self.add_class("filtering")
        box = self.query_one(".tail-filter", Input)
        box.value = self.buffer.filter.text if self.buffer.filter else ""
        box.focus()

    def apply_filter(self, text: str) -> None:
        self.buffer.set_filter(text)
        self.new_while_held = 0
        self.view.cursor = None if not self.held else self.view.cursor
        rows = list(self.buffer.visible())
        if self.view.cursor is not None and self.view.cursor >= len(rows):
            self.view.cursor = None
        self.view.set_rows(rows, follow=self.view.cursor is None)
        self.update_status()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.has_class("tail-filter"):
            event.stop()
            self.apply_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.has_class("tail-filter"):
            event.stop()
            self.remove_class("filtering")
            self.view.focus()

    def close_filter(self, clear: bool = True) -> None:
        if clear:
            self.apply_filter("")
        self.remove_class("filtering")
        self.view.focus()

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape" and self.has_class("filtering"):
            event.stop()
            event.prevent_default()
            self.close_filter(clear=True)

    def show_connection_change(self, previous: str, state: str) -> None:
        """Say in the stream what happened to the connection, and keep saying it in the status line."""
        self.connection_state = state
        if state == "reconnecting" and previous != "reconnecting":
            self.connection_note = "reconnecting: the tail resumes by itself"
            self.mark("connection lost, reconnecting… (the tail resumes by itself)", "warning")
        elif state == "connected":
            if previous == "reconnecting":
                self.mark("reconnected: queues and watches registered again, tail resumed", "success")
            self.connection_note = ""  # also after ctrl+r brought back a connection that was given up
        elif state == "disconnected" and previous != "disconnected":
            self.connection_note = "disconnected (ctrl+r reconnects)"
        elif state == "connecting" and self.connection_note:
            self.connection_note = "connecting…"
        self.update_status()

    # -- writing from the pane ----------------------------------------------------------------------------------------

    def mark(self, text: str, level: str = "info") -> None:
        self.buffer.mark(TailMarker(text, level))
        self.arrived()

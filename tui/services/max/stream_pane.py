"""A live MAX stream in a pane: one header line over the stream widget, loading the newest page first, older pages as
the reader scrolls, and polling for new activities, which are announced, never pushed under the reader.

Polling stops while the pane's tab is hidden (nobody reads it; every poll is a request) and catches up as soon as the
tab is shown again. A load that fails the same way as the one before it says so in the stream instead of stacking an
identical notification (ctrl+r on a server that is still down).

`ActivityPane` (pane.py) builds on this with what a person does with the stream: views, reading, writing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.timer import Timer
from textual.widgets import Static

from tui.http import ServiceError
from tui.services.max.client import MaxClient
from tui.services.max.models import Activity, StreamView
from tui.services.max.render import HeaderState, header_line, tail_line
from tui.services.max.stream_view import ActivityStream
from tui.widgets.pane import PaneContext, ServicePane


class StreamPane(ServicePane[MaxClient]):
    DEFAULT_CSS = """
    StreamPane #max-header { height: 1; width: 1fr; padding: 0 1; background: $primary-background; }
    """

    page_size = 30
    poll_interval = 5.0  # seconds between checks for new activities; tests make it shorter
    poll_batch = 100
    max_entries = 1000  # activities held in the stream's window

    def __init__(self, client: MaxClient, context: PaneContext, **kwargs: Any):
        super().__init__(client, context, **kwargs)
        self.view = StreamView()
        self.pending: list[Activity] = []  # new activities found by polling, newest first, not shown yet
        self.head_id = ""  # the newest activity id seen in this view, shown or pending
        self.at_end = False  # the oldest activity of the view is in the window
        self.loading_older = False
        self.loading_newer = False
        self.loaded = False
        self.total: int | None = None
        self.polls = 0  # how many polls were sent (tests read it to see polling stop while hidden)
        self._poll_timer: Timer | None = None
        self._tab_hidden = False
        self._failed_load: tuple[StreamView, str] | None = None  # the last failure reported, until a load works
        self._shown_header: Text | None = None
        self._reported_state: tuple[str, str] | None = None  # the last connection state told to the app

    def compose(self) -> ComposeResult:
        # one fixed line for the title and the "N new" notice, so news never shifts the stream the reader is in
        yield Static(id="max-header")
        yield ActivityStream(max_entries=self.max_entries, id="max-stream")

    @property
    def stream(self) -> ActivityStream:
        return self.query_one(ActivityStream)

    def focus(self, scroll_visible: bool = True) -> StreamPane:
        # the stream holds the keyboard: arrows, enter, and the pane's own keys bubble up from it
        streams = self.query(ActivityStream)
        if streams:
            streams.first().focus(scroll_visible)
        return self

    # -- lifecycle -----------------------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._update_header()

    def on_first_show(self) -> None:
        self.load_first()
        self._poll_timer = self.set_interval(self.poll_interval, self._poll_tick, pause=self._tab_hidden)

    # Show and Hide do not bubble: these are the pane's own (its tab shown or hidden), never a part's
    @on(events.Hide)
    def _stop_polling_while_hidden(self) -> None:
        self._tab_hidden = True
        if self._poll_timer is not None:
            self._poll_timer.pause()

    @on(events.Show)
    def _catch_up_when_shown(self) -> None:
        if not self._tab_hidden:
            return
        self._tab_hidden = False
        if self._poll_timer is not None:
            self._poll_timer.resume()
            self._poll_tick()  # what was posted meanwhile, at once rather than a poll interval later

    def reload(self) -> None:
        self.load_first()

    def set_view(self, view: StreamView) -> None:
        self.view = view
        self.total = None
        self.pending = []
        self._update_header()  # the new title at once; the page follows
        self.load_first()

    # -- header --------------------------------------------------------------------------------------------------------

    def _update_header(self) -> None:
        if not self.is_mounted:
            return
        header = header_line(
            HeaderState(
                title=self.view.title,
                pending=len(self.pending),
                total=self.total,
                loaded=len(self.stream.entries) if self.loaded else None,
                at_end=self.at_end,
                loading_older=self.loading_older,
            )
        )
        if self.loaded:
            self.stream.set_tail(tail_line(at_end=self.at_end, loading_older=self.loading_older))
        if header != self._shown_header:  # an update relayouts; skip it when nothing changed
            self._shown_header = header
            self.query_one("#max-header", Static).update(header, layout=False)  # one fixed line: no relayout

    @property
    def header_text(self) -> str:
        return self._shown_header.plain if self._shown_header is not None else ""

    @property
    def new_count(self) -> int:
        return len(self.pending)

    # -- loading -------------------------------------------------------------------------------------------------------

    def set_state(self, state: str, detail: str = "") -> None:
        # tell the app only about changes: every message repaints the connection bar
        if (state, detail) != self._reported_state:
            self._reported_state = (state, detail)
            super().set_state(state, detail)

    @work(exclusive=True, group="max-load")
    async def load_first(self) -> None:
        view = self.view
        if not self.loaded:
            self.set_state("connecting")
        if not self.stream.entries:
            self.stream.empty_text = "Loading…"
            self.stream.refresh()
        try:
            page = await self.client.stream(view, limit=self.page_size)
        except ServiceError as exc:
            self._load_failed(view, exc)
            return
        if view != self.view:
            return
        self.set_state("ok")
        self._failed_load = None
        self.pending = []
        self.head_id = page[0].id if page else ""
        self.at_end = len(page) < self.page_size
        self.total = None
        self.stream.empty_text = "Nothing here yet. Press p to post." if view.kind == "timeline" else "Nothing here."
        self.stream.set_entries(page)
        self.loaded = True
        self._update_header()
        # the total is a nicety: ask for it once the page is on screen, not in the page's way
        self.call_after_refresh(self.count_view, view)

    def _load_failed(self, view: StreamView, exc: ServiceError) -> None:
        what = view.title.lower() if view.kind in ("timeline", "favorites") else view.title
        again = self._failed_load == (view, exc.readable)
        self._failed_load = (view, exc.readable)
        if again:  # the same failure once more: say it where the stream is, not in one more identical notification
            when = datetime.now().strftime("%H:%M:%S")
            self.stream.empty_text = f"Still cannot load {what} (tried again at {when}). Press ctrl+r to try again."
        else:
            self.stream.empty_text = f"Could not load {what}. Press ctrl+r to try again."
        self.stream.set_entries([])
        self.set_state("error", exc.message)  # whatever went wrong, the bar no longer says "connecting"
        if not again:
            self.report(exc, f"load {what}")

    @work(exclusive=True, group="max-count")
    async def count_view(self, view: StreamView) -> None:
        try:
            total = await self.client.count(view)
        except ServiceError:
            return  # the count is a nicety; the stream itself already reported any real trouble
        if view == self.view:
            self.total = total
            self._update_header()

    @on(ActivityStream.NearEnd)
    def _near_end(self, event: ActivityStream.NearEnd) -> None:
        event.stop()
        if self.loaded and not self.at_end and not self.loading_older:
            self.loading_older = True
            self._update_header()
            self.load_older()

    @work(exclusive=True, group="max-older")
    async def load_older(self) -> None:
        view = self.view
        try:
            last = self.stream.entries[-1].id if self.stream.entries else None
            if last is None:
                return
            page = await self.client.stream(view, limit=self.page_size, before=last)
            if view != self.view:
                return
            self.at_end = len(page) < self.page_size
            self.stream.append(page)
        except ServiceError as exc:
            self.report(exc, "load older activities")
        finally:
            self.loading_older = False
            self._update_header()
        self.stream.check_edges()  # a short page may still leave the reader near the end

    @on(ActivityStream.NearTop)
    def _near_top(self, event: ActivityStream.NearTop) -> None:
        event.stop()
        if not self.loading_newer:
            self.loading_newer = True
            self.load_newer()

    @work(exclusive=True, group="max-newer")
    async def load_newer(self) -> None:
        """Fill the top of a window that dropped its newest activities while the reader went far back."""
        view = self.view
        try:
            first = self.stream.entries[0].id if self.stream.entries else None
            page = await self.client.stream(view, limit=self.page_size, after=first) if first else []
            if view != self.view:
                return
            self.stream.prepend(page)
            if len(page) < self.page_size or (page and page[0].id >= self.head_id):
                self.stream.has_newer_above = False  # caught up with the newest seen; newer ones are announced
            self.pending = [a for a in self.pending if a.id not in self.stream.ids]
        except ServiceError as exc:
            self.report(exc, "load newer activities")
        finally:
            self.loading_newer = False
            self._update_header()

    def _poll_tick(self) -> None:
        if self.loaded and self.head_id:
            self.poll()

    @work(exclusive=True, group="max-poll")
    async def poll(self) -> None:
        view, head = self.view, self.head_id
        self.polls += 1
        found: list[Activity] = []
        try:
            while True:  # `after` answers the activities right after `head`: page until caught up
                page = await self.client.stream(view, limit=self.poll_batch, after=head)
                found[:0] = page
                if len(page) < self.poll_batch:
                    break
                head = page[0].id
        except ServiceError as exc:
            self.set_state("error", exc.message)
            return
        self.set_state("ok")
        if view != self.view or not found:
            return
        known = {a.id for a in self.pending} | self.stream.ids
        fresh = [a for a in found if a.id not in known]
        if fresh:
            self.pending[:0] = fresh
            self.head_id = max(self.head_id, fresh[0].id)
            self._update_header()

    def action_show_new(self) -> None:
        if self.stream.has_newer_above:
            self.load_first()  # the window is far back: start again from the newest
            return
        if self.pending:
            self.stream.prepend(self.pending)
            self.pending = []
            self._update_header()
        self.stream.move_cursor(0)
        self.stream.scroll_to(y=0, animate=False, immediate=True, force=True)

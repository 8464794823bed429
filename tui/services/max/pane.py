"""The Activity pane: a MAX activity stream, newest first, that loads older pages as you read and announces new ones.

Views: my timeline, one person's activities, a context's stream, a hashtag on my timeline. Open an activity to read
it with its comments; post, comment, like/unlike, delete your own. Posts and comments are drafts on disk until sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Static

from tui.http import ServiceError
from tui.services.max.activity_view import ActivityScreen
from tui.services.max.client import MaxClient
from tui.services.max.dialogs import (
    ViewPrompt,
    comment_composer,
    context_prompt,
    delete_confirmation,
    hashtag_prompt,
    person_prompt,
    post_composer,
)
from tui.services.max.models import Activity, Comment, Context, StreamView
from tui.services.max.render import HeaderState, header_line, tail_line
from tui.services.max.stream_view import ActivityStream
from tui.widgets.pane import PaneContext, ServicePane


class ActivityPane(ServicePane[MaxClient]):
    kind = "max"
    DEFAULT_CSS = """
    ActivityPane #max-header { height: 1; width: 1fr; padding: 0 1; background: $primary-background; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "post", "Post", id="max.post", tooltip="Write a new post (kept as a draft until sent)"),
        Binding("c", "comment", "Comment", id="max.comment", tooltip="Comment on the highlighted activity"),
        Binding("l", "like", "Like/unlike", id="max.like", tooltip="Like or unlike the highlighted activity"),
        Binding("d", "delete", "Delete", id="max.delete", tooltip="Delete your own highlighted activity"),
        Binding("n", "show_new", "Show new", id="max.show-new", tooltip="Show the new activities at the top"),
        Binding("t", "view_timeline", "Timeline", id="max.view-timeline", tooltip="My timeline"),
        Binding("u", "view_user", "Person", id="max.view-user", tooltip="One person's activities"),
        Binding("x", "view_context", "Context", id="max.view-context", tooltip="A context's stream"),
        Binding(
            "h,number_sign", "view_hashtag", "Hashtag", id="max.view-hashtag", tooltip="Filter my timeline by a hashtag"
        ),
    ]
    COMMANDS: ClassVar[list[tuple[str, str]]] = [
        ("Activity: my timeline", "view_timeline"),
        ("Activity: one person's activities", "view_user"),
        ("Activity: a context's stream", "view_context"),
        ("Activity: filter by hashtag", "view_hashtag"),
        ("Activity: new post", "post"),
        ("Activity: show new activities", "show_new"),
    ]

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
        self.subscriptions: list[Context] | None = None
        self._poll_timer: Timer | None = None
        self._shown_header: Text | None = None
        self._reported_state: tuple[str, str] | None = None  # the last connection state told to the app

    def compose(self) -> ComposeResult:
        # one fixed line for the title and the "N new" notice, so news never shifts the stream the reader is in
        yield Static(id="max-header")
        yield ActivityStream(max_entries=self.max_entries, id="max-stream")

    @property
    def stream(self) -> ActivityStream:
        return self.query_one(ActivityStream)

    def focus(self, scroll_visible: bool = True) -> ActivityPane:
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
        self._poll_timer = self.set_interval(self.poll_interval, self._poll_tick)
        if self.context.drafts.load(self.post_draft_key):
            self.notify("You have an unsent post: press p to finish it.", timeout=6)

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
            self.stream.empty_text = f"Could not load {view.title.lower()}. Press ctrl+r to try again."
            self.stream.set_entries([])
            self.set_state("error", exc.message)  # whatever went wrong, the bar no longer says "connecting"
            self.report(exc, f"load {view.title.lower()}")
            return
        if view != self.view:
            return
        self.set_state("ok")
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

    # -- views ---------------------------------------------------------------------------------------------------------

    def action_view_timeline(self) -> None:
        self.set_view(StreamView())

    def action_view_user(self) -> None:
        self._prompt_view(person_prompt(self.stream.current))

    def action_view_hashtag(self) -> None:
        self._prompt_view(hashtag_prompt(self.stream.current))

    def _prompt_view(self, prompt: ViewPrompt) -> None:
        dialog, to_view = prompt

        def chosen(values: dict[str, Any] | None) -> None:
            view = to_view(values)
            if view is not None:
                self.set_view(view)

        self.app.push_screen(dialog, chosen)

    def action_view_context(self) -> None:
        self.choose_context()

    async def _subscriptions(self) -> list[Context]:
        if self.subscriptions is None:
            self.subscriptions = await self.client.subscriptions()
        return self.subscriptions

    @work(exclusive=True, group="max-contexts")
    async def choose_context(self) -> None:
        try:
            contexts = await self._subscriptions()
        except ServiceError as exc:
            self.report(exc, "list your contexts")
            return
        current = self.stream.current
        # the highlighted activity's context first, even one I do not subscribe to
        extra = [c for c in (current.contexts if current else []) if c.hash not in {s.hash for s in contexts}]
        if not extra + contexts:
            self.notify("You are not subscribed to any context, and this activity is in none.")
            return
        suggestion = (current.contexts if current and current.contexts else extra + contexts)[0].hash
        self._prompt_view(context_prompt(extra + contexts, suggestion))

    # -- reading -------------------------------------------------------------------------------------------------------

    @on(ActivityStream.Opened)
    def _opened(self, event: ActivityStream.Opened) -> None:
        event.stop()
        self.app.push_screen(ActivityScreen(event.activity, client=self.client, pane=self))

    @on(ActivityScreen.Loaded)
    def _reader_loaded(self, event: ActivityScreen.Loaded) -> None:
        self.stream.update_activity(event.activity)

    @on(ActivityScreen.CommentRequested)
    def _reader_comment(self, event: ActivityScreen.CommentRequested) -> None:
        self.compose_comment(event.activity, on_sent=event.reader.reload)

    @on(ActivityScreen.LikeRequested)
    def _reader_like(self, event: ActivityScreen.LikeRequested) -> None:
        self.toggle_like(event.activity, on_done=event.reader.show_updated)

    @on(ActivityScreen.DeleteRequested)
    def _reader_delete(self, event: ActivityScreen.DeleteRequested) -> None:
        reader = event.reader
        self.confirm_delete(event.activity, on_deleted=lambda: reader.dismiss())

    # -- writing -------------------------------------------------------------------------------------------------------

    @property
    def post_draft_key(self) -> str:
        return self.context.draft_key("max", "post")

    def comment_draft_key(self, activity_id: str) -> str:
        return self.context.draft_key("max", "comment", activity_id)

    def action_post(self) -> None:
        self.open_post_editor()

    @work(exclusive=True, group="max-editor")
    async def open_post_editor(self) -> None:
        try:
            contexts = await self._subscriptions()
        except ServiceError:
            contexts = []  # posting to the timeline still works without the list
        suggestion = (
            self.view.value if self.view.kind == "context" and any(c.hash == self.view.value for c in contexts) else ""
        )
        composer = post_composer(self.client, self.context.drafts, self.post_draft_key, contexts, suggestion)
        self.app.push_screen(composer, self._posted)

    def _posted(self, activity: Activity | None) -> None:
        if activity is None:
            return  # closed unsent: the draft stays
        self.notify("Posted." if activity.created else "Already posted a moment ago; not repeated.")
        in_view = self.view.kind in ("timeline", "user") or (
            self.view.kind == "context" and any(c.hash == self.view.value for c in activity.contexts)
        )
        if in_view and not self.stream.has_newer_above:
            self.stream.prepend([*self.pending, activity])
            self.pending = []
            self.head_id = max(self.head_id, activity.id)
            self.stream.move_cursor(0)
            self.stream.scroll_to(y=0, animate=False, immediate=True, force=True)
            self._update_header()

    def action_comment(self) -> None:
        current = self.stream.current
        if current is None:
            self.notify("Highlight an activity to comment on it.")
            return
        self.compose_comment(current)

    def compose_comment(self, activity: Activity, on_sent: Callable[[], object] | None = None) -> None:
        def sent(comment: Comment | None) -> None:
            if comment is not None:
                self.notify("Comment sent.")
                self.refresh_activity(activity.id)
                if on_sent:
                    on_sent()

        composer = comment_composer(self.client, self.context.drafts, self.comment_draft_key(activity.id), activity)
        self.app.push_screen(composer, sent)

    @work(group="max-refresh")
    async def refresh_activity(self, activity_id: str) -> None:
        try:
            self.stream.update_activity(await self.client.activity(activity_id))
        except ServiceError:
            pass  # the counts stay as they were; the next reload shows them

    def action_like(self) -> None:
        current = self.stream.current
        if current is not None:
            self.toggle_like(current)

    @work(group="max-like")
    async def toggle_like(self, activity: Activity, on_done: Callable[[Activity], object] | None = None) -> None:
        try:
            if activity.liked:
                await self.client.unlike(activity.id)
            else:
                await self.client.like(activity.id)
            updated = await self.client.activity(activity.id)
        except ServiceError as exc:
            self.report(exc, "unlike that" if activity.liked else "like that")
            return
        self.stream.update_activity(updated)
        if on_done:
            on_done(updated)

    def action_delete(self) -> None:
        current = self.stream.current
        if current is not None:
            self.confirm_delete(current)

    def confirm_delete(self, activity: Activity, on_deleted: Callable[[], object] | None = None) -> None:
        if activity.actor.username != self.client.username:
            self.notify("You can only delete your own activities.", severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.delete_activity(activity, on_deleted)

        self.app.push_screen(delete_confirmation(activity), answered)

    @work(group="max-delete")
    async def delete_activity(self, activity: Activity, on_deleted: Callable[[], object] | None = None) -> None:
        try:
            await self.client.delete_activity(activity.id)
        except ServiceError as exc:
            self.report(exc, "delete that post")
            return
        self.stream.drop_activity(activity.id)
        self.pending = [a for a in self.pending if a.id != activity.id]
        self._update_header()
        self.notify("Deleted.")
        if on_deleted:
            on_deleted()

"""The Activity pane: a MAX activity stream, newest first, that loads older pages as you read and announces new ones.

Views: my timeline, one person's activities, a context's stream, a hashtag on my timeline. Open an activity to read
it with its comments; post, comment, like/unlike, delete your own. Posts and comments are drafts on disk until sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from tui.http import ServiceError, one_line
from tui.services.max.client import Activity, Context, MaxClient, StreamView
from tui.services.max.render import as_markdown
from tui.services.max.screens import ActivityScreen, ComposeScreen
from tui.services.max.stream import ActivityStream
from tui.widgets.dialogs import ConfirmDialog, Field, FormDialog
from tui.widgets.pane import PaneContext, ServicePane


class ActivityPane(ServicePane):
    kind = "max"
    DEFAULT_CSS = """
    ActivityPane #max-header { height: 1; width: 1fr; padding: 0 1; background: $primary-background; }
    """
    BINDINGS = [
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
    COMMANDS = [
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
        self.client: MaxClient = client
        self.view = StreamView()
        self.pending: list[Activity] = []  # new activities found by polling, newest first, not shown yet
        self.head_id = ""  # the newest activity id seen in this view, shown or pending
        self.at_end = False  # the oldest activity of the view is in the window
        self.loading_older = False
        self.loading_newer = False
        self.loaded = False
        self.total: int | None = None
        self.subscriptions: list[Context] | None = None
        self._poll_timer = None
        self._shown_header: Text | None = None

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

    # -- lifecycle ------------------------------------------------------------------------------------------------------

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

    # -- header -----------------------------------------------------------------------------------------------------------

    def _update_header(self) -> None:
        if not self.is_mounted:
            return
        header = Text()
        if self.pending:
            header.append(
                f" ● {len(self.pending)} new — press n to show ", Style(bold=True, color="black", bgcolor="yellow")
            )
            header.append("  ")
        header.append(self.view.title, Style(bold=True))
        if self.total is not None:
            header.append(f"  ·  {self.total:,} activities", Style(dim=True))
        if self.loaded:
            shown = len(self.stream.entries)
            header.append(f"  ·  {shown} loaded", Style(dim=True))
            if self.at_end:
                header.append(" (all)", Style(dim=True))
        if self.loading_older:
            header.append("  ·  loading older…", Style(dim=True))
        if self.loaded:
            self.stream.set_tail(
                "— the beginning of this stream —"
                if self.at_end
                else "loading older…"
                if self.loading_older
                else "scroll on for older activities"
            )
        header.append("   t timeline · u person · x context · h hashtag", Style(dim=True))
        if header != self._shown_header:  # an update relayouts; skip it when nothing changed
            self._shown_header = header
            self.query_one("#max-header", Static).update(header, layout=False)  # one fixed line: no relayout

    @property
    def header_text(self) -> str:
        return self._shown_header.plain if self._shown_header is not None else ""

    @property
    def new_count(self) -> int:
        return len(self.pending)

    # -- loading ----------------------------------------------------------------------------------------------------------

    def set_state(self, state: str, detail: str = "") -> None:
        # tell the app only about changes: every message repaints the connection bar
        if (state, detail) != getattr(self, "_state", None):
            self._state = (state, detail)
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
        self.stream._check_edges()  # a short page may still leave the reader near the end

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

    # -- views ------------------------------------------------------------------------------------------------------------

    def action_view_timeline(self) -> None:
        self.set_view(StreamView())

    def action_view_user(self) -> None:
        current = self.stream.current
        suggestion = current.actor.username if current else ""

        def chosen(values: dict | None) -> None:
            if values and values.get("username", "").strip():
                username = values["username"].strip().lstrip("@").lower()
                label = current.actor.name if current and current.actor.username == username else username
                self.set_view(StreamView("user", username, label))

        self.app.push_screen(
            FormDialog(
                "One person's activities",
                [Field("username", "Username", suggestion, placeholder="alice")],
                submit="Show",
            ),
            chosen,
        )

    def action_view_hashtag(self) -> None:
        current = self.stream.current
        suggestion = current.hashtags[0] if current and current.hashtags else ""

        def chosen(values: dict | None) -> None:
            tag = (values or {}).get("hashtag", "").strip().lstrip("#").lower()
            if tag:
                self.set_view(StreamView("hashtag", tag))

        self.app.push_screen(
            FormDialog(
                "Filter my timeline by a hashtag",
                [Field("hashtag", "Hashtag", suggestion, placeholder="release")],
                submit="Filter",
            ),
            chosen,
        )

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
        choices = [(c.name, c.hash) for c in extra + contexts]
        if not choices:
            self.notify("You are not subscribed to any context, and this activity is in none.")
            return
        suggestion = current.contexts[0].hash if current and current.contexts else choices[0][1]
        names = {c.hash: c.name for c in extra + contexts}

        def chosen(values: dict | None) -> None:
            value = (values or {}).get("context")
            if value:
                self.set_view(StreamView("context", value, names.get(value, value)))

        self.app.push_screen(
            FormDialog(
                "A context's stream",
                [Field("context", "Context", suggestion, kind="select", choices=choices)],
                submit="Show",
            ),
            chosen,
        )

    # -- reading ------------------------------------------------------------------------------------------------------------

    @on(ActivityStream.Opened)
    def _opened(self, event: ActivityStream.Opened) -> None:
        event.stop()
        self.app.push_screen(ActivityScreen(self, event.activity))

    # -- writing ------------------------------------------------------------------------------------------------------------

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
        self.app.push_screen(
            ComposeScreen(
                "New post",
                drafts=self.context.drafts,
                draft_key=self.post_draft_key,
                send=self._send_post,
                contexts=contexts,
                context=suggestion,
            )
        )

    async def _send_post(self, text: str, context_hash: str) -> None:
        activity = await self.client.post(text, context=context_hash)
        self.notify("Posted." if activity.created else "Already posted a moment ago; not repeated.")
        if self.view.kind in ("timeline", "user") or (self.view.kind == "context" and context_hash == self.view.value):
            if not self.stream.has_newer_above:
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

    def compose_comment(self, activity: Activity, on_sent: Callable[[], Any] | None = None) -> None:
        async def send(text: str, _context: str) -> None:
            await self.client.comment(activity.id, text)
            self.notify("Comment sent.")
            self.refresh_activity(activity.id)
            if on_sent:
                on_sent()

        preview = one_line(as_markdown(activity.content), 80)
        self.app.push_screen(
            ComposeScreen(
                f"Comment on {activity.actor.name}'s post",
                drafts=self.context.drafts,
                draft_key=self.comment_draft_key(activity.id),
                send=send,
                note=preview,
            )
        )

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
    async def toggle_like(self, activity: Activity, on_done: Callable[[Activity], Any] | None = None) -> None:
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

    def confirm_delete(self, activity: Activity, on_deleted: Callable[[], Any] | None = None) -> None:
        if activity.actor.username != self.client.username:
            self.notify("You can only delete your own activities.", severity="warning")
            return
        preview = one_line(as_markdown(activity.content), 60)

        def answered(yes: bool | None) -> None:
            if yes:
                self.delete_activity(activity, on_deleted)

        self.app.push_screen(
            ConfirmDialog(f"Delete your post “{preview}”? This cannot be undone.", confirm="Delete", danger=True),
            answered,
        )

    @work(group="max-delete")
    async def delete_activity(self, activity: Activity, on_deleted: Callable[[], Any] | None = None) -> None:
        try:
            await self.client.delete_activity(activity.id)
        except ServiceError as exc:
            self.report(exc, "delete that post")
            return
        self.stream.remove(activity.id)
        self.pending = [a for a in self.pending if a.id != activity.id]
        self._update_header()
        self.notify("Deleted.")
        if on_deleted:
            on_deleted()

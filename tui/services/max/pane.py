"""The Activity pane: a MAX activity stream, newest first, that loads older pages as you read and announces new ones
(the loading and polling are `StreamPane`'s, in stream_pane.py).

Views: my timeline, one person's activities, a context's stream, a hashtag or words searched on my timeline, my
favorites. Open an activity to read it with its comments; post, comment, like/unlike, favorite/unfavorite, delete your
own. Posts, comments and messages are drafts on disk until sent. `m` opens private conversations, `s` the contexts I
follow (follow and stop following them there).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType

from tui.http import ServiceError
from tui.services.max.activity_view import ActivityScreen
from tui.services.max.client import MaxClient
from tui.services.max.contexts_view import ContextsOutcome, ContextsScreen
from tui.services.max.conversations_view import ConversationsScreen
from tui.services.max.dialogs import (
    ViewPrompt,
    comment_composer,
    context_prompt,
    delete_confirmation,
    hashtag_prompt,
    person_prompt,
    post_composer,
    search_prompt,
)
from tui.services.max.models import Activity, Comment, Context, StreamView
from tui.services.max.stream_pane import StreamPane
from tui.services.max.stream_view import ActivityStream
from tui.widgets.export_source import ExportSource
from tui.widgets.pane import PaneContext


class ActivityPane(StreamPane):
    kind = "max"
    # The views' keys stay out of the footer: the header line names them (t u x h / F)
    WRITE_ACTIONS = frozenset({"post", "comment", "like", "favorite", "delete"})
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "post", "Post", id="max.post", tooltip="Write a new post (kept as a draft until sent)"),
        Binding("c", "comment", "Comment", id="max.comment", tooltip="Comment on the highlighted activity"),
        Binding("l", "like", "Like/unlike", id="max.like", tooltip="Like or unlike the highlighted activity"),
        Binding("f", "favorite", "Favorite", id="max.favorite", tooltip="Mark or unmark the highlighted activity"),
        Binding("d", "delete", "Delete", id="max.delete", tooltip="Delete your own highlighted activity"),
        Binding("n", "show_new", "Show new", id="max.show-new", tooltip="Show the new activities at the top"),
        Binding("m", "conversations", "Messages", id="max.conversations", tooltip="Private conversations"),
        Binding("slash", "search", "Search", id="max.search", tooltip="Search my timeline for words"),
        Binding("t", "view_timeline", "Timeline", id="max.view-timeline", show=False, tooltip="My timeline"),
        Binding("u", "view_user", "Person", id="max.view-user", show=False, tooltip="One person's activities"),
        Binding("x", "view_context", "Context", id="max.view-context", show=False, tooltip="A context's stream"),
        Binding(
            "h,number_sign",
            "view_hashtag",
            "Hashtag",
            id="max.view-hashtag",
            show=False,
            tooltip="Filter my timeline by a hashtag",
        ),
        Binding(
            "F", "view_favorites", "Favorites", id="max.view-favorites", show=False, tooltip="The activities I marked"
        ),
        Binding(
            "s", "contexts", "Contexts", id="max.contexts", tooltip="The contexts I follow: follow, stop following"
        ),
    ]
    COMMANDS: ClassVar[list[tuple[str, str]]] = [
        ("Activity: my timeline", "view_timeline"),
        ("Activity: one person's activities", "view_user"),
        ("Activity: a context's stream", "view_context"),
        ("Activity: filter by hashtag", "view_hashtag"),
        ("Activity: search my timeline", "search"),
        ("Activity: my favorites", "view_favorites"),
        ("Activity: conversations", "conversations"),
        ("Activity: contexts I follow", "contexts"),
        ("Activity: new post", "post"),
        ("Activity: show new activities", "show_new"),
    ]

    def __init__(self, client: MaxClient, context: PaneContext, **kwargs: Any):
        super().__init__(client, context, **kwargs)
        self.subscriptions: list[Context] | None = None

    def on_first_show(self) -> None:
        super().on_first_show()
        if self.context.drafts.load(self.post_draft_key):
            self.notify("You have an unsent post: press p to finish it.", timeout=6)

    # -- views ---------------------------------------------------------------------------------------------------------

    def action_view_timeline(self) -> None:
        self.set_view(StreamView())

    def action_view_user(self) -> None:
        self._prompt_view(person_prompt(self.stream.current))

    def action_view_hashtag(self) -> None:
        self._prompt_view(hashtag_prompt(self.stream.current))

    def action_search(self) -> None:
        self._prompt_view(search_prompt(self.view))

    def action_view_favorites(self) -> None:
        self.set_view(StreamView("favorites"))

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

    def action_contexts(self) -> None:
        self.app.push_screen(ContextsScreen(self.client), self._contexts_closed)

    def _contexts_closed(self, outcome: ContextsOutcome | None) -> None:
        if outcome is None:
            return
        if outcome.changed:
            self.subscriptions = None  # read again when next needed
        if outcome.view is not None:
            self.set_view(outcome.view)
        elif outcome.changed and self.view.kind in ("timeline", "hashtag", "search", "favorites"):
            self.load_first()  # my timeline holds the contexts I follow: it changed with them

    def action_conversations(self) -> None:
        drafts, key = self.context.drafts, self.message_draft_key
        self.app.push_screen(ConversationsScreen(client=self.client, drafts=drafts, draft_key=key))

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

    @on(ActivityScreen.FavoriteRequested)
    def _reader_favorite(self, event: ActivityScreen.FavoriteRequested) -> None:
        self.toggle_favorite(event.activity, on_done=event.reader.show_updated)

    @on(ActivityScreen.DeleteRequested)
    def _reader_delete(self, event: ActivityScreen.DeleteRequested) -> None:
        reader = event.reader
        self.confirm_delete(event.activity, on_deleted=lambda: reader.dismiss())

    # -- writing -------------------------------------------------------------------------------------------------------

    def export_source(self) -> ExportSource:
        """The activities as loaded in the stream, newest first."""
        entries = list(self.stream.entries)

        async def rows() -> AsyncIterator[dict[str, Any]]:
            for activity in entries:
                yield {
                    "id": activity.id,
                    "published": activity.published.isoformat() if activity.published else "",
                    "actor": activity.actor.username,
                    "content": activity.content,
                    "contexts": [context.url for context in activity.contexts],
                    "comments": activity.comments_count,
                    "likes": activity.likes_count,
                }

        return ExportSource(f"activities of {self.view.title.lower()}", rows, total=len(entries))

    @property
    def post_draft_key(self) -> str:
        return self.context.draft_key("max", "post")

    def comment_draft_key(self, activity_id: str) -> str:
        return self.context.draft_key("max", "comment", activity_id)

    def message_draft_key(self, conversation_id: str) -> str:
        return self.context.draft_key("max", "message", conversation_id)

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

    def action_favorite(self) -> None:
        current = self.stream.current
        if current is not None:
            self.toggle_favorite(current)

    @work(group="max-favorite")
    async def toggle_favorite(self, activity: Activity, on_done: Callable[[Activity], object] | None = None) -> None:
        try:
            if activity.favorited:
                await self.client.unfavorite(activity.id)
            else:
                await self.client.favorite(activity.id)
            updated = await self.client.activity(activity.id)
        except ServiceError as exc:
            self.report(exc, "unmark that favorite" if activity.favorited else "mark that as a favorite")
            return
        self.stream.update_activity(updated)
        if self.view.kind == "favorites" and not updated.favorited:
            self.stream.drop_activity(updated.id)  # the favorites view holds favorites only
        self.notify("Marked as a favorite." if updated.favorited else "No longer a favorite.")
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

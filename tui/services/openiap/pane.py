"""The Queues pane (OpenIAP): live queue tail, publish, collection watches, the collections browser, work items.

Layout: a side list of what is followed (`source_list.py`), the selected stream in the middle (`tail_view.py`, the
work items and collections views), and an inspector on the right for the selected message. Subscriptions are
consumed by one async worker each, which only appends to a bounded buffer (`sources.pump`) and says so once per
batch; the tail panels redraw from their buffers at a pace they set (`tail_view.py`), not per message.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher, OptionList

from tui.http import ServiceError
from tui.profiles import SANDBOX_PROFILE
from tui.services.openiap.client import OpenIAPClient, QueueMessage, WatchEvent
from tui.services.openiap.collections_view import CollectionsView
from tui.services.openiap.connection_line import ConnectionLine
from tui.services.openiap.dialogs import PromptDialog, WorkitemQueuesDialog
from tui.services.openiap.inspector import Inspector
from tui.services.openiap.message_actions import copy_text, publish_dialog, replay, selected_item, tail_export
from tui.services.openiap.render import QueueMessageFormat, WatchEventFormat
from tui.services.openiap.source_list import BROWSE_KEY, SourceList
from tui.services.openiap.sources import ADD_PROMPTS, DEMO_SOURCES, Source, TailedStore, check_workitem_queue, follow
from tui.services.openiap.tail_view import TailPanel, TailView
from tui.services.openiap.workitems_view import WorkitemsView
from tui.widgets.export_source import ExportSource
from tui.widgets.pane import PaneContext, ServicePane
from tui.widgets.read_only import writes_forbidden

APP_STATES = {"connected": "ok", "connecting": "connecting", "reconnecting": "reconnecting", "disconnected": "error"}


class QueuesPane(ServicePane[OpenIAPClient]):
    kind = "openiap"
    # following and removing sources change nothing on the server; the views and dialogs name their own writing keys
    WRITE_ACTIONS = frozenset({"publish", "replay"})

    COMMANDS: ClassVar[list[tuple[str, str]]] = [
        ("Queues: tail a queue", "add_queue"),
        ("Queues: watch a collection", "add_watch"),
        ("Queues: follow a work item queue", "add_wiq"),
        ("Queues: publish a message", "publish"),
        ("Queues: browse collections", "browse"),
        ("Queues: pause or resume the tail", "toggle_pause"),
        ("Queues: filter the tail", "filter"),
        ("Queues: stop tailing the selected source", "remove_source"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_pause", "Pause/resume", id="openiap.pause"),
        Binding("slash", "filter", "Filter", id="openiap.filter"),
        Binding("p", "publish", "Publish", id="openiap.publish"),
        Binding("a", "add_queue", "Tail queue", id="openiap.add-queue"),
        Binding("w", "add_watch", "Watch", id="openiap.add-watch"),
        Binding("i", "add_wiq", "Work items", id="openiap.add-wiq"),
        Binding("b", "browse", "Collections", id="openiap.browse"),
        Binding("d,delete", "remove_source", "Remove", id="openiap.remove"),
        Binding("c", "copy", "Copy", show=False, id="openiap.copy"),
        Binding("r", "replay", "Replay", show=False, id="openiap.replay"),
        Binding("escape", "close_inspector", "Close", show=False, id="openiap.close"),
    ]
    REPLY_SECONDS: ClassVar[float] = 15.0  # how long publish waits for the reply of a request/reply
    DEFAULT_CSS = """
    QueuesPane #oi-connection { height: 1; padding: 0 1; background: $boost; }
    QueuesPane #oi-body { height: 1fr; }
    QueuesPane #oi-sources { width: 28; height: 1fr; border-right: solid $panel; }
    QueuesPane #oi-main-column { width: 1fr; height: 1fr; }
    QueuesPane #oi-main { height: 1fr; }
    """

    def __init__(self, client: OpenIAPClient, context: PaneContext, **kwargs: Any):
        super().__init__(client, context, **kwargs)
        self.sources: list[Source] = []
        self.store = TailedStore(context.drafts.root.parent / "openiap", context.profile_name)
        self.connection_state = "disconnected"
        self.connection_detail = ""
        self.signed_in_as = ""
        self.reconnects = 0
        self._unsubscribe: Callable[[], None] | None = None
        self._connecting = False

    # -- layout -------------------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ConnectionLine(id="oi-connection")
        with Horizontal(id="oi-body"):
            yield SourceList(id="oi-sources")
            with Vertical(id="oi-main-column"):
                with ContentSwitcher(id="oi-main", initial="oi-queues"):
                    yield TailPanel(
                        QueueMessageFormat(),
                        id="oi-queues",
                        heading="Queue messages",
                        empty_hint="a tails a queue"
                        + ("" if writes_forbidden(self.app) else ", p publishes a message"),
                    )
                    yield TailPanel(
                        WatchEventFormat(),
                        id="oi-watches",
                        heading="Watch events",
                        empty_hint="w watches a collection (insert/update/delete)",
                    )
                    yield WorkitemsView(
                        self.client,
                        self.report,
                        id="oi-workitems",
                        drafts=self.context.drafts,
                        draft_key=lambda wiq: self.context.draft_key(self.kind, "push", wiq),
                    )
                    yield CollectionsView(self.client, self.report, id="oi-collections")
                yield Inspector(id="oi-inspector")

    @property
    def queue_tail(self) -> TailPanel:
        return self.query_one("#oi-queues", TailPanel)

    @property
    def watch_tail(self) -> TailPanel:
        return self.query_one("#oi-watches", TailPanel)

    @property
    def workitems_view(self) -> WorkitemsView:
        return self.query_one("#oi-workitems", WorkitemsView)

    @property
    def collections_view(self) -> CollectionsView:
        return self.query_one("#oi-collections", CollectionsView)

    @property
    def inspector(self) -> Inspector:
        return self.query_one("#oi-inspector", Inspector)

    @property
    def side_list(self) -> SourceList:
        return self.query_one("#oi-sources", SourceList)

    def current_tail(self) -> TailPanel | None:
        current = self.query_one("#oi-main", ContentSwitcher).current
        if current == "oi-watches":
            return self.watch_tail
        if current == "oi-queues":
            return self.queue_tail
        return None

    def focus(self, scroll_visible: bool = True) -> QueuesPane:
        # the pane itself is a container: give focus to what the person reads
        if self.is_mounted:
            tail = self.current_tail()
            (tail.view if tail else self.side_list).focus(scroll_visible)
        return self

    def on_mount(self) -> None:
        self._show_connection()
        # marks on a timer; counts when a tail is drawn anyway, so that both go out in one screen update
        self.set_interval(0.5, lambda: self.side_list.update_counts(self.sources, counts=False))
        for tail in (self.queue_tail, self.watch_tail):
            tail.on_drawn = self._tail_drawn
        self.side_list.rebuild(self.sources)

    def _tail_drawn(self, tail: TailPanel) -> None:
        # a hidden tail draws nothing: its counts wait for the next update of the one on screen
        if tail is self.current_tail():
            self.side_list.update_counts(self.sources)

    # -- start, reload, stop ------------------------------------------------------------------------------------------

    def on_first_show(self) -> None:
        saved = self.store.load()
        if saved is None:
            saved = DEMO_SOURCES if self.context.profile_name == SANDBOX_PROFILE else []
        self.sources = [Source(kind, name) for kind, name in saved]
        self.side_list.rebuild(self.sources)
        if not self.sources:
            self.queue_tail.mark(
                "Nothing tailed yet: a tails a queue, w watches a collection, i follows a work item queue."
            )
        if self._unsubscribe is None:
            self._unsubscribe = self.client.on_state(self._on_client_state)
        self._connect()

    def reload(self) -> None:
        if self.connection_state != "connected":
            self._connect()
        else:
            self._start_sources()
        current = self.query_one("#oi-main", ContentSwitcher).current
        if current == "oi-workitems":
            self.workitems_view.load()
        elif current == "oi-collections":
            self.collections_view.load_collections()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            with contextlib.suppress(Exception):
                self._unsubscribe()
            self._unsubscribe = None

    def _connect(self) -> None:
        if not self._connecting:  # never cancel a sign-in half-way: let the running one finish
            self._connecting = True
            self._connect_worker()

    @work(group="openiap-connect")
    async def _connect_worker(self) -> None:
        self._client_state_changed("connecting", "")
        try:
            user = await self.client.connect()
        except Exception as exc:
            self._connecting = False
            self._client_state_changed("disconnected", exc.readable if isinstance(exc, ServiceError) else str(exc))
            self.report(exc, "connect to OpenIAP")
            self.queue_tail.mark("Not connected: press ctrl+r to try again.", "error")
            return
        self._connecting = False
        self.signed_in_as = user.username or user.name
        self._client_state_changed(self.client.state or "connected", "")
        self._start_sources()

    def _start_sources(self) -> None:
        for source in self.sources:
            self._start(source)
        if self.sources and self.side_list.highlighted is None:
            self._select_first()

    def _start(self, source: Source) -> None:
        if source.worker is not None and source.worker.is_running:
            return
        source.status = "starting"
        if source.kind == "wiq":
            following = check_workitem_queue(source, self.client, self.report)
        else:
            tail = self.queue_tail if source.kind == "queue" else self.watch_tail
            following = follow(source, self.client, tail, self.report)
        source.worker = self.run_worker(following, name=source.key, group=f"openiap-{source.key}", exclusive=True)

    # -- the connection -----------------------------------------------------------------------------------------------

    def _on_client_state(self, state: str, detail: str) -> None:
        # called by the client from its own task: hand over to the pane's message loop
        self.call_later(self._client_state_changed, state, detail)

    def _client_state_changed(self, state: str, detail: str) -> None:
        previous = self.connection_state
        if state == previous and detail == self.connection_detail:
            return
        self.connection_state, self.connection_detail = state, detail
        if state == "reconnecting" and previous != "reconnecting":
            self.reconnects += 1
        for tail in (self.queue_tail, self.watch_tail):
            tail.show_connection_change(previous, state)
        self._show_connection()
        self.set_state(APP_STATES.get(state, "error"), detail)

    def _show_connection(self) -> None:
        bar = self.query_one("#oi-connection", ConnectionLine)
        bar.show_state(self.connection_state, self.connection_detail, self.signed_in_as, self.client.url)

    # -- the side list ------------------------------------------------------------------------------------------------

    def _highlight(self, key: str) -> None:
        self.side_list.highlight_key(key)

    def _select_first(self) -> None:
        first = next((s for s in self.sources if s.kind == "queue"), self.sources[0] if self.sources else None)
        if first is not None:
            self._highlight(first.key)

    @on(OptionList.OptionHighlighted, "#oi-sources")
    def _source_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._show_source(str(event.option.id))

    @on(OptionList.OptionSelected, "#oi-sources")
    def _source_selected(self, event: OptionList.OptionSelected) -> None:
        self._show_source(str(event.option.id))
        if event.option.id == BROWSE_KEY:
            self.collections_view.open()
        else:
            self.focus()

    def _show_source(self, key: str) -> None:
        kind, _, name = key.partition(":")
        switcher = self.query_one("#oi-main", ContentSwitcher)
        if kind == "queue":
            switcher.current = "oi-queues"
        elif kind == "watch":
            switcher.current = "oi-watches"
        elif kind == "wiq":
            switcher.current = "oi-workitems"
            self.workitems_view.show(name)
            self.inspector.remove_class("open")
        elif kind == "browse":
            switcher.current = "oi-collections"
            self.collections_view.open()
            if self.side_list.has_focus_within or self.side_list.has_focus:
                self.side_list.focus()  # moving through the side list: stay there
            self.inspector.remove_class("open")

    # -- adding and removing sources ----------------------------------------------------------------------------------

    def _add(self, kind: str, name: str) -> None:
        key = f"{kind}:{name}"
        source = next((s for s in self.sources if s.key == key), None)
        if source is None:
            source = Source(kind, name)
            self.sources.append(source)
            self.store.save(self.sources)
            self.side_list.rebuild(self.sources)
        if self.connection_state == "connected":
            self._start(source)  # one already followed carries on; a work item queue is looked up again (new?)
        else:
            self._connect()
        self._highlight(key)
        self._show_source(key)
        if kind == "wiq":
            self.workitems_view.table.focus()
        else:
            self.focus()

    def _prompt_add(self, kind: str) -> None:
        def done(name: str | None) -> None:
            if name:
                self._add(kind, name)

        title, hint, placeholder = ADD_PROMPTS[kind]
        self.app.push_screen(PromptDialog(title, hint=hint, placeholder=placeholder), done)

    def action_add_queue(self) -> None:
        self._prompt_add("queue")

    def action_add_watch(self) -> None:
        self._prompt_add("watch")

    def action_add_wiq(self) -> None:
        def done(name: str | None) -> None:
            if name:
                self._add("wiq", name)

        self.app.push_screen(WorkitemQueuesDialog(self.client), done)

    def action_remove_source(self) -> None:
        key = self.side_list.highlighted_key()
        source = next((s for s in self.sources if s.key == key), None)
        if source is None:
            self.notify("Highlight a queue, watch or work item queue in the side list first.", severity="warning")
            return
        self.remove_source(source)

    def remove_source(self, source: Source) -> None:
        if source.worker is not None:
            source.worker.cancel()
        self.sources.remove(source)
        self.store.save(self.sources)
        self.side_list.rebuild(self.sources)
        tail = self.queue_tail if source.kind == "queue" else self.watch_tail if source.kind == "watch" else None
        if tail is not None:
            tail.mark(f"stopped {'tailing queue' if source.kind == 'queue' else 'watching'} {source.name}")
        self.notify(f"Stopped following {source.name}.")

    # -- the tail -----------------------------------------------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        tail = self.current_tail() or self.queue_tail
        tail.set_paused(not tail.paused)

    def action_filter(self) -> None:
        tail = self.current_tail()
        if tail is None:
            self.notify("The filter applies to the queue tail and the watch stream.", severity="warning")
            return
        tail.open_filter()

    def on_tail_view_inspect(self, event: TailView.Inspect) -> None:
        event.stop()
        if not isinstance(event.item, (QueueMessage, WatchEvent)):
            return  # a marker line: nothing to inspect
        if event.open_inspector or self.inspector.has_class("open"):
            opening = not self.inspector.has_class("open")
            self.inspector.add_class("open")
            self.inspector.show(event.item)
            if opening and event.view.cursor is not None:
                # the tail just got shorter: keep the selected line in sight
                self.call_after_refresh(event.view.scroll_to_region_of, event.view.cursor)

    def action_close_inspector(self) -> None:
        if self.inspector.has_class("open"):
            self.inspector.remove_class("open")
        else:
            tail = self.current_tail()
            if tail is not None and tail.held:
                tail.resume()

    def action_copy(self) -> None:
        item = selected_item(self.inspector, self.current_tail())
        if item is None:
            self.notify("Select a message first (up/down, Enter inspects).", severity="warning")
            return
        self.app.copy_to_clipboard(copy_text(item))
        self.notify("Copied the message as JSON.")

    def action_replay(self) -> None:
        item = selected_item(self.inspector, self.current_tail())
        if not isinstance(item, QueueMessage):
            self.notify("Select a queue message to replay.", severity="warning")
            return
        self._replay(item)

    @work(group="openiap-replay")
    async def _replay(self, item: QueueMessage) -> None:
        try:
            await replay(self.client, item)
        except Exception as exc:
            self.report(exc, f"replay to {item.queuename}")
            return
        self.notify(f"Replayed the message to {item.queuename}.")

    def export_source(self) -> ExportSource | None:
        """The tail on screen as its filter shows it; the work items and collections views have no export."""
        tail = self.current_tail()
        if tail is None:
            return None
        return tail_export(tail, "queue messages" if tail is self.queue_tail else "watch events")

    # -- publish ------------------------------------------------------------------------------------------------------

    def action_publish(self) -> None:
        dialog = publish_dialog(
            self.client, self.context, self.sources, self.side_list.highlighted_key(), self.REPLY_SECONDS
        )
        self.app.push_screen(dialog, self._published)

    def _published(self, result: str | None) -> None:
        if result:
            self.notify(result)
        self.focus()

    # -- browse -------------------------------------------------------------------------------------------------------

    def action_browse(self) -> None:
        if self.side_list.highlighted_key() == BROWSE_KEY:
            self._show_source(BROWSE_KEY)
        else:
            self._highlight(BROWSE_KEY)  # showing it follows from the highlight
        self.call_after_refresh(self.collections_view.query_one("#col-list").focus)

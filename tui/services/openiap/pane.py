"""The Queues pane (OpenIAP): live queue tail, publish, collection watches, the collections browser, work items.

Layout: a side list of what is tailed (queues, collection watches, work item queues), the selected stream in the
middle, and an inspector on the right for the selected message. Subscriptions are consumed by one async worker each,
which only appends to a bounded buffer; the tail panels redraw from their buffers on a ~50 ms timer.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import ContentSwitcher, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from tui.profiles import SANDBOX_PROFILE, write_private
from tui.services.openiap.collections_view import CollectionsView
from tui.services.openiap.dialogs import PromptDialog, PublishDialog
from tui.services.openiap.tail_view import (
    QueueMessageFormat,
    TailBuffer,
    TailMarker,
    TailPanel,
    TailView,
    WatchEventFormat,
    clock,
)
from tui.services.openiap.workitems_view import WorkitemsView
from tui.widgets.json_view import JsonView, to_json_text
from tui.widgets.pane import ServicePane

SOURCE_KINDS = ("queue", "watch", "wiq")
SOURCE_TITLES = {"queue": "Queues", "watch": "Collection watches", "wiq": "Work item queues"}
DEMO_SOURCES = [("queue", "demo"), ("watch", "demo"), ("wiq", "demo-wiq")]
YIELD_EVERY = 256  # a consumer hands the loop back at least this often even when its subscription never runs dry
BATCH_LIMIT = 2000  # messages taken from a subscription in one go
STATE_LOOK = {
    "connected": ("●", "green", "connected"),
    "connecting": ("◌", "yellow", "connecting…"),
    "reconnecting": ("◌", "yellow", "connection lost, reconnecting…"),
    "disconnected": ("○", "red", "disconnected"),
}
APP_STATES = {"connected": "ok", "connecting": "connecting", "reconnecting": "reconnecting", "disconnected": "error"}


@dataclass
class Source:
    """One thing being tailed."""

    kind: str  # "queue" | "watch" | "wiq"
    name: str
    count: int = 0
    status: str = ""  # "" (idle), "starting", "live", "error"
    yielded: int = 0
    subscription: Any = field(default=None, repr=False)
    worker: Worker | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"


class TailedStore:
    """The tailed list per profile, in a small JSON file in the state dir, so it comes back next start."""

    def __init__(self, root: Path, profile_name: str):
        slug = re.sub(r"[^A-Za-z0-9_.-]", "_", profile_name)[:40]
        digest = hashlib.sha1(profile_name.encode()).hexdigest()[:8]
        self.path = root / f"tailed-{slug}-{digest}.json"

    def load(self) -> list[tuple[str, str]] | None:
        """None when nothing was ever saved for this profile (then the pane offers its defaults)."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return [
            (s["kind"], s["name"]) for s in raw.get("sources", []) if s.get("kind") in SOURCE_KINDS and s.get("name")
        ]

    def save(self, sources: list[Source]) -> None:
        write_private(self.path, json.dumps({"sources": [{"kind": s.kind, "name": s.name} for s in sources]}))


def message_document(item: Any) -> dict[str, Any]:
    """A queue message or a watch event as one JSON object: routing fields first, then the payload."""
    if hasattr(item, "queuename"):
        return {
            "queuename": item.queuename,
            "correlationId": item.correlation_id,
            "replyto": item.replyto,
            "routingkey": item.routingkey,
            "exchangename": item.exchangename,
            "data": item.data,
        }
    return {
        "collection": item.collection,
        "operation": item.operation,
        "watch_id": item.watch_id,
        "document": item.document,
    }


class Inspector(Vertical):
    """The selected message: its routing fields, then the payload as highlighted JSON."""

    DEFAULT_CSS = """
    Inspector { height: 45%; min-height: 10; border-top: solid $accent; display: none; }
    Inspector.open { display: block; }
    Inspector > #oi-inspect-title { height: 1; background: $panel; padding: 0 1; text-style: bold; }
    Inspector > Horizontal { height: 1fr; }
    Inspector #oi-routing { width: 44; height: 1fr; padding: 0 1; border-right: solid $panel; }
    Inspector JsonView { width: 1fr; height: 1fr; }
    """

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.item: Any = None

    def compose(self) -> ComposeResult:
        yield Static("Inspector  (c copy · r replay · Esc close)", id="oi-inspect-title")
        with Horizontal():
            yield Static("", id="oi-routing")
            yield JsonView(id="oi-inspect-json")

    def show(self, item: Any) -> None:
        self.item = item
        routing = Text()
        if hasattr(item, "queuename"):
            fields = [
                ("queue", item.queuename),
                ("correlationId", item.correlation_id),
                ("replyto", item.replyto),
                ("routingkey", item.routingkey),
                ("exchange", item.exchangename),
                ("received", clock(item.received_at)),
                ("seq", str(item.seq)),
            ]
            payload = item.data
        else:
            fields = [
                ("collection", item.collection),
                ("operation", item.operation),
                ("watch", item.watch_id),
                ("received", clock(item.received_at)),
            ]
            payload = item.document
        for name, value in fields:
            routing.append(f"{name:>14} ", style="bold")
            routing.append(f"{value or '-'}\n", style="cyan" if value else "dim")
        self.query_one("#oi-routing", Static).update(routing)
        self.query_one("#oi-inspect-json", JsonView).show(payload)


class QueuesPane(ServicePane):
    kind = "openiap"

    COMMANDS: list[tuple[str, str]] = [
        ("Queues: tail a queue", "add_queue"),
        ("Queues: watch a collection", "add_watch"),
        ("Queues: follow a work item queue", "add_wiq"),
        ("Queues: publish a message", "publish"),
        ("Queues: browse collections", "browse"),
        ("Queues: pause or resume the tail", "toggle_pause"),
        ("Queues: filter the tail", "filter"),
        ("Queues: stop tailing the selected source", "remove_source"),
    ]
    BINDINGS = [
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
    DEFAULT_CSS = """
    QueuesPane #oi-connection { height: 1; padding: 0 1; background: $boost; }
    QueuesPane #oi-body { height: 1fr; }
    QueuesPane #oi-sources { width: 28; height: 1fr; border-right: solid $panel; }
    QueuesPane #oi-main-column { width: 1fr; height: 1fr; }
    QueuesPane #oi-main { height: 1fr; }
    """

    class ClientState(Message):
        def __init__(self, state: str, detail: str):
            super().__init__()
            self.state = state
            self.detail = detail

    def __init__(self, client: Any, context: Any, **kwargs: Any):
        super().__init__(client, context, **kwargs)
        self.sources: list[Source] = []
        self.store = TailedStore(context.drafts.root.parent / "openiap", context.profile_name)
        self.connection_state = "disconnected"
        self.connection_detail = ""
        self.signed_in_as = ""
        self.reconnects = 0
        self._unsubscribe = None
        self._connecting = False
        self._side_prompts: dict[str, str] = {}

    # -- layout -------------------------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("", id="oi-connection")
        with Horizontal(id="oi-body"):
            yield OptionList(id="oi-sources")
            with Vertical(id="oi-main-column"):
                with ContentSwitcher(id="oi-main", initial="oi-queues"):
                    yield TailPanel(
                        QueueMessageFormat(),
                        id="oi-queues",
                        title="Queue messages",
                        empty_hint="a tails a queue, p publishes a message",
                    )
                    yield TailPanel(
                        WatchEventFormat(),
                        id="oi-watches",
                        title="Watch events",
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
    def side_list(self) -> OptionList:
        return self.query_one("#oi-sources", OptionList)

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
        self.set_interval(0.5, self._refresh_side_list)
        self._rebuild_side_list()

    # -- start, reload, stop ------------------------------------------------------------------------------------------

    def on_first_show(self) -> None:
        saved = self.store.load()
        if saved is None:
            saved = DEMO_SOURCES if self.context.profile_name == SANDBOX_PROFILE else []
        self.sources = [Source(kind, name) for kind, name in saved]
        self._rebuild_side_list()
        if not self.sources:
            self.queue_tail.mark(
                "Nothing tailed yet: a tails a queue, w watches a collection, i follows a work item queue."
            )
        if self._unsubscribe is None and hasattr(self.client, "on_state"):
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
            self._client_state_changed("disconnected", getattr(exc, "readable", str(exc)))
            self.report(exc, "connect to OpenIAP")
            self.queue_tail.mark("Not connected: press ctrl+r to try again.", "error")
            return
        self._connecting = False
        self.signed_in_as = getattr(user, "username", "") or getattr(user, "name", "")
        self._client_state_changed(getattr(self.client, "state", "connected") or "connected", "")
        self._start_sources()

    def _start_sources(self) -> None:
        for source in self.sources:
            self._start(source)
        if self.sources and self.side_list.highlighted is None:
            self._select_first()

    def _start(self, source: Source) -> None:
        if source.kind == "wiq" or (source.worker is not None and source.worker.is_running):
            return
        source.status = "starting"
        consume = self._consume_queue if source.kind == "queue" else self._consume_watch
        source.worker = self.run_worker(consume(source), name=source.key, group=f"openiap-{source.key}", exclusive=True)

    async def _consume_queue(self, source: Source) -> None:
        try:
            subscription = await self.client.register_queue(source.name)
        except Exception as exc:
            source.status = "error"
            self.report(exc, f"tail the queue {source.name}")
            return
        tail = self.queue_tail
        tail.mark(f"tailing queue {subscription.queuename or source.name}")
        await self._pump(source, subscription, tail.buffer)

    async def _consume_watch(self, source: Source) -> None:
        try:
            subscription = await self.client.watch(source.name)
        except Exception as exc:
            source.status = "error"
            self.report(exc, f"watch the collection {source.name}")
            return
        tail = self.watch_tail
        tail.mark(f"watching collection {source.name}")
        await self._pump(source, subscription, tail.buffer)

    async def _pump(self, source: Source, subscription: Any, buffer: TailBuffer) -> None:
        """The hot path: wait for one message, take whatever else is already waiting in one batch, append; no widget
        is touched here, the tail's timer does the drawing."""
        source.status = "live"
        source.subscription = subscription
        drain = getattr(subscription, "drain", None)
        n = 0
        try:
            async for item in subscription:
                buffer.append(item)
                n += 1
                if drain is not None:
                    batch = drain(BATCH_LIMIT)
                    if batch:
                        buffer.extend(batch)
                        n += len(batch)
                source.count = n
                if n >= source.yielded + YIELD_EVERY:
                    source.yielded = n
                    await asyncio.sleep(0)  # let keys and redraws in even if the subscription never runs dry
            source.status = "ended"
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            source.status = "error"
            self.report(exc, f"keep tailing {source.name}")
        finally:
            source.count = n
            with contextlib.suppress(Exception):
                await asyncio.shield(subscription.close())

    # -- the connection -----------------------------------------------------------------------------------------------

    def _on_client_state(self, state: str, detail: str) -> None:
        # called by the client from its own task: hand over to the pane's message loop
        self.post_message(self.ClientState(state, detail))

    def on_queues_pane_client_state(self, event: QueuesPane.ClientState) -> None:
        event.stop()
        self._client_state_changed(event.state, event.detail)

    def _client_state_changed(self, state: str, detail: str) -> None:
        previous = self.connection_state
        if state == previous and detail == self.connection_detail:
            return
        self.connection_state, self.connection_detail = state, detail
        tails = (self.queue_tail, self.watch_tail)
        if state == "reconnecting" and previous != "reconnecting":
            self.reconnects += 1
            for tail in tails:
                tail.connection_note = "reconnecting: the tail resumes by itself"
                tail.mark("connection lost, reconnecting… (the tail resumes by itself)", "warning")
                tail.update_status()
        elif state == "connected" and previous == "reconnecting":
            for tail in tails:
                tail.connection_note = ""
                tail.mark("reconnected: queues and watches registered again, tail resumed", "success")
                tail.update_status()
        elif state == "disconnected":
            for tail in tails:
                tail.connection_note = (
                    "disconnected (ctrl+r reconnects)" if previous != "disconnected" else tail.connection_note
                )
                tail.update_status()
        self._show_connection()
        self.set_state(APP_STATES.get(state, "error"), detail)

    def _show_connection(self) -> None:
        icon, color, label = STATE_LOOK.get(self.connection_state, ("○", "red", self.connection_state))
        text = Text()
        text.append(f"{icon} {label}", style=f"bold {color}")
        if self.connection_state == "connected" and self.signed_in_as:
            text.append(f" as {self.signed_in_as}", style=color)
        if self.connection_detail and self.connection_state != "connected":
            text.append(f"  {self.connection_detail}", style="dim")
        url = getattr(self.client, "url", "")
        if url:
            text.append(f"  {url}", style="dim")
        text.append(
            "   a queue · w watch · i work items · b collections · p publish · / filter · space pause",
            style="dim italic",
        )
        self.query_one("#oi-connection", Static).update(text)

    # -- the side list ------------------------------------------------------------------------------------------------

    def _source_prompt(self, source: Source) -> str:
        mark = {"live": "●", "starting": "◌", "error": "✕", "ended": "○"}.get(source.status, " ")
        if source.kind == "wiq":
            return f" {mark} {source.name}"
        return f" {mark} {source.name}  [dim]{source.count:,}[/dim]"

    def _rebuild_side_list(self) -> None:
        options = self.side_list
        keep = self._highlighted_key()
        items: list[Option | None] = []
        for kind in SOURCE_KINDS:
            items.append(Option(f"[b]{SOURCE_TITLES[kind]}[/b]", id=f"title:{kind}", disabled=True))
            for source in (s for s in self.sources if s.kind == kind):
                items.append(Option(self._source_prompt(source), id=source.key))
        items.append(Option("[b]Browse[/b]", id="title:browse", disabled=True))
        items.append(Option("   collections (b)", id="browse:collections"))
        options.set_options(items)
        self._side_prompts = {s.key: self._source_prompt(s) for s in self.sources}
        if keep:
            self._highlight(keep)

    def _refresh_side_list(self) -> None:
        for source in self.sources:
            prompt = self._source_prompt(source)
            if self._side_prompts.get(source.key) != prompt:
                self._side_prompts[source.key] = prompt
                with contextlib.suppress(Exception):
                    self.side_list.replace_option_prompt(source.key, prompt)

    def _highlighted_key(self) -> str:
        option = self.side_list.highlighted_option
        return str(option.id) if option is not None else ""

    def _highlight(self, key: str) -> None:
        with contextlib.suppress(Exception):
            self.side_list.highlighted = self.side_list.get_option_index(key)

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
        if event.option.id == "browse:collections":
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
            self._rebuild_side_list()
            if self.connection_state == "connected":
                self._start(source)
            else:
                self._connect()
        self._highlight(key)
        self._show_source(key)
        if kind == "wiq":
            self.workitems_view.table.focus()
        else:
            self.focus()

    def _prompt_add(self, kind: str, title: str, hint: str, placeholder: str) -> None:
        def done(name: str | None) -> None:
            if name:
                self._add(kind, name)

        self.app.push_screen(PromptDialog(title, hint=hint, placeholder=placeholder), done)

    def action_add_queue(self) -> None:
        self._prompt_add(
            "queue", "Tail a queue", "Every message sent to this queue shows in the live tail.", "queue name"
        )

    def action_add_watch(self) -> None:
        self._prompt_add(
            "watch", "Watch a collection", "Inserts, updates and deletes show as a live stream.", "collection name"
        )

    def action_add_wiq(self) -> None:
        self._prompt_add(
            "wiq", "Follow a work item queue", "Its items by state; push, pop and mark them.", "work item queue name"
        )

    def action_remove_source(self) -> None:
        key = self._highlighted_key()
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
        self._rebuild_side_list()
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
        if isinstance(event.item, TailMarker):
            return
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

    def _selected_item(self) -> Any | None:
        if self.inspector.has_class("open") and self.inspector.item is not None:
            return self.inspector.item
        tail = self.current_tail()
        item = tail.view.selected if tail else None
        return None if isinstance(item, TailMarker) else item

    def action_copy(self) -> None:
        item = self._selected_item()
        if item is None:
            self.notify("Select a message first (up/down, Enter inspects).", severity="warning")
            return
        self.app.copy_to_clipboard(to_json_text(message_document(item)))
        self.notify("Copied the message as JSON.")

    def action_replay(self) -> None:
        item = self._selected_item()
        if item is None or not hasattr(item, "queuename"):
            self.notify("Select a queue message to replay.", severity="warning")
            return
        self._replay(item)

    @work(group="openiap-replay")
    async def _replay(self, item: Any) -> None:
        try:
            await self.client.queue_message(
                item.queuename, item.data, correlation_id=item.correlation_id, replyto=item.replyto
            )
        except Exception as exc:
            self.report(exc, f"replay to {item.queuename}")
            return
        self.notify(f"Replayed the message to {item.queuename}.")

    # -- publish ------------------------------------------------------------------------------------------------------

    def action_publish(self, item: Any = None) -> None:
        queues = [s.name for s in self.sources if s.kind == "queue"]
        key = self._highlighted_key()
        queue = key.partition(":")[2] if key.startswith("queue:") else ""
        dialog = PublishDialog(
            self._send_message,
            queues=queues,
            drafts=self.context.drafts,
            draft_key=self.context.draft_key(self.kind, "publish"),
            queue=queue,
        )

        def done(result: str | None) -> None:
            if result:
                self.notify(result)
            self.focus()

        self.app.push_screen(dialog, done)

    async def _send_message(self, queue: str, data: Any, correlation_id: str, replyto: str, wait: bool) -> Any:
        if wait:
            return await self.client.rpc(queue, data, timeout=15)
        await self.client.queue_message(queue, data, correlation_id=correlation_id, replyto=replyto)
        return None

    # -- browse -------------------------------------------------------------------------------------------------------

    def action_browse(self) -> None:
        if self._highlighted_key() == "browse:collections":
            self._show_source("browse:collections")
        else:
            self._highlight("browse:collections")  # showing it follows from the highlight
        self.call_after_refresh(self.collections_view.query_one("#col-list").focus)

"""The inspector under the tail: the selected message's routing fields, then its payload as highlighted JSON."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from tui.services.openiap.models import QueueMessage, WatchEvent
from tui.services.openiap.render import clock
from tui.widgets.json_view import JsonView

TailItem = QueueMessage | WatchEvent


def message_document(item: TailItem) -> dict[str, Any]:
    """A queue message or a watch event as one JSON object: routing fields first, then the payload."""
    if isinstance(item, QueueMessage):
        document = {
            "queuename": item.queuename,
            "correlationId": item.correlation_id,
            "replyto": item.replyto,
            "routingkey": item.routingkey,
            "exchangename": item.exchangename,
            "data": item.data,
        }
        if item.malformed:
            document["malformed"] = "the data is not JSON (or nested too deeply to parse): shown as received"
        return document
    return {
        "collection": item.collection,
        "operation": item.operation,
        "watch_id": item.watch_id,
        "document": item.document,
    }


class Inspector(Vertical):
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
        self.item: TailItem | None = None

    def compose(self) -> ComposeResult:
        yield Static("Inspector  (c copy · r replay · Esc close)", id="oi-inspect-title")
        with Horizontal():
            yield Static("", id="oi-routing")
            yield JsonView(id="oi-inspect-json")

    def show(self, item: TailItem) -> None:
        self.item = item
        routing = Text()
        payload: Any
        if isinstance(item, QueueMessage):
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

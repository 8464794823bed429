"""What the Queues pane does with the messages it shows, besides showing them: copy one as JSON, replay one (send it
again to its queue with the same correlation id and reply queue), publish a new one (the publish dialog and how its
send reaches the client), and export a tail as its filter shows it. The pane keeps the keys and hands these only what
they need.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from tui.services.openiap.client import OpenIAPClient, QueueMessage, WatchEvent
from tui.services.openiap.dialogs import PublishDialog
from tui.services.openiap.dialogs.publish import SendFn
from tui.services.openiap.inspector import Inspector, TailItem, message_document
from tui.services.openiap.sources import Source
from tui.services.openiap.tail_view import TailPanel
from tui.widgets.export_source import ExportSource
from tui.widgets.json_view import to_json_text
from tui.widgets.pane import PaneContext


def selected_item(inspector: Inspector, tail: TailPanel | None) -> TailItem | None:
    """The message the open inspector shows, else the one selected in the tail on screen (a marker line is none)."""
    if inspector.has_class("open") and inspector.item is not None:
        return inspector.item
    item = tail.view.selected if tail else None
    return item if isinstance(item, (QueueMessage, WatchEvent)) else None


def copy_text(item: TailItem) -> str:
    return to_json_text(message_document(item))


async def replay(client: OpenIAPClient, item: QueueMessage) -> None:
    await client.queue_message(item.queuename, item.data, correlation_id=item.correlation_id, replyto=item.replyto)


def sender(client: OpenIAPClient, reply_seconds: float) -> SendFn:
    """What the publish dialog's send does: publish, or publish and wait up to `reply_seconds` for the reply."""

    async def send(queue: str, data: Any, correlation_id: str, replyto: str, wait: bool) -> QueueMessage | None:
        if wait:
            return await client.rpc(queue, data, timeout=reply_seconds)
        await client.queue_message(queue, data, correlation_id=correlation_id, replyto=replyto)
        return None

    return send


def publish_dialog(
    client: OpenIAPClient, context: PaneContext, sources: list[Source], highlighted: str, reply_seconds: float
) -> PublishDialog:
    """The publish dialog, offering the tailed queues and opening on the highlighted one (`highlighted` is the side
    list's key); what is typed is kept as the profile's publish draft until it is sent."""
    return PublishDialog(
        sender(client, reply_seconds),
        queues=[source.name for source in sources if source.kind == "queue"],
        drafts=context.drafts,
        draft_key=context.draft_key("openiap", "publish"),
        queue=highlighted.partition(":")[2] if highlighted.startswith("queue:") else "",
    )


# -- export ----------------------------------------------------------------------------------------------------------


def export_row(item: TailItem) -> dict[str, Any]:
    """One message as a row: when it arrived, then the fields `c` copies (one set of columns per kind of tail)."""
    received = datetime.fromtimestamp(item.received_at, UTC).isoformat(timespec="milliseconds")
    if isinstance(item, QueueMessage):
        return {
            "received": received,
            "queuename": item.queuename,
            "correlationId": item.correlation_id,
            "replyto": item.replyto,
            "routingkey": item.routingkey,
            "exchangename": item.exchangename,
            "data": item.data,
            "malformed": item.malformed,  # True: `data` is the text as received, not JSON
        }
    return {"received": received, **message_document(item)}


def tail_export(tail: TailPanel, what: str) -> ExportSource:
    """The tail's buffer as its filter shows it (all of it without a filter), oldest first, markers left out. Taken
    when the export starts: messages arriving meanwhile are not in it."""
    items = [item for item in tail.buffer.visible() if isinstance(item, (QueueMessage, WatchEvent))]

    async def rows() -> AsyncIterator[dict[str, Any]]:
        for item in items:
            yield export_row(item)

    return ExportSource(what, rows, total=len(items))

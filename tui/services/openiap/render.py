"""How a tail draws its lines: one list of Rich segments per queue message, watch event or marker."""

from __future__ import annotations

import json
import time
from typing import Any, Generic, TypeVar

from rich.segment import Segment
from rich.style import Style

from tui.services.openiap.models import QueueMessage, WatchEvent
from tui.services.openiap.tail_buffer import TailMarker

ItemT = TypeVar("ItemT")


MARKER_STYLES = {
    "info": Style(color="bright_blue", italic=True),
    "warning": Style(color="yellow", bold=True),
    "error": Style(color="red", bold=True),
    "success": Style(color="green", bold=True),
}
TIME_STYLE = Style(color="bright_black")
NAME_STYLE = Style(color="cyan")
ID_STYLE = Style(color="magenta")
PREVIEW_STYLE = Style()
MALFORMED_STYLE = Style(color="black", bgcolor="yellow", bold=True)
MALFORMED_MARK = "NOT JSON"  # before the raw text of a message whose data could not be parsed
OPERATION_STYLES = {
    "insert": Style(color="green", bold=True),
    "update": Style(color="yellow", bold=True),
    "replace": Style(color="yellow", bold=True),
    "delete": Style(color="red", bold=True),
}


def clock(timestamp: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(timestamp)) + f".{int(timestamp * 1000) % 1000:03d}"


def compact(text: str, limit: int = 400) -> str:
    """One line of JSON (or whatever text) for a preview: whitespace runs folded, long text cut."""
    return " ".join(text[:limit].split())


def fit(text: str, width: int) -> str:
    if len(text) > width:
        return text[: width - 1] + "…"
    return text.ljust(width)


def json_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


class TailFormat(Generic[ItemT]):
    """How one kind of stream draws a line and what the filter searches. Subclass per stream kind."""

    def segments(self, item: ItemT) -> list[Segment]:
        raise NotImplementedError

    def haystack(self, item: ItemT) -> str:
        raise NotImplementedError

    def marker_segments(self, marker: TailMarker) -> list[Segment]:
        return [
            Segment(clock(marker.received_at), TIME_STYLE),
            Segment("  "),
            Segment(f"— {marker.text} —", MARKER_STYLES.get(marker.level)),
        ]


class QueueMessageFormat(TailFormat[QueueMessage]):
    """time, queue, correlationId, a compact JSON preview."""

    def segments(self, m: QueueMessage) -> list[Segment]:
        return [
            Segment(clock(m.received_at), TIME_STYLE),
            Segment("  "),
            Segment(fit(m.queuename, 16), NAME_STYLE),
            Segment(" "),
            Segment(fit(m.correlation_id or "-", 14), ID_STYLE),
            Segment(" "),
            *((Segment(MALFORMED_MARK, MALFORMED_STYLE), Segment(" ")) if m.malformed else ()),
            Segment(compact(m.raw or json_text(m.data)), PREVIEW_STYLE),
        ]

    def haystack(self, m: QueueMessage) -> str:
        return "\n".join(
            (m.queuename, m.correlation_id, m.replyto, m.routingkey, m.exchangename, m.raw or json_text(m.data))
        )


class WatchEventFormat(TailFormat[WatchEvent]):
    """time, collection, operation, document id, a compact JSON preview of the document."""

    def segments(self, e: WatchEvent) -> list[Segment]:
        doc = e.document if isinstance(e.document, dict) else {}
        return [
            Segment(clock(e.received_at), TIME_STYLE),
            Segment("  "),
            Segment(fit(e.collection, 14), NAME_STYLE),
            Segment(" "),
            Segment(fit(e.operation, 8), OPERATION_STYLES.get(e.operation, PREVIEW_STYLE)),
            Segment(fit(str(doc.get("_id", "")), 25), ID_STYLE),
            Segment(" "),
            Segment(compact(json_text(e.document)), PREVIEW_STYLE),
        ]

    def haystack(self, e: WatchEvent) -> str:
        return "\n".join((e.collection, e.operation, json_text(e.document)))

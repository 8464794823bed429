"""The tail's buffer: the last entries of a live stream, what was dropped to stay bounded, and the filter's matches.

A flood must not freeze the screen, so workers only call `TailBuffer.append`/`extend` (a deque append and a
counter); the panel's flush copies what arrived into the view in one go. Nothing here draws.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

DEFAULT_LIMIT = 10_000


@dataclass
class TailMarker:
    """A line the pane itself writes into a tail: "connection lost", "resumed", "tailing queue x"."""

    text: str
    level: str = "info"  # "info" | "warning" | "error" | "success"
    received_at: float = field(default_factory=time.time)


# -- matching --------------------------------------------------------------------------------------------------------


class TailFilter:
    """What `/` typed: a case-insensitive regular expression, or plain text when it is not a valid expression."""

    def __init__(self, text: str):
        self.text = text
        try:
            self.pattern = re.compile(text, re.IGNORECASE)
            self.is_regex = any(c in text for c in ".*+?[](){}|^$\\")
        except re.error:
            self.pattern = re.compile(re.escape(text), re.IGNORECASE)
            self.is_regex = False

    def describe(self) -> str:
        return f"/{self.text}/" if self.is_regex else f'"{self.text}"'


# -- the buffer ------------------------------------------------------------------------------------------------------


class TailBuffer:
    """The last `limit` entries of a stream, what was dropped to stay within it, and the filter's matches.

    `append` is the only call on the hot path; filtering happens in `catch_up`, once per flush, over what is new.
    """

    def __init__(self, haystack: Callable[[Any], str], limit: int = DEFAULT_LIMIT):
        self.limit = limit
        self.haystack = haystack
        self.items: deque[Any] = deque(maxlen=limit)
        self.received = 0  # every entry ever appended (markers included)
        self.messages = 0  # entries that are not markers
        self.filter: TailFilter | None = None
        self.matched: deque[Any] = deque(maxlen=limit)
        self._matched_markers = 0  # markers always pass the filter: they are not counted as matches
        self._filtered_upto = 0

    def append(self, item: Any) -> None:
        self.items.append(item)
        self.received += 1
        self.messages += 1

    def extend(self, items: list[Any]) -> None:
        """A batch of messages (what a subscription had waiting): one deque call for all of them."""
        self.items.extend(items)
        self.received += len(items)
        self.messages += len(items)

    def mark(self, marker: TailMarker) -> None:
        self.items.append(marker)
        self.received += 1

    @property
    def dropped(self) -> int:
        """Entries pushed out of the buffer to keep it bounded (they were received, just no longer shown)."""
        return self.received - len(self.items)

    def matches(self, item: Any) -> bool:
        if self.filter is None or isinstance(item, TailMarker):
            return True
        return self.filter.pattern.search(self.haystack(item)) is not None

    def set_filter(self, text: str) -> None:
        self.filter = TailFilter(text) if text else None
        self.matched.clear()
        self._matched_markers = 0
        if self.filter is not None:
            self._keep_matches([i for i in self.items if self.matches(i)])
        self._filtered_upto = self.received

    def _keep_matches(self, items: list[Any]) -> None:
        items = items[-self.limit :]
        overflow = len(self.matched) + len(items) - self.limit  # what the bounded deque is about to push out
        if overflow > 0:
            self._matched_markers -= sum(isinstance(i, TailMarker) for i in islice(self.matched, overflow))
        self.matched.extend(items)
        self._matched_markers += sum(isinstance(i, TailMarker) for i in items)

    @property
    def matched_messages(self) -> int:
        """How many messages the filter shows (the marker lines shown with them left out)."""
        return len(self.matched) - self._matched_markers

    def catch_up(self) -> int:
        """Apply the filter to what arrived since the last call; returns how many new entries are visible."""
        new = self.received - self._filtered_upto
        self._filtered_upto = self.received
        if new <= 0:
            return 0
        if self.filter is None:
            return new
        fresh = list(islice(reversed(self.items), min(new, len(self.items))))
        fresh.reverse()
        visible = [i for i in fresh if self.matches(i)]
        self._keep_matches(visible)
        return len(visible)

    def visible(self) -> deque[Any]:
        return self.items if self.filter is None else self.matched

    def clear(self) -> None:
        self.items.clear()
        self.matched.clear()
        self.received = self.messages = self._filtered_upto = self._matched_markers = 0

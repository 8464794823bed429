"""The exchange log: a bounded, observable, redacted record of every request and response (and websocket message)."""

from __future__ import annotations

import heapq
import itertools
import shlex
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from tui.http.redact import redact_text, redact_url

PREVIEW_LIMIT = 4000
WEBSOCKET_METHODS = frozenset({"WS", "SEND", "RECV"})
_exchange_ids = itertools.count(1)


def preview(body: bytes | str | None, content_type: str = "", limit: int = PREVIEW_LIMIT) -> str:
    """A readable, bounded preview of a body; binary bodies are described, not dumped."""
    if body is None or body == b"" or body == "":
        return ""
    if isinstance(body, bytes):
        textual_type = not content_type or any(t in content_type for t in ("json", "text", "xml", "form", "javascript"))
        if not textual_type:
            return f"<{len(body)} bytes of {content_type}>"
        try:
            text = body[: limit * 4].decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(body)} bytes of binary data>"
    else:
        text = body
    if len(text) > limit:
        return text[:limit] + f"… ({len(text) - limit} more characters)"
    return text


@dataclass
class Exchange:
    """One request and its response (or the error that replaced it), already redacted."""

    service: str
    method: str
    url: str
    status: int | None = None
    elapsed_ms: float = 0.0
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    request_body: str = ""
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: str = ""
    error: str = ""
    note: str = ""  # what a websocket message was ("signin", "queueevent orders")
    sent: bool = True  # False when the request never left (no connection could be made, an invalid URL)
    started: float = field(default_factory=time.time)
    id: int = field(default_factory=lambda: next(_exchange_ids))

    @property
    def is_message(self) -> bool:
        """A websocket message (or the socket's opening), as opposed to an HTTP request and its response."""
        return self.method in WEBSOCKET_METHODS

    @property
    def summary(self) -> str:
        if self.note:
            return f"{self.method} {self.url} {self.note}"
        outcome = str(self.status) if self.status is not None else (self.error or "…")
        return f"{self.method} {self.url} -> {outcome} ({self.elapsed_ms:.0f} ms)"

    def as_curl(self) -> str:
        """A curl command that repeats this request; redacted headers stay redacted (fill them in yourself)."""
        if self.is_message:
            return f"# {self.method} over a websocket, not repeatable with curl\n# {self.url}\n{self.request_body}"
        parts = ["curl", "-X", self.method, shlex.quote(self.url)]
        for key, value in self.request_headers:
            if key.lower() in ("host", "content-length", "accept-encoding", "connection", "user-agent"):
                continue
            parts += ["-H", shlex.quote(f"{key}: {value}")]
        if self.request_body and not self.request_body.startswith("<"):
            parts += ["--data-raw", shlex.quote(self.request_body)]
        return " ".join(parts)


class ExchangeLog:
    """A bounded, observable record of every exchange with every service.

    HTTP exchanges and websocket messages are kept in rings of their own: a queue streaming thousands of messages
    a minute never pushes the last HTTP requests out."""

    def __init__(self, limit: int = 2000, message_limit: int = 2000):
        self._requests: deque[Exchange] = deque(maxlen=limit)
        self._messages: deque[Exchange] = deque(maxlen=message_limit)
        self._listeners: list[Callable[[Exchange], None]] = []

    def add(self, exchange: Exchange) -> Exchange:
        (self._messages if exchange.is_message else self._requests).append(exchange)
        self.changed(exchange)
        return exchange

    def adopt(self, exchanges: Iterable[Exchange]) -> None:
        """Add exchanges recorded by another process (already redacted there): numbered anew, in this process's
        order, since that process counted from the same number as this one."""
        for exchange in exchanges:
            exchange.id = next(_exchange_ids)
            self.add(exchange)

    def changed(self, exchange: Exchange) -> None:
        """Tell the listeners an exchange was added or completed (its response arrived)."""
        for listener in list(self._listeners):
            listener(exchange)

    def subscribe(self, listener: Callable[[Exchange], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    @property
    def entries(self) -> list[Exchange]:
        """Every exchange kept, oldest first."""
        return list(heapq.merge(self._requests, self._messages, key=lambda e: e.id))

    def __iter__(self) -> Iterator[Exchange]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self._requests) + len(self._messages)


def log_message(
    log: ExchangeLog | None,
    service: str,
    direction: str,
    url: str,
    summary: str,
    body: str = "",
    secrets: Iterable[str] = (),
) -> None:
    """Record one websocket message (direction SEND or RECV) in the exchange log, redacted."""
    if log is None:
        return
    log.add(
        Exchange(
            service=service,
            method=direction,
            url=redact_url(url, secrets),
            status=None,
            request_body=redact_text(preview(body), secrets) if direction == "SEND" else "",
            response_body=redact_text(preview(body), secrets) if direction == "RECV" else "",
            note=summary,
        )
    )

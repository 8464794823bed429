"""What the OpenIAP client writes to the exchange log: one entry per envelope, with queue traffic rate-limited.

Queue traffic is logged one by one up to LOG_PER_SECOND entries a second, the rest counted and summarized: a flood
of thousands of messages a second would otherwise cost more in logging than in receiving.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from tui.http import ExchangeLog, ProtocolError, log_message, one_line
from tui.services.openiap.errors import SERVICE
from tui.services.openiap.frames import unpack
from tui.services.openiap.wire import json_format
from tui.services.openiap.wire import openiap_pb2 as pb

LOG_PER_SECOND = 100  # queue messages logged one by one per second; the rest are counted
QUEUE_COMMANDS = ("queueevent", "queuemessagereply", "queuemessage")


class TrafficLog:
    def __init__(self, exchange_log: ExchangeLog | None, url: str, secrets: Callable[[], tuple[str, ...]]):
        self.exchange_log = exchange_log
        self.url = url
        self._secrets = secrets  # read at each entry: the token changes with every sign-in
        self._window_start = 0.0
        self._window_count = 0
        self._suppressed: dict[str, int] = {}

    def note(self, direction: str, text: str) -> None:
        """An event of the socket itself: opened, closed, an undecodable frame."""
        log_message(self.exchange_log, SERVICE, direction, self.url, text, secrets=self._secrets())

    def envelope(self, direction: str, envelope: pb.Envelope) -> None:
        if self.exchange_log is None:
            return
        self._roll_window()
        if envelope.command in QUEUE_COMMANDS:
            self._window_count += 1
            if self._window_count > LOG_PER_SECOND:
                self._suppressed[envelope.command] = self._suppressed.get(envelope.command, 0) + 1
                return
        try:
            message = unpack(envelope)
        except ProtocolError:
            message = None
        command = envelope.command
        ident = f"#{envelope.id}" if envelope.id else ""
        if envelope.rid:
            ident += f" re #{envelope.rid}"
        if isinstance(message, (pb.QueueEvent, pb.QueueMessageRequest)):
            # hot path: queue traffic can be thousands a second, so no generic JSON conversion
            summary = f"{command} {ident} {message.queuename}".strip()
            body = message.data
        elif isinstance(message, pb.ErrorResponse):
            summary = f"{command} {ident}: {one_line(message.message, 120)}"
            body = json.dumps({"message": message.message, "code": message.code})
        else:
            summary = f"{command} {ident}".strip()
            body = json_format.MessageToJson(message, preserving_proto_field_name=True, indent=None) if message else ""
        log_message(self.exchange_log, SERVICE, direction, self.url, summary, body, secrets=self._secrets())

    def queue_allowance(self) -> int:
        """How many more queue envelopes may be logged one by one this second; the reader counts the rest with
        `skipped` rather than calling `envelope` for each (0 when there is no log at all)."""
        if self.exchange_log is None:
            return 0
        self._roll_window()
        return max(0, LOG_PER_SECOND - self._window_count)

    def skipped(self, command: str, count: int) -> None:
        """`count` queue envelopes of `command` that were not logged one by one (summarized once a second)."""
        self._window_count += count
        self._suppressed[command] = self._suppressed.get(command, 0) + count

    def _roll_window(self) -> None:
        now = time.monotonic()
        if now - self._window_start < 1.0:
            return
        if self._suppressed:
            counts = ", ".join(f"{n} {c}" for c, n in sorted(self._suppressed.items()))
            log_message(self.exchange_log, SERVICE, "RECV", self.url, f"… and {counts} messages not logged one by one")
            self._suppressed.clear()
        self._window_start = now
        self._window_count = 0

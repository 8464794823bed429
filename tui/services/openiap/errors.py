"""OpenIAP failures as the shared error family: the server's ErrorResponse, transport failures, best-effort cleanup."""

from __future__ import annotations

import asyncio
from types import TracebackType

import httpx
from httpx_ws import WebSocketUpgradeError

from tui.http import (
    AuthError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    ProtocolError,
    ServiceError,
    UnavailableError,
)

SERVICE = "OpenIAP"


def error_from_reply(message: str, code: int) -> ServiceError:
    """The server's ErrorResponse as one of the shared error classes, with a sentence a person can read."""
    text = (message or "the request failed").strip()
    lowered = text.lower()
    if code in (401, 403) or "access denied" in lowered or "not signed in" in lowered or "signin" in lowered:
        cls: type[ServiceError] = AuthError
    elif code == 404 or "not found" in lowered:
        cls = NotFoundError
    elif code == 409:
        cls = ConflictError
    elif code == 400:
        cls = BadRequestError
    else:
        cls = ServiceError
    sentence = text if text.endswith((".", "!", "?")) else text + "."
    return cls(f"OpenIAP refused the request: {sentence}", status=code or None, service=SERVICE)


class NoReplyError(UnavailableError):
    """A request/reply whose request went out (the server took it) but whose reply did not come in time: unlike a
    failed send, trying again sends the message a second time."""

    def __init__(self, queuename: str, timeout: float):
        super().__init__(
            f"No reply from queue {queuename} within {timeout:.0f} s; is anything consuming it?", service=SERVICE
        )
        self.queuename = queuename
        self.timeout = timeout


def first_exception(exc: BaseException) -> BaseException:
    """The first real exception inside (nested) exception groups, as anyio task groups wrap them."""
    while isinstance(exc, BaseExceptionGroup):
        exc = exc.exceptions[0]
    return exc


def as_service_error(exc: BaseException, url: str) -> BaseException:
    """Transport failures as the shared error family; cancellation stays cancellation."""
    exc = first_exception(exc)
    if isinstance(exc, (ServiceError, asyncio.CancelledError, KeyboardInterrupt, SystemExit)):
        return exc
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, ConnectionRefusedError)):
        return UnavailableError(f"Cannot connect to OpenIAP at {url}.", service=SERVICE)
    if isinstance(exc, WebSocketUpgradeError):
        return ProtocolError(f"{url} did not accept a websocket; check that the URL ends with /ws/v2.", service=SERVICE)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return ProtocolError(f"{url} is not a ws:// or wss:// address.", service=SERVICE)
    return UnavailableError(f"The connection to OpenIAP at {url} failed ({type(exc).__name__}).", service=SERVICE)


class suppress_all:
    """Best-effort cleanup: swallow anything but cancellation of the caller."""

    def __enter__(self) -> suppress_all:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        return exc_type is not None and not issubclass(
            exc_type, (asyncio.CancelledError, KeyboardInterrupt, SystemExit)
        )


class suppress_service_errors:
    def __enter__(self) -> suppress_service_errors:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        return exc_type is not None and issubclass(exc_type, ServiceError)

"""The error family: every failure a person can meet leaves a client as one of these, with a sentence to act on."""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")


def one_line(text: str, limit: int = 200) -> str:
    """Whitespace collapsed and cut to `limit` characters: for messages and previews in lists."""
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ServiceError(Exception):
    """A failure talking to a service. `str(error)` is one readable sentence; `hint` says what to do next."""

    default_hint = ""
    MAX_LENGTH = 300  # a server's error text can be a whole page (a 50 MB HTTP 500 body): keep a readable sentence

    def __init__(self, message: str, *, hint: str | None = None, status: int | None = None, service: str = ""):
        message = one_line(message, self.MAX_LENGTH)
        super().__init__(message)
        self.message = message
        self.hint = self.default_hint if hint is None else hint
        self.status = status
        self.service = service

    def __str__(self) -> str:
        return self.message

    @property
    def readable(self) -> str:
        """Message plus the way forward, for a notification."""
        return f"{self.message} {self.hint}".strip()


class AuthError(ServiceError):
    default_hint = "Check the username and password of this connection in the profile."


class NotFoundError(ServiceError):
    default_hint = "It may have been deleted or moved; reload to refresh."


class ConflictError(ServiceError):
    default_hint = "Someone else changed it since you loaded it: reload, or overwrite their change."


class BadRequestError(ServiceError):
    default_hint = "Check what you entered and try again."


class ProtocolError(ServiceError):
    default_hint = "The address may point at something that is not this service; check the URL in the profile."


class ReadOnlyError(ServiceError):
    """A change asked for while the connection is read-only; nothing was sent."""

    default_hint = "servicedeck runs read-only (--read-only, or read_only = true in the profile)."


class UnavailableError(ServiceError):
    default_hint = "Check that the server is running and the URL in the profile is right, then try again."


def error_for_status(status: int) -> type[ServiceError]:
    if status in (401, 403):
        return AuthError
    if status == 404:
        return NotFoundError
    if status in (409, 412):
        return ConflictError
    if 400 <= status < 500:
        return BadRequestError
    if status in (502, 503, 504):
        return UnavailableError
    return ServiceError

"""Nuxeo's error replies, `{"entity-type": "exception", "status", "message"}`, as readable `ServiceError`s."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tui.http import (
    AuthError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    ServiceError,
    error_for_status,
    redact_text,
)
from tui.services.nuxeo.wire import SERVICE

if TYPE_CHECKING:
    import httpx


def nuxeo_error(
    response: httpx.Response, *, with_token: bool = False, secrets: Iterable[str] = ()
) -> ServiceError | None:
    """Nuxeo's error shape is `{"entity-type": "exception", "status", "message"}`; turn it into a readable error.

    Returns None for success statuses, and for bodies that are not Nuxeo's JSON (HttpConnection then describes
    an HTML page or a bare status itself). A server may echo the password or token back in its message: `secrets`
    are masked here, before the error exists, so no copy of the message (its repr, a log line) holds them.
    """
    status = response.status_code
    if status < 400:
        return None
    if status == 401:
        if with_token:
            return AuthError(
                "Nuxeo refused the authentication token.",
                status=status,
                service=SERVICE,
                hint="The token may have been revoked; ask for a new one and put it in the profile.",
            )
        return AuthError("Nuxeo refused the username or password.", status=status, service=SERVICE)
    message = ""  # only a text message is shown: anything else in its place is not Nuxeo's error shape
    try:
        body = response.json()
    except (ValueError, RecursionError):  # not JSON (an HTML page, a bare status): HttpConnection describes it
        body = None
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        message = redact_text(body["message"].strip(), secrets)
    if not message:
        return None
    message = message if message.endswith((".", "!", "?")) else message + "."
    if status == 403:
        return AuthError(
            f"Nuxeo does not allow this: {message}",
            status=status,
            service=SERVICE,
            hint="Ask an administrator for the permission, or sign in as another user.",
        )
    if status == 404:
        return NotFoundError(f"Nuxeo could not find it: {message}", status=status, service=SERVICE)
    if status == 409:
        return ConflictError(f"Nuxeo refused the change: {message}", status=status, service=SERVICE)
    if status == 400:
        return BadRequestError(f"Nuxeo rejected the request: {message}", status=status, service=SERVICE)
    cls = error_for_status(status)
    return cls(f"Nuxeo failed (HTTP {status}): {message}", status=status, service=SERVICE)

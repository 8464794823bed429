"""Cerb's failures as the shared error family. Cerb answers most of them with HTTP 200 and `__status: error`."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from tui.http import AuthError, BadRequestError, ConflictError, NotFoundError, ProtocolError, ServiceError, expect
from tui.services.cerb.models import Difference, Ticket
from tui.services.cerb.wire import ErrorReply

if TYPE_CHECKING:
    import httpx

SERVICE = "Cerb"


class TicketChanged(ConflictError):
    """The ticket changed on the server since it was loaded; `differences` says how, `current` is the fresh copy."""

    def __init__(self, current: Ticket, differences: list[Difference]):
        what = ", ".join(name for name, _, _ in differences) or "its update time"
        super().__init__(
            f"Ticket {current.mask} was changed on the server since you opened it ({what}).",
            hint="Review the changes, then apply yours again or keep theirs.",
            service=SERVICE,
        )
        self.current = current
        self.differences = differences


def _readable_denial(message: str) -> ServiceError:
    lowered = message.lower()
    if "timestamp" in lowered:
        return AuthError(
            "Cerb refused the request because this computer's clock differs from the server's by more than 10 minutes.",
            hint="Set the system clock right (enable network time), then reload.",
            status=401,
            service=SERVICE,
        )
    if "checksum" in lowered:
        return AuthError(
            "Cerb refused the access key and secret: the request signature did not match.",
            hint="Check the secret of this connection in the profile.",
            status=401,
            service=SERVICE,
        )
    if "access key" in lowered:
        return AuthError(
            "Cerb does not know this access key.",
            hint="Check the access key of this connection in the profile.",
            status=401,
            service=SERVICE,
        )
    if "token" in lowered or "authorization server" in lowered:
        return AuthError(
            "Cerb refused the OAuth token; it may have expired.",
            hint="Get a new token and update the profile.",
            status=401,
            service=SERVICE,
        )
    return AuthError(f"Cerb refused the credentials ({message or 'access denied'}).", status=401, service=SERVICE)


_RECORD_NOT_FOUND = re.compile(r"^Invalid record cerberusweb\.contexts\.(?P<kind>[\w.]+) #(?P<id>\d+)$")
_RECORD_NUMBER_NOT_FOUND = re.compile(r"^Record #(?P<id>\d+) not found$")
_INVALID_ID = re.compile(r"^Invalid (?P<kind>\w+) (?:id|ID) '?(?P<id>\d+)'?$")
_GIVEN_INVALID = re.compile(r"^The given '(?P<name>\w+)'(?: parameter)? is invalid$")
_DENIED = ("access denied", "permission denied", "you do not have", "not allowed")


def _kind_in(path: str) -> str:
    """`/rest/records/ticket/5.json` -> "ticket"; "record" when the path does not say."""
    parts = path.split("/")
    return parts[parts.index("records") + 1] if "records" in parts[:-1] else "record"


def _classify(code: str, message: str, path: str) -> tuple[type[ServiceError], str]:
    """What kind of failure Cerb reported, and the detail to show. Cerb 10 sends most controller errors with the
    generic code `ERROR`, so its message says what happened."""
    detail = message.rstrip(".") or code
    if found := _RECORD_NOT_FOUND.match(detail):
        return NotFoundError, f"Invalid {found['kind'].split('.')[-1]} id '{found['id']}'"
    if found := _RECORD_NUMBER_NOT_FOUND.match(detail):
        return NotFoundError, f"Invalid {_kind_in(path)} id '{found['id']}'"
    if code == "ERROR_NOT_FOUND" or _INVALID_ID.match(detail):
        return NotFoundError, detail
    if found := _GIVEN_INVALID.match(detail):  # a message or ticket that is gone; any other id is a bad value
        return (NotFoundError if found["name"] in ("message_id", "ticket_id") else BadRequestError), detail
    if code == "ERROR_PERMISSIONS" or any(d in detail.lower() for d in _DENIED):
        return AuthError, detail
    if code in ("ERROR_PARAM_INVALID", "ERROR_PARAM_REQUIRED", "ERROR_SEARCH_FILTERS_INVALID"):
        return BadRequestError, detail
    if code == "ERROR" and re.search(r"\b(is required|must be|must not|is not a valid|is invalid)\b", detail):
        return BadRequestError, detail
    if code == "ERROR_NOT_IMPLEMENTED" or message.startswith("Unknown command"):
        return ProtocolError, detail
    return ServiceError, detail


def cerb_error(response: httpx.Response) -> ServiceError | None:
    """Map Cerb's error replies (HTTP 200 with `__status: error`, and 401/403) to one readable exception.

    Anything else (a success, or a body that is not Cerb's JSON) is left to the caller and the generic handling."""
    status = response.status_code
    content = response.content
    if status < 400 and b'"error"' not in content:  # cheap test before parsing a big success reply twice
        return None
    try:
        body = json.loads(content)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested deeper than Python parses
        return None
    if not isinstance(body, dict) or (status not in (401, 403) and body.get("__status") != "error"):
        return None
    request = response.request
    reply = expect(body, ErrorReply, service=SERVICE, what=f"{request.method} {request.url.path}")
    message = (reply.message or "").strip()
    if status in (401, 403):
        return _readable_denial(message)
    kind, detail = _classify(str(reply.code or "ERROR"), message, request.url.path)
    if kind is NotFoundError:
        return NotFoundError(f"Cerb could not find that: {detail}.", service=SERVICE, status=status)
    if kind is BadRequestError:
        return BadRequestError(f"Cerb did not accept the request: {detail}.", service=SERVICE, status=status)
    if kind is AuthError:
        return AuthError(
            f"This worker is not allowed to do that in Cerb: {detail}.",
            hint="Ask a Cerb administrator for the permission.",
            service=SERVICE,
            status=status,
        )
    if kind is ProtocolError:
        return ProtocolError(
            f"Cerb does not support this request ({detail}).",
            hint="The server may be an older Cerb version, or the URL may not end in /rest/.",
            service=SERVICE,
            status=status,
        )
    return ServiceError(f"Cerb reported an error: {detail}.", service=SERVICE, status=status)
